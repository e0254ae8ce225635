//! Browser sessions (cookie `JSESSIONID`, as the JSP portal had): the challenges issued to the session, the
//! renewal in progress (first challenge → proven current card with its second challenge → verified renewal waiting
//! for 「更新」 on the confirmation screen), and the one-card operations (ログイン, 登録, 変更): each its own
//! challenge, then the proven card its pages work on. Kept in memory: a restart asks the user to start over, as the real
//! portal's session timeout did.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::RngCore;

use crate::contacts::Contacts;
use crate::registry::RosterEntry;

pub const COOKIE_NAME: &str = "JSESSIONID";
/// A challenge must be answered within this time (two PIN entries and a card swap fit easily).
pub const CHALLENGE_LIFETIME: Duration = Duration::from_secs(15 * 60);
const SESSION_IDLE_LIMIT: Duration = Duration::from_secs(60 * 60);
/// Bounds memory whatever a client does with cookies.
const MAX_SESSIONS: usize = 10_000;

pub type ChallengeBytes = [u8; 32];

#[derive(Debug, Clone)]
pub struct Challenge {
    pub bytes: ChallengeBytes,
    issued: Instant,
}

impl Challenge {
    fn fresh() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Challenge {
            bytes,
            issued: Instant::now(),
        }
    }

    fn is_live(&self) -> bool {
        self.issued.elapsed() <= CHALLENGE_LIFETIME
    }
}

/// The current card whose consent (step 2) verified in this session: the only card a new card may be paired with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenCurrentCard {
    pub user_id: String,
    /// DER of the registered certificate the card proved.
    pub certificate: Vec<u8>,
}

/// A renewal whose two signatures verified; waits for 「更新」 (or 「戻る」).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRenewal {
    pub user_id: String,
    pub old_certificate: Vec<u8>,
    pub new_certificate: Vec<u8>,
}

/// The operations that prove one card over a challenge of their own: a challenge of one never serves another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardOperation {
    Login,
    Register,
    Change,
}

impl CardOperation {
    fn index(self) -> usize {
        match self {
            CardOperation::Login => 0,
            CardOperation::Register => 1,
            CardOperation::Change => 2,
        }
    }
}

/// 登録 in progress: the card proven at `IcRegistCard.do`, then the 名簿 entry found, then the confirmed input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationDraft {
    /// DER of the card to register.
    pub certificate: Vec<u8>,
    pub roster: Option<RosterEntry>,
    /// The last input (kept for 「戻る」); `confirmed` once it passed validation on 入力内容確認.
    pub contacts: Option<Contacts>,
    pub confirmed: bool,
}

/// 変更 in progress: the registered card proven at `IcChangeCard.do`, then the confirmed input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeDraft {
    pub user_id: String,
    /// DER of the registered certificate the card proved.
    pub certificate: Vec<u8>,
    pub contacts: Option<Contacts>,
    pub confirmed: bool,
}

#[derive(Debug)]
pub struct Session {
    /// Step 1's challenge, answered by the current card in step 2.
    renewal_challenge: Option<Challenge>,
    /// Step 2's outcome: the proven current card and the second challenge, answered by the new card in step 3.
    proven_current: Option<(ProvenCurrentCard, Challenge)>,
    /// One challenge per [`CardOperation`].
    card_challenges: [Option<Challenge>; 3],
    pub registration: Option<RegistrationDraft>,
    pub change: Option<ChangeDraft>,
    pub verified_renewal: Option<VerifiedRenewal>,
    /// 利用者ID after a successful IC-card login.
    pub logged_in_user: Option<String>,
    last_seen: Instant,
}

impl Session {
    fn new() -> Self {
        Session {
            renewal_challenge: None,
            proven_current: None,
            card_challenges: [None, None, None],
            registration: None,
            change: None,
            verified_renewal: None,
            logged_in_user: None,
            last_seen: Instant::now(),
        }
    }

    /// Step 1: issues a new renewal challenge, replacing any earlier one, and forgets any renewal in progress.
    pub fn start_renewal(&mut self) -> ChallengeBytes {
        self.forget_renewal();
        let challenge = Challenge::fresh();
        let bytes = challenge.bytes;
        self.renewal_challenge = Some(challenge);
        bytes
    }

