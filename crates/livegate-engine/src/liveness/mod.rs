//! Liveness decisions: configuration, challenge plans, attack evidence and session verdicts.
//!
//! `LivenessConfig → ChallengePlan (CSPRNG passed in) → [FrameSignals] → AttackEvidence →
//! Scores → Verdict`. Pure: no clock, no IO, randomness only from the caller.

pub mod challenges;
pub mod config;
pub mod evidence;
pub mod flash;
pub mod gate;
pub mod plan;
pub mod verdict;

pub use config::{Challenge, ConfigError, LivenessConfig, LivenessMode};
pub use flash::{FlashReading, FlashSequence};
pub use plan::{ChallengePlan, OrderKind};
pub use verdict::{evaluate, Decision, Reason, Verdict};
