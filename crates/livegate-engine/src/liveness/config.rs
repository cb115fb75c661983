//! Liveness configuration: mode, threshold, challenges, frame counts and time frames — validated
//! once, with a clear message for every way it can be wrong.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// An active-liveness challenge (V2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Challenge {
    /// Turn to the subject's own left (yaw > 0).
    HeadLeft,
    /// Turn to the subject's own right (yaw < 0).
    HeadRight,
    /// Smile from a neutral face.
    Smile,
    /// Close and reopen the eyes.
    Blink,
    /// Hold still while the screen shows the session's colour sequence (X1); the face's light
    /// must follow it ([`super::flash`]). Never a default: it flashes the screen.
    ColorFlash,
}

/// Every movement challenge, in documentation order: the default set of an active profile that
/// names none.
pub const ALL_CHALLENGES: [Challenge; 4] = [
    Challenge::HeadLeft,
    Challenge::HeadRight,
    Challenge::Smile,
    Challenge::Blink,
];

/// Every challenge a profile may name: the movement challenges and `color_flash`.
pub const KNOWN_CHALLENGES: [Challenge; 5] = [
    Challenge::HeadLeft,
    Challenge::HeadRight,
    Challenge::Smile,
    Challenge::Blink,
    Challenge::ColorFlash,
];

impl Challenge {
    /// The stable name (`head_left`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::HeadLeft => "head_left",
            Self::HeadRight => "head_right",
            Self::Smile => "smile",
            Self::Blink => "blink",
            Self::ColorFlash => "color_flash",
        }
    }

    /// A movement the face performs (turn, smile, blink), as opposed to the screen's flash.
    pub fn is_movement(self) -> bool {
        !matches!(self, Self::ColorFlash)
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Challenge {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KNOWN_CHALLENGES
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| ConfigError::UnknownChallenge(s.to_string()))
    }
}

/// Passive (texture + quality on one frame or a burst) or active (challenges) liveness (V1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LivenessMode {
    /// One frame or a short burst.
    Passive,
    /// Challenges performed on camera.
    Active,
}

impl FromStr for LivenessMode {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "passive" => Ok(Self::Passive),
            "active" => Ok(Self::Active),
            other => Err(ConfigError::UnknownMode(other.to_string())),
        }
    }
}

/// Why a configuration is refused.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ConfigError {
    /// Not one of head_left, head_right, smile, blink, color_flash.
    #[error("unknown challenge `{0}`; use head_left, head_right, smile, blink or color_flash")]
    UnknownChallenge(String),
    /// Not passive or active.
    #[error("unknown liveness mode `{0}`; use passive or active")]
    UnknownMode(String),
    /// Active mode without challenges.
    #[error("liveness_challenges must list at least one challenge in active mode")]
    EmptyChallenges,
    /// The same challenge twice.
    #[error("challenge `{0}` is listed twice")]
    DuplicateChallenge(Challenge),
    /// Threshold outside 0..=100.
    #[error("liveness_threshold must be between 0 and 100, got {0}")]
    ThresholdOutOfRange(f64),
    /// Too few or too many frames.
    #[error("frames per session must be between {min} and {max} for {mode} mode, got {got}")]
    FramesOutOfRange {
        /// Mode name.
        mode: &'static str,
        /// Lower bound.
        min: u32,
        /// Upper bound.
        max: u32,
        /// Given.
        got: u32,
    },
    /// Non-positive or absurd time frame.
    #[error("challenge time frame must be between 1 and 60 seconds, got {0}")]
    TimeFrameOutOfRange(f64),
}

/// Minimum frames for an active session (seed 001: 8-12).
pub const ACTIVE_FRAMES_MIN: u32 = 8;
/// Maximum frames kept for scoring an active session.
pub const ACTIVE_FRAMES_MAX: u32 = 600;
/// Maximum frames of a passive burst.
pub const PASSIVE_FRAMES_MAX: u32 = 10;

/// A validated liveness profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LivenessConfig {
    /// Passive or active.
    pub mode: LivenessMode,
    /// Pass threshold on the 0-100 score (default 75).
    pub threshold: f64,
    /// Challenges to draw from (active mode).
    pub challenges: Vec<Challenge>,
    /// Minimum frames the session must capture.
    pub min_frames: u32,
    /// Seconds allowed for each challenge.
    pub challenge_time_frame_s: f64,
}

