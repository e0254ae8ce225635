//! The native messaging codec (cargo feature `std`): the one implementation of the wire format, used by the host,
//! the test harness and the fake host the extension's browser tests run.
//!
//! A frame is a u32 length in native byte order followed by that many bytes of UTF-8 JSON. Reading never trusts
//! the length: a frame over the reader's limit is drained and reported ([`Inbound::Oversized`]), an absurd length
//! ends the stream ([`FrameError::Absurd`]), and a stream cut inside a frame is reported as such (the browser
//! killed the peer mid-message). Writing caps what the host sends at [`MAX_RESPONSE_BYTES`]: a bigger message is
//! replaced by a `TOO_LARGE` error with its id ([`encode_host_message`]).
//!
//! [`parse_request`] takes a frame body apart into a [`Request`], answering anything else with a typed error that
//! never quotes the input (it may hold a PIN). [`SessionEnd`] names why a host's session ended, with the exit code
//! a help desk reads from the browser's log.

mod arguments;

use std::io::{self, Read, Write};

use crate::{ErrorCode, ErrorInfo, HostMessage, Request, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES};

pub use arguments::ArgumentError;

/// Lengths above this are not a message that is merely too big: the stream is garbage or hostile, and draining it
/// would mean reading gigabytes. A host answers once and ends its session.
pub const ABSURD_FRAME_BYTES: u32 = 16 * 1024 * 1024;

/// The 4-byte length prefix of a frame whose body has `len` bytes.
pub fn length_prefix(len: u32) -> [u8; 4] {
    len.to_ne_bytes()
}

/// A whole frame: length prefix and `body`. `InvalidInput` for a body over 4 GiB, which no prefix can announce.
pub fn encode_frame(body: &[u8]) -> io::Result<Vec<u8>> {
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&length_prefix(body_len(body)?));
    frame.extend_from_slice(body);
    Ok(frame)
}

/// Writes one frame around `body` and flushes.
pub fn write_frame(out: &mut impl Write, body: &[u8]) -> io::Result<()> {
    out.write_all(&length_prefix(body_len(body)?))?;
    out.write_all(body)?;
    out.flush()
}

fn body_len(body: &[u8]) -> io::Result<u32> {
    u32::try_from(body.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a frame body of {} bytes is over 4 GiB", body.len()),
        )
    })
}

/// What the peer sent next.
#[derive(Debug, PartialEq, Eq)]
pub enum Inbound {
    /// A frame within the size limit (not yet checked to be JSON).
    Frame(Vec<u8>),
    /// A frame over the reader's limit (e.g. [`MAX_REQUEST_BYTES`]); its body was read and thrown away, so the
    /// stream is still in step.
    Oversized { len: u32 },
    /// The peer closed the pipe between frames: a normal end.
    End,
}

