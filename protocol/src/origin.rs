//! The one shape of origin a card signs for: a canonical web origin exactly as a browser serializes it
//! (`https://host[:port]`), so the bytes bound into a signature are the bytes the portal compares, and nothing that
//! is not a web site (`null`, `javascript:`, an extension, a file) can ever be bound.
//!
//! Rules: scheme `https://` (lower case); a lower-case ASCII host of letters, digits, `-` and `.` (an IDN must be
//! given in punycode), a canonical IPv4 address, or a bracketed canonical IPv6 address; an optional port 1–65535
//! without leading zeros, never the scheme's default; no user info, path, query, fragment or trailing `/`.
//! `http://` is accepted only for the loopback hosts `127.0.0.1`, `localhost` and `[::1]`, and only when the
//! caller allows it (the host's test switch). Pure string checks: this crate is compiled to wasm too.

use std::fmt;
use std::net::Ipv6Addr;

/// Longest origin accepted: `https://`, a 253-character host and a port fit with room to spare.
pub const MAX_ORIGIN_LEN: usize = 300;

/// Why an origin string is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginProblem {
    Empty,
    TooLong,
    /// `null`: an opaque origin (sandboxed frame, `data:` URL, file).
    Opaque,
    /// Not `https://` (nor `http://`): `javascript:`, `chrome-extension:`, `file:` …
    Scheme,
    /// `http://` for a host that is not loopback.
    PlainHttp,
    /// `http://` for a loopback host while the test switch is off.
    LoopbackHttpOff,
    UserInfo,
    TrailingSlash,
    Path,
    Query,
    Fragment,
    /// Upper-case letters in the scheme or host: browsers serialize origins in lower case.
    UpperCase,
    /// Host characters outside `a-z 0-9 - .` (non-ASCII, `_`, `%`, spaces …).
    HostCharacters,
    /// Empty host, empty or over-long label, label starting or ending with `-`, host over 253 characters.
    HostShape,
    /// An IP address not in its canonical form (`127.1`, `0x7f.0.0.1`, `010.0.0.1`, `[::0001]` …).
    IpAddress,
    /// Port empty, not a number, with leading zeros, or outside 1–65535.
    Port,
    /// The scheme's default port written out (`:443` for https, `:80` for http).
    DefaultPort,
}

impl OriginProblem {
    pub fn describe(self) -> &'static str {
        match self {
            OriginProblem::Empty => "the origin is empty",
            OriginProblem::TooLong => "the origin is too long",
            OriginProblem::Opaque => "`null` is an opaque origin, not a web site",
            OriginProblem::Scheme => "only https:// origins are accepted",
            OriginProblem::PlainHttp => "http:// is accepted only for loopback hosts in tests",
            OriginProblem::LoopbackHttpOff => {
                "http:// loopback origins are accepted only with the host's test switch on"
            }
            OriginProblem::UserInfo => "an origin has no user info (`user@`)",
            OriginProblem::TrailingSlash => "an origin has no trailing `/`",
            OriginProblem::Path => "an origin has no path",
            OriginProblem::Query => "an origin has no query",
            OriginProblem::Fragment => "an origin has no fragment",
            OriginProblem::UpperCase => "scheme and host must be lower case",
            OriginProblem::HostCharacters => {
                "the host may contain only a-z, 0-9, `-` and `.` (IDN hosts in punycode)"
            }
            OriginProblem::HostShape => "the host is not a valid host name",
            OriginProblem::IpAddress => "an IP address host must be in its canonical form",
            OriginProblem::Port => {
                "the port must be a number from 1 to 65535 without leading zeros"
            }
            OriginProblem::DefaultPort => "the scheme's default port must be omitted",
        }
    }
}

