//! The one binary serves two callers: admins (`install`, `uninstall`, `doctor`, `--help`, `--version`) get the
//! command line; browsers, whatever they pass, get a native messaging session that starts with a Hello frame.

use std::ffi::OsString;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const HOST: &str = env!("CARGO_BIN_EXE_ebid-host");
const CHROME_ORIGIN: &str = "chrome-extension://gbhbffmnghhpjolccbflhlhkcanbdabm/";
const FIREFOX_ID: &str = "ebid-renewal@ebid.jp";

/// Runs the host with `args` and no input (a browser that closes the pipe at once).
fn run(args: &[OsString]) -> Output {
    Command::new(HOST)
        .args(args)
        .stdin(Stdio::null())
        .env_remove("EBID_HOST_LOG_FILE")
        .output()
        .expect("run ebid-host")
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The first native messaging frame on stdout (u32 length in native byte order, then JSON).
fn first_frame(output: &Output) -> Value {
    let out = &output.stdout;
    assert!(out.len() >= 4, "no frame on stdout: {output:?}");
    let len = u32::from_ne_bytes(out[..4].try_into().unwrap()) as usize;
    assert!(out.len() >= 4 + len, "truncated frame: {output:?}");
    serde_json::from_slice(&out[4..4 + len]).expect("frame is JSON")
}

#[test]
fn help_prints_usage_and_exits_0() {
    for args in [&["--help"][..], &["-h"]] {
        let output = run(&os(args));
        assert_eq!(output.status.code(), Some(0), "{args:?}: {output:?}");
        let text = stdout(&output);
        assert!(text.contains("Usage: ebid-host"), "{args:?}: {text}");
        for command in ["install", "uninstall", "doctor"] {
            assert!(
                text.contains(command),
                "{args:?} does not list {command}: {text}"
            );
        }
    }
    for (command, flag) in [
        ("install", "--extension-id"),
        ("uninstall", "--browser"),
        ("doctor", "--json"),
    ] {
        for help in ["--help", "-h"] {
            let output = run(&os(&[command, help]));
            assert_eq!(
                output.status.code(),
                Some(0),
                "{command} {help}: {output:?}"
            );
            let text = stdout(&output);
            assert!(
                text.contains(&format!("Usage: ebid-host {command}")),
                "{command} {help}: {text}"
            );
            assert!(
                text.contains(flag),
                "{command} {help} does not name {flag}: {text}"
            );
            assert!(
                !text.contains("\"hello\""),
                "{command} {help} started a session"
            );
        }
    }
}

#[test]
fn version_is_one_line() {
    for flag in ["--version", "-V"] {
        let output = run(&os(&[flag]));
        assert_eq!(output.status.code(), Some(0), "{flag}");
        assert_eq!(
            stdout(&output),
            format!("ebid-host {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn browser_launches_get_a_hello_frame() {
    let launches = [
        // Chrome, Chromium, Edge; on Windows with the parent window's handle.
        os(&[CHROME_ORIGIN]),
        os(&[CHROME_ORIGIN, "--parent-window=0"]),
        // Firefox: the manifest path and the add-on ID.
        os(&[
            "/usr/lib/mozilla/native-messaging-hosts/jp.ebid.renewal.json",
            FIREFOX_ID,
        ]),
        // Not a browser's, but not an admin command either: still a session (whose caller check refuses it).
        os(&["--json"]),
        os(&["help"]),
        os(&[]),
    ];
    for args in launches {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {output:?}");
        let hello = first_frame(&output);
        assert_eq!(hello["type"], "hello", "{args:?}: {hello}");
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_non_utf8_browser_argument_still_gets_a_hello() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let manifest =
        OsStr::from_bytes(b"/home/\xff\xfe/.mozilla/native-messaging-hosts/jp.ebid.renewal.json");
    let output = run(&[manifest.to_owned(), FIREFOX_ID.into()]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(first_frame(&output)["type"], "hello");

    // An admin command with such an argument is a usage error.
    let output = run(&[
        "install".into(),
        OsStr::from_bytes(b"--root=/tmp/\xff").to_owned(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
