//! Liveness profiles (seed 001's `profile` object plus frames, time frame, retries and order):
//! the shape workflows store and sessions override, and its validation into a
//! [`LivenessConfig`].

use std::collections::BTreeMap;

use livegate_engine::liveness::config::DEFAULT_THRESHOLD;
use livegate_engine::liveness::LivenessConfig;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// Steps a profile may name: `selfie` (the liveness capture; required), `document` (a document
/// portrait supplied as the reference image) and `face_match` (compare the selfie with the
/// reference image).
pub const STEPS: [&str; 3] = ["document", "selfie", "face_match"];
/// Most retries a profile may allow.
pub const MAX_RETRIES: u32 = 3;
/// Highest frame cap a profile may set.
pub const MAX_FRAMES_CAP: u32 = 2000;
/// Seconds the SDK waits at the pre-capture gate before it offers Try again.
const GATE_S: f64 = 25.0;
/// The SDK's default capture rate.
const SDK_FPS: f64 = 5.0;

/// The default frame cap of a session: twice the frames the SDK sends over the whole plan at
/// its default rate (the gate's wait, every challenge window and 5 s of slack), and at least
/// four times the frames the plan needs. A passive plan comes to 300, a two-challenge plan
/// with 6 s windows to 420.
pub fn default_max_frames(config: &LivenessConfig) -> u32 {
    let asked = match config.mode {
        livegate_engine::liveness::LivenessMode::Active => config.challenges.len(),
        livegate_engine::liveness::LivenessMode::Passive => 0,
    };
    let windows = config.challenge_time_frame_s * asked as f64;
    let run = ((GATE_S + windows + 5.0) * SDK_FPS).ceil() as u32;
    (2 * run).max(4 * config.min_frames).min(MAX_FRAMES_CAP)
}

/// A liveness profile; every field optional, defaults `passive` / `75` / all challenges.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Steps of the verification (`selfie`, `document`, `face_match`); default `["selfie"]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<String>>,
    /// `passive` or `active`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_mode: Option<String>,
    /// Minimum score to pass, 0-100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_threshold: Option<f64>,
    /// Subset of `head_left`, `head_right`, `smile`, `blink` (active mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_challenges: Option<Vec<String>>,
    /// Frames the session must capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<u32>,
    /// Seconds allowed for each challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_time_frame_s: Option<f64>,
    /// Retries after a failed attempt, 0-3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Keep the configured challenge order instead of randomising it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_order: Option<bool>,
    /// Most frames a session accepts (`frames` up to 2000); default twice what the SDK sends
    /// over the whole plan ([`default_max_frames`]). Further uploads get `409 frame_limit_reached`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_frames: Option<u32>,
    /// X5: challenges a person may opt out of ("I can't do this"), each with its replacement
    /// movements, e.g. `{"color_flash": ["blink"], "smile": ["head_left", "head_right"]}`.
    /// Default `{}`: no alternative (the SDK tells the person to ask for help). Never shown to
    /// the person ([`crate::accessibility`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessible_alternatives: Option<BTreeMap<String, Vec<String>>>,
}

/// A profile with every field decided and checked.
#[derive(Clone, Debug)]
pub struct ResolvedProfile {
    /// The effective profile, every field present (stored with the session).
    pub profile: Profile,
    /// The engine's configuration.
    pub config: LivenessConfig,
    /// Whether the selfie is compared with a reference image.
    pub face_match: bool,
    /// Retries allowed.
    pub retries: u32,
    /// Fixed challenge order.
    pub fixed_order: bool,
    /// The accessible alternatives the person may ask for.
    pub alternatives: crate::accessibility::Alternatives,
}

impl Profile {
    /// `self` with the fields `over` sets replaced.
    pub fn merged(&self, over: &Profile) -> Profile {
        Profile {
            steps: over.steps.clone().or_else(|| self.steps.clone()),
            liveness_mode: over.liveness_mode.clone().or_else(|| self.liveness_mode.clone()),
            liveness_threshold: over.liveness_threshold.or(self.liveness_threshold),
            liveness_challenges: over
                .liveness_challenges
                .clone()
                .or_else(|| self.liveness_challenges.clone()),
            frames: over.frames.or(self.frames),
            challenge_time_frame_s: over.challenge_time_frame_s.or(self.challenge_time_frame_s),
            retries: over.retries.or(self.retries),
            fixed_order: over.fixed_order.or(self.fixed_order),
            max_frames: over.max_frames.or(self.max_frames),
            accessible_alternatives: over
                .accessible_alternatives
                .clone()
                .or_else(|| self.accessible_alternatives.clone()),
        }
    }

