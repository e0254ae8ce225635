//! The card end of the chain: PC/SC service → readers ([`super::pcsc`]) → a card inserted → recognised →
//! certificate validity ([`super::expiry`]). It stops at the first failure, since each step needs the one before.

use ebid_protocol::{ErrorCode, ErrorInfo};

use crate::admin::card_probe::CardProbe;
use crate::admin::layout::Os;

use super::check::{presence, Check};
use super::expiry::expiry_check;
use super::pcsc::pcsc_checks;
use super::text::Text;

/// The card checks, through `probe`, at the time `now_unix`.
pub fn card_checks(probe: &mut dyn CardProbe, os: Os, now_unix: i64) -> Vec<Check> {
    let mut checks = Vec::new();
    let Some(readers) = pcsc_checks(probe, os, &mut checks) else {
        return checks;
    };
    let with_card: Vec<String> = readers
        .into_iter()
        .filter(|r| r.card_present)
        .map(|r| r.name)
        .collect();
    let present = presence(
        "card.present",
        &with_card,
        ErrorCode::NoCard,
        Text::InsertCard,
        Text::CardPresent,
    );
    let found = present.ok;
    checks.push(present);
    if !found {
        return checks;
    }
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
        checks.push(unrecognised(e));
        return checks;
    };
    let recognised = Text::Recognised {
        card_type: info.card_type.clone(),
        reader: info.reader.clone(),
    };
    checks.push(Check::pass("card.recognised", recognised));
    checks.push(expiry_check(&info.summary.not_after, now_unix));
    checks
}

/// `card.recognised` when no certificate could be read.
fn unrecognised(e: ErrorInfo) -> Check {
    // JPKI shows its signature certificate only after the PIN: the card is known, its expiry cannot be read here.
    if e.code == ErrorCode::PinRequired {
        return Check::pass("card.recognised", Text::RecognisedNeedsPin);
    }
    let fix = match e.code {
        ErrorCode::UnsupportedCard => Text::DescribeCardProfile,
        // The CA's middleware, not the card, is what the admin has to look at.
        ErrorCode::ModuleUnavailable => Text::FixPkcs11Module {
            config: crate::pkcs11::config_path_in_force().display().to_string(),
        },
        _ => Text::ReinsertCard,
    };
    Check::fail("card.recognised", Text::CardError(e), fix)
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
        // A CA's module that does not load: the fix is the middleware and pkcs11.toml, not the card.
        let no_module = run(
            Ok(vec![reader(true)]),
            Err(ErrorInfo::new(ErrorCode::ModuleUnavailable)),
        );
        assert_eq!(last(&no_module), ("card.recognised", false));
        let fix = no_module.last().unwrap().fix_en.as_deref().unwrap();
        assert!(
            fix.contains("pkcs11.toml") && fix.contains("middleware"),
            "{fix}"
        );
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
}