impl fmt::Display for OriginProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Checks that `origin` is a canonical web origin (see the module documentation). `allow_loopback_http` admits
/// `http://127.0.0.1`, `http://localhost` and `http://[::1]` (with any port): a test switch.
pub fn check_web_origin(origin: &str, allow_loopback_http: bool) -> Result<(), OriginProblem> {
    if origin.is_empty() {
        return Err(OriginProblem::Empty);
    }
    if origin.len() > MAX_ORIGIN_LEN {
        return Err(OriginProblem::TooLong);
    }
    if origin == "null" {
        return Err(OriginProblem::Opaque);
    }
    let (secure, rest) = if let Some(rest) = origin.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = origin.strip_prefix("http://") {
        (false, rest)
    } else {
        let lower = origin.to_ascii_lowercase();
        return Err(
            if lower.starts_with("https://") || lower.starts_with("http://") {
                OriginProblem::UpperCase
            } else {
                OriginProblem::Scheme
            },
        );
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(OriginProblem::UserInfo);
    }
    match tail.as_bytes().first() {
        None => {}
        Some(b'/') if tail == "/" => return Err(OriginProblem::TrailingSlash),
        Some(b'/') => return Err(OriginProblem::Path),
        Some(b'?') => return Err(OriginProblem::Query),
        Some(_) => return Err(OriginProblem::Fragment),
    }
    let (host, port) = split_host_port(authority)?;
    check_host(host)?;
    if let Some(port) = port {
        check_port(port, if secure { 443 } else { 80 })?;
    }
    if !secure {
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            return Err(OriginProblem::PlainHttp);
        }
        if !allow_loopback_http {
            return Err(OriginProblem::LoopbackHttpOff);
        }
    }
    Ok(())
}

