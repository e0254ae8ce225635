//! Benchmark, not a check (`#[ignore]`; scripts/bench.sh runs it with `--ignored --nocapture`): the same
//! operations on the same virtual JPKI card through the built-in JPKI driver, through OpenSC's PKCS#11 module
//! inside the host, and through OpenSC's own tools (`pkcs11-tool`; `pkcs15-tool` with `pkcs15-crypt` for the
//! signature), side by side: APDUs the card received and wall time.
//! Prints a Markdown table for BENCHMARKS.md.

#[path = "common/mod.rs"]
mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use virtual_card::testca::CertOptions;

const OPENSC_MODULE: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";
const RUNS: usize = 7;

/// One measured step: wall time and APDUs the card received.
#[derive(Clone, Copy)]
struct Sample {
    time: Duration,
    apdus: usize,
}

fn median(samples: &mut [Sample]) -> Sample {
    samples.sort_by_key(|s| s.time);
    let time = samples[samples.len() / 2].time;
    let mut apdus: Vec<usize> = samples.iter().map(|s| s.apdus).collect();
    apdus.sort_unstable();
    Sample {
        time,
        apdus: apdus[apdus.len() / 2],
    }
}

/// The card's command log is capped (1000 records): it is cleared before each step.
fn measure(card: &TestCard, f: impl FnOnce()) -> Sample {
    card.card.clear_command_log();
    let started = Instant::now();
    f();
    Sample {
        time: started.elapsed(),
        apdus: card.card.command_log().len(),
    }
}

/// verify_pin, read_certificate, sign_challenge on a fresh host process (so the first includes connecting and
/// detection or the module's bind).
fn host_steps(bed: &Bed, card: &TestCard, env: &[(&str, &str)]) -> [Sample; 3] {
    let mut host = bed.host_with_env(env);
    let reader = bed.reader(0);
    let verify = measure(card, || {
        host.ok(json!({"cmd": "verify_pin", "reader": reader, "pin": JPKI_PIN}));
    });
    let read = measure(card, || {
        host.ok(json!({"cmd": "read_certificate", "reader": reader}));
    });
    let sign = measure(card, || {
        host.ok(sign_challenge(&reader, ORIGIN, &challenge(32), "login"));
    });
    [verify, read, sign]
}

/// The signing input, written once: the bare SHA-256 digest (for `pkcs15-crypt --sha-256`, which adds the
/// DigestInfo itself) and the DigestInfo (for `pkcs11-tool`'s RSA-PKCS, which signs what it is given).
struct SignInput {
    digest: String,
    digest_info: String,
    signature: String,
}

