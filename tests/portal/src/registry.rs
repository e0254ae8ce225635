//! The registration store: users (利用者), their registered certificate, pending renewals and held registrations
//! (仮登録), kept in one JSON file in the data directory. Every change is written to a temporary file and renamed over the old one, so a
//! crash leaves either the old or the new state, never half of one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::certificate::CertificateFacts;
use crate::contacts::Contacts;
use crate::lenient_base64;

const STORE_FILE: &str = "registrations.json";

/// 入札参加資格者名簿 entry: the names a card must carry for an immediate renewal or registration, and the
/// 企業情報 the 利用者登録画面 shows. A registration keeps its own copy (`User::roster`); the 名簿 itself is
/// `roster.json` ([`crate::roster`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    /// 業者番号, what 資格審査情報検索 looks up (empty in registrations made before the 名簿 existed).
    #[serde(default)]
    pub gyosha_no: String,
    /// 商号又は名称 as on the 名簿.
    pub company_name: String,
    /// 代表者氏名 as on the 名簿.
    pub representative: String,
    /// 受任者 (e.g. a branch manager with delegated authority), who may hold the card instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate: Option<String>,
    /// 所在地 as on the 名簿.
    #[serde(default)]
    pub address: String,
    /// 電話番号 as on the 名簿.
    #[serde(default)]
    pub phone: String,
}

/// What an administrator (or a test) registers: `replica-portal --register user.json` reads this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    /// 利用者ID; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// 商号又は名称 of the registration (e.g. 「株式会社A【物品】」).
    pub company_name: String,
    /// 所在地.
    pub address: String,
    /// 代表者氏名.
    pub representative: String,
    /// Where the portal's e-mails go; a placeholder when absent.
    #[serde(default)]
    pub email: Option<String>,
    /// 名簿 entry; defaults to `company_name` + `representative`.
    #[serde(default)]
    pub roster: Option<RosterEntry>,
    /// The card's certificate: base64 DER or PEM.
    pub certificate: String,
    /// 代表窓口情報 and ICカード利用部署情報 (what 登録 asks for); `email` defaults to the 代表窓口's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Contacts>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// The registered certificate may log in and renew.
    Active,
    /// A renewal waits for the city's review; the registered certificate still works.
    RenewalPending,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub company_name: String,
    pub address: String,
    pub representative: String,
    pub email: String,
    pub roster: RosterEntry,
    /// Base64 DER of the registered (current) card's certificate.
    pub certificate: String,
    pub status: UserStatus,
    /// Certificates replaced by a renewal: refused at login with a clear message.
    #[serde(default)]
    pub retired_certificates: Vec<String>,
    /// 代表窓口情報 and ICカード利用部署情報; absent for users registered by an administrator without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Contacts>,
}

/// A registration held (仮登録) because the card's names differ from the 名簿; 承認 registers `user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRegistration {
    pub id: u64,
    pub user: NewUser,
    /// RFC 3339.
    pub requested_at: String,
    /// Which names differ, in Japanese, for the reviewer.
    pub differences: Vec<String>,
}

/// A renewal held (仮登録) because the new card's names differ from the 名簿.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRenewal {
    pub id: u64,
    pub user_id: String,
    /// Base64 DER.
    pub old_certificate: String,
    /// Base64 DER.
    pub new_certificate: String,
    /// RFC 3339.
    pub requested_at: String,
    /// Which names differ, in Japanese, for the reviewer.
    pub differences: Vec<String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct StoreData {
    users: Vec<User>,
    pending: Vec<PendingRenewal>,
    next_renewal_id: u64,
    #[serde(default)]
    pending_registrations: Vec<PendingRegistration>,
    #[serde(default)]
    next_registration_id: u64,
}

#[derive(Debug)]
pub enum RegistryError {
    Io(std::io::Error),
    /// The store file exists but is not ours or is corrupted.
    Corrupt(String),
    /// The registration's certificate is not a base64 DER / PEM X.509 certificate.
    BadCertificate,
    /// A required field is empty.
    MissingField(&'static str),
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryError::Io(e) => write!(f, "registration store I/O error: {e}"),
            RegistryError::Corrupt(e) => write!(f, "registration store is corrupted: {e}"),
            RegistryError::BadCertificate => {
                write!(
                    f,
                    "the certificate is not a base64 DER or PEM X.509 certificate"
                )
            }
            RegistryError::MissingField(name) => write!(f, "the field `{name}` must not be empty"),
        }
    }
}

impl std::error::Error for RegistryError {}

impl From<std::io::Error> for RegistryError {
    fn from(e: std::io::Error) -> Self {
        RegistryError::Io(e)
    }
}

pub struct Registry {
    path: PathBuf,
    data: StoreData,
}

