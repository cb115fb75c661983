//! The model manifest (plain data) and the verified set of loaded models.
//!
//! `manifest.json bytes → ModelManifest → (bytes per file, sha256 checked) → Backend::load →
//! ModelSet`. The engine never touches the filesystem: the caller supplies a function that
//! returns a file's bytes.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::EngineError;
use crate::image::{Canvas, PixelFormat};
use crate::infer::{Backend, Model, Tensor};

/// Parsed `models/manifest.json`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelManifest {
    /// Version of the model set, recorded with every verdict.
    pub version: String,
    /// One entry per model.
    pub models: Vec<ModelSpec>,
}

/// One model's metadata.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Stable id used in code and errors (`yunet`, `facemesh`, ...).
    pub id: String,
    /// File name inside the model directory.
    pub file: String,
    /// Pinned lowercase hex sha256 of the file.
    pub sha256: String,
    /// File size in bytes.
    pub bytes: u64,
    /// The single input tensor.
    pub input: InputSpec,
    /// Output tensor names, graph order.
    pub outputs: Vec<String>,
    /// Licence of the weights.
    pub licence: String,
    /// Licence text, relative to the model directory.
    pub licence_file: String,
    /// Where the file comes from.
    pub source: String,
}

/// A model's input tensor.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// Tensor name.
    pub name: String,
    /// Fixed shape, e.g. `[1, 3, 640, 640]`.
    pub shape: Vec<usize>,
    /// `NCHW` or `NHWC`.
    pub layout: String,
    /// `RGB` or `BGR`.
    pub channels: String,
    /// Value = raw byte * scale + offset.
    pub scale: f32,
    /// Value = raw byte * scale + offset.
    pub offset: f32,
}

impl InputSpec {
    /// The canvas [`crate::image::sample_affine`] fills for this input.
    pub fn canvas(&self, antialias: bool) -> Canvas {
        let (width, height) = self.image_size();
        Canvas {
            width,
            height,
            format: PixelFormat {
                bgr: self.channels == "BGR",
                planar: self.layout == "NCHW",
                scale: self.scale,
                offset: self.offset,
            },
            antialias,
        }
    }

    /// (width, height) of the image the tensor holds.
    pub fn image_size(&self) -> (u32, u32) {
        if self.layout == "NCHW" {
            (self.shape[3] as u32, self.shape[2] as u32)
        } else {
            (self.shape[2] as u32, self.shape[1] as u32)
        }
    }
}

/// The model ids the pipeline needs.
pub const REQUIRED_MODELS: [&str; 5] = [
    "yunet",
    "facemesh",
    "minifasnet_v2",
    "minifasnet_v1se",
    "dlib_embedding",
];

impl ModelManifest {
    /// Parses and validates manifest JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EngineError> {
        let manifest: ModelManifest =
            serde_json::from_slice(bytes).map_err(|e| EngineError::Manifest(e.to_string()))?;
        for spec in &manifest.models {
            let layout_ok = matches!(spec.input.layout.as_str(), "NCHW" | "NHWC");
            let channels_ok = matches!(spec.input.channels.as_str(), "RGB" | "BGR");
            if !layout_ok || !channels_ok || spec.input.shape.len() != 4 || spec.input.shape[0] != 1 {
                return Err(EngineError::Manifest(format!(
                    "model `{}`: input must be a batch-1 NCHW/NHWC RGB/BGR image",
                    spec.id
                )));
            }
        }
        for id in REQUIRED_MODELS {
            manifest.spec(id)?;
        }
        Ok(manifest)
    }

    /// The entry with this id.
    pub fn spec(&self, id: &str) -> Result<&ModelSpec, EngineError> {
        self.models
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| EngineError::Manifest(format!("no model with id `{id}`")))
    }
}

/// A model plus its manifest entry.
pub struct LoadedModel {
    /// Manifest entry.
    pub spec: ModelSpec,
    model: Box<dyn Model>,
    output_index: Vec<usize>,
}

