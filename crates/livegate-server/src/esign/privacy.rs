//! What a department tells its signers: the privacy notice shown before the camera (what is
//! captured, why, how long it is kept, whom to contact) and the branding of the journey pages
//! and messages (name, colour). Each setting is checked here, once, for create and update.

use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::store::{DepartmentRow, DocumentRow, InviteeRow};
use crate::AppState;

/// Days capture images are kept when a department does not say.
pub const DEFAULT_RETENTION_DAYS: i64 = 90;
/// Longest retention a department may set (ten years).
pub const MAX_RETENTION_DAYS: i64 = 3650;
/// Longest privacy notice, in characters.
pub const MAX_NOTICE_CHARS: usize = 4000;

/// What is captured and why, when the department has no text of its own.
pub const DEFAULT_NOTICE: &str =
    "To confirm that the person signing is you and is present, your camera records a short \
     series of images of your face. They are checked for liveness (and, when the sender asked for it, compared with \
     the reference photo the sender provided). Up to three still images are kept as evidence of this signature.";

/// The privacy notice of a signer's capture step.
#[derive(Serialize, ToSchema)]
pub struct PrivacyNotice {
    /// What is captured and why (the department's text, or the built-in one).
    pub notice: String,
    /// Days the capture images are kept after the capture; then they are deleted.
    pub retention_days: i64,
    /// Whom to contact about the data (the department's contact, else the sender).
    pub contact: Option<String>,
    /// Unix ms the signer consented; none until then.
    pub consented_at: Option<i64>,
}

impl PrivacyNotice {
    /// The notice `i` is shown for a document of `department`.
    pub fn of(department: &DepartmentRow, doc: &DocumentRow, i: &InviteeRow) -> Self {
        Self {
            notice: department
                .privacy_notice
                .clone()
                .unwrap_or_else(|| DEFAULT_NOTICE.into()),
            retention_days: department.capture_retention_days,
            contact: contact_of(department, doc),
            consented_at: i.capture_consent_at,
        }
    }

    /// Hex sha256 of what was shown (notice, retention, contact), for the audit trail.
    pub fn sha256(&self) -> String {
        let shown = format!(
            "{}\n{}\n{}",
            self.notice,
            self.retention_days,
            self.contact.as_deref().unwrap_or("")
        );
        hex::encode(Sha256::digest(shown.as_bytes()))
    }
}

/// Whom a signer contacts: the department's privacy contact, else the document's sender.
pub fn contact_of(department: &DepartmentRow, doc: &DocumentRow) -> Option<String> {
    department.privacy_contact.clone().or_else(|| doc.sender_email.clone())
}

/// The branding of the journey pages.
#[derive(Serialize, ToSchema)]
pub struct Branding {
    /// Shown as the sender of the journey (the brand name, else the department name).
    pub name: String,
    /// Accent colour `#rrggbb`, if set.
    pub colour: Option<String>,
}

impl Branding {
    /// The branding of `department`.
    pub fn of(department: &DepartmentRow) -> Self {
        Self {
            name: brand_name(department).to_string(),
            colour: department.brand_colour.clone(),
        }
    }
}

/// The name signers see for a document's department (messages name it as the sender).
pub async fn brand_of(state: &AppState, doc: &DocumentRow) -> Result<String, ApiError> {
    let department = state
        .store
        .department(&doc.department_id)
        .await?
        .ok_or(ApiError::DepartmentNotFound)?;
    Ok(brand_name(&department).to_string())
}

/// The name signers see for a department: its brand name, else its name.
pub fn brand_name(department: &DepartmentRow) -> &str {
    department.brand_name.as_deref().unwrap_or(&department.name)
}

fn invalid(message: String) -> ApiError {
    ApiError::InvalidDepartmentSetting(message)
}

/// A retention of 1 to [`MAX_RETENTION_DAYS`] days.
pub fn check_retention(days: i64) -> Result<i64, ApiError> {
    if (1..=MAX_RETENTION_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(invalid(format!(
            "capture_retention_days must be 1-{MAX_RETENTION_DAYS}, got {days}"
        )))
    }
}

/// A colour written `#rrggbb` (lower-cased); an empty string clears it.
pub fn check_colour(colour: &str) -> Result<Option<String>, ApiError> {
    let c = colour.trim();
    if c.is_empty() {
        return Ok(None);
    }
    let hex = c.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(Some(c.to_ascii_lowercase()))
    } else {
        Err(invalid(format!("brand_colour must be #rrggbb, got {c:?}")))
    }
}

/// Free text of at most `max` characters without control characters other than line breaks;
/// an empty string clears it.
pub fn check_text(field: &str, text: &str, max: usize) -> Result<Option<String>, ApiError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max {
        return Err(invalid(format!("{field} must be at most {max} characters")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(format!("{field} must not contain control characters")));
    }
    Ok(Some(t.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        assert_eq!(check_colour("#1A2b3C").unwrap().as_deref(), Some("#1a2b3c"));
        assert_eq!(check_colour("").unwrap(), None);
        for bad in ["red", "#12345", "#1234567", "1a2b3c", "#12345g", "#fff;x", "url(x)"] {
            assert!(check_colour(bad).is_err(), "{bad}");
        }
        assert!(check_retention(0).is_err() && check_retention(3651).is_err());
        assert_eq!(check_retention(30).unwrap(), 30);
        assert!(check_text("privacy_contact", "a\u{7}b", 200).is_err());
        assert_eq!(
            check_text("privacy_notice", " x\ny ", 10).unwrap().as_deref(),
            Some("x\ny")
        );
        assert!(check_text("brand_name", &"x".repeat(11), 10).is_err());
    }
}
