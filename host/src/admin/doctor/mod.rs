//! `ebid-host doctor`: walks the chain a renewal needs, in order, and names the first broken link in plain words
//! with its fix — host, manifest per browser, extension allowed, PC/SC service, reader, card, certificate.
//!
//! - [`check`]: the report model ([`Check`], [`Report`]);
//! - [`text`]: every sentence, in Japanese and English side by side;
//! - [`browsers`], [`manifest_lookup`], [`windows_lookup`], [`manifest_check`]: the installation checks;
//! - [`pcsc`], [`card`], [`expiry`]: the card checks;
//! - [`render`]: the report for a terminal or as JSON.

pub mod browsers;
pub mod card;
pub mod check;
pub mod expiry;
pub mod manifest_check;
pub mod manifest_lookup;
pub mod pcsc;
pub mod pkcs11;
pub mod render;
pub mod text;
pub mod windows_lookup;

use std::process::ExitCode;

pub use browsers::is_installed;
pub use card::card_checks;
pub use check::{Check, Report};
pub use expiry::parse_rfc3339_utc;
pub use render::{render_json, render_text};

use super::card_probe::{CardProbe, ServiceProbe};
use super::environment::Environment;
use super::error::AdminError;
use super::layout::Os;
use super::options::Options;
use crate::pkcs11::Pkcs11Config;
use text::Text;

/// Runs every check; `probe` is the card side (`None` skips it, for callers that only care about installation).
pub fn diagnose(options: &Options, env: &Environment, probe: Option<&mut dyn CardProbe>) -> Report {
    let mut checks = vec![Check::pass("host.version", Text::HostVersion)];
    checks.extend(browsers::browser_checks(options, env));
    if let Some(probe) = probe {
        checks.extend(pkcs11::pkcs11_checks(&pkcs11_config(options)));
        checks.extend(card_checks(probe, options.os, expiry::unix_now()));
    }
    Report::new(checks)
}

/// The PKCS#11 settings the host would use, plus `--pkcs11-module`.
fn pkcs11_config(options: &Options) -> Pkcs11Config {
    let mut config = Pkcs11Config::load();
    config.add_modules(options.pkcs11_modules.iter().cloned());
    config
}

/// `ebid-host doctor [--json]`: prints the report; exit status 0 only when all is well.
pub fn run(options: &Options, env: &Environment) -> Result<ExitCode, AdminError> {
    // The card checks only make sense on the machine itself, not for a layout laid out under --root.
    let mut probe = ServiceProbe::with_pkcs11(pkcs11_config(options));
    let probe: Option<&mut dyn CardProbe> = if Os::current() == Some(env.os) {
        Some(&mut probe)
    } else {
        None
    };
    let report = diagnose(options, env, probe);
    if options.json {
        println!("{}", render_json(&report));
    } else {
        print!("{}", render_text(&report));
    }
    Ok(if report.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
