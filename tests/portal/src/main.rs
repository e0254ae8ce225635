//! `replica-portal --data DIR --ca-cert FILE [--ca-cert FILE]... [--port P] [--register FILE]... [--roster FILE]...
//! [--origin URL] [--allow-framing]`
//!
//! Serves the replica on 127.0.0.1:P (0 = a free port) and prints `listening on http://127.0.0.1:<port>` on
//! stdout once ready; everything else goes to stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use replica_portal::{lenient_base64, NewUser, Portal, PortalConfig, RosterEntry};

const USAGE: &str = "usage: replica-portal --data DIR --ca-cert FILE [--ca-cert FILE]... [--port P] [--register USER.json]... [--roster ROSTER.json]... [--origin URL] [--allow-framing]
  --data DIR          data directory (registrations.json, outbox.jsonl); created if missing
  --ca-cert FILE      CA certificate (DER or PEM) new cards may be issued by; repeatable
  --port P            port on 127.0.0.1 (default 8080; 0 picks a free port)
  --register FILE     register the user described in FILE (JSON, see README.md) before serving; repeatable
  --roster FILE       add the 名簿 entries in FILE (a JSON object or array, see README.md) before serving; repeatable
  --origin URL        origin the card signatures must bind (default http://127.0.0.1:<port>)
  --allow-framing     test only: serve pages without the frame-ancestors / X-Frame-Options headers
  (DIR/injected.html, if present, is inserted raw into the menu page: a test fixture, see README.md)";

struct Args {
    data_dir: PathBuf,
    ca_certs: Vec<PathBuf>,
    port: u16,
    register: Vec<PathBuf>,
    roster: Vec<PathBuf>,
    origin: Option<String>,
    allow_framing: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut data_dir = None;
    let mut ca_certs = Vec::new();
    let mut port = 8080u16;
    let mut register = Vec::new();
    let mut roster = Vec::new();
    let mut origin = None;
    let mut allow_framing = false;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => data_dir = Some(PathBuf::from(value()?)),
            "--ca-cert" => ca_certs.push(PathBuf::from(value()?)),
            "--port" => {
                port = value()?
                    .parse()
                    .map_err(|_| "--port must be a number from 0 to 65535".to_string())?
            }
            "--register" => register.push(PathBuf::from(value()?)),
            "--roster" => roster.push(PathBuf::from(value()?)),
            "--origin" => origin = Some(value()?),
            "--allow-framing" => allow_framing = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if ca_certs.is_empty() {
        return Err("--ca-cert is required".into());
    }
    Ok(Args {
        data_dir: data_dir.ok_or("--data is required")?,
        ca_certs,
        port,
        register,
        roster,
        origin,
        allow_framing,
    })
}

/// Reads a certificate file: PEM (text starting with the armour) or DER.
fn read_certificate(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    match std::str::from_utf8(&bytes) {
        Ok(text) if text.trim_start().starts_with("-----BEGIN") => lenient_base64::decode(text)
            .ok_or_else(|| format!("{}: the PEM is not valid base64", path.display())),
        _ => Ok(bytes),
    }
}

/// A `--roster` file: one entry (a JSON object) or several (an array).
fn roster_entries(text: &str) -> Result<Vec<RosterEntry>, serde_json::Error> {
    match serde_json::from_str::<serde_json::Value>(text)? {
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(serde_json::from_value)
            .collect::<Result<_, _>>(),
        single => Ok(vec![serde_json::from_value(single)?]),
    }
}

fn run(args: Args) -> Result<(), String> {
    let ca_certificates = args
        .ca_certs
        .iter()
        .map(|path| read_certificate(path))
        .collect::<Result<Vec<_>, _>>()?;
    for file in &args.register {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let user: NewUser =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        let id = Portal::register(&args.data_dir, &user)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        eprintln!("replica-portal: registered {id} ({})", user.company_name);
    }
    for file in &args.roster {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let entries = roster_entries(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        for entry in &entries {
            Portal::add_roster(&args.data_dir, entry)
                .map_err(|e| format!("{}: {e}", file.display()))?;
        }
        eprintln!(
            "replica-portal: added {} 名簿 entries from {}",
            entries.len(),
            file.display()
        );
    }
    let portal = Portal::start(PortalConfig {
        data_dir: args.data_dir,
        ca_certificates,
        port: args.port,
        origin: args.origin,
        allow_framing: args.allow_framing,
    })
    .map_err(|e| e.to_string())?;
    // The harness reads this line to learn the port when --port 0.
    println!("listening on {}", portal.url(""));
    eprintln!(
        "replica-portal: signatures must bind the origin {}",
        portal.origin()
    );
    if args.allow_framing {
        eprintln!("replica-portal: --allow-framing: pages may be framed by any site (test only)");
    }
    portal.wait();
    Ok(())
}

fn main() -> ExitCode {
    match parse_args() {
        Err(message) => {
            if !message.is_empty() {
                eprintln!("replica-portal: {message}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        Ok(args) => match run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("replica-portal: {message}");
                ExitCode::FAILURE
            }
        },
    }
}
