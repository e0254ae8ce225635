//! The host's stdout: whole native messaging frames only, through one locked [`FrameWriter`] shared by the
//! response path and the event thread. The wire format itself (frames, size caps, request parsing) is
//! [`ebid_protocol::framing`].

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ebid_protocol::framing::write_host_message;
use ebid_protocol::HostMessage;

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
        let written = write_host_message(&mut *self.out, message)?;
        if let Some(size) = written.replaced {
            log::warn!("a {size} byte message was replaced by TOO_LARGE");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebid_protocol::framing::{read_frame, Inbound};
    use ebid_protocol::{ErrorCode, Reply, MAX_RESPONSE_BYTES};

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
