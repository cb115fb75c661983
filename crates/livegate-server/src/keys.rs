//! What an API key may do: the fixed set of [`Scope`]s it holds and the tenant it acts for.
//!
//! Where it sits: `api::auth::require` turns the `Authorization: Bearer` secret into a
//! [`Caller`] (the key's row in `store::api_keys`), asks it for the one scope the route needs
//! (`403 insufficient_scope` without it), and handlers compare the caller's tenant with every
//! row they read; another tenant's row is answered as if it did not exist (404), so a key
//! learns nothing about other tenants. Session client tokens (`lgt_…`) and journey tokens
//! (`lgj_…`) are not keys: they are bound to one session or invitee, whose tenant they inherit.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// Prefix of API key secrets issued by the server (the bootstrap key from the configuration
/// keeps whatever form it was given in).
pub const KEY_PREFIX: &str = "lgk_";

/// The tenant of the bootstrap key and of every row stored before tenants existed.
pub const DEFAULT_TENANT: &str = "default";

/// Longest tenant name.
const MAX_TENANT_LEN: usize = 64;

/// Longest key name.
const MAX_NAME_LEN: usize = 100;

/// One permission of an API key. `admin` holds every other scope and manages keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    /// Liveness sessions: create them, upload frames, complete them, read their detail,
    /// verdicts and audit images.
    #[serde(rename = "sessions")]
    Sessions,
    /// Workflows.
    #[serde(rename = "workflows")]
    Workflows,
    /// Administering the e-signature product: departments, templates, the document listing,
    /// audit trails (CSV) and the outbox.
    #[serde(rename = "esign:admin")]
    EsignAdmin,
    /// Sending documents for signature (one or in bulk) and reading their status and PDFs.
    #[serde(rename = "esign:send")]
    EsignSend,
    /// Webhook endpoints and their delivery logs.
    #[serde(rename = "webhooks")]
    Webhooks,
    /// Everything above, and API keys.
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// Every scope, in a fixed order.
    pub const ALL: [Scope; 6] = [
        Scope::Sessions,
        Scope::Workflows,
        Scope::EsignAdmin,
        Scope::EsignSend,
        Scope::Webhooks,
        Scope::Admin,
    ];

    /// The stable name (`sessions`, `esign:admin`, …).
    pub fn name(self) -> &'static str {
        match self {
            Scope::Sessions => "sessions",
            Scope::Workflows => "workflows",
            Scope::EsignAdmin => "esign:admin",
            Scope::EsignSend => "esign:send",
            Scope::Webhooks => "webhooks",
            Scope::Admin => "admin",
        }
    }

    /// The scope of this name, if there is one.
    pub fn from_name(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Validates scope names from a request: at least one, each known; sorted and without repeats.
/// An unknown name is `400 unknown_scope` naming it.
pub fn parse_scopes(names: &[String]) -> Result<Vec<Scope>, ApiError> {
    let mut scopes = names
        .iter()
        .map(|n| Scope::from_name(n.trim()).ok_or_else(|| ApiError::UnknownScope(n.chars().take(64).collect())))
        .collect::<Result<Vec<_>, _>>()?;
    if scopes.is_empty() {
        return Err(ApiError::InvalidRequest("scopes must name at least one scope".into()));
    }
    scopes.sort();
    scopes.dedup();
    Ok(scopes)
}

/// Scopes as stored: names separated by spaces.
pub fn scopes_to_text(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.name()).collect::<Vec<_>>().join(" ")
}

/// Scopes as stored back into scopes; names this server does not know are dropped (a key
/// written by a newer server loses only what this one cannot check).
pub fn scopes_from_text(text: &str) -> Vec<Scope> {
    let mut scopes: Vec<Scope> = text.split_whitespace().filter_map(Scope::from_name).collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

/// A tenant name: 1-64 of `a-z`, `0-9`, `-`, `_` (`400 invalid_tenant` otherwise).
pub fn tenant_name(name: &str) -> Result<String, ApiError> {
    let ok = (1..=MAX_TENANT_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(name.to_string())
    } else {
        Err(ApiError::InvalidTenant(name.chars().take(80).collect()))
    }
}

/// A key name: 1-100 characters without control characters, trimmed.
pub fn key_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if (1..=MAX_NAME_LEN).contains(&name.chars().count()) && !name.chars().any(char::is_control) {
        Ok(name.to_string())
    } else {
        Err(ApiError::InvalidRequest(format!(
            "name must be 1-{MAX_NAME_LEN} characters"
        )))
    }
}

/// The API key behind a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The key's id (`key_…`).
    pub key_id: String,
    /// The tenant whose rows the key sees.
    pub tenant: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
}

impl Caller {
    /// Whether the key holds `scope` (admin holds all).
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&Scope::Admin) || self.scopes.contains(&scope)
    }

    /// `403 insufficient_scope` unless the key holds `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.has(scope) {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope(scope.name()))
        }
    }

    /// An admin key of the default tenant: the operator, who manages the keys of every tenant.
    pub fn is_operator(&self) -> bool {
        self.has(Scope::Admin) && self.tenant == DEFAULT_TENANT
    }

    /// Whether a row of `tenant` is visible to this key.
    pub fn sees(&self, tenant: &str) -> bool {
        self.tenant == tenant
    }

    /// `Ok(row)` when the row is this key's tenant's, else `missing` (another tenant's row is
    /// answered as absent).
    pub fn own<T>(&self, row_tenant: &str, row: T, missing: ApiError) -> Result<T, ApiError> {
        if self.sees(row_tenant) {
            Ok(row)
        } else {
            Err(missing)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn scopes_parse_sorted_and_refuse_unknown_names() {
        let parsed = parse_scopes(&names(&["webhooks", "sessions", "esign:send", "webhooks"])).unwrap();
        assert_eq!(parsed, vec![Scope::Sessions, Scope::EsignSend, Scope::Webhooks]);
        assert_eq!(scopes_from_text(&scopes_to_text(&parsed)), parsed);
        for unknown in ["sessions:write", "sessions:read", "esign", "root"] {
            let e = parse_scopes(&names(&[unknown])).unwrap_err();
            assert_eq!(e.status_and_code().1, "unknown_scope");
        }
        assert!(parse_scopes(&[]).is_err());
        for s in Scope::ALL {
            assert_eq!(Scope::from_name(s.name()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        }
    }

    #[test]
    fn admin_holds_every_scope_and_tenants_are_checked() {
        let admin = Caller {
            key_id: "key_a".into(),
            tenant: DEFAULT_TENANT.into(),
            scopes: vec![Scope::Admin],
        };
        assert!(Scope::ALL.iter().all(|s| admin.has(*s)));
        assert!(admin.is_operator());
        let reader = Caller {
            key_id: "key_b".into(),
            tenant: "acme".into(),
            scopes: vec![Scope::EsignSend],
        };
        assert!(reader.require(Scope::EsignSend).is_ok());
        assert_eq!(
            reader.require(Scope::EsignAdmin).unwrap_err().status_and_code().1,
            "insufficient_scope"
        );
        assert!(!reader.is_operator());
        assert!(reader.own("acme", 1, ApiError::SessionNotFound).is_ok());
        assert!(reader.own("default", 1, ApiError::SessionNotFound).is_err());
    }

    #[test]
    fn tenant_names_are_plain() {
        assert!(tenant_name("acme-eu_1").is_ok());
        for bad in ["", "Acme", "a b", "a/b", &"x".repeat(65)] {
            assert_eq!(tenant_name(bad).unwrap_err().status_and_code().1, "invalid_tenant");
        }
    }
}
