//! The flows' talk with the portal (tests/portal/README.md): the flow asks for a challenge and hands over the first
//! card's signature — for the renewal the current card's consent, then the new card's, and finally shows the
//! confirmation page; for a login, 登録 or 変更 the card's proof, then the operation's next page. The content script
//! carries each call to the profile's fixed endpoint with the page's session and returns the status and body as
//! they came.

use serde::{Deserialize, Serialize};

use crate::messages::valid_challenge;
use crate::site_profile::OperationEndpoints;

/// Which fixed endpoint a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalStep {
    /// A fresh challenge for the first card.
    Challenge,
    /// The renewal's current card consents (answered with the new card's challenge).
    Current,
    /// The renewal's new card takes over (answered with the confirmation).
    New,
    /// The one card of a login, 登録 or 変更 proves itself (answered with the next page).
    Proof,
}

impl PortalStep {
    /// The operation's endpoint for this step; `None` when the operation has no such step.
    pub fn path(self, endpoints: &OperationEndpoints) -> Option<&'static str> {
        match self {
            PortalStep::Challenge => Some(endpoints.challenge),
            PortalStep::Current | PortalStep::Proof => Some(endpoints.proof),
            PortalStep::New => endpoints.new_card,
        }
    }
}

/// One POST to the portal: form fields, base64 values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalCall {
    pub step: PortalStep,
    pub fields: Vec<(&'static str, String)>,
}

/// What a call gave, when the portal agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalReply {
    /// A challenge to sign (the first, or the new card's).
    Challenge(String),
    /// Both steps passed: the confirmation page is ready.
    Confirmed,
    /// The card was taken (logged in, proven for 登録 / 変更): the next page is ready.
    Proven,
}

/// The portal's refusal, in its own words (Japanese), or why it could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PortalProblem {
    Refused {
        code: String,
        title: String,
        message: String,
        /// The portal points the bidder to 2.1.3 利用者情報の新規登録.
        registration_pointer: bool,
    },
    /// No answer, or one that does not follow the contract.
    Unreachable { detail: String },
}

#[derive(Deserialize)]
struct Body {
    challenge: Option<String>,
    confirm: Option<String>,
    next: Option<String>,
    error: Option<ErrorBody>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    registration_pointer: bool,
}

/// Longest portal text shown to the bidder: the portal's messages are a sentence or two.
const MAX_TEXT: usize = 400;

/// Reads the portal's answer to `step`: `status` 0 means the request did not get through (`error` says why).
pub fn read_answer(
    step: PortalStep,
    status: u16,
    body: &str,
    error: Option<&str>,
) -> Result<PortalReply, PortalProblem> {
    let unreachable = |detail: String| PortalProblem::Unreachable { detail };
    if status == 0 {
        return Err(unreachable(format!(
            "{step:?}: {}",
            clip(error.unwrap_or("no answer"))
        )));
    }
    let parsed: Body = serde_json::from_str(body)
        .map_err(|_| unreachable(format!("{step:?}: HTTP {status}, not the portal's JSON")))?;
    if let Some(e) = parsed.error {
        return Err(PortalProblem::Refused {
            code: clip(&e.code),
            title: clip(&e.title),
            message: clip(&e.message),
            registration_pointer: e.registration_pointer,
        });
    }
    if !(200..300).contains(&status) {
        return Err(unreachable(format!("{step:?}: HTTP {status}")));
    }
    // Where the answer says to go next is not taken: the profile names the next page.
    match (step, parsed.challenge, parsed.confirm, parsed.next) {
        (PortalStep::Challenge | PortalStep::Current, Some(c), _, _) if valid_challenge(&c) => {
            Ok(PortalReply::Challenge(c))
        }
        (PortalStep::New, _, Some(_), _) => Ok(PortalReply::Confirmed),
        (PortalStep::Proof, _, _, Some(_)) => Ok(PortalReply::Proven),
        _ => Err(unreachable(format!(
            "{step:?}: HTTP {status}, the answer lacks what the step gives"
        ))),
    }
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_TEXT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const C32: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    #[test]
    fn challenges_and_confirmation() {
        let body = format!(r#"{{"challenge":"{C32}"}}"#);
        assert_eq!(
            read_answer(PortalStep::Challenge, 200, &body, None),
            Ok(PortalReply::Challenge(C32.into()))
        );
        assert_eq!(
            read_answer(PortalStep::Current, 200, &body, None),
            Ok(PortalReply::Challenge(C32.into()))
        );
        assert_eq!(
            read_answer(PortalStep::New, 200, r#"{"confirm":"/x"}"#, None),
            Ok(PortalReply::Confirmed)
        );
        assert_eq!(
            read_answer(PortalStep::Proof, 200, r#"{"next":"/x"}"#, None),
            Ok(PortalReply::Proven)
        );
    }

    #[test]
    fn refusals_keep_the_portals_words() {
        let body = r#"{"error":{"code":"unregistered","title":"利用者登録されていないICカードです","message":"…","registration_pointer":true}}"#;
        match read_answer(PortalStep::Current, 403, body, None) {
            Err(PortalProblem::Refused {
                code,
                title,
                registration_pointer: true,
                ..
            }) => {
                assert_eq!(code, "unregistered");
                assert_eq!(title, "利用者登録されていないICカードです");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn anything_else_is_unreachable() {
        for (step, status, body, error) in [
            (
                PortalStep::Challenge,
                0,
                "",
                Some("TypeError: Failed to fetch"),
            ),
            (PortalStep::Challenge, 200, "<html>", None),
            (PortalStep::Challenge, 200, r#"{"challenge":"short"}"#, None),
            (PortalStep::Challenge, 500, "{}", None),
            (PortalStep::New, 200, r#"{"challenge":"x"}"#, None),
            (PortalStep::Current, 200, r#"{"confirm":"/x"}"#, None),
            (PortalStep::Proof, 200, r#"{"confirm":"/x"}"#, None),
            (
                PortalStep::Proof,
                200,
                &format!(r#"{{"challenge":"{C32}"}}"#),
                None,
            ),
        ] {
            assert!(
                matches!(
                    read_answer(step, status, body, error),
                    Err(PortalProblem::Unreachable { .. })
                ),
                "{step:?} {status} {body}"
            );
        }
    }
}
