//! Which section of dialog.html each [`Screen`] shows, with which texts, which optional elements and which
//! buttons enabled. Texts are `_locales` message keys (rendered with `chrome.i18n`, in the browser's UI language),
//! host error codes (whose texts are `_locales` keys too), or the portal's own words. Kept free of the DOM so the
//! choices are unit-tested.

use ebid_protocol::ErrorCode;

use crate::flow::{Failure, Notice, Operation, Progress, Refusal, Screen, SwapStage, Which};
use crate::host_problem::HostProblem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// `_locales/*/messages.json` key and its substitutions.
    Msg(&'static str, Vec<String>),
    /// A host error: its `_locales` text ([`error_key`]); the host sends codes, not texts.
    Error(ErrorCode),
    Plain(String),
}

/// The `_locales` key of a host error's text: `error_` + the wire name in lower case (`error_wrong_pin`). A code
/// this extension does not know (a newer host's) has the generic card error's text.
pub fn error_key(code: ErrorCode) -> String {
    format!("error_{}", code.shown_as().wire_name().to_ascii_lowercase())
}

/// Every element that is shown or hidden depending on the screen (all others follow their section).
pub const OPTIONAL_ELEMENTS: &[&str] = &[
    "confirm-warning",
    "insert-notice",
    "pin-form",
    "operator-note",
    "pin-pad-message",
    "pin-tries",
    "pin-last-try-warning",
    "pin-error",
    "pin-ok",
    "swap-notice",
    "refused-detail",
    "refused-pointer",
    "refused-register",
    "failed-detail",
];

