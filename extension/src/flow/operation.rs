//! What the bidder asked for: the renewal (two cards), or one of the one-card operations — ICカードによるログイン,
//! 2.1.3 利用者情報の新規登録, 利用者情報の変更. The engine's steps are the same; an operation says which purpose
//! the first card signs for and whether a second card follows. Its endpoints and next page are in the site profile.

use ebid_protocol::SignPurpose;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// ICカード更新 (seed 2.1.5): the current card consents, the new card takes over.
    Renew,
    /// ICカードによるログイン.
    Login,
    /// 2.1.3 利用者情報の新規登録: an unregistered card proves itself, the portal's pages take over.
    Register,
    /// 利用者情報の変更: a registered card opens its 利用者情報.
    Change,
}

impl Operation {
    pub const ALL: [Operation; 4] = [
        Operation::Renew,
        Operation::Login,
        Operation::Register,
        Operation::Change,
    ];

    /// What the first (for the one-card operations: the only) card signs for.
    pub fn first_purpose(self) -> SignPurpose {
        match self {
            Operation::Renew => SignPurpose::RenewCurrent,
            Operation::Login => SignPurpose::Login,
            Operation::Register => SignPurpose::Register,
            Operation::Change => SignPurpose::Change,
        }
    }

    /// A second (new) card follows the first: the renewal only.
    pub fn has_new_card(self) -> bool {
        self == Operation::Renew
    }

    /// The wire name (the content script's `operation`, `_locales` key suffixes).
    pub fn name(self) -> &'static str {
        match self {
            Operation::Renew => "renew",
            Operation::Login => "login",
            Operation::Register => "register",
            Operation::Change => "change",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_signs_its_own_purpose() {
        let purposes: Vec<_> = Operation::ALL.iter().map(|o| o.first_purpose()).collect();
        for (i, a) in purposes.iter().enumerate() {
            for b in &purposes[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert!(Operation::ALL
            .iter()
            .all(|o| o.has_new_card() == (*o == Operation::Renew)));
        for o in Operation::ALL {
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.name()));
        }
    }
}
