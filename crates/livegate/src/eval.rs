//! `livegate eval <cases.json>`: an ISO/IEC 30107-3 style evaluation over labelled real clips and
//! attacks synthesised from them.
//!
//! For each case: frames → signals (cached per source clip) → optional synthesis → `evaluate` →
//! verdict. Then per attack type (PAI species) APCER, BPCER, ACER, non-response rates at the
//! configured threshold, a DET curve over all thresholds, and the score distribution.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use livegate_engine::liveness::{LivenessConfig, Reason, Verdict};
use livegate_engine::{Analyzer, FrameSignals};
use livegate_media::open_source;
use serde::{Deserialize, Serialize};

use crate::{backend, plot, synth, synth_flash, ModelArgs};
use livegate_engine::liveness::gate::read_session;
use livegate_engine::liveness::{evaluate, ChallengePlan, FlashSequence};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Arguments of `livegate eval`.
#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The cases file (JSON).
    pub cases: PathBuf,
    /// Directory the case files are relative to (default: the cases file's `testdata`).
    #[arg(long)]
    pub testdata: Option<PathBuf>,
    /// Where to write report.json, report.md, det.png and scores.png.
    #[arg(long, default_value = "target/eval")]
    pub out: PathBuf,
    /// Exit with an error when any attack type's APCER exceeds this (0..1).
    #[arg(long)]
    pub max_apcer: Option<f64>,
    /// Exit with an error when BPCER exceeds this (0..1).
    #[arg(long)]
    pub max_bpcer: Option<f64>,
    #[command(flatten)]
    pub models: ModelArgs,
}

/// The cases file.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct CasesFile {
    /// Default media root, relative to the cases file.
    pub testdata: String,
    /// Sampling rate for clips.
    pub fps: f64,
    /// Seed of every synthesis.
    pub seed: u64,
    /// Pass threshold.
    pub threshold: f64,
    /// Seconds per challenge.
    pub time_frame_s: f64,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One labelled presentation.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique id.
    pub id: String,
    /// `bona_fide` or the attack type (PAI species).
    pub label: String,
    /// `passive` or `active`.
    pub mode: String,
    /// Expected challenge order (active mode).
    #[serde(default)]
    pub challenges: Vec<String>,
    /// The real media file.
    pub file: String,
    /// How to make an attack from it, if synthesised.
    #[serde(default)]
    pub synth: Option<Synth>,
    /// Why this label (provenance of the label).
    pub note: String,
}

/// Synthesis recipes.
#[derive(Deserialize, Debug, Clone)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Synth {
    /// A print of the frame at `at` seconds, moved for `seconds`.
    Print {
        /// Time of the printed frame.
        at: f64,
        /// Duration.
        seconds: f64,
    },
    /// The frame at `at` seconds injected `frames` times.
    Static {
        /// Time of the frame.
        at: f64,
        /// How many copies.
        frames: usize,
    },
    /// The first `frames` frames looped `repeats` times.
    Loop {
        /// Segment length.
        frames: usize,
        /// Repeats.
        repeats: usize,
    },
    /// Segments of the clip re-ordered (each `[t0, t1)`), played in the listed order.
    Reorder {
        /// Segments.
        segments: Vec<[f64; 2]>,
    },
    /// The frame at `at` seconds alone, as one selfie photograph (a live still).
    Still {
        /// Time of the frame.
        at: f64,
    },
    /// One photograph of a print of the frame at `at` seconds (a still attack).
    PrintStill {
        /// Time of the printed frame.
        at: f64,
    },
    /// The face of `mask` (its frame at `mask_at` seconds) printed and cut out with eye holes,
    /// worn over the face of this file's frame at `at` seconds (a still attack).
    PaperMask {
        /// Time of the wearer's frame.
        at: f64,
        /// The file whose face is printed on the mask.
        mask: String,
        /// Time of the mask's frame.
        mask_at: f64,
    },
    /// The clip's `[0, cut)` followed by `other`'s frames from `from` seconds.
    Splice {
        /// Cut time in this clip.
        cut: f64,
        /// Second clip.
        other: String,
        /// Start in the second clip.
        from: f64,
    },
    /// The session's colour flash (the case lists `color_flash`) shown from the gate on, the
    /// face's light rendered onto the clip as `render` says ([`synth_flash`]).
    Flash {
        /// `issued` (bona fide), `nothing` (a replay), `shifted` (one step late) or `foreign`
        /// (another session's sequence).
        render: String,
        /// Screen light at the face relative to ambient for full white.
        strength: f64,
    },
}