/// Default pass threshold (seed 001).
pub const DEFAULT_THRESHOLD: f64 = 75.0;
/// Default seconds per challenge.
pub const DEFAULT_TIME_FRAME_S: f64 = 6.0;

impl LivenessConfig {
    /// Builds and validates a configuration from raw values (names as the API receives them).
    pub fn new(
        mode: &str,
        threshold: f64,
        challenges: &[&str],
        min_frames: Option<u32>,
        time_frame_s: Option<f64>,
    ) -> Result<Self, ConfigError> {
        let mode: LivenessMode = mode.parse()?;
        let challenges = challenges
            .iter()
            .map(|c| c.parse())
            .collect::<Result<Vec<Challenge>, _>>()?;
        let config = Self {
            mode,
            threshold,
            min_frames: min_frames.unwrap_or(match mode {
                LivenessMode::Passive => 1,
                LivenessMode::Active => ACTIVE_FRAMES_MIN,
            }),
            challenges,
            challenge_time_frame_s: time_frame_s.unwrap_or(DEFAULT_TIME_FRAME_S),
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks every rule; the first broken one is reported.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(0.0..=100.0).contains(&self.threshold) || !self.threshold.is_finite() {
            return Err(ConfigError::ThresholdOutOfRange(self.threshold));
        }
        for (i, c) in self.challenges.iter().enumerate() {
            if self.challenges[..i].contains(c) {
                return Err(ConfigError::DuplicateChallenge(*c));
            }
        }
        let (name, min, max) = match self.mode {
            LivenessMode::Passive => ("passive", 1, PASSIVE_FRAMES_MAX),
            LivenessMode::Active => {
                if self.challenges.is_empty() {
                    return Err(ConfigError::EmptyChallenges);
                }
                ("active", ACTIVE_FRAMES_MIN, ACTIVE_FRAMES_MAX)
            }
        };
        if !(min..=max).contains(&self.min_frames) {
            return Err(ConfigError::FramesOutOfRange {
                mode: name,
                min,
                max,
                got: self.min_frames,
            });
        }
        if !(1.0..=60.0).contains(&self.challenge_time_frame_s) {
            return Err(ConfigError::TimeFrameOutOfRange(self.challenge_time_frame_s));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_configuration_has_its_message() {
        let e = LivenessConfig::new("active", 75.0, &["head_up"], None, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown challenge `head_up`; use head_left, head_right, smile, blink or color_flash"
        );
        assert_eq!(
            LivenessConfig::new("active", 75.0, &[], None, None).unwrap_err(),
            ConfigError::EmptyChallenges
        );
        assert!(matches!(
            LivenessConfig::new("active", 101.0, &["smile"], None, None),
            Err(ConfigError::ThresholdOutOfRange(_))
        ));
        assert!(matches!(
            LivenessConfig::new("active", -1.0, &["smile"], None, None),
            Err(ConfigError::ThresholdOutOfRange(_))
        ));
        assert!(matches!(
            LivenessConfig::new("active", 75.0, &["smile"], Some(3), None),
            Err(ConfigError::FramesOutOfRange { got: 3, .. })
        ));
        assert!(matches!(
            LivenessConfig::new("active", 75.0, &["smile", "smile"], None, None),
            Err(ConfigError::DuplicateChallenge(Challenge::Smile))
        ));
        assert!(matches!(
            LivenessConfig::new("sleepy", 75.0, &[], None, None),
            Err(ConfigError::UnknownMode(_))
        ));
        assert!(matches!(
            LivenessConfig::new("active", 75.0, &["blink"], None, Some(0.0)),
            Err(ConfigError::TimeFrameOutOfRange(_))
        ));
    }

    #[test]
    fn defaults_are_valid() {
        let c = LivenessConfig::new("passive", DEFAULT_THRESHOLD, &[], None, None).unwrap();
        assert_eq!(c.min_frames, 1);
        let c = LivenessConfig::new("active", 80.0, &["head_left", "head_right", "blink"], None, None).unwrap();
        assert_eq!(c.min_frames, ACTIVE_FRAMES_MIN);
    }
}