impl LoadedModel {
    /// Checks bytes against the pin, loads them and checks the graph's tensor names.
    pub fn load(backend: &dyn Backend, spec: &ModelSpec, bytes: &[u8]) -> Result<Self, EngineError> {
        let actual = hex::encode(Sha256::digest(bytes));
        if !actual.eq_ignore_ascii_case(&spec.sha256) {
            return Err(EngineError::ModelHashMismatch {
                model: spec.id.clone(),
                expected: spec.sha256.clone(),
                actual,
            });
        }
        let model = backend.load(&spec.id, bytes, &spec.input.shape)?;
        let signature = model.signature();
        if signature.inputs.len() != 1 || signature.inputs[0] != spec.input.name {
            return Err(EngineError::ModelSignature {
                model: spec.id.clone(),
                kind: "input",
                expected: vec![spec.input.name.clone()],
                actual: signature.inputs.clone(),
            });
        }
        let mut output_index = Vec::with_capacity(spec.outputs.len());
        for name in &spec.outputs {
            match signature.outputs.iter().position(|o| o == name) {
                Some(i) => output_index.push(i),
                None => {
                    return Err(EngineError::ModelSignature {
                        model: spec.id.clone(),
                        kind: "output",
                        expected: spec.outputs.clone(),
                        actual: signature.outputs.clone(),
                    })
                }
            }
        }
        Ok(Self {
            spec: spec.clone(),
            model,
            output_index,
        })
    }

    /// Runs on an input laid out as the manifest says; outputs come back in manifest order.
    pub fn run(&self, data: Vec<f32>) -> Result<Vec<Tensor>, EngineError> {
        let input = Tensor {
            shape: self.spec.input.shape.clone(),
            data,
        };
        let mut outputs: Vec<Option<Tensor>> = self.model.run(input)?.into_iter().map(Some).collect();
        self.output_index
            .iter()
            .zip(&self.spec.outputs)
            .map(|(&i, name)| {
                outputs
                    .get_mut(i)
                    .and_then(Option::take)
                    .ok_or_else(|| EngineError::Backend {
                        model: self.spec.id.clone(),
                        backend: "any",
                        message: format!("output `{name}` missing from the run"),
                    })
            })
            .collect()
    }

    /// Runs and checks that output `k` has `expected` values.
    pub fn run_checked(&self, data: Vec<f32>, expected: &[usize]) -> Result<Vec<Tensor>, EngineError> {
        let outputs = self.run(data)?;
        for ((t, &n), name) in outputs.iter().zip(expected).zip(&self.spec.outputs) {
            if t.data.len() != n {
                return Err(EngineError::OutputShape {
                    model: self.spec.id.clone(),
                    output: name.clone(),
                    expected: n,
                    actual: t.data.len(),
                });
            }
        }
        Ok(outputs)
    }
}

/// Every model the pipeline runs, verified.
pub struct ModelSet {
    /// Manifest version.
    pub version: String,
    /// Backend name.
    pub backend: &'static str,
    /// YuNet detector.
    pub detector: LoadedModel,
    /// FaceMesh 468.
    pub mesh: LoadedModel,
    /// MiniFASNetV2 (scale 2.7).
    pub fas_v2: LoadedModel,
    /// MiniFASNetV1SE (scale 4.0).
    pub fas_v1se: LoadedModel,
    /// dlib ResNet 128-d.
    pub embedder: LoadedModel,
}

impl ModelSet {
    /// Loads every required model; `read(file)` returns a file's bytes or `None` if absent.
    pub fn load(
        backend: &dyn Backend,
        manifest: &ModelManifest,
        mut read: impl FnMut(&str) -> Option<Vec<u8>>,
    ) -> Result<Self, EngineError> {
        let mut load = |id: &str| -> Result<LoadedModel, EngineError> {
            let spec = manifest.spec(id)?;
            let bytes = read(&spec.file).ok_or_else(|| EngineError::ModelMissing {
                model: spec.id.clone(),
                file: spec.file.clone(),
            })?;
            LoadedModel::load(backend, spec, &bytes)
        };
        Ok(Self {
            version: manifest.version.clone(),
            backend: backend.name(),
            detector: load("yunet")?,
            mesh: load("facemesh")?,
            fas_v2: load("minifasnet_v2")?,
            fas_v1se: load("minifasnet_v1se")?,
            embedder: load("dlib_embedding")?,
        })
    }
}