/// One evaluated case.
#[derive(Serialize, Debug)]
pub struct CaseResult {
    /// Case id.
    pub id: String,
    /// Label.
    pub label: String,
    /// The verdict.
    pub verdict: Verdict,
    /// No decision possible (no face / too few frames).
    pub non_response: bool,
}

/// Rates of one attack type.
#[derive(Serialize, Debug)]
pub struct SpeciesRates {
    /// Attack type.
    pub species: String,
    /// Attack presentations.
    pub count: usize,
    /// Accepted as bona fide.
    pub accepted: usize,
    /// APCER (0..1).
    pub apcer: f64,
    /// Attack presentation non-response rate.
    pub apnrr: f64,
}

/// Bona fide colour-flash presentations (synthesised responses).
#[derive(Serialize, Debug, Default)]
pub struct FlashRates {
    /// Presentations.
    pub bona_fide: usize,
    /// Rejected.
    pub rejected: usize,
    /// BPCER over them (0..1).
    pub bpcer: f64,
    /// Share whose face did not measurably respond (fitted gain below the floor).
    pub non_response_rate: f64,
}

fn flash_rates(cases: &[CaseResult], threshold: f64) -> FlashRates {
    let set: Vec<&CaseResult> = cases
        .iter()
        .filter(|c| c.label == "bona_fide" && c.verdict.evidence.flash.is_some())
        .collect();
    let rejected = set
        .iter()
        .filter(|c| c.verdict.reasons.iter().any(|r| r.is_hard()) || c.verdict.liveness_score < threshold)
        .count();
    let silent = set
        .iter()
        .filter(|c| c.verdict.evidence.flash.as_ref().is_some_and(|f| !f.responded))
        .count();
    let n = set.len().max(1) as f64;
    FlashRates {
        bona_fide: set.len(),
        rejected,
        bpcer: rejected as f64 / n,
        non_response_rate: silent as f64 / n,
    }
}

/// The 30107-3 report.
#[derive(Serialize, Debug)]
pub struct Report {
    /// Threshold used.
    pub threshold: f64,
    /// Per attack type.
    pub species: Vec<SpeciesRates>,
    /// Bona fide presentations.
    pub bona_fide: usize,
    /// Bona fide rejected.
    pub bona_fide_rejected: usize,
    /// BPCER (0..1).
    pub bpcer: f64,
    /// Bona fide non-response rate.
    pub bpnrr: f64,
    /// (max APCER + BPCER) / 2.
    pub acer: f64,
    /// The synthesised bona fide colour-flash responses on their own.
    pub flash: FlashRates,
    /// DET points: (threshold, max APCER, BPCER).
    pub det: Vec<(f64, f64, f64)>,
    /// Every case.
    pub cases: Vec<CaseResult>,
}

struct Runner<'a> {
    analyzer: &'a Analyzer,
    root: PathBuf,
    fps: f64,
    cache: HashMap<String, Vec<FrameSignals>>,
    /// Where each still case's photograph is written (`<out>/stills/<id>.jpg`), for review.
    stills: PathBuf,
}

