//! The replica's screens, as HTML strings (encoded to Shift_JIS by the server).

pub mod admin;
pub mod frames;
pub mod login;
pub mod menu;
pub mod notice;
pub mod renewal;

use crate::html::escape;

/// The blue title bar each main-frame screen starts with.
fn title_bar(title: &str) -> String {
    format!(
        "<table width=\"100%\" border=\"0\" cellspacing=\"0\" cellpadding=\"4\">\n\
<tr><td class=\"title\" style=\"border-bottom: 2px solid #003399;\">{}</td></tr>\n</table>\n<br>\n",
        escape(title)
    )
}
