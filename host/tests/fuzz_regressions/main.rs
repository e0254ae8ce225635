//! The fuzz corpus and every input that ever found a defect, replayed on stable: each file of
//! `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` goes through the same entry function the cargo-fuzz
//! target `<target>` runs (`fuzz/src/entries/`, compiled here too), so CI keeps them without nightly.
//! `scripts/fuzz.sh` does the fuzzing; `seeds.rs` writes the seed inputs (`-- --ignored write_seed_corpus`).

#[path = "../../../fuzz/src/entries/mod.rs"]
mod entries;
mod seeds;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The input files of `fuzz/<kind>/<target>/` (READMEs are notes, not inputs).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file() && path.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

/// Runs every input of `kind` through its target; the files that panicked.
fn replay(kind: &str) -> (usize, Vec<String>) {
    let mut count = 0;
    let mut failures = Vec::new();
    for (target, entry) in entries::TARGETS {
        for file in inputs(kind, target) {
            let bytes = match std::fs::read(&file) {
                Ok(bytes) => bytes,
                // A fuzzer running meanwhile (scripts/fuzz.sh) replaced it with a smaller input.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => panic!("{}: {e}", file.display()),
            };
            count += 1;
            if panic::catch_unwind(AssertUnwindSafe(|| entry(&bytes))).is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    (count, failures)
}

#[test]
fn the_committed_corpus_replays_without_a_panic() {
    for (target, _) in entries::TARGETS {
        assert!(
            !inputs("corpus", target).is_empty(),
            "fuzz/corpus/{target} has no input"
        );
    }
    let (count, failures) = replay("corpus");
    assert!(
        failures.is_empty(),
        "of {count} inputs these panicked: {failures:#?}"
    );
}

#[test]
fn every_input_that_found_a_defect_replays_without_a_panic() {
    let (_, failures) = replay("regressions");
    assert!(failures.is_empty(), "these regressed: {failures:#?}");
}

#[test]
fn every_corpus_directory_belongs_to_a_target() {
    for kind in ["corpus", "regressions"] {
        for entry in std::fs::read_dir(fuzz_dir().join(kind)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                assert!(
                    entries::TARGETS.iter().any(|(target, _)| *target == name),
                    "fuzz/{kind}/{name} is not a fuzz target's directory"
                );
            }
        }
    }
}
