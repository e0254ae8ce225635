//! Which browser extension started the host, from the arguments the browser passes, and whether it is one the
//! host serves.
//!
//! - Chrome, Chromium, Edge: argv[1] is the caller's origin `chrome-extension://<id>/` (on Windows
//!   `--parent-window=N` may follow; further arguments do not change who the caller is).
//! - Firefox: argv[1] is the path of the host manifest, argv[2] the add-on ID.
//!
//! Served: the built-in IDs ([`CHROME_EXTENSION_ID`], [`FIREFOX_EXTENSION_ID`]), and the IDs an admin allowed
//! with `ebid-host install --extension-id`, read back from the host manifests `install` wrote (those its install
//! records list, and those at the places the browsers read) — only when the caller is not a built-in one, so a
//! normal start reads no file.
//!
//! This is not authentication of local programs (anything that can run the host can pass any arguments, and
//! could talk to PC/SC itself): it keeps the host from serving another extension the browser let in, e.g. through
//! a manifest someone else wrote that points at this binary.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use ebid_protocol::{ErrorCode, ErrorInfo, HOST_NAME};

use crate::admin::environment::Environment;
use crate::admin::extension_ids::{
    is_chrome_id, is_firefox_id, CHROME_EXTENSION_ID, FIREFOX_EXTENSION_ID,
};
use crate::admin::layout::{self, Browser, Os, Scope};
use crate::admin::manifest::HostManifest;
use crate::admin::record::InstallRecord;
use crate::service::quote_input;

const CHROME_ORIGIN_PREFIX: &str = "chrome-extension://";

/// Manifests larger than this are not ours (ours are a few hundred bytes).
const MAX_MANIFEST_BYTES: u64 = 64 * 1024;

/// The kind of browser that started the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Chrome, Chromium, Edge: the caller is an origin.
    Chrome,
    /// Firefox: the caller is an add-on ID.
    Firefox,
}

/// A caller the host serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub family: Family,
    pub id: String,
}

/// A caller the host does not serve, with what a help desk should read in the log (caller input cut short).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: String,
}

impl Refused {
    /// The answer to every request of a refused caller.
    pub fn error(&self) -> ErrorInfo {
        ErrorInfo::new(ErrorCode::CallerNotAllowed).with_detail(self.reason.clone())
    }
}

/// Extension IDs allowed besides the built-in ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstalledIds {
    pub chrome: BTreeSet<String>,
    pub firefox: BTreeSet<String>,
}

/// Identifies the caller from the host's arguments (argv[1..]) against the built-in IDs and, for any other ID,
/// the IDs in the manifests `install` wrote on this machine.
pub fn identify(args: &[String]) -> Result<Caller, Refused> {
    identify_with(args, installed_ids)
}

/// [`identify`] with the admin-installed IDs from `installed` (called only for an ID that is not built in).
pub fn identify_with(
    args: &[String],
    installed: impl FnOnce() -> InstalledIds,
) -> Result<Caller, Refused> {
    let refuse = |reason: String| Err(Refused { reason });
    let Some(first) = args.first() else {
        return refuse("no caller argument: not started by a browser".to_owned());
    };
    if let Some(rest) = first.strip_prefix(CHROME_ORIGIN_PREFIX) {
        let id = rest.strip_suffix('/').unwrap_or("");
        if !is_chrome_id(id) {
            return refuse(format!(
                "caller origin {} is not chrome-extension://<id>/",
                quote_input(first, 100)
            ));
        }
        if id == CHROME_EXTENSION_ID || installed().chrome.contains(id) {
            return Ok(Caller {
                family: Family::Chrome,
                id: id.to_owned(),
            });
        }
        return refuse(format!("Chrome-family extension {id} is not allowed"));
    }
    let Some(id) = args.get(1) else {
        return refuse(format!(
            "caller argument {} is neither chrome-extension://<id>/ nor a Firefox manifest path and add-on ID",
            quote_input(first, 100)
        ));
    };
    if !is_firefox_id(id) {
        return refuse(format!(
            "Firefox add-on ID {} is malformed",
            quote_input(id, 100)
        ));
    }
    if id == FIREFOX_EXTENSION_ID || installed().firefox.contains(id.as_str()) {
        return Ok(Caller {
            family: Family::Firefox,
            id: id.clone(),
        });
    }
    refuse(format!(
        "Firefox add-on {} is not allowed",
        quote_input(id, 100)
    ))
}

