//! Real headless Chromium finds the host through the manifest `ebid-host install` wrote, and not without it.
//!
//! A throwaway extension carrying the project's public key (so its ID is the one the manifest allows) calls
//! `connectNative` from its service worker and posts what happened to a loopback listener of this test. Chromium
//! started with `--user-data-dir=UDD` reads `UDD/NativeMessagingHosts/`, hence `install --user-data-dir UDD`.
//! Skipped (with a message) where `/usr/bin/chromium` is missing.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use ebid_host::admin::extension_ids::CHROME_EXTENSION_PUBLIC_KEY;
use serde_json::Value;

const HOST: &str = env!("CARGO_BIN_EXE_ebid-host");
const CHROMIUM: &str = "/usr/bin/chromium";

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Ends Chromium by its pid: SIGTERM lets it take its helper processes down; SIGKILL if it lingers.
struct Browser(Child);

impl Drop for Browser {
    fn drop(&mut self) {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn write_extension(dir: &Path, port: u16) {
    std::fs::create_dir_all(dir).unwrap();
    let manifest = serde_json::json!({
        "manifest_version": 3,
        "name": "ebid-host install probe",
        "version": "1.0",
        "key": CHROME_EXTENSION_PUBLIC_KEY,
        "permissions": ["nativeMessaging"],
        "host_permissions": ["http://127.0.0.1/*"],
        "background": { "service_worker": "sw.js" }
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    let script = format!(
        r#"let reported = false;
function report(result) {{
  if (reported) return;
  reported = true;
  fetch("http://127.0.0.1:{port}/result", {{ method: "POST", body: JSON.stringify(result) }});
}}
const port = chrome.runtime.connectNative("jp.ebid.renewal");
port.onMessage.addListener((message) => {{ report({{ connected: true, message }}); port.disconnect(); }});
port.onDisconnect.addListener(() => {{
  report({{ connected: false, error: chrome.runtime.lastError ? chrome.runtime.lastError.message : null }});
}});
"#
    );
    std::fs::write(dir.join("sw.js"), script).unwrap();
}

/// Serves one POST on `listener` and hands its body over.
fn serve_one(listener: TcpListener, sender: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut data = Vec::new();
            let mut buffer = [0u8; 4096];
            // Read the headers, then as much body as Content-Length says.
            while let Ok(n) = stream.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                data.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&data);
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if data.len() >= end + 4 + length {
                        let body =
                            String::from_utf8_lossy(&data[end + 4..end + 4 + length]).into_owned();
                        let _ = stream
                            .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
                        let _ = sender.send(body);
                        break;
                    }
                }
            }
        }
    });
}

/// Starts Chromium with the probe extension and returns what the extension reported.
fn probe(root: &Path, udd: &Path, round: &str) -> Value {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let extension = root.join(format!("extension-{round}"));
    write_extension(&extension, port);
    let (sender, receiver) = mpsc::channel();
    serve_one(listener, sender);
    let child = Command::new(CHROMIUM)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", udd.display()))
        .arg(format!("--load-extension={}", extension.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let _browser = Browser(child);
    let body = receiver
        .recv_timeout(Duration::from_secs(30))
        .expect("the probe extension reported nothing");
    serde_json::from_str(&body).unwrap()
}

fn ebid_host(args: &[&str]) {
    let status = Command::new(HOST)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "ebid-host {args:?}");
}

#[test]
fn chromium_finds_the_host_only_after_install() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipped: {CHROMIUM} is not installed");
        return;
    }
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let root = TempDir(std::env::temp_dir().join(format!(
        "ebid-admin-chromium-{}-{unique}",
        std::process::id()
    )));
    // A fresh profile per round: a profile that already ran the extension need not start its worker again.
    let bare_profile = root.0.join("profile-before");
    let udd = root.0.join("profile");
    std::fs::create_dir_all(&bare_profile).unwrap();
    std::fs::create_dir_all(&udd).unwrap();
    let udd_arg = udd.to_str().unwrap();
    let home = root.0.join("home");
    let host_args = [
        "--browser",
        "chromium",
        "--user-data-dir",
        udd_arg,
        "--home",
        home.to_str().unwrap(),
    ];

    let before = probe(&root.0, &bare_profile, "before");
    assert_eq!(before["connected"], false, "{before}");
    assert!(
        before["error"].as_str().unwrap_or("").contains("not found"),
        "{before}"
    );
    // What the browser just failed on, doctor names first, for the same profile.
    let bare_args = [
        "--browser",
        "chromium",
        "--user-data-dir",
        bare_profile.to_str().unwrap(),
        "--home",
        home.to_str().unwrap(),
    ];
    let doctor = Command::new(HOST)
        .args(["doctor", "--json", "--user"])
        .args(bare_args)
        .output()
        .unwrap();
    assert_eq!(doctor.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    assert_eq!(report["first_failure"], "manifest.chromium", "{report}");

    ebid_host(&[&["install", "--user"][..], &host_args].concat());
    let after = probe(&root.0, &udd, "after");
    assert_eq!(after["connected"], true, "{after}");
    assert_eq!(after["message"]["type"], "hello", "{after}");
    assert_eq!(
        after["message"]["protocol"],
        ebid_protocol::PROTOCOL_VERSION,
        "{after}"
    );
    assert_eq!(
        after["message"]["version"],
        env!("CARGO_PKG_VERSION"),
        "{after}"
    );

    ebid_host(&[&["uninstall", "--user"][..], &host_args].concat());
    // Chromium may have created the directory itself in the first round: only our file must be gone.
    assert!(!udd
        .join("NativeMessagingHosts/jp.ebid.renewal.json")
        .exists());
}