impl Runner<'_> {
    fn signals(&mut self, file: &str) -> Result<Vec<FrameSignals>> {
        if let Some(s) = self.cache.get(file) {
            return Ok(s.clone());
        }
        let path = self.root.join(file);
        let report = crate::analyze::analyze_path(self.analyzer, &path, Some(self.fps))
            .with_context(|| format!("analysing {}", path.display()))?;
        self.cache.insert(file.to_string(), report.frames.clone());
        Ok(report.frames)
    }

    fn frame_at(&self, file: &str, at: f64) -> Result<livegate_engine::RgbImage> {
        let source = open_source(&self.root.join(file), Some(self.fps))?;
        let mut found = None;
        source.for_each_frame(|f| -> Result<()> {
            if found.is_none() && f.t + 1e-6 >= at {
                found = Some(f.image);
            }
            Ok(())
        })?;
        found.with_context(|| format!("{file} has no frame at {at} s"))
    }

    /// Analyses one photograph, keeping a copy of it beside the report.
    fn still(&self, id: &str, photo: &livegate_engine::RgbImage) -> Result<FrameSignals> {
        std::fs::create_dir_all(&self.stills)?;
        std::fs::write(
            self.stills.join(format!("{id}.jpg")),
            livegate_media::image_io::encode_jpeg(photo, 90)?,
        )?;
        Ok(self.analyzer.analyze(photo, 0.0)?)
    }

    fn flash_frames(
        &mut self,
        case: &Case,
        plan: &ChallengePlan,
        render: &str,
        strength: f64,
        seed: u64,
    ) -> Result<Vec<FrameSignals>> {
        let issued = plan.flash.as_ref().with_context(|| {
            format!(
                "case {}: a flash synthesis needs color_flash in its challenges",
                case.id
            )
        })?;
        let render = match render {
            "issued" => synth_flash::FlashRender::Issued,
            "nothing" => synth_flash::FlashRender::Nothing,
            "shifted" => synth_flash::FlashRender::Shifted(1),
            "foreign" => {
                let mut nonce = seed.to_le_bytes().to_vec();
                nonce.extend_from_slice(b"another session");
                synth_flash::FlashRender::Foreign(FlashSequence::from_nonce(&nonce))
            }
            other => bail!("case {}: unknown flash render `{other}`", case.id),
        };
        let clean = self.signals(&case.file)?;
        // The SDK starts the flash once the gate has passed and the next frame answer says so.
        let start = read_session(&clean).gate.t.unwrap_or(0.0) + 0.2;
        let physics = synth_flash::FlashPhysics::draw(strength, &mut synth_flash::physics_rng(seed));
        let last = clean.last().map_or(0.0, |f| f.t);
        if start + issued.duration_s() > last {
            bail!(
                "case {}: the clip ends at {last:.1} s, before the flash would ({:.1} s)",
                case.id,
                start + issued.duration_s()
            );
        }
        // A plan of the flash alone ends shortly after its last colour; movements follow it.
        let until = if plan.challenges.len() == 1 {
            start + issued.duration_s() + 0.4
        } else {
            f64::INFINITY
        };
        let mut renderer =
            synth_flash::FlashRenderer::new(self.analyzer, &clean, issued, &render, start, until, physics);
        let source = open_source(&self.root.join(&case.file), Some(self.fps))?;
        source.for_each_frame(|f| renderer.push(f.t, f.image))?;
        Ok(renderer.finish())
    }

    fn case_frames(&mut self, case: &Case, plan: &ChallengePlan, seed: u64) -> Result<Vec<FrameSignals>> {
        let Some(synth) = &case.synth else {
            return self.signals(&case.file);
        };
        let fps = self.fps;
        Ok(match synth {
            Synth::Print { at, seconds } => {
                let still = self.frame_at(&case.file, *at)?;
                synth::print_attack(self.analyzer, &still, *seconds, fps, seed)?
            }
            Synth::Still { at } => {
                let photo = self.frame_at(&case.file, *at)?;
                vec![self.still(&case.id, &photo)?]
            }
            Synth::PrintStill { at } => {
                let photo = synth::print_still(&self.frame_at(&case.file, *at)?, seed);
                vec![self.still(&case.id, &photo)?]
            }
            Synth::PaperMask { at, mask, mask_at } => {
                let (wearer, mask) = (self.frame_at(&case.file, *at)?, self.frame_at(mask, *mask_at)?);
                let photo = synth::paper_mask(self.analyzer, &wearer, &mask, seed)?;
                vec![self.still(&case.id, &photo)?]
            }
            Synth::Static { at, frames } => {
                let clip = self.signals(&case.file)?;
                let frame = clip
                    .iter()
                    .find(|f| f.t + 1e-6 >= *at)
                    .context("no frame at that time")?;
                synth::static_stream(frame, *frames, fps)
            }
            Synth::Loop { frames, repeats } => synth::looped(&self.signals(&case.file)?, *frames, *repeats, fps),
            Synth::Reorder { segments } => {
                let clip = self.signals(&case.file)?;
                let parts: Vec<FrameSignals> = segments
                    .iter()
                    .flat_map(|[a, b]| synth::segment(&clip, *a, *b))
                    .collect();
                synth::splice(&parts, &[], fps)
            }
            Synth::Splice { cut, other, from } => {
                let a = synth::segment(&self.signals(&case.file)?, 0.0, *cut);
                let b = synth::segment(&self.signals(other)?, *from, f64::MAX);
                synth::splice(&a, &b, fps)
            }
            Synth::Flash { render, strength } => self.flash_frames(case, plan, render, *strength, seed)?,
        })
    }
}

