//! The Windows registry values that point browsers at our manifests: the real registry on Windows, or a JSON
//! file (`<root>/registry.json`, key → default value) when laying out files under `--root`.
//!
//! Writing `...\NativeMessagingHosts\jp.ebid.renewal` creates the keys above it that were missing (`Software\Google`,
//! `...\Chrome`, `...\NativeMessagingHosts`); install records those ([`missing_parents`]) and uninstall removes them
//! again once they are empty ([`Registry::delete_if_empty`]), never a key another program still uses.

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
    /// Whether the key exists (with or without values).
    fn exists(&self, key: &str) -> Result<bool, AdminError>;
    /// Removes the key only when it has neither subkeys nor values: a key another program keeps something in
    /// stays.
    fn delete_if_empty(&mut self, key: &str) -> Result<KeyRemoval, AdminError>;
}

/// What [`Registry::delete_if_empty`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRemoval {
    Removed,
    /// It holds subkeys or values, so it stays.
    NotEmpty,
    /// It was not there.
    Absent,
}

/// The keys between `<hive>\Software` and `key` (both excluded), outermost first: the ones writing `key` may
/// create. `Software` itself always exists.
pub fn parents_below_software(key: &str) -> Vec<String> {
    let parts: Vec<&str> = key.split('\\').collect();
    let below_software = parts.len() >= 2 && parts[1].eq_ignore_ascii_case("Software");
    if !below_software {
        return Vec::new();
    }
    (3..parts.len())
        .map(|end| parts[..end].join("\\"))
        .collect()
}

/// Those of [`parents_below_software`] that do not exist yet, outermost first: what writing `key` will create.
pub fn missing_parents(registry: &dyn Registry, key: &str) -> Result<Vec<String>, AdminError> {
    let mut missing = Vec::new();
    for parent in parents_below_software(key) {
        if !missing.is_empty() || !registry.exists(&parent)? {
            missing.push(parent);
        }
    }
    Ok(missing)
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

    /// The file holds keys with a value only: a key exists when it or a key below it has one.
    fn exists(&self, key: &str) -> Result<bool, AdminError> {
        let values = self.load()?;
        Ok(values.contains_key(key) || has_key_below(&values, key))
    }

    /// A key without a value of its own or below it does not exist here, so there is never one to remove.
    fn delete_if_empty(&mut self, key: &str) -> Result<KeyRemoval, AdminError> {
        Ok(if self.exists(key)? {
            KeyRemoval::NotEmpty
        } else {
            KeyRemoval::Absent
        })
    }
}

