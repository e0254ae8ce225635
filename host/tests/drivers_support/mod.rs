//! Shared by the driver tests: the example profiles, fake certificate files and the scripted APDUs that read them.
// Each test binary uses only some of these.
#![allow(dead_code)]

use std::path::Path;

use ebid_host::drivers::{load_profiles_from, Profile};

/// The profiles in host/profiles/ (nothing is built into the host): the test CA card's example.
pub fn test_ca_profiles() -> Vec<Profile> {
    let profiles = load_profiles_from(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles")));
    assert!(
        !profiles.is_empty(),
        "host/profiles/ebid-test-ca.toml loads"
    );
    profiles
}

/// A DER-looking certificate file of `len` bytes (`30 82 hi lo` + a recognisable filler).
pub fn fake_certificate(len: usize) -> Vec<u8> {
    assert!((260..=0xFFFF + 4).contains(&len));
    let body = len - 4;
    let mut cert = vec![0x30, 0x82, (body >> 8) as u8, body as u8];
    cert.extend((0..body).map(|i| (i % 251) as u8));
    cert
}

/// Response hex: `data` followed by the status word.
pub fn reply(data: &[u8], sw: u16) -> String {
    format!("{}{:04X}", hex::encode_upper(data), sw)
}

/// The short READ BINARYs (256-byte chunks, the last one for what is left) that read `cert` from offset 0.
pub fn short_reads(cert: &[u8]) -> Vec<(String, String)> {
    cert.chunks(256)
        .enumerate()
        .map(|(i, chunk)| {
            let offset = i * 256;
            let le = if offset == 0 { 0 } else { chunk.len() % 256 };
            (
                format!("00B0{:04X}{:02X}", offset, le),
                reply(chunk, 0x9000),
            )
        })
        .collect()
}

pub fn sha256_digest_info_hex(digest: &[u8; 32]) -> String {
    format!(
        "3031300D060960864801650304020105000420{}",
        hex::encode_upper(digest)
    )
}
