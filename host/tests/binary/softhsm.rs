//! A SoftHSM2 token in a temporary folder, set up the way an admin would with the real tools
//! (`softhsm2-util --init-token`, `pkcs11-tool --write-object`), for the PKCS#11 backend tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

pub const SOFTHSM_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
pub const TOKEN_PIN: &str = "482915";
pub const TOKEN_WRONG_PIN: &str = "731064";
const SO_PIN: &str = "90817263";

/// A SoftHSM2 config and token folder that live as long as this value.
pub struct SoftHsm {
    pub dir: TempDir,
    pub conf: PathBuf,
}

impl SoftHsm {
    /// A fresh token labelled `label` with the user PIN [`TOKEN_PIN`].
    pub fn init(label: &str) -> SoftHsm {
        let dir = tempfile::tempdir().expect("temp dir");
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        let hsm = SoftHsm { dir, conf };
        hsm.run(Command::new("softhsm2-util").args([
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            TOKEN_PIN,
            "--so-pin",
            SO_PIN,
        ]));
        hsm
    }

    /// Imports a certificate (DER) and, when given, its private key (PEM) under `id` (hex), as pkcs11-tool does.
    pub fn import(&self, id: &str, label: &str, certificate_der: &[u8], key_pem: Option<&str>) {
        let cert = self.dir.path().join(format!("{id}.der"));
        std::fs::write(&cert, certificate_der).unwrap();
        self.write_object(&cert, "cert", id, label);
        if let Some(pem) = key_pem {
            let key = self.dir.path().join(format!("{id}.key.pem"));
            std::fs::write(&key, pem).unwrap();
            self.write_object(&key, "privkey", id, label);
            std::fs::remove_file(&key).unwrap();
        }
    }

    fn write_object(&self, file: &Path, kind: &str, id: &str, label: &str) {
        let mut command = Command::new("pkcs11-tool");
        command.args([
            "--module",
            SOFTHSM_MODULE,
            "--login",
            "--pin",
            TOKEN_PIN,
            "--write-object",
        ]);
        command.arg(file);
        command.args(["--type", kind, "--id", id, "--label", label]);
        self.run(&mut command);
    }

    fn run(&self, command: &mut Command) {
        let out = command
            .env("SOFTHSM2_CONF", &self.conf)
            .output()
            .expect("softhsm2-util / pkcs11-tool (scripts/setup.sh installs softhsm2 and opensc)");
        assert!(
            out.status.success(),
            "{command:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A `pkcs11.toml` naming SoftHSM2 (its tokens are the card in `reader`) and the modules in `more`.
    pub fn config(&self, reader: &str, more: &[&str]) -> PathBuf {
        let mut text = String::new();
        for path in more {
            text += &format!("[[module]]\npath = {path:?}\n\n");
        }
        text += &format!("[[module]]\npath = {SOFTHSM_MODULE:?}\nreader = {reader:?}\n");
        let path = self.dir.path().join("pkcs11.toml");
        std::fs::write(&path, text).unwrap();
        path
    }
}
