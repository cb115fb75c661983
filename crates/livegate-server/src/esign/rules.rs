//! The sending rules of seed 000: acceptance percentage 0-100, retries 0-3, Smart User
//! Liveliness only when the department enables it and never for automated signers, and the
//! attempts a capture gets when liveness and face match share it (the lower count).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::SignerType;
use crate::error::ApiError;
use crate::profile::{Profile, MAX_RETRIES};
use crate::store::DepartmentRow;

/// Default and recommended acceptance percentage.
pub const DEFAULT_ACCEPTANCE_PERCENTAGE: i64 = 65;
/// Frames a signer's capture analyses (passive liveness: face in the oval, no gestures).
pub const CAPTURE_FRAMES: u32 = 10;

/// Checks an acceptance percentage.
pub fn check_acceptance(p: i64) -> Result<i64, ApiError> {
    if (0..=100).contains(&p) {
        Ok(p)
    } else {
        Err(ApiError::AcceptancePercentageOutOfRange(p))
    }
}

fn check_retries(what: &'static str, n: i64) -> Result<i64, ApiError> {
    if (0..=i64::from(MAX_RETRIES)).contains(&n) {
        Ok(n)
    } else {
        Err(ApiError::RetriesOutOfRange(what, n))
    }
}

/// Face match requested for an invitee.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaceMatchRequest {
    /// Reference photo: base64 of a JPEG or PNG.
    pub reference_image: String,
    /// Retries, 0-3 (default 0).
    #[serde(default)]
    pub retries: i64,
}

/// "Enable security features" of an invitee, as sent.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityRequest {
    /// Capture the signer's face.
    #[serde(default)]
    pub capture_photo: bool,
    /// Score the capture with Smart User Liveliness.
    #[serde(default)]
    pub smart_liveliness: bool,
    /// Retries of the capture, 0-3 (0 = one attempt only).
    #[serde(default)]
    pub liveliness_retries: i64,
    /// Compare the capture with a reference photo.
    pub face_match: Option<FaceMatchRequest>,
}

/// The checked security options stored with an invitee.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Security {
    /// Capture the signer's face.
    pub capture_photo: bool,
    /// Smart User Liveliness.
    pub smart_liveliness: bool,
    /// Retries of the capture, 0-3.
    pub liveliness_retries: i64,
    /// Face match against the reference photo.
    pub face_match: bool,
    /// Retries of face match, 0-3.
    pub face_match_retries: i64,
}

impl Security {
    /// Checks what was asked for an invitee of `signer_type` in `department`.
    pub fn check(req: &SecurityRequest, signer_type: &str, department: &DepartmentRow) -> Result<Self, ApiError> {
        let Some(kind) = SignerType::parse(signer_type) else {
            let names: Vec<&str> = SignerType::ALL.iter().map(|t| t.as_str()).collect();
            return Err(ApiError::InvalidRequest(format!(
                "signer_type must be one of {names:?}, got {signer_type:?}"
            )));
        };
        let liveliness_retries = check_retries("liveliness_retries", req.liveliness_retries)?;
        let face_match_retries = match &req.face_match {
            Some(f) => check_retries("face_match.retries", f.retries)?,
            None => 0,
        };
        if req.smart_liveliness && kind != SignerType::Person {
            return Err(ApiError::LivelinessNotAvailable(signer_type.into()));
        }
        if req.smart_liveliness && !department.smart_liveliness {
            return Err(ApiError::LivelinessDisabled(department.name.clone()));
        }
        if (req.smart_liveliness || req.face_match.is_some()) && !req.capture_photo {
            return Err(ApiError::InvalidRequest(
                "smart_liveliness and face_match need capture_photo".into(),
            ));
        }
        if req.capture_photo && signer_type != "person" {
            return Err(ApiError::InvalidRequest(format!(
                "an automated signer ({signer_type}) cannot capture a photo"
            )));
        }
        Ok(Self {
            capture_photo: req.capture_photo,
            smart_liveliness: req.smart_liveliness,
            liveliness_retries,
            face_match: req.face_match.is_some(),
            face_match_retries,
        })
    }

    /// Attempts of the shared capture: one plus the lower retry count of the checks it serves.
    pub fn max_attempts(&self) -> i64 {
        let mut retries = self.liveliness_retries;
        if self.face_match {
            retries = if self.smart_liveliness {
                retries.min(self.face_match_retries)
            } else {
                self.face_match_retries
            };
        }
        1 + retries
    }

