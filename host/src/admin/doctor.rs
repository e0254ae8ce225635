//! `ebid-host doctor`: walks the chain a renewal needs, in order, and names the first broken link in plain words
//! with its fix — host, manifest per browser, extension allowed, PC/SC service, reader, card, certificate.

use std::path::{Path, PathBuf};

use ebid_protocol::{ErrorCode, ErrorInfo, HOST_NAME, PROTOCOL_VERSION};
use serde::Serialize;

use super::card_probe::CardProbe;
use super::environment::{is_absolute_for, Environment};
use super::error::AdminError;
use super::extension_ids::{CHROME_EXTENSION_ID, FIREFOX_EXTENSION_ID};
use super::install::{host_path, manifest_dir};
use super::layout::{self, Browser, Os, Scope};
use super::manifest::{self, HostManifest};
use super::options::Options;
use super::windows_registry::{self, Registry};

/// Certificates closer than this to their end get a reminder (the renewal takes the CA some weeks).
const EXPIRY_WARNING_DAYS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: String,
    pub ok: bool,
    pub message_ja: String,
    pub message_en: String,
    /// `null` when the check passed.
    pub fix_ja: Option<String>,
    pub fix_en: Option<String>,
}

impl Check {
    fn pass(id: impl Into<String>, ja: impl Into<String>, en: impl Into<String>) -> Check {
        Check {
            id: id.into(),
            ok: true,
            message_ja: ja.into(),
            message_en: en.into(),
            fix_ja: None,
            fix_en: None,
        }
    }

