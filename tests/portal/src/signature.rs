//! Card signatures: RSA PKCS#1 v1.5 over the 32-byte [`ebid_protocol::binding_digest`], which is already a SHA-256
//! (the card signs a DigestInfo(SHA-256) built around it).

use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::Sha256;

pub fn verifies(public_key: &RsaPublicKey, digest: &[u8; 32], signature: &[u8]) -> bool {
    public_key
        .verify(Pkcs1v15Sign::new::<Sha256>(), digest, signature)
        .is_ok()
}