/// The extension IDs in the manifests `ebid-host install` wrote on this machine (both scopes): the manifests
/// listed in the install records (this covers `--user-data-dir` profiles) and the ones at the places the browsers
/// read. Unreadable or foreign files are skipped.
pub fn installed_ids() -> InstalledIds {
    let Some(os) = Os::current() else {
        return InstalledIds::default();
    };
    let Ok(env) = Environment::new(os, None, None) else {
        return InstalledIds::default();
    };
    ids_in_manifests(&manifest_paths(&env))
}

/// Where `install` may have written a manifest, for the machine or test root `env` stands for.
pub fn manifest_paths(env: &Environment) -> BTreeSet<PathBuf> {
    let mut paths = BTreeSet::new();
    for scope in Scope::ALL {
        if let Ok(dir) = env.resolve(layout::record_dir(env.os, scope)) {
            paths.extend(InstallRecord::load(&dir).manifests);
        }
        for browser in Browser::ALL {
            let location = layout::manifest_location(env.os, scope, browser);
            if let Ok(dir) = env.resolve(location.dir) {
                paths.insert(dir.join(&location.file_name));
            }
        }
    }
    paths
}

/// The Chrome IDs of `allowed_origins` and the Firefox IDs of `allowed_extensions` in our host manifests among
/// `paths` (manifests of other hosts are skipped).
pub fn ids_in_manifests<'a>(paths: impl IntoIterator<Item = &'a PathBuf>) -> InstalledIds {
    let mut ids = InstalledIds::default();
    for path in paths {
        let Some(manifest) = read_manifest(path) else {
            continue;
        };
        if manifest.name != HOST_NAME {
            continue;
        }
        for origin in manifest.allowed_origins.iter().flatten() {
            let id = origin
                .strip_prefix(CHROME_ORIGIN_PREFIX)
                .and_then(|rest| rest.strip_suffix('/'));
            if let Some(id) = id.filter(|id| is_chrome_id(id)) {
                ids.chrome.insert(id.to_owned());
            }
        }
        for id in manifest.allowed_extensions.iter().flatten() {
            if is_firefox_id(id) {
                ids.firefox.insert(id.clone());
            }
        }
    }
    ids
}

