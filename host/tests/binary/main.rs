//! The real `ebid-host` binary (the one cargo builds from host/src/main.rs), spoken to in native messaging frames,
//! against a private pcscd with virtual cards. Every test has its own pcscd and host. One file per theme.

#[path = "../common/mod.rs"]
mod common;

mod callers;
mod card_faults;
mod certificates;
mod framing;
mod hello;
mod logging;
mod origins;
mod pin;
mod pkcs11_opensc;
mod pkcs11_softhsm;
mod readers;
mod signing;
mod softhsm;
