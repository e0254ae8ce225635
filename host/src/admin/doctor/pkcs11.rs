//! The PKCS#11 modules (pkcs11.toml, `--pkcs11-module`, `EBID_HOST_PKCS11_MODULES`): for each, whether it loads,
//! and the tokens and certificates it sees, with the certificate the host would sign with for each reader.

use std::collections::BTreeMap;

use crate::pkcs11::{survey, FoundToken, ModuleConfig, Pkcs11Config, Survey};

use super::check::Check;
use super::text::Text;

/// One check per configured module (`pkcs11.module`); one passing `pkcs11.modules` when none is.
pub fn pkcs11_checks(config: &Pkcs11Config) -> Vec<Check> {
    let config_path = config
        .source
        .clone()
        .unwrap_or_else(crate::pkcs11::system_config_path)
        .display()
        .to_string();
    if config.modules.is_empty() {
        return vec![Check::pass(
            "pkcs11.modules",
            Text::Pkcs11NoModules {
                config: config_path,
            },
        )];
    }
    config
        .modules
        .iter()
        .map(|module| {
            let one = Pkcs11Config {
                modules: vec![module.clone()],
                ..Pkcs11Config::default()
            };
            let found = survey(&one, None);
            match found.failures.first() {
                Some(failure) => Check::fail(
                    "pkcs11.module",
                    Text::Pkcs11ModuleFailed(failure.to_string()),
                    Text::FixPkcs11Module {
                        config: config_path.clone(),
                    },
                ),
                None => Check::pass(
                    "pkcs11.module",
                    Text::Pkcs11Module {
                        path: module.path.display().to_string(),
                        tokens: token_lines(module, found),
                    },
                ),
            }
        })
        .collect()
}

/// One line per token, then its certificates; the one the host would sign with for its reader is marked.
fn token_lines(module: &ModuleConfig, found: Survey) -> Vec<String> {
    // The reader each token counts for: the module's pinned reader, or its slot description.
    let mut by_reader: BTreeMap<String, Vec<FoundToken>> = BTreeMap::new();
    for token in found.tokens {
        let reader = module
            .reader
            .clone()
            .unwrap_or_else(|| token.slot_description.clone());
        by_reader.entry(reader).or_default().push(token);
    }
    let mut lines = Vec::new();
    for (reader, tokens) in by_reader {
        let group = Survey {
            tokens,
            failures: Vec::new(),
        };
        let signing = group
            .signing()
            .map(|s| (s.token.slot, s.id.clone(), s.choice));
        for token in &group.tokens {
            lines.push(format!(
                "[{reader}] slot {} token {:?}",
                token.slot.id(),
                token.label
            ));
            let chosen = |id: &[u8]| {
                signing
                    .as_ref()
                    .filter(|(slot, signing_id, _)| *slot == token.slot && signing_id == id)
                    .map(|(_, _, choice)| format!(" ← signs: {}", choice.reason()))
                    .unwrap_or_default()
            };
            for cert in &token.certificates {
                lines.push(format!(
                    "  certificate id {} {:?}: {}{}",
                    hex::encode(&cert.id),
                    cert.label,
                    cert.subject,
                    chosen(&cert.id)
                ));
            }
            for id in &token.hidden {
                lines.push(format!(
                    "  key id {} (certificate shown after the PIN){}",
                    hex::encode(id),
                    chosen(id)
                ));
            }
        }
    }
    lines
}
