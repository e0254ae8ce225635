//! The one-card operations (ログイン, 登録, 変更) as the extension runs them, and the 登録 / 変更 pages as a bidder
//! fills them in.

use ebid_protocol::SignPurpose;
use replica_portal::contacts::fields as contact;
use replica_portal::{paths, RosterEntry, RunningPortal};

use super::{b64, challenge_at, open_next, words, Browser, Card, Page, COMPANY, REPRESENTATIVE};

/// Posts `card` with `signature` to a one-card endpoint (`IcLogin.do`, `IcRegistCard.do`, `IcChangeCard.do`).
pub fn post_card(
    browser: &mut Browser,
    path: &str,
    challenge: &str,
    card: &Card,
    signature: &[u8],
) -> Page {
    browser.post_form(
        path,
        &[
            ("challenge", challenge),
            ("certificate", &card.b64()),
            ("signature", &b64(signature)),
        ],
    )
}

/// `card` answers `challenge` (from [`challenge_at`]) at `card_path` as the extension does: its signature for
/// `purpose` bound to `origin`, posted with its certificate. Returns the JSON answer.
pub fn answer_challenge(
    browser: &mut Browser,
    origin: &str,
    card: &Card,
    purpose: SignPurpose,
    card_path: &str,
    challenge: &(String, Vec<u8>),
) -> Page {
    let signature = card.sign(origin, &challenge.1, purpose, b"");
    post_card(browser, card_path, &challenge.0, card, &signature)
}

/// A one-card proof as the extension runs it: the challenge of `challenge_path`, then `card`'s answer at
/// `card_path` ([`answer_challenge`]).
pub fn prove_card(
    browser: &mut Browser,
    origin: &str,
    card: &Card,
    purpose: SignPurpose,
    challenge_path: &str,
    card_path: &str,
) -> Page {
    let challenge = challenge_at(browser, challenge_path);
    answer_challenge(browser, origin, card, purpose, card_path, &challenge)
}

/// ICカードによるログイン as the extension runs it: the login page (the session), the challenge, the card's
/// `Login` signature bound to `origin`, `IcLogin.do`. On success returns the `IcLoginResult.do` page the
/// extension opens next; else the JSON refusal.
pub fn log_in(browser: &mut Browser, origin: &str, card: &Card) -> Page {
    assert_eq!(browser.get(paths::LOGIN_PAGE).status, 200);
    let answer = prove_card(
        browser,
        origin,
        card,
        SignPurpose::Login,
        paths::LOGIN_CHALLENGE,
        paths::LOGIN_CARD,
    );
    open_next(browser, answer, "next", paths::LOGIN_RESULT)
}

/// 業者番号 of the test company on the 名簿.
pub const GYOSHA_NO: &str = "0012345";

/// The test company's 名簿 entry: its names match [`super::CardSpec::current`]'s.
pub fn roster_entry() -> RosterEntry {
    RosterEntry {
        gyosha_no: GYOSHA_NO.into(),
        company_name: COMPANY.into(),
        representative: REPRESENTATIVE.into(),
        delegate: None,
        address: "札幌市中央区北1条西2丁目".into(),
        phone: "011-211-2111".into(),
    }
}

pub const REP_EMAIL: &str = "keiyaku@test-kensetsu.example.jp";
pub const DEPT_EMAIL: &str = "koji@test-kensetsu.example.jp";

/// A valid 代表窓口情報 + ICカード利用部署情報 submission.
pub fn contact_fields() -> Vec<(&'static str, String)> {
    vec![
        (contact::REP_SECTION, "総務部 契約課".into()),
        (contact::REP_NAME, "札幌 一郎".into()),
        (contact::REP_ADDRESS, "札幌市中央区北1条西2丁目".into()),
        (contact::REP_PHONE, "011-211-2111".into()),
        (contact::REP_EMAIL, REP_EMAIL.into()),
        (contact::DEPT_SECTION, "工事部".into()),
        (contact::DEPT_NAME, "札幌 次郎".into()),
        (contact::DEPT_ADDRESS, "札幌市中央区北1条西2丁目".into()),
        (contact::DEPT_PHONE, "011-211-2112".into()),
        (contact::DEPT_EMAIL, DEPT_EMAIL.into()),
    ]
}

/// `fields` with `name` set to `value`.
pub fn with_field(
    mut fields: Vec<(&'static str, String)>,
    name: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for field in fields.iter_mut().filter(|(n, _)| *n == name) {
        field.1 = value.into();
    }
    fields
}

pub fn post_fields(browser: &mut Browser, path: &str, fields: &[(&'static str, String)]) -> Page {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    browser.post_form(path, &pairs)
}

/// 登録's card proof from the menu: `IcRegistChallenge.do`, the `Register` signature, `IcRegistCard.do`.
pub fn prove_registration_card(browser: &mut Browser, origin: &str, card: &Card) -> Page {
    assert_eq!(browser.get(paths::MENU).status, 200);
    prove_card(
        browser,
        origin,
        card,
        SignPurpose::Register,
        paths::REGIST_CHALLENGE,
        paths::REGIST_CARD,
    )
}

/// 変更's card proof from the menu: `IcChangeChallenge.do`, the `Change` signature, `IcChangeCard.do`.
pub fn prove_change_card(browser: &mut Browser, origin: &str, card: &Card) -> Page {
    assert_eq!(browser.get(paths::MENU).status, 200);
    prove_card(
        browser,
        origin,
        card,
        SignPurpose::Change,
        paths::CHANGE_CHALLENGE,
        paths::CHANGE_CARD,
    )
}

/// A new browser whose session holds 変更's card proof for `card` (the proof asserted to succeed).
pub fn browser_with_change_proof(portal: &RunningPortal, card: &Card) -> Browser {
    let mut browser = Browser::new(portal);
    let proof = prove_change_card(&mut browser, portal.origin(), card);
    assert_eq!(proof.status, 200, "{}", words(&proof));
    browser
}

/// The whole 登録 with `card`: proof, 名簿 search, valid input, confirmation, 「登録」. Returns the completion page.
pub fn register_through_pages(browser: &mut Browser, origin: &str, card: &Card) -> Page {
    let proof = prove_registration_card(browser, origin, card);
    assert_eq!(proof.status, 200, "{}", String::from_utf8_lossy(&proof.raw));
    assert_eq!(browser.get(paths::REGIST_SEARCH).status, 200);
    let input = browser.post_form(paths::REGIST_SEARCH, &[("gyoshaNo", GYOSHA_NO)]);
    assert_eq!(input.status, 200);
    let confirm = post_fields(browser, paths::REGIST_CONFIRM, &contact_fields());
    assert!(
        confirm.text().contains("入力内容確認"),
        "{}",
        confirm.text()
    );
    browser.post_form(paths::REGIST_COMMIT, &[])
}

/// The text of the element with `id` (first tag carrying it), without tags.
pub fn element_text(page: &Page, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let at = page.html.find(&marker)?;
    let open_end = at + page.html[at..].find('>')? + 1;
    let close = open_end + page.html[open_end..].find('<')?;
    Some(page.html[open_end..close].trim().to_string())
}
