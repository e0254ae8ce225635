//! A finished HTTP answer, independent of the server library.

use crate::html::shift_jis;
use crate::pages::notice;

pub const HTML_CONTENT_TYPE: &str = "text/html; charset=Shift_JIS";

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// A page, encoded to Shift_JIS; never cached (pages carry challenges and personal data).
    pub fn page(status: u16, html: &str) -> Reply {
        Reply {
            status,
            headers: vec![
                ("Content-Type".into(), HTML_CONTENT_TYPE.into()),
                ("Cache-Control".into(), "no-store".into()),
            ],
            body: shift_jis(html),
        }
    }

    pub fn redirect(location: &str) -> Reply {
        Reply {
            status: 302,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
        }
    }

    pub fn message(status: u16, title: &str, text: &str) -> Reply {
        Reply::page(status, &notice::message(title, text))
    }

    pub fn with_header(mut self, name: &str, value: String) -> Reply {
        self.headers.push((name.into(), value));
        self
    }
}