    /// Forgets the proven current card and the verified renewal (not step 1's challenge).
    pub fn forget_renewal(&mut self) {
        self.proven_current = None;
        self.verified_renewal = None;
    }

    /// Takes step 1's challenge out of the session (single use); `None` when absent or expired.
    pub fn take_renewal_challenge(&mut self) -> Option<ChallengeBytes> {
        self.renewal_challenge
            .take()
            .filter(Challenge::is_live)
            .map(|c| c.bytes)
    }

    /// Step 2 succeeded: remembers the proven current card and issues the second challenge bound to it.
    pub fn prove_current(&mut self, card: ProvenCurrentCard) -> ChallengeBytes {
        let challenge = Challenge::fresh();
        let bytes = challenge.bytes;
        self.proven_current = Some((card, challenge));
        bytes
    }

    /// Takes the proven current card and its second challenge out of the session (single use, whatever step 3's
    /// outcome); `None` when absent or the second challenge expired.
    pub fn take_proven_current(&mut self) -> Option<(ProvenCurrentCard, ChallengeBytes)> {
        self.proven_current
            .take()
            .filter(|(_, challenge)| challenge.is_live())
            .map(|(card, challenge)| (card, challenge.bytes))
    }

    /// Issues a new challenge for `operation`, replacing its earlier one, and forgets that operation's proven
    /// card (a login forgets who was logged in).
    pub fn issue_card_challenge(&mut self, operation: CardOperation) -> ChallengeBytes {
        match operation {
            CardOperation::Login => self.logged_in_user = None,
            CardOperation::Register => self.registration = None,
            CardOperation::Change => self.change = None,
        }
        let challenge = Challenge::fresh();
        let bytes = challenge.bytes;
        self.card_challenges[operation.index()] = Some(challenge);
        bytes
    }

    /// Takes `operation`'s challenge out of the session (single use); `None` when absent or expired.
    pub fn take_card_challenge(&mut self, operation: CardOperation) -> Option<ChallengeBytes> {
        self.card_challenges[operation.index()]
            .take()
            .filter(Challenge::is_live)
            .map(|c| c.bytes)
    }
}

#[derive(Default)]
pub struct Sessions {
    by_id: HashMap<String, Session>,
}

impl Sessions {
    /// The live session named by the cookie value, if any (does not create one).
    pub fn get(&mut self, cookie: Option<&str>) -> Option<&mut Session> {
        self.expire();
        let session = self.by_id.get_mut(cookie?)?;
        session.last_seen = Instant::now();
        Some(session)
    }

    /// The session named by the cookie value, or a new one; returns its id and whether it is new (so the caller
    /// sets the cookie).
    pub fn get_or_create(&mut self, cookie: Option<&str>) -> (String, bool, &mut Session) {
        self.expire();
        let known = cookie
            .filter(|id| self.by_id.contains_key(*id))
            .map(str::to_string);
        let (id, is_new) = match known {
            Some(id) => (id, false),
            None => {
                let mut raw = [0u8; 16];
                rand::rngs::OsRng.fill_bytes(&mut raw);
                let id: String = raw.iter().map(|b| format!("{b:02X}")).collect();
                if self.by_id.len() >= MAX_SESSIONS {
                    self.evict_oldest();
                }
                self.by_id.insert(id.clone(), Session::new());
                (id, true)
            }
        };
        let session = self.by_id.entry(id.clone()).or_insert_with(Session::new);
        session.last_seen = Instant::now();
        (id, is_new, session)
    }

    fn expire(&mut self) {
        self.by_id
            .retain(|_, s| s.last_seen.elapsed() <= SESSION_IDLE_LIMIT);
    }

    fn evict_oldest(&mut self) {
        if let Some(oldest) = self
            .by_id
            .iter()
            .min_by_key(|(_, s)| s.last_seen)
            .map(|(id, _)| id.clone())
        {
            self.by_id.remove(&oldest);
        }
    }
}

/// The `JSESSIONID` value of a `Cookie:` header.
pub fn session_cookie(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim())
}