/// The input stream cannot be followed any more.
#[derive(Debug)]
pub enum FrameError {
    /// The stream ended inside a length prefix or a body.
    Truncated {
        expected: u64,
        got: u64,
    },
    /// The length prefix is beyond [`ABSURD_FRAME_BYTES`].
    Absurd {
        len: u32,
    },
    Io(io::Error),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Truncated { expected, got } => {
                write!(f, "input ended inside a frame ({got} of {expected} bytes)")
            }
            FrameError::Absurd { len } => write!(f, "frame length {len} is absurd"),
            FrameError::Io(e) => write!(f, "reading stdin: {e}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl FrameError {
    /// How a session that met this error ends.
    pub fn session_end(&self) -> SessionEnd {
        match self {
            FrameError::Truncated { .. } => SessionEnd::TruncatedFrame,
            FrameError::Absurd { .. } => SessionEnd::AbsurdFrame,
            FrameError::Io(_) => SessionEnd::InputError,
        }
    }
}

/// Reads the next frame. `max` is the largest body accepted ([`MAX_REQUEST_BYTES`] for the browser's requests,
/// `usize::MAX` to take anything short of absurd).
pub fn read_frame(input: &mut impl Read, max: usize) -> Result<Inbound, FrameError> {
    let mut prefix = [0u8; 4];
    let got = read_full(input, &mut prefix)?;
    if got == 0 {
        return Ok(Inbound::End);
    }
    if got < prefix.len() {
        return Err(FrameError::Truncated {
            expected: 4,
            got: got as u64,
        });
    }
    let len = u32::from_ne_bytes(prefix);
    if len > ABSURD_FRAME_BYTES {
        return Err(FrameError::Absurd { len });
    }
    if len as usize > max {
        let drained =
            io::copy(&mut input.take(len as u64), &mut io::sink()).map_err(FrameError::Io)?;
        if drained < len as u64 {
            return Err(FrameError::Truncated {
                expected: len as u64,
                got: drained,
            });
        }
        return Ok(Inbound::Oversized { len });
    }
    let mut body = vec![0u8; len as usize];
    let got = read_full(input, &mut body)?;
    if got < body.len() {
        return Err(FrameError::Truncated {
            expected: len as u64,
            got: got as u64,
        });
    }
    Ok(Inbound::Frame(body))
}

/// Like `read_exact`, but tells how much arrived before the end of the stream.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> Result<usize, FrameError> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    Ok(filled)
}

/// A host message as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The JSON body to frame.
    pub body: Vec<u8>,
    /// `Some(size)` when the message was `size` bytes, too big for the browser, and `body` is a `TOO_LARGE` error
    /// in its place.
    pub replaced: Option<usize>,
}

/// The JSON of a message, or of a `TOO_LARGE` error with its id in its place when it would reach
/// [`MAX_RESPONSE_BYTES`].
pub fn encode_host_message(message: &HostMessage) -> io::Result<Encoded> {
    let body = serde_json::to_vec(message)?;
    if body.len() < MAX_RESPONSE_BYTES {
        return Ok(Encoded {
            body,
            replaced: None,
        });
    }
    let id = match message {
        HostMessage::Response { id, .. } => Some(*id),
        HostMessage::Error { id, .. } => *id,
        _ => None,
    };
    let error = ErrorInfo::new(ErrorCode::TooLarge).with_detail(format!(
        "response of {} bytes exceeds the browser's limit",
        body.len()
    ));
    Ok(Encoded {
        body: serde_json::to_vec(&HostMessage::Error { id, error })?,
        replaced: Some(body.len()),
    })
}

/// Encodes ([`encode_host_message`]) and writes one message as a frame. Returns what was written.
pub fn write_host_message(out: &mut impl Write, message: &HostMessage) -> io::Result<Encoded> {
    let encoded = encode_host_message(message)?;
    write_frame(out, &encoded.body)?;
    Ok(encoded)
}

/// A request that could not be taken apart, with the id to answer to when one was readable.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub id: Option<u64>,
    pub error: ErrorInfo,
}

impl Rejected {
    /// The answer to send.
    pub fn into_message(self) -> HostMessage {
        HostMessage::Error {
            id: self.id,
            error: self.error,
        }
    }
}

