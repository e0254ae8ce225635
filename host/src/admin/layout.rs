//! Where each browser looks for native messaging host manifests, as data.
//!
//! One pure function per question (where does the manifest go, which registry key names it, where does a browser
//! look first, how do we tell a browser is installed), so every OS layout can be checked on any machine.
//! Sources: developer.chrome.com "Native messaging" (host location), learn.microsoft.com "Native messaging"
//! (Edge: locations and the Windows registry search order), MDN "Native manifests" (Firefox), and Chromium's
//! `native_process_launcher_win.cc` (Chromium reads `Software\Chromium\...` first, then the Chrome key).

use ebid_protocol::HOST_NAME;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Os {
    Linux,
    Macos,
    Windows,
}

impl Os {
    pub const ALL: [Os; 3] = [Os::Linux, Os::Macos, Os::Windows];

    /// The OS this binary was built for, when it is one we know the layout of.
    pub fn current() -> Option<Os> {
        if cfg!(target_os = "windows") {
            Some(Os::Windows)
        } else if cfg!(target_os = "macos") {
            Some(Os::Macos)
        } else if cfg!(target_os = "linux") {
            Some(Os::Linux)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Macos => "macos",
            Os::Windows => "windows",
        }
    }

    pub fn parse(name: &str) -> Option<Os> {
        Os::ALL.into_iter().find(|os| os.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Only the current user (no administrator rights needed).
    User,
    /// Every user of the machine.
    System,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::User, Scope::System];

    pub fn name(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::System => "system",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Browser {
    Chrome,
    Chromium,
    Edge,
    Firefox,
}

impl Browser {
    pub const ALL: [Browser; 4] = [
        Browser::Chrome,
        Browser::Chromium,
        Browser::Edge,
        Browser::Firefox,
    ];

    /// The name used on the command line and in check ids.
    pub fn name(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Chromium => "chromium",
            Browser::Edge => "edge",
            Browser::Firefox => "firefox",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Browser::Chrome => "Google Chrome",
            Browser::Chromium => "Chromium",
            Browser::Edge => "Microsoft Edge",
            Browser::Firefox => "Mozilla Firefox",
        }
    }

    pub fn parse(name: &str) -> Option<Browser> {
        Browser::ALL.into_iter().find(|b| b.name() == name)
    }

    /// Chrome-family manifests list `allowed_origins`; Firefox's list `allowed_extensions`.
    pub fn is_firefox(self) -> bool {
        self == Browser::Firefox
    }
}

/// Where a path starts; resolved against the real machine or a test root by [`super::environment::Environment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Base {
    /// The file system root (`/`), Linux and macOS.
    Root,
    /// The user's home directory.
    Home,
    /// `%ProgramFiles%`.
    ProgramFiles,
    /// `%ProgramFiles(x86)%`.
    ProgramFilesX86,
    /// `%LOCALAPPDATA%`.
    LocalAppData,
    /// `%APPDATA%` (roaming).
    AppData,
}

/// A path relative to a [`Base`], with `/` separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place {
    pub base: Base,
    pub relative: &'static str,
}

const fn place(base: Base, relative: &'static str) -> Place {
    Place { base, relative }
}

/// Where one browser finds our manifest in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestLocation {
    pub dir: Place,
    pub file_name: String,
    /// Windows only: the registry key whose default value is the manifest's full path.
    pub registry_key: Option<String>,
}

/// Where `browser` finds the manifest for `scope` on `os`.
pub fn manifest_location(os: Os, scope: Scope, browser: Browser) -> ManifestLocation {
    match os {
        Os::Linux | Os::Macos => ManifestLocation {
            dir: manifest_dir_unix(os, scope, browser),
            file_name: format!("{HOST_NAME}.json"),
            registry_key: None,
        },
        Os::Windows => ManifestLocation {
            // The manifest may live anywhere on Windows; one file per browser keeps uninstalling one browser
            // independent of the others (Firefox's manifest differs from the Chrome family's anyway).
            dir: windows_program_dir(scope),
            file_name: format!("{HOST_NAME}.{}.json", browser.name()),
            registry_key: Some(registry_key(scope, browser)),
        },
    }
}

