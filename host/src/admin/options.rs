//! The admin command line: `ebid-host install|uninstall|doctor [flags]`.

use std::path::PathBuf;

use super::environment::is_absolute_for;
use super::error::AdminError;
use super::extension_ids::{is_chrome_id, is_firefox_id};
use super::layout::{Browser, Os, Scope};

pub const USAGE: &str = "\
使い方 / usage:
  ebid-host install   [--user | --system] [--browser LIST] [--extension-id ID]... [--host-path PATH]
                      [--user-data-dir DIR] [--root DIR] [--home DIR] [--os linux|macos|windows]
  ebid-host uninstall [same flags as install]
  ebid-host doctor    [--json] [--user | --system] [--browser LIST] [--user-data-dir DIR]
                      [--root DIR] [--home DIR] [--os ...] [--host-path PATH]

  --user            この利用者だけ（既定） / only the current user (default for install)
  --system          PC の全利用者（管理者権限が必要） / every user of this PC (needs administrator rights)
  --browser LIST    chrome,chromium,edge,firefox または all（既定: all。doctor はインストール済みのもの）
                    / comma-separated, or all (default: all; doctor: the browsers found on this PC)
  --extension-id ID 追加で許可する拡張機能ID（Chrome: 32文字 a-p、Firefox: name@domain）。複数可
                    / extra extension id to allow (repeatable)
  --host-path PATH  マニフェストに書くホストの絶対パス（既定: この実行ファイル）
                    / absolute host path written in the manifests (default: this program)
  --user-data-dir DIR  Chromium系を --user-data-dir 付きで起動する場合のプロファイル（--user と1ブラウザのみ）
                    / profile dir of a Chrome-family browser started with --user-data-dir (with --user, one browser)
  --root DIR        実際の場所の代わりに DIR の下に書く（テスト・確認用） / write under DIR instead (tests)
  --home DIR        ホームディレクトリ / home directory for --user
  --os NAME         配置するOS（--root と併用） / layout of another OS (with --root)
  --json            doctor の結果を JSON で出力 / machine-readable doctor report
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Install,
    Uninstall,
    Doctor,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub command: Command,
    /// Install/uninstall: exactly one. Doctor: the scopes to look in (both by default).
    pub scopes: Vec<Scope>,
    /// `None` = not given (install/uninstall: all; doctor: those found installed).
    pub browsers: Option<Vec<Browser>>,
    pub extension_ids: Vec<String>,
    pub host_path: Option<String>,
    pub user_data_dir: Option<PathBuf>,
    pub root: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub os: Os,
    pub json: bool,
    pub help: bool,
}

fn usage(text: impl Into<String>) -> AdminError {
    AdminError::Usage(text.into())
}

/// Parses `args` (the first one is the subcommand).
pub fn parse(args: &[String]) -> Result<Options, AdminError> {
    let command = match args.first().map(String::as_str) {
        Some("install") => Command::Install,
        Some("uninstall") => Command::Uninstall,
        Some("doctor") => Command::Doctor,
        other => return Err(usage(format!("unknown subcommand {other:?}"))),
    };
    let mut options = Options {
        command,
        scopes: Vec::new(),
        browsers: None,
        extension_ids: Vec::new(),
        host_path: None,
        user_data_dir: None,
        root: None,
        home: None,
        os: Os::current().unwrap_or(Os::Linux),
        json: false,
        help: false,
    };
    let mut os_given = false;
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        // Both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, AdminError> {
            inline
                .clone()
                .or_else(|| rest.next().cloned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| usage(format!("{name} needs a value")))
        };
        match flag {
            "--user" => push_scope(&mut options.scopes, Scope::User),
            "--system" => push_scope(&mut options.scopes, Scope::System),
            "--browser" | "--browsers" => {
                let list = parse_browsers(&value(flag)?)?;
                let browsers = options.browsers.get_or_insert_with(Vec::new);
                for browser in list {
                    if !browsers.contains(&browser) {
                        browsers.push(browser);
                    }
                }
            }
            "--extension-id" => {
                let id = value(flag)?;
                if !is_chrome_id(&id) && !is_firefox_id(&id) {
                    return Err(usage(format!(
                        "--extension-id {id:?} is neither a Chrome id (32 letters a-p) nor a Firefox id (name@domain)"
                    )));
                }
                if !options.extension_ids.contains(&id) {
                    options.extension_ids.push(id);
                }
            }
            "--host-path" => options.host_path = Some(value(flag)?),
            "--user-data-dir" => options.user_data_dir = Some(PathBuf::from(value(flag)?)),
            "--root" => options.root = Some(PathBuf::from(value(flag)?)),
            "--home" => options.home = Some(PathBuf::from(value(flag)?)),
            "--os" => {
                let name = value(flag)?;
                options.os = Os::parse(&name)
                    .ok_or_else(|| usage(format!("--os {name:?}: use linux, macos or windows")))?;
                os_given = true;
            }
            "--json" if command == Command::Doctor => options.json = true,
            "-h" | "--help" => options.help = true,
            _ => return Err(usage(format!("unknown option {arg:?}"))),
        }
    }
    if os_given && options.root.is_none() && Os::current() != Some(options.os) {
        return Err(AdminError::ForeignOsNeedsRoot(options.os));
    }
    match command {
        Command::Install | Command::Uninstall => {
            if options.scopes.len() > 1 {
                return Err(usage("give --user or --system, not both"));
            }
            if options.scopes.is_empty() {
                options.scopes.push(Scope::User);
            }
        }
        Command::Doctor => {
            if options.scopes.is_empty() {
                options.scopes = Scope::ALL.to_vec();
            }
        }
    }
    if let Some(path) = &options.host_path {
        if !is_absolute_for(options.os, path) {
            return Err(AdminError::HostPathNotAbsolute(path.clone()));
        }
    }
    if options.user_data_dir.is_some() {
        check_user_data_dir(&options)?;
    }
    Ok(options)
}

