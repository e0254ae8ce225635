//! The vpcd wire protocol, card side: every frame both ways is a u16 big-endian length + payload. One-byte frames
//! from vpcd are control codes; longer ones are command APDUs answered with the response APDU.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;

pub const POWER_OFF: u8 = 0x00;
pub const POWER_ON: u8 = 0x01;
pub const RESET: u8 = 0x02;
pub const GET_ATR: u8 = 0x04;

/// What vpcd asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// Power off, power on or reset: the card forgets its security state. No reply.
    PowerEvent,
    GetAtr,
    Apdu(Vec<u8>),
    /// An unknown control code or an empty frame: ignored, as vpcd expects no reply.
    Ignored,
}

/// Debian's vpcd writes length and payload separately without TCP_NODELAY; unless the card re-arms
/// TCP_QUICKACK before every read, delayed ACKs cost ~48 ms per APDU (DESIGN.md, "latency trap").
pub fn set_quickack(stream: &TcpStream) {
    let one: libc::c_int = 1;
    // SAFETY: valid socket fd, pointer and length of a c_int that outlives the call.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

fn read_exact_quick(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        set_quickack(stream);
        match stream.read(&mut buf[filled..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The next request; `Err(UnexpectedEof)` when vpcd closed the connection.
pub fn read_request(stream: &mut TcpStream) -> io::Result<Request> {
    let mut length = [0u8; 2];
    read_exact_quick(stream, &mut length)?;
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(length))];
    read_exact_quick(stream, &mut payload)?;
    Ok(match payload.as_slice() {
        [POWER_OFF] | [POWER_ON] | [RESET] => Request::PowerEvent,
        [GET_ATR] => Request::GetAtr,
        [] | [_] => Request::Ignored,
        _ => Request::Apdu(payload),
    })
}

/// One frame; payloads over 65535 bytes cannot be framed and are refused.
pub fn write_frame(stream: &mut TcpStream, payload: &[u8]) -> io::Result<()> {
    let length = u16::try_from(payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "vpcd frame over 65535 bytes"))?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)
}