fn manifest_dir_unix(os: Os, scope: Scope, browser: Browser) -> Place {
    use Base::{Home, Root};
    use Browser::*;
    match (os, scope, browser) {
        (Os::Linux, Scope::System, Chrome) => place(Root, "etc/opt/chrome/native-messaging-hosts"),
        (Os::Linux, Scope::System, Chromium) => place(Root, "etc/chromium/native-messaging-hosts"),
        (Os::Linux, Scope::System, Edge) => place(Root, "etc/opt/edge/native-messaging-hosts"),
        (Os::Linux, Scope::System, Firefox) => {
            place(Root, "usr/lib/mozilla/native-messaging-hosts")
        }
        (Os::Linux, Scope::User, Chrome) => {
            place(Home, ".config/google-chrome/NativeMessagingHosts")
        }
        (Os::Linux, Scope::User, Chromium) => place(Home, ".config/chromium/NativeMessagingHosts"),
        (Os::Linux, Scope::User, Edge) => {
            place(Home, ".config/microsoft-edge/NativeMessagingHosts")
        }
        (Os::Linux, Scope::User, Firefox) => place(Home, ".mozilla/native-messaging-hosts"),
        (_, Scope::System, Chrome) => place(Root, "Library/Google/Chrome/NativeMessagingHosts"),
        (_, Scope::System, Chromium) => place(
            Root,
            "Library/Application Support/Chromium/NativeMessagingHosts",
        ),
        (_, Scope::System, Edge) => place(Root, "Library/Microsoft/Edge/NativeMessagingHosts"),
        (_, Scope::System, Firefox) => place(
            Root,
            "Library/Application Support/Mozilla/NativeMessagingHosts",
        ),
        (_, Scope::User, Chrome) => place(
            Home,
            "Library/Application Support/Google/Chrome/NativeMessagingHosts",
        ),
        (_, Scope::User, Chromium) => place(
            Home,
            "Library/Application Support/Chromium/NativeMessagingHosts",
        ),
        (_, Scope::User, Edge) => place(
            Home,
            "Library/Application Support/Microsoft Edge/NativeMessagingHosts",
        ),
        (_, Scope::User, Firefox) => place(
            Home,
            "Library/Application Support/Mozilla/NativeMessagingHosts",
        ),
    }
}

fn windows_program_dir(scope: Scope) -> Place {
    match scope {
        Scope::System => place(Base::ProgramFiles, "ebid-host"),
        Scope::User => place(Base::LocalAppData, "ebid-host"),
    }
}

/// `HKEY_…\Software\…\NativeMessagingHosts\jp.ebid.renewal` for the browser's own key.
pub fn registry_key(scope: Scope, browser: Browser) -> String {
    let hive = match scope {
        Scope::User => "HKEY_CURRENT_USER",
        Scope::System => "HKEY_LOCAL_MACHINE",
    };
    let vendor = match browser {
        Browser::Chrome => r"Google\Chrome",
        Browser::Chromium => "Chromium",
        Browser::Edge => r"Microsoft\Edge",
        Browser::Firefox => "Mozilla",
    };
    format!(r"{hive}\Software\{vendor}\NativeMessagingHosts\{HOST_NAME}")
}

/// The manifests `browser` tries, first to last; the first one found is the one it uses.
///
/// User-level hosts come before system ones everywhere. On Windows, Chromium falls back to Chrome's key and Edge
/// to Chromium's and then Chrome's, so a manifest registered for another browser can be the one in effect.
pub fn lookup_order(os: Os, browser: Browser) -> Vec<(Scope, Browser)> {
    let keys_read: &[Browser] = match (os, browser) {
        (Os::Windows, Browser::Chromium) => &[Browser::Chromium, Browser::Chrome],
        (Os::Windows, Browser::Edge) => &[Browser::Edge, Browser::Chromium, Browser::Chrome],
        _ => std::slice::from_ref(match browser {
            Browser::Chrome => &Browser::Chrome,
            Browser::Chromium => &Browser::Chromium,
            Browser::Edge => &Browser::Edge,
            Browser::Firefox => &Browser::Firefox,
        }),
    };
    Scope::ALL
        .into_iter()
        .flat_map(|scope| keys_read.iter().map(move |&owner| (scope, owner)))
        .collect()
}

/// Where our install record lives: the list of files, keys and directories `install` created, so `uninstall`
/// removes exactly those.
pub fn record_dir(os: Os, scope: Scope) -> Place {
    match (os, scope) {
        (Os::Linux, Scope::System) => place(Base::Root, "var/lib/ebid-host"),
        (Os::Linux, Scope::User) => place(Base::Home, ".local/state/ebid-host"),
        (Os::Macos, Scope::System) => place(Base::Root, "Library/Application Support/ebid-host"),
        (Os::Macos, Scope::User) => place(Base::Home, "Library/Application Support/ebid-host"),
        (Os::Windows, scope) => windows_program_dir(scope),
    }
}

