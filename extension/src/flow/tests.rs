//! Every transition of the renewal flow, driven like the service worker drives it.

use ebid_protocol::{
    CertificateInfo, CertificateSummary, Command, ErrorCode, ErrorInfo, Event, HostMessage, Pin,
    PinInfo, ReaderInfo, Reply, Request, SignPurpose,
};

use super::*;
use crate::host_problem::HostProblem;
use crate::portal_call::{PortalCall, PortalStep};

const ORIGIN: &str = "https://www.ebid.city.sapporo.jp";
/// The portal's challenge for the current card, and the one it gives for the new card (32 bytes each).
const CHALLENGE: &str = "Y2hhbGxlbmdlLWZvci10aGUtY3VycmVudC1jYXJkLTEy";
const NEW_CHALLENGE: &str = "Y2hhbGxlbmdlLWZvci10aGUtbmV3LWNhcmQtMTIzNDU2";
const READER: &str = "Reader 00 00";
const OTHER_READER: &str = "Reader 00 01";

fn cert(reader: &str, fingerprint: &str, der: &str, expired: bool) -> CertificateInfo {
    CertificateInfo {
        reader: reader.into(),
        card_type: "profile:ebid-test-ca".into(),
        certificate: der.into(),
        summary: CertificateSummary {
            organization: Some("株式会社テスト".into()),
            holder_name: Some("札幌 太郎".into()),
            address: None,
            serial: "01".into(),
            issuer: "CN=Test CA".into(),
            not_before: "2024-01-01T00:00:00Z".into(),
            not_after: "2027-01-01T00:00:00Z".into(),
            key_algorithm: "RSA".into(),
            key_bits: 2048,
            expired,
            sha256_fingerprint: fingerprint.into(),
        },
    }
}

fn old_cert() -> CertificateInfo {
    cert(READER, "AA", "T0xE", false)
}

fn new_cert() -> CertificateInfo {
    cert(READER, "BB", "TkVX", false)
}

fn pin_info(tries: u8) -> PinInfo {
    PinInfo {
        tries_left: Some(tries),
        blocked: tries == 0,
        pin_pad: false,
        min_length: 4,
        max_length: 8,
        charset: "digits".into(),
    }
}

fn reader(name: &str, card: bool, pin_pad: bool) -> ReaderInfo {
    ReaderInfo {
        name: name.into(),
        card_present: card,
        atr: card.then(|| "3B00".into()),
        pin_pad,
    }
}

fn error(code: ErrorCode) -> ErrorInfo {
    ErrorInfo::new(code)
}

fn wrong_pin(left: u8) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::WrongPin).with_retries(left)
}

/// A flow plus the id of the request it last sent, so tests answer like the host would.
struct Driver {
    flow: RenewalFlow,
    last: Option<Request>,
    last_portal: Option<(u64, PortalCall)>,
}

impl Driver {
    fn new() -> Self {
        let flow = RenewalFlow::new(ORIGIN);
        assert_eq!(flow.start(), vec![Effect::Show(Screen::Connecting)]);
        Driver {
            flow,
            last: None,
            last_portal: None,
        }
    }

    fn feed(&mut self, input: Input) -> Vec<Effect> {
        let effects = self.flow.handle(input);
        for effect in &effects {
            match effect {
                Effect::Send(request) => self.last = Some(request.clone()),
                Effect::Portal { id, call } => self.last_portal = Some((*id, call.clone())),
                _ => {}
            }
        }
        effects
    }

    fn ok(&mut self) -> Vec<Effect> {
        self.feed(Input::User(UserAction::Ok))
    }

    fn cancel(&mut self) -> Vec<Effect> {
        self.feed(Input::User(UserAction::Cancel))
    }

    fn pin(&mut self, pin: &str) -> Vec<Effect> {
        self.feed(Input::User(UserAction::Pin {
            pin: Pin::new(pin),
            operator: None,
        }))
    }

    fn answer(&mut self, result: Result<Reply, ErrorInfo>) -> Vec<Effect> {
        let id = self.last.as_ref().expect("a request was sent").id;
        self.feed(Input::Answer { id, result })
    }

    /// The portal answers the last call with this status and JSON body.
    fn portal(&mut self, status: u16, body: &str) -> Vec<Effect> {
        let (id, _) = self.last_portal.clone().expect("a portal call was made");
        self.feed(Input::Portal {
            id,
            status,
            body: body.into(),
            error: None,
        })
    }

