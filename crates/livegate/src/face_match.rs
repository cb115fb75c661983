//! `livegate match <reference> <probe>`: face match between two stills (S6), with the
//! calibrated threshold. The largest face of each image is compared.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use livegate_engine::detect::largest_face;
use livegate_engine::embedding::{Embedding, FaceMatch};
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

/// The descriptor of the largest face in an image file.
pub fn descriptor_of(analyzer: &Analyzer, path: &Path) -> Result<Embedding> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let frame = decode_image(&bytes, ImageLimits::default()).with_context(|| format!("decoding {}", path.display()))?;
    let faces = analyzer.detect(&frame)?;
    let face = largest_face(&faces).with_context(|| format!("no face found in {}", path.display()))?;
    Ok(analyzer.embedding(&frame, face)?)
}

/// Compares two image files.
pub fn match_files(analyzer: &Analyzer, reference: &Path, probe: &Path) -> Result<FaceMatch> {
    Ok(descriptor_of(analyzer, probe)?.compare(&descriptor_of(analyzer, reference)?))
}

/// Entry point of the subcommand: prints the match as JSON.
pub fn run(args: MatchArgs) -> Result<()> {
    let analyzer = backend::analyzer(&args.models)?;
    let result = match_files(&analyzer, &args.reference, &args.probe)?;
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}
