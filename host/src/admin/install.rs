//! `install` writes one manifest per browser (plus its registry value on Windows); `uninstall` removes exactly
//! what `install` recorded. Both are idempotent: running either twice changes nothing the second time.
//!
//! On Windows the record's `registry_keys` holds the browsers' value keys and the keys above them that writing
//! those created (`Software\Google`, `...\Chrome\NativeMessagingHosts`, ...); uninstall removes the latter once
//! they are empty, so a key another host or the browser itself keeps something in stays.

use std::path::{Path, PathBuf};

use super::environment::Environment;
use super::error::AdminError;
use super::fs_util::{create_dirs, remove_empty_dirs, remove_file_if_present, write_atomically};
use super::layout::{self, Browser, Scope};
use super::manifest;
use super::options::Options;
use super::record::InstallRecord;
use super::windows_registry::{self, KeyRemoval, Registry};

/// The directory `browser` reads for `scope`; a Chrome-family browser started with `--user-data-dir DIR` reads
/// `DIR/NativeMessagingHosts` instead of its default per-user directory.
pub fn manifest_dir(
    env: &Environment,
    user_data_dir: Option<&Path>,
    scope: Scope,
    browser: Browser,
) -> Result<PathBuf, AdminError> {
    match user_data_dir {
        Some(udd) if scope == Scope::User && !browser.is_firefox() => {
            Ok(udd.join("NativeMessagingHosts"))
        }
        _ => env.resolve(layout::manifest_location(env.os, scope, browser).dir),
    }
}

/// The manifest's `path`: `--host-path`, or this program's own location.
pub fn host_path(options: &Options) -> Result<String, AdminError> {
    if let Some(path) = &options.host_path {
        return Ok(path.clone());
    }
    let exe = std::env::current_exe().map_err(AdminError::NoCurrentExe)?;
    // Resolve symlinks (e.g. /usr/local/bin → the real file) on Unix; Windows' canonical form is a `\\?\` path
    // that browsers do not expect in a manifest, and current_exe is already absolute there.
    let exe = if cfg!(unix) {
        std::fs::canonicalize(&exe).unwrap_or(exe)
    } else {
        exe
    };
    exe.into_os_string().into_string().map_err(|_| {
        AdminError::NoCurrentExe(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "path is not UTF-8",
        ))
    })
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn selected(options: &Options) -> Vec<Browser> {
    options
        .browsers
        .clone()
        .unwrap_or_else(|| Browser::ALL.to_vec())
}

fn open_registry(env: &Environment) -> Result<Option<Box<dyn Registry>>, AdminError> {
    if env.os == layout::Os::Windows {
        windows_registry::open(env).map(Some)
    } else {
        Ok(None)
    }
}

/// The opened registry as [`install_with`] and [`uninstall_with`] take it (tests hand them one in memory).
fn borrow(registry: &mut Option<Box<dyn Registry>>) -> Option<&mut dyn Registry> {
    registry.as_mut().map(|r| &mut **r as &mut dyn Registry)
}

/// Writes the manifests; returns one line per action for the admin.
pub fn install(options: &Options, env: &Environment) -> Result<Vec<String>, AdminError> {
    let mut registry = open_registry(env)?;
    install_with(options, env, borrow(&mut registry))
}

/// [`install`] with the registry given (`None` outside Windows).
fn install_with(
    options: &Options,
    env: &Environment,
    mut registry: Option<&mut dyn Registry>,
) -> Result<Vec<String>, AdminError> {
    let scope = options.scopes[0];
    let host = host_path(options)?;
    let record_dir = env.resolve(layout::record_dir(env.os, scope))?;
    let mut record = InstallRecord::load(&record_dir);
    let mut lines = Vec::new();
    let result = (|| {
        for browser in selected(options) {
            let location = layout::manifest_location(env.os, scope, browser);
            let dir = manifest_dir(env, options.user_data_dir.as_deref(), scope, browser)?;
            record.created_dirs.extend(create_dirs(&dir)?);
            let file = dir.join(&location.file_name);
            let content =
                manifest::render(&manifest::build(browser, &host, &options.extension_ids));
            write_atomically(&file, content.as_bytes())?;
            record.manifests.insert(file.clone());
            lines.push(format!(
                "書き込み / wrote: {} → {}",
                browser.display_name(),
                file.display()
            ));
            if let (Some(key), Some(registry)) = (&location.registry_key, registry.as_deref_mut()) {
                let created = windows_registry::missing_parents(registry, key)?;
                registry.write(key, &path_text(&file))?;
                record.registry_keys.insert(key.clone());
                record.registry_keys.extend(created);
                lines.push(format!("登録 / registered: {key} = {}", file.display()));
            }
        }
        Ok(())
    })();
    // Record whatever was written, even when a later browser failed, so uninstall can clean it up.
    let saved = record.save(&record_dir);
    result.and(saved)?;
    Ok(lines)
}