    /// The current card's PIN is accepted: the flow fetches the portal's challenge, then signs it.
    fn pin_verified_then_signs(&mut self) {
        self.answer(Ok(Reply::PinVerified));
        assert_eq!(self.last_portal_call().step, PortalStep::Challenge);
        self.portal(200, &format!(r#"{{"challenge":"{CHALLENGE}"}}"#));
        assert!(matches!(self.last_command(), Command::SignChallenge { .. }));
    }

    fn last_portal_call(&self) -> &PortalCall {
        &self.last_portal.as_ref().expect("a portal call was made").1
    }

    fn event(&mut self, event: Event) -> Vec<Effect> {
        self.feed(Input::Event(event))
    }

    /// The bidder pulls the card out of READER and inserts one with this ATR.
    fn swap_cards(&mut self, atr: &str) {
        self.event(Event::CardRemoved {
            reader: READER.into(),
        });
        self.event(Event::CardInserted {
            reader: READER.into(),
            atr: atr.into(),
        });
    }

    fn last_command(&self) -> &Command {
        &self.last.as_ref().expect("a request was sent").command
    }

    /// Hello, OK on the confirmation, readers listed with the current card present.
    fn advance_to_reading_current(&mut self, pin_pad: bool) {
        assert_eq!(
            self.feed(Input::HostReady),
            vec![Effect::Show(Screen::Confirm)]
        );
        let effects = self.ok();
        assert!(matches!(self.last_command(), Command::Watch));
        assert!(shows(&effects, |s| matches!(s, Screen::Progress { .. })));
        self.answer(Ok(Reply::Watching {
            readers: vec![reader(READER, true, pin_pad)],
        }));
        assert_eq!(
            self.last_command(),
            &Command::ReadCertificate {
                reader: READER.into()
            }
        );
    }

    /// Up to the current card's PIN dialog with `tries` left.
    fn advance_to_current_pin(&mut self, tries: u8) -> Vec<Effect> {
        self.advance_to_reading_current(false);
        self.answer(Ok(Reply::Certificate(old_cert())));
        assert!(matches!(self.last_command(), Command::PinStatus { .. }));
        self.answer(Ok(Reply::PinStatus(pin_info(tries))))
    }

    /// Up to the swap message, the current card signed.
    fn advance_to_swap(&mut self) {
        self.advance_to_current_pin(3);
        self.pin("1234");
        let effects = self.answer(Ok(Reply::PinVerified));
        assert!(
            !sent(&effects),
            "no signature before the portal's challenge"
        );
        assert_eq!(self.last_portal_call().step, PortalStep::Challenge);
        self.portal(200, &format!(r#"{{"challenge":"{CHALLENGE}"}}"#));
        assert!(matches!(
            self.last_command(),
            Command::SignChallenge {
                purpose: SignPurpose::RenewCurrent,
                bound_certificate: None,
                challenge,
                ..
            } if challenge == CHALLENGE
        ));
        self.answer(Ok(signature("T0xEU0lH")));
        assert_eq!(
            self.last_portal_call(),
            &PortalCall {
                step: PortalStep::Current,
                fields: vec![
                    ("challenge", CHALLENGE.into()),
                    ("oldCertificate", "T0xE".into()),
                    ("oldSignature", "T0xEU0lH".into()),
                ],
            }
        );
        let effects = self.portal(200, &format!(r#"{{"challenge":"{NEW_CHALLENGE}"}}"#));
        assert_eq!(
            screen(&effects),
            Some(&Screen::Swap {
                stage: SwapStage::AwaitRemoval,
                notice: None
            })
        );
    }

    /// Swap done: the new card read and OK pressed; its PIN dialog is up.
    fn advance_to_new_pin(&mut self) -> Vec<Effect> {
        self.advance_to_swap();
        self.swap_cards("3B01");
        self.answer(Ok(Reply::Certificate(new_cert())));
        self.ok();
        assert!(matches!(self.last_command(), Command::PinStatus { .. }));
        self.answer(Ok(Reply::PinStatus(pin_info(3))))
    }
}

fn signature(value: &str) -> Reply {
    Reply::Signature {
        signature: value.into(),
        digest: "ZGlnZXN0".into(),
        algorithm: "RS256".into(),
    }
}

fn screen(effects: &[Effect]) -> Option<&Screen> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Show(s) => Some(s),
        _ => None,
    })
}

fn shows(effects: &[Effect], test: impl Fn(&Screen) -> bool) -> bool {
    screen(effects).is_some_and(test)
}

fn sent(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Send(_)))
}

#[test]
fn happy_path_hands_both_signatures_to_the_page() {
    let mut d = Driver::new();
    let effects = d.advance_to_new_pin();
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin {
            card: Which::New,
            tries_left: Some(3),
            last_try: false,
            ..
        }
    )));
    d.pin("5678");
    assert!(
        matches!(d.last_command(), Command::VerifyPin { pin: Some(p), .. } if p.expose() == "5678")
    );
    d.answer(Ok(Reply::PinVerified));
    match d.last_command() {
        Command::SignChallenge {
            origin,
            challenge,
            purpose: SignPurpose::RenewNew,
            bound_certificate: Some(bound),
            ..
        } => {
            assert_eq!(origin, ORIGIN);
            assert_eq!(challenge, NEW_CHALLENGE);
            assert_eq!(bound, "T0xE");
        }
        other => panic!("expected sign as new card, got {other:?}"),
    }
    let effects = d.answer(Ok(signature("TkVXU0lH")));
    assert!(
        !effects.contains(&Effect::Finish),
        "not before the portal checked it"
    );
    assert_eq!(
        d.last_portal_call(),
        &PortalCall {
            step: PortalStep::New,
            fields: vec![
                ("challenge", NEW_CHALLENGE.into()),
                ("newCertificate", "TkVX".into()),
                ("newSignature", "TkVXU0lH".into()),
            ],
        }
    );
    let effects = d.portal(
        200,
        r#"{"confirm":"/CALS/Accepter/ebidmlit/riyousha/IcRenewConfirm.do"}"#,
    );
    assert!(effects.contains(&Effect::Show(Screen::Done)));
    assert!(effects.contains(&Effect::Finish));
    assert!(d.flow.is_over());
    assert!(d.cancel().is_empty(), "nothing happens after the end");
}

