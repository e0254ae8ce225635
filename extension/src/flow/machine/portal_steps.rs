//! The portal's part (tests/portal/README.md): fetch the challenge the first card signs, hand over its signature —
//! for the renewal the portal answers with the new card's challenge and the new card's signature follows (answered
//! with the confirmation); for a login, 登録 or 変更 it answers with its next page. Each call goes through the page
//! with its session; its refusal is shown in its own words.

use ebid_protocol::{ErrorCode, ErrorInfo};

use super::phase::{Accepted, Card, Phase, PortalWait, Side, Swap};
use super::Flow;
use crate::flow::screen::{Failure, Progress, Screen, Which};
use crate::flow::Effect;
use crate::portal_call::{read_answer, PortalCall, PortalProblem, PortalReply, PortalStep};

impl Flow {
    /// Asks for the challenge the current card (its PIN verified) will sign.
    pub(super) fn fetch_challenge(&mut self, card: Card) {
        let call = PortalCall {
            step: PortalStep::Challenge,
            fields: Vec::new(),
        };
        self.call_portal(call, PortalWait::Challenge { card });
    }

    /// Hands a card's signature to the portal with its certificate and the challenge it signed.
    pub(super) fn hand_over(&mut self, side: Side, card: Card, signature: String) {
        let challenge = match &side {
            Side::Current => self.challenge.take(),
            Side::New(accepted) => Some(accepted.challenge.clone()),
        };
        let (Some(certificate), Some(challenge)) = (card.certificate, challenge) else {
            let incomplete =
                ErrorInfo::new(ErrorCode::Internal).with_detail("renewal data incomplete");
            return self.fail(Failure::Card(incomplete));
        };
        let (call, wait) = match side {
            Side::Current if !self.operation.has_new_card() => (
                PortalCall {
                    step: PortalStep::Proof,
                    fields: vec![
                        ("challenge", challenge),
                        ("certificate", certificate.certificate),
                        ("signature", signature),
                    ],
                },
                PortalWait::Proof,
            ),
            Side::Current => (
                PortalCall {
                    step: PortalStep::Current,
                    fields: vec![
                        ("challenge", challenge),
                        ("oldCertificate", certificate.certificate.clone()),
                        ("oldSignature", signature),
                    ],
                },
                PortalWait::Current {
                    reader: card.reader,
                    certificate,
                },
            ),
            Side::New(_) => (
                PortalCall {
                    step: PortalStep::New,
                    fields: vec![
                        ("challenge", challenge),
                        ("newCertificate", certificate.certificate),
                        ("newSignature", signature),
                    ],
                },
                PortalWait::New,
            ),
        };
        self.call_portal(call, wait);
    }

    fn call_portal(&mut self, call: PortalCall, wait: PortalWait) {
        let id = self.take_id();
        let card = match wait {
            PortalWait::New => Which::New,
            PortalWait::Challenge { .. } | PortalWait::Current { .. } | PortalWait::Proof => {
                self.first_card()
            }
        };
        // No host answer is awaited while the portal is asked.
        self.awaiting = None;
        self.phase = Phase::Portal { id, wait };
        self.show_progress(Progress::Portal, card);
        self.effects.push(Effect::Portal { id, call });
    }

    /// The page's answer to portal call `id` (`status` 0: no answer, `error` says why).
    pub(super) fn on_portal(&mut self, id: u64, status: u16, body: &str, error: Option<&str>) {
        let Phase::Portal { id: asked, wait } = self.phase.clone() else {
            return;
        };
        if asked != id {
            return;
        }
        let step = wait.step();
        match (wait, read_answer(step, status, body, error)) {
            (PortalWait::Challenge { card }, Ok(PortalReply::Challenge(challenge))) => {
                self.challenge = Some(challenge);
                self.sign(Side::Current, card);
            }
            // The portal took the current card's consent: now the new card.
            (
                PortalWait::Current {
                    reader,
                    certificate,
                },
                Ok(PortalReply::Challenge(challenge)),
            ) => {
                let accepted = Accepted::new(certificate, challenge);
                let stage = Swap::AwaitRemoval {
                    reader,
                    notice: None,
                };
                self.swap(accepted, stage);
            }
            (PortalWait::New, Ok(PortalReply::Confirmed))
            | (PortalWait::Proof, Ok(PortalReply::Proven)) => {
                self.phase = Phase::Done;
                self.show(Screen::Done {
                    operation: self.operation,
                });
                self.effects.push(Effect::Finish);
            }
            (_, Ok(_)) => self.fail(Failure::Portal {
                detail: format!("{step:?}: unexpected answer"),
            }),
            (
                _,
                Err(PortalProblem::Refused {
                    title,
                    message,
                    registration_pointer,
                    ..
                }),
            ) => {
                self.phase = Phase::Stopped {
                    offers_register: registration_pointer,
                };
                self.show(Screen::PortalRefused {
                    title,
                    message,
                    registration_pointer,
                });
            }
            (_, Err(PortalProblem::Unreachable { detail })) => {
                self.fail(Failure::Portal { detail })
            }
        }
    }
}
