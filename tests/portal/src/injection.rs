//! Test fixture for security tests: an HTML-injection bug on the portal (think of a notice field the real portal
//! shows unescaped). When `<data_dir>/injected.html` exists, its bytes (read as UTF-8 on every request) are placed
//! raw — unescaped — into the 利用者登録メニュー画面 inside `<div id="injected">`, just before the genuine form
//! `frmRenew`. The extension must not let anything there choose a challenge or where card data goes.

use std::path::Path;

/// Name of the fixture file in the data directory.
pub const FILE_NAME: &str = "injected.html";

/// The injected markup, if the fixture file exists (invalid UTF-8 is replaced, not refused).
pub fn read(data_dir: &Path) -> Option<String> {
    std::fs::read(data_dir.join(FILE_NAME))
        .ok()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}
