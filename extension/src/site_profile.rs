//! Which portals get the card flows, and — as data — each page the extension acts on: its path, the buttons it
//! takes over and the operation each starts; each operation's fixed endpoints and the page the frame goes to at the
//! end.
//!
//! The content script asks the service worker for its page's entry and uses only what it receives. A portal that is
//! not on the list, or a page that is not in the profile, gets nothing.

use serde::Serialize;

use crate::flow::Operation;

/// Origins of the Sapporo e-bidding portal that the extension serves out of the box (manifest `content_scripts`).
pub const SAPPORO_ORIGINS: &[&str] = &["https://www.ebid.city.sapporo.jp"];

/// A button the content script takes over (trusted clicks only), and the operation it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageButton {
    /// CSS selector of the button.
    pub selector: &'static str,
    pub operation: Operation,
}

/// A portal page the extension acts on. Nothing else is taken from the page: the challenges and the final target
/// are the profile's [`OperationEndpoints`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionPage {
    /// The page's path (no query, exact match).
    pub path: &'static str,
    pub buttons: &'static [PageButton],
}

impl ActionPage {
    /// Whether a button on this page starts `operation`.
    pub fn starts(&self, operation: Operation) -> bool {
        self.buttons.iter().any(|b| b.operation == operation)
    }
}

/// An operation's fixed endpoints (paths on the portal origin). The content script calls them with the page's
/// session; where they are is never read from the page, so injected HTML cannot redirect or pre-seed a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationEndpoints {
    pub operation: Operation,
    /// POST → `{"challenge": base64}`: a fresh challenge for this session.
    pub challenge: &'static str,
    /// POST challenge + the first card's certificate + its signature → the renewal: `{"challenge"}` for the new
    /// card; the others: `{"next"}`.
    pub proof: &'static str,
    /// The renewal only: POST second challenge + new certificate + its signature → `{"confirm"}`.
    pub new_card: Option<&'static str>,
    /// GET in the page's frame once the portal took the card(s): 電子証明書更新確認画面, ログイン結果, 資格審査情報検索
    /// (登録), 利用者変更画面.
    pub next: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteProfile {
    pub name: &'static str,
    pub pages: &'static [ActionPage],
    pub endpoints: &'static [OperationEndpoints],
}

impl SiteProfile {
    /// The page at `path` (query and fragment already dropped), if the extension acts on it.
    pub fn page_at(&self, path: &str) -> Option<&'static ActionPage> {
        self.pages.iter().find(|p| p.path == path)
    }

    /// The endpoints of `operation`.
    pub fn endpoints_of(&self, operation: Operation) -> Option<&'static OperationEndpoints> {
        self.endpoints.iter().find(|e| e.operation == operation)
    }
}

/// What the content script of one page gets: that page's entry.
#[derive(Debug, Serialize)]
pub struct PageProfile {
    pub name: &'static str,
    pub page: &'static ActionPage,
}

/// The Sapporo portal's 利用者登録メニュー画面 and ICカードによるログイン画面 (and the replica in tests/portal, which
/// follows them).
pub const SAPPORO: SiteProfile = SiteProfile {
    name: "sapporo",
    pages: &[
        ActionPage {
            path: "/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaMenu.jsp",
            buttons: &[
                PageButton {
                    selector: "input[name=\"btnIcRenew\"], button[name=\"btnIcRenew\"]",
                    operation: Operation::Renew,
                },
                PageButton {
                    selector: "input[name=\"btnRegist\"], button[name=\"btnRegist\"]",
                    operation: Operation::Register,
                },
                PageButton {
                    selector: "input[name=\"btnChange\"], button[name=\"btnChange\"]",
                    operation: Operation::Change,
                },
            ],
        },
        ActionPage {
            path: "/CALS/Accepter/ebidmlit/jsp/login/login.jsp",
            buttons: &[PageButton {
                selector: "input[name=\"btnIcLogin\"], button[name=\"btnIcLogin\"]",
                operation: Operation::Login,
            }],
        },
    ],
    endpoints: &[
        OperationEndpoints {
            operation: Operation::Renew,
            challenge: "/CALS/Accepter/ebidmlit/riyousha/IcRenewChallenge.do",
            proof: "/CALS/Accepter/ebidmlit/riyousha/IcRenewCurrent.do",
            new_card: Some("/CALS/Accepter/ebidmlit/riyousha/IcRenewNew.do"),
            next: "/CALS/Accepter/ebidmlit/riyousha/IcRenewConfirm.do",
        },
        OperationEndpoints {
            operation: Operation::Login,
            challenge: "/CALS/Accepter/ebidmlit/login/IcLoginChallenge.do",
            proof: "/CALS/Accepter/ebidmlit/login/IcLogin.do",
            new_card: None,
            next: "/CALS/Accepter/ebidmlit/login/IcLoginResult.do",
        },
        OperationEndpoints {
            operation: Operation::Register,
            challenge: "/CALS/Accepter/ebidmlit/riyousha/IcRegistChallenge.do",
            proof: "/CALS/Accepter/ebidmlit/riyousha/IcRegistCard.do",
            new_card: None,
            next: "/CALS/Accepter/ebidmlit/riyousha/RegistSearch.do",
        },
        OperationEndpoints {
            operation: Operation::Change,
            challenge: "/CALS/Accepter/ebidmlit/riyousha/IcChangeChallenge.do",
            proof: "/CALS/Accepter/ebidmlit/riyousha/IcChangeCard.do",
            new_card: None,
            next: "/CALS/Accepter/ebidmlit/riyousha/ChangeInput.do",
        },
    ],
};