/// Places whose existence shows the browser is installed: its program, or a user profile directory.
pub fn presence_places(os: Os, browser: Browser) -> Vec<Place> {
    use Base::*;
    use Browser::*;
    match (os, browser) {
        (Os::Linux, Chrome) => vec![
            place(Root, "opt/google/chrome/chrome"),
            place(Root, "usr/bin/google-chrome"),
            place(Root, "usr/bin/google-chrome-stable"),
            place(Home, ".config/google-chrome"),
        ],
        (Os::Linux, Chromium) => vec![
            place(Root, "usr/bin/chromium"),
            place(Root, "usr/bin/chromium-browser"),
            place(Root, "usr/lib/chromium/chromium"),
            place(Home, ".config/chromium"),
        ],
        (Os::Linux, Edge) => vec![
            place(Root, "opt/microsoft/msedge/msedge"),
            place(Root, "usr/bin/microsoft-edge"),
            place(Root, "usr/bin/microsoft-edge-stable"),
            place(Home, ".config/microsoft-edge"),
        ],
        (Os::Linux, Firefox) => vec![
            place(Root, "usr/bin/firefox"),
            place(Root, "usr/bin/firefox-esr"),
            place(Root, "usr/lib/firefox/firefox"),
            place(Root, "usr/lib/firefox-esr/firefox-esr"),
            place(Home, ".mozilla/firefox"),
        ],
        (Os::Macos, Chrome) => vec![
            place(Root, "Applications/Google Chrome.app"),
            place(Home, "Library/Application Support/Google/Chrome"),
        ],
        (Os::Macos, Chromium) => vec![
            place(Root, "Applications/Chromium.app"),
            place(Home, "Library/Application Support/Chromium"),
        ],
        (Os::Macos, Edge) => vec![
            place(Root, "Applications/Microsoft Edge.app"),
            place(Home, "Library/Application Support/Microsoft Edge"),
        ],
        (Os::Macos, Firefox) => vec![
            place(Root, "Applications/Firefox.app"),
            place(Home, "Library/Application Support/Firefox"),
        ],
        (Os::Windows, Chrome) => vec![
            place(ProgramFiles, "Google/Chrome/Application/chrome.exe"),
            place(ProgramFilesX86, "Google/Chrome/Application/chrome.exe"),
            place(LocalAppData, "Google/Chrome/User Data"),
        ],
        (Os::Windows, Chromium) => vec![
            place(LocalAppData, "Chromium/Application/chrome.exe"),
            place(LocalAppData, "Chromium/User Data"),
        ],
        (Os::Windows, Edge) => vec![
            place(ProgramFilesX86, "Microsoft/Edge/Application/msedge.exe"),
            place(ProgramFiles, "Microsoft/Edge/Application/msedge.exe"),
            place(LocalAppData, "Microsoft/Edge/User Data"),
        ],
        (Os::Windows, Firefox) => vec![
            place(ProgramFiles, "Mozilla Firefox/firefox.exe"),
            place(ProgramFilesX86, "Mozilla Firefox/firefox.exe"),
            place(AppData, "Mozilla/Firefox"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_has_a_distinct_location() {
        for os in Os::ALL {
            let mut seen = std::collections::HashSet::new();
            for scope in Scope::ALL {
                for browser in Browser::ALL {
                    let location = manifest_location(os, scope, browser);
                    let key = (
                        location.dir,
                        location.file_name.clone(),
                        location.registry_key.clone(),
                    );
                    assert!(seen.insert(key), "{os:?} {scope:?} {browser:?} collides");
                    assert_eq!(location.registry_key.is_some(), os == Os::Windows);
                }
            }
        }
    }

    #[test]
    fn windows_keys_follow_the_documented_names() {
        assert_eq!(
            registry_key(Scope::User, Browser::Chrome),
            r"HKEY_CURRENT_USER\Software\Google\Chrome\NativeMessagingHosts\jp.ebid.renewal"
        );
        assert_eq!(
            registry_key(Scope::System, Browser::Firefox),
            r"HKEY_LOCAL_MACHINE\Software\Mozilla\NativeMessagingHosts\jp.ebid.renewal"
        );
    }

    #[test]
    fn edge_on_windows_falls_back_to_chromium_and_chrome_keys() {
        assert_eq!(
            lookup_order(Os::Windows, Browser::Edge),
            vec![
                (Scope::User, Browser::Edge),
                (Scope::User, Browser::Chromium),
                (Scope::User, Browser::Chrome),
                (Scope::System, Browser::Edge),
                (Scope::System, Browser::Chromium),
                (Scope::System, Browser::Chrome),
            ]
        );
        assert_eq!(
            lookup_order(Os::Linux, Browser::Edge),
            vec![(Scope::User, Browser::Edge), (Scope::System, Browser::Edge)]
        );
    }
}
