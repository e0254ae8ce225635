//! Every sentence doctor says, Japanese and English side by side in one table ([`Text::bilingual`]): what a check
//! found and how to fix it. Checks name a [`Text`]; the report carries both languages and the rendering shows
//! both.

use ebid_protocol::{ErrorCode, ErrorInfo, HOST_NAME, PROTOCOL_VERSION};

use crate::admin::layout::Os;

/// One sentence in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bilingual {
    pub ja: String,
    pub en: String,
}

fn both(ja: impl Into<String>, en: impl Into<String>) -> Bilingual {
    Bilingual {
        ja: ja.into(),
        en: en.into(),
    }
}

/// Names (readers) as each language lists them.
fn list(names: &[String]) -> Bilingual {
    both(names.join("、"), names.join(", "))
}

/// What doctor can say. Fields are the variable parts (browser display names, paths, reader names...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// A text that is already bilingual, or the same in both languages (admin errors).
    Same(String),
    /// A typed error from the card service, with its detail.
    CardError(ErrorInfo),
    HostVersion,
    NoBrowser,
    InstallBrowser,
    /// How to register the host again, `command` being the install command line.
    Reinstall {
        command: String,
    },
    RegistryDangling {
        browser: &'static str,
        key: String,
        value: String,
    },
    ManifestMissing {
        browser: &'static str,
    },
    ManifestUnreadable {
        browser: &'static str,
        path: String,
        error: String,
    },
    /// A manifest that parsed but is wrong in the way `problem` says.
    ManifestWrong {
        browser: &'static str,
        path: String,
        problem: Problem,
    },
    ManifestOk {
        browser: &'static str,
        path: String,
        host: String,
    },
    ExtensionAllowed {
        browser: &'static str,
        extension: String,
    },
    ExtensionMissing {
        browser: &'static str,
        field: &'static str,
        extension: String,
    },
    PcscReachable,
    StartPcsc(Os),
    ConnectReader,
    Readers(Vec<String>),
    InsertCard,
    CardPresent(Vec<String>),
    RecognisedNeedsPin,
    DescribeCardProfile,
    /// No PKCS#11 module named (in `config`, or by the environment).
    Pkcs11NoModules {
        config: String,
    },
    /// A module that loaded, with one line per token it sees (certificates, and which one would sign).
    Pkcs11Module {
        path: String,
        tokens: Vec<String>,
    },
    Pkcs11ModuleFailed(String),
    FixPkcs11Module {
        config: String,
    },
    ReinsertCard,
    Recognised {
        card_type: String,
        reader: String,
    },
    ExpiryUnreadable {
        not_after: String,
    },
    AskIssuer,
    Expired {
        not_after: String,
    },
    RegisterAsNewUser,
    ExpiresSoon {
        not_after: String,
        days_left: i64,
    },
    Expires {
        not_after: String,
        days_left: i64,
    },
}

/// What is wrong with a host manifest that parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Name(String),
    Kind(String),
    PathNotAbsolute(String),
    TargetMissing(String),
    NotExecutable(String),
    OtherHost { path: String, this_host: String },
}