/// A test build (cargo feature `test-build`, made by build.sh into `out/extension/chrome-test`) also serves
/// loopback http origins, for the replica portal. A production build serves https portal origins only.
pub const TEST_BUILD: bool = cfg!(feature = "test-build");

fn test_origin_allowed(origin: &str) -> bool {
    TEST_BUILD && is_loopback(origin)
}

/// Why an entry of an admin's or tester's origin list was not taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedOrigin {
    pub entry: String,
    pub reason: &'static str,
}

/// The portal origins in force: built-in, plus the admin's managed list, plus (loopback only) the tester's list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PortalOrigins {
    pub builtin: Vec<String>,
    pub managed: Vec<String>,
    pub dev: Vec<String>,
    pub rejected: Vec<RejectedOrigin>,
}

impl PortalOrigins {
    /// `managed` is `chrome.storage.managed` key `portalOrigins`; `dev` is `chrome.storage.local` key
    /// `devPortalOrigins`. Managed entries may be any origin the extension holds host permissions for (the built-in
    /// ones; loopback too in a test build). The dev list exists in test builds only and takes loopback origins
    /// only, so a talked-into user cannot add a foreign site; a production build ignores it.
    pub fn new(managed: &[String], dev: &[String]) -> Self {
        let mut origins = PortalOrigins {
            builtin: SAPPORO_ORIGINS.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        for entry in managed {
            match normalize_origin(entry) {
                Some(o) if test_origin_allowed(&o) || SAPPORO_ORIGINS.contains(&o.as_str()) => {
                    push_unique(&mut origins.managed, o)
                }
                Some(_) => origins.rejected.push(RejectedOrigin {
                    entry: entry.clone(),
                    reason: "no host permission for this origin in the manifest",
                }),
                None => origins.rejected.push(RejectedOrigin {
                    entry: entry.clone(),
                    reason: "not an origin",
                }),
            }
        }
        for entry in dev {
            match normalize_origin(entry) {
                _ if !TEST_BUILD => origins.rejected.push(RejectedOrigin {
                    entry: entry.clone(),
                    reason: "devPortalOrigins works in test builds only",
                }),
                Some(o) if is_loopback(&o) => push_unique(&mut origins.dev, o),
                Some(_) => origins.rejected.push(RejectedOrigin {
                    entry: entry.clone(),
                    reason: "devPortalOrigins accepts loopback origins only",
                }),
                None => origins.rejected.push(RejectedOrigin {
                    entry: entry.clone(),
                    reason: "not an origin",
                }),
            }
        }
        origins
    }

    pub fn allows(&self, origin: &str) -> bool {
        let Some(origin) = normalize_origin(origin) else {
            return false;
        };
        self.builtin
            .iter()
            .chain(&self.managed)
            .chain(&self.dev)
            .any(|o| *o == origin)
    }

    /// Origins that need a dynamically registered content script (not covered by the manifest's static one).
    pub fn dynamic(&self) -> Vec<String> {
        let mut out = Vec::new();
        for o in self.managed.iter().chain(&self.dev) {
            if !self.builtin.contains(o) {
                push_unique(&mut out, o.clone());
            }
        }
        out
    }

    /// The profile a page of `origin` gets, or `None` when the origin is not a portal.
    pub fn profile_for(&self, origin: &str) -> Option<&'static SiteProfile> {
        self.allows(origin).then_some(&SAPPORO)
    }
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Match pattern `scheme://host[:port]/*` for registering the content script on exactly `origin` (Chrome matches
/// the port when the pattern names one).
pub fn match_pattern(origin: &str) -> Option<String> {
    Some(format!("{}/*", normalize_origin(origin)?))
}

/// The same without the port, for browsers whose match patterns take none (Firefox); the service worker's origin
/// check still tells ports apart.
pub fn match_pattern_any_port(origin: &str) -> Option<String> {
    let origin = normalize_origin(origin)?;
    let (scheme, rest) = origin.split_once("://")?;
    let host = if let Some(bracketed) = rest.strip_prefix('[') {
        format!("[{}]", bracketed.split_once(']')?.0)
    } else {
        rest.split(':').next()?.to_string()
    };
    Some(format!("{scheme}://{host}/*"))
}

/// `scheme://host[:port]` in lower case, without a default port or a trailing slash; `None` for anything that is not
/// an http(s) origin (paths, queries, credentials and wildcards are refused, not trimmed).
pub fn normalize_origin(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text.strip_suffix('/').unwrap_or(text);
    let (scheme, rest) = text.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', '*', ' ', '\\']) {
        return None;
    }
    let rest = rest.to_ascii_lowercase();
    let (host, port) = if let Some(after) = rest.strip_prefix('[') {
        let (inside, tail) = after.split_once(']')?;
        let port = match tail {
            "" => None,
            _ => Some(tail.strip_prefix(':')?),
        };
        (format!("[{inside}]"), port)
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (rest.clone(), None),
        }
    };
    let host_ok = !host.is_empty()
        && (host.starts_with('[')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    if !host_ok {
        return None;
    }
    match port {
        None => Some(format!("{scheme}://{host}")),
        Some(p) => {
            let number: u16 = p.parse().ok().filter(|n| *n > 0)?;
            if p == default_port {
                Some(format!("{scheme}://{host}"))
            } else {
                Some(format!("{scheme}://{host}:{number}"))
            }
        }
    }
}

/// The origin of a page URL (`sender.url` where the browser gives no `sender.origin`, as Firefox).
pub fn origin_of_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return None;
    }
    normalize_origin(&format!("{scheme}://{authority}"))
}

