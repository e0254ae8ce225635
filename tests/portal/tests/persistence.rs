//! The data directory survives a restart: registrations, held renewals and mail.

mod common;

use common::*;
use replica_portal::paths;

#[test]
fn restart_keeps_registrations_pending_renewals_and_mail() {
    let dir = temp_dir("restart");
    let current = Card::issue(&CardSpec::current());
    let new = Card::issue(&CardSpec {
        organization: "株式会社テスト建設北海道".into(),
        ..CardSpec::new_card()
    });
    let user_id;
    {
        let portal = start(&dir);
        user_id = portal.register(&user_for(&current)).unwrap();
        let mut browser = Browser::new(&portal);
        assert_eq!(
            submit_renewal(&mut browser, portal.origin(), &current, &new).status,
            200
        );
        assert_eq!(browser.post_form(paths::RENEW_COMMIT, &[]).status, 200);
        assert_eq!(portal.pending().len(), 1);
        portal.stop();
    }
    let portal = start(&dir);
    assert_eq!(portal.user(&user_id).unwrap().certificate, current.b64());
    let pending = portal.pending();
    assert_eq!(pending.len(), 1);
    let mut browser = Browser::new(&portal);
    browser.post_form(paths::ADMIN_APPROVE, &[("id", &pending[0].id.to_string())]);
    drop(portal);

    let portal = start(&dir);
    assert_eq!(portal.user(&user_id).unwrap().certificate, new.b64());
    assert_eq!(portal.mail_outbox().len(), 2);
    let mut browser = Browser::new(&portal);
    assert_eq!(log_in(&mut browser, portal.origin(), &new).status, 200);
    // No temporary file is left behind.
    assert!(!dir.join("registrations.json.tmp").exists());
}

#[test]
fn registering_the_same_certificate_again_updates_the_user() {
    let dir = temp_dir("reregister");
    let current = Card::issue(&CardSpec::current());
    let first = replica_portal::Portal::register(&dir, &user_for(&current)).unwrap();
    let mut changed = user_for(&current);
    changed.address = "札幌市北区2".into();
    let second = replica_portal::Portal::register(&dir, &changed).unwrap();
    assert_eq!(first, second);
    let portal = start(&dir);
    assert_eq!(portal.users().len(), 1);
    assert_eq!(portal.user(&first).unwrap().address, "札幌市北区2");
}

#[test]
fn registration_rejects_a_non_certificate() {
    let dir = temp_dir("badreg");
    let mut user = user_for(&Card::issue(&CardSpec::current()));
    user.certificate = "bm90IGEgY2VydGlmaWNhdGU=".into();
    assert!(replica_portal::Portal::register(&dir, &user).is_err());
    user.certificate = "***".into();
    assert!(replica_portal::Portal::register(&dir, &user).is_err());
}
