//! The admin command line as clap declares it: `ebid-host install|uninstall|doctor [flags]`, `--help`,
//! `--version`. [`super::options`] turns what clap parsed into [`super::options::Options`].
//!
//! Browsers start the same binary with their own arguments (Chrome: `chrome-extension://<id>/`, maybe
//! `--parent-window=N` on Windows; Firefox: a manifest path and an add-on ID). Those never reach clap:
//! [`is_admin_launch`] sends only the first arguments below here.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use clap::builder::NonEmptyStringValueParser;
use clap::error::ErrorKind;
use clap::{ArgAction, Args, CommandFactory, Parser, Subcommand};

use super::error::AdminError;
use super::extension_ids::{is_chrome_id, is_firefox_id};
use super::layout::{Browser, Os};

/// The subcommands, as typed on the command line.
pub const SUBCOMMANDS: [&str; 3] = ["install", "uninstall", "doctor"];

/// First arguments that ask for help or the version instead of a subcommand.
const INFO_FLAGS: [&str; 4] = ["--help", "-h", "--version", "-V"];

/// Whether the command line (`argv[1..]`) is an admin's: its first argument is a subcommand or a help or version
/// flag. Everything else, including no argument at all, is a browser launch and goes to the session untouched.
pub fn is_admin_launch(first: Option<&OsStr>) -> bool {
    first
        .and_then(OsStr::to_str)
        .is_some_and(|arg| SUBCOMMANDS.contains(&arg) || INFO_FLAGS.contains(&arg))
}

const ABOUT: &str = "\
電子入札ICカード連携のネイティブメッセージングホスト / native messaging host for the e-bidding IC card helper";

const AFTER_HELP: &str = "\
ブラウザは拡張機能の情報を引数にしてこのプログラムを起動します（手動で起動する必要はありません）。
/ Browsers start this program themselves with the extension's arguments; admins use the commands above.
導入ガイド / admin guide: /usr/share/doc/ebid-host/README.md (manifests/README.md)";

#[derive(Debug, Parser)]
#[command(
    name = "ebid-host",
    version,
    about = ABOUT,
    after_help = AFTER_HELP,
    disable_help_subcommand = true,
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: CliCommand,
    /// 使い方を表示 / print this help
    #[arg(short = 'h', long, action = ArgAction::Help, global = true)]
    help: Option<bool>,
    /// 版を表示 / print the version
    #[arg(short = 'V', long, action = ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// ブラウザにホストを登録する（何度実行しても同じ結果） / register the host with the browsers (idempotent)
    Install(InstallArgs),
    /// install が作ったものだけを削除する / remove exactly what install created
    Uninstall(InstallArgs),
    /// 最初に壊れている箇所と直し方を示す / name the first broken link and its fix
    Doctor(DoctorArgs),
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    #[arg(long, conflicts_with = "system", help = USER_HELP)]
    pub user: bool,
    #[arg(long, help = SYSTEM_HELP)]
    pub system: bool,
    #[arg(long = "extension-id", value_name = "ID", value_parser = extension_id, help = EXTENSION_ID_HELP)]
    pub extension_ids: Vec<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// doctor の結果を JSON で出力 / machine-readable report
    #[arg(long)]
    pub json: bool,
    /// この利用者の登録を確認 / look at the current user's registration
    #[arg(long)]
    pub user: bool,
    /// PC 全体の登録を確認（既定: 両方） / look at the machine-wide registration (default: both)
    #[arg(long)]
    pub system: bool,
    /// Accepted as before; doctor checks the built-in extension IDs.
    #[arg(long = "extension-id", value_name = "ID", value_parser = extension_id, hide = true)]
    pub extension_ids: Vec<String>,
    /// pkcs11.toml の設定に加えて確認する PKCS#11 モジュール / also check this PKCS#11 module (repeatable)
    #[arg(long = "pkcs11-module", value_name = "PATH")]
    pub pkcs11_modules: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// The flags every subcommand takes.