impl Registry {
    /// Opens (or starts) the store in `data_dir`, creating the directory when needed.
    pub fn open(data_dir: &Path) -> Result<Self, RegistryError> {
        fs::create_dir_all(data_dir)?;
        let path = data_dir.join(STORE_FILE);
        let data = match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| RegistryError::Corrupt(e.to_string()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => StoreData::default(),
            Err(e) => return Err(e.into()),
        };
        Ok(Registry { path, data })
    }

    /// Registers a user, or updates the user with the same id or the same certificate (so re-running a demo's
    /// registration is harmless). Returns the 利用者ID.
    pub fn register(&mut self, new_user: &NewUser) -> Result<String, RegistryError> {
        let mut next = self.data.clone();
        let id = insert_user(&mut next, new_user)?;
        self.commit(next)?;
        Ok(id)
    }

    pub fn users(&self) -> &[User] {
        &self.data.users
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.data.users.iter().find(|u| u.id == id)
    }

    /// The user whose registered certificate is exactly `der`.
    pub fn user_by_certificate(&self, der: &[u8]) -> Option<&User> {
        let b64 = lenient_base64::encode(der);
        self.data.users.iter().find(|u| u.certificate == b64)
    }

    /// The user who used to log in with `der` before a renewal.
    pub fn user_by_retired_certificate(&self, der: &[u8]) -> Option<&User> {
        let b64 = lenient_base64::encode(der);
        self.data
            .users
            .iter()
            .find(|u| u.retired_certificates.contains(&b64))
    }

    pub fn pending(&self) -> &[PendingRenewal] {
        &self.data.pending
    }

    pub fn pending_for_user(&self, user_id: &str) -> Option<&PendingRenewal> {
        self.data.pending.iter().find(|p| p.user_id == user_id)
    }

    pub fn pending_by_new_certificate(&self, der: &[u8]) -> Option<&PendingRenewal> {
        let b64 = lenient_base64::encode(der);
        self.data.pending.iter().find(|p| p.new_certificate == b64)
    }

    /// Replaces the user's registered certificate (the old one is retired) and drops any pending renewal.
    pub fn replace_certificate(
        &mut self,
        user_id: &str,
        new_der: &[u8],
    ) -> Result<(), RegistryError> {
        let mut next = self.data.clone();
        if let Some(user) = next.users.iter_mut().find(|u| u.id == user_id) {
            let old = std::mem::replace(&mut user.certificate, lenient_base64::encode(new_der));
            user.retired_certificates.push(old);
            user.status = UserStatus::Active;
        }
        next.pending.retain(|p| p.user_id != user_id);
        self.commit(next)
    }

    /// Holds a renewal for review; returns its number.
    pub fn hold_renewal(
        &mut self,
        user_id: &str,
        old_der: &[u8],
        new_der: &[u8],
        requested_at: String,
        differences: Vec<String>,
    ) -> Result<u64, RegistryError> {
        let mut next = self.data.clone();
        next.next_renewal_id += 1;
        let id = next.next_renewal_id;
        next.pending.retain(|p| p.user_id != user_id);
        next.pending.push(PendingRenewal {
            id,
            user_id: user_id.to_string(),
            old_certificate: lenient_base64::encode(old_der),
            new_certificate: lenient_base64::encode(new_der),
            requested_at,
            differences,
        });
        if let Some(user) = next.users.iter_mut().find(|u| u.id == user_id) {
            user.status = UserStatus::RenewalPending;
        }
        self.commit(next)?;
        Ok(id)
    }

    /// Removes a pending renewal (denied); the user keeps the registered certificate.
    pub fn drop_renewal(
        &mut self,
        renewal_id: u64,
    ) -> Result<Option<PendingRenewal>, RegistryError> {
        let mut next = self.data.clone();
        let Some(index) = next.pending.iter().position(|p| p.id == renewal_id) else {
            return Ok(None);
        };
        let renewal = next.pending.remove(index);
        if let Some(user) = next.users.iter_mut().find(|u| u.id == renewal.user_id) {
            user.status = UserStatus::Active;
        }
        self.commit(next)?;
        Ok(Some(renewal))
    }

    pub fn pending_registrations(&self) -> &[PendingRegistration] {
        &self.data.pending_registrations
    }

    /// The held registration of the card `der`, if any.
    pub fn pending_registration_by_certificate(&self, der: &[u8]) -> Option<&PendingRegistration> {
        let b64 = lenient_base64::encode(der);
        self.data
            .pending_registrations
            .iter()
            .find(|p| p.user.certificate == b64)
    }