#[test]
fn wrong_pin_shows_tries_left_and_warns_on_the_last_one() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1111");
    let effects = d.answer(Err(wrong_pin(2)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin { tries_left: Some(2), last_try: false, error: Some(e), .. } if e.code == ErrorCode::WrongPin
    )));
    d.pin("2222");
    let effects = d.answer(Err(wrong_pin(1)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin {
            tries_left: Some(1),
            last_try: true,
            ..
        }
    )));
    // A correct PIN after that still goes on.
    d.pin("1234");
    d.pin_verified_then_signs();
}

#[test]
fn last_try_is_warned_from_the_pin_status() {
    let mut d = Driver::new();
    let effects = d.advance_to_current_pin(1);
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin {
            last_try: true,
            tries_left: Some(1),
            ..
        }
    )));
}

#[test]
fn wrong_pin_with_no_try_left_is_a_blocked_card() {
    let mut d = Driver::new();
    d.advance_to_current_pin(1);
    d.pin("1111");
    let effects = d.answer(Err(wrong_pin(0)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Refused {
            reason: Refusal::Blocked,
            ..
        }
    )));
    assert_eq!(d.ok(), vec![Effect::Close]);
}

#[test]
fn blocked_current_card_is_refused() {
    let mut d = Driver::new();
    let effects = d.advance_to_current_pin(0);
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Refused {
            reason: Refusal::Blocked,
            ..
        }
    )));
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1234");
    let effects = d.answer(Err(error(ErrorCode::PinBlocked)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Refused {
            reason: Refusal::Blocked,
            ..
        }
    )));
}

#[test]
fn expired_current_card_is_refused() {
    let mut d = Driver::new();
    d.advance_to_reading_current(false);
    let effects = d.answer(Ok(Reply::Certificate(cert(READER, "AA", "T0xE", true))));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Refused {
            reason: Refusal::Expired,
            ..
        }
    )));
    assert!(!sent(&effects));
    let mut d = Driver::new();
    d.advance_to_reading_current(false);
    let effects = d.answer(Err(error(ErrorCode::CardExpired)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Refused {
            reason: Refusal::Expired,
            ..
        }
    )));
}

