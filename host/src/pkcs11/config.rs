//! Which PKCS#11 modules the host asks, from the admin's `pkcs11.toml` (per-OS location, docs/pkcs11.md) and the
//! environment. A CA's module is added by naming it here; nothing is compiled in.
//!
//! ```toml
//! # Read every card through the modules, even one a built-in driver knows (default false; top-level keys
//! # come before the tables).
//! prefer_pkcs11 = false
//!
//! # Asked in this order for a card no built-in driver knows.
//! [[module]]
//! path = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
//! # Optional: every token of this module is the card in this PC/SC reader (software tokens, or middleware whose
//! # slot descriptions do not name the reader).
//! # reader = "Some Reader 00 00"
//!
//! # Or prefer the modules only for cards with these ATRs (hex; an optional mask per entry).
//! [[prefer_pkcs11_atr]]
//! atr = "3B E0 00 FF 81 31 FE 45 14"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::drivers::AtrPattern;

/// Environment variable naming another `pkcs11.toml` (tests; an admin's per-user override).
pub const PKCS11_CONFIG_ENV: &str = "EBID_HOST_PKCS11_CONFIG";
/// Environment variable with more module paths, separated like `PATH` (`:`; `;` on Windows), asked after the
/// config file's. The browser starts the host with fixed arguments, so tests reach it this way.
pub const PKCS11_MODULES_ENV: &str = "EBID_HOST_PKCS11_MODULES";

/// The config file the host reads: [`PKCS11_CONFIG_ENV`] if set, else [`system_config_path`].
pub fn config_path_in_force() -> PathBuf {
    std::env::var_os(PKCS11_CONFIG_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(system_config_path)
}

/// Where the admin's `pkcs11.toml` is when [`PKCS11_CONFIG_ENV`] is not set.
pub fn system_config_path() -> PathBuf {
    if cfg!(windows) {
        let base = std::env::var_os("ProgramData").unwrap_or_else(|| r"C:\ProgramData".into());
        Path::new(&base).join("ebid-host").join("pkcs11.toml")
    } else if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/ebid-host/pkcs11.toml")
    } else {
        PathBuf::from("/etc/ebid-host/pkcs11.toml")
    }
}

/// One module the admin named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleConfig {
    pub path: PathBuf,
    /// All of the module's tokens are the card in this reader.
    pub reader: Option<String>,
}

/// The PKCS#11 settings in force.
#[derive(Debug, Clone, Default)]
pub struct Pkcs11Config {
    pub modules: Vec<ModuleConfig>,
    pub prefer_all: bool,
    pub prefer_atrs: Vec<AtrPattern>,
    /// Where the settings came from, for doctor and logs.
    pub source: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    module: Vec<ModuleShape>,
    #[serde(default)]
    prefer_pkcs11: bool,
    #[serde(default)]
    prefer_pkcs11_atr: Vec<AtrShape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleShape {
    path: PathBuf,
    reader: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AtrShape {
    atr: String,
    mask: Option<String>,
}

impl Pkcs11Config {
    /// The config file ([`PKCS11_CONFIG_ENV`] or [`system_config_path`]) plus [`PKCS11_MODULES_ENV`]. A missing
    /// file means no modules; an invalid one is logged and ignored, so the built-in drivers keep working.
    pub fn load() -> Self {
        let path = config_path_in_force();
        let mut config = match Self::from_file(&path) {
            Ok(config) => config,
            Err(e) => {
                log::warn!("{e}; no PKCS#11 modules from it");
                Pkcs11Config::default()
            }
        };
        if let Some(extra) = std::env::var_os(PKCS11_MODULES_ENV) {
            config.add_modules(std::env::split_paths(&extra));
        }
        config
    }

    /// The settings in `path`; a file that does not exist gives none.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let mut config = Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        config.source = Some(path.to_owned());
        Ok(config)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let shape: FileShape = toml::from_str(text).map_err(|e| e.to_string())?;
        let prefer_atrs = shape
            .prefer_pkcs11_atr
            .iter()
            .map(|a| AtrPattern::parse(&a.atr, a.mask.as_deref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Pkcs11Config {
            modules: shape
                .module
                .into_iter()
                .map(|m| ModuleConfig {
                    path: m.path,
                    reader: m.reader,
                })
                .collect(),
            prefer_all: shape.prefer_pkcs11,
            prefer_atrs,
            source: None,
        })
    }

    /// Adds modules (the `--pkcs11-module` option, [`PKCS11_MODULES_ENV`]) after those already named; a path
    /// named twice is asked once.
    pub fn add_modules(&mut self, paths: impl IntoIterator<Item = PathBuf>) {
        for path in paths {
            if !path.as_os_str().is_empty() && !self.modules.iter().any(|m| m.path == path) {
                self.modules.push(ModuleConfig { path, reader: None });
            }
        }
    }

    /// The card with `atr` goes to the modules first, not to the built-in drivers.
    pub fn prefers(&self, atr: &[u8]) -> bool {
        !self.modules.is_empty()
            && (self.prefer_all || self.prefer_atrs.iter().any(|p| p.matches(atr)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modules_and_preferences() {
        let config = Pkcs11Config::parse(
            r#"
            prefer_pkcs11 = false
            [[module]]
            path = "/opt/ca/lib/ca-pkcs11.so"
            [[module]]
            path = "/usr/lib/softhsm/libsofthsm2.so"
            reader = "Virtual PCD 00 00"
            [[prefer_pkcs11_atr]]
            atr = "3B E0 00 FF 81 31 FE 45 14"
            "#,
        )
        .unwrap();
        assert_eq!(config.modules.len(), 2);
        assert_eq!(
            config.modules[1].reader.as_deref(),
            Some("Virtual PCD 00 00")
        );
        assert!(config.prefers(&[0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]));
        assert!(!config.prefers(&[0x3B, 0x00]));
    }

    #[test]
    fn the_packaged_example_parses() {
        let example = include_str!("../../../packaging/pkcs11.toml.example");
        let config = Pkcs11Config::parse(example).unwrap();
        assert_eq!(config.modules.len(), 1);
        assert!(!config.prefer_all);
    }

    #[test]
    fn preferring_without_modules_prefers_nothing() {
        let config = Pkcs11Config::parse("prefer_pkcs11 = true").unwrap();
        assert!(!config.prefers(&[0x3B, 0x00]));
    }

    #[test]
    fn unknown_keys_and_bad_atrs_are_refused() {
        assert!(Pkcs11Config::parse("modules = []").is_err());
        assert!(Pkcs11Config::parse("[[prefer_pkcs11_atr]]\natr = \"zz\"").is_err());
    }

    #[test]
    fn extra_modules_come_after_and_once() {
        let mut config = Pkcs11Config::parse("[[module]]\npath = \"/a.so\"").unwrap();
        config.add_modules(["/a.so".into(), "/b.so".into(), "".into()]);
        let paths: Vec<_> = config.modules.iter().map(|m| m.path.clone()).collect();
        assert_eq!(paths, [PathBuf::from("/a.so"), PathBuf::from("/b.so")]);
    }
}
