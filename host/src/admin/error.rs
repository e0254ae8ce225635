//! What can go wrong in `install`, `uninstall` and `doctor`, worded for an IT admin (Japanese, then English).

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use super::layout::Os;

#[derive(Debug, Error)]
pub enum AdminError {
    /// Bad command line; the text says which flag.
    #[error("コマンドの指定が正しくありません / usage error: {0}")]
    Usage(String),
    /// `--os` names another OS than this machine's: only allowed into a `--root`.
    #[error(
        "--os {os} はこのPCのOSと異なるため --root が必要です / --os {os} differs from this machine: \
         give --root DIR to write the layout into a directory",
        os = .0.name()
    )]
    ForeignOsNeedsRoot(Os),
    /// A per-user location was needed but neither `--home` nor `$HOME` says where home is.
    #[error(
        "ホームディレクトリが分かりません。--home で指定してください / cannot tell the home directory: \
         give --home DIR"
    )]
    NoHome,
    /// The manifest `path` must be absolute on every OS (Chrome refuses relative ones on Linux/macOS).
    #[error("--host-path は絶対パスで指定してください / --host-path must be absolute: {0}")]
    HostPathNotAbsolute(String),
    /// This binary's own path could not be found.
    #[error(
        "ebid-host 自身の場所が分かりません。--host-path で指定してください / cannot find this \
         program's own path ({0}): give --host-path"
    )]
    NoCurrentExe(io::Error),
    #[error(
        "{action} に失敗しました / could not {action} {}: {source}{}",
        .path.display(),
        permission_hint(.source)
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("レジストリを更新できません / registry update failed for {key}: {detail}")]
    Registry { key: String, detail: String },
}

/// What to do about a refused write: most often `--system` without administrator rights.
fn permission_hint(source: &io::Error) -> &'static str {
    if source.kind() == io::ErrorKind::PermissionDenied {
        " — 管理者権限（sudo）で実行してください / run as administrator (sudo) for --system"
    } else {
        ""
    }
}

/// Clap's parse errors are usage errors; its text (without the `error: ` it starts with) says what is wrong and
/// ends with the subcommand's usage line.
impl From<clap::Error> for AdminError {
    fn from(e: clap::Error) -> Self {
        let rendered = e.to_string();
        let text = rendered.trim_end();
        AdminError::Usage(text.strip_prefix("error: ").unwrap_or(text).to_owned())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_bilingual_and_name_the_flag() {
        assert_eq!(
            AdminError::ForeignOsNeedsRoot(Os::Windows).to_string(),
            "--os windows はこのPCのOSと異なるため --root が必要です / --os windows differs from this machine: \
             give --root DIR to write the layout into a directory"
        );
        let denied = AdminError::io(
            "write",
            "/etc/x.json",
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        let text = denied.to_string();
        assert!(
            text.starts_with("write に失敗しました / could not write /etc/x.json: "),
            "{text}"
        );
        assert!(
            text.ends_with("run as administrator (sudo) for --system"),
            "{text}"
        );
        let missing = AdminError::io("read", "/x", io::Error::from(io::ErrorKind::NotFound));
        assert!(!missing.to_string().contains("sudo"));
        assert_eq!(AdminError::Usage("x".into()).exit_code(), 2);
        assert_eq!(AdminError::NoHome.exit_code(), 1);
    }
}