fn push_scope(scopes: &mut Vec<Scope>, scope: Scope) {
    if !scopes.contains(&scope) {
        scopes.push(scope);
    }
}

fn parse_browsers(list: &str) -> Result<Vec<Browser>, AdminError> {
    let mut browsers = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == "all" {
            browsers.extend(Browser::ALL);
        } else {
            browsers.push(Browser::parse(name).ok_or_else(|| {
                usage(format!(
                    "--browser {name:?}: use chrome, chromium, edge, firefox or all"
                ))
            })?);
        }
    }
    if browsers.is_empty() {
        return Err(usage("--browser needs at least one browser"));
    }
    Ok(browsers)
}

/// A custom profile directory belongs to one Chrome-family browser and to the user scope; Windows finds hosts
/// through the registry only.
fn check_user_data_dir(options: &Options) -> Result<(), AdminError> {
    let one_chrome_family = matches!(options.browsers.as_deref(), Some([b]) if !b.is_firefox());
    if !one_chrome_family {
        return Err(usage(
            "--user-data-dir needs exactly one of --browser chrome, chromium or edge",
        ));
    }
    if options.scopes.contains(&Scope::System) && options.command != Command::Doctor {
        return Err(usage(
            "--user-data-dir is a per-user location: use it with --user",
        ));
    }
    if options.os == Os::Windows {
        return Err(usage(
            "--user-data-dir does not apply on Windows (hosts are found through the registry)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults() {
        let options = parse(&args(&["install"])).unwrap();
        assert_eq!(options.scopes, [Scope::User]);
        assert!(options.browsers.is_none());
        let options = parse(&args(&["doctor"])).unwrap();
        assert_eq!(options.scopes, Scope::ALL);
    }

    #[test]
    fn browsers_and_ids() {
        let options = parse(&args(&[
            "install",
            "--system",
            "--browser",
            "chrome,firefox",
            "--browser=chrome",
            "--extension-id",
            "abcdefghijklmnopabcdefghijklmnop",
        ]))
        .unwrap();
        assert_eq!(
            options.browsers.unwrap(),
            [Browser::Chrome, Browser::Firefox]
        );
        assert_eq!(options.extension_ids, ["abcdefghijklmnopabcdefghijklmnop"]);
        assert_eq!(
            parse(&args(&["install", "--browser", "all"]))
                .unwrap()
                .browsers
                .unwrap(),
            Browser::ALL
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            &["install", "--user", "--system"][..],
            &["install", "--browser", "safari"],
            &["install", "--browser"],
            &["install", "--extension-id", "nope"],
            &["install", "--host-path", "relative/ebid-host"],
            &["install", "--json"],
            &["install", "--frobnicate"],
            &["install", "--user-data-dir", "/tmp/udd"],
            &[
                "install",
                "--user-data-dir",
                "/tmp/udd",
                "--browser",
                "firefox",
            ],
            &["frob"],
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?} accepted");
        }
    }
}
