//! Reader and card state straight from pcscd's UNIX socket, without libpcsclite.
//!
//! libpcsclite reads `PCSCLITE_CSOCK_NAME` once per process, so a test process cannot use it to watch a second
//! private daemon. pcscd's own client protocol is tiny for this purpose: `CMD_VERSION`, then
//! `CMD_GET_READERS_STATE`, answered with its fixed table of reader states (pcsc-lite 1.9, protocol 4.4).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

const CMD_VERSION: u32 = 0x11;
const CMD_GET_READERS_STATE: u32 = 0x12;
const PROTOCOL_MAJOR: i32 = 4;
const PROTOCOL_MINOR: i32 = 4;
/// PCSCLITE_MAX_READERS_CONTEXTS.
const MAX_READERS: usize = 16;
/// MAX_READERNAME.
const NAME_LEN: usize = 128;
/// MAX_ATR_SIZE.
const ATR_LEN: usize = 33;
/// `READER_STATE`: name, eventCounter, readerState, readerSharing, cardAtr (+3 padding), cardAtrLength,
/// cardProtocol.
const ENTRY_LEN: usize = NAME_LEN + 4 + 4 + 4 + ATR_LEN + 3 + 4 + 4;

/// SCARD_PRESENT in pcscd's reader state bits.
const SCARD_PRESENT: u32 = 0x0004;

/// One reader slot as pcscd sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReaderState {
    pub name: String,
    pub card_present: bool,
    /// Empty without a card.
    pub atr: Vec<u8>,
    /// pcscd's event counter: changes on every insertion and removal.
    pub event_counter: u32,
}

/// All readers pcscd lists now.
pub fn reader_states(socket: &Path) -> io::Result<Vec<ReaderState>> {
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(Duration::from_secs(3)))?;
    stream.set_write_timeout(Some(Duration::from_secs(3)))?;

    let mut version = Vec::with_capacity(20);
    version.extend_from_slice(&12u32.to_ne_bytes());
    version.extend_from_slice(&CMD_VERSION.to_ne_bytes());
    version.extend_from_slice(&PROTOCOL_MAJOR.to_ne_bytes());
    version.extend_from_slice(&PROTOCOL_MINOR.to_ne_bytes());
    version.extend_from_slice(&0u32.to_ne_bytes());
    stream.write_all(&version)?;
    let mut answer = [0u8; 12];
    stream.read_exact(&mut answer)?;
    let rv = u32::from_ne_bytes([answer[8], answer[9], answer[10], answer[11]]);
    if rv != 0 {
        return Err(io::Error::other(format!(
            "pcscd refused client protocol {PROTOCOL_MAJOR}.{PROTOCOL_MINOR} (rv {rv:#x})"
        )));
    }

    let mut request = Vec::with_capacity(8);
    request.extend_from_slice(&0u32.to_ne_bytes());
    request.extend_from_slice(&CMD_GET_READERS_STATE.to_ne_bytes());
    stream.write_all(&request)?;
    let mut table = vec![0u8; ENTRY_LEN * MAX_READERS];
    stream.read_exact(&mut table)?;
    Ok(table.chunks(ENTRY_LEN).filter_map(parse_entry).collect())
}

fn parse_entry(entry: &[u8]) -> Option<ReaderState> {
    let name_end = entry[..NAME_LEN]
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(NAME_LEN);
    if name_end == 0 {
        return None;
    }
    let u32_at = |offset: usize| {
        u32::from_ne_bytes([
            entry[offset],
            entry[offset + 1],
            entry[offset + 2],
            entry[offset + 3],
        ])
    };
    let event_counter = u32_at(NAME_LEN);
    let state = u32_at(NAME_LEN + 4);
    let atr_start = NAME_LEN + 12;
    let atr_len = (u32_at(atr_start + ATR_LEN + 3) as usize).min(ATR_LEN);
    let card_present = state & SCARD_PRESENT != 0;
    Some(ReaderState {
        name: String::from_utf8_lossy(&entry[..name_end]).into_owned(),
        card_present,
        atr: if card_present {
            entry[atr_start..atr_start + atr_len].to_vec()
        } else {
            Vec::new()
        },
        event_counter,
    })
}