/// Parses a frame body into a [`Request`].
///
/// `UNKNOWN_COMMAND` only for a `cmd` that is none of [`crate::Command::NAMES`]; a known command with a missing or wrong
/// field is `BAD_REQUEST` naming the field. Error details are built here rather than copied from serde: serde's
/// messages quote the offending value, and that value may be a PIN.
pub fn parse_request(body: &[u8]) -> Result<Request, Rejected> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| Rejected {
        id: None,
        error: ErrorInfo::new(ErrorCode::BadRequest).with_detail(format!(
            "not JSON (line {}, column {})",
            e.line(),
            e.column()
        )),
    })?;
    let id = value.get("id").and_then(serde_json::Value::as_u64);
    let cmd = value.get("cmd").and_then(serde_json::Value::as_str);
    if !value.is_object() {
        return Err(bad_request(id, "a request must be a JSON object"));
    }
    let Some(id) = id else {
        return Err(bad_request(None, "`id` must be a non-negative integer"));
    };
    let Some(cmd) = cmd else {
        return Err(bad_request(Some(id), "`cmd` must be a string"));
    };
    match arguments::command_from(cmd, &value) {
        Some(Ok(command)) => Ok(Request { id, command }),
        Some(Err(wrong)) => Err(bad_request(Some(id), &format!("`{cmd}`: {wrong}"))),
        None => Err(Rejected {
            id: Some(id),
            error: ErrorInfo::new(ErrorCode::UnknownCommand)
                .with_detail(format!("unknown command `{}`", printable(cmd))),
        }),
    }
}

fn bad_request(id: Option<u64>, detail: &str) -> Rejected {
    Rejected {
        id,
        error: ErrorInfo::new(ErrorCode::BadRequest).with_detail(detail),
    }
}

/// A command name from the wire, cut short and stripped of control characters before it is echoed or logged.
fn printable(cmd: &str) -> String {
    cmd.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// The `TOO_LARGE` error for a request of `len` bytes.
pub fn request_too_large(len: u32) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::TooLarge).with_detail(format!(
        "request of {len} bytes exceeds the limit of {MAX_REQUEST_BYTES}"
    ))
}

/// Why a host's session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The browser closed stdin between frames: the normal end.
    BrowserClosed,
    /// stdin ended inside a frame.
    TruncatedFrame,
    /// A length prefix no browser would send; answered with `TOO_LARGE`, then the host left.
    AbsurdFrame,
    /// Reading stdin failed.
    InputError,
    /// Writing stdout failed (the browser is gone).
    OutputClosed,
}

