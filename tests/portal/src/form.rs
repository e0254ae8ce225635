//! `application/x-www-form-urlencoded` bodies as IE-era pages (Shift_JIS) and modern scripts (UTF-8) send them.
//! Each value is percent-decoded to bytes, then read as UTF-8 when valid and as Shift_JIS otherwise; the fields the
//! extension fills are ASCII base64, so either way they arrive intact.

use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Form {
    fields: HashMap<String, String>,
}

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        let mut fields = HashMap::new();
        for pair in body.split(|&b| b == b'&') {
            if pair.is_empty() {
                continue;
            }
            let mut parts = pair.splitn(2, |&b| b == b'=');
            let name = decode_component(parts.next().unwrap_or_default());
            let value = decode_component(parts.next().unwrap_or_default());
            // The first occurrence wins, like most servlet containers' getParameter.
            fields.entry(name).or_insert(value);
        }
        Form { fields }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

fn decode_component(raw: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' if i + 2 < raw.len() && hex(raw[i + 1]).is_some() && hex(raw[i + 2]).is_some() => {
                bytes.push(hex(raw[i + 1]).unwrap_or(0) * 16 + hex(raw[i + 2]).unwrap_or(0));
                i += 2;
            }
            other => bytes.push(other),
        }
        i += 1;
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => encoding_rs::SHIFT_JIS.decode(e.as_bytes()).0.into_owned(),
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_shift_jis_and_garbage() {
        let form =
            Form::parse(b"a=%2B%2F8%3D&b=%E6%9B%B4%E6%96%B0&c=%8DX%90V&d=%&e=%4&a=second&=x&f");
        assert_eq!(form.get("a"), Some("+/8="));
        assert_eq!(form.get("b"), Some("更新"));
        assert_eq!(form.get("c"), Some("更新"));
        assert_eq!(form.get("d"), Some("%"));
        assert_eq!(form.get("e"), Some("%4"));
        assert_eq!(form.get("f"), Some(""));
    }
}