#[derive(Debug, Args)]
pub struct CommonArgs {
    #[arg(long = "browser", alias = "browsers", value_name = "LIST", value_parser = browser_list, help = BROWSER_HELP)]
    pub browsers: Vec<BrowserList>,
    #[arg(long, value_name = "PATH", value_parser = NonEmptyStringValueParser::new(), help = HOST_PATH_HELP)]
    pub host_path: Option<String>,
    #[arg(long, value_name = "DIR", help = USER_DATA_DIR_HELP)]
    pub user_data_dir: Option<PathBuf>,
    /// 実際の場所の代わりに DIR の下に書く（テスト・確認用） / write under DIR instead (tests)
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// ホームディレクトリ / home directory for --user
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// 配置するOS（--root と併用） / layout of another OS (with --root)
    #[arg(long, value_name = "linux|macos|windows", value_parser = os_name)]
    pub os: Option<Os>,
}

const USER_HELP: &str = "この利用者だけ（既定） / only the current user (default)";
const SYSTEM_HELP: &str =
    "PC の全利用者（管理者権限が必要） / every user of this PC (needs administrator rights)";
const EXTENSION_ID_HELP: &str =
    "追加で許可する拡張機能ID（Chrome: 32文字 a-p、Firefox: name@domain）。複数可\n\
                                 / extra extension id to allow (repeatable)";
const BROWSER_HELP: &str = "chrome,chromium,edge,firefox または all（既定: all。doctor はインストール済みのもの）\n\
                            / comma-separated, or all (default: all; doctor: the browsers found on this PC)";
const HOST_PATH_HELP: &str = "マニフェストに書くホストの絶対パス（既定: この実行ファイル）\n\
                              / absolute host path written in the manifests (default: this program)";
const USER_DATA_DIR_HELP: &str = "Chromium系を --user-data-dir 付きで起動する場合のプロファイル（--user と1ブラウザのみ）\n\
                                  / profile dir of a Chrome-family browser started with --user-data-dir \
                                  (with --user, one browser)";

/// One `--browser` value: a comma-separated list, `all` standing for every browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserList(pub Vec<Browser>);

fn browser_list(list: &str) -> Result<BrowserList, String> {
    let mut browsers = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == "all" {
            browsers.extend(Browser::ALL);
        } else {
            browsers.push(Browser::parse(name).ok_or_else(|| {
                format!("unknown browser {name:?}: use chrome, chromium, edge, firefox or all")
            })?);
        }
    }
    if browsers.is_empty() {
        return Err("name at least one browser".to_owned());
    }
    Ok(BrowserList(browsers))
}

fn extension_id(id: &str) -> Result<String, String> {
    if is_chrome_id(id) || is_firefox_id(id) {
        Ok(id.to_owned())
    } else {
        Err("neither a Chrome id (32 letters a-p) nor a Firefox id (name@domain)".to_owned())
    }
}

fn os_name(name: &str) -> Result<Os, String> {
    Os::parse(name).ok_or_else(|| "use linux, macos or windows".to_owned())
}

/// Parses an admin command line (`argv[1..]`, the first argument a subcommand or a help or version flag).
pub fn parse(args: &[OsString]) -> Result<Cli, clap::Error> {
    let program = OsString::from("ebid-host");
    Cli::try_parse_from(std::iter::once(&program).chain(args))
}

/// A usage error found after parsing (flags that do not go together), laid out as clap's own: the message, the
/// subcommand's usage line and where to read more.
pub fn usage_error(subcommand: &str, message: &str) -> AdminError {
    let mut cli = Cli::command();
    cli.build();
    match cli.find_subcommand_mut(subcommand) {
        Some(command) => command.error(ErrorKind::ArgumentConflict, message).into(),
        None => AdminError::Usage(message.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declaration_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn admin_launches_are_the_subcommands_and_info_flags_only() {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|command| command.get_name().to_owned())
            .collect();
        assert_eq!(names, SUBCOMMANDS);
        for first in ["install", "doctor", "--help", "-h", "--version", "-V"] {
            assert!(is_admin_launch(Some(OsStr::new(first))), "{first}");
        }
        for first in [
            "chrome-extension://gbhbffmnghhpjolccbflhlhkcanbdabm/",
            "/usr/lib/mozilla/native-messaging-hosts/jp.ebid.renewal.json",
            "--parent-window=1",
            "help",
            "--json",
            "",
        ] {
            assert!(!is_admin_launch(Some(OsStr::new(first))), "{first}");
        }
        assert!(!is_admin_launch(None));
    }

    #[test]
    fn post_parse_errors_carry_the_usage_line() {
        let text = usage_error("install", "give --user or --system, not both").to_string();
        assert!(
            text.contains(": give --user or --system, not both"),
            "{text}"
        );
        assert!(text.contains("ebid-host install"), "{text}");
    }
}