impl SignInput {
    fn write(dir: &std::path::Path) -> Self {
        let digest = login_digest(ORIGIN, &challenge(32));
        let mut digest_info = vec![
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        digest_info.extend_from_slice(&digest);
        let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
        std::fs::write(path("digest.bin"), digest).unwrap();
        std::fs::write(path("digest-info.bin"), digest_info).unwrap();
        SignInput {
            digest: path("digest.bin"),
            digest_info: path("digest-info.bin"),
            signature: path("signature.bin"),
        }
    }

    /// A 2048-bit RSA signature came out (the tool's exit status alone would not say).
    fn assert_signed(&self) {
        let signature = std::fs::read(&self.signature).unwrap();
        assert_eq!(signature.len(), 256, "signature length");
        std::fs::remove_file(&self.signature).unwrap();
    }
}

/// One OpenSC command-line tool run against the private pcscd, as an admin would run it.
fn run_tool(bed: &Bed, home: &std::path::Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .env("PCSCLITE_CSOCK_NAME", bed.pcscd.socket_path())
        // No stray file cache from the user's home (pkcs15-tool would read certificates from it).
        .env("HOME", home)
        .output()
        .unwrap_or_else(|e| panic!("{program} (opensc): {e}"));
    assert!(out.status.success(), "{program} {args:?}: {out:?}");
}

/// The same through `pkcs11-tool`, one process per step.
fn pkcs11_tool_steps(bed: &Bed, card: &TestCard, dir: &std::path::Path) -> [Sample; 3] {
    let input = SignInput::write(dir);
    let tool = |args: &[&str]| {
        let login = [
            "--module",
            OPENSC_MODULE,
            "--slot-index",
            "1",
            "--login",
            "--pin",
            JPKI_PIN,
        ];
        run_tool(bed, dir, "pkcs11-tool", &[&login[..], args].concat());
    };
    let verify = measure(card, || tool(&["--list-objects", "--type", "privkey"]));
    let read = measure(card, || {
        tool(&["--read-object", "--type", "cert", "--id", "02"]);
    });
    let sign = measure(card, || {
        tool(&[
            "--sign",
            "--mechanism",
            "RSA-PKCS",
            "--id",
            "02",
            "--input-file",
            &input.digest_info,
            "--output-file",
            &input.signature,
        ])
    });
    input.assert_signed();
    [verify, read, sign]
}

/// The same through OpenSC's PKCS#15 tools, one process per step: `pkcs15-tool` verifies the signature PIN
/// (auth ID 02) and reads the certificate (ID 02, readable only after that PIN, so the step presents it too);
/// `pkcs15-tool` cannot sign, its sibling `pkcs15-crypt` does (key ID 02, OpenSC adds the DigestInfo).
fn pkcs15_tool_steps(bed: &Bed, card: &TestCard, dir: &std::path::Path) -> [Sample; 3] {
    let input = SignInput::write(dir);
    let pin = ["--verify-pin", "--auth-id", "02", "--pin", JPKI_PIN];
    let verify = measure(card, || run_tool(bed, dir, "pkcs15-tool", &pin));
    let read = measure(card, || {
        let read = ["--read-certificate", "02"];
        run_tool(bed, dir, "pkcs15-tool", &[&read[..], &pin].concat());
    });
    let sign = measure(card, || {
        run_tool(
            bed,
            dir,
            "pkcs15-crypt",
            &[
                "--sign",
                "--key",
                "02",
                "--sha-256",
                "--pkcs1",
                "--raw",
                "--pin",
                JPKI_PIN,
                "--input",
                &input.digest,
                "--output",
                &input.signature,
            ],
        )
    });
    input.assert_signed();
    [verify, read, sign]
}

#[test]
#[ignore = "benchmark: scripts/bench.sh runs it"]
fn jpki_native_vs_opensc_pkcs11_vs_opensc_tools() {
    let bed = bed(1);
    let card = bed.jpki_card(JPKI_PIN, CertOptions::with_key("card5"));
    let _inserted = bed.insert(&card.card, 0);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pkcs11.toml");
    std::fs::write(
        &config,
        format!("[[module]]\npath = {OPENSC_MODULE:?}\n\n[[prefer_pkcs11_atr]]\natr = \"3BE000FF8131FE4514\"\n"),
    )
    .unwrap();
    let none = dir.path().join("none.toml");
    let config = config.to_str().unwrap();
    let none = none.to_str().unwrap();

    // The ways, in table order; each run measures every way once, so drift on the shared machine hits all alike.
    let ways: [(&str, &dyn Fn() -> [Sample; 3]); 4] = [
        ("host, built-in JPKI driver", &|| {
            host_steps(&bed, &card, &[("EBID_HOST_PKCS11_CONFIG", none)])
        }),
        ("host, OpenSC opensc-pkcs11.so", &|| {
            host_steps(&bed, &card, &[("EBID_HOST_PKCS11_CONFIG", config)])
        }),
        ("pkcs11-tool (OpenSC), one process per step", &|| {
            pkcs11_tool_steps(&bed, &card, dir.path())
        }),
        (
            "pkcs15-tool + pkcs15-crypt (OpenSC), one process per step",
            &|| pkcs15_tool_steps(&bed, &card, dir.path()),
        ),
    ];
    let mut rows: Vec<(&str, Vec<[Sample; 3]>)> =
        ways.iter().map(|(name, _)| (*name, Vec::new())).collect();
    for _ in 0..RUNS {
        for (row, (_, steps)) in rows.iter_mut().zip(&ways) {
            row.1.push(steps());
        }
    }
    println!("\n| Path (median of {RUNS}) | verify PIN | read certificate | sign |");
    println!("|---|---|---|---|");
    for (name, runs) in rows {
        let cell = |i: usize| {
            let mut samples: Vec<Sample> = runs.iter().map(|r| r[i]).collect();
            let m = median(&mut samples);
            format!("{} APDUs, {:.1} ms", m.apdus, m.time.as_secs_f64() * 1000.0)
        };
        println!("| {name} | {} | {} | {} |", cell(0), cell(1), cell(2));
    }
}