/// `host[:port]` or `[v6][:port]`.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), OriginProblem> {
    if authority.starts_with('[') {
        let close = authority.find(']').ok_or(OriginProblem::IpAddress)?;
        let (host, after) = authority.split_at(close + 1);
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(OriginProblem::HostShape),
        };
    }
    Ok(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

fn check_host(host: &str) -> Result<(), OriginProblem> {
    if host.is_empty() {
        return Err(OriginProblem::HostShape);
    }
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or(OriginProblem::IpAddress)?;
        return check_ipv6(inner);
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(OriginProblem::UpperCase);
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return Err(OriginProblem::HostCharacters);
    }
    if host.len() > 253 {
        return Err(OriginProblem::HostShape);
    }
    let labels: Vec<&str> = host.split('.').collect();
    for label in &labels {
        if label.is_empty() || label.len() > 63 || label.starts_with('-') || label.ends_with('-') {
            return Err(OriginProblem::HostShape);
        }
    }
    // A browser reads a host whose last label is a number (decimal, or 0x… hex) as an IPv4 address and rewrites
    // it (`127.1` → `127.0.0.1`): only the dotted-quad form it produces is canonical.
    let last = labels[labels.len() - 1];
    let numeric = last.bytes().all(|b| b.is_ascii_digit())
        || (last.starts_with("0x") && last[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    if numeric && !is_canonical_ipv4(&labels) {
        return Err(OriginProblem::IpAddress);
    }
    Ok(())
}

fn is_canonical_ipv4(labels: &[&str]) -> bool {
    labels.len() == 4
        && labels.iter().all(|part| {
            part.len() <= 3
                && part.bytes().all(|b| b.is_ascii_digit())
                && (part.len() == 1 || !part.starts_with('0'))
                && part.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// Canonical as browsers serialize it (RFC 5952: lower-case hex, no leading zeros, the longest zero run as
/// `::`). Dotted IPv4 tails are refused: browsers write `::ffff:102:304`, never `::ffff:1.2.3.4`.
fn check_ipv6(inner: &str) -> Result<(), OriginProblem> {
    if inner.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(OriginProblem::UpperCase);
    }
    if !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
        return Err(OriginProblem::IpAddress);
    }
    let address: Ipv6Addr = inner.parse().map_err(|_| OriginProblem::IpAddress)?;
    if address.to_string() != inner {
        return Err(OriginProblem::IpAddress);
    }
    Ok(())
}

fn check_port(port: &str, default: u16) -> Result<(), OriginProblem> {
    if port.is_empty()
        || port.len() > 5
        || port.starts_with('0')
        || !port.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(OriginProblem::Port);
    }
    let number: u32 = port.parse().map_err(|_| OriginProblem::Port)?;
    if number > 65535 {
        return Err(OriginProblem::Port);
    }
    if number == u32::from(default) {
        return Err(OriginProblem::DefaultPort);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use OriginProblem::*;

    #[test]
    fn canonical_https_origins_pass() {
        for origin in [
            "https://www.ebid.city.sapporo.jp",
            "https://portal.example.jp:8443",
            "https://a.b-c.example:1",
            "https://xn--eckwd4c7c.xn--zckzah",
            "https://localhost",
            "https://127.0.0.1",
            "https://127.0.0.1:65535",
            "https://10.0.0.255",
            "https://[::1]",
            "https://[2001:db8::1]:8443",
            "https://123.example.jp",
            "https://0.0.0.0",
        ] {
            assert_eq!(check_web_origin(origin, false), Ok(()), "{origin}");
        }
    }

    #[test]
    fn loopback_http_only_with_the_switch() {
        for origin in [
            "http://127.0.0.1",
            "http://127.0.0.1:8080",
            "http://localhost:3000",
            "http://[::1]:9",
        ] {
            assert_eq!(
                check_web_origin(origin, false),
                Err(LoopbackHttpOff),
                "{origin}"
            );
            assert_eq!(check_web_origin(origin, true), Ok(()), "{origin}");
        }
        for origin in [
            "http://example.jp",
            "http://127.0.0.2",
            "http://localhost.example.jp",
            "http://10.0.0.1:8080",
        ] {
            assert_eq!(check_web_origin(origin, true), Err(PlainHttp), "{origin}");
        }
        assert_eq!(
            check_web_origin("http://127.0.0.1:80", true),
            Err(DefaultPort)
        );
    }

    #[test]
    fn everything_else_is_refused_with_its_reason() {
        let long_host = format!("https://{}.jp", "a".repeat(300));
        let long_label = format!("https://{}.jp", "a".repeat(64));
        let cases: &[(&str, OriginProblem)] = &[
            ("", Empty),
            (&long_host, TooLong),
            ("null", Opaque),
            ("javascript:alert(1)", Scheme),
            (
                "chrome-extension://gbhbffmnghhpjolccbflhlhkcanbdabm",
                Scheme,
            ),
            ("file:///etc/passwd", Scheme),
            ("data:text/html,x", Scheme),
            ("ftp://example.jp", Scheme),
            ("//example.jp", Scheme),
            (" https://example.jp", Scheme),
            ("HTTPS://example.jp", UpperCase),
            ("https://Example.jp", UpperCase),
            ("https://EXAMPLE.JP", UpperCase),
            ("https://[2001:DB8::1]", UpperCase),
            ("https://user@example.jp", UserInfo),
            ("https://user:pass@example.jp", UserInfo),
            ("https://example.jp@evil.example", UserInfo),
            ("https://example.jp/", TrailingSlash),
            ("https://example.jp/path", Path),
            ("https://example.jp/?q", Path),
            ("https://example.jp?q=1", Query),
            ("https://example.jp#top", Fragment),
            ("https://", HostShape),
            ("https://:443", HostShape),
            ("https://.example.jp", HostShape),
            ("https://example.jp.", HostShape),
            ("https://a..b", HostShape),
            ("https://-a.jp", HostShape),
            ("https://a-.jp", HostShape),
            (&long_label, HostShape),
            ("https://[::1]x", HostShape),
            ("https://例え.jp", HostCharacters),
            ("https://a_b.jp", HostCharacters),
            ("https://a%2eb.jp", HostCharacters),
            ("https://a b.jp", HostCharacters),
            ("https://example.jp\n", HostCharacters),
            ("https://127.1", IpAddress),
            ("https://2130706433", IpAddress),
            ("https://0x7f.0.0.1", IpAddress),
            ("https://example.0x1f", IpAddress),
            ("https://010.0.0.1", IpAddress),
            ("https://1.2.3.256", IpAddress),
            ("https://1.2.3.4.5", IpAddress),
            ("https://example.123", IpAddress),
            ("https://[::0001]", IpAddress),
            ("https://[0:0:0:0:0:0:0:1]", IpAddress),
            ("https://[::ffff:1.2.3.4]", IpAddress),
            ("https://[::1", IpAddress),
            ("https://[zz::1]", IpAddress),
            ("https://example.jp:", Port),
            ("https://example.jp:0", Port),
            ("https://example.jp:08443", Port),
            ("https://example.jp:65536", Port),
            ("https://example.jp:123456", Port),
            ("https://example.jp:+1", Port),
            ("https://example.jp:1:2", Port),
            ("https://example.jp:443", DefaultPort),
        ];
        for (origin, problem) in cases {
            assert_eq!(check_web_origin(origin, true), Err(*problem), "{origin:?}");
        }
    }

    #[test]
    fn every_problem_describes_itself() {
        assert!(Port.to_string().contains("65535"));
        assert!(!Scheme.describe().is_empty());
    }
}
