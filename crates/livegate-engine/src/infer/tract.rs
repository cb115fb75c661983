//! The pure-Rust backend: `onnx bytes → InferenceModel → TypedModel (optimised) → runnable plan`.

use std::sync::Arc;

use tract_onnx::prelude::*;

use super::{Backend, Model, Signature, Tensor};
use crate::error::EngineError;

/// tract-onnx, single-threaded, nothing to install.
#[derive(Clone, Copy, Debug, Default)]
pub struct TractBackend;

struct TractModel {
    id: String,
    plan: Arc<TypedRunnableModel>,
    input_shape: Vec<usize>,
    signature: Signature,
}

/// `map_err` adapter naming the model.
fn failed<E: std::fmt::Display>(model: &str) -> impl Fn(E) -> EngineError + '_ {
    move |e| backend_error(model, e)
}

fn backend_error(model: &str, e: impl std::fmt::Display) -> EngineError {
    EngineError::Backend {
        model: model.to_string(),
        backend: "tract",
        message: format!("{e:#}"),
    }
}

impl Backend for TractBackend {
    fn name(&self) -> &'static str {
        "tract"
    }

    fn load(&self, model_id: &str, onnx: &[u8], input_shape: &[usize]) -> Result<Box<dyn Model>, EngineError> {
        let mut reader = onnx;
        let model = tract_onnx::onnx()
            .model_for_read(&mut reader)
            .map_err(failed(model_id))?;
        let name_of = |o: &OutletId| {
            model
                .outlet_label(*o)
                .map(str::to_string)
                .unwrap_or_else(|| model.node(o.node).name.clone())
        };
        let signature = Signature {
            inputs: model
                .input_outlets()
                .map_err(failed(model_id))?
                .iter()
                .map(name_of)
                .collect(),
            outputs: model
                .output_outlets()
                .map_err(failed(model_id))?
                .iter()
                .map(name_of)
                .collect(),
        };
        let plan = model
            .with_input_fact(0, f32::fact(input_shape).into())
            .map_err(failed(model_id))?
            .into_optimized()
            .map_err(failed(model_id))?
            .into_runnable()
            .map_err(failed(model_id))?;
        Ok(Box::new(TractModel {
            id: model_id.to_string(),
            plan,
            input_shape: input_shape.to_vec(),
            signature,
        }))
    }
}

impl Model for TractModel {
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn run(&self, input: Tensor) -> Result<Vec<Tensor>, EngineError> {
        if input.shape != self.input_shape {
            return Err(backend_error(
                &self.id,
                format!(
                    "input shape {:?} differs from the loaded {:?}",
                    input.shape, self.input_shape
                ),
            ));
        }
        let tensor = tract_onnx::prelude::Tensor::from_shape(&input.shape, &input.data).map_err(failed(&self.id))?;
        let outputs = self.plan.run(tvec!(tensor.into_tvalue())).map_err(failed(&self.id))?;
        outputs
            .iter()
            .map(|t| {
                let view = t.to_plain_array_view::<f32>().map_err(failed(&self.id))?;
                Ok(Tensor {
                    shape: view.shape().to_vec(),
                    data: view.iter().copied().collect(),
                })
            })
            .collect()
    }
}
