//! `ebid-host install/uninstall/doctor` run as a program against throwaway roots, for every OS layout.
//!
//! The expected locations are written out here independently of `admin::layout`, straight from the browsers'
//! documentation, so a slip in the table fails a test instead of being checked against itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const HOST: &str = env!("CARGO_BIN_EXE_ebid-host");
const CHROME_ID: &str = "gbhbffmnghhpjolccbflhlhkcanbdabm";
const FIREFOX_ID: &str = "ebid-renewal@ebid.jp";
const UNIX_HOST_PATH: &str = "/usr/bin/ebid-host";
const WINDOWS_HOST_PATH: &str = r"C:\Program Files\ebid-host\ebid-host.exe";

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let unique = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("ebid-admin-{tag}-{}-{unique}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(HOST)
        .args(args)
        .env_remove("HOME")
        .output()
        .expect("run ebid-host")
}

fn run_ok(args: &[&str]) -> String {
    let output = run(args);
    assert!(
        output.status.success(),
        "ebid-host {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Expected manifest file (relative to the root; `~` = the home given with --home) and, on Windows, registry key.
fn expected(os: &str, scope: &str, browser: &str) -> (String, Option<String>) {
    let file = "jp.ebid.renewal.json";
    let path = match (os, scope, browser) {
        ("linux", "system", "chrome") => "/etc/opt/chrome/native-messaging-hosts",
        ("linux", "system", "chromium") => "/etc/chromium/native-messaging-hosts",
        ("linux", "system", "edge") => "/etc/opt/edge/native-messaging-hosts",
        ("linux", "system", "firefox") => "/usr/lib/mozilla/native-messaging-hosts",
        ("linux", "user", "chrome") => "~/.config/google-chrome/NativeMessagingHosts",
        ("linux", "user", "chromium") => "~/.config/chromium/NativeMessagingHosts",
        ("linux", "user", "edge") => "~/.config/microsoft-edge/NativeMessagingHosts",
        ("linux", "user", "firefox") => "~/.mozilla/native-messaging-hosts",
        ("macos", "system", "chrome") => "/Library/Google/Chrome/NativeMessagingHosts",
        ("macos", "system", "chromium") => {
            "/Library/Application Support/Chromium/NativeMessagingHosts"
        }
        ("macos", "system", "edge") => "/Library/Microsoft/Edge/NativeMessagingHosts",
        ("macos", "system", "firefox") => {
            "/Library/Application Support/Mozilla/NativeMessagingHosts"
        }
        ("macos", "user", "chrome") => {
            "~/Library/Application Support/Google/Chrome/NativeMessagingHosts"
        }
        ("macos", "user", "chromium") => {
            "~/Library/Application Support/Chromium/NativeMessagingHosts"
        }
        ("macos", "user", "edge") => {
            "~/Library/Application Support/Microsoft Edge/NativeMessagingHosts"
        }
        ("macos", "user", "firefox") => {
            "~/Library/Application Support/Mozilla/NativeMessagingHosts"
        }
        ("windows", "system", _) => "/Program Files/ebid-host",
        ("windows", "user", _) => "~/AppData/Local/ebid-host",
        other => panic!("no expectation for {other:?}"),
    };
    if os != "windows" {
        return (format!("{path}/{file}"), None);
    }
    let hive = if scope == "user" {
        "HKEY_CURRENT_USER"
    } else {
        "HKEY_LOCAL_MACHINE"
    };
    let vendor = match browser {
        "chrome" => r"Google\Chrome",
        "chromium" => "Chromium",
        "edge" => r"Microsoft\Edge",
        _ => "Mozilla",
    };
    (
        format!("{path}/jp.ebid.renewal.{browser}.json"),
        Some(format!(
            r"{hive}\Software\{vendor}\NativeMessagingHosts\jp.ebid.renewal"
        )),
    )
}

fn resolve(root: &Path, home: &Path, expected: &str) -> PathBuf {
    match expected.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => root.join(expected.trim_start_matches('/')),
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Every file and directory under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(base).unwrap().display().to_string());
            if path.is_dir() {
                walk(base, &path, out);
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn check_manifest(manifest: &Value, browser: &str, host_path: &str) {
    assert_eq!(manifest["name"], "jp.ebid.renewal");
    assert_eq!(manifest["type"], "stdio");
    assert_eq!(manifest["path"], host_path);
    assert!(manifest["description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    if browser == "firefox" {
        assert_eq!(
            manifest["allowed_extensions"],
            serde_json::json!([FIREFOX_ID])
        );
        assert!(manifest.get("allowed_origins").is_none());
    } else {
        assert_eq!(
            manifest["allowed_origins"],
            serde_json::json!([format!("chrome-extension://{CHROME_ID}/")])
        );
        assert!(manifest.get("allowed_extensions").is_none());
    }
}

#[test]
fn every_os_scope_and_browser_lands_where_the_browser_looks_and_uninstall_leaves_nothing() {
    for os in ["linux", "macos", "windows"] {
        for scope in ["user", "system"] {
            for browser in ["chrome", "chromium", "edge", "firefox"] {
                let root = TempDir::new("layout");
                let home = root.path().join("home/alice");
                let root_arg = root.path().to_str().unwrap();
                let home_arg = home.to_str().unwrap();
                let host_path = if os == "windows" {
                    WINDOWS_HOST_PATH
                } else {
                    UNIX_HOST_PATH
                };
                let common = [
                    "--os",
                    os,
                    "--root",
                    root_arg,
                    "--home",
                    home_arg,
                    "--browser",
                    browser,
                    "--host-path",
                    host_path,
                ];
                let scope_flag = format!("--{scope}");
                let install: Vec<&str> = ["install", scope_flag.as_str()]
                    .into_iter()
                    .chain(common.iter().copied())
                    .collect();
                run_ok(&install);

                let (file, key) = expected(os, scope, browser);
                let file = resolve(root.path(), &home, &file);
                check_manifest(&read_json(&file), browser, host_path);
                let registry = root.path().join("registry.json");
                match key {
                    Some(key) => {
                        let values: BTreeMap<String, String> =
                            serde_json::from_value(read_json(&registry)).unwrap();
                        assert_eq!(values.len(), 1, "{os} {scope} {browser}: {values:?}");
                        assert_eq!(
                            values.get(&key).map(PathBuf::from),
                            Some(file.clone()),
                            "{os} {scope} {browser}"
                        );
                    }
                    None => assert!(!registry.exists(), "{os}: no registry outside Windows"),
                }

                let uninstall: Vec<&str> = ["uninstall", scope_flag.as_str()]
                    .into_iter()
                    .chain(common.iter().copied())
                    .collect();
                run_ok(&uninstall);
                assert_eq!(
                    tree(root.path()),
                    Vec::<String>::new(),
                    "{os} {scope} {browser} left files behind"
                );
            }
        }
    }
}

#[test]
fn install_is_idempotent_and_extra_ids_are_listed_once() {
    for os in ["linux", "windows"] {
        let root = TempDir::new("idempotent");
        let root_arg = root.path().to_str().unwrap();
        let host_path = if os == "windows" {
            WINDOWS_HOST_PATH
        } else {
            UNIX_HOST_PATH
        };
        let store_id = "abcdefghijklmnopabcdefghijklmnop";
        let install = [
            "install",
            "--system",
            "--os",
            os,
            "--root",
            root_arg,
            "--browser",
            "all",
            "--host-path",
            host_path,
            "--extension-id",
            store_id,
            "--extension-id",
            "other@example.jp",
            "--extension-id",
            store_id,
        ];
        run_ok(&install);
        let first = tree(root.path());
        let contents: Vec<Option<String>> = first
            .iter()
            .map(|p| std::fs::read_to_string(root.path().join(p)).ok())
            .collect();
        run_ok(&install);
        assert_eq!(
            tree(root.path()),
            first,
            "{os}: second install changed the tree"
        );
        let again: Vec<Option<String>> = first
            .iter()
            .map(|p| std::fs::read_to_string(root.path().join(p)).ok())
            .collect();
        assert_eq!(again, contents, "{os}: second install changed a file");

        let (chrome, _) = expected(os, "system", "chrome");
        let chrome = read_json(&resolve(root.path(), root.path(), &chrome));
        assert_eq!(
            chrome["allowed_origins"],
            serde_json::json!([
                format!("chrome-extension://{CHROME_ID}/"),
                format!("chrome-extension://{store_id}/")
            ])
        );
        let (firefox, _) = expected(os, "system", "firefox");
        let firefox = read_json(&resolve(root.path(), root.path(), &firefox));
        assert_eq!(
            firefox["allowed_extensions"],
            serde_json::json!([FIREFOX_ID, "other@example.jp"])
        );
        if os == "windows" {
            let values = read_json(&root.path().join("registry.json"));
            assert_eq!(values.as_object().unwrap().len(), 4);
        }

        let uninstall = [
            "uninstall",
            "--system",
            "--os",
            os,
            "--root",
            root_arg,
            "--browser",
            "all",
        ];
        run_ok(&uninstall);
        assert_eq!(tree(root.path()), Vec::<String>::new());
        let second = run_ok(&uninstall);
        assert!(second.contains("nothing to remove"), "{second}");
    }
}

#[test]
fn uninstall_keeps_directories_and_files_that_were_not_ours() {
    let root = TempDir::new("keep");
    let home = root.path().join("home");
    let profile = home.join(".config/google-chrome");
    std::fs::create_dir_all(profile.join("Default")).unwrap();
    let root_arg = root.path().to_str().unwrap();
    let args = [
        "--os",
        "linux",
        "--root",
        root_arg,
        "--browser",
        "chrome,firefox",
        "--host-path",
        UNIX_HOST_PATH,
    ];
    run_ok(&[&["install", "--user"][..], &args].concat());
    // Another product's manifest lands next to ours after we created the directory.
    let firefox_dir = home.join(".mozilla/native-messaging-hosts");
    std::fs::write(firefox_dir.join("other.host.json"), "{}").unwrap();
    run_ok(&[&["uninstall", "--user"][..], &args].concat());
    assert_eq!(
        tree(root.path()),
        [
            "home",
            "home/.config",
            "home/.config/google-chrome",
            "home/.config/google-chrome/Default",
            "home/.local",
            "home/.local/state",
            "home/.local/state/ebid-host",
            "home/.local/state/ebid-host/install-record.json",
            "home/.mozilla",
            "home/.mozilla/native-messaging-hosts",
            "home/.mozilla/native-messaging-hosts/other.host.json",
        ]
    );
    // Once the other file is gone, a later uninstall finishes the job from the record.
    std::fs::remove_file(firefox_dir.join("other.host.json")).unwrap();
    run_ok(&[&["uninstall", "--user"][..], &args].concat());
    assert_eq!(
        tree(root.path()),
        [
            "home",
            "home/.config",
            "home/.config/google-chrome",
            "home/.config/google-chrome/Default"
        ]
    );
}

#[test]
fn bad_command_lines_are_refused_with_status_2() {
    for args in [
        &["install", "--browser", "safari"][..],
        &["install", "--os", "windows"],
        &["install", "--user", "--system"],
        &["doctor", "--frobnicate"],
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("--"),
            "{args:?}: says which flag"
        );
    }
}

fn doctor(root: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let root_arg = root.to_str().unwrap();
    let args: Vec<&str> = ["doctor", "--json", "--os", "linux", "--root", root_arg]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    let output = run(&args);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.code(), report)
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

#[test]
fn doctor_names_a_missing_manifest_first_then_accepts_the_installed_one() {
    if std::env::consts::OS != "linux" {
        return;
    }
    let root = TempDir::new("doctor");
    // Chromium counts as installed when its program is there.
    std::fs::create_dir_all(root.path().join("usr/bin")).unwrap();
    std::fs::write(root.path().join("usr/bin/chromium"), "").unwrap();

    let (code, report) = doctor(root.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(report["first_failure"], "manifest.chromium");
    let missing = check(&report, "manifest.chromium");
    assert_eq!(missing["ok"], false);
    assert!(missing["message_en"]
        .as_str()
        .unwrap()
        .contains("Specified native messaging host not found"));
    assert!(missing["fix_en"]
        .as_str()
        .unwrap()
        .contains("ebid-host install"));
    assert!(!missing["fix_ja"].as_str().unwrap().is_empty());
    assert_eq!(check(&report, "host.version")["ok"], true);
    // Only installed browsers are checked by default.
    assert!(report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["id"] != "manifest.chrome"));

    let root_arg = root.path().to_str().unwrap();
    run_ok(&[
        "install",
        "--system",
        "--os",
        "linux",
        "--root",
        root_arg,
        "--browser",
        "chromium",
    ]);
    let (_, report) = doctor(root.path(), &[]);
    assert_eq!(check(&report, "manifest.chromium")["ok"], true, "{report}");
    assert_eq!(check(&report, "extension.chromium")["ok"], true, "{report}");
    assert_ne!(report["first_failure"], "manifest.chromium");

    // A manifest pointing at another program, or not allowing our extension, is the first failure again.
    let manifest_path = root
        .path()
        .join("etc/chromium/native-messaging-hosts/jp.ebid.renewal.json");
    let mut manifest = read_json(&manifest_path);
    manifest["path"] = Value::from("/bin/true");
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let (code, report) = doctor(root.path(), &[]);
    assert_eq!(
        (code, report["first_failure"].as_str()),
        (Some(1), Some("manifest.chromium"))
    );
    assert!(check(&report, "manifest.chromium")["message_en"]
        .as_str()
        .unwrap()
        .contains("another ebid-host"));

    manifest["path"] = Value::from(std::fs::canonicalize(HOST).unwrap().to_str().unwrap());
    manifest["allowed_origins"] =
        serde_json::json!(["chrome-extension://abcdefghijklmnopabcdefghijklmnop/"]);
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let (code, report) = doctor(root.path(), &[]);
    assert_eq!(
        (code, report["first_failure"].as_str()),
        (Some(1), Some("extension.chromium"))
    );

    std::fs::write(&manifest_path, "{ not json").unwrap();
    let (_, report) = doctor(root.path(), &[]);
    assert_eq!(report["first_failure"], "manifest.chromium");
}

#[test]
fn doctor_follows_a_custom_chromium_profile_directory() {
    if std::env::consts::OS != "linux" {
        return;
    }
    let root = TempDir::new("udd");
    let udd = root.path().join("profile");
    let root_arg = root.path().to_str().unwrap();
    let udd_arg = udd.to_str().unwrap();
    let args = [
        "--user",
        "--os",
        "linux",
        "--root",
        root_arg,
        "--browser",
        "chromium",
        "--user-data-dir",
        udd_arg,
    ];
    run_ok(&[&["install"][..], &args].concat());
    assert!(udd
        .join("NativeMessagingHosts/jp.ebid.renewal.json")
        .is_file());
    let (_, report) = doctor(
        root.path(),
        &["--browser", "chromium", "--user-data-dir", udd_arg],
    );
    assert_eq!(check(&report, "manifest.chromium")["ok"], true, "{report}");
    // Without the flag the default per-user and system directories are empty.
    let (_, report) = doctor(root.path(), &["--browser", "chromium"]);
    assert_eq!(report["first_failure"], "manifest.chromium");
    run_ok(&[&["uninstall"][..], &args].concat());
    assert_eq!(tree(root.path()), Vec::<String>::new());
}