#[test]
fn unsupported_current_card_is_refused() {
    let mut d = Driver::new();
    d.advance_to_reading_current(false);
    let effects = d.answer(Err(error(ErrorCode::UnsupportedCard)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Refused {
            reason: Refusal::Unsupported,
            ..
        }
    )));
    assert_eq!(d.cancel(), vec![Effect::Close]);
}

#[test]
fn jpki_card_is_read_after_its_pin() {
    let mut d = Driver::new();
    d.advance_to_reading_current(false);
    d.answer(Err(error(ErrorCode::PinRequired)));
    assert!(matches!(d.last_command(), Command::PinStatus { .. }));
    d.answer(Ok(Reply::PinStatus(PinInfo {
        min_length: 6,
        max_length: 16,
        charset: "alphanumeric".into(),
        ..pin_info(5)
    })));
    d.pin("ABC123");
    d.answer(Ok(Reply::PinVerified));
    assert!(matches!(d.last_command(), Command::ReadCertificate { .. }));
    let effects = d.answer(Ok(Reply::Certificate(cert(READER, "AA", "T0xE", true))));
    assert!(
        shows(&effects, |s| matches!(
            s,
            Screen::Refused {
                reason: Refusal::Expired,
                ..
            }
        )),
        "expiry is checked once the certificate shows"
    );
}

#[test]
fn jpki_new_card_is_compared_after_its_pin() {
    let mut d = Driver::new();
    d.advance_to_swap();
    d.swap_cards("3B01");
    let effects = d.answer(Err(error(ErrorCode::PinRequired)));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::Ready,
            notice: None
        })
    );
    d.ok();
    d.answer(Ok(Reply::PinStatus(pin_info(3))));
    d.pin("5678");
    d.answer(Ok(Reply::PinVerified));
    assert!(matches!(d.last_command(), Command::ReadCertificate { .. }));
    // It turns out to be the current card again.
    let effects = d.answer(Ok(Reply::Certificate(old_cert())));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::AwaitRemoval,
            notice: Some(Notice::SameCard)
        })
    );
}

#[test]
fn same_card_inserted_as_new_keeps_waiting() {
    let mut d = Driver::new();
    d.advance_to_swap();
    let effects = d.event(Event::CardRemoved {
        reader: READER.into(),
    });
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::AwaitInsertion,
            notice: None
        })
    );
    d.event(Event::CardInserted {
        reader: READER.into(),
        atr: "3B00".into(),
    });
    let effects = d.answer(Ok(Reply::Certificate(old_cert())));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::AwaitRemoval,
            notice: Some(Notice::SameCard)
        })
    );
    // OK does nothing while the same card is in.
    assert!(d.ok().is_empty());
    d.swap_cards("3B01");
    let effects = d.answer(Ok(Reply::Certificate(new_cert())));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::Ready,
            notice: None
        })
    );
}

#[test]
fn new_card_in_a_second_reader_is_taken() {
    let mut d = Driver::new();
    d.advance_to_swap();
    d.event(Event::CardInserted {
        reader: OTHER_READER.into(),
        atr: "3B01".into(),
    });
    assert_eq!(
        d.last_command(),
        &Command::ReadCertificate {
            reader: OTHER_READER.into()
        }
    );
    d.answer(Ok(Reply::Certificate(cert(
        OTHER_READER,
        "BB",
        "TkVX",
        false,
    ))));
    d.ok();
    assert_eq!(
        d.last_command(),
        &Command::PinStatus {
            reader: OTHER_READER.into()
        }
    );
}

#[test]
fn unusable_new_cards_are_explained() {
    for (code, notice) in [
        (ErrorCode::UnsupportedCard, Notice::NewCardUnsupported),
        (ErrorCode::CardExpired, Notice::NewCardExpired),
        (ErrorCode::CardError, Notice::NewCardUnreadable),
    ] {
        let mut d = Driver::new();
        d.advance_to_swap();
        d.swap_cards("3B02");
        let effects = d.answer(Err(error(code)));
        assert_eq!(
            screen(&effects),
            Some(&Screen::Swap {
                stage: SwapStage::AwaitRemoval,
                notice: Some(notice)
            })
        );
    }
    let mut d = Driver::new();
    d.advance_to_swap();
    d.swap_cards("3B02");
    let effects = d.answer(Ok(Reply::Certificate(cert(READER, "CC", "RVhQ", true))));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Swap {
            notice: Some(Notice::NewCardExpired),
            ..
        }
    )));
}