    /// Validates and fills in defaults.
    pub fn resolve(&self) -> Result<ResolvedProfile, ApiError> {
        let steps = self.steps.clone().unwrap_or_else(|| vec!["selfie".into()]);
        if let Some(bad) = steps.iter().find(|s| !STEPS.contains(&s.as_str())) {
            return Err(ApiError::InvalidRequest(format!(
                "unknown step {bad:?}; steps are {}",
                STEPS.join(", ")
            )));
        }
        if !steps.iter().any(|s| s == "selfie") {
            return Err(ApiError::InvalidRequest("steps must include \"selfie\"".into()));
        }
        let retries = self.retries.unwrap_or(0);
        if retries > MAX_RETRIES {
            return Err(ApiError::InvalidRequest(format!(
                "retries must be 0-{MAX_RETRIES}, got {retries}"
            )));
        }
        let mode = self.liveness_mode.clone().unwrap_or_else(|| "passive".into());
        let threshold = self.liveness_threshold.unwrap_or(DEFAULT_THRESHOLD);
        let all: Vec<String> = livegate_engine::liveness::config::ALL_CHALLENGES
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let challenges = self.liveness_challenges.clone().unwrap_or(all);
        let names: Vec<&str> = challenges.iter().map(String::as_str).collect();
        let config = LivenessConfig::new(&mode, threshold, &names, self.frames, self.challenge_time_frame_s)?;
        let fixed_order = self.fixed_order.unwrap_or(false);
        let max_frames = self.max_frames.unwrap_or_else(|| default_max_frames(&config));
        if !(config.min_frames..=MAX_FRAMES_CAP).contains(&max_frames) {
            return Err(ApiError::InvalidRequest(format!(
                "max_frames must be {}-{MAX_FRAMES_CAP} (at least the frames the plan needs), got {max_frames}",
                config.min_frames
            )));
        }
        let raw_alternatives = self.accessible_alternatives.clone().unwrap_or_default();
        let alternatives = crate::accessibility::validate(&raw_alternatives)?;
        let profile = Profile {
            steps: Some(steps.clone()),
            liveness_mode: Some(mode),
            liveness_threshold: Some(config.threshold),
            liveness_challenges: Some(config.challenges.iter().map(|c| c.name().to_string()).collect()),
            frames: Some(config.min_frames),
            challenge_time_frame_s: Some(config.challenge_time_frame_s),
            retries: Some(retries),
            fixed_order: Some(fixed_order),
            max_frames: Some(max_frames),
            accessible_alternatives: Some(raw_alternatives),
        };
        Ok(ResolvedProfile {
            profile,
            config,
            face_match: steps.iter().any(|s| s == "face_match" || s == "document"),
            retries,
            fixed_order,
            alternatives,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r_default_cap() -> u32 {
        Profile::default().resolve().unwrap().profile.max_frames.unwrap()
    }

    #[test]
    fn defaults_overrides_and_refusals() {
        let r = Profile::default().resolve().unwrap();
        assert_eq!(r.profile.liveness_mode.as_deref(), Some("passive"));
        assert_eq!(r.profile.liveness_threshold, Some(75.0));
        assert!(!r.face_match);
        let base = Profile {
            liveness_mode: Some("active".into()),
            liveness_threshold: Some(80.0),
            ..Profile::default()
        };
        let over = Profile {
            liveness_threshold: Some(60.0),
            steps: Some(vec!["document".into(), "selfie".into()]),
            ..Profile::default()
        };
        let r = base.merged(&over).resolve().unwrap();
        assert_eq!(r.profile.liveness_mode.as_deref(), Some("active"));
        assert_eq!(r.profile.liveness_threshold, Some(60.0));
        assert!(r.face_match);
        let bad = |p: Profile| p.resolve().unwrap_err().status_and_code().1;
        assert_eq!(
            bad(Profile {
                retries: Some(4),
                ..Profile::default()
            }),
            "invalid_request"
        );
        assert_eq!(
            bad(Profile {
                steps: Some(vec!["document".into()]),
                ..Profile::default()
            }),
            "invalid_request"
        );
        assert_eq!(r_default_cap(), 300);
        assert_eq!(
            bad(Profile {
                max_frames: Some(2001),
                ..Profile::default()
            }),
            "invalid_request"
        );
        assert_eq!(
            bad(Profile {
                liveness_threshold: Some(101.0),
                ..Profile::default()
            }),
            "invalid_profile"
        );
    }
}
