//! Why the portal refuses a renewal, a login, a registration or a change, in the words the user reads: the one table of refusals behind both
//! the HTML error pages and the renewal endpoints' JSON errors (`code`, `title`, `message`, `registration_pointer`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// 現在使用しているICカード
    Current,
    /// 新規に使用するICカード
    New,
    /// The one card of a login, registration or change.
    Inserted,
}

impl Card {
    fn label(self) -> &'static str {
        match self {
            Card::Current => "現在使用しているICカード",
            Card::New => "新規に使用するICカード",
            Card::Inserted => "ICカード",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No live challenge in the session (no session, expired, already used, or a step taken out of order).
    ChallengeMissing,
    /// The posted challenge is not the one this session was given.
    ChallengeMismatch,
    /// A field the applet fills is absent or empty.
    MissingField(&'static str),
    /// A certificate field is not base64 DER X.509.
    MalformedCertificate(Card),
    /// A signature field is not base64.
    MalformedSignature(Card),
    /// The card's key is not RSA.
    UnsupportedKey(Card),
    /// The current card's certificate is not the registered one.
    NotRegistered,
    /// The current card's certificate is outside its validity period.
    CurrentExpired,
    CurrentSignatureInvalid,
    /// The new card is the current card (same certificate or same key).
    SameCard,
    /// The new card's certificate was not issued by a CA the portal accepts.
    UnknownCa,
    NewExpired,
    NewSignatureInvalid,
    /// Another renewal of this user waits for the city's review.
    AlreadyPending,
    /// 「更新」 without a verified renewal in the session (timed out, or pressed twice).
    NothingToCommit,
    /// The registration changed between confirmation and 「更新」.
    RegistrationChanged,
    /// Login with a card that a renewal replaced.
    LoginRetiredCard,
    /// Login with a new card whose renewal is still under review.
    LoginPendingReview,
    /// The store could not be written.
    StoreFailure,
    /// 登録 with a card that is already registered.
    AlreadyRegistered,
    /// 登録 with a card whose registration waits for the city's review.
    RegistrationPending,
    /// 登録 with a card outside its validity period.
    CardExpired,
    /// The card of a login, registration or change did not sign this session's challenge for this operation.
    SignatureInvalid,
    /// A card endpoint was called with an `Origin` header other than the portal's (cross-site request).
    ForeignOrigin,
    /// The request body is over [`crate::MAX_BODY_BYTES`].
    TooLarge,
}

impl Refusal {
    pub fn title(&self) -> &'static str {
        match self {
            Refusal::ChallengeMissing | Refusal::ChallengeMismatch | Refusal::NothingToCommit => {
                "画面の有効期限が切れました"
            }
            Refusal::MissingField(_)
            | Refusal::MalformedCertificate(_)
            | Refusal::MalformedSignature(_)
            | Refusal::UnsupportedKey(_) => "ICカードの情報を読み取れませんでした",
            Refusal::NotRegistered => "利用者登録されていないICカードです",
            Refusal::CurrentExpired => "現在使用しているICカードの有効期限が切れています",
            Refusal::CurrentSignatureInvalid
            | Refusal::NewSignatureInvalid
            | Refusal::SignatureInvalid => "ICカードの署名を確認できませんでした",
            Refusal::AlreadyRegistered => "既に利用者登録されているICカードです",
            Refusal::RegistrationPending => "審査中の利用者登録申請があります",
            Refusal::CardExpired => "ICカードの有効期限が切れています",
            Refusal::SameCard => "新しいICカードが現在使用しているICカードと同じです",
            Refusal::UnknownCa => "新しいICカードの認証局を確認できませんでした",
            Refusal::NewExpired => "新しいICカードの電子証明書が有効期間外です",
            Refusal::AlreadyPending => "審査中のICカード更新申請があります",
            Refusal::RegistrationChanged => "利用者登録の内容が変更されました",
            Refusal::LoginRetiredCard => "更新済みのICカードです",
            Refusal::LoginPendingReview => "審査中のICカードです",
            Refusal::StoreFailure => "システムエラーが発生しました",
            Refusal::ForeignOrigin => "この画面からは送信できません",
            Refusal::TooLarge => "送信内容が大きすぎます",
        }
    }

    /// The stable machine-readable name of the refusal, the `code` of the renewal endpoints' JSON errors.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::ChallengeMissing | Refusal::ChallengeMismatch | Refusal::NothingToCommit => {
                "session_expired"
            }
            Refusal::MissingField(_)
            | Refusal::MalformedCertificate(_)
            | Refusal::MalformedSignature(_)
            | Refusal::UnsupportedKey(_) => "unreadable",
            Refusal::NotRegistered => "unregistered",
            Refusal::CurrentExpired => "current_expired",
            Refusal::CurrentSignatureInvalid
            | Refusal::NewSignatureInvalid
            | Refusal::SignatureInvalid => "bad_signature",
            Refusal::AlreadyRegistered => "already_registered",
            Refusal::RegistrationPending => "registration_pending",
            Refusal::CardExpired => "card_expired",
            Refusal::SameCard => "same_card",
            Refusal::UnknownCa => "unknown_ca",
            Refusal::NewExpired => "new_expired",
            Refusal::AlreadyPending => "review_pending",
            Refusal::RegistrationChanged => "registration_changed",
            Refusal::LoginRetiredCard => "retired",
            Refusal::LoginPendingReview => "login_review_pending",
            Refusal::StoreFailure => "store_failure",
            Refusal::ForeignOrigin => "foreign_origin",
            Refusal::TooLarge => "too_large",
        }
    }

    pub fn explanation(&self) -> String {
        match self {
            Refusal::ChallengeMissing | Refusal::ChallengeMismatch | Refusal::NothingToCommit => {
                "一定時間操作がなかったか、画面が二重に送信されました。最初の画面からもう一度操作してください。".into()
            }
            Refusal::MissingField(name) => format!(
                "ICカードの操作に必要な情報（{name}）が送信されませんでした。画面のボタンから操作してください。"
            ),
            Refusal::MalformedCertificate(card) => format!(
                "{}の電子証明書の形式が正しくありません。ICカードがICカードリーダーに正しく挿入されているか確認してください。",
                card.label()
            ),
            Refusal::MalformedSignature(card) => format!("{}の署名の形式が正しくありません。", card.label()),
            Refusal::UnsupportedKey(card) => format!(
                "{}の電子証明書は本システムで利用できる形式（RSA）ではありません。",
                card.label()
            ),
            Refusal::NotRegistered => "ICカードリーダーに挿入されているICカードは利用者登録されていません。現在使用している（登録済みの）ICカードを挿入して、もう一度操作してください。ICカードを紛失した場合や閉塞した場合は、本機能は使用できません。".into(),
            Refusal::CurrentExpired => "有効期限を過ぎたICカードは、ログインにもICカード更新にも使用できません。".into(),
            Refusal::AlreadyRegistered => "ICカードリーダーに挿入されているICカードは既に利用者登録されています。登録内容を変更する場合は「変更」を使用してください。".into(),
            Refusal::RegistrationPending => "このICカードの利用者登録申請は札幌市で審査中です。審査結果の電子メールをお待ちください。".into(),
            Refusal::CardExpired => "有効期限を過ぎたICカードは利用者登録できません。有効な電子証明書が格納されたICカードを使用してください。".into(),
            Refusal::SignatureInvalid => "ICカードの署名が正しくありません。ICカードを差し替えずに、もう一度操作してください。".into(),
            Refusal::CurrentSignatureInvalid => "現在使用しているICカードの署名が正しくありません。ICカードを差し替えずに、もう一度操作してください。".into(),
            Refusal::NewSignatureInvalid => "新規に使用するICカードの署名が正しくありません。新しいICカードを挿入して、もう一度操作してください。".into(),
            Refusal::SameCard => "現在使用しているICカードの次に、新しいICカードに差し替えてから「OK」を押してください。".into(),
            Refusal::UnknownCa => "新規に使用するICカードは、本システムで利用できる認証局が発行したものではありません。対応している認証局のICカードを使用してください。".into(),
            Refusal::NewExpired => "新規に使用するICカードの電子証明書は有効期間外です。有効な電子証明書が格納されたICカードを使用してください。".into(),
            Refusal::AlreadyPending => "このICカードの更新申請は札幌市で審査中です。審査結果の電子メールをお待ちください。".into(),
            Refusal::RegistrationChanged => "確認画面の表示後に利用者登録の内容が変更されたため、更新できませんでした。利用者登録メニューからもう一度操作してください。".into(),
            Refusal::LoginRetiredCard => "このICカードはICカード更新により使用できなくなりました。新しいICカードでログインしてください。".into(),
            Refusal::LoginPendingReview => "このICカードは札幌市で審査中のため、まだ使用できません。承認の電子メールが届いてからログインしてください。".into(),
            Refusal::StoreFailure => "登録内容を保存できませんでした。時間をおいてもう一度操作してください。".into(),
            Refusal::ForeignOrigin => "札幌市電子入札システム以外の画面から送信されたため、処理を中止しました。もう一度最初の画面から操作してください。".into(),
            Refusal::TooLarge => "送信内容が大きすぎます。".into(),
        }
    }

    /// Expired, lost or blocked cards cannot be renewed: the user needs 「2.1.3 利用者情報の新規登録」.
    pub fn needs_new_registration(&self) -> bool {
        matches!(self, Refusal::NotRegistered | Refusal::CurrentExpired)
    }

    /// HTTP status of the error page.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::StoreFailure => 500,
            Refusal::TooLarge => 413,
            Refusal::ChallengeMissing | Refusal::ChallengeMismatch | Refusal::NothingToCommit => {
                409
            }
            Refusal::MissingField(_)
            | Refusal::MalformedCertificate(_)
            | Refusal::MalformedSignature(_)
            | Refusal::UnsupportedKey(_) => 400,
            _ => 403,
        }
    }
}