#[test]
fn card_removed_during_pin_step_waits_for_it_again() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    let effects = d.event(Event::CardRemoved {
        reader: READER.into(),
    });
    assert_eq!(
        screen(&effects),
        Some(&Screen::InsertCurrentCard {
            notice: Some(Notice::CardRemoved)
        })
    );
    // A PIN typed now is not sent anywhere.
    assert!(d.pin("1234").is_empty());
    d.event(Event::CardInserted {
        reader: READER.into(),
        atr: "3B00".into(),
    });
    assert!(matches!(d.last_command(), Command::ReadCertificate { .. }));
}

#[test]
fn card_removed_while_the_pin_is_checked() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1234");
    let id = d.last.as_ref().map(|r| r.id).unwrap_or_default();
    let effects = d.answer(Err(error(ErrorCode::CardRemoved)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::InsertCurrentCard {
            notice: Some(Notice::CardRemoved)
        }
    )));
    // A late duplicate answer is ignored.
    assert!(d
        .feed(Input::Answer {
            id,
            result: Ok(Reply::PinVerified)
        })
        .is_empty());
}

#[test]
fn new_card_removed_during_its_pin_step_goes_back_to_the_swap() {
    let mut d = Driver::new();
    d.advance_to_new_pin();
    let effects = d.event(Event::CardRemoved {
        reader: READER.into(),
    });
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::AwaitInsertion,
            notice: Some(Notice::CardRemoved)
        })
    );
}

#[test]
fn stale_answer_after_removal_is_dropped() {
    let mut d = Driver::new();
    d.advance_to_swap();
    d.event(Event::CardInserted {
        reader: OTHER_READER.into(),
        atr: "3B01".into(),
    });
    let id = d.last.as_ref().map(|r| r.id).unwrap_or_default();
    d.event(Event::CardRemoved {
        reader: OTHER_READER.into(),
    });
    let effects = d.feed(Input::Answer {
        id,
        result: Ok(Reply::Certificate(cert(OTHER_READER, "BB", "TkVX", false))),
    });
    assert!(effects.is_empty());
}

#[test]
fn new_card_blocked_fails_without_pointing_to_new_registration() {
    let mut d = Driver::new();
    d.advance_to_swap();
    d.swap_cards("3B01");
    d.answer(Ok(Reply::Certificate(new_cert())));
    d.ok();
    let effects = d.answer(Ok(Reply::PinStatus(pin_info(0))));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Failed { failure: Failure::Card(e) } if e.code == ErrorCode::PinBlocked
    )));
}

/// Brings a fresh flow to one step.
type Step = Box<dyn Fn(&mut Driver)>;

#[test]
fn cancel_at_every_step_closes_without_result() {
    // Each closure brings a fresh flow to one step; cancelling there must close and never finish.
    let steps: Vec<Step> = vec![
        Box::new(|_| {}),
        Box::new(|d| {
            d.feed(Input::HostReady);
        }),
        Box::new(|d| {
            d.feed(Input::HostReady);
            d.ok();
        }),
        Box::new(|d| d.advance_to_reading_current(false)),
        Box::new(|d| {
            d.advance_to_current_pin(3);
        }),
        Box::new(|d| {
            d.advance_to_current_pin(3);
            d.pin("1234");
        }),
        Box::new(|d| d.advance_to_swap()),
        Box::new(|d| {
            d.advance_to_new_pin();
        }),
        Box::new(|d| {
            d.advance_to_new_pin();
            d.pin("5678");
            d.answer(Ok(Reply::PinVerified));
        }),
    ];
    for (index, step) in steps.iter().enumerate() {
        let mut d = Driver::new();
        step(&mut d);
        assert_eq!(d.cancel(), vec![Effect::Close], "step {index}");
        assert!(d.flow.is_over());
        // The host's answer arriving after the cancel changes nothing.
        if let Some(request) = d.last.clone() {
            assert!(d
                .feed(Input::Answer {
                    id: request.id,
                    result: Ok(signature("eA=="))
                })
                .is_empty());
        }
    }
}

