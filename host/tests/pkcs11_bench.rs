//! Benchmark, not a check (`#[ignore]`; scripts/bench.sh runs it with `--ignored --nocapture`): the same
//! operations on the same virtual JPKI card through the built-in JPKI driver, through OpenSC's PKCS#11 module
//! inside the host, and through OpenSC's own `pkcs11-tool`, side by side: APDUs the card received and wall time.
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

/// The same through `pkcs11-tool`, one process per step as an admin would run it.
fn tool_steps(bed: &Bed, card: &TestCard, dir: &std::path::Path) -> [Sample; 3] {
    let socket = bed.pcscd.socket_path();
    let input = dir.join("digest-info.bin");
    let mut digest_info = vec![
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    digest_info.extend_from_slice(&login_digest(ORIGIN, &challenge(32)));
    std::fs::write(&input, digest_info).unwrap();
    let tool = |args: &[&str]| {
        let out = Command::new("pkcs11-tool")
            .args([
                "--module",
                OPENSC_MODULE,
                "--slot-index",
                "1",
                "--login",
                "--pin",
                JPKI_PIN,
            ])
            .args(args)
            .env("PCSCLITE_CSOCK_NAME", &socket)
            .output()
            .expect("pkcs11-tool (opensc)");
        assert!(out.status.success(), "pkcs11-tool {args:?}: {out:?}");
    };
    let verify = measure(card, || tool(&["--list-objects", "--type", "privkey"]));
    let read = measure(card, || {
        tool(&["--read-object", "--type", "cert", "--id", "02"]);
    });
    let output = dir.join("signature.bin");
    let sign = measure(card, || {
        tool(&[
            "--sign",
            "--mechanism",
            "RSA-PKCS",
            "--id",
            "02",
            "--input-file",
            input.to_str().unwrap(),
            "--output-file",
            output.to_str().unwrap(),
        ])
    });
    [verify, read, sign]
}

#[test]
#[ignore = "benchmark: scripts/bench.sh runs it"]
fn jpki_native_vs_opensc_pkcs11_vs_pkcs11_tool() {
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

    let mut rows: Vec<(&str, Vec<[Sample; 3]>)> = vec![
        ("host, built-in JPKI driver", Vec::new()),
        ("host, OpenSC opensc-pkcs11.so", Vec::new()),
        ("pkcs11-tool (OpenSC), one process per step", Vec::new()),
    ];
    for _ in 0..RUNS {
        rows[0].1.push(host_steps(
            &bed,
            &card,
            &[("EBID_HOST_PKCS11_CONFIG", none)],
        ));
        rows[1].1.push(host_steps(
            &bed,
            &card,
            &[("EBID_HOST_PKCS11_CONFIG", config)],
        ));
        rows[2].1.push(tool_steps(&bed, &card, dir.path()));
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