impl Text {
    pub fn bilingual(&self) -> Bilingual {
        match self {
            Text::Same(text) => both(text, text),
            Text::CardError(e) => {
                let detail = e.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
                let text = error_text(e.code);
                both(format!("{}{detail}", text.ja), format!("{}{detail}", text.en))
            }
            Text::HostVersion => {
                let version = env!("CARGO_PKG_VERSION");
                both(
                    format!("ebid-host {version}（プロトコル {PROTOCOL_VERSION}）"),
                    format!("ebid-host {version} (protocol {PROTOCOL_VERSION})"),
                )
            }
            Text::NoBrowser => both(
                "対応ブラウザ（Chrome、Edge、Chromium、Firefox）が見つかりません。",
                "No supported browser (Chrome, Edge, Chromium, Firefox) was found.",
            ),
            Text::InstallBrowser => both(
                "ブラウザをインストールするか、--browser で確認するブラウザを指定してください。",
                "Install a browser, or name the one to check with --browser.",
            ),
            Text::Reinstall { command } => both(
                format!("管理者が次のコマンドを実行して、登録し直してください: {command}"),
                format!("Register the host again: {command}"),
            ),
            Text::RegistryDangling { browser, key, value } => both(
                format!("{browser}: レジストリ {key} が存在しないファイル {value} を指しています。"),
                format!("{browser}: registry key {key} names {value}, which does not exist."),
            ),
            Text::ManifestMissing { browser } => both(
                format!(
                    "{browser} 用のネイティブメッセージングホストのマニフェスト（{HOST_NAME}）が見つかりません。\
                     ブラウザは「Specified native messaging host not found」となります。"
                ),
                format!(
                    "No native messaging host manifest ({HOST_NAME}) for {browser}: the browser reports \
                     \"Specified native messaging host not found.\""
                ),
            ),
            Text::ManifestUnreadable { browser, path, error } => both(
                format!("{browser}: マニフェスト {path} を読み取れません（{error}）。"),
                format!("{browser}: the manifest {path} cannot be read ({error})."),
            ),
            Text::ManifestWrong { browser, path, problem } => {
                let Bilingual { ja, en } = problem.bilingual();
                both(format!("{browser}: {path}: {ja}"), format!("{browser}: {path}: {en}"))
            }
            Text::ManifestOk { browser, path, host } => both(
                format!("{browser}: {path} → {host}"),
                format!("{browser}: {path} → {host}"),
            ),
            Text::ExtensionAllowed { browser, extension } => both(
                format!("{browser}: 拡張機能 {extension} の接続が許可されています。"),
                format!("{browser}: the extension {extension} is allowed."),
            ),
            Text::ExtensionMissing { browser, field, extension } => both(
                format!(
                    "{browser}: マニフェストの {field} に拡張機能 {extension} がありません。ブラウザは「Access to \
                     the specified native messaging host is forbidden」となります。"
                ),
                format!(
                    "{browser}: the manifest's {field} does not list the extension {extension}: the browser \
                     reports \"Access to the specified native messaging host is forbidden.\""
                ),
            ),
            Text::PcscReachable => both(
                "ICカードのサービス（PC/SC）に接続できました。",
                "The smart card service (PC/SC) is reachable.",
            ),
            Text::StartPcsc(Os::Linux) => both(
                "pcscd をインストールして起動してください: sudo apt install pcscd && sudo systemctl enable --now \
                 pcscd.socket",
                "Install and start pcscd: sudo apt install pcscd && sudo systemctl enable --now pcscd.socket",
            ),
            Text::StartPcsc(Os::Windows) => both(
                "サービス「Smart Card」（SCardSvr）を開始してください（ICカードリーダーを接続すると自動で開始します）。",
                "Start the \"Smart Card\" service (SCardSvr); it starts by itself when a reader is connected.",
            ),
            Text::StartPcsc(Os::Macos) => both(
                "ICカードリーダーを接続し直してください（macOS の PC/SC は標準で動作します）。",
                "Reconnect the reader (PC/SC is built into macOS).",
            ),
            Text::ConnectReader => both(
                "ICカードリーダーを接続し、メーカーのドライバーをインストールしてください（Linux では libccid）。",
                "Connect the reader and install its driver (on Linux: libccid).",
            ),
            Text::Readers(names) => {
                let Bilingual { ja, en } = list(names);
                both(format!("ICカードリーダー: {ja}"), format!("Readers: {en}"))
            }
            Text::InsertCard => both(
                "電子入札用のICカードをICカードリーダーに挿入して、もう一度確認してください。",
                "Insert the e-bidding IC card and run doctor again.",
            ),
            Text::CardPresent(readers) => {
                let Bilingual { ja, en } = list(readers);
                both(format!("ICカードが挿入されています（{ja}）。"), format!("A card is inserted ({en})."))
            }
            Text::RecognisedNeedsPin => both(
                "ICカードを認識しました。証明書（有効期限）はPIN入力後に表示されます。",
                "Card recognised; its certificate (and expiry) can be read only after the PIN.",
            ),
            Text::Pkcs11NoModules { config } => both(
                format!("PKCS#11 モジュールは設定されていません（{config}）。認証局のカードを使う場合は設定してください。"),
                format!("No PKCS#11 module is configured ({config}); name the CA's module there for its cards."),
            ),
            Text::Pkcs11Module { path, tokens } => {
                let list = if tokens.is_empty() {
                    (" トークンなし".to_owned(), " no token".to_owned())
                } else {
                    let lines: String = tokens.iter().map(|t| format!("\n    {t}")).collect();
                    (lines.clone(), lines)
                };
                both(
                    format!("PKCS#11 モジュール {path} を読み込みました。{}", list.0),
                    format!("PKCS#11 module {path} loads.{}", list.1),
                )
            }
            Text::Pkcs11ModuleFailed(error) => both(
                format!("PKCS#11 モジュールを使用できません: {error}"),
                format!("A PKCS#11 module cannot be used: {error}"),
            ),
            Text::FixPkcs11Module { config } => both(
                format!("認証局のミドルウェアをインストールするか、{config} のモジュールのパスを直してください。"),
                format!("Install the CA's middleware, or correct the module path in {config}."),
            ),
            Text::DescribeCardProfile => both(
                "カードの種類を認識できません。認証局のミドルウェア（PKCS#11 モジュール）を pkcs11.toml に設定するか、\
                 カードの仕様を入手してカードプロファイル（TOML）を /etc/ebid-host/profiles/ に置いてください\
                 （manifests/README.md 参照）。",
                "The card type is not recognised: name the CA's middleware (PKCS#11 module) in pkcs11.toml, or \
                 describe the card in a card profile (TOML) under /etc/ebid-host/profiles/ (see manifests/README.md).",
            ),
            Text::ReinsertCard => both(
                "ICカードを挿し直して、もう一度確認してください。",
                "Re-insert the card and run doctor again.",
            ),
            Text::Recognised { card_type, reader } => both(
                format!("ICカードを認識しました（{card_type}、{reader}）。"),
                format!("Card recognised ({card_type}, {reader})."),
            ),
            Text::ExpiryUnreadable { not_after } => both(
                format!("証明書の有効期限（{not_after}）を解釈できません。"),
                format!("Cannot read the certificate's expiry ({not_after})."),
            ),
            Text::AskIssuer => both("ICカードの発行元にお問い合わせください。", "Ask the card's issuer."),
            Text::Expired { not_after } => both(
                format!("証明書の有効期限（{not_after}）が過ぎています。期限切れのICカードは更新できません。"),
                format!("The certificate expired on {not_after}; an expired card cannot be renewed."),
            ),
            Text::RegisterAsNewUser => both(
                "電子入札システムで利用者情報の新規登録を行ってください（操作マニュアル 2.1.3）。",
                "Register the new card as a new user on the portal (manual 2.1.3).",
            ),
            Text::ExpiresSoon { not_after, days_left } => both(
                format!("証明書の有効期限は {not_after}（残り {days_left} 日）です。早めに更新してください。"),
                format!("The certificate expires on {not_after} ({days_left} days left): renew soon."),
            ),
            Text::Expires { not_after, days_left } => both(
                format!("証明書の有効期限は {not_after}（残り {days_left} 日）です。"),
                format!("The certificate expires on {not_after} ({days_left} days left)."),
            ),
        }
    }

