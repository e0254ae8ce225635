//! `manifest.<browser>`: the manifest the browser uses exists, parses, is ours, and points at this ebid-host.

use std::path::Path;

use ebid_protocol::HOST_NAME;

use crate::admin::environment::{is_absolute_for, Environment};
use crate::admin::install::host_path;
use crate::admin::layout::{Browser, Os, Scope};
use crate::admin::manifest::HostManifest;
use crate::admin::options::Options;
use crate::admin::windows_registry::Registry;

use super::browsers::reinstall;
use super::check::Check;
use super::manifest_lookup::{find_manifest, Found};
use super::text::{Problem, Text};

/// The check, and the manifest when it is sound (for the extension check that follows).
pub fn manifest_check(
    options: &Options,
    env: &Environment,
    registry: Option<&dyn Registry>,
    browser: Browser,
) -> (Check, Option<HostManifest>) {
    let id = format!("manifest.{}", browser.name());
    let name = browser.display_name();
    let default_scope = if options.scopes.contains(&Scope::System) {
        Scope::System
    } else {
        Scope::User
    };
    let fail = |message: Text, scope: Scope| {
        let check = Check::fail(id.clone(), message, reinstall(env.os, browser, scope));
        (check, None)
    };
    let (path, scope) = match find_manifest(options, env, registry, browser) {
        Ok(Found::File { path, scope }) => (path, scope),
        Ok(Found::Dangling { key, value }) => {
            let message = Text::RegistryDangling {
                browser: name,
                key,
                value,
            };
            return fail(message, default_scope);
        }
        Ok(Found::Nothing) => return fail(Text::ManifestMissing { browser: name }, default_scope),
        Err(e) => return fail(Text::Same(e.to_string()), default_scope),
    };
    let shown = path.display().to_string();
    let manifest: HostManifest = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(manifest) => manifest,
        Err(error) => {
            let message = Text::ManifestUnreadable {
                browser: name,
                path: shown,
                error,
            };
            return fail(message, scope);
        }
    };
    if let Some(problem) = manifest_problem(&manifest, options, env) {
        let message = Text::ManifestWrong {
            browser: name,
            path: shown,
            problem,
        };
        return fail(message, scope);
    }
    let message = Text::ManifestOk {
        browser: name,
        path: shown,
        host: manifest.path.clone(),
    };
    (Check::pass(id, message), Some(manifest))
}

/// What is wrong with a manifest that parsed, if anything.
fn manifest_problem(
    manifest: &HostManifest,
    options: &Options,
    env: &Environment,
) -> Option<Problem> {
    if manifest.name != HOST_NAME {
        return Some(Problem::Name(manifest.name.clone()));
    }
    if manifest.kind != "stdio" {
        return Some(Problem::Kind(manifest.kind.clone()));
    }
    if !is_absolute_for(env.os, &manifest.path) {
        return Some(Problem::PathNotAbsolute(manifest.path.clone()));
    }
    let on_this_os = Os::current() == Some(env.os);
    if on_this_os {
        let target = Path::new(&manifest.path);
        if !target.is_file() {
            return Some(Problem::TargetMissing(manifest.path.clone()));
        }
        if !is_executable(target) {
            return Some(Problem::NotExecutable(manifest.path.clone()));
        }
    }
    let this_host = host_path(options).ok()?;
    let same = if on_this_os {
        same_file(&manifest.path, &this_host)
    } else {
        manifest.path == this_host
    };
    if !same {
        return Some(Problem::OtherHost {
            path: manifest.path.clone(),
            this_host,
        });
    }
    None
}

fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}
