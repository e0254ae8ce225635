//! `sign_challenge`'s arguments, checked before any PC/SC: a canonical web origin, a base64 challenge of 32 to
//! 1024 bytes, the bound certificate `renew_new` needs; the digest the card then signs, and the reply. Also how
//! caller input is quoted in details and logs.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ebid_protocol::{
    binding_digest, check_web_origin, ErrorCode, ErrorInfo, Reply, SignPurpose,
    MAX_CHALLENGE_BYTES, MIN_CHALLENGE_BYTES, SIGNATURE_ALGORITHM,
};

use super::CardService;

impl CardService {
    /// The digest `sign_challenge` has the card sign, once its arguments passed the checks: a canonical web
    /// origin (`ORIGIN_NOT_ALLOWED` otherwise), a base64 challenge of 32 to 1024 bytes, and the bound certificate
    /// `renew_new` needs. Nothing here touches PC/SC.
    pub fn challenge_digest(
        &self,
        origin: &str,
        challenge: &str,
        purpose: SignPurpose,
        bound_certificate: Option<&str>,
    ) -> Result<[u8; 32], ErrorInfo> {
        check_web_origin(origin, self.allow_loopback_origins).map_err(|problem| {
            ErrorInfo::new(ErrorCode::OriginNotAllowed)
                .with_detail(format!("origin {}: {problem}", quote_input(origin, 100)))
        })?;
        let challenge = decode_base64("challenge", challenge)?;
        if !(MIN_CHALLENGE_BYTES..=MAX_CHALLENGE_BYTES).contains(&challenge.len()) {
            return Err(bad_request(&format!(
                "`challenge` must be {MIN_CHALLENGE_BYTES} to {MAX_CHALLENGE_BYTES} bytes once decoded, not {}",
                challenge.len()
            )));
        }
        let bound = match bound_certificate {
            Some(text) => decode_base64("bound_certificate", text)?,
            None if purpose == SignPurpose::RenewNew => {
                return Err(bad_request("`renew_new` needs `bound_certificate`"))
            }
            None => Vec::new(),
        };
        Ok(binding_digest(origin, &challenge, purpose, &bound))
    }
}

pub(super) fn signature_reply(signature: &[u8], digest: &[u8; 32]) -> Reply {
    Reply::Signature {
        signature: BASE64.encode(signature),
        digest: BASE64.encode(digest),
        algorithm: SIGNATURE_ALGORITHM.to_owned(),
    }
}

fn decode_base64(field: &str, text: &str) -> Result<Vec<u8>, ErrorInfo> {
    BASE64
        .decode(text.trim())
        .map_err(|_| bad_request(&format!("`{field}` is not base64")))
}

fn bad_request(detail: &str) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::BadRequest).with_detail(detail)
}

/// Caller input for a detail or a log line: at most `max` characters, quoted and escaped, marked when cut.
pub(crate) fn quote_input(text: &str, max: usize) -> String {
    let shown: String = text.chars().take(max).collect();
    if shown.len() < text.len() {
        format!("{shown:?}…")
    } else {
        format!("{shown:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::EventSink;
    use ebid_protocol::Command;

    fn no_events() -> EventSink {
        Box::new(|_| true)
    }

    fn sign_challenge(origin: &str, challenge: &[u8], purpose: SignPurpose) -> Command {
        Command::SignChallenge {
            reader: "R".into(),
            origin: origin.into(),
            challenge: BASE64.encode(challenge),
            purpose,
            bound_certificate: None,
        }
    }

    fn refusal(service: &mut CardService, command: Command) -> ErrorInfo {
        service.execute(command, no_events).unwrap_err()
    }

    #[test]
    fn malformed_arguments_are_refused_before_pcsc() {
        let mut service = CardService::with_profiles(Vec::new());
        let not_base64 = Command::SignChallenge {
            reader: "R".into(),
            origin: "https://example.jp".into(),
            challenge: "***".into(),
            purpose: SignPurpose::Login,
            bound_certificate: None,
        };
        assert_eq!(
            refusal(&mut service, not_base64).code,
            ErrorCode::BadRequest
        );
        let unbound = sign_challenge("https://example.jp", &[7; 32], SignPurpose::RenewNew);
        assert_eq!(refusal(&mut service, unbound).code, ErrorCode::BadRequest);
        assert!(service.context.is_none(), "nothing above needed PC/SC");
    }

    #[test]
    fn challenges_must_be_32_to_1024_bytes() {
        let mut service = CardService::with_profiles(Vec::new());
        for len in [0, 1, 31, 1025, 4096] {
            let command = sign_challenge("https://example.jp", &vec![7; len], SignPurpose::Login);
            let error = refusal(&mut service, command);
            assert_eq!(error.code, ErrorCode::BadRequest, "{len} bytes");
            assert!(
                error
                    .detail
                    .as_deref()
                    .unwrap()
                    .contains("32 to 1024 bytes"),
                "{error:?}"
            );
        }
        for len in [32, 1024] {
            let digest = service
                .challenge_digest(
                    "https://example.jp",
                    &BASE64.encode(vec![7; len]),
                    SignPurpose::Login,
                    None,
                )
                .unwrap();
            assert_eq!(
                digest,
                binding_digest("https://example.jp", &vec![7; len], SignPurpose::Login, b"")
            );
        }
        assert!(service.context.is_none(), "nothing above needed PC/SC");
    }

    #[test]
    fn bad_origins_are_origin_not_allowed_before_pcsc() {
        let mut service = CardService::with_profiles(Vec::new());
        let long = format!("https://{}", "a".repeat(5000));
        for origin in [
            "",
            "null",
            "javascript:alert(1)",
            "http://example.jp",
            "http://127.0.0.1:8080",
            "https://example.jp/",
            "https://example.jp/login",
            "https://Example.jp",
            "https://user@example.jp",
            long.as_str(),
        ] {
            let error = refusal(
                &mut service,
                sign_challenge(origin, &[7; 32], SignPurpose::Login),
            );
            assert_eq!(error.code, ErrorCode::OriginNotAllowed, "{origin:?}");
            let detail = error.detail.unwrap();
            assert!(
                detail.len() < 300,
                "the detail echoes at most 100 characters: {detail}"
            );
        }
        assert!(service.context.is_none(), "nothing above needed PC/SC");
    }

    #[test]
    fn the_loopback_switch_admits_only_loopback_http() {
        let mut service = CardService::with_profiles(Vec::new());
        let challenge = BASE64.encode([7; 32]);
        let digest = |service: &CardService, origin: &str| {
            service
                .challenge_digest(origin, &challenge, SignPurpose::Login, None)
                .map_err(|e| e.code)
        };
        assert_eq!(
            digest(&service, "http://127.0.0.1:8080"),
            Err(ErrorCode::OriginNotAllowed)
        );
        service.allow_loopback_origins(true);
        assert!(digest(&service, "http://127.0.0.1:8080").is_ok());
        assert!(digest(&service, "http://localhost:8080").is_ok());
        assert_eq!(
            digest(&service, "http://example.jp"),
            Err(ErrorCode::OriginNotAllowed)
        );
    }

    #[test]
    fn quoted_input_is_cut_short() {
        assert_eq!(quote_input("abc", 100), "\"abc\"");
        let quoted = quote_input(&"x".repeat(500), 100);
        assert_eq!(quoted.matches('x').count(), 100);
        assert!(quoted.ends_with('…'));
        assert_eq!(quote_input("a\nb", 100), "\"a\\nb\"");
    }
}
