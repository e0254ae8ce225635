//! Host benchmark: cold start to Hello, certificate read time and APDU count per card type, peak RSS, idle CPU
//! while watching. Run it optimised, against the release host: `cargo build --release -p ebid-host -p test-harness
//! && target/release/host-bench [--runs N] [--host PATH]` (the host defaults to `$EBID_HOST_BIN` or the
//! `ebid-host` next to this executable). Prints a Markdown section for BENCHMARKS.md.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use test_harness::{find_host_binary, HostOptions, HostProcess, PcscDaemon};
use virtual_card::testca::{CertOptions, CertStyle, TestCa};
use virtual_card::{CardConfig, InsertedCard, VirtualCard};

/// Waits for one message or one card state.
const WAIT: Duration = Duration::from_secs(10);
const JPKI_PIN: &str = "QZ73914562";
const PROFILE_PIN: &str = "73914562";

struct Args {
    runs: usize,
    host: PathBuf,
}

fn parse_args() -> Args {
    let mut args = Args {
        runs: 30,
        host: find_host_binary().expect("ebid-host (or pass --host PATH)"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => args.runs = it.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--host" => args.host = it.next().map(PathBuf::from).expect("--host PATH"),
            other => panic!("unknown argument {other}; use --runs N or --host PATH"),
        }
    }
    args
}

/// A private pcscd with one vpcd reader (two slots) and the host to run against it.
struct Bed {
    pcscd: PcscDaemon,
    host_exe: PathBuf,
}

impl Bed {
    fn reader(&self, index: usize) -> String {
        self.pcscd.slot(index).reader.clone()
    }

    /// Inserts `card` into slot `index` and waits until pcscd sees it.
    fn insert(&self, card: &VirtualCard, index: usize) -> InsertedCard {
        self.pcscd.insert(card, index, WAIT).expect("card inserted")
    }

    /// A fresh host process, after its Hello.
    fn host(&self) -> HostProcess {
        let options = HostOptions::new(&self.host_exe, self.pcscd.socket_path());
        let mut host = HostProcess::spawn_with(&options).expect("spawn host");
        let hello = host.recv(WAIT).expect("hello");
        assert_eq!(hello["type"], "hello", "first message: {hello}");
        host
    }
}

/// The `result` of a successful response; panics with the message otherwise.
fn ok(host: &mut HostProcess, command: Value) -> Value {
    let answer = host.request(command.clone(), WAIT).expect("answer");
    assert_eq!(answer["type"], "response", "{command} answered {answer}");
    answer["result"].clone()
}