    /// Attempts left for liveness and for face match after `used` captures, and the lower of
    /// the two (what the signer is shown and what may still be tried).
    pub fn attempts_left(&self, used: i64) -> (i64, Option<i64>, i64) {
        let liveness = (1 + self.liveliness_retries - used).max(0);
        let face = self.face_match.then(|| (1 + self.face_match_retries - used).max(0));
        let shown = match (self.smart_liveliness, face) {
            (true, Some(f)) => liveness.min(f),
            (false, Some(f)) => f,
            (_, None) => liveness,
        };
        (liveness, face, shown)
    }

    /// The liveness profile of this invitee's capture: passive, scored against the department's
    /// acceptance percentage (0 for a photo-only capture), with the shared retries.
    pub fn capture_profile(&self, department: &DepartmentRow) -> Profile {
        let threshold = if self.smart_liveliness {
            department.acceptance_percentage as f64
        } else {
            0.0
        };
        let mut steps = vec!["selfie".to_string()];
        if self.face_match {
            steps.push("face_match".into());
        }
        Profile {
            steps: Some(steps),
            liveness_mode: Some("passive".into()),
            liveness_threshold: Some(threshold),
            frames: Some(CAPTURE_FRAMES),
            retries: Some((self.max_attempts() - 1) as u32),
            ..Profile::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn department(enabled: bool) -> DepartmentRow {
        DepartmentRow {
            id: "dep_1".into(),
            name: "Loans".into(),
            smart_liveliness: enabled,
            acceptance_percentage: 65,
            created_at: 0,
            updated_at: 0,
            tenant_id: "default".into(),
            ..DepartmentRow::default()
        }
    }

    fn request(liveliness: bool, retries: i64, face_retries: Option<i64>) -> SecurityRequest {
        SecurityRequest {
            capture_photo: true,
            smart_liveliness: liveliness,
            liveliness_retries: retries,
            face_match: face_retries.map(|r| FaceMatchRequest {
                reference_image: String::new(),
                retries: r,
            }),
        }
    }

    #[test]
    fn the_lower_count_decides_and_either_exhausted_blocks_both() {
        // The seed's example: face match 2 retries, liveliness 3: after 2 retries, neither.
        let s = Security::check(&request(true, 3, Some(2)), "person", &department(true)).unwrap();
        assert_eq!(s.max_attempts(), 3);
        assert_eq!(s.attempts_left(0), (4, Some(3), 3));
        assert_eq!(s.attempts_left(2), (2, Some(1), 1));
        assert_eq!(s.attempts_left(3), (1, Some(0), 0));
        let only_liveness = Security::check(&request(true, 0, None), "person", &department(true)).unwrap();
        assert_eq!((only_liveness.max_attempts(), only_liveness.attempts_left(1).2), (1, 0));
    }

    #[test]
    fn ranges_department_and_signer_type_are_enforced() {
        let code = |r: Result<Security, ApiError>| r.unwrap_err().status_and_code().1;
        assert_eq!(
            check_acceptance(101).unwrap_err().status_and_code().1,
            "acceptance_percentage_out_of_range"
        );
        assert!(check_acceptance(0).is_ok() && check_acceptance(100).is_ok() && check_acceptance(-1).is_err());
        assert_eq!(
            code(Security::check(&request(true, 4, None), "person", &department(true))),
            "retries_out_of_range"
        );
        assert_eq!(
            code(Security::check(&request(true, -1, None), "person", &department(true))),
            "retries_out_of_range"
        );
        assert_eq!(
            code(Security::check(&request(true, 1, Some(4)), "person", &department(true))),
            "retries_out_of_range"
        );
        assert_eq!(
            code(Security::check(&request(true, 1, None), "person", &department(false))),
            "liveliness_disabled"
        );
        for automated in ["virtual_signer", "doc_signer"] {
            assert_eq!(
                code(Security::check(&request(true, 1, None), automated, &department(true))),
                "liveliness_not_available"
            );
        }
        assert_eq!(
            code(Security::check(&request(false, 0, None), "robot", &department(true))),
            "invalid_request"
        );
        // Without Smart User Liveliness the capture is a photo: threshold 0.
        let photo = Security::check(&request(false, 1, None), "person", &department(false)).unwrap();
        assert_eq!(photo.capture_profile(&department(false)).liveness_threshold, Some(0.0));
        let scored = Security::check(&request(true, 1, None), "person", &department(true)).unwrap();
        assert_eq!(scored.capture_profile(&department(true)).liveness_threshold, Some(65.0));
    }
}
