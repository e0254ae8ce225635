//! The browser end of the chain: which browsers to look at, and for each its manifest
//! ([`super::manifest_check`]) and whether that manifest lets our extension in.

use crate::admin::environment::Environment;
use crate::admin::extension_ids::{CHROME_EXTENSION_ID, FIREFOX_EXTENSION_ID};
use crate::admin::layout::{self, Browser, Os, Scope};
use crate::admin::manifest::{self, HostManifest};
use crate::admin::options::Options;

use super::check::Check;
use super::manifest_check::manifest_check;
use super::text::Text;
use super::windows_lookup;

/// `manifest.<browser>` and, when the manifest is sound, `extension.<browser>` for each browser asked for
/// (`--browser`) or found installed.
pub fn browser_checks(options: &Options, env: &Environment) -> Vec<Check> {
    let browsers: Vec<Browser> = match &options.browsers {
        Some(list) => list.clone(),
        None => Browser::ALL
            .into_iter()
            .filter(|b| is_installed(env, *b))
            .collect(),
    };
    if browsers.is_empty() {
        return vec![Check::fail(
            "browsers",
            Text::NoBrowser,
            Text::InstallBrowser,
        )];
    }
    let registry = windows_lookup::open(env);
    let mut checks = Vec::new();
    for browser in browsers {
        let (check, manifest) = manifest_check(options, env, registry.as_deref(), browser);
        checks.push(check);
        if let Some(manifest) = manifest {
            checks.push(extension_check(browser, &manifest, options.os));
        }
    }
    checks
}

/// A browser counts as installed when its program or a profile directory of this user exists.
pub fn is_installed(env: &Environment, browser: Browser) -> bool {
    layout::presence_places(env.os, browser)
        .iter()
        .filter_map(|place| env.resolve(*place).ok())
        .any(|path| path.exists())
}

/// The fix for a missing or wrong manifest: the install command for this browser and scope.
pub(super) fn reinstall(os: Os, browser: Browser, scope: Scope) -> Text {
    let scope = scope.name();
    let browser = browser.name();
    let command = match os {
        Os::Windows => format!("ebid-host.exe install --{scope} --browser {browser}"),
        _ if scope == "system" => format!("sudo ebid-host install --system --browser {browser}"),
        _ => format!("ebid-host install --{scope} --browser {browser}"),
    };
    Text::Reinstall { command }
}

fn extension_check(browser: Browser, manifest: &HostManifest, os: Os) -> Check {
    let id = format!("extension.{}", browser.name());
    let extension = if browser.is_firefox() {
        FIREFOX_EXTENSION_ID.to_owned()
    } else {
        manifest::chrome_origin(CHROME_EXTENSION_ID)
    };
    let browser_name = browser.display_name();
    if manifest::allows_our_extension(manifest, browser) {
        return Check::pass(
            id,
            Text::ExtensionAllowed {
                browser: browser_name,
                extension,
            },
        );
    }
    let field = if browser.is_firefox() {
        "allowed_extensions"
    } else {
        "allowed_origins"
    };
    Check::fail(
        id,
        Text::ExtensionMissing {
            browser: browser_name,
            field,
            extension,
        },
        reinstall(os, browser, Scope::System),
    )
}