/// A card of `style` with `pin`, issued by the test CA for that style.
fn card(style: CertStyle, pin: &str, key: &str) -> VirtualCard {
    let ca = TestCa::for_style(style).expect("test CA");
    let options = CertOptions {
        style,
        ..CertOptions::with_key(key)
    };
    let cert = ca.issue(&options).expect("issue");
    let config = match style {
        CertStyle::Jpki => CardConfig::jpki(pin, &cert, ca.certificate_der()),
        CertStyle::EBidding => CardConfig::profile(pin, &cert, ca.certificate_der()),
    };
    VirtualCard::new(config).expect("card")
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Spawn → Hello frame, median over `runs` fresh processes.
fn cold_start(bed: &Bed, exe: &PathBuf, runs: usize) -> (f64, f64) {
    let mut times = Vec::new();
    for _ in 0..runs {
        let options = HostOptions::new(exe, bed.pcscd.socket_path());
        let started = Instant::now();
        let mut host = HostProcess::spawn_with(&options).expect("spawn");
        let hello = host.recv(Duration::from_secs(10)).expect("hello");
        times.push(ms(started.elapsed()));
        assert_eq!(hello["type"], "hello");
        host.close_stdin();
        let _ = host.wait_exit(Duration::from_secs(5));
    }
    let min = times.iter().cloned().fold(f64::INFINITY, f64::min);
    (median(times), min)
}

/// One step of a card flow: its time and the APDUs the card received.
struct Step {
    name: &'static str,
    times: Vec<f64>,
    apdus: Vec<usize>,
}

/// Runs `steps` on a fresh host each run; every run starts with a fresh card connection.
fn card_flow(
    bed: &Bed,
    card: &VirtualCard,
    reader: &str,
    steps: &[(&'static str, serde_json::Value)],
    runs: usize,
) -> Vec<Step> {
    let mut results: Vec<Step> = steps
        .iter()
        .map(|(name, _)| Step {
            name,
            times: Vec::new(),
            apdus: Vec::new(),
        })
        .collect();
    for _ in 0..runs {
        let mut host = bed.host();
        for ((_, command), result) in steps.iter().zip(&mut results) {
            let mut command = command.clone();
            command["reader"] = json!(reader);
            card.clear_command_log();
            let started = Instant::now();
            ok(&mut host, command);
            result.times.push(ms(started.elapsed()));
            result.apdus.push(card.command_log().len());
        }
        finish(host);
    }
    results
}

fn finish(mut host: HostProcess) {
    host.close_stdin();
    let _ = host.wait_exit(Duration::from_secs(5));
}

/// `VmHWM` (peak resident set) of a live process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// User + system CPU ticks of a process.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
    // Fields after the ")" of the command name: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')').expect("stat") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0)
}

fn main() {
    let args = parse_args();
    let bed = Bed {
        pcscd: PcscDaemon::start(1).expect("private pcscd"),
        host_exe: args.host.clone(),
    };
    let jpki = card(CertStyle::Jpki, JPKI_PIN, "card1");
    let profile = card(CertStyle::EBidding, PROFILE_PIN, "card2");
    let _a = bed.insert(&jpki, 0);
    let _b = bed.insert(&profile, 1);
    let (r0, r1) = (bed.reader(0), bed.reader(1));

    let (start_median, start_min) = cold_start(&bed, &args.host, args.runs);

    let card_runs = args.runs.clamp(3, 10);
    // What the flow signs: the binding of the portal origin and its 32-byte challenge (the host computes the
    // digest; the card operations are the same as for any SHA-256 digest). Each signature spends the verified PIN.
    let sign = json!({
        "cmd": "sign_challenge",
        "origin": "https://www.ebid.city.sapporo.jp",
        "challenge": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        "purpose": "login",
    });
    let jpki_steps = card_flow(
        &bed,
        &jpki,
        &r0,
        &[
            (
                "verify_pin (connect + detect + VERIFY)",
                json!({"cmd": "verify_pin", "pin": JPKI_PIN}),
            ),
            ("read_certificate", json!({"cmd": "read_certificate"})),
            (
                "read_certificate again (cached)",
                json!({"cmd": "read_certificate"}),
            ),
            ("sign_challenge", sign.clone()),
        ],
        card_runs,
    );
    let profile_steps = card_flow(
        &bed,
        &profile,
        &r1,
        &[
            (
                "read_certificate (connect + detect + read)",
                json!({"cmd": "read_certificate"}),
            ),
            ("pin_status", json!({"cmd": "pin_status"})),
            (
                "verify_pin",
                json!({"cmd": "verify_pin", "pin": PROFILE_PIN}),
            ),
            ("sign_challenge", sign.clone()),
        ],
        card_runs,
    );

    // Peak RSS after a whole session: watch, both cards read, verified and signing; idle CPU while watching.
    let mut host = bed.host();
    ok(&mut host, json!({"cmd": "watch"}));
    ok(&mut host, json!({"cmd": "list_readers"}));
    for (reader, pin) in [(&r0, JPKI_PIN), (&r1, PROFILE_PIN)] {
        ok(
            &mut host,
            json!({"cmd": "verify_pin", "reader": reader, "pin": pin}),
        );
        ok(
            &mut host,
            json!({"cmd": "read_certificate", "reader": reader}),
        );
        let mut command = sign.clone();
        command["reader"] = json!(reader);
        ok(&mut host, command);
    }
    let pid = host.pid();
    let ticks_before = cpu_ticks(pid);
    // The one fixed wait: the measure is the CPU an idle, watching host uses in 3 s (nothing to wait for).
    std::thread::sleep(Duration::from_secs(3));
    let idle_ticks = cpu_ticks(pid) - ticks_before;
    let rss_kib = peak_rss_kib(pid);
    finish(host);

    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!("### Host ({} runs, {cpus} cores, {cpu_model})", args.runs);
    println!();
    println!("Binary: `{}`", args.host.display());
    println!();
    println!("| Measure | Result | Goal |");
    println!("|---|---|---|");
    println!(
        "| Cold start → Hello frame (spawn to first frame, median of {}) | {start_median:.2} ms (min {start_min:.2} ms) | < 5 ms |",
        args.runs
    );
    println!(
        "| Peak RSS (VmHWM) after a full session | {:.1} MB | ≤ 10 MB |",
        rss_kib as f64 / 1024.0
    );
    println!(
        "| CPU while watching, idle 3 s | {idle_ticks} ticks (1 tick = 10 ms) | 0 (no polling) |"
    );
    println!();
    for (card, steps) in [
        ("JPKI (My Number Card)", &jpki_steps),
        ("Profile card `ebid-test-ca`", &profile_steps),
    ] {
        println!("{card}, median of {card_runs} fresh host processes:");
        println!();
        println!("| Step | Time | APDUs |");
        println!("|---|---|---|");
        for step in steps {
            let apdus = step.apdus.iter().min().unwrap_or(&0);
            let apdus_max = step.apdus.iter().max().unwrap_or(&0);
            let apdu_text = if apdus == apdus_max {
                format!("{apdus}")
            } else {
                format!("{apdus}–{apdus_max}")
            };
            println!(
                "| {} | {:.2} ms | {apdu_text} |",
                step.name,
                median(step.times.clone())
            );
        }
        println!();
    }
}
