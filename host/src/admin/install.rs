//! `install` writes one manifest per browser (plus its registry value on Windows); `uninstall` removes exactly
//! what `install` recorded. Both are idempotent: running either twice changes nothing the second time.

use std::path::{Path, PathBuf};

use super::environment::Environment;
use super::error::AdminError;
use super::fs_util::{create_dirs, remove_empty_dirs, remove_file_if_present, write_atomically};
use super::layout::{self, Browser, Scope};
use super::manifest;
use super::options::Options;
use super::record::InstallRecord;
use super::windows_registry::{self, Registry};

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

/// Writes the manifests; returns one line per action for the admin.
pub fn install(options: &Options, env: &Environment) -> Result<Vec<String>, AdminError> {
    let scope = options.scopes[0];
    let host = host_path(options)?;
    let record_dir = env.resolve(layout::record_dir(env.os, scope))?;
    let mut record = InstallRecord::load(&record_dir);
    let mut registry = open_registry(env)?;
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
            if let (Some(key), Some(registry)) = (&location.registry_key, registry.as_mut()) {
                registry.write(key, &path_text(&file))?;
                record.registry_keys.insert(key.clone());
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

/// Removes our manifests and registry values, then the directories `install` created once they are empty.
pub fn uninstall(options: &Options, env: &Environment) -> Result<Vec<String>, AdminError> {
    let scope = options.scopes[0];
    let record_dir = env.resolve(layout::record_dir(env.os, scope))?;
    let mut record = InstallRecord::load(&record_dir);
    let mut registry = open_registry(env)?;
    let mut lines = Vec::new();
    for browser in selected(options) {
        let location = layout::manifest_location(env.os, scope, browser);
        let dir = manifest_dir(env, options.user_data_dir.as_deref(), scope, browser)?;
        let file = dir.join(&location.file_name);
        if let (Some(key), Some(registry)) = (&location.registry_key, registry.as_mut()) {
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
