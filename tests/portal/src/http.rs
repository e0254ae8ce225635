//! A finished HTTP answer, independent of the server library.

use crate::html::shift_jis;
use crate::pages::notice;
use crate::refusal::Refusal;

pub const HTML_CONTENT_TYPE: &str = "text/html; charset=Shift_JIS";
/// The renewal endpoints' answers.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

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

    /// An HTML error page for `refusal`, with a link back to `back_to`.
    pub fn refusal_page(refusal: &Refusal, back_to: &str, back_label: &str) -> Reply {
        Reply::page(
            refusal.status(),
            &notice::refusal(refusal, back_to, back_label),
        )
    }

    /// A JSON answer of the renewal endpoints; never cached (challenges).
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![
                ("Content-Type".into(), JSON_CONTENT_TYPE.into()),
                ("Cache-Control".into(), "no-store".into()),
                ("X-Content-Type-Options".into(), "nosniff".into()),
            ],
            body: value.to_string().into_bytes(),
        }
    }

    /// `{"error":{"code","title","message","registration_pointer"}}` with the refusal's status: the same words as
    /// the HTML error page.
    pub fn refusal_json(refusal: &Refusal) -> Reply {
        Reply::json(
            refusal.status(),
            &serde_json::json!({
                "error": {
                    "code": refusal.code(),
                    "title": refusal.title(),
                    "message": refusal.explanation(),
                    "registration_pointer": refusal.needs_new_registration(),
                }
            }),
        )
    }

    pub fn is_html(&self) -> bool {
        self.headers
            .iter()
            .any(|(name, value)| name == "Content-Type" && value == HTML_CONTENT_TYPE)
    }

    pub fn with_header(mut self, name: &str, value: String) -> Reply {
        self.headers.push((name.into(), value));
        self
    }
}
