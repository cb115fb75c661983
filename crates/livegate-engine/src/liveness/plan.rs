//! Challenge plans: which challenges, in which order, with which time frames, under which nonce.
//!
//! The order is drawn per session from a caller-supplied CSPRNG (so tests pass a seeded one and
//! the server the OS generator). A fixed order can be requested for scripted tests; the plan
//! records that it is weaker.

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::config::{Challenge, LivenessConfig, LivenessMode};
use super::flash::FlashSequence;

/// How the order was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// Shuffled per session with a CSPRNG.
    Randomized,
    /// As configured (scripted tests only: a pre-recorded video can follow it).
    Fixed,
}

/// One challenge of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedChallenge {
    /// The challenge.
    pub challenge: Challenge,
    /// Seconds allowed, counted from the completion of the previous challenge (or the start).
    pub time_frame_s: f64,
    /// The challenge this one replaced (X5): the person asked for an alternative to it
    /// ([`ChallengePlan::swap`]). A replacement is never swapped again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<Challenge>,
    /// The workflow offers an alternative to this challenge (X5), so the SDK shows "I can't do
    /// this" on it. Which alternative is not said until the person asks.
    #[serde(default, skip_serializing_if = "is_false")]
    pub alternative: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Why a plan refuses a swap ([`ChallengePlan::swap`]).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SwapError {
    /// No challenge at that index.
    #[error("the plan has no challenge {0}")]
    NoSuchChallenge(usize),
    /// The challenge there is itself a replacement.
    #[error("challenge `{0}` already replaced another one")]
    AlreadySwapped(Challenge),
    /// No candidate is a movement missing from the plan.
    #[error("no replacement is available: each is already in the plan or not a movement")]
    NoCandidate,
}

/// The challenge order for one session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChallengePlan {
    /// Challenges in the order the subject must perform them (empty in passive mode).
    pub challenges: Vec<PlannedChallenge>,
    /// Randomised or fixed.
    pub order: OrderKind,
    /// 128-bit hex nonce binding frames to this plan.
    pub nonce: String,
    /// The screen's colour sequence when the plan asks for `color_flash` (a function of the
    /// nonce, [`FlashSequence::from_nonce`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flash: Option<FlashSequence>,
}

impl ChallengePlan {
    /// Draws a plan for `config` with `rng`; `fixed` keeps the configured order.
    pub fn draw<R: RngCore + CryptoRng>(config: &LivenessConfig, fixed: bool, rng: &mut R) -> Self {
        let mut order: Vec<Challenge> = match config.mode {
            LivenessMode::Passive => Vec::new(),
            LivenessMode::Active => config.challenges.clone(),
        };
        // The flash runs first, right after the gate, while the face is still and frontal; the
        // movements after it are shuffled.
        let flash_first = order.contains(&Challenge::ColorFlash);
        order.retain(|c| c.is_movement());
        if !fixed {
            // Fisher–Yates with rejection sampling (no modulo bias).
            for i in (1..order.len()).rev() {
                let j = uniform_below(rng, i as u32 + 1) as usize;
                order.swap(i, j);
            }
        }
        if flash_first {
            order.insert(0, Challenge::ColorFlash);
        }
        let mut nonce = [0u8; 16];
        rng.fill_bytes(&mut nonce);
        Self {
            flash: flash_first.then(|| FlashSequence::from_nonce(&nonce)),
            challenges: order
                .into_iter()
                .map(|challenge| PlannedChallenge {
                    challenge,
                    time_frame_s: config.challenge_time_frame_s,
                    replaces: None,
                    alternative: false,
                })
                .collect(),
            order: if fixed { OrderKind::Fixed } else { OrderKind::Randomized },
            nonce: hex::encode(nonce),
        }
    }

    /// Whether the plan asks for the colour flash.
    pub fn has_flash(&self) -> bool {
        self.flash.is_some() && self.challenges.iter().any(|c| c.challenge == Challenge::ColorFlash)
    }

    /// Replaces the challenge at `index` with one of `candidates` (X5's accessible
    /// alternative), drawn uniformly with `rng` among those that are movements not in the plan
    /// yet, and returns it. The replacement and the challenges after it are shuffled again with
    /// `rng` (unless the order is fixed); earlier challenges keep their place, so what was
    /// performed stays performed. The challenge now at `index` gets `extra_s` more seconds (the
    /// time the person already spent on the one replaced). The count of challenges never
    /// changes, and without `color_flash` the flash sequence goes.
    pub fn swap<R: RngCore + CryptoRng>(
        &mut self,
        index: usize,
        candidates: &[Challenge],
        extra_s: f64,
        rng: &mut R,
    ) -> Result<Challenge, SwapError> {
        let planned = *self.challenges.get(index).ok_or(SwapError::NoSuchChallenge(index))?;
        if planned.replaces.is_some() {
            return Err(SwapError::AlreadySwapped(planned.challenge));
        }
        let open: Vec<Challenge> = candidates
            .iter()
            .copied()
            .filter(|c| c.is_movement() && !self.challenges.iter().any(|p| p.challenge == *c))
            .collect();
        if open.is_empty() {
            return Err(SwapError::NoCandidate);
        }
        let replacement = open[uniform_below(rng, open.len() as u32) as usize];
        self.challenges[index] = PlannedChallenge {
            challenge: replacement,
            replaces: Some(planned.challenge),
            alternative: false,
            ..planned
        };
        if self.order == OrderKind::Randomized {
            let rest = &mut self.challenges[index..];
            for i in (1..rest.len()).rev() {
                let j = uniform_below(rng, i as u32 + 1) as usize;
                rest.swap(i, j);
            }
        }
        self.challenges[index].time_frame_s += extra_s.max(0.0);
        if !self.challenges.iter().any(|c| c.challenge == Challenge::ColorFlash) {
            self.flash = None;
        }
        Ok(replacement)
    }