/// Removes our manifests and registry values, then the registry keys and directories `install` created once they
/// are empty.
pub fn uninstall(options: &Options, env: &Environment) -> Result<Vec<String>, AdminError> {
    let mut registry = open_registry(env)?;
    uninstall_with(options, env, borrow(&mut registry))
}

/// [`uninstall`] with the registry given (`None` outside Windows).
fn uninstall_with(
    options: &Options,
    env: &Environment,
    mut registry: Option<&mut dyn Registry>,
) -> Result<Vec<String>, AdminError> {
    let scope = options.scopes[0];
    let record_dir = env.resolve(layout::record_dir(env.os, scope))?;
    let mut record = InstallRecord::load(&record_dir);
    let mut lines = Vec::new();
    for browser in selected(options) {
        let location = layout::manifest_location(env.os, scope, browser);
        let dir = manifest_dir(env, options.user_data_dir.as_deref(), scope, browser)?;
        let file = dir.join(&location.file_name);
        if let (Some(key), Some(registry)) = (&location.registry_key, registry.as_deref_mut()) {
            match registry.read(key)? {
                // Another installation's key (a different manifest file) is not ours to remove.
                Some(value) if value != path_text(&file) => {
                    lines.push(format!(
                        "残しました / left alone (points elsewhere): {key} = {value}"
                    ));
                }
                Some(_) => {
                    registry.delete(key)?;
                    lines.push(format!("削除 / removed: {key}"));
                }
                None => {}
            }
            record.registry_keys.remove(key);
        }
        if remove_file_if_present(&file)? {
            lines.push(format!(
                "削除 / removed: {} → {}",
                browser.display_name(),
                file.display()
            ));
        }
        record.manifests.remove(&file);
    }
    if let Some(registry) = registry {
        lines.extend(remove_created_keys(&mut record, registry, scope)?);
    }
    // Directories we created go once empty; the record's own directory last, and only when nothing else of
    // ours is left (else the record stays, so a later uninstall can finish the job).
    let (record_chain, others): (Vec<PathBuf>, Vec<PathBuf>) = record
        .created_dirs
        .iter()
        .cloned()
        .partition(|d| record_dir.starts_with(d));
    for dir in remove_empty_dirs(&others) {
        record.created_dirs.remove(&dir);
    }
    let others_left = record
        .created_dirs
        .iter()
        .any(|d| !record_dir.starts_with(d));
    if record.is_empty() && !others_left {
        InstallRecord::remove(&record_dir)?;
        remove_empty_dirs(&record_chain);
    } else {
        record.save(&record_dir)?;
    }
    if lines.is_empty() {
        lines.push("削除するものはありませんでした / nothing to remove".to_owned());
    }
    Ok(lines)
}