fn config_for(case: &Case, file: &CasesFile) -> Result<LivenessConfig> {
    let names: Vec<&str> = case.challenges.iter().map(String::as_str).collect();
    LivenessConfig::new(&case.mode, file.threshold, &names, None, Some(file.time_frame_s))
        .with_context(|| format!("case {}", case.id))
}

/// The case's plan: the listed order (fixed), with a nonce — and so a flash sequence — drawn
/// from the case's seed.
fn plan_for(config: &LivenessConfig, seed: u64) -> ChallengePlan {
    ChallengePlan::draw(config, true, &mut ChaCha20Rng::seed_from_u64(seed))
}

fn is_non_response(v: &Verdict) -> bool {
    v.reasons
        .iter()
        .any(|r| matches!(r, Reason::NoFace | Reason::NotEnoughFrames))
}

/// Rates at `threshold` from scores (a case is accepted when it passes at that threshold).
fn rates(cases: &[CaseResult], threshold: f64) -> (Vec<SpeciesRates>, usize, usize, f64) {
    let accepted = |c: &CaseResult| {
        let hard = c.verdict.reasons.iter().any(|r| r.is_hard());
        !hard && c.verdict.liveness_score >= threshold
    };
    let mut species: Vec<String> = cases
        .iter()
        .filter(|c| c.label != "bona_fide")
        .map(|c| c.label.clone())
        .collect();
    species.sort();
    species.dedup();
    let per = species
        .into_iter()
        .map(|s| {
            let set: Vec<&CaseResult> = cases.iter().filter(|c| c.label == s).collect();
            let acc = set.iter().filter(|c| accepted(c)).count();
            let nr = set.iter().filter(|c| c.non_response).count();
            SpeciesRates {
                apcer: acc as f64 / set.len() as f64,
                apnrr: nr as f64 / set.len() as f64,
                species: s,
                count: set.len(),
                accepted: acc,
            }
        })
        .collect();
    let bona: Vec<&CaseResult> = cases.iter().filter(|c| c.label == "bona_fide").collect();
    let rejected = bona.iter().filter(|c| !accepted(c)).count();
    let bpcer = rejected as f64 / bona.len().max(1) as f64;
    (per, bona.len(), rejected, bpcer)
}

/// Runs every case and computes the report; still cases keep their photograph under `out/stills`.
pub fn run_cases(analyzer: &Analyzer, cases_path: &Path, testdata: Option<&Path>, out: &Path) -> Result<Report> {
    let text = std::fs::read_to_string(cases_path).with_context(|| format!("reading {}", cases_path.display()))?;
    let file: CasesFile = serde_json::from_str(&text).with_context(|| format!("parsing {}", cases_path.display()))?;
    let root = match testdata {
        Some(p) => p.to_path_buf(),
        None => cases_path.parent().unwrap_or(Path::new(".")).join(&file.testdata),
    };
    if !root.is_dir() {
        bail!("test media directory {} not found (use --testdata)", root.display());
    }
    let mut runner = Runner {
        analyzer,
        root,
        fps: file.fps,
        cache: HashMap::new(),
        stills: out.join("stills"),
    };
    let mut results = Vec::new();
    for (i, case) in file.cases.iter().enumerate() {
        let seed = file.seed.wrapping_add(i as u64);
        let config = config_for(case, &file)?;
        let plan = plan_for(&config, seed);
        let frames = runner.case_frames(case, &plan, seed)?;
        let verdict = evaluate(&config, &plan, &frames);
        eprintln!(
            "{:<28} {:<16} score {:5.1} {:?} {:?}",
            case.id,
            case.label,
            verdict.liveness_score,
            verdict.decision,
            verdict.reasons.iter().map(|r| r.code()).collect::<Vec<_>>()
        );
        results.push(CaseResult {
            id: case.id.clone(),
            label: case.label.clone(),
            non_response: is_non_response(&verdict),
            verdict,
        });
    }
    let (species, bona_fide, bona_fide_rejected, bpcer) = rates(&results, file.threshold);
    let max_apcer = species.iter().map(|s| s.apcer).fold(0.0, f64::max);
    let det = (0..=100)
        .map(|t| {
            let (sp, _, _, b) = rates(&results, t as f64);
            (t as f64, sp.iter().map(|s| s.apcer).fold(0.0, f64::max), b)
        })
        .collect();
    let bona: Vec<&CaseResult> = results.iter().filter(|c| c.label == "bona_fide").collect();
    Ok(Report {
        threshold: file.threshold,
        bpnrr: bona.iter().filter(|c| c.non_response).count() as f64 / bona.len().max(1) as f64,
        flash: flash_rates(&results, file.threshold),
        species,
        bona_fide,
        bona_fide_rejected,
        bpcer,
        acer: (max_apcer + bpcer) / 2.0,
        det,
        cases: results,
    })
}