/// The path of a page URL, without query and fragment (`None` for URLs without an authority).
pub fn path_of_url(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let rest = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    Some(rest.find('/').map_or("/", |i| &rest[i..]))
}

/// `http://127.0.0.1[:port]`, `http://localhost[:port]` or `http://[::1][:port]`: the replica portal of the tests.
pub fn is_loopback(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://") else {
        return false;
    };
    let host = if rest.starts_with("[::1]") {
        "[::1]"
    } else {
        rest.split(':').next().unwrap_or("")
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn normalizes_origins() {
        assert_eq!(
            normalize_origin("HTTPS://WWW.Ebid.City.Sapporo.JP:443/"),
            Some("https://www.ebid.city.sapporo.jp".into())
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            normalize_origin("http://[::1]:81"),
            Some("http://[::1]:81".into())
        );
        for bad in [
            "ftp://x",
            "https://",
            "https://a/b",
            "https://*.example",
            "https://u@a",
            "https://a:0",
            "https://a:99999",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn builtin_portal_is_allowed_and_others_are_not() {
        let origins = PortalOrigins::new(&[], &[]);
        assert!(origins.allows("https://www.ebid.city.sapporo.jp"));
        assert!(!origins.allows("https://evil.example"));
        assert!(!origins.allows("http://127.0.0.1:8080"));
        assert!(origins
            .profile_for("https://www.ebid.city.sapporo.jp")
            .is_some());
        assert!(origins.dynamic().is_empty());
    }

    #[test]
    #[cfg(feature = "test-build")]
    fn test_build_dev_list_takes_loopback_only() {
        let origins = PortalOrigins::new(
            &[],
            &strings(&["http://127.0.0.1:18080", "https://evil.example", "nonsense"]),
        );
        assert!(origins.allows("http://127.0.0.1:18080"));
        assert!(!origins.allows("http://127.0.0.1:18081"));
        assert!(!origins.allows("https://evil.example"));
        assert_eq!(origins.rejected.len(), 2);
        assert_eq!(origins.dynamic(), strings(&["http://127.0.0.1:18080"]));
    }

    #[test]
    #[cfg(not(feature = "test-build"))]
    fn production_build_has_no_dev_switch_and_no_loopback() {
        let origins = PortalOrigins::new(
            &strings(&["http://127.0.0.1:18080"]),
            &strings(&["http://127.0.0.1:18080", "http://localhost:9000"]),
        );
        assert!(!origins.allows("http://127.0.0.1:18080"));
        assert!(!origins.allows("http://localhost:9000"));
        assert!(origins.dev.is_empty() && origins.managed.is_empty());
        assert_eq!(origins.rejected.len(), 3);
        assert!(origins.dynamic().is_empty());
    }

    #[test]
    fn managed_list_takes_origins_the_manifest_covers() {
        let origins = PortalOrigins::new(
            &strings(&[
                "https://www.ebid.city.sapporo.jp",
                "http://www.ebid.city.sapporo.jp",
                "https://other-city.example",
            ]),
            &[],
        );
        assert!(origins.allows("https://www.ebid.city.sapporo.jp"));
        assert!(!origins.allows("http://www.ebid.city.sapporo.jp"));
        assert!(!origins.allows("https://other-city.example"));
        assert_eq!(origins.rejected.len(), 2);
    }

    #[test]
    fn page_paths_are_exact() {
        let menu = SAPPORO
            .page_at("/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaMenu.jsp")
            .unwrap();
        for op in [Operation::Renew, Operation::Register, Operation::Change] {
            assert!(menu.starts(op), "{op:?}");
        }
        assert!(!menu.starts(Operation::Login));
        let login = SAPPORO
            .page_at("/CALS/Accepter/ebidmlit/jsp/login/login.jsp")
            .unwrap();
        assert!(login.starts(Operation::Login) && login.buttons.len() == 1);
        assert!(SAPPORO
            .page_at("/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaMenu.jsp/x")
            .is_none());
        assert!(SAPPORO.page_at("/files/riyoushaMenu.jsp").is_none());
        assert_eq!(
            path_of_url("http://127.0.0.1:1/CALS/a.jsp?x=/b#c"),
            Some("/CALS/a.jsp")
        );
        assert_eq!(path_of_url("https://a.example"), Some("/"));
        assert_eq!(path_of_url("about:blank"), None);
    }

    #[test]
    fn every_operation_has_its_endpoints() {
        for op in Operation::ALL {
            let e = SAPPORO.endpoints_of(op).unwrap();
            assert_eq!(e.new_card.is_some(), op.has_new_card(), "{op:?}");
            for path in [e.challenge, e.proof, e.next] {
                assert!(path.starts_with("/CALS/Accepter/ebidmlit/") && path.ends_with(".do"));
            }
        }
        assert_eq!(
            SAPPORO.endpoints_of(Operation::Login).unwrap().proof,
            "/CALS/Accepter/ebidmlit/login/IcLogin.do"
        );
    }

    #[test]
    fn origin_of_page_urls() {
        assert_eq!(
            origin_of_url("http://127.0.0.1:18080/CALS/Accepter/menu.jsp?x=1#top").as_deref(),
            Some("http://127.0.0.1:18080")
        );
        assert_eq!(
            origin_of_url("https://www.ebid.city.sapporo.jp").as_deref(),
            Some("https://www.ebid.city.sapporo.jp")
        );
        assert_eq!(origin_of_url("https://user@evil.example/"), None);
        assert_eq!(origin_of_url("about:blank"), None);
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback("http://127.0.0.1:1"));
        assert!(is_loopback("http://localhost"));
        assert!(is_loopback("http://[::1]:8"));
        assert!(!is_loopback("https://127.0.0.1"));
        assert!(!is_loopback("http://127.0.0.1.evil.example"));
        assert!(!is_loopback("http://localhost.evil.example:80"));
    }

    #[test]
    fn match_patterns() {
        assert_eq!(
            match_pattern("http://127.0.0.1:18080").as_deref(),
            Some("http://127.0.0.1:18080/*")
        );
        assert_eq!(
            match_pattern_any_port("http://127.0.0.1:18080").as_deref(),
            Some("http://127.0.0.1/*")
        );
        assert_eq!(
            match_pattern_any_port("http://[::1]:81").as_deref(),
            Some("http://[::1]/*")
        );
        assert_eq!(
            match_pattern("https://a.example:443").as_deref(),
            Some("https://a.example/*")
        );
    }
}