    fn fail(
        id: impl Into<String>,
        (ja, en): (String, String),
        (fix_ja, fix_en): (String, String),
    ) -> Check {
        Check {
            id: id.into(),
            ok: false,
            message_ja: ja,
            message_en: en,
            fix_ja: Some(fix_ja),
            fix_en: Some(fix_en),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub version: String,
    pub protocol: u32,
    pub checks: Vec<Check>,
    /// The id of the first failed check, `null` when all is well.
    pub first_failure: Option<String>,
}

impl Report {
    pub fn all_ok(&self) -> bool {
        self.first_failure.is_none()
    }
}

/// Runs every check; `probe` is the card side (`None` skips it, for callers that only care about installation).
pub fn diagnose(options: &Options, env: &Environment, probe: Option<&mut dyn CardProbe>) -> Report {
    let mut checks = vec![Check::pass(
        "host.version",
        format!(
            "ebid-host {}（プロトコル {PROTOCOL_VERSION}）",
            env!("CARGO_PKG_VERSION")
        ),
        format!(
            "ebid-host {} (protocol {PROTOCOL_VERSION})",
            env!("CARGO_PKG_VERSION")
        ),
    )];
    checks.extend(browser_checks(options, env));
    if let Some(probe) = probe {
        checks.extend(card_checks(probe, options.os, unix_now()));
    }
    let first_failure = checks.iter().find(|c| !c.ok).map(|c| c.id.clone());
    Report {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        protocol: PROTOCOL_VERSION,
        checks,
        first_failure,
    }
}

fn browser_checks(options: &Options, env: &Environment) -> Vec<Check> {
    let browsers: Vec<Browser> = match &options.browsers {
        Some(list) => list.clone(),
        None => Browser::ALL
            .into_iter()
            .filter(|b| is_installed(env, *b))
            .collect(),
    };
    if browsers.is_empty() {
        return vec![Check::fail(
            "browsers",
            (
                "対応ブラウザ（Chrome、Edge、Chromium、Firefox）が見つかりません。".to_owned(),
                "No supported browser (Chrome, Edge, Chromium, Firefox) was found.".to_owned(),
            ),
            (
                "ブラウザをインストールするか、--browser で確認するブラウザを指定してください。"
                    .to_owned(),
                "Install a browser, or name the one to check with --browser.".to_owned(),
            ),
        )];
    }
    let registry = if env.os == Os::Windows {
        windows_registry::open(env).ok()
    } else {
        None
    };
    let mut checks = Vec::new();
    for browser in browsers {
        let (check, manifest) = manifest_check(options, env, registry.as_deref(), browser);
        checks.push(check);
        if let Some(manifest) = manifest {
            checks.push(extension_check(browser, &manifest, options.os));
        }
    }
    checks
}

/// A browser counts as installed when its program or a profile directory of this user exists.
pub fn is_installed(env: &Environment, browser: Browser) -> bool {
    layout::presence_places(env.os, browser)
        .iter()
        .filter_map(|place| env.resolve(*place).ok())
        .any(|path| path.exists())
}

enum Found {
    File {
        path: PathBuf,
        scope: Scope,
    },
    /// A registry value naming a file that is not there.
    Dangling {
        key: String,
        value: String,
    },
    Nothing,
}

fn find_manifest(
    options: &Options,
    env: &Environment,
    registry: Option<&dyn Registry>,
    browser: Browser,
) -> Result<Found, AdminError> {
    for (scope, owner) in layout::lookup_order(env.os, browser) {
        if !options.scopes.contains(&scope) {
            continue;
        }
        let location = layout::manifest_location(env.os, scope, owner);
        if let Some(key) = &location.registry_key {
            let Some(registry) = registry else { continue };
            if let Some(value) = registry.read(key)? {
                let path = PathBuf::from(&value);
                return Ok(if path.is_file() {
                    Found::File { path, scope }
                } else {
                    Found::Dangling {
                        key: key.clone(),
                        value,
                    }
                });
            }
        } else {
            let udd = if owner == browser {
                options.user_data_dir.as_deref()
            } else {
                None
            };
            let path = manifest_dir(env, udd, scope, owner)?.join(&location.file_name);
            if path.is_file() {
                return Ok(Found::File { path, scope });
            }
        }
    }
    Ok(Found::Nothing)
}

fn install_command(os: Os, browser: Browser, scope: Scope) -> String {
    let scope = scope.name();
    match os {
        Os::Windows => format!(
            "ebid-host.exe install --{scope} --browser {}",
            browser.name()
        ),
        _ if scope == "system" => format!(
            "sudo ebid-host install --system --browser {}",
            browser.name()
        ),
        _ => format!("ebid-host install --{scope} --browser {}", browser.name()),
    }
}

fn reinstall_fix(os: Os, browser: Browser, scope: Scope) -> (String, String) {
    let command = install_command(os, browser, scope);
    (
        format!("管理者が次のコマンドを実行して、登録し直してください: {command}"),
        format!("Register the host again: {command}"),
    )
}

fn manifest_check(
    options: &Options,
    env: &Environment,
    registry: Option<&dyn Registry>,
    browser: Browser,
) -> (Check, Option<HostManifest>) {
    let id = format!("manifest.{}", browser.name());
    let name = browser.display_name();
    let default_scope = if options.scopes.contains(&Scope::System) {
        Scope::System
    } else {
        Scope::User
    };
    let found = match find_manifest(options, env, registry, browser) {
        Ok(found) => found,
        Err(e) => {
            let text = e.to_string();
            return (
                Check::fail(
                    id,
                    (text.clone(), text),
                    reinstall_fix(env.os, browser, default_scope),
                ),
                None,
            );
        }
    };
    let (path, scope) = match found {
        Found::File { path, scope } => (path, scope),
        Found::Dangling { key, value } => {
            return (
                Check::fail(
                    id,
                    (
                        format!("{name}: レジストリ {key} が存在しないファイル {value} を指しています。"),
                        format!("{name}: registry key {key} names {value}, which does not exist."),
                    ),
                    reinstall_fix(env.os, browser, default_scope),
                ),
                None,
            );
        }
        Found::Nothing => {
            return (
                Check::fail(
                    id,
                    (
                        format!(
                            "{name} 用のネイティブメッセージングホストのマニフェスト（{HOST_NAME}）が見つかりません。\
                             ブラウザは「Specified native messaging host not found」となります。"
                        ),
                        format!(
                            "No native messaging host manifest ({HOST_NAME}) for {name}: the browser reports \
                             \"Specified native messaging host not found.\""
                        ),
                    ),
                    reinstall_fix(env.os, browser, default_scope),
                ),
                None,
            );
        }
    };
    let shown = path.display();
    let fix = reinstall_fix(env.os, browser, scope);
    let manifest: HostManifest = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(manifest) => manifest,
        Err(e) => {
            return (
                Check::fail(
                    id,
                    (
                        format!("{name}: マニフェスト {shown} を読み取れません（{e}）。"),
                        format!("{name}: the manifest {shown} cannot be read ({e})."),
                    ),
                    fix,
                ),
                None,
            );
        }
    };
    if let Some((ja, en)) = manifest_problem(&manifest, options, env) {
        return (
            Check::fail(
                id,
                (
                    format!("{name}: {shown}: {ja}"),
                    format!("{name}: {shown}: {en}"),
                ),
                fix,
            ),
            None,
        );
    }
    (
        Check::pass(
            id,
            format!("{name}: {shown} → {}", manifest.path),
            format!("{name}: {shown} → {}", manifest.path),
        ),
        Some(manifest),
    )
}

/// What is wrong with a manifest that parsed, if anything (Japanese, English).
fn manifest_problem(
    manifest: &HostManifest,
    options: &Options,
    env: &Environment,
) -> Option<(String, String)> {
    if manifest.name != HOST_NAME {
        return Some((
            format!("name が {} ではなく {:?} です。", HOST_NAME, manifest.name),
            format!("name is {:?}, not {HOST_NAME}.", manifest.name),
        ));
    }
    if manifest.kind != "stdio" {
        return Some((
            format!("type が stdio ではなく {:?} です。", manifest.kind),
            format!("type is {:?}, not stdio.", manifest.kind),
        ));
    }
    if !is_absolute_for(env.os, &manifest.path) {
        return Some((
            format!("path {:?} が絶対パスではありません。", manifest.path),
            format!("path {:?} is not absolute.", manifest.path),
        ));
    }
    let on_this_os = Os::current() == Some(env.os);
    if on_this_os {
        let target = Path::new(&manifest.path);
        if !target.is_file() {
            return Some((
                format!("path が指す {} は存在しません。", manifest.path),
                format!("path names {}, which does not exist.", manifest.path),
            ));
        }
        if !is_executable(target) {
            return Some((
                format!("{} に実行権限がありません。", manifest.path),
                format!("{} is not executable.", manifest.path),
            ));
        }
    }
    let expected = host_path(options).ok()?;
    let same = if on_this_os {
        same_file(&manifest.path, &expected)
    } else {
        manifest.path == expected
    };
    if !same {
        return Some((
            format!(
                "別の ebid-host（{}）を指しています。この ebid-host は {expected} です。",
                manifest.path
            ),
            format!(
                "it points at another ebid-host ({}); this one is {expected}.",
                manifest.path
            ),
        ));
    }
    None
}

fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

fn extension_check(browser: Browser, manifest: &HostManifest, os: Os) -> Check {
    let id = format!("extension.{}", browser.name());
    let name = browser.display_name();
    let ours = if browser.is_firefox() {
        FIREFOX_EXTENSION_ID.to_owned()
    } else {
        manifest::chrome_origin(CHROME_EXTENSION_ID)
    };
    if manifest::allows_our_extension(manifest, browser) {
        return Check::pass(
            id,
            format!("{name}: 拡張機能 {ours} の接続が許可されています。"),
            format!("{name}: the extension {ours} is allowed."),
        );
    }
    let field = if browser.is_firefox() {
        "allowed_extensions"
    } else {
        "allowed_origins"
    };
    let (fix_ja, fix_en) = reinstall_fix(os, browser, Scope::System);
    Check::fail(
        id,
        (
            format!(
                "{name}: マニフェストの {field} に拡張機能 {ours} がありません。ブラウザは「Access to the specified \
                 native messaging host is forbidden」となります。"
            ),
            format!(
                "{name}: the manifest's {field} does not list the extension {ours}: the browser reports \"Access \
                 to the specified native messaging host is forbidden.\""
            ),
        ),
        (fix_ja, fix_en),
    )
}

fn pcsc_fix(os: Os) -> (String, String) {
    match os {
        Os::Linux => (
            "pcscd をインストールして起動してください: sudo apt install pcscd && sudo systemctl enable --now pcscd.socket"
                .to_owned(),
            "Install and start pcscd: sudo apt install pcscd && sudo systemctl enable --now pcscd.socket".to_owned(),
        ),
        Os::Windows => (
            "サービス「Smart Card」（SCardSvr）を開始してください（ICカードリーダーを接続すると自動で開始します）。"
                .to_owned(),
            "Start the \"Smart Card\" service (SCardSvr); it starts by itself when a reader is connected.".to_owned(),
        ),
        Os::Macos => (
            "ICカードリーダーを接続し直してください（macOS の PC/SC は標準で動作します）。".to_owned(),
            "Reconnect the reader (PC/SC is built into macOS).".to_owned(),
        ),
    }
}

fn error_text(e: &ErrorInfo) -> (String, String) {
    let detail = e
        .detail
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    (
        format!("{}{detail}", e.message_ja),
        format!("{}{detail}", e.message_en),
    )
}

/// PC/SC service → readers → card → recognised → certificate validity; stops at the first failure, since each
/// step needs the one before.
pub fn card_checks(probe: &mut dyn CardProbe, os: Os, now_unix: i64) -> Vec<Check> {
    let mut checks = Vec::new();
    let readers = match probe.list_readers() {
        Err(e) if e.code == ErrorCode::PcscUnavailable => {
            checks.push(Check::fail("pcsc.service", error_text(&e), pcsc_fix(os)));
            return checks;
        }
        // No reader is reported as an error by some PC/SC stacks; it is the next check's failure.
        Err(e) if e.code == ErrorCode::NoReader => Vec::new(),
        Err(e) => {
            checks.push(Check::fail("pcsc.service", error_text(&e), pcsc_fix(os)));
            return checks;
        }
        Ok(readers) => readers,
    };
    checks.push(Check::pass(
        "pcsc.service",
        "ICカードのサービス（PC/SC）に接続できました。",
        "The smart card service (PC/SC) is reachable.",
    ));
    if readers.is_empty() {
        checks.push(Check::fail(
            "pcsc.readers",
            (
                ErrorCode::NoReader.message_ja().to_owned(),
                ErrorCode::NoReader.message_en().to_owned(),
            ),
            (
                "ICカードリーダーを接続し、メーカーのドライバーをインストールしてください（Linux では libccid）。"
                    .to_owned(),
                "Connect the reader and install its driver (on Linux: libccid).".to_owned(),
            ),
        ));
        return checks;
    }
    let names: Vec<&str> = readers.iter().map(|r| r.name.as_str()).collect();
    checks.push(Check::pass(
        "pcsc.readers",
        format!("ICカードリーダー: {}", names.join("、")),
        format!("Readers: {}", names.join(", ")),
    ));
    let with_card: Vec<&str> = readers
        .iter()
        .filter(|r| r.card_present)
        .map(|r| r.name.as_str())
        .collect();
    if with_card.is_empty() {
        checks.push(Check::fail(
            "card.present",
            (
                ErrorCode::NoCard.message_ja().to_owned(),
                ErrorCode::NoCard.message_en().to_owned(),
            ),
            (
                "電子入札用のICカードをICカードリーダーに挿入して、もう一度確認してください。"
                    .to_owned(),
                "Insert the e-bidding IC card and run doctor again.".to_owned(),
            ),
        ));
        return checks;
    }
    checks.push(Check::pass(
        "card.present",
        format!("ICカードが挿入されています（{}）。", with_card.join("、")),
        format!("A card is inserted ({}).", with_card.join(", ")),
    ));
    let mut last_error = None;
    let mut certificate = None;
    for reader in &with_card {
        match probe.read_certificate(reader) {
            Ok(info) => {
                certificate = Some(info);
                break;
            }
            Err(e) => last_error = Some(e),
        }
    }
    let Some(info) = certificate else {
        let e = last_error.unwrap_or_else(|| ErrorInfo::new(ErrorCode::UnsupportedCard));
        // JPKI shows its signature certificate only after the PIN: the card is known, its expiry cannot be read here.
        if e.code == ErrorCode::PinRequired {
            checks.push(Check::pass(
                "card.recognised",
                "ICカードを認識しました。証明書（有効期限）はPIN入力後に表示されます。",
                "Card recognised; its certificate (and expiry) can be read only after the PIN.",
            ));
            return checks;
        }
        let fix = if e.code == ErrorCode::UnsupportedCard {
            (
                "カードの種類を認識できません。認証局からカードの仕様を入手し、カードプロファイル（TOML）を \
                 /etc/ebid-host/profiles/ に置いてください（manifests/README.md 参照）。"
                    .to_owned(),
                "The card type is not recognised: describe it in a card profile (TOML) under /etc/ebid-host/profiles/ \
                 (see manifests/README.md)."
                    .to_owned(),
            )
        } else {
            (
                "ICカードを挿し直して、もう一度確認してください。".to_owned(),
                "Re-insert the card and run doctor again.".to_owned(),
            )
        };
        checks.push(Check::fail("card.recognised", error_text(&e), fix));
        return checks;
    };
    checks.push(Check::pass(
        "card.recognised",
        format!(
            "ICカードを認識しました（{}、{}）。",
            info.card_type, info.reader
        ),
        format!("Card recognised ({}, {}).", info.card_type, info.reader),
    ));
    checks.push(expiry_check(&info.summary.not_after, now_unix));
    checks
}

fn expiry_check(not_after: &str, now_unix: i64) -> Check {
    let Some(end) = parse_rfc3339_utc(not_after) else {
        return Check::fail(
            "certificate.expiry",
            (
                format!("証明書の有効期限（{not_after}）を解釈できません。"),
                format!("Cannot read the certificate's expiry ({not_after})."),
            ),
            (
                "ICカードの発行元にお問い合わせください。".to_owned(),
                "Ask the card's issuer.".to_owned(),
            ),
        );
    };
    let seconds_left = end - now_unix;
    let days_left = seconds_left.div_euclid(86_400);
    if seconds_left <= 0 {
        return Check::fail(
            "certificate.expiry",
            (
                format!("証明書の有効期限（{not_after}）が過ぎています。期限切れのICカードは更新できません。"),
                format!("The certificate expired on {not_after}; an expired card cannot be renewed."),
            ),
            (
                "電子入札システムで利用者情報の新規登録を行ってください（操作マニュアル 2.1.3）。".to_owned(),
                "Register the new card as a new user on the portal (manual 2.1.3).".to_owned(),
            ),
        );
    }
    let (ja, en) = if days_left < EXPIRY_WARNING_DAYS {
        (
            format!("証明書の有効期限は {not_after}（残り {days_left} 日）です。早めに更新してください。"),
            format!("The certificate expires on {not_after} ({days_left} days left): renew soon."),
        )
    } else {
        (
            format!("証明書の有効期限は {not_after}（残り {days_left} 日）です。"),
            format!("The certificate expires on {not_after} ({days_left} days left)."),
        )
    };
    Check::pass("certificate.expiry", ja, en)
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Seconds since the epoch for `YYYY-MM-DDTHH:MM:SS[.fff]Z` (the form the host's certificate summary uses).
pub fn parse_rfc3339_utc(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[10] != b'T'
        || !text.ends_with('Z')
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The report for a terminal: one line per check, then the first problem and its fix in both languages.
pub fn render_text(report: &Report) -> String {
    let mut out = format!("ebid-host doctor {}\n", report.version);
    for check in &report.checks {
        let mark = if check.ok { "OK" } else { "NG" };
        out.push_str(&format!("[{mark}] {}: {}\n", check.id, check.message_ja));
        out.push_str(&format!("     {}\n", check.message_en));
    }
    match report.checks.iter().find(|c| !c.ok) {
        None => out.push_str("\nすべて正常です。 / All is well.\n"),
        Some(check) => {
            out.push_str(&format!("\n最初の問題 / First problem: {}\n", check.id));
            out.push_str(&format!("  {}\n  {}\n", check.message_ja, check.message_en));
            if let (Some(ja), Some(en)) = (&check.fix_ja, &check.fix_en) {
                out.push_str(&format!("対処 / Fix:\n  {ja}\n  {en}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebid_protocol::{CertificateInfo, CertificateSummary, ReaderInfo};

    struct FakeProbe {
        readers: Result<Vec<ReaderInfo>, ErrorInfo>,
        certificate: Result<CertificateInfo, ErrorInfo>,
    }

    impl CardProbe for FakeProbe {
        fn list_readers(&mut self) -> Result<Vec<ReaderInfo>, ErrorInfo> {
            self.readers.clone()
        }
        fn read_certificate(&mut self, _reader: &str) -> Result<CertificateInfo, ErrorInfo> {
            self.certificate.clone()
        }
    }

    fn reader(card: bool) -> ReaderInfo {
        ReaderInfo {
            name: "Reader 00 00".into(),
            card_present: card,
            atr: None,
            pin_pad: false,
        }
    }

    fn certificate(not_after: &str) -> CertificateInfo {
        CertificateInfo {
            reader: "Reader 00 00".into(),
            card_type: "profile:ebid-test-ca".into(),
            certificate: String::new(),
            summary: CertificateSummary {
                organization: None,
                holder_name: None,
                address: None,
                serial: "01".into(),
                issuer: "CN=Test".into(),
                not_before: "2025-01-01T00:00:00Z".into(),
                not_after: not_after.into(),
                key_algorithm: "RSA".into(),
                key_bits: 2048,
                expired: false,
                sha256_fingerprint: String::new(),
            },
        }
    }

    const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn run(
        readers: Result<Vec<ReaderInfo>, ErrorInfo>,
        cert: Result<CertificateInfo, ErrorInfo>,
    ) -> Vec<Check> {
        card_checks(
            &mut FakeProbe {
                readers,
                certificate: cert,
            },
            Os::Linux,
            NOW,
        )
    }

    fn last(checks: &[Check]) -> (&str, bool) {
        let check = checks.last().unwrap();
        (check.id.as_str(), check.ok)
    }

    #[test]
    fn each_card_link_is_named_when_broken() {
        let cert = || Ok(certificate("2027-01-01T00:00:00Z"));
        assert_eq!(
            last(&run(
                Err(ErrorInfo::new(ErrorCode::PcscUnavailable)),
                cert()
            )),
            ("pcsc.service", false)
        );
        assert_eq!(last(&run(Ok(vec![]), cert())), ("pcsc.readers", false));
        assert_eq!(
            last(&run(Err(ErrorInfo::new(ErrorCode::NoReader)), cert())),
            ("pcsc.readers", false)
        );
        assert_eq!(
            last(&run(Ok(vec![reader(false)]), cert())),
            ("card.present", false)
        );
        let unsupported = run(
            Ok(vec![reader(true)]),
            Err(ErrorInfo::new(ErrorCode::UnsupportedCard)),
        );
        assert_eq!(last(&unsupported), ("card.recognised", false));
        assert!(unsupported
            .last()
            .unwrap()
            .fix_en
            .as_deref()
            .unwrap()
            .contains("/etc/ebid-host/profiles"));
        let expired = run(
            Ok(vec![reader(true)]),
            Ok(certificate("2025-12-31T23:59:59Z")),
        );
        assert_eq!(last(&expired), ("certificate.expiry", false));
        let jpki = run(
            Ok(vec![reader(true)]),
            Err(ErrorInfo::new(ErrorCode::PinRequired)),
        );
        assert_eq!(last(&jpki), ("card.recognised", true));
        let good = run(Ok(vec![reader(true)]), cert());
        assert!(good.iter().all(|c| c.ok));
        assert!(good.last().unwrap().message_en.contains("365 days left"));
    }

    #[test]
    fn rfc3339_parsing() {
        assert_eq!(parse_rfc3339_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_utc("2026-01-01T00:00:00Z"), Some(NOW));
        assert_eq!(parse_rfc3339_utc("2026-01-01T00:00:00.5Z"), Some(NOW));
        assert_eq!(parse_rfc3339_utc("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_utc("garbage"), None);
        assert_eq!(parse_rfc3339_utc("2026-01-01T00:00:00+09:00"), None);
    }
}
