//! What an admin asked for: the subcommand and its flags, parsed by clap ([`super::cli`]) and checked for the
//! combinations clap cannot judge (`--user-data-dir`, `--host-path` for the chosen OS, `--os` without `--root`).

use std::ffi::OsString;
use std::path::PathBuf;

use super::cli::{self, BrowserList, Cli, CliCommand, CommonArgs, DoctorArgs, InstallArgs};
use super::environment::is_absolute_for;
use super::error::AdminError;
use super::layout::{Browser, Os, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Install,
    Uninstall,
    Doctor,
}

impl Command {
    /// The subcommand as typed.
    pub fn name(self) -> &'static str {
        match self {
            Command::Install => "install",
            Command::Uninstall => "uninstall",
            Command::Doctor => "doctor",
        }
    }
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
    /// Doctor: PKCS#11 modules to check besides the configured ones (`--pkcs11-module`).
    pub pkcs11_modules: Vec<PathBuf>,
}

/// Parses `args` (the first one is the subcommand); every clap error, a help request included, is a usage error
/// here ([`super::run`] prints help itself).
pub fn parse(args: &[String]) -> Result<Options, AdminError> {
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    from_cli(cli::parse(&args)?)
}

/// What every subcommand's flags come down to.
struct Given {
    user: bool,
    system: bool,
    extension_ids: Vec<String>,
    json: bool,
    pkcs11_modules: Vec<PathBuf>,
    common: CommonArgs,
}

impl From<InstallArgs> for Given {
    fn from(a: InstallArgs) -> Given {
        Given {
            user: a.user,
            system: a.system,
            extension_ids: a.extension_ids,
            json: false,
            pkcs11_modules: Vec::new(),
            common: a.common,
        }
    }
}

impl From<DoctorArgs> for Given {
    fn from(a: DoctorArgs) -> Given {
        Given {
            user: a.user,
            system: a.system,
            extension_ids: a.extension_ids,
            json: a.json,
            pkcs11_modules: a.pkcs11_modules,
            common: a.common,
        }
    }
}

/// The options clap parsed, checked for what clap cannot judge.
pub fn from_cli(cli: Cli) -> Result<Options, AdminError> {
    let (command, given): (Command, Given) = match cli.command {
        CliCommand::Install(a) => (Command::Install, a.into()),
        CliCommand::Uninstall(a) => (Command::Uninstall, a.into()),
        CliCommand::Doctor(a) => (Command::Doctor, a.into()),
    };
    let Given {
        user,
        system,
        extension_ids,
        json,
        pkcs11_modules,
        common,
    } = given;
    let CommonArgs {
        browsers,
        host_path,
        user_data_dir,
        root,
        home,
        os,
    } = common;
    let mut scopes: Vec<Scope> = [(user, Scope::User), (system, Scope::System)]
        .into_iter()
        .filter_map(|(given, scope)| given.then_some(scope))
        .collect();
    if scopes.is_empty() {
        // Install and uninstall act on one scope, the user's by default; doctor looks at both.
        scopes = match command {
            Command::Doctor => Scope::ALL.to_vec(),
            Command::Install | Command::Uninstall => vec![Scope::User],
        };
    }
    let options = Options {
        command,
        scopes,
        browsers: merge_browsers(browsers),
        extension_ids: dedup(extension_ids),
        host_path,
        user_data_dir,
        root,
        home,
        os: os.unwrap_or_else(|| Os::current().unwrap_or(Os::Linux)),
        json,
        pkcs11_modules,
    };
    if os.is_some() && options.root.is_none() && Os::current() != Some(options.os) {
        return Err(AdminError::ForeignOsNeedsRoot(options.os));
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

/// Every `--browser` list in order, each browser once; `None` when none was given.
fn merge_browsers(lists: Vec<BrowserList>) -> Option<Vec<Browser>> {
    if lists.is_empty() {
        return None;
    }
    Some(dedup(lists.into_iter().flat_map(|list| list.0).collect()))
}

fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut unique = Vec::with_capacity(items.len());
    for item in items {
        if !unique.contains(&item) {
            unique.push(item);
        }
    }
    unique
}

/// A custom profile directory belongs to one Chrome-family browser and to the user scope; Windows finds hosts
/// through the registry only.
fn check_user_data_dir(options: &Options) -> Result<(), AdminError> {
    let usage = |text: &str| Err(cli::usage_error(options.command.name(), text));
    let one_chrome_family = matches!(options.browsers.as_deref(), Some([b]) if !b.is_firefox());
    if !one_chrome_family {
        return usage("--user-data-dir needs exactly one of --browser chrome, chromium or edge");
    }
    if options.scopes.contains(&Scope::System) && options.command != Command::Doctor {
        return usage("--user-data-dir is a per-user location: use it with --user");
    }
    if options.os == Os::Windows {
        return usage(
            "--user-data-dir does not apply on Windows (hosts are found through the registry)",
        );
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
