//! The one message schema spoken between the browser extension and `ebid-host`.
//!
//! Wire format (Chrome/Firefox native messaging): each message is a u32 length in native byte order followed by
//! that many bytes of UTF-8 JSON. The host speaks first with [`HostMessage::Hello`]; then the extension sends
//! [`Request`]s, each answered by exactly one [`HostMessage::Response`] or [`HostMessage::Error`] with the same
//! `id`, while [`HostMessage::Event`]s may arrive at any time after a `watch` request.
//!
//! This crate is compiled by the host and by the wasm extension, so it must stay free of OS-specific code. The
//! codec for that wire format ([`framing`]) is behind the cargo feature `std`, which the extension leaves off.

mod binding;
mod errors;
#[cfg(feature = "std")]
pub mod framing;
mod messages;
mod origin;
mod pin;

pub use binding::{binding_digest, SignPurpose};
pub use errors::{ErrorCode, ErrorInfo};
pub use messages::*;
pub use origin::{check_web_origin, OriginProblem, MAX_ORIGIN_LEN};
pub use pin::{Pin, PinCharset};

/// Bumped whenever a message changes incompatibly; the extension refuses a host with another number.
/// 2: errors carry no texts (codes are localised where shown); `sign` is gone.
pub const PROTOCOL_VERSION: u32 = 2;

/// Name of the native messaging host as registered in browser manifests.
pub const HOST_NAME: &str = "jp.ebid.renewal";

/// Browser → host messages larger than this are refused (`TOO_LARGE`): real requests are a few hundred bytes.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// Host → browser messages must stay below Chrome's 1 MB limit; larger ones are replaced by a `TOO_LARGE` error.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024 - 1;

/// `sign_challenge` challenges, decoded: at least 256 bits of the portal's randomness, at most this much.
pub const MIN_CHALLENGE_BYTES: usize = 32;
pub const MAX_CHALLENGE_BYTES: usize = 1024;
