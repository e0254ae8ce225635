//! 代表窓口情報 and ICカード利用部署情報: the contact data 登録 asks for and 変更 edits, their form fields and the
//! validation the input screens apply (required, length caps, phone digits/hyphens, e-mail shape).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::form::Form;

/// One contact window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// 連絡先名称（部署名）
    pub section: String,
    /// 連絡先氏名
    pub name: String,
    /// 連絡先住所
    pub address: String,
    /// 連絡先電話番号
    pub phone: String,
    /// 連絡先E-mail
    pub email: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contacts {
    /// 代表窓口情報
    pub representative: Contact,
    /// ICカード利用部署情報
    pub department: Contact,
}

/// Form field names of the 利用者登録画面 / 利用者変更画面 (the same on both).
pub mod fields {
    pub const REP_SECTION: &str = "repSection";
    pub const REP_NAME: &str = "repName";
    pub const REP_ADDRESS: &str = "repAddress";
    pub const REP_PHONE: &str = "repPhone";
    pub const REP_EMAIL: &str = "repEmail";
    pub const DEPT_SECTION: &str = "deptSection";
    pub const DEPT_NAME: &str = "deptName";
    pub const DEPT_ADDRESS: &str = "deptAddress";
    pub const DEPT_PHONE: &str = "deptPhone";
    pub const DEPT_EMAIL: &str = "deptEmail";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Representative,
    Department,
}

impl Window {
    pub const ALL: [Window; 2] = [Window::Representative, Window::Department];

    pub fn heading(self) -> &'static str {
        match self {
            Window::Representative => "代表窓口情報",
            Window::Department => "ICカード利用部署情報",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Section,
    Name,
    Address,
    Phone,
    Email,
}

impl Part {
    pub const ALL: [Part; 5] = [
        Part::Section,
        Part::Name,
        Part::Address,
        Part::Phone,
        Part::Email,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Part::Section => "連絡先名称（部署名）",
            Part::Name => "連絡先氏名",
            Part::Address => "連絡先住所",
            Part::Phone => "連絡先電話番号",
            Part::Email => "連絡先E-mail",
        }
    }

    /// Length cap in characters (the core system's column sizes are of this order).
    pub fn max_chars(self) -> usize {
        match self {
            Part::Section => 60,
            Part::Name => 40,
            Part::Address => 120,
            Part::Phone => 20,
            Part::Email => 100,
        }
    }
}

/// The form field of `part` in `window`.
pub fn field_name(window: Window, part: Part) -> &'static str {
    use fields::*;
    match (window, part) {
        (Window::Representative, Part::Section) => REP_SECTION,
        (Window::Representative, Part::Name) => REP_NAME,
        (Window::Representative, Part::Address) => REP_ADDRESS,
        (Window::Representative, Part::Phone) => REP_PHONE,
        (Window::Representative, Part::Email) => REP_EMAIL,
        (Window::Department, Part::Section) => DEPT_SECTION,
        (Window::Department, Part::Name) => DEPT_NAME,
        (Window::Department, Part::Address) => DEPT_ADDRESS,
        (Window::Department, Part::Phone) => DEPT_PHONE,
        (Window::Department, Part::Email) => DEPT_EMAIL,
    }
}

/// A message per field name, for the fields that failed validation.
pub type FieldErrors = BTreeMap<&'static str, String>;

impl Contact {
    pub fn get(&self, part: Part) -> &str {
        match part {
            Part::Section => &self.section,
            Part::Name => &self.name,
            Part::Address => &self.address,
            Part::Phone => &self.phone,
            Part::Email => &self.email,
        }
    }

    fn get_mut(&mut self, part: Part) -> &mut String {
        match part {
            Part::Section => &mut self.section,
            Part::Name => &mut self.name,
            Part::Address => &mut self.address,
            Part::Phone => &mut self.phone,
            Part::Email => &mut self.email,
        }
    }
}

impl Contacts {
    pub fn window(&self, window: Window) -> &Contact {
        match window {
            Window::Representative => &self.representative,
            Window::Department => &self.department,
        }
    }

    /// The ten fields as posted, trimmed (missing ones empty).
    pub fn from_form(form: &Form) -> Contacts {
        let mut contacts = Contacts::default();
        for window in Window::ALL {
            for part in Part::ALL {
                let value = form.get(field_name(window, part)).unwrap_or("").trim();
                let contact = match window {
                    Window::Representative => &mut contacts.representative,
                    Window::Department => &mut contacts.department,
                };
                *contact.get_mut(part) = value.to_string();
            }
        }
        contacts
    }

    /// Every field's problem, in Japanese; empty when the contacts may be saved.
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for window in Window::ALL {
            for part in Part::ALL {
                let value = self.window(window).get(part);
                if let Some(problem) = problem(part, value) {
                    errors.insert(field_name(window, part), problem);
                }
            }
        }
        errors
    }

    /// Where the portal's mails go: both windows' addresses, each once.
    pub fn mail_addresses(&self) -> Vec<String> {
        let mut addresses = vec![self.representative.email.clone()];
        if self.department.email != self.representative.email {
            addresses.push(self.department.email.clone());
        }
        addresses.retain(|a| !a.is_empty());
        addresses
    }
}

fn problem(part: Part, value: &str) -> Option<String> {
    let label = part.label();
    if value.is_empty() {
        return Some(format!("{label}を入力してください。"));
    }
    if value.chars().count() > part.max_chars() || value.chars().any(char::is_control) {
        return Some(format!(
            "{label}は{}文字以内で入力してください。",
            part.max_chars()
        ));
    }
    match part {
        Part::Phone if !is_phone(value) => Some(format!(
            "{label}は半角数字とハイフン（-）で入力してください。"
        )),
        Part::Email if !is_email(value) => Some(format!(
            "{label}の形式が正しくありません（例：keiyaku@example.jp）。"
        )),
        _ => None,
    }
}

fn is_phone(value: &str) -> bool {
    value.chars().all(|c| c.is_ascii_digit() || c == '-')
        && value.chars().filter(char::is_ascii_digit).count() >= 6
        && !value.starts_with('-')
        && !value.ends_with('-')
}

/// `local@domain.tld` in printable ASCII without spaces.
fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let printable = |s: &str| s.chars().all(|c| c.is_ascii_graphic() && c != '@');
    !local.is_empty()
        && printable(local)
        && printable(domain)
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_and_email_shapes() {
        assert!(is_phone("011-211-2111"));
        assert!(!is_phone("011-211-2111（代）"));
        assert!(!is_phone("-0112112111"));
        assert!(!is_phone("12-3"));
        assert!(is_email("keiyaku@test-kensetsu.example.jp"));
        assert!(!is_email("keiyaku@localhost"));
        assert!(!is_email("kei yaku@example.jp"));
        assert!(!is_email("a@b@example.jp"));
        assert!(!is_email("a@example..jp"));
    }

    #[test]
    fn every_empty_field_is_named() {
        let errors = Contacts::default().validate();
        assert_eq!(errors.len(), 10);
        assert_eq!(
            errors.get(fields::DEPT_PHONE).map(String::as_str),
            Some("連絡先電話番号を入力してください。")
        );
    }
}
