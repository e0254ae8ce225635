//! Turns a [`Place`] into a real path: on this machine, or inside a `--root` directory that stands in for one
//! (tests, packaging, and laying out another OS's files for inspection).

use std::path::{Path, PathBuf};

use super::error::AdminError;
use super::layout::{Base, Os, Place};

#[derive(Debug, Clone)]
pub struct Environment {
    pub os: Os,
    /// Everything is written below this directory instead of the machine's real locations.
    pub root: Option<PathBuf>,
    home: Option<PathBuf>,
    windows_dirs: WindowsDirs,
}

#[derive(Debug, Clone)]
struct WindowsDirs {
    program_files: PathBuf,
    program_files_x86: PathBuf,
    local_app_data: Option<PathBuf>,
    app_data: Option<PathBuf>,
}

impl Environment {
    /// `home` defaults to `$HOME` (`%USERPROFILE%` on Windows), or `<root>/home` under a root so tests never
    /// touch the real home.
    pub fn new(
        os: Os,
        root: Option<PathBuf>,
        home: Option<PathBuf>,
    ) -> Result<Environment, AdminError> {
        if root.is_none() && Os::current() != Some(os) {
            return Err(AdminError::ForeignOsNeedsRoot(os));
        }
        let home = home.or_else(|| match &root {
            Some(root) => Some(root.join("home")),
            None => home_from_env(os),
        });
        let windows_dirs = match &root {
            Some(root) => WindowsDirs {
                program_files: root.join("Program Files"),
                program_files_x86: root.join("Program Files (x86)"),
                local_app_data: home.as_ref().map(|h| h.join("AppData").join("Local")),
                app_data: home.as_ref().map(|h| h.join("AppData").join("Roaming")),
            },
            None => WindowsDirs {
                program_files: env_path("ProgramFiles")
                    .unwrap_or_else(|| PathBuf::from(r"C:\Program Files")),
                program_files_x86: env_path("ProgramFiles(x86)")
                    .unwrap_or_else(|| PathBuf::from(r"C:\Program Files (x86)")),
                local_app_data: env_path("LOCALAPPDATA"),
                app_data: env_path("APPDATA"),
            },
        };
        Ok(Environment {
            os,
            root,
            home,
            windows_dirs,
        })
    }

    /// Registry writes go to a JSON file under the root instead of the real registry.
    pub fn emulated_registry_file(&self) -> Option<PathBuf> {
        self.root.as_ref().map(|root| root.join("registry.json"))
    }

    pub fn resolve(&self, place: Place) -> Result<PathBuf, AdminError> {
        let base = match place.base {
            Base::Root => match &self.root {
                Some(root) => root.clone(),
                None => PathBuf::from("/"),
            },
            Base::Home => self.home.clone().ok_or(AdminError::NoHome)?,
            Base::ProgramFiles => self.windows_dirs.program_files.clone(),
            Base::ProgramFilesX86 => self.windows_dirs.program_files_x86.clone(),
            Base::LocalAppData => self
                .windows_dirs
                .local_app_data
                .clone()
                .ok_or(AdminError::NoHome)?,
            Base::AppData => self
                .windows_dirs
                .app_data
                .clone()
                .ok_or(AdminError::NoHome)?,
        };
        Ok(join_relative(&base, place.relative))
    }
}

/// Joins a `/`-separated relative path component by component, so Windows paths get `\`.
pub fn join_relative(base: &Path, relative: &str) -> PathBuf {
    relative
        .split('/')
        .filter(|part| !part.is_empty())
        .fold(base.to_path_buf(), |path, part| path.join(part))
}

fn home_from_env(os: Os) -> Option<PathBuf> {
    match os {
        Os::Windows => env_path("USERPROFILE"),
        _ => env_path("HOME"),
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Whether `path` is absolute for `os` (which may not be the OS this runs on).
pub fn is_absolute_for(os: Os, path: &str) -> bool {
    match os {
        Os::Windows => {
            let bytes = path.as_bytes();
            let drive = bytes.len() >= 3
                && bytes[0].is_ascii_alphabetic()
                && bytes[1] == b':'
                && (bytes[2] == b'\\' || bytes[2] == b'/');
            drive || path.starts_with(r"\\")
        }
        Os::Linux | Os::Macos => path.starts_with('/'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_rebases_every_base() {
        let env = Environment::new(Os::Windows, Some(PathBuf::from("/t")), None).unwrap();
        let place = Place {
            base: Base::LocalAppData,
            relative: "ebid-host",
        };
        assert_eq!(
            env.resolve(place).unwrap(),
            PathBuf::from("/t/home/AppData/Local/ebid-host")
        );
        let place = Place {
            base: Base::ProgramFiles,
            relative: "ebid-host",
        };
        assert_eq!(
            env.resolve(place).unwrap(),
            PathBuf::from("/t/Program Files/ebid-host")
        );
    }

    #[test]
    fn foreign_os_needs_a_root() {
        let other = if Os::current() == Some(Os::Windows) {
            Os::Linux
        } else {
            Os::Windows
        };
        assert!(matches!(
            Environment::new(other, None, None),
            Err(AdminError::ForeignOsNeedsRoot(_))
        ));
    }

    #[test]
    fn absolute_paths_per_os() {
        assert!(is_absolute_for(
            Os::Windows,
            r"C:\Program Files\ebid-host\ebid-host.exe"
        ));
        assert!(!is_absolute_for(Os::Windows, r"ebid-host.exe"));
        assert!(is_absolute_for(Os::Linux, "/usr/bin/ebid-host"));
        assert!(!is_absolute_for(Os::Macos, "ebid-host"));
    }
}