fn read_manifest(path: &Path) -> Option<HostManifest> {
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(MAX_MANIFEST_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::manifest;

    const OTHER_CHROME: &str = "abcdefghijklmnopabcdefghijklmnop";
    const OTHER_FIREFOX: &str = "other@example.jp";

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn no_installed() -> InstalledIds {
        InstalledIds::default()
    }

    fn installed_other() -> InstalledIds {
        InstalledIds {
            chrome: [OTHER_CHROME.to_owned()].into(),
            firefox: [OTHER_FIREFOX.to_owned()].into(),
        }
    }

    #[test]
    fn built_in_callers_are_served_without_reading_manifests() {
        let never = || -> InstalledIds { panic!("manifests read for a built-in caller") };
        let chrome = format!("chrome-extension://{CHROME_EXTENSION_ID}/");
        assert_eq!(
            identify_with(&args(&[&chrome]), never),
            Ok(Caller {
                family: Family::Chrome,
                id: CHROME_EXTENSION_ID.to_owned()
            })
        );
        assert!(identify_with(&args(&[&chrome, "--parent-window=1234"]), never).is_ok());
        let firefox = identify_with(
            &args(&[
                "/usr/lib/mozilla/native-messaging-hosts/jp.ebid.renewal.json",
                FIREFOX_EXTENSION_ID,
            ]),
            never,
        )
        .unwrap();
        assert_eq!(firefox.family, Family::Firefox);
    }

    #[test]
    fn other_ids_only_when_installed() {
        let chrome = args(&[&format!("chrome-extension://{OTHER_CHROME}/")]);
        let firefox = args(&["/x/jp.ebid.renewal.json", OTHER_FIREFOX]);
        assert!(identify_with(&chrome, no_installed).is_err());
        assert!(identify_with(&firefox, no_installed).is_err());
        assert!(identify_with(&chrome, installed_other).is_ok());
        assert!(identify_with(&firefox, installed_other).is_ok());
        // An ID installed for the other browser family does not count.
        let swapped = || InstalledIds {
            chrome: BTreeSet::new(),
            firefox: [OTHER_CHROME.to_owned()].into(),
        };
        assert!(identify_with(&chrome, swapped).is_err());
    }

    #[test]
    fn malformed_callers_are_refused_with_a_short_reason() {
        let long = "x".repeat(10_000);
        for list in [
            vec![],
            vec!["chrome-extension://gbhbffmnghhpjolccbflhlhkcanbdabm"],
            vec!["chrome-extension://gbhbffmnghhpjolccbflhlhkcanbdabm/x"],
            vec!["chrome-extension://GBHBFFMNGHHPJOLCCBFLHLHKCANBDABM/"],
            vec!["moz-extension://ebid-renewal@ebid.jp/"],
            vec!["https://www.ebid.city.sapporo.jp/"],
            vec![long.as_str()],
            vec!["/path/jp.ebid.renewal.json", long.as_str()],
            vec!["/path/jp.ebid.renewal.json", "no-at-sign"],
        ] {
            let refused = identify_with(&args(&list), installed_other).unwrap_err();
            assert!(refused.reason.len() < 300, "{}", refused.reason);
            assert_eq!(refused.error().code, ErrorCode::CallerNotAllowed);
        }
    }

    #[test]
    fn ids_come_from_our_manifests_only() {
        let dir = std::env::temp_dir().join(format!("ebid-caller-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let extra = vec![OTHER_CHROME.to_owned(), OTHER_FIREFOX.to_owned()];
        let chrome = dir.join("chrome.json");
        let firefox = dir.join("firefox.json");
        let foreign = dir.join("foreign.json");
        let garbage = dir.join("garbage.json");
        std::fs::write(
            &chrome,
            manifest::render(&manifest::build(Browser::Chrome, "/h", &extra)),
        )
        .unwrap();
        std::fs::write(
            &firefox,
            manifest::render(&manifest::build(Browser::Firefox, "/h", &extra)),
        )
        .unwrap();
        let mut other_host = manifest::build(Browser::Chrome, "/h", &[]);
        other_host.name = "com.example.other".into();
        other_host.allowed_origins = Some(vec![
            "chrome-extension://ppppppppppppppppppppppppppppppppp/".into(),
        ]);
        std::fs::write(&foreign, manifest::render(&other_host)).unwrap();
        std::fs::write(&garbage, "not json").unwrap();
        let ids = ids_in_manifests(&[chrome, firefox, foreign, garbage, dir.join("missing.json")]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            ids.chrome,
            [CHROME_EXTENSION_ID.to_owned(), OTHER_CHROME.to_owned()].into()
        );
        assert_eq!(
            ids.firefox,
            [FIREFOX_EXTENSION_ID.to_owned(), OTHER_FIREFOX.to_owned()].into()
        );
    }

    #[test]
    fn manifest_paths_cover_install_records_and_browser_places() {
        let root = std::env::temp_dir().join(format!("ebid-caller-root-{}", std::process::id()));
        let env = Environment::new(Os::Linux, Some(root.clone()), None).unwrap();
        let record_dir = env
            .resolve(layout::record_dir(Os::Linux, Scope::User))
            .unwrap();
        std::fs::create_dir_all(&record_dir).unwrap();
        let mut record = InstallRecord::default();
        record.manifests.insert(PathBuf::from(
            "/profiles/udd/NativeMessagingHosts/jp.ebid.renewal.json",
        ));
        record.save(&record_dir).unwrap();
        let paths = manifest_paths(&env);
        std::fs::remove_dir_all(&root).unwrap();
        assert!(paths.contains(Path::new(
            "/profiles/udd/NativeMessagingHosts/jp.ebid.renewal.json"
        )));
        assert!(
            paths.contains(&root.join("etc/chromium/native-messaging-hosts/jp.ebid.renewal.json"))
        );
        assert!(
            paths.contains(&root.join("home/.mozilla/native-messaging-hosts/jp.ebid.renewal.json"))
        );
    }
}
