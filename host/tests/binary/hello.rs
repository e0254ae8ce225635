//! The Hello every caller gets first.

use crate::common::*;

#[test]
fn hello_comes_first_with_the_protocol_version() {
    let bed = bed(1);
    let host = bed.host();
    assert_eq!(host.hello["protocol"], ebid_protocol::PROTOCOL_VERSION);
    assert_eq!(host.hello["version"], env!("CARGO_PKG_VERSION"));
}
