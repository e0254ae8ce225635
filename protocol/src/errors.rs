//! Typed errors with the texts a bidder reads (Japanese first) and a help desk reads (English).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    NoReader,
    NoCard,
    CardRemoved,
    UnsupportedCard,
    WrongPin,
    PinBlocked,
    PinRequired,
    PinFormat,
    PinPadTimeout,
    PinPadCancelled,
    CardExpired,
    CardError,
    PcscUnavailable,
    BadRequest,
    UnknownCommand,
    TooLarge,
    /// `sign_challenge` for an origin that is not a canonical `https://` web origin.
    OriginNotAllowed,
    /// The host was started by a caller (browser extension) it does not serve.
    CallerNotAllowed,
    Internal,
}

impl ErrorCode {
    pub fn message_ja(self) -> &'static str {
        match self {
            ErrorCode::NoReader => {
                "ICカードリーダーが見つかりません。ICカードリーダーを接続してください。"
            }
            ErrorCode::NoCard => {
                "ICカードが挿入されていません。ICカードをICカードリーダーに挿入してください。"
            }
            ErrorCode::CardRemoved => {
                "処理中にICカードが抜かれました。ICカードを挿入し直して、もう一度操作してください。"
            }
            ErrorCode::UnsupportedCard => {
                "このICカードは利用できません。電子入札用のICカードを挿入してください。"
            }
            ErrorCode::WrongPin => "PIN番号が正しくありません。",
            ErrorCode::PinBlocked => {
                "PIN番号の入力を規定回数以上誤ったため、ICカードが閉塞しています。"
            }
            ErrorCode::PinRequired => "先にPIN番号を入力してください。",
            ErrorCode::PinFormat => "PIN番号の形式が正しくありません。",
            ErrorCode::PinPadTimeout => "ICカードリーダーでのPIN番号入力が時間切れになりました。",
            ErrorCode::PinPadCancelled => "ICカードリーダーでのPIN番号入力が取り消されました。",
            ErrorCode::CardExpired => "ICカードの有効期限が過ぎています。",
            ErrorCode::CardError => "ICカードの読み取り中にエラーが発生しました。",
            ErrorCode::PcscUnavailable => {
                "ICカードを利用するためのサービス（PC/SC）に接続できません。"
            }
            ErrorCode::BadRequest => "要求の形式が正しくありません。",
            ErrorCode::UnknownCommand => "未対応の要求です。",
            ErrorCode::TooLarge => "メッセージが大きすぎます。",
            ErrorCode::OriginNotAllowed => "このサイトからの要求には応じられません。",
            ErrorCode::CallerNotAllowed => "この拡張機能からの要求には応じられません。",
            ErrorCode::Internal => "内部エラーが発生しました。",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            ErrorCode::NoReader => "No smart card reader found. Connect a reader.",
            ErrorCode::NoCard => "No card in the reader. Insert your IC card.",
            ErrorCode::CardRemoved => {
                "The card was removed during the operation. Insert it again and retry."
            }
            ErrorCode::UnsupportedCard => {
                "This card is not supported. Insert an e-bidding IC card."
            }
            ErrorCode::WrongPin => "Wrong PIN.",
            ErrorCode::PinBlocked => "The PIN is blocked after too many wrong tries.",
            ErrorCode::PinRequired => "Enter the PIN first.",
            ErrorCode::PinFormat => "The PIN has the wrong format.",
            ErrorCode::PinPadTimeout => "PIN entry on the reader timed out.",
            ErrorCode::PinPadCancelled => "PIN entry on the reader was cancelled.",
            ErrorCode::CardExpired => "The card's certificate has expired.",
            ErrorCode::CardError => "The card reported an error.",
            ErrorCode::PcscUnavailable => "The smart card service (PC/SC) is not available.",
            ErrorCode::BadRequest => "Malformed request.",
            ErrorCode::UnknownCommand => "Unknown command.",
            ErrorCode::TooLarge => "Message too large.",
            ErrorCode::OriginNotAllowed => "Requests from this site are not accepted.",
            ErrorCode::CallerNotAllowed => "Requests from this browser extension are not accepted.",
            ErrorCode::Internal => "Internal error.",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub code: ErrorCode,
    /// Set with `WRONG_PIN` (and `PIN_BLOCKED`, as 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries_left: Option<u8>,
    pub message_ja: String,
    pub message_en: String,
    /// Technical detail for logs and help desks (never a PIN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ErrorInfo {
    pub fn new(code: ErrorCode) -> Self {
        ErrorInfo {
            code,
            retries_left: None,
            message_ja: code.message_ja().to_owned(),
            message_en: code.message_en().to_owned(),
            detail: None,
        }
    }

    pub fn with_retries(mut self, left: u8) -> Self {
        self.retries_left = Some(left);
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}