/// The report as a Markdown table (what the README quotes).
pub fn markdown(report: &Report) -> String {
    let mut s = format!(
        "Threshold {}. Bona fide: {} presentations, {} rejected → **BPCER {:.1} %** (BPNRR {:.1} %). ACER {:.1} %.\n\n",
        report.threshold,
        report.bona_fide,
        report.bona_fide_rejected,
        report.bpcer * 100.0,
        report.bpnrr * 100.0,
        report.acer * 100.0
    );
    s.push_str(&format!(
        "Colour flash, synthesised bona fide responses: {} presentations, {} rejected → BPCER {:.1} %; no measurable response {:.1} %.\n\n",
        report.flash.bona_fide,
        report.flash.rejected,
        report.flash.bpcer * 100.0,
        report.flash.non_response_rate * 100.0
    ));
    s.push_str("| attack type | presentations | accepted | APCER | APNRR |\n|---|---|---|---|---|\n");
    for sp in &report.species {
        s.push_str(&format!(
            "| {} | {} | {} | {:.1} % | {:.1} % |\n",
            sp.species,
            sp.count,
            sp.accepted,
            sp.apcer * 100.0,
            sp.apnrr * 100.0
        ));
    }
    s.push_str("\n| case | label | score | decision | reasons |\n|---|---|---|---|---|\n");
    for c in &report.cases {
        let reasons: Vec<&str> = c.verdict.reasons.iter().map(|r| r.code()).collect();
        s.push_str(&format!(
            "| {} | {} | {:.1} | {:?} | {} |\n",
            c.id,
            c.label,
            c.verdict.liveness_score,
            c.verdict.decision,
            reasons.join(", ")
        ));
    }
    s
}

/// Entry point of the subcommand.
pub fn run(args: EvalArgs) -> Result<()> {
    let analyzer = backend::analyzer(&args.models)?;
    let report = run_cases(&analyzer, &args.cases, args.testdata.as_deref(), &args.out)?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    std::fs::write(args.out.join("report.json"), serde_json::to_string_pretty(&report)?)?;
    let md = markdown(&report);
    std::fs::write(args.out.join("report.md"), &md)?;
    plot::draw_det(&report.det, &args.out.join("det.png"))?;
    let scores: Vec<(String, f64)> = report
        .cases
        .iter()
        .map(|c| (c.label.clone(), c.verdict.liveness_score))
        .collect();
    plot::draw_scores(&scores, report.threshold, &args.out.join("scores.png"))?;
    println!("{md}");
    println!("written to {}", args.out.display());
    if let Some(max) = args.max_apcer {
        if let Some(sp) = report.species.iter().find(|sp| sp.apcer > max) {
            bail!(
                "APCER of {} is {:.1} %, above the required {:.1} %",
                sp.species,
                sp.apcer * 100.0,
                max * 100.0
            );
        }
    }
    if let Some(max) = args.max_bpcer {
        if report.bpcer > max {
            bail!(
                "BPCER is {:.1} %, above the required {:.1} %",
                report.bpcer * 100.0,
                max * 100.0
            );
        }
    }
    Ok(())
}
