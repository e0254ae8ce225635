//! Generates the committed test-only RSA-2048 keys under `tests/virtual-card/fixtures/`.
//! Run once: `cargo run -p virtual-card --bin make-test-keys [--force]`. Existing keys are kept unless --force.

use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use virtual_card::fixtures::{fixtures_dir, ALL_KEYS};

fn main() {
    let force = std::env::args().any(|a| a == "--force");
    let dir = fixtures_dir();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("make-test-keys: {}: {e}", dir.display());
        std::process::exit(1);
    }
    for name in ALL_KEYS {
        let path = dir.join(format!("{name}.pem"));
        if path.exists() && !force {
            println!("kept      {}", path.display());
            continue;
        }
        let key = match rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048) {
            Ok(key) => key,
            Err(e) => {
                eprintln!("make-test-keys: key generation failed: {e}");
                std::process::exit(1);
            }
        };
        let written = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| e.to_string())
            .and_then(|pem| std::fs::write(&path, pem.as_bytes()).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("make-test-keys: {}: {e}", path.display());
            std::process::exit(1);
        }
        println!("generated {}", path.display());
    }
}
