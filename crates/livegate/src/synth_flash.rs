//! Colour-flash presentations synthesised from real clips, reproducible from a seed: the screen's
//! light added to the pixels of a real face as physics says it arrives, or not.
//!
//! Model, per frame and pixel (linear light): the screen at arm's length adds
//! `k · L_c · falloff(x, y)` of its colour `L` to the light the skin already receives, so a
//! pixel of value `p` (its albedo times the ambient light) becomes `p · (1 + k · L_c · falloff)`
//! — albedo × (ambient + screen). `k` is the screen's light at the face relative to the ambient
//! light (the case's, for full white), growing with the inverse square of the distance (the
//! face's width in the picture stands for it); `falloff` is a Gaussian around the face box (the
//! neck and shoulders get some) over a floor of 3-10 % for the wall behind, a metre or more away
//! (inverse square again). The camera then reacts as webcams
//! do: auto exposure pulls the picture's mean luminance back toward where it was and auto white
//! balance pulls each channel's mean back toward grey-world, each a first-order lag (time
//! constants drawn per presentation), and the light reaches the sensor a display-plus-capture
//! latency after the page changed colour. The frames are labelled as the SDK labels them:
//! the issued step on screen and how long it had been on. The pixels keep the clip's own sensor
//! noise and are rounded back to 8 bits.
//!
//! Attacks rendered on the same clips: no response at all (a replay), the response to the issued
//! colours one or more steps late (a renderer keyed to a shifted sequence), and the response to
//! another session's sequence.

use anyhow::{Context, Result};
use livegate_engine::light::ScreenColor;
use livegate_engine::liveness::flash::FlashSequence;
use livegate_engine::{Analyzer, FrameSignals, RgbImage};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// What the face's light does while the screen flashes.
#[derive(Clone, Debug)]
pub enum FlashRender {
    /// Follows the issued sequence (bona fide).
    Issued,
    /// Does not respond (a recording replayed through a virtual camera).
    Nothing,
    /// Follows the issued colours `steps` steps late.
    Shifted(usize),
    /// Follows another session's sequence.
    Foreign(FlashSequence),
}

/// Per-presentation physical parameters, drawn from the seed.
#[derive(Clone, Copy, Debug)]
pub struct FlashPhysics {
    /// Screen light at the face relative to ambient, for full white, at a face 30 % of the
    /// picture wide.
    pub strength: f64,
    /// Auto-exposure time constant (s).
    pub exposure_tau_s: f64,
    /// Auto-white-balance time constant (s).
    pub balance_tau_s: f64,
    /// Page colour change → light on the sensor (s).
    pub latency_s: f64,
    /// Share of the face's screen light that reaches the wall behind (a metre or more away
    /// against the face's 30-50 cm: inverse square).
    pub wall: f64,
}

impl FlashPhysics {
    /// Draws parameters: `strength` given (the case's), the camera's reactions and latency drawn.
    pub fn draw(strength: f64, rng: &mut ChaCha20Rng) -> Self {
        let mut u = || rng.next_u32() as f64 / u32::MAX as f64;
        Self {
            strength,
            exposure_tau_s: 0.15 + 0.45 * u(),
            balance_tau_s: 0.3 + 0.9 * u(),
            latency_s: 0.03 + 0.09 * u(),
            wall: 0.03 + 0.07 * u(),
        }
    }
}

fn to_linear(v: u8) -> f32 {
    let c = v as f32 / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn to_srgb(c: f32) -> u8 {
    let c = c.clamp(0.0, 1.0);
    let v = if c <= 0.003_130_8 {
        c * 12.92
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    };
    (v * 255.0).round() as u8
}

/// The colour (linear) lighting the face at `t` when the flash started at `start`, rendered as
/// `render` says, with the light `latency` behind the page.
fn light_at(issued: &FlashSequence, render: &FlashRender, t: f64) -> [f64; 3] {
    let step_of = |seq: &FlashSequence, t: f64| -> Option<usize> {
        if t < 0.0 || t >= seq.duration_s() {
            return None;
        }
        seq.starts().iter().rposition(|&s| s <= t)
    };
    match render {
        FlashRender::Nothing => [0.0; 3],
        FlashRender::Issued => step_of(issued, t).map_or([0.0; 3], |k| issued.steps[k].color.linear()),
        FlashRender::Shifted(by) => step_of(issued, t).map_or([0.0; 3], |k| {
            let n = issued.steps.len();
            issued.steps[(k + n - by % n) % n].color.linear()
        }),
        FlashRender::Foreign(other) => step_of(other, t).map_or([0.0; 3], |k| other.steps[k].color.linear()),
    }
}

/// Renders the flash onto a real clip's frames, fed in capture order, and analyses the result
/// as a session: `clean` are the clip's own signals (the face box of each frame, for the
/// falloff); the flash starts at `start_t` and the session ends at `until` (frames after the
/// flash pass unlit, for the movement challenges that follow it).
pub struct FlashRenderer<'a> {
    analyzer: &'a Analyzer,
    clean: &'a [FrameSignals],
    issued: &'a FlashSequence,
    render: &'a FlashRender,
    start_t: f64,
    until: f64,
    physics: FlashPhysics,
    exposure: f64,
    balance: [f64; 3],
    last_t: Option<f64>,
    last_box: Option<[f32; 4]>,
    out: Vec<FrameSignals>,
}