/// Every section of dialog.html; exactly one is visible.
pub const SECTIONS: &[&str] = &[
    "screen-connecting",
    "screen-confirm",
    "screen-progress",
    "screen-insert",
    "screen-pin",
    "screen-swap",
    "screen-done",
    "screen-refused",
    "screen-failed",
];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct View {
    /// Section id; also written to `<body data-screen>` without the `screen-` prefix.
    pub section: &'static str,
    /// The operation the dialog is for now (its title), when the screen says.
    pub operation: Option<Operation>,
    pub texts: Vec<(&'static str, Text)>,
    /// Optional elements to show; the rest of [`OPTIONAL_ELEMENTS`] is hidden.
    pub shown: Vec<&'static str>,
    /// Buttons with their enabled state.
    pub enabled: Vec<(&'static str, bool)>,
    /// Status lines with their spinner on (waiting for the card or the reader) or off.
    pub busy: Vec<(&'static str, bool)>,
    /// Element to focus.
    pub focus: Option<&'static str>,
    /// Empty the PIN and 担当者 inputs (every time the PIN dialog is shown).
    pub clear_pin: bool,
}

pub fn view(screen: &Screen) -> View {
    let msg = |key: &'static str| Text::Msg(key, Vec::new());
    match screen {
        Screen::Connecting => View {
            section: "screen-connecting",
            focus: Some("connecting-cancel"),
            ..View::default()
        },
        Screen::Confirm { operation } => View {
            section: "screen-confirm",
            operation: Some(*operation),
            texts: vec![("confirm-text", msg(confirm_key(*operation)))],
            // Only the renewal retires a card.
            shown: if operation.has_new_card() {
                vec!["confirm-warning"]
            } else {
                Vec::new()
            },
            focus: Some("confirm-ok"),
            ..View::default()
        },
        Screen::Progress { step, card } => View {
            section: "screen-progress",
            texts: vec![("progress-text", msg(progress_key(*step, *card)))],
            ..View::default()
        },
        Screen::InsertCurrentCard { card, notice } => {
            let mut v = View {
                section: "screen-insert",
                texts: vec![(
                    "insert-text",
                    msg(match card {
                        Which::Only => "insert_text_only",
                        Which::Current | Which::New => "insert_text",
                    }),
                )],
                focus: Some("insert-cancel"),
                ..View::default()
            };
            if let Some(n) = notice {
                v.texts.push(("insert-notice", msg(notice_key(*n))));
                v.shown.push("insert-notice");
            }
            v
        }
        Screen::Pin {
            card,
            tries_left,
            last_try,
            pin_pad,
            pad_waiting,
            error,
            ..
        } => {
            let mut v = View {
                section: "screen-pin",
                clear_pin: true,
                ..View::default()
            };
            v.texts.push((
                "pin-title",
                msg(match card {
                    Which::Current => "pin_title_current",
                    Which::New => "pin_title_new",
                    Which::Only => "pin_title_only",
                }),
            ));
            if *pin_pad {
                v.shown.push("pin-pad-message");
                v.busy.push(("pin-pad-message", *pad_waiting));
                if !pad_waiting {
                    v.shown.push("pin-ok");
                    v.focus = Some("pin-ok");
                }
            } else {
                v.shown.extend(["pin-form", "pin-ok"]);
                v.focus = Some("pin-input");
                if *card == Which::New {
                    v.shown.push("operator-note");
                }
            }
            if let Some(n) = tries_left {
                v.texts.push((
                    "pin-tries",
                    Text::Msg("pin_tries_left", vec![n.to_string()]),
                ));
                v.shown.push("pin-tries");
            }
            if *last_try {
                v.shown.push("pin-last-try-warning");
            }
            if let Some(e) = error {
                v.texts.push(("pin-error", Text::Error(e.code)));
                v.shown.push("pin-error");
            }
            v
        }
        Screen::Swap { stage, notice } => {
            let mut v = View {
                section: "screen-swap",
                texts: vec![("swap-status", msg(swap_key(*stage)))],
                enabled: vec![("swap-ok", *stage == SwapStage::Ready)],
                busy: vec![("swap-status", *stage != SwapStage::Ready)],
                focus: Some(if *stage == SwapStage::Ready {
                    "swap-ok"
                } else {
                    "swap-cancel"
                }),
                ..View::default()
            };
            if let Some(n) = notice {
                v.texts.push(("swap-notice", msg(notice_key(*n))));
                v.shown.push("swap-notice");
            }
            v
        }
        Screen::Done { operation } => View {
            section: "screen-done",
            operation: Some(*operation),
            texts: vec![("done-text", msg(done_key(*operation)))],
            ..View::default()
        },
        Screen::Refused {
            reason,
            card,
            error,
        } => {
            let only = *card == Which::Only;
            let mut v = View {
                section: "screen-refused",
                texts: vec![(
                    "refused-reason",
                    msg(match (reason, only) {
                        (Refusal::Expired, false) => "refused_expired",
                        (Refusal::Expired, true) => "refused_expired_only",
                        (Refusal::Blocked, false) => "refused_blocked",
                        (Refusal::Blocked, true) => "refused_blocked_only",
                        (Refusal::Unsupported, _) => "refused_unsupported",
                    }),
                )],
                // An expired or blocked card can be replaced by registering another: 「登録」 does it here.
                shown: if *reason == Refusal::Unsupported {
                    vec!["refused-pointer"]
                } else {
                    vec!["refused-pointer", "refused-register"]
                },
                focus: Some("refused-close"),
                ..View::default()
            };
            if let Some(e) = error {
                v.texts.push(("refused-detail", Text::Error(e.code)));
                v.shown.push("refused-detail");
            }
            v
        }
        Screen::PortalRefused {
            title,
            message,
            registration_pointer,
        } => {
            let mut v = View {
                section: "screen-refused",
                texts: vec![("refused-reason", Text::Plain(title.clone()))],
                focus: Some("refused-close"),
                ..View::default()
            };
            if !message.is_empty() {
                v.texts
                    .push(("refused-detail", Text::Plain(message.clone())));
                v.shown.push("refused-detail");
            }
            if *registration_pointer {
                v.shown.extend(["refused-pointer", "refused-register"]);
            }
            v
        }
        Screen::Failed { failure } => {
            let mut v = View {
                section: "screen-failed",
                focus: Some("failed-close"),
                ..View::default()
            };
            match failure {
                Failure::Host(problem) => {
                    v.texts
                        .push(("failed-message", msg(host_problem_key(problem))));
                    if let Some(detail) = host_problem_detail(problem) {
                        v.texts.push(("failed-detail", Text::Plain(detail)));
                        v.shown.push("failed-detail");
                    }
                }
                Failure::Portal { detail } => {
                    v.texts.push(("failed-message", msg("portal_unreachable")));
                    v.texts.push(("failed-detail", Text::Plain(detail.clone())));
                    v.shown.push("failed-detail");
                }
                Failure::Card(e) => {
                    v.texts.push(("failed-message", Text::Error(e.code)));
                    if let Some(detail) = &e.detail {
                        v.texts.push((
                            "failed-detail",
                            Text::Plain(format!("{:?}: {detail}", e.code)),
                        ));
                        v.shown.push("failed-detail");
                    }
                }
            }
            v
        }
    }
}

/// The dialog's title for an operation (`dialog_title` is the renewal's, also the page's static title).
pub fn title_key(operation: Operation) -> &'static str {
    match operation {
        Operation::Renew => "dialog_title",
        Operation::Login => "dialog_title_login",
        Operation::Register => "dialog_title_register",
        Operation::Change => "dialog_title_change",
    }
}

fn confirm_key(operation: Operation) -> &'static str {
    match operation {
        Operation::Renew => "confirm_text",
        Operation::Login => "confirm_text_login",
        Operation::Register => "confirm_text_register",
        Operation::Change => "confirm_text_change",
    }
}

fn done_key(operation: Operation) -> &'static str {
    match operation {
        Operation::Renew => "done_text",
        Operation::Login => "done_text_login",
        Operation::Register => "done_text_register",
        Operation::Change => "done_text_change",
    }
}