    /// The card service's own wording of an error code it reports without detail.
    pub fn code(code: ErrorCode) -> Text {
        Text::CardError(ErrorInfo::new(code))
    }
}

impl Problem {
    fn bilingual(&self) -> Bilingual {
        match self {
            Problem::Name(name) => both(
                format!("name が {HOST_NAME} ではなく {name:?} です。"),
                format!("name is {name:?}, not {HOST_NAME}."),
            ),
            Problem::Kind(kind) => both(
                format!("type が stdio ではなく {kind:?} です。"),
                format!("type is {kind:?}, not stdio."),
            ),
            Problem::PathNotAbsolute(path) => both(
                format!("path {path:?} が絶対パスではありません。"),
                format!("path {path:?} is not absolute."),
            ),
            Problem::TargetMissing(path) => both(
                format!("path が指す {path} は存在しません。"),
                format!("path names {path}, which does not exist."),
            ),
            Problem::NotExecutable(path) => both(
                format!("{path} に実行権限がありません。"),
                format!("{path} is not executable."),
            ),
            Problem::OtherHost { path, this_host } => both(
                format!(
                    "別の ebid-host（{path}）を指しています。この ebid-host は {this_host} です。"
                ),
                format!("it points at another ebid-host ({path}); this one is {this_host}."),
            ),
        }
    }
}
/// What a card-service error means to an admin, in both languages (the host sends only codes on the wire; the
/// extension has the same sentences in its `_locales`, except where the bidder is sent to the admin instead).
fn error_text(code: ErrorCode) -> Bilingual {
    let (ja, en) = match code {
        ErrorCode::NoReader => (
            "ICカードリーダーが見つかりません。ICカードリーダーを接続してください。",
            "No smart card reader found. Connect a reader.",
        ),
        ErrorCode::NoCard => (
            "ICカードが挿入されていません。ICカードをICカードリーダーに挿入してください。",
            "No card in the reader. Insert your IC card.",
        ),
        ErrorCode::CardRemoved => (
            "処理中にICカードが抜かれました。ICカードを挿入し直して、もう一度操作してください。",
            "The card was removed during the operation. Insert it again and retry.",
        ),
        ErrorCode::UnsupportedCard => (
            "このICカードは利用できません。電子入札用のICカードを挿入してください。",
            "This card is not supported. Insert an e-bidding IC card.",
        ),
        ErrorCode::WrongPin => ("PIN番号が正しくありません。", "Wrong PIN."),
        ErrorCode::PinBlocked => (
            "PIN番号の入力を規定回数以上誤ったため、ICカードが閉塞しています。",
            "The PIN is blocked after too many wrong tries.",
        ),
        ErrorCode::PinRequired => ("先にPIN番号を入力してください。", "Enter the PIN first."),
        ErrorCode::PinFormat => (
            "PIN番号の形式が正しくありません。",
            "The PIN has the wrong format.",
        ),
        ErrorCode::PinPadTimeout => (
            "ICカードリーダーでのPIN番号入力が時間切れになりました。",
            "PIN entry on the reader timed out.",
        ),
        ErrorCode::PinPadCancelled => (
            "ICカードリーダーでのPIN番号入力が取り消されました。",
            "PIN entry on the reader was cancelled.",
        ),
        ErrorCode::CardExpired => (
            "ICカードの有効期限が過ぎています。",
            "The card's certificate has expired.",
        ),
        // A newer host's code this build does not know reads as the generic card error, as in the extension.
        ErrorCode::CardError | ErrorCode::Unrecognized => (
            "ICカードの読み取り中にエラーが発生しました。",
            "The card reported an error.",
        ),
        ErrorCode::PcscUnavailable => (
            "ICカードを利用するためのサービス（PC/SC）に接続できません。",
            "The smart card service (PC/SC) is not available.",
        ),
        // For the admin: the bidder's text (extension) sends them to the admin instead.
        ErrorCode::ModuleUnavailable => (
            "ICカードを読み取るための認証局のソフトウェア（PKCS#11モジュール）を利用できません。\
             pkcs11.toml に設定したモジュールのパスを確認し、認証局のミドルウェアをインストールし直してください。",
            "The CA's software for reading the IC card (PKCS#11 module) cannot be used. Check the module path \
             in pkcs11.toml, and reinstall the CA's middleware.",
        ),
        ErrorCode::ReaderBusy => (
            "ほかのプログラムがICカードを使用中です。そのプログラムを終了してから、もう一度操作してください。",
            "Another program is using the IC card. Close that program and try again.",
        ),
        ErrorCode::BadRequest => ("要求の形式が正しくありません。", "Malformed request."),
        ErrorCode::UnknownCommand => ("未対応の要求です。", "Unknown command."),
        ErrorCode::TooLarge => ("メッセージが大きすぎます。", "Message too large."),
        ErrorCode::OriginNotAllowed => (
            "このサイトからの要求には応じられません。",
            "Requests from this site are not accepted.",
        ),
        ErrorCode::CallerNotAllowed => (
            "この拡張機能からの要求には応じられません。",
            "Requests from this browser extension are not accepted.",
        ),
        ErrorCode::Internal => ("内部エラーが発生しました。", "Internal error."),
    };
    both(ja, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_module_tells_the_admin_where_to_look() {
        let text = Text::CardError(
            ErrorInfo::new(ErrorCode::ModuleUnavailable)
                .with_detail("PKCS#11 module /opt/ca/ca-pkcs11.so: no such file"),
        )
        .bilingual();
        for sentence in [&text.ja, &text.en] {
            assert!(sentence.contains("pkcs11.toml"), "{sentence}");
            assert!(sentence.contains("/opt/ca/ca-pkcs11.so"), "{sentence}");
        }
        assert!(text.ja.contains("認証局のミドルウェア"));
        assert_eq!(
            error_text(ErrorCode::Unrecognized).ja,
            error_text(ErrorCode::CardError).ja
        );
    }
}
