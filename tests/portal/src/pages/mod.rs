//! The replica's screens, as HTML strings (encoded to Shift_JIS by the server).

pub mod admin;
pub mod admin_registrations;
pub mod change_confirm;
pub mod change_done;
pub mod change_input;
pub mod contact_form;
pub mod contact_screens;
pub mod facts_tables;
pub mod frames;
pub mod login;
pub mod login_result;
pub mod menu;
pub mod notice;
pub mod regist_confirm;
pub mod regist_done;
pub mod regist_input;
pub mod regist_search;
pub mod renewal;
pub mod review_table;

use crate::html::escape;

/// The blue title bar each main-frame screen starts with.
fn title_bar(title: &str) -> String {
    format!(
        "<table width=\"100%\" border=\"0\" cellspacing=\"0\" cellpadding=\"4\">\n\
<tr><td class=\"title\" style=\"border-bottom: 2px solid #003399;\">{}</td></tr>\n</table>\n<br>\n",
        escape(title)
    )
}