    /// Holds a registration for review (仮登録); returns its number. `user.certificate` is base64 DER.
    pub fn hold_registration(
        &mut self,
        user: NewUser,
        requested_at: String,
        differences: Vec<String>,
    ) -> Result<u64, RegistryError> {
        let mut next = self.data.clone();
        next.next_registration_id += 1;
        let id = next.next_registration_id;
        next.pending_registrations.push(PendingRegistration {
            id,
            user,
            requested_at,
            differences,
        });
        self.commit(next)?;
        Ok(id)
    }

    /// 承認: registers the held registration `id` and drops it, in one write; `None` when there is none.
    pub fn approve_registration(
        &mut self,
        id: u64,
    ) -> Result<Option<(String, PendingRegistration)>, RegistryError> {
        let mut next = self.data.clone();
        let Some(index) = next.pending_registrations.iter().position(|p| p.id == id) else {
            return Ok(None);
        };
        let pending = next.pending_registrations.remove(index);
        let user_id = insert_user(&mut next, &pending.user)?;
        self.commit(next)?;
        Ok(Some((user_id, pending)))
    }

    /// 否認: drops the held registration `id`.
    pub fn drop_registration(
        &mut self,
        id: u64,
    ) -> Result<Option<PendingRegistration>, RegistryError> {
        let mut next = self.data.clone();
        let Some(index) = next.pending_registrations.iter().position(|p| p.id == id) else {
            return Ok(None);
        };
        let pending = next.pending_registrations.remove(index);
        self.commit(next)?;
        Ok(Some(pending))
    }

    /// 変更: replaces the user's contact data; the mails go to the new 代表窓口 address from now on.
    pub fn update_contacts(
        &mut self,
        user_id: &str,
        contacts: &Contacts,
    ) -> Result<bool, RegistryError> {
        let mut next = self.data.clone();
        let Some(user) = next.users.iter_mut().find(|u| u.id == user_id) else {
            return Ok(false);
        };
        user.email = contacts.representative.email.clone();
        user.contacts = Some(contacts.clone());
        self.commit(next)?;
        Ok(true)
    }

    /// Writes `next` atomically, then adopts it; on failure the in-memory state stays as it was on disk.
    fn commit(&mut self, next: StoreData) -> Result<(), RegistryError> {
        let json =
            serde_json::to_vec_pretty(&next).map_err(|e| RegistryError::Corrupt(e.to_string()))?;
        write_atomically(&self.path, &json)?;
        self.data = next;
        Ok(())
    }
}

/// Writes `bytes` to a temporary file and renames it over `path`: readers see the old or the new file, never half.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = path.with_extension("json.tmp");
    {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&temp, path)
}

/// Adds `new_user` to `next`, or updates the user with the same id or the same certificate; returns the 利用者ID.
fn insert_user(next: &mut StoreData, new_user: &NewUser) -> Result<String, RegistryError> {
    for (name, value) in [
        ("company_name", &new_user.company_name),
        ("address", &new_user.address),
        ("representative", &new_user.representative),
    ] {
        if value.trim().is_empty() {
            return Err(RegistryError::MissingField(name));
        }
    }
    let der = lenient_base64::decode(&new_user.certificate).ok_or(RegistryError::BadCertificate)?;
    CertificateFacts::parse(&der).map_err(|_| RegistryError::BadCertificate)?;
    let certificate = lenient_base64::encode(&der);
    let existing = next.users.iter().position(|u| {
        new_user.id.as_deref() == Some(u.id.as_str()) || u.certificate == certificate
    });
    let id = match (&new_user.id, existing) {
        (Some(id), _) => id.clone(),
        (None, Some(index)) => next.users[index].id.clone(),
        (None, None) => fresh_user_id(&next.users),
    };
    let email = new_user
        .email
        .clone()
        .or_else(|| {
            new_user
                .contacts
                .as_ref()
                .map(|c| c.representative.email.clone())
        })
        .unwrap_or_else(|| format!("{id}@example.jp"));
    let user = User {
        id: id.clone(),
        company_name: new_user.company_name.clone(),
        address: new_user.address.clone(),
        representative: new_user.representative.clone(),
        email,
        roster: new_user.roster.clone().unwrap_or_else(|| RosterEntry {
            company_name: new_user.company_name.clone(),
            representative: new_user.representative.clone(),
            address: new_user.address.clone(),
            ..RosterEntry::default()
        }),
        certificate,
        status: UserStatus::Active,
        retired_certificates: Vec::new(),
        contacts: new_user.contacts.clone(),
    };
    match existing {
        Some(index) => {
            let old_id = next.users[index].id.clone();
            next.pending.retain(|p| p.user_id != old_id);
            next.users[index] = user;
        }
        None => next.users.push(user),
    }
    Ok(id)
}

fn fresh_user_id(users: &[User]) -> String {
    (1..)
        .map(|n| format!("U{n:06}"))
        .find(|candidate| users.iter().all(|u| &u.id != candidate))
        .unwrap_or_default()
}
