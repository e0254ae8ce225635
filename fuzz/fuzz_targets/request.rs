#![no_main]
// Body: fuzz/src/entries/request.rs (shared with the stable replay in host/tests/fuzz_regressions.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| ebid_fuzz::request(data));