fn progress_key(step: Progress, card: Which) -> &'static str {
    match (step, card) {
        (Progress::ReadingCard, Which::Current) => "progress_reading_current",
        (Progress::ReadingCard, Which::Only) => "progress_reading_only",
        (Progress::ReadingCard, Which::New) => "progress_reading_new",
        (Progress::CheckingPin, _) => "progress_checking_pin",
        (Progress::Signing, _) => "progress_signing",
        (Progress::Portal, _) => "progress_portal",
    }
}

fn swap_key(stage: SwapStage) -> &'static str {
    match stage {
        SwapStage::AwaitRemoval => "swap_await_removal",
        SwapStage::AwaitInsertion => "swap_await_insertion",
        SwapStage::Checking => "swap_checking",
        SwapStage::Ready => "swap_ready",
    }
}

fn notice_key(notice: Notice) -> &'static str {
    match notice {
        Notice::CardRemoved => "notice_card_removed",
        Notice::SameCard => "notice_same_card",
        Notice::NewCardUnsupported => "notice_new_card_unsupported",
        Notice::NewCardExpired => "notice_new_card_expired",
        Notice::NewCardUnreadable => "notice_new_card_unreadable",
    }
}

/// The `_locales` key explaining a host problem (shared with the options page).
pub fn host_problem_key(problem: &HostProblem) -> &'static str {
    match problem {
        HostProblem::NotInstalled { .. } => "host_not_installed",
        HostProblem::Forbidden { .. } => "host_forbidden",
        HostProblem::NotAnswering => "host_not_answering",
        HostProblem::StoppedAnswering { .. } => "host_stopped_answering",
        HostProblem::Exited { .. } => "host_exited",
        HostProblem::TooOld { .. } => "host_too_old",
        HostProblem::TooNew { .. } => "extension_too_old",
        HostProblem::Garbled { .. } => "host_garbled",
    }
}

fn host_problem_detail(problem: &HostProblem) -> Option<String> {
    match problem {
        HostProblem::NotInstalled { detail }
        | HostProblem::Forbidden { detail }
        | HostProblem::Exited { detail }
        | HostProblem::Garbled { detail } => (!detail.is_empty()).then(|| detail.clone()),
        HostProblem::NotAnswering => None,
        HostProblem::StoppedAnswering { request, waited_s } => {
            Some(format!("no answer to {request} within {waited_s} s"))
        }
        HostProblem::TooOld {
            host_version,
            protocol,
        }
        | HostProblem::TooNew {
            host_version,
            protocol,
        } => Some(format!(
            "host {host_version}, protocol {protocol} (extension: protocol {})",
            ebid_protocol::PROTOCOL_VERSION
        )),
    }
}

#[cfg(test)]
mod tests;
