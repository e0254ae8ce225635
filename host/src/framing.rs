//! Native messaging frames: a u32 length in native byte order, then that many bytes of UTF-8 JSON.
//!
//! Reading never trusts the length: oversized requests are drained and refused, absurd lengths end the session,
//! and a stream cut inside a frame is reported as such (the browser killed us mid-message). Writing goes through
//! one locked [`FrameWriter`] shared by the response path and the event thread, so stdout only ever carries whole
//! frames.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use byteorder::{NativeEndian, ReadBytesExt, WriteBytesExt};
use ebid_protocol::{ErrorCode, ErrorInfo, HostMessage, Request, MAX_RESPONSE_BYTES};

/// Lengths above this are not a request that is merely too big: the stream is garbage or hostile, and draining it
/// would mean reading gigabytes. The session answers once and ends.
pub const ABSURD_FRAME_BYTES: u32 = 16 * 1024 * 1024;

/// What the browser sent next.
#[derive(Debug, PartialEq, Eq)]
pub enum Inbound {
    /// A frame within the size limit (not yet checked to be JSON).
    Frame(Vec<u8>),
    /// A frame over [`ebid_protocol::MAX_REQUEST_BYTES`]; its body was read and thrown away, so the stream is still in step.
    Oversized { len: u32 },
    /// The browser closed the pipe between frames: a normal end.
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

/// Reads the next frame. `max` is the largest body accepted ([`ebid_protocol::MAX_REQUEST_BYTES`] for the browser's requests).
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
    let len = (&prefix[..])
        .read_u32::<NativeEndian>()
        .map_err(FrameError::Io)?;
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

/// A request that could not be taken apart, with the id to answer to when one was readable.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub id: Option<u64>,
    pub error: ErrorInfo,
}

/// Parses a frame body into a [`Request`].
///
/// Error details are built here rather than copied from serde: serde's messages quote the offending value, and
/// that value may be a PIN.
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
    let cmd = value
        .get("cmd")
        .and_then(serde_json::Value::as_str)
        .map(printable);
    if !value.is_object() {
        return Err(bad_request(id, "a request must be a JSON object"));
    }
    if id.is_none() {
        return Err(bad_request(None, "`id` must be a non-negative integer"));
    }
    let Some(cmd) = cmd else {
        return Err(bad_request(id, "`cmd` must be a string"));
    };
    serde_json::from_value::<Request>(value).map_err(|e| {
        let message = e.to_string();
        if message.starts_with("unknown variant") {
            Rejected {
                id,
                error: ErrorInfo::new(ErrorCode::UnknownCommand)
                    .with_detail(format!("unknown command `{cmd}`")),
            }
        } else if message.starts_with("missing field") {
            // "missing field `reader`" names a schema field, never a value.
            bad_request(id, &format!("`{cmd}`: {message}"))
        } else {
            bad_request(id, &format!("`{cmd}`: a field has the wrong type or value"))
        }
    })
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

/// The one way to stdout: whole frames under a lock, shared by the request loop and the event thread.
#[derive(Clone)]
pub struct FrameWriter {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl FrameWriter {
    pub fn new(out: impl Write + Send + 'static) -> Self {
        FrameWriter {
            out: Arc::new(Mutex::new(Box::new(out))),
        }
    }

    /// Sends one message. A response too big for the browser is replaced by a `TOO_LARGE` error with its id.
    pub fn send(&self, message: &HostMessage) -> io::Result<()> {
        self.lock().send(message)
    }

    /// Holds the pipe: events wait until the holder's frames are out (e.g. a `watch` reply before its events).
    pub fn lock(&self) -> LockedWriter<'_> {
        LockedWriter {
            out: self.out.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }
}

pub struct LockedWriter<'a> {
    out: MutexGuard<'a, Box<dyn Write + Send>>,
}

impl LockedWriter<'_> {
    pub fn send(&mut self, message: &HostMessage) -> io::Result<()> {
        let body = encode_response(message)?;
        self.out.write_u32::<NativeEndian>(body.len() as u32)?;
        self.out.write_all(&body)?;
        self.out.flush()
    }
}

/// The JSON of a message, or of a `TOO_LARGE` error in its place when it would exceed [`MAX_RESPONSE_BYTES`].
pub fn encode_response(message: &HostMessage) -> io::Result<Vec<u8>> {
    let body = serde_json::to_vec(message)?;
    if body.len() < MAX_RESPONSE_BYTES {
        return Ok(body);
    }
    let id = match message {
        HostMessage::Response { id, .. } => Some(*id),
        HostMessage::Error { id, .. } => *id,
        _ => None,
    };
    log::warn!("a {} byte message was replaced by TOO_LARGE", body.len());
    let error = ErrorInfo::new(ErrorCode::TooLarge).with_detail(format!(
        "response of {} bytes exceeds the browser's limit",
        body.len()
    ));
    Ok(serde_json::to_vec(&HostMessage::Error { id, error })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebid_protocol::{Command, Reply};

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as u32).to_ne_bytes().to_vec();
        out.extend_from_slice(body);
        out
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
        let input = u32::MAX.to_ne_bytes();
        let mut r = &input[..];
        assert!(matches!(
            read_frame(&mut r, 100),
            Err(FrameError::Absurd { len: u32::MAX })
        ));
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
    fn writer_frames_and_caps_responses() {
        #[derive(Clone, Default)]
        struct Shared(Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let sink = Shared::default();
        let writer = FrameWriter::new(sink.clone());
        writer
            .send(&HostMessage::Response {
                id: 1,
                result: Reply::Forgotten,
            })
            .unwrap();
        let huge = HostMessage::Response {
            id: 2,
            result: Reply::Readers {
                readers: vec![
                    ebid_protocol::ReaderInfo {
                        name: "x".repeat(MAX_RESPONSE_BYTES),
                        card_present: false,
                        atr: None,
                        pin_pad: false,
                    };
                    1
                ],
            },
        };
        writer.send(&huge).unwrap();
        let bytes = sink.0.lock().unwrap().clone();
        let mut r = &bytes[..];
        let Inbound::Frame(first) = read_frame(&mut r, usize::MAX).unwrap() else {
            panic!()
        };
        let first: HostMessage = serde_json::from_slice(&first).unwrap();
        assert_eq!(
            first,
            HostMessage::Response {
                id: 1,
                result: Reply::Forgotten
            }
        );
        let Inbound::Frame(second) = read_frame(&mut r, usize::MAX).unwrap() else {
            panic!()
        };
        match serde_json::from_slice::<HostMessage>(&second).unwrap() {
            HostMessage::Error { id, error } => {
                assert_eq!((id, error.code), (Some(2), ErrorCode::TooLarge))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(read_frame(&mut r, usize::MAX).unwrap(), Inbound::End);
    }
}
