//! Who may start a flow: only a page of the portal's profile (the menu, the login page), in a frame tree that is
//! the portal's all the way up, and only an operation one of that page's buttons starts.
//! Every fact comes from the browser (the message sender and the content script's view of its ancestors), never
//! from page data.

use crate::site_profile::{
    normalize_origin, origin_of_url, path_of_url, ActionPage, PortalOrigins, SiteProfile,
};

/// What the browser says about the frame that sent a message (`runtime.MessageSender`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sender {
    /// `sender.origin`: `"null"` for an opaque origin (sandboxed frame, `CSP: sandbox`); absent in Firefox.
    pub origin: Option<String>,
    pub url: Option<String>,
    /// `sender.frameId`: 0 is the tab's top frame.
    pub frame_id: Option<f64>,
    /// `sender.tab.url`: present only where the extension has host permission for the top page.
    pub tab_url: Option<String>,
}

/// A page allowed to run the flow, with the origin the cards will sign.
#[derive(Debug, PartialEq, Eq)]
pub struct PortalPage {
    pub origin: String,
    pub profile: &'static SiteProfile,
    /// The profile's entry for this page: the operations its buttons start.
    pub page: &'static ActionPage,
}

/// The portal page the sender is, or why it is not one (for the console; the bidder sees nothing).
pub fn portal_page(sender: &Sender, origins: &PortalOrigins) -> Result<PortalPage, &'static str> {
    let origin = sender_origin(sender).ok_or("the page has an opaque or no origin")?;
    let profile = origins
        .profile_for(&origin)
        .ok_or("this page is not a portal on the list")?;
    let page = sender
        .url
        .as_deref()
        .and_then(path_of_url)
        .and_then(|p| profile.page_at(p))
        .ok_or("this page is not one the extension acts on")?;
    if sender.frame_id != Some(0.0) {
        // A frame: the tab's top page must be the portal too (no host permission → no tab.url → refused).
        let top = sender.tab_url.as_deref().and_then(origin_of_url);
        if top.as_deref() != Some(origin.as_str()) {
            return Err("the portal page is framed by another site");
        }
    }
    Ok(PortalPage {
        origin,
        profile,
        page,
    })
}

/// The document's own origin as its content script sees it (`self.origin`: `"null"` when sandboxed) and every
/// ancestor frame must be the page's origin (the portal's frameset is; a framing site is not).
pub fn frames_ok(page: &PortalPage, own: &str, ancestors: &[String]) -> Result<(), &'static str> {
    if std::iter::once(own)
        .chain(ancestors.iter().map(String::as_str))
        .all(|a| normalize_origin(a).as_deref() == Some(page.origin.as_str()))
    {
        Ok(())
    } else {
        Err("a frame above the portal page belongs to another site")
    }
}

/// The sender's origin as the browser reports it. An opaque origin is no origin: its URL must not stand in for it.
fn sender_origin(sender: &Sender) -> Option<String> {
    match sender.origin.as_deref() {
        Some("null") => None,
        Some(origin) => normalize_origin(origin),
        // Firefox gives no sender.origin: the URL's origin (an opaque frame's URL still names the portal, but
        // Firefox runs no content script with a usable runtime there; the ancestors check stands behind it).
        None => sender.url.as_deref().and_then(origin_of_url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTAL: &str = "https://www.ebid.city.sapporo.jp";
    const MENU: &str =
        "https://www.ebid.city.sapporo.jp/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaMenu.jsp";

    fn menu_sender() -> Sender {
        Sender {
            origin: Some(PORTAL.into()),
            url: Some(format!("{MENU}?x=1")),
            frame_id: Some(0.0),
            tab_url: Some(MENU.into()),
        }
    }

    fn check(sender: &Sender) -> Result<String, &'static str> {
        portal_page(sender, &PortalOrigins::new(&[], &[])).map(|p| p.origin)
    }

    #[test]
    fn the_menu_page_on_top_or_in_the_portals_frameset_may_start() {
        assert_eq!(check(&menu_sender()), Ok(PORTAL.to_string()));
        let framed_by_portal = Sender {
            frame_id: Some(3.0),
            tab_url: Some(format!(
                "{PORTAL}/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaFrame.jsp"
            )),
            ..menu_sender()
        };
        assert_eq!(check(&framed_by_portal), Ok(PORTAL.to_string()));
    }

    #[test]
    fn the_login_page_may_start_a_login_only() {
        let login = Sender {
            url: Some(format!(
                "{PORTAL}/CALS/Accepter/ebidmlit/jsp/login/login.jsp"
            )),
            ..menu_sender()
        };
        let page = portal_page(&login, &PortalOrigins::new(&[], &[])).unwrap();
        assert!(page.page.starts(crate::flow::Operation::Login));
        assert!(!page.page.starts(crate::flow::Operation::Renew));
        let menu = portal_page(&menu_sender(), &PortalOrigins::new(&[], &[])).unwrap();
        assert!(!menu.page.starts(crate::flow::Operation::Login));
    }

    #[test]
    fn opaque_origins_are_refused_even_with_a_portal_url() {
        let sandboxed = Sender {
            origin: Some("null".into()),
            ..menu_sender()
        };
        assert!(check(&sandboxed).is_err());
    }

    #[test]
    fn other_paths_and_other_sites_are_refused() {
        let other_path = Sender {
            url: Some(format!("{PORTAL}/upload/riyoushaMenu.jsp")),
            ..menu_sender()
        };
        assert!(check(&other_path).is_err());
        let other_site = Sender {
            origin: Some("https://evil.example".into()),
            url: Some(
                "https://evil.example/CALS/Accepter/ebidmlit/jsp/riyousha/riyoushaMenu.jsp".into(),
            ),
            ..menu_sender()
        };
        assert!(check(&other_site).is_err());
        let http = Sender {
            origin: Some("http://www.ebid.city.sapporo.jp".into()),
            url: Some(MENU.replace("https", "http")),
            ..menu_sender()
        };
        assert!(check(&http).is_err());
    }

    #[test]
    fn a_foreign_top_page_is_refused() {
        for tab_url in [None, Some("https://evil.example/".to_string())] {
            let framed = Sender {
                frame_id: Some(1.0),
                tab_url,
                ..menu_sender()
            };
            assert!(check(&framed).is_err());
        }
    }

    #[test]
    fn every_ancestor_must_be_the_portal() {
        let page = portal_page(&menu_sender(), &PortalOrigins::new(&[], &[])).unwrap();
        assert!(frames_ok(&page, PORTAL, &[]).is_ok());
        assert!(frames_ok(&page, PORTAL, &[PORTAL.into(), PORTAL.into()]).is_ok());
        assert!(frames_ok(
            &page,
            PORTAL,
            &[PORTAL.into(), "https://evil.example".into()]
        )
        .is_err());
        assert!(frames_ok(&page, PORTAL, &["cross-origin".into()]).is_err());
        assert!(frames_ok(&page, PORTAL, &["null".into()]).is_err());
        assert!(frames_ok(&page, "null", &[]).is_err());
    }
}