#[test]
fn pin_format_is_checked_before_the_card_sees_it() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    let before = d.last.clone();
    let effects = d.pin("12");
    assert!(!sent(&effects));
    assert_eq!(d.last, before);
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin { error: Some(e), .. } if e.code == ErrorCode::PinFormat
    )));
}

#[test]
fn pin_pad_reader_asks_on_the_reader() {
    let mut d = Driver::new();
    d.advance_to_reading_current(true);
    d.answer(Ok(Reply::Certificate(old_cert())));
    let effects = d.answer(Ok(Reply::PinStatus(pin_info(3))));
    assert_eq!(
        d.last_command(),
        &Command::VerifyPin {
            reader: READER.into(),
            pin: None
        }
    );
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin {
            pin_pad: true,
            pad_waiting: true,
            ..
        }
    )));
    // A typed PIN is not accepted for a PIN-pad reader.
    assert!(d.pin("1234").is_empty());
    let effects = d.answer(Err(error(ErrorCode::PinPadTimeout)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin { pad_waiting: false, error: Some(e), .. } if e.code == ErrorCode::PinPadTimeout
    )));
    d.ok();
    assert_eq!(
        d.last_command(),
        &Command::VerifyPin {
            reader: READER.into(),
            pin: None
        }
    );
    d.pin_verified_then_signs();
}

#[test]
fn no_card_waits_for_insertion_and_no_reader_fails() {
    let mut d = Driver::new();
    d.feed(Input::HostReady);
    d.ok();
    let effects = d.answer(Ok(Reply::Watching {
        readers: vec![reader(READER, false, false)],
    }));
    assert_eq!(
        screen(&effects),
        Some(&Screen::InsertCurrentCard { notice: None })
    );
    d.event(Event::CardInserted {
        reader: READER.into(),
        atr: "3B00".into(),
    });
    assert!(matches!(d.last_command(), Command::ReadCertificate { .. }));

    let mut d = Driver::new();
    d.feed(Input::HostReady);
    d.ok();
    let effects = d.answer(Ok(Reply::Watching { readers: vec![] }));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Failed { failure: Failure::Card(e) } if e.code == ErrorCode::NoReader
    )));
}

#[test]
fn host_problems_stop_the_flow() {
    let mut d = Driver::new();
    let effects = d.feed(Input::HostProblem(HostProblem::NotAnswering));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Failed {
            failure: Failure::Host(HostProblem::NotAnswering)
        })
    );
    assert_eq!(d.ok(), vec![Effect::Close]);

    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    let effects = d.feed(Input::HostProblem(HostProblem::Exited {
        detail: "Native host has exited.".into(),
    }));
    assert!(shows(&effects, |s| matches!(s, Screen::Failed { .. })));
}

#[test]
fn a_host_that_stops_answering_mid_flow_ends_in_the_failed_screen() {
    let stopped = HostProblem::StoppedAnswering {
        request: "sign_challenge".into(),
        waited_s: 20,
    };
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1234");
    d.answer(Ok(Reply::PinVerified));
    let late = d.last.clone().expect("the signature was asked for");
    let effects = d.feed(Input::HostProblem(stopped.clone()));
    assert_eq!(
        effects,
        vec![Effect::Show(Screen::Failed {
            failure: Failure::Host(stopped)
        })]
    );
    // An answer that still arrives changes nothing; the one button closes without a result.
    assert!(d
        .feed(Input::Answer {
            id: late.id,
            result: Ok(signature("eA=="))
        })
        .is_empty());
    assert_eq!(d.ok(), vec![Effect::Close]);
}

#[test]
fn host_messages_become_inputs() {
    assert!(Input::from_host(HostMessage::Hello {
        version: "1".into(),
        protocol: 1
    })
    .is_none());
    assert!(matches!(
        Input::from_host(HostMessage::Error {
            id: Some(4),
            error: error(ErrorCode::WrongPin)
        }),
        Some(Input::Answer {
            id: 4,
            result: Err(_)
        })
    ));
    assert!(matches!(
        Input::from_host(HostMessage::Error {
            id: None,
            error: error(ErrorCode::BadRequest)
        }),
        Some(Input::HostProblem(_))
    ));
}