/// Removes the keys install created above the browsers' keys (the record's keys that are no browser's own),
/// deepest first, each only once it is empty; a key still in use stays in the record for a later uninstall.
fn remove_created_keys(
    record: &mut InstallRecord,
    registry: &mut dyn Registry,
    scope: Scope,
) -> Result<Vec<String>, AdminError> {
    let browser_keys: Vec<String> = Browser::ALL
        .into_iter()
        .map(|browser| layout::registry_key(scope, browser))
        .collect();
    let mut created: Vec<String> = record
        .registry_keys
        .iter()
        .filter(|key| !browser_keys.contains(key))
        .cloned()
        .collect();
    created.sort_by_key(|key| std::cmp::Reverse(key.matches('\\').count()));
    let mut lines = Vec::new();
    for key in created {
        match registry.delete_if_empty(&key)? {
            KeyRemoval::NotEmpty => continue,
            KeyRemoval::Removed => lines.push(format!("削除 / removed: {key}")),
            KeyRemoval::Absent => {}
        }
        record.registry_keys.remove(&key);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::options::Command;
    use crate::admin::windows_registry::MemoryRegistry;

    const HOST: &str = r"C:\Program Files\ebid-host\ebid-host.exe";

    fn options(command: Command, root: &Path) -> Options {
        Options {
            command,
            scopes: vec![Scope::System],
            browsers: None,
            extension_ids: Vec::new(),
            host_path: Some(HOST.to_owned()),
            user_data_dir: None,
            root: Some(root.to_path_buf()),
            home: None,
            os: layout::Os::Windows,
            json: false,
            pkcs11_modules: Vec::new(),
        }
    }

    fn run(command: Command, root: &Path, registry: &mut MemoryRegistry) -> Vec<String> {
        let options = options(command, root);
        let env = Environment::new(layout::Os::Windows, Some(root.to_path_buf()), None).unwrap();
        match command {
            Command::Install => install_with(&options, &env, Some(registry)),
            _ => uninstall_with(&options, &env, Some(registry)),
        }
        .unwrap()
    }

    /// A machine with nothing below `Software` (which Windows always has).
    fn bare_registry() -> MemoryRegistry {
        MemoryRegistry::default().with_key(r"HKEY_LOCAL_MACHINE\Software", None)
    }

    fn is_empty_dir(dir: &Path) -> bool {
        std::fs::read_dir(dir).unwrap().next().is_none()
    }

    /// A Windows machine as install finds it: Microsoft's key, Chrome installed (its key, no hosts), and another
    /// product's host registered for Firefox.
    fn lived_in_registry() -> MemoryRegistry {
        bare_registry()
            .with_key(
                r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion",
                None,
            )
            .with_key(
                r"HKEY_LOCAL_MACHINE\Software\Google\Chrome\BLBeacon",
                Some("1"),
            )
            .with_key(
                r"HKEY_LOCAL_MACHINE\Software\Mozilla\NativeMessagingHosts\org.example.other",
                Some(r"C:\other\other.json"),
            )
    }

    #[test]
    fn uninstall_removes_the_keys_install_created_and_no_other() {
        for before in [bare_registry(), lived_in_registry()] {
            let root = tempfile::tempdir().unwrap();
            let mut registry = before.clone();
            run(Command::Install, root.path(), &mut registry);
            for browser in Browser::ALL {
                let key = layout::registry_key(Scope::System, browser);
                assert!(registry.read(&key).unwrap().is_some(), "{key}");
            }
            let lines = run(Command::Uninstall, root.path(), &mut registry);
            assert_eq!(registry.keys(), before.keys(), "{lines:#?}");
            assert!(is_empty_dir(root.path()), "files left");
        }
    }

    #[test]
    fn a_created_key_another_host_moved_into_stays_until_it_is_empty() {
        let root = tempfile::tempdir().unwrap();
        let mut registry = bare_registry();
        run(Command::Install, root.path(), &mut registry);
        let hosts = r"HKEY_LOCAL_MACHINE\Software\Mozilla\NativeMessagingHosts";
        let other = format!(r"{hosts}\org.example.other");
        registry.write(&other, r"C:\other.json").unwrap();

        run(Command::Uninstall, root.path(), &mut registry);
        assert_eq!(
            registry.keys(),
            [
                r"hkey_local_machine\software",
                r"hkey_local_machine\software\mozilla",
                r"hkey_local_machine\software\mozilla\nativemessaginghosts",
                r"hkey_local_machine\software\mozilla\nativemessaginghosts\org.example.other",
            ]
        );
        // The record stays, naming the keys still to remove.
        assert!(!is_empty_dir(root.path()));

        registry.delete(&other).unwrap();
        let lines = run(Command::Uninstall, root.path(), &mut registry);
        assert!(lines.iter().any(|l| l.ends_with(hosts)), "{lines:?}");
        assert_eq!(registry.keys(), [r"hkey_local_machine\software"]);
        assert!(is_empty_dir(root.path()), "files left");
    }

    #[test]
    fn a_second_install_records_nothing_new() {
        let root = tempfile::tempdir().unwrap();
        let mut registry = bare_registry();
        run(Command::Install, root.path(), &mut registry);
        let record_dir = root.path().join("Program Files").join("ebid-host");
        let first = InstallRecord::load(&record_dir);
        // The four browsers' keys and those above them: vendor, browser and NativeMessagingHosts for Chrome
        // (Google\Chrome) and Edge (Microsoft\Edge), vendor and NativeMessagingHosts for Chromium and Firefox.
        assert_eq!(first.registry_keys.len(), 4 + 3 + 2 + 3 + 2);
        run(Command::Install, root.path(), &mut registry);
        assert_eq!(InstallRecord::load(&record_dir), first);
    }
}
