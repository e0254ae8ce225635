//! Target `session`: the bytes the browser writes to the host's stdin → `ebid_host::session::serve`, once with a
//! handler that answers like a card service without touching PC/SC, once as a refused caller.
//!
//! Checked: the output is whole frames of valid host messages, Hello first, then exactly one answer per frame
//! the host read (an absurd length is answered once and ends the session), and the session end matches the input.

use std::io::Write;
use std::sync::{Arc, Mutex};

use ebid_host::caller::Refused;
use ebid_host::drivers::{CardDriver, JpkiDriver};
use ebid_host::framing::FrameWriter;
use ebid_host::service::CardService;
use ebid_host::session::{serve, Handler, RefusedCaller, SessionEnd};
use ebid_protocol::framing::{read_frame, FrameError, Inbound};
use ebid_protocol::{
    Command, ErrorCode, ErrorInfo, HostMessage, PinInfo, ReaderInfo, Reply, MAX_REQUEST_BYTES,
    SIGNATURE_ALGORITHM,
};

pub fn session(data: &[u8]) {
    let (end, out) = run(data, &mut CardLike::default());
    check(data, end, &out, |_| {});

    let mut refused = RefusedCaller(Refused {
        reason: "fuzz".into(),
    });
    let (end, out) = run(data, &mut refused);
    // Refused: every request, parsed or not; a frame over the size limit is no request and gets TOO_LARGE first.
    check(data, end, &out, |message| match message {
        HostMessage::Error { error, .. } if error.code == ErrorCode::CallerNotAllowed => {}
        HostMessage::Error { id: None, error } if error.code == ErrorCode::TooLarge => {}
        other => panic!("a refused caller got {other:?}"),
    });
}

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn run(data: &[u8], handler: &mut impl Handler) -> (SessionEnd, Vec<u8>) {
    let sink = Sink::default();
    let writer = FrameWriter::new(sink.clone());
    let end = serve(&mut &data[..], &writer, handler);
    drop(writer);
    let out = std::mem::take(&mut *sink.0.lock().unwrap());
    (end, out)
}

/// What the host must have done with `data`: the answers it owes and how the session ends, read independently of
/// `serve` with the protocol's frame reader.
fn expected(data: &[u8]) -> (usize, SessionEnd) {
    let mut input = data;
    let mut answers = 0;
    loop {
        match read_frame(&mut input, MAX_REQUEST_BYTES) {
            Ok(Inbound::Frame(_) | Inbound::Oversized { .. }) => answers += 1,
            Ok(Inbound::End) => return (answers, SessionEnd::BrowserClosed),
            Err(e @ FrameError::Absurd { .. }) => return (answers + 1, e.session_end()),
            Err(e) => return (answers, e.session_end()),
        }
    }
}

fn check(data: &[u8], end: SessionEnd, out: &[u8], each_answer: impl Fn(&HostMessage)) {
    let (answers, expected_end) = expected(data);
    assert_eq!(end, expected_end);
    let mut output = out;
    let mut messages = Vec::new();
    loop {
        match read_frame(&mut output, usize::MAX) {
            Ok(Inbound::Frame(body)) => messages.push(
                serde_json::from_slice::<HostMessage>(&body).unwrap_or_else(|e| {
                    panic!("the host wrote a message it cannot read back: {e}")
                }),
            ),
            Ok(Inbound::End) => break,
            other => panic!("the host wrote a broken frame: {other:?}"),
        }
    }
    assert!(
        matches!(messages.first(), Some(HostMessage::Hello { .. })),
        "Hello comes first"
    );
    assert_eq!(messages.len() - 1, answers, "one answer per frame");
    for message in &messages[1..] {
        assert!(
            matches!(
                message,
                HostMessage::Response { .. } | HostMessage::Error { .. }
            ),
            "an answer is a response or an error: {message:?}"
        );
        each_answer(message);
    }
}

/// Answers every command the way the card service would, from fixed card state, with the real checks that need no
/// card: the PIN rules of a JPKI card and `sign_challenge`'s argument checks ([`CardService::challenge_digest`]).
struct CardLike {
    service: CardService,
}

impl Default for CardLike {
    fn default() -> Self {
        CardLike {
            service: CardService::with_profiles(Vec::new()),
        }
    }
}

const READER: &str = "Fuzz Reader 00 00";

impl CardLike {
    fn card(&self, reader: &str) -> Result<JpkiDriver, ErrorInfo> {
        if reader == READER {
            Ok(JpkiDriver::new())
        } else {
            Err(ErrorInfo::new(ErrorCode::NoReader))
        }
    }
}

impl Handler for CardLike {
    fn handle(&mut self, command: Command, _events: &FrameWriter) -> Result<Reply, ErrorInfo> {
        let readers = || {
            vec![ReaderInfo {
                name: READER.into(),
                card_present: true,
                atr: Some("3BE000FF8131FE4514".into()),
                pin_pad: false,
            }]
        };
        match command {
            Command::ListReaders => Ok(Reply::Readers { readers: readers() }),
            // No event thread: events would need the writer, which a watch holds while it is answered.
            Command::Watch => Ok(Reply::Watching { readers: readers() }),
            Command::Unwatch => Ok(Reply::Unwatched),
            Command::ReadCertificate { reader } => {
                self.card(&reader)?;
                // A JPKI signature certificate is read only after the PIN (the `cert_summary` target has the rest).
                Err(ErrorInfo::new(ErrorCode::PinRequired))
            }
            Command::PinStatus { reader } => {
                let rules = self.card(&reader)?.pin_rules();
                Ok(Reply::PinStatus(PinInfo {
                    tries_left: Some(5),
                    blocked: false,
                    pin_pad: false,
                    min_length: rules.min_length,
                    max_length: rules.max_length,
                    charset: rules.charset,
                }))
            }
            Command::VerifyPin { reader, pin } => {
                let rules = self.card(&reader)?.pin_rules();
                let pin = pin.ok_or_else(|| ErrorInfo::new(ErrorCode::BadRequest))?;
                rules.check(pin.expose()).map_err(ErrorInfo::from)?;
                Ok(Reply::PinVerified)
            }
            Command::SignChallenge {
                reader,
                origin,
                challenge,
                purpose,
                bound_certificate,
            } => {
                let digest = self.service.challenge_digest(
                    &origin,
                    &challenge,
                    purpose,
                    bound_certificate.as_deref(),
                )?;
                self.card(&reader)?;
                Ok(Reply::Signature {
                    signature: "c2lnbmF0dXJl".into(),
                    digest: digest.iter().map(|b| format!("{b:02x}")).collect(),
                    algorithm: SIGNATURE_ALGORITHM.into(),
                })
            }
            Command::Forget { reader } => {
                self.card(&reader)?;
                Ok(Reply::Forgotten)
            }
        }
    }
}