fn has_key_below(values: &BTreeMap<String, String>, key: &str) -> bool {
    let prefix = format!("{key}\\");
    values.keys().any(|k| k.starts_with(&prefix))
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

    fn exists(&self, key: &str) -> Result<bool, AdminError> {
        let (root, path) = Self::split(key)?;
        match root.open_subkey(path) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Self::error(key, e)),
        }
    }

    fn delete_if_empty(&mut self, key: &str) -> Result<KeyRemoval, AdminError> {
        let (root, path) = Self::split(key)?;
        let info = match root.open_subkey(path) {
            Ok(sub) => sub.query_info().map_err(|e| Self::error(key, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KeyRemoval::Absent),
            Err(e) => return Err(Self::error(key, e)),
        };
        if info.sub_keys > 0 || info.values > 0 {
            return Ok(KeyRemoval::NotEmpty);
        }
        // RegDeleteKeyEx, not RegDeleteTree: it refuses a key that gained a subkey since the look above.
        match root.delete_subkey(path) {
            Ok(()) => Ok(KeyRemoval::Removed),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KeyRemoval::Absent),
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

/// The registry's key tree in memory, with Windows' rules (for tests): writing a value creates the missing keys
/// above it, deleting a key deletes what is below it, names are case-insensitive.
#[cfg(test)]
#[derive(Debug, Default, Clone)]
pub struct MemoryRegistry {
    /// Every key, lower-cased, with its default value if it has one.
    keys: BTreeMap<String, Option<String>>,
}

#[cfg(test)]
impl MemoryRegistry {
    /// A key that is there before the test (a browser's, another host's), with or without a value.
    pub fn with_key(mut self, key: &str, value: Option<&str>) -> Self {
        self.create(key);
        self.keys
            .insert(key.to_lowercase(), value.map(str::to_owned));
        self
    }

    /// Every key, lower-cased, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.keys.keys().cloned().collect()
    }

    fn create(&mut self, key: &str) {
        let parts: Vec<&str> = key.split('\\').collect();
        for end in 2..=parts.len() {
            self.keys
                .entry(parts[..end].join("\\").to_lowercase())
                .or_default();
        }
    }

    fn below(&self, key: &str) -> Vec<String> {
        let prefix = format!("{}\\", key.to_lowercase());
        self.keys
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
impl Registry for MemoryRegistry {
    fn read(&self, key: &str) -> Result<Option<String>, AdminError> {
        Ok(self.keys.get(&key.to_lowercase()).cloned().flatten())
    }

    fn write(&mut self, key: &str, value: &str) -> Result<(), AdminError> {
        self.create(key);
        self.keys.insert(key.to_lowercase(), Some(value.to_owned()));
        Ok(())
    }

    fn delete(&mut self, key: &str) -> Result<bool, AdminError> {
        for below in self.below(key) {
            self.keys.remove(&below);
        }
        Ok(self.keys.remove(&key.to_lowercase()).is_some())
    }

    fn exists(&self, key: &str) -> Result<bool, AdminError> {
        Ok(self.keys.contains_key(&key.to_lowercase()))
    }

    fn delete_if_empty(&mut self, key: &str) -> Result<KeyRemoval, AdminError> {
        Ok(match self.keys.get(&key.to_lowercase()) {
            None => KeyRemoval::Absent,
            Some(Some(_)) => KeyRemoval::NotEmpty,
            Some(None) if !self.below(key).is_empty() => KeyRemoval::NotEmpty,
            Some(None) => {
                self.keys.remove(&key.to_lowercase());
                KeyRemoval::Removed
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_KEY: &str =
        r"HKEY_LOCAL_MACHINE\Software\Google\Chrome\NativeMessagingHosts\jp.ebid.renewal";

    #[test]
    fn the_keys_a_browser_key_may_create_are_those_below_software() {
        assert_eq!(
            parents_below_software(CHROME_KEY),
            [
                r"HKEY_LOCAL_MACHINE\Software\Google",
                r"HKEY_LOCAL_MACHINE\Software\Google\Chrome",
                r"HKEY_LOCAL_MACHINE\Software\Google\Chrome\NativeMessagingHosts",
            ]
        );
        assert!(parents_below_software(r"HKEY_CURRENT_USER\Other\A\B").is_empty());
        // Chrome installed: only the NativeMessagingHosts key is new.
        let registry = MemoryRegistry::default().with_key(
            r"HKEY_LOCAL_MACHINE\Software\Google\Chrome\BLBeacon",
            Some("1"),
        );
        assert_eq!(
            missing_parents(&registry, CHROME_KEY).unwrap(),
            [r"HKEY_LOCAL_MACHINE\Software\Google\Chrome\NativeMessagingHosts"]
        );
    }

    #[test]
    fn only_empty_keys_are_removed() {
        let parent = r"HKEY_LOCAL_MACHINE\Software\Google\Chrome\NativeMessagingHosts";
        let other = format!(r"{parent}\com.example.other");
        let mut registry = MemoryRegistry::default()
            .with_key(&other, Some(r"C:\other.json"))
            .with_key(CHROME_KEY, Some(r"C:\ours.json"));
        assert_eq!(
            registry.delete_if_empty(CHROME_KEY).unwrap(),
            KeyRemoval::NotEmpty
        );
        assert!(registry.delete(CHROME_KEY).unwrap());
        assert_eq!(
            registry.delete_if_empty(parent).unwrap(),
            KeyRemoval::NotEmpty
        );
        assert!(registry.delete(&other).unwrap());
        assert_eq!(
            registry.delete_if_empty(parent).unwrap(),
            KeyRemoval::Removed
        );
        assert_eq!(
            registry.delete_if_empty(parent).unwrap(),
            KeyRemoval::Absent
        );
    }

    #[test]
    fn json_registry_has_keys_only_where_values_are() {
        let dir = tempfile::tempdir().unwrap();
        let mut registry = JsonFileRegistry::new(dir.path().join("registry.json"));
        registry.write(CHROME_KEY, r"C:\x.json").unwrap();
        let parent = r"HKEY_LOCAL_MACHINE\Software\Google\Chrome\NativeMessagingHosts";
        assert!(registry.exists(parent).unwrap());
        assert!(!registry.exists(r"HKEY_LOCAL_MACHINE\Software\Goo").unwrap());
        assert_eq!(
            registry.delete_if_empty(parent).unwrap(),
            KeyRemoval::NotEmpty
        );
        registry.delete(CHROME_KEY).unwrap();
        assert!(!registry.exists(parent).unwrap());
        assert_eq!(
            registry.delete_if_empty(parent).unwrap(),
            KeyRemoval::Absent
        );
    }

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