#[test]
fn user_actions_parse_from_the_dialog() {
    let action: UserAction =
        serde_json::from_str(r#"{"action":"pin","pin":"1234","operator":""}"#).unwrap();
    assert!(matches!(action, UserAction::Pin { pin, .. } if pin.expose() == "1234"));
    assert!(format!(
        "{:?}",
        serde_json::from_str::<UserAction>(r#"{"action":"pin","pin":"987654"}"#).unwrap()
    )
    .find("987654")
    .is_none());
    assert!(matches!(
        serde_json::from_str::<UserAction>(r#"{"action":"cancel"}"#).unwrap(),
        UserAction::Cancel
    ));
}

// ----- a card pulled and put back faster than pcscd polls sends no event: the waiting screens list the readers -----

fn readers_reply(list: Vec<ReaderInfo>) -> Result<Reply, ErrorInfo> {
    Ok(Reply::Readers { readers: list })
}

#[test]
fn insert_screen_lists_the_readers_and_reads_a_card_already_back() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1234");
    // The card was pulled during VERIFY and is back before pcscd looked: no event will come.
    let effects = d.answer(Err(error(ErrorCode::CardRemoved)));
    assert_eq!(
        screen(&effects),
        Some(&Screen::InsertCurrentCard {
            notice: Some(Notice::CardRemoved)
        })
    );
    assert_eq!(d.last_command(), &Command::ListReaders);
    let effects = d.answer(readers_reply(vec![reader(READER, true, false)]));
    assert_eq!(
        d.last_command(),
        &Command::ReadCertificate {
            reader: READER.into()
        }
    );
    assert!(shows(&effects, |s| matches!(s, Screen::Progress { .. })));
    d.answer(Ok(Reply::Certificate(old_cert())));
    let effects = d.answer(Ok(Reply::PinStatus(pin_info(3))));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Pin {
            card: Which::Current,
            ..
        }
    )));
}

#[test]
fn insert_screen_with_an_empty_listing_waits_for_events() {
    let mut d = Driver::new();
    d.feed(Input::HostReady);
    d.ok();
    d.answer(Ok(Reply::Watching {
        readers: vec![reader(READER, false, false)],
    }));
    assert_eq!(d.last_command(), &Command::ListReaders);
    let effects = d.answer(readers_reply(vec![reader(READER, false, false)]));
    assert!(effects.is_empty(), "{effects:?}");
    // A failed listing is no failure either: the events still tell.
    let mut e = Driver::new();
    e.feed(Input::HostReady);
    e.ok();
    e.answer(Ok(Reply::Watching {
        readers: vec![reader(READER, false, false)],
    }));
    assert!(e.answer(Err(error(ErrorCode::CardError))).is_empty());
    e.event(Event::CardInserted {
        reader: READER.into(),
        atr: "3B00".into(),
    });
    assert!(matches!(e.last_command(), Command::ReadCertificate { .. }));
}

#[test]
fn a_listed_card_that_cannot_be_read_does_not_loop() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1234");
    d.answer(Err(error(ErrorCode::CardRemoved)));
    d.answer(readers_reply(vec![reader(READER, true, false)]));
    let effects = d.answer(Err(error(ErrorCode::NoCard)));
    assert_eq!(
        screen(&effects),
        Some(&Screen::InsertCurrentCard {
            notice: Some(Notice::CardRemoved)
        })
    );
    assert!(!sent(&effects), "the listing misled once: wait for events");
    // A real event is believed, and listing is trusted again afterwards.
    d.event(Event::CardInserted {
        reader: READER.into(),
        atr: "3B00".into(),
    });
    let effects = d.answer(Err(error(ErrorCode::CardRemoved)));
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::InsertCurrentCard { .. }
    )));
    assert_eq!(d.last_command(), &Command::ListReaders);
}

#[test]
fn swap_lists_the_readers_when_the_new_card_is_back_unnoticed() {
    let mut d = Driver::new();
    d.advance_to_new_pin();
    d.pin("5678");
    let effects = d.answer(Err(error(ErrorCode::CardRemoved)));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::AwaitInsertion,
            notice: Some(Notice::CardRemoved)
        })
    );
    assert_eq!(d.last_command(), &Command::ListReaders);
    let effects = d.answer(readers_reply(vec![reader(READER, true, false)]));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::Checking,
            notice: None
        })
    );
    assert_eq!(
        d.last_command(),
        &Command::ReadCertificate {
            reader: READER.into()
        }
    );
    let effects = d.answer(Ok(Reply::Certificate(new_cert())));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::Ready,
            notice: None
        })
    );
}

