//! File-system steps with the guarantees install/uninstall need: whole files or none, readable by every user
//! (browsers run as the user, the files may be written by root), and a list of the directories we created.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::AdminError;

/// Writes `bytes` to `path` through a temporary file and a rename, so a browser never reads half a manifest.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), AdminError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{file_name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        set_world_readable(&temp)?;
        std::fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        AdminError::io("write", path, e)
    })
}

#[cfg(unix)]
fn set_world_readable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_world_readable(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Creates `dir` and its missing parents; returns the directories that did not exist before, outermost first.
pub fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>, AdminError> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    let mut created = Vec::new();
    for d in missing.into_iter().rev() {
        match std::fs::create_dir(&d) {
            Ok(()) => {
                set_dir_permissions(&d);
                created.push(d);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(AdminError::io("create directory", &d, e)),
        }
    }
    Ok(created)
}

#[cfg(unix)]
fn set_dir_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // A restrictive umask must not hide the manifests from browsers running as other users.
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
}

#[cfg(not(unix))]
fn set_dir_permissions(_dir: &Path) {}

/// Removes the file; `false` when it was not there.
pub fn remove_file_if_present(path: &Path) -> Result<bool, AdminError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(AdminError::io("remove", path, e)),
    }
}

/// Removes those of `dirs` that are empty, deepest first, so a chain we created disappears whole. Returns the
/// ones removed; non-empty or vanished directories are left alone.
pub fn remove_empty_dirs(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut sorted: Vec<&PathBuf> = dirs.iter().collect();
    sorted.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    sorted
        .into_iter()
        .filter(|d| is_empty_dir(d) && std::fs::remove_dir(d).is_ok())
        .cloned()
        .collect()
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(false)
}