impl<'a> FlashRenderer<'a> {
    /// A renderer for one presentation.
    pub fn new(
        analyzer: &'a Analyzer,
        clean: &'a [FrameSignals],
        issued: &'a FlashSequence,
        render: &'a FlashRender,
        start_t: f64,
        until: f64,
        physics: FlashPhysics,
    ) -> Self {
        Self {
            analyzer,
            clean,
            issued,
            render,
            start_t,
            until,
            physics,
            exposure: 1.0,
            balance: [1.0; 3],
            last_t: None,
            last_box: None,
            out: Vec::new(),
        }
    }

    /// Lights, analyses and labels the frame at `t` (frames after `until` are ignored).
    pub fn push(&mut self, t: f64, mut image: RgbImage) -> Result<()> {
        if t > self.until {
            return Ok(());
        }
        if let Some(b) = self
            .clean
            .iter()
            .find(|f| (f.t - t).abs() < 1e-6)
            .and_then(|f| f.subject())
        {
            self.last_box = Some(b.bbox);
        }
        let lit = light_at(self.issued, self.render, t - self.start_t - self.physics.latency_s);
        let dt = self.last_t.map_or(0.0, |l| t - l);
        self.last_t = Some(t);
        if let Some(bbox) = self.last_box {
            let (ex, bal) = illuminate(&mut image, bbox, lit, &self.physics, self.exposure, self.balance);
            // The camera's reactions lag what the scene asks for.
            let a = 1.0 - (-dt / self.physics.exposure_tau_s).exp();
            self.exposure += (ex - self.exposure) * a;
            let b = 1.0 - (-dt / self.physics.balance_tau_s).exp();
            for (now, target) in self.balance.iter_mut().zip(bal) {
                *now += (target - *now) * b;
            }
        }
        let mut signals = self
            .analyzer
            .analyze_next(&image, t, &self.out)
            .with_context(|| format!("flash frame at {t:.3} s"))?;
        signals.screen = label(self.issued, t - self.start_t);
        self.out.push(signals);
        Ok(())
    }

    /// The session's frames.
    pub fn finish(self) -> Vec<FrameSignals> {
        self.out
    }
}

/// The step on screen `since` seconds after the flash started, as the SDK reports it.
fn label(seq: &FlashSequence, since: f64) -> Option<ScreenColor> {
    if !(0.0..seq.duration_s()).contains(&since) {
        return None;
    }
    let starts = seq.starts();
    let step = starts.iter().rposition(|&s| s <= since)?;
    Some(ScreenColor {
        step,
        since_s: since - starts[step],
    })
}

/// Adds the screen's light to `image` and applies the camera's current gains; returns the gains
/// the camera would settle at for this scene (exposure, white balance).
fn illuminate(
    image: &mut RgbImage,
    bbox: [f32; 4],
    lit: [f64; 3],
    physics: &FlashPhysics,
    exposure: f64,
    balance: [f64; 3],
) -> (f64, [f64; 3]) {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let [bx, by, bw, bh] = bbox;
    let (cx, cy) = (bx + bw / 2.0, by + bh / 2.0);
    // Inverse square: a face twice as wide in the picture is about half as far from the screen.
    let k = physics.strength * ((bw as f64 / w as f64) / 0.3).powi(2).clamp(0.2, 4.0);
    let sigma = (bw.max(1.0) * 0.6) as f64;
    let wall = physics.wall;
    let mut lin = [0.0f32; 256];
    for (v, l) in lin.iter_mut().enumerate() {
        *l = to_linear(v as u8);
    }
    let mut before = [0.0f64; 3];
    let mut after = [0.0f64; 3];
    let data = image.as_raw_mut();
    for y in 0..h {
        let dy = (y as f64 - cy as f64) / 1.3; // the light reaches further down (neck) than sideways
        for x in 0..w {
            let dx = x as f64 - cx as f64;
            let falloff = wall + (1.0 - wall) * (-(dx * dx + dy * dy) / (2.0 * sigma * sigma)).exp();
            let i = (y * w + x) * 3;
            for c in 0..3 {
                let p = lin[data[i + c] as usize] as f64;
                let q = p * (1.0 + k * lit[c] * falloff);
                before[c] += p;
                after[c] += q;
                data[i + c] = to_srgb((q * exposure * balance[c]) as f32);
            }
        }
    }
    let luma = |m: &[f64; 3]| 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2];
    let ex = if luma(&after) > 0.0 {
        luma(&before) / luma(&after)
    } else {
        1.0
    };
    // Grey world: each channel's mean relative to the luminance, restored to the scene's own.
    let bal: [f64; 3] = std::array::from_fn(|c| {
        let own = before[c] / luma(&before).max(1e-9);
        let now = after[c] / luma(&after).max(1e-9);
        if now > 0.0 {
            own / now
        } else {
            1.0
        }
    });
    (ex, bal)
}

/// Seeded RNG for a presentation's physics.
pub fn physics_rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed ^ 0x_f1a5_4c01_0f1a_5400)
}