#[test]
fn swap_stages_act_on_the_listing() {
    // Waiting for the current card to leave: it is gone already, the new one sits in a second reader.
    let mut d = Driver::new();
    d.advance_to_swap();
    assert_eq!(d.last_command(), &Command::ListReaders);
    d.answer(readers_reply(vec![
        reader(READER, false, false),
        reader(OTHER_READER, true, false),
    ]));
    assert_eq!(
        d.last_command(),
        &Command::ReadCertificate {
            reader: OTHER_READER.into()
        }
    );

    // The current card is gone and no other is in: wait for insertion (and look once more).
    let mut d = Driver::new();
    d.advance_to_swap();
    let effects = d.answer(readers_reply(vec![reader(READER, false, false)]));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::AwaitInsertion,
            notice: None
        })
    );
    assert_eq!(d.last_command(), &Command::ListReaders);

    // The current card still in: nothing to do.
    let mut d = Driver::new();
    d.advance_to_swap();
    assert!(d
        .answer(readers_reply(vec![reader(READER, true, false)]))
        .is_empty());

    // Ready, but the checked card has left already: back to waiting.
    let mut d = Driver::new();
    d.advance_to_swap();
    d.swap_cards("3B01");
    d.answer(Ok(Reply::Certificate(new_cert())));
    assert_eq!(d.last_command(), &Command::ListReaders);
    let effects = d.answer(readers_reply(vec![reader(READER, false, false)]));
    assert_eq!(
        screen(&effects),
        Some(&Screen::Swap {
            stage: SwapStage::AwaitInsertion,
            notice: None
        })
    );
    assert!(d.ok().is_empty(), "OK needs a card in");
}

#[test]
fn the_portal_refusing_the_current_card_shows_its_words_and_the_registration_pointer() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1234");
    d.pin_verified_then_signs();
    d.answer(Ok(signature("T0xEU0lH")));
    let effects = d.portal(
        403,
        r#"{"error":{"code":"unregistered","title":"利用者登録されていないICカードです","message":"登録してください","registration_pointer":true}}"#,
    );
    assert_eq!(
        screen(&effects),
        Some(&Screen::PortalRefused {
            title: "利用者登録されていないICカードです".into(),
            message: "登録してください".into(),
            registration_pointer: true,
        })
    );
    assert!(!sent(&effects));
    d.ok();
    assert!(d.flow.is_over(), "its one button closes");
}

#[test]
fn a_portal_that_does_not_answer_ends_in_the_failed_screen_without_signing() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1234");
    d.answer(Ok(Reply::PinVerified));
    let effects = d.feed(Input::Portal {
        id: d.last_portal.as_ref().unwrap().0,
        status: 0,
        body: String::new(),
        error: Some("TypeError: Failed to fetch".into()),
    });
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::Failed {
            failure: Failure::Portal { .. }
        }
    )));
    assert!(
        !sent(&effects),
        "nothing is signed without the portal's challenge"
    );
}

#[test]
fn a_stale_portal_answer_is_ignored() {
    let mut d = Driver::new();
    d.advance_to_current_pin(3);
    d.pin("1234");
    d.answer(Ok(Reply::PinVerified));
    let id = d.last_portal.as_ref().unwrap().0;
    let effects = d.feed(Input::Portal {
        id: id + 100,
        status: 200,
        body: format!(r#"{{"challenge":"{CHALLENGE}"}}"#),
        error: None,
    });
    assert!(effects.is_empty());
}

#[test]
fn the_portal_refusing_the_new_card_stops_the_flow() {
    let mut d = Driver::new();
    d.advance_to_new_pin();
    d.pin("5678");
    d.answer(Ok(Reply::PinVerified));
    d.answer(Ok(signature("TkVXU0lH")));
    let effects = d.portal(
        403,
        r#"{"error":{"code":"unknown_ca","title":"新しいICカードの認証局を確認できませんでした","message":"","registration_pointer":false}}"#,
    );
    assert!(shows(&effects, |s| matches!(
        s,
        Screen::PortalRefused {
            registration_pointer: false,
            ..
        }
    )));
    assert!(!effects.contains(&Effect::Finish));
}
