//! X5, the accessible challenge set: a workflow's `accessible_alternatives` (which challenge a
//! person may opt out of, and its replacements), its validation, the plan's "I can't do this"
//! flags, and what the session detail records of a swap.
//!
//! The score rule (README "Accessible challenges"): the replacement is a planned challenge like
//! any other — the same threshold, the same time frame (plus the time already spent on the one
//! replaced, at most one window), the same texture, replay and injection checks — and the count
//! of challenges never falls. Each challenge is swapped at most once and a replacement never
//! again. Only movements replace (never `color_flash`, which runs first); a replaced
//! `color_flash` leaves the session without its injection-resistant check, so the detail
//! carries the risk flag `flash_replaced`.

use std::collections::BTreeMap;

use livegate_engine::liveness::{Challenge, ChallengePlan};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// The validated policy: each challenge a person may opt out of, with its replacements.
pub type Alternatives = BTreeMap<Challenge, Vec<Challenge>>;

/// The risk flag of a session whose `color_flash` was replaced.
pub const FLASH_REPLACED: &str = "flash_replaced";

/// Parses a challenge name of the option (`unknown_challenge` otherwise).
fn challenge(name: &str) -> Result<Challenge, ApiError> {
    name.parse()
        .map_err(|_| ApiError::UnknownChallenge(name.chars().take(64).collect()))
}

/// Validates a profile's `accessible_alternatives`: every name a challenge (`unknown_challenge`),
/// and each list 1-4 distinct movements other than its key (`invalid_alternative`).
pub fn validate(raw: &BTreeMap<String, Vec<String>>) -> Result<Alternatives, ApiError> {
    let mut out = Alternatives::new();
    for (key, list) in raw {
        let from = challenge(key)?;
        let mut to = Vec::new();
        for name in list {
            let c = challenge(name)?;
            let why = if c == from {
                "a challenge cannot replace itself"
            } else if !c.is_movement() {
                "color_flash cannot be a replacement (it flashes the screen and runs first)"
            } else if to.contains(&c) {
                "a replacement is listed twice"
            } else {
                to.push(c);
                continue;
            };
            return Err(ApiError::InvalidAlternative(format!("{key} → {name}: {why}")));
        }
        if to.is_empty() {
            return Err(ApiError::InvalidAlternative(format!("{key} lists no replacement")));
        }
        out.insert(from, to);
    }
    Ok(out)
}

/// Sets each planned challenge's `alternative` flag: the policy names it, it is not itself a
/// replacement, and one of its replacements is not in the plan yet.
pub fn mark(plan: &mut ChallengePlan, policy: &Alternatives) {
    let names: Vec<Challenge> = plan.challenges.iter().map(|c| c.challenge).collect();
    for planned in &mut plan.challenges {
        planned.alternative = planned.replaces.is_none()
            && policy
                .get(&planned.challenge)
                .is_some_and(|to| to.iter().any(|c| !names.contains(c)));
    }
}

/// Why a person opts out of a challenge, as a stable code.
pub fn reason_of(c: Challenge) -> &'static str {
    match c {
        Challenge::ColorFlash => "no_flash",
        Challenge::Smile => "no_smile",
        Challenge::HeadLeft | Challenge::HeadRight => "no_head_turn",
        Challenge::Blink => "no_blink",
    }
}

/// One accessible alternative a session used (in the session detail and the webhook).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AlternativeUsed {
    /// Why: `no_flash`, `no_smile`, `no_head_turn` or `no_blink`.
    pub reason: String,
    /// The challenge the person opted out of.
    pub challenge: String,
    /// The challenge performed instead.
    pub replacement: String,
    /// Risk flags the swap raises: `flash_replaced` when the colour flash (the check against
    /// injected video) was replaced.
    pub risk_flags: Vec<String>,
}

/// The alternatives a plan records, in plan order.
pub fn used(plan: &ChallengePlan) -> Vec<AlternativeUsed> {
    plan.challenges
        .iter()
        .filter_map(|p| {
            let from = p.replaces?;
            Some(AlternativeUsed {
                reason: reason_of(from).into(),
                challenge: from.name().into(),
                replacement: p.challenge.name().into(),
                risk_flags: (from == Challenge::ColorFlash)
                    .then(|| FLASH_REPLACED.to_string())
                    .into_iter()
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn the_option_is_validated_with_stable_codes() {
        let ok = validate(&raw(&[("color_flash", &["blink"]), ("smile", &["blink", "head_left"])])).unwrap();
        assert_eq!(ok[&Challenge::Smile], vec![Challenge::Blink, Challenge::HeadLeft]);
        let code = |r: BTreeMap<String, Vec<String>>| validate(&r).unwrap_err().status_and_code();
        for bad in [raw(&[("colour_flash", &["blink"])]), raw(&[("smile", &["wink"])])] {
            assert_eq!(code(bad).1, "unknown_challenge");
        }
        for bad in [
            raw(&[("smile", &["smile"])]),
            raw(&[("smile", &["color_flash"])]),
            raw(&[("smile", &["blink", "blink"])]),
            raw(&[("smile", &[])]),
        ] {
            let (status, c) = code(bad);
            assert_eq!((status.as_u16(), c), (400, "invalid_alternative"));
        }
    }

    #[test]
    fn flags_follow_the_policy_and_the_plan() {
        use livegate_engine::liveness::LivenessConfig;
        use rand_chacha::rand_core::SeedableRng;
        let c = LivenessConfig::new("active", 75.0, &["color_flash", "smile", "blink"], None, None).unwrap();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let mut plan = ChallengePlan::draw(&c, false, &mut rng);
        // smile's only replacement is already asked for: no alternative is offered for it.
        let policy = validate(&raw(&[("color_flash", &["head_left"]), ("smile", &["blink"])])).unwrap();
        mark(&mut plan, &policy);
        let flag =
            |p: &ChallengePlan, c: Challenge| p.challenges.iter().find(|x| x.challenge == c).map(|x| x.alternative);
        assert_eq!(flag(&plan, Challenge::ColorFlash), Some(true));
        assert_eq!(flag(&plan, Challenge::Smile), Some(false));
        assert_eq!(flag(&plan, Challenge::Blink), Some(false));
        assert!(used(&plan).is_empty());
        plan.swap(0, &policy[&Challenge::ColorFlash], 0.0, &mut rng).unwrap();
        mark(&mut plan, &policy);
        assert_eq!(
            flag(&plan, Challenge::HeadLeft),
            Some(false),
            "a replacement is not swapped again"
        );
        assert_eq!(
            used(&plan),
            vec![AlternativeUsed {
                reason: "no_flash".into(),
                challenge: "color_flash".into(),
                replacement: "head_left".into(),
                risk_flags: vec![FLASH_REPLACED.into()],
            }]
        );
    }
}
