//! What can go wrong in `install`, `uninstall` and `doctor`, worded for an IT admin (Japanese, then English).

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::layout::Os;

#[derive(Debug)]
pub enum AdminError {
    /// Bad command line; the text says which flag.
    Usage(String),
    /// `--os` names another OS than this machine's: only allowed into a `--root`.
    ForeignOsNeedsRoot(Os),
    /// A per-user location was needed but neither `--home` nor `$HOME` says where home is.
    NoHome,
    /// The manifest `path` must be absolute on every OS (Chrome refuses relative ones on Linux/macOS).
    HostPathNotAbsolute(String),
    /// This binary's own path could not be found.
    NoCurrentExe(io::Error),
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    Registry {
        key: String,
        detail: String,
    },
}

impl AdminError {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        AdminError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// 2 for a usage error (like most command-line tools), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            AdminError::Usage(_)
            | AdminError::ForeignOsNeedsRoot(_)
            | AdminError::HostPathNotAbsolute(_) => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdminError::Usage(text) => write!(f, "コマンドの指定が正しくありません / usage error: {text}"),
            AdminError::ForeignOsNeedsRoot(os) => write!(
                f,
                "--os {} はこのPCのOSと異なるため --root が必要です / --os {} differs from this machine: \
                 give --root DIR to write the layout into a directory",
                os.name(),
                os.name()
            ),
            AdminError::NoHome => write!(
                f,
                "ホームディレクトリが分かりません。--home で指定してください / cannot tell the home directory: \
                 give --home DIR"
            ),
            AdminError::HostPathNotAbsolute(path) => write!(
                f,
                "--host-path は絶対パスで指定してください / --host-path must be absolute: {path}"
            ),
            AdminError::NoCurrentExe(e) => write!(
                f,
                "ebid-host 自身の場所が分かりません。--host-path で指定してください / cannot find this \
                 program's own path ({e}): give --host-path"
            ),
            AdminError::Io { action, path, source } => {
                write!(
                    f,
                    "{action} に失敗しました / could not {action} {}: {source}",
                    path.display()
                )?;
                if source.kind() == io::ErrorKind::PermissionDenied {
                    write!(
                        f,
                        " — 管理者権限（sudo）で実行してください / run as administrator (sudo) for --system"
                    )?;
                }
                Ok(())
            }
            AdminError::Registry { key, detail } => write!(
                f,
                "レジストリを更新できません / registry update failed for {key}: {detail}"
            ),
        }
    }
}

impl std::error::Error for AdminError {}
