//! `virtual-card --port P --config card.json`: put one virtual card into the vpcd slot on 127.0.0.1:P and keep
//! it there until the process is stopped (Ctrl-C). The JSON is a `CardConfig`, for example
//! `{"kind":"profile","pin":"1234","credentials":{"source":"issue","key":"card1","validity":"expired"}}`.

use std::process::ExitCode;

use sha2::{Digest, Sha256};
use virtual_card::testca::hex_upper;
use virtual_card::{CardConfig, VirtualCard};

const USAGE: &str = "usage: virtual-card --port PORT --config CARD.json";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("virtual-card: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut port = None;
    let mut config_path = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().and_then(|p| p.parse::<u16>().ok()),
            "--config" => config_path = args.next(),
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let (Some(port), Some(config_path)) = (port, config_path) else {
        return Err(USAGE.into());
    };
    let text = std::fs::read_to_string(&config_path).map_err(|e| format!("{config_path}: {e}"))?;
    let config: CardConfig =
        serde_json::from_str(&text).map_err(|e| format!("{config_path}: {e}"))?;
    let card = VirtualCard::new(config).map_err(|e| e.to_string())?;
    let inserted = card.insert(port).map_err(|e| format!("port {port}: {e}"))?;
    let certificate = card.certificate_der();
    let status = serde_json::json!({
        "port": port,
        "kind": card.kind(),
        "atr": hex_upper(&card.atr()),
        "tries_left": card.tries_left(),
        "sha256_fingerprint": (!certificate.is_empty()).then(|| hex_upper(&Sha256::digest(&certificate))),
    });
    println!("{status}");
    // The card stays in the slot until the process ends; vpcd sees the closed socket as a removal.
    loop {
        std::thread::park();
        if !card.is_inserted() {
            drop(inserted);
            return Err("the card left the reader".into());
        }
    }
}
