//! The fuzz targets' bodies, one function per target (`fuzz_targets/<name>.rs` calls `ebid_fuzz::<name>`). They
//! live in `entries/`, which `host/tests/fuzz_regressions.rs` compiles too, so the stable replay of the corpus and
//! the regressions runs exactly what the fuzzer ran.

#[path = "entries/mod.rs"]
mod entries;

pub use entries::*;
