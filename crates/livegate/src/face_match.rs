//! `livegate match <reference> <probe>`: face match between two stills (S6), with the
//! calibrated threshold. The largest face of each image is compared; the reference must pass the
//! engine's reference gate (`livegate_engine::reference`), as it must on the API.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use livegate_engine::embedding::{Embedding, FaceMatch};
use livegate_engine::reference::padded_to_minimum;
use livegate_engine::Analyzer;
use livegate_media::{decode_image, ImageLimits};

use crate::{backend, ModelArgs};

/// Arguments of `livegate match`.
#[derive(clap::Args, Debug)]
pub struct MatchArgs {
    /// The reference photo (JPEG/PNG).
    pub reference: PathBuf,
    /// The photo to compare with it.
    pub probe: PathBuf,
    #[command(flatten)]
    pub models: ModelArgs,
}

fn read_image(path: &Path) -> Result<livegate_engine::RgbImage> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    decode_image(&bytes, ImageLimits::default()).with_context(|| format!("decoding {}", path.display()))
}

/// The descriptor of the largest face in an image file (photos smaller than a frame padded).
pub fn descriptor_of(analyzer: &Analyzer, path: &Path) -> Result<Embedding> {
    let frame = read_image(path)?;
    let signals = analyzer.analyze(&padded_to_minimum(&frame), 0.0)?;
    signals
        .embedding
        .with_context(|| format!("no face found in {}", path.display()))
}

/// Compares two image files; the reference must pass the reference gate.
pub fn match_files(analyzer: &Analyzer, reference: &Path, probe: &Path) -> Result<FaceMatch> {
    let refused = |p: livegate_engine::reference::ReferenceProblem| {
        anyhow::anyhow!("{}: {p} ({})", reference.display(), p.code())
    };
    let reference = analyzer.reference(&read_image(reference)?)?.map_err(refused)?;
    Ok(descriptor_of(analyzer, probe)?.compare(&reference))
}

/// Entry point of the subcommand: prints the match as JSON.
pub fn run(args: MatchArgs) -> Result<()> {
    let analyzer = backend::analyzer(&args.models)?;
    let result = match_files(&analyzer, &args.reference, &args.probe)?;
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}
