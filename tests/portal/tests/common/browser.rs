//! A browser with one cookie jar as the tests need it: plain HTTP/1.1 to the portal on 127.0.0.1, Shift_JIS pages
//! decoded, JSON answers parsed.

use std::io::{Read, Write};
use std::net::TcpStream;

use replica_portal::{paths, RunningPortal};

pub struct Page {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub raw: Vec<u8>,
    /// Body decoded from Shift_JIS.
    pub html: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The page's text without tags, entities decoded: what the user reads.
    pub fn text(&self) -> String {
        let mut text = String::new();
        let mut in_tag = false;
        for c in self.html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&nbsp;", " ")
            .replace("&amp;", "&")
    }

    /// The body as JSON (the renewal endpoints' answers).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.raw).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.raw)
            )
        })
    }

    /// `error.code` of a JSON refusal.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The value attribute of the input named `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\"");
        let tag_start = self.html.find(&marker)?;
        let tag_end = tag_start + self.html[tag_start..].find('>')?;
        let tag = &self.html[tag_start..tag_end];
        let value_at = tag.find("value=\"")? + "value=\"".len();
        let value_len = tag[value_at..].find('"')?;
        Some(tag[value_at..value_at + value_len].to_string())
    }
}

/// A browser with one cookie jar.
pub struct Browser {
    pub port: u16,
    cookie: Option<String>,
    /// Sent with every request (e.g. `Origin`).
    pub extra_headers: Vec<(String, String)>,
}

impl Browser {
    /// A browser for a portal started elsewhere (the binary).
    pub fn at_port(port: u16) -> Self {
        Browser {
            port,
            cookie: None,
            extra_headers: Vec::new(),
        }
    }

    pub fn new(portal: &RunningPortal) -> Self {
        Browser::at_port(portal.port())
    }

    /// A browser that has opened the 利用者登録メニュー, so it holds a portal session (`JSESSIONID`).
    pub fn in_session(portal: &RunningPortal) -> Self {
        let mut browser = Browser::new(portal);
        browser.get(paths::MENU);
        browser
    }

    pub fn get(&mut self, path: &str) -> Page {
        self.request("GET", path, None, &[])
    }

    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k.as_bytes()), urlencode(v.as_bytes())))
            .collect();
        self.post_raw(
            path,
            "application/x-www-form-urlencoded",
            body.join("&").as_bytes(),
        )
    }

    pub fn post_raw(&mut self, path: &str, content_type: &str, body: &[u8]) -> Page {
        self.request("POST", path, Some(content_type), body)
    }

    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Page {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        if let Some(ct) = content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if let Some(cookie) = &self.cookie {
            head.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        for (name, value) in &self.extra_headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.write_all(head.as_bytes()).expect("write head");
        // The portal may answer (413) and close before reading a huge body.
        let _ = stream.write_all(body);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("response has a header");
        let head = String::from_utf8_lossy(&response[..split]).to_string();
        let raw = response[split + 4..].to_vec();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .collect();
        for (name, value) in &headers {
            if name.eq_ignore_ascii_case("Set-Cookie") {
                self.cookie = value.split(';').next().map(str::to_string);
            }
        }
        let html = encoding_rs::SHIFT_JIS.decode(&raw).0.into_owned();
        Page {
            status,
            headers,
            raw,
            html,
        }
    }
}

fn urlencode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
