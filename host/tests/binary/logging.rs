//! The log: no PIN in it, whatever the level.

use serde_json::json;
use virtual_card::testca::CertOptions;

use crate::common::*;

#[test]
fn no_pin_reaches_the_log_even_at_trace_level() {
    let bed = bed(1);
    let log_dir = tempfile::tempdir().unwrap();
    let log_file = log_dir.path().join("host.log");
    let jpki = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card7"));
    let profile = bed.profile_card(PROFILE_PIN, CertOptions::with_key("card8"));
    let _a = bed.insert(&jpki.card, 0);
    let _b = bed.insert(&profile.card, 1);
    let mut host = bed.host_with_env(&[
        ("EBID_HOST_LOG", "trace"),
        ("EBID_HOST_LOG_FILE", log_file.to_str().unwrap()),
    ]);
    let (r0, r1) = (bed.reader(0), bed.reader(1));

    for (reader, wrong, right) in [
        (&r0, JPKI_WRONG_PIN, JPKI_PIN),
        (&r1, PROFILE_WRONG_PIN, PROFILE_PIN),
    ] {
        assert_eq!(code(&host.verify(reader, wrong)["error"]), "WRONG_PIN");
        host.ok(json!({"cmd": "pin_status", "reader": reader}));
        host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": right}));
        host.ok(json!({"cmd": "read_certificate", "reader": reader}));
        host.ok(sign_challenge(reader, ORIGIN, &challenge(32), "login"));
        // A PIN in a malformed request, and in a request that panics nothing but is refused.
        host.process
            .send(&json!({"id": 900, "cmd": "verify_pin", "reader": 5, "pin": right}))
            .unwrap();
        host.process
            .send(&json!({"id": 901, "cmd": "verify_pin", "reader": reader, "pin": [right]}))
            .unwrap();
    }
    host.process.close_stdin();
    host.process.wait_exit(WAIT).unwrap();
    // The host is gone, so the file holds every line it logged; the harness has read the stderr pipe to its end
    // when it holds as much (the host writes each line to both).
    let log = std::fs::read_to_string(&log_file).unwrap();
    eventually("the host's stderr read to its end", || {
        host.stderr().len() >= log.len()
    });

    let stderr = host.stderr();
    assert!(stderr.contains("TRACE"), "trace logging was on:\n{stderr}");
    assert!(log.contains("APDU"), "the log file got the trace too");
    for pin in [PROFILE_PIN, PROFILE_WRONG_PIN, JPKI_PIN, JPKI_WRONG_PIN] {
        let hex: String = pin.bytes().map(|b| format!("{b:02X}")).collect();
        for (name, text) in [("stderr", &stderr), ("log file", &log)] {
            assert!(!text.contains(pin), "{pin} in {name}");
            assert!(
                !text.to_uppercase().contains(&hex),
                "{pin} as hex in {name}"
            );
        }
    }
    assert!(!stderr.contains("panicked"));
}