    /// The challenge names in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.challenges.iter().map(|c| c.challenge.name()).collect()
    }
}

fn uniform_below<R: RngCore>(rng: &mut R, n: u32) -> u32 {
    let zone = u32::MAX - (u32::MAX % n);
    loop {
        let v = rng.next_u32();
        if v < zone {
            return v % n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn config() -> LivenessConfig {
        LivenessConfig::new(
            "active",
            75.0,
            &["head_left", "head_right", "smile", "blink"],
            None,
            None,
        )
        .unwrap()
    }

    #[test]
    fn same_seed_same_plan_and_orders_vary() {
        let a = ChallengePlan::draw(&config(), false, &mut ChaCha20Rng::seed_from_u64(7));
        let b = ChallengePlan::draw(&config(), false, &mut ChaCha20Rng::seed_from_u64(7));
        assert_eq!(a, b);
        let mut seen = std::collections::HashSet::new();
        for seed in 0..64 {
            let p = ChallengePlan::draw(&config(), false, &mut ChaCha20Rng::seed_from_u64(seed));
            assert_eq!(p.challenges.len(), 4);
            assert_eq!(p.nonce.len(), 32);
            seen.insert(p.names());
        }
        assert!(seen.len() > 10, "only {} distinct orders", seen.len());
    }

    #[test]
    fn the_flash_comes_first_with_the_nonces_sequence() {
        let c = LivenessConfig::new("active", 75.0, &["smile", "color_flash", "head_left"], None, None).unwrap();
        for seed in 0..16 {
            let p = ChallengePlan::draw(&c, false, &mut ChaCha20Rng::seed_from_u64(seed));
            assert_eq!(p.names()[0], "color_flash");
            assert_eq!(p.challenges.len(), 3);
            let nonce = hex::decode(&p.nonce).unwrap();
            assert_eq!(p.flash, Some(FlashSequence::from_nonce(&nonce)));
            assert!(p.has_flash());
        }
        assert!(
            ChallengePlan::draw(&config(), false, &mut ChaCha20Rng::seed_from_u64(1))
                .flash
                .is_none()
        );
    }

    #[test]
    fn a_swap_replaces_one_challenge_keeps_the_count_and_redraws_the_rest() {
        let c = LivenessConfig::new(
            "active",
            75.0,
            &["color_flash", "smile", "head_left", "head_right"],
            None,
            None,
        )
        .unwrap();
        let mut orders = std::collections::HashSet::new();
        for seed in 0..32 {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let mut p = ChallengePlan::draw(&c, false, &mut rng);
            let got = p
                .swap(
                    0,
                    &[Challenge::ColorFlash, Challenge::Smile, Challenge::Blink],
                    2.0,
                    &mut rng,
                )
                .unwrap();
            // Only a movement missing from the plan can come in.
            assert_eq!(got, Challenge::Blink);
            assert_eq!(p.challenges.len(), 4);
            assert!(p.flash.is_none() && !p.has_flash());
            let swapped: Vec<_> = p.challenges.iter().filter(|c| c.replaces.is_some()).collect();
            assert_eq!(swapped.len(), 1);
            assert_eq!(swapped[0].replaces, Some(Challenge::ColorFlash));
            assert_eq!(p.challenges[0].time_frame_s, c.challenge_time_frame_s + 2.0);
            assert!(p.challenges[1..].iter().all(|c| c.time_frame_s == 6.0));
            orders.insert(p.names());
            // At most one swap per challenge: a replacement stays.
            let at = p.challenges.iter().position(|c| c.replaces.is_some()).unwrap();
            assert_eq!(
                p.swap(at, &[Challenge::HeadLeft], 0.0, &mut rng),
                Err(SwapError::AlreadySwapped(Challenge::Blink))
            );
        }
        assert!(orders.len() > 4, "the rest is redrawn: {orders:?}");
        // Later swaps keep what came before; no candidate left is refused.
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut p = ChallengePlan::draw(&config(), true, &mut rng);
        assert_eq!(
            p.swap(2, &[Challenge::Blink], 0.0, &mut rng),
            Err(SwapError::NoCandidate)
        );
        assert_eq!(
            p.swap(9, &[Challenge::Smile], 0.0, &mut rng),
            Err(SwapError::NoSuchChallenge(9))
        );
        let c = LivenessConfig::new("active", 75.0, &["head_left", "smile", "head_right"], None, None).unwrap();
        let mut p = ChallengePlan::draw(&c, true, &mut rng);
        assert_eq!(p.swap(1, &[Challenge::Blink], 0.0, &mut rng), Ok(Challenge::Blink));
        assert_eq!(
            p.names(),
            vec!["head_left", "blink", "head_right"],
            "a fixed order stays fixed"
        );
    }

    #[test]
    fn fixed_order_is_kept_and_recorded() {
        let p = ChallengePlan::draw(&config(), true, &mut ChaCha20Rng::seed_from_u64(1));
        assert_eq!(p.names(), vec!["head_left", "head_right", "smile", "blink"]);
        assert_eq!(p.order, OrderKind::Fixed);
    }
}
