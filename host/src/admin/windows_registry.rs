//! The Windows registry values that point browsers at our manifests: the real registry on Windows, or a JSON
//! file (`<root>/registry.json`, key → default value) when laying out files under `--root`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::error::AdminError;
use super::fs_util::write_atomically;

pub trait Registry {
    /// The key's default value, `None` when the key does not exist.
    fn read(&self, key: &str) -> Result<Option<String>, AdminError>;
    fn write(&mut self, key: &str, value: &str) -> Result<(), AdminError>;
    /// Removes the key; `false` when it was not there.
    fn delete(&mut self, key: &str) -> Result<bool, AdminError>;
}

/// Stand-in registry for tests and foreign-OS layouts. The file disappears when its last key does.
pub struct JsonFileRegistry {
    path: PathBuf,
}

impl JsonFileRegistry {
    pub fn new(path: PathBuf) -> Self {
        JsonFileRegistry { path }
    }

    fn load(&self) -> Result<BTreeMap<String, String>, AdminError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| AdminError::Registry {
                key: self.path.display().to_string(),
                detail: format!("not a registry file: {e}"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(AdminError::io("read", &self.path, e)),
        }
    }

    fn store(&self, values: &BTreeMap<String, String>) -> Result<(), AdminError> {
        if values.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(AdminError::io("remove", &self.path, e))
                }
                _ => Ok(()),
            };
        }
        let mut text = serde_json::to_string_pretty(values).unwrap_or_default();
        text.push('\n');
        write_atomically(&self.path, text.as_bytes())
    }
}

impl Registry for JsonFileRegistry {
    fn read(&self, key: &str) -> Result<Option<String>, AdminError> {
        Ok(self.load()?.get(key).cloned())
    }

    fn write(&mut self, key: &str, value: &str) -> Result<(), AdminError> {
        let mut values = self.load()?;
        values.insert(key.to_owned(), value.to_owned());
        self.store(&values)
    }

    fn delete(&mut self, key: &str) -> Result<bool, AdminError> {
        let mut values = self.load()?;
        let existed = values.remove(key).is_some();
        if existed {
            self.store(&values)?;
        }
        Ok(existed)
    }
}

/// The real registry (64-bit view, which Chrome, Edge and Firefox all read).
#[cfg(windows)]
pub struct WindowsRegistry;

#[cfg(windows)]
impl WindowsRegistry {
    fn split(key: &str) -> Result<(winreg::RegKey, &str), AdminError> {
        use winreg::enums::{HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE};
        let (hive, path) = key.split_once('\\').unwrap_or((key, ""));
        let root = match hive {
            "HKEY_CURRENT_USER" => winreg::RegKey::predef(HKEY_CURRENT_USER),
            "HKEY_LOCAL_MACHINE" => winreg::RegKey::predef(HKEY_LOCAL_MACHINE),
            _ => {
                return Err(AdminError::Registry {
                    key: key.to_owned(),
                    detail: "unknown hive".to_owned(),
                });
            }
        };
        Ok((root, path))
    }

    fn error(key: &str, e: std::io::Error) -> AdminError {
        AdminError::Registry {
            key: key.to_owned(),
            detail: e.to_string(),
        }
    }
}

#[cfg(windows)]
impl Registry for WindowsRegistry {
    fn read(&self, key: &str) -> Result<Option<String>, AdminError> {
        let (root, path) = Self::split(key)?;
        match root.open_subkey(path) {
            Ok(sub) => match sub.get_value::<String, _>("") {
                Ok(value) => Ok(Some(value)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Self::error(key, e)),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::error(key, e)),
        }
    }

    fn write(&mut self, key: &str, value: &str) -> Result<(), AdminError> {
        let (root, path) = Self::split(key)?;
        let (sub, _) = root.create_subkey(path).map_err(|e| Self::error(key, e))?;
        sub.set_value("", &value).map_err(|e| Self::error(key, e))
    }

    fn delete(&mut self, key: &str) -> Result<bool, AdminError> {
        let (root, path) = Self::split(key)?;
        match root.delete_subkey_all(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Self::error(key, e)),
        }
    }
}

/// The registry for `env`: the JSON stand-in under a root, the real one on Windows.
pub fn open(env: &super::environment::Environment) -> Result<Box<dyn Registry>, AdminError> {
    if let Some(path) = env.emulated_registry_file() {
        return Ok(Box::new(JsonFileRegistry::new(path)));
    }
    #[cfg(windows)]
    {
        Ok(Box::new(WindowsRegistry))
    }
    #[cfg(not(windows))]
    {
        Err(AdminError::ForeignOsNeedsRoot(env.os))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_registry_round_trip_and_cleanup() {
        let dir = std::env::temp_dir().join(format!("ebid-registry-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("registry.json");
        let mut registry = JsonFileRegistry::new(path.clone());
        assert_eq!(registry.read("HKEY_CURRENT_USER\\A").unwrap(), None);
        registry
            .write("HKEY_CURRENT_USER\\A", "C:\\x.json")
            .unwrap();
        assert_eq!(
            registry.read("HKEY_CURRENT_USER\\A").unwrap().as_deref(),
            Some("C:\\x.json")
        );
        assert!(registry.delete("HKEY_CURRENT_USER\\A").unwrap());
        assert!(!registry.delete("HKEY_CURRENT_USER\\A").unwrap());
        assert!(!path.exists());
        std::fs::remove_dir(&dir).unwrap();
    }
}
