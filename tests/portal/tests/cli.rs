//! The `replica-portal` binary: registers from a JSON file, serves, and prints where it listens.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;

#[test]
fn binary_registers_and_serves() {
    let dir = temp_dir("cli");
    let current = Card::issue(&CardSpec::current());
    let user_file = dir.join("user.json");
    std::fs::write(
        &user_file,
        serde_json::to_string(&user_for(&current)).unwrap(),
    )
    .unwrap();

    let (mut child, port) = spawn(&dir, &["--register", user_file.to_str().unwrap()]);

    let mut browser = Browser::at_port(port);
    let origin = format!("http://127.0.0.1:{port}");
    let new = Card::issue(&CardSpec::new_card());
    let page = submit_renewal(&mut browser, &origin, &current, &new);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains(REGISTERED_NAME));
    assert_eq!(page.header("X-Frame-Options"), Some("SAMEORIGIN"));
}

/// Starts the binary with `extra` arguments; returns the child and its port.
fn spawn(dir: &std::path::Path, extra: &[&str]) -> (std::process::Child, u16) {
    let ca_file = dir.join("ca.der");
    std::fs::write(&ca_file, ca_der()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_replica-portal"))
        .args(["--port", "0", "--data"])
        .arg(dir.join("data"))
        .arg("--ca-cert")
        .arg(&ca_file)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    (child, port)
}

#[test]
fn binary_allow_framing_and_the_injection_fixture() {
    let dir = temp_dir("cli-framing");
    let (mut child, port) = spawn(&dir, &["--allow-framing"]);
    std::fs::write(dir.join("data").join("injected.html"), "<b>injected</b>").unwrap();
    let menu = Browser::at_port(port).get(replica_portal::paths::MENU);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(menu.status, 200);
    assert_eq!(menu.header("X-Frame-Options"), None);
    assert_eq!(menu.header("Content-Security-Policy"), None);
    assert!(menu
        .html
        .contains("<div id=\"injected\"><b>injected</b></div>"));
}

#[test]
fn binary_explains_bad_arguments() {
    let output = Command::new(env!("CARGO_BIN_EXE_replica-portal"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    // The exit codes are the typed answers; the text is the point of this test: a person reads it.
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: replica-portal"));
    let dir = temp_dir("cli-bad-ca");
    std::fs::write(dir.join("ca.der"), b"not a certificate").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_replica-portal"))
        .args(["--port", "0", "--data"])
        .arg(dir.join("data"))
        .arg("--ca-cert")
        .arg(dir.join("ca.der"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("CA certificate"));
}

#[test]
fn binary_adds_roster_entries_from_an_object_or_an_array() {
    let dir = temp_dir("cli-roster");
    let single = dir.join("one.json");
    std::fs::write(&single, serde_json::to_string(&roster_entry()).unwrap()).unwrap();
    let mut other = roster_entry();
    other.gyosha_no = "0099999".into();
    other.company_name = "株式会社ほかの建設".into();
    let several = dir.join("many.json");
    std::fs::write(&several, serde_json::to_string(&vec![other]).unwrap()).unwrap();
    let (mut child, port) = spawn(
        &dir,
        &[
            "--roster",
            single.to_str().unwrap(),
            "--roster",
            several.to_str().unwrap(),
        ],
    );
    let origin = format!("http://127.0.0.1:{port}");
    let card = Card::issue(&CardSpec {
        key: 3,
        ..CardSpec::current()
    });
    let mut browser = Browser::at_port(port);
    let proof = prove_registration_card(&mut browser, &origin, &card);
    let hit = browser.post_form(
        replica_portal::paths::REGIST_SEARCH,
        &[("gyoshaNo", "0099999")],
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(proof.status, 200, "{}", words(&proof));
    assert!(hit.text().contains("株式会社ほかの建設"), "{}", hit.text());
    let stored = std::fs::read_to_string(dir.join("data").join("roster.json")).unwrap();
    assert!(stored.contains(GYOSHA_NO) && stored.contains("0099999"));
}