impl SessionEnd {
    /// Distinct exit codes, so a help desk can tell from the browser's log why the host left.
    pub fn exit_code(self) -> u8 {
        match self {
            SessionEnd::BrowserClosed => 0,
            SessionEnd::TruncatedFrame => 2,
            SessionEnd::AbsurdFrame => 3,
            SessionEnd::InputError => 4,
            SessionEnd::OutputClosed => 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Command, ReaderInfo, Reply};

    fn frame(body: &[u8]) -> Vec<u8> {
        encode_frame(body).unwrap()
    }

    #[test]
    fn a_frame_is_a_native_endian_length_then_the_body() {
        let framed = frame(b"{}");
        assert_eq!(framed[..4], 2u32.to_ne_bytes());
        assert_eq!(&framed[4..], b"{}");
        let mut written = Vec::new();
        write_frame(&mut written, b"{}").unwrap();
        assert_eq!(written, framed);
    }

    #[test]
    fn reads_frames_then_end() {
        let mut input = frame(br#"{"id":1}"#);
        input.extend(frame(b"[]"));
        let mut r = &input[..];
        assert_eq!(
            read_frame(&mut r, 100).unwrap(),
            Inbound::Frame(br#"{"id":1}"#.to_vec())
        );
        assert_eq!(
            read_frame(&mut r, 100).unwrap(),
            Inbound::Frame(b"[]".to_vec())
        );
        assert_eq!(read_frame(&mut r, 100).unwrap(), Inbound::End);
    }

    #[test]
    fn oversized_frames_are_drained_and_the_stream_stays_in_step() {
        let mut input = frame(&[b'x'; 300]);
        input.extend(frame(b"{}"));
        let mut r = &input[..];
        assert_eq!(
            read_frame(&mut r, 100).unwrap(),
            Inbound::Oversized { len: 300 }
        );
        assert_eq!(
            read_frame(&mut r, 100).unwrap(),
            Inbound::Frame(b"{}".to_vec())
        );
    }

    #[test]
    fn truncated_prefix_and_body() {
        let mut r = &[1u8, 0][..];
        assert!(matches!(
            read_frame(&mut r, 100),
            Err(FrameError::Truncated {
                expected: 4,
                got: 2
            })
        ));
        let input = frame(b"{\"id\":1}");
        let mut r = &input[..input.len() - 3];
        assert!(matches!(
            read_frame(&mut r, 100),
            Err(FrameError::Truncated {
                expected: 8,
                got: 5
            })
        ));
        let mut input = frame(&[0; 300]);
        input.truncate(100);
        let mut r = &input[..];
        assert!(matches!(
            read_frame(&mut r, 100),
            Err(FrameError::Truncated { .. })
        ));
    }

    #[test]
    fn absurd_length_is_not_read() {
        let input = length_prefix(u32::MAX);
        let mut r = &input[..];
        let error = read_frame(&mut r, 100).unwrap_err();
        assert!(matches!(error, FrameError::Absurd { len: u32::MAX }));
        assert_eq!(error.session_end(), SessionEnd::AbsurdFrame);
    }

    #[test]
    fn parses_a_request() {
        let req =
            parse_request(br#"{"id":7,"cmd":"read_certificate","reader":"R 00 00"}"#).unwrap();
        assert_eq!(req.id, 7);
        assert_eq!(
            req.command,
            Command::ReadCertificate {
                reader: "R 00 00".into()
            }
        );
    }

    #[test]
    fn typed_rejections_echo_the_id() {
        let r = parse_request(b"not json").unwrap_err();
        assert_eq!((r.id, r.error.code), (None, ErrorCode::BadRequest));
        let r = parse_request(br#"{"id":3,"cmd":"format_disk"}"#).unwrap_err();
        assert_eq!((r.id, r.error.code), (Some(3), ErrorCode::UnknownCommand));
        assert!(r.error.detail.unwrap().contains("format_disk"));
        let r = parse_request(br#"{"id":4,"cmd":"read_certificate"}"#).unwrap_err();
        assert_eq!((r.id, r.error.code), (Some(4), ErrorCode::BadRequest));
        let r = parse_request(br#"{"id":5}"#).unwrap_err();
        assert_eq!((r.id, r.error.code), (Some(5), ErrorCode::BadRequest));
        let r = parse_request(br#"[1,2]"#).unwrap_err();
        assert_eq!((r.id, r.error.code), (None, ErrorCode::BadRequest));
        let r = parse_request(br#"{"id":-1,"cmd":"list_readers"}"#).unwrap_err();
        assert_eq!(r.error.code, ErrorCode::BadRequest);
    }

    #[test]
    fn bad_arguments_of_a_known_command_are_bad_requests_naming_the_field() {
        let cases: [(&[u8], &str); 5] = [
            (
                br#"{"id":1,"cmd":"sign_challenge","reader":"R","origin":"https://a.example","challenge":"AAAA","purpose":"exfiltrate"}"#,
                "`sign_challenge`: `purpose` has the wrong type or value",
            ),
            (
                br#"{"id":1,"cmd":"sign_challenge","reader":"R","challenge":"AAAA","purpose":"login"}"#,
                "`sign_challenge`: `origin` is missing",
            ),
            (
                br#"{"id":1,"cmd":"verify_pin","reader":"R","pin":73914562}"#,
                "`verify_pin`: `pin` has the wrong type or value",
            ),
            (
                br#"{"id":1,"cmd":"read_certificate","reader":null}"#,
                "`read_certificate`: `reader` is missing",
            ),
            (
                br#"{"id":1,"cmd":"forget","reader":{"name":"R"}}"#,
                "`forget`: `reader` has the wrong type or value",
            ),
        ];
        for (body, detail) in cases {
            let r = parse_request(body).unwrap_err();
            assert_eq!(r.id, Some(1));
            assert_eq!(r.error.code, ErrorCode::BadRequest, "{detail}");
            assert_eq!(r.error.detail.as_deref(), Some(detail));
        }
    }

    #[test]
    fn every_command_reads_as_serde_reads_it() {
        use crate::SignPurpose;
        // One of each kind, plus the optional fields filled in.
        let mut commands = crate::messages::one_of_each();
        commands.extend([
            Command::VerifyPin {
                reader: "R".into(),
                pin: Some(crate::Pin::new("1234")),
            },
            Command::SignChallenge {
                reader: "R".into(),
                origin: "https://a.example".into(),
                challenge: "AAAA".into(),
                purpose: SignPurpose::RenewNew,
                bound_certificate: Some("Q0VSVA==".into()),
            },
        ]);
        for (id, command) in commands.into_iter().enumerate() {
            let request = Request {
                id: id as u64,
                command,
            };
            let body = serde_json::to_vec(&request).unwrap();
            assert_eq!(parse_request(&body).unwrap(), request);
            assert_eq!(serde_json::from_slice::<Request>(&body).unwrap(), request);
        }
        // Optional fields may be left out entirely.
        let bare = br#"{"id":1,"cmd":"verify_pin","reader":"R"}"#;
        assert_eq!(
            parse_request(bare).unwrap(),
            serde_json::from_slice::<Request>(bare).unwrap()
        );
    }

    #[test]
    fn rejection_details_never_quote_a_pin() {
        for body in [
            &br#"{"id":9,"cmd":"verify_pin","reader":"R","pin":73914562}"#[..],
            br#"{"id":9,"cmd":"verify_pin","reader":73914562,"pin":"73914562"}"#,
            br#"{"id":9,"cmd":"verify_pin","reader":"R","pin":["73914562"]}"#,
            br#"{"id":9,"cmd":"verify_pin","reader":"R","pin":"73914562""#,
        ] {
            let r = parse_request(body).unwrap_err();
            let text = serde_json::to_string(&r.error).unwrap();
            assert!(!text.contains("73914562"), "{text}");
        }
    }

    #[test]
    fn host_messages_too_big_for_the_browser_become_too_large_errors() {
        let mut out = Vec::new();
        let small = HostMessage::Response {
            id: 1,
            result: Reply::Forgotten,
        };
        assert_eq!(write_host_message(&mut out, &small).unwrap().replaced, None);
        let huge = HostMessage::Response {
            id: 2,
            result: Reply::Readers {
                readers: vec![ReaderInfo {
                    name: "x".repeat(MAX_RESPONSE_BYTES),
                    card_present: false,
                    atr: None,
                    pin_pad: false,
                }],
            },
        };
        let written = write_host_message(&mut out, &huge).unwrap();
        assert!(written.replaced.unwrap() > MAX_RESPONSE_BYTES);

        let mut r = &out[..];
        let Inbound::Frame(first) = read_frame(&mut r, usize::MAX).unwrap() else {
            panic!()
        };
        assert_eq!(
            serde_json::from_slice::<HostMessage>(&first).unwrap(),
            small
        );
        let Inbound::Frame(second) = read_frame(&mut r, usize::MAX).unwrap() else {
            panic!()
        };
        assert_eq!(second, written.body);
        match serde_json::from_slice::<HostMessage>(&second).unwrap() {
            HostMessage::Error { id, error } => {
                assert_eq!((id, error.code), (Some(2), ErrorCode::TooLarge))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(read_frame(&mut r, usize::MAX).unwrap(), Inbound::End);
    }

    #[test]
    fn exit_codes_are_distinct() {
        let ends = [
            SessionEnd::BrowserClosed,
            SessionEnd::TruncatedFrame,
            SessionEnd::AbsurdFrame,
            SessionEnd::InputError,
            SessionEnd::OutputClosed,
        ];
        let codes: Vec<u8> = ends.iter().map(|e| e.exit_code()).collect();
        assert_eq!(codes, [0, 2, 3, 4, 5]);
    }
}
