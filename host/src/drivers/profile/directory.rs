//! Where card profiles come from: every `*.toml` in one directory, `/etc/ebid-host/profiles` or the one
//! `EBID_HOST_PROFILE_DIR` names.

use std::path::{Path, PathBuf};

use super::{Profile, ProfileError};

/// Directory of admin profiles when [`PROFILE_DIR_ENV`] is not set.
pub const SYSTEM_PROFILE_DIR: &str = "/etc/ebid-host/profiles";
/// Environment variable naming another profile directory.
pub const PROFILE_DIR_ENV: &str = "EBID_HOST_PROFILE_DIR";

/// Every `*.toml` in `$EBID_HOST_PROFILE_DIR` (or [`SYSTEM_PROFILE_DIR`]). Unreadable or invalid files are
/// skipped with a warning.
pub fn load_profiles() -> Vec<Profile> {
    let dir = std::env::var_os(PROFILE_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(SYSTEM_PROFILE_DIR));
    load_profiles_from(&dir)
}

/// [`load_profiles`] with an explicit directory (a missing directory just means no profiles), in file-name order.
/// A file whose profile name an earlier file already used is skipped.
pub fn load_profiles_from(dir: &Path) -> Vec<Profile> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            log::warn!("card profile directory {}: {e}", dir.display());
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml") && path.is_file())
        .collect();
    paths.sort();
    let mut profiles: Vec<Profile> = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| ProfileError {
                file: shown.clone(),
                reason: e.to_string(),
            })
            .and_then(|text| Profile::from_toml(&shown, &text));
        match parsed {
            Ok(p) if profiles.iter().any(|q| q.name == p.name) => {
                log::warn!(
                    "card profile {shown}: name {} already used by another file, skipped",
                    p.name
                );
            }
            Ok(p) => profiles.push(p),
            Err(e) => log::warn!("{e} (skipped)"),
        }
    }
    profiles
}

#[cfg(test)]
mod tests {
    use super::super::EXAMPLE;
    use super::*;

    fn scratch_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ebid-profiles-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn directory_profiles_load_and_bad_ones_are_skipped() {
        let dir = scratch_dir("load");
        std::fs::write(dir.join("ebid-test-ca.toml"), EXAMPLE).unwrap();
        let good = EXAMPLE.replacen("ebid-test-ca", "other-ca", 1);
        std::fs::write(dir.join("other.toml"), good).unwrap();
        std::fs::write(dir.join("broken.toml"), "name = [").unwrap();
        std::fs::write(dir.join("binary.toml"), [0xFF, 0xFE, 0x00]).unwrap();
        std::fs::write(dir.join("ignored.txt"), "not a profile").unwrap();
        let same_name = EXAMPLE.replacen("min = 4", "min = 5", 1);
        std::fs::write(dir.join("same-name.toml"), same_name).unwrap();
        let profiles = load_profiles_from(&dir);
        let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["ebid-test-ca", "other-ca"]);
        assert_eq!(
            profiles[0].pin.min_length, 4,
            "the first file with a name wins; a later one with the same name is skipped"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_directory_means_no_profiles() {
        // Nothing is built in: without a profile directory only JPKI (a driver in code) is known.
        let profiles = load_profiles_from(Path::new("/nonexistent/ebid/profiles"));
        assert!(profiles.is_empty());
    }

    #[test]
    fn environment_names_the_directory() {
        let dir = scratch_dir("env");
        std::fs::write(dir.join("ebid-test-ca.toml"), EXAMPLE).unwrap();
        let good = EXAMPLE.replacen("ebid-test-ca", "env-ca", 1);
        std::fs::write(dir.join("env.toml"), good).unwrap();
        // The only test in this crate that sets this variable.
        std::env::set_var(PROFILE_DIR_ENV, &dir);
        let names: Vec<String> = load_profiles().into_iter().map(|p| p.name).collect();
        std::env::remove_var(PROFILE_DIR_ENV);
        assert_eq!(names, ["ebid-test-ca", "env-ca"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
