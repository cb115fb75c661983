//! The onnxruntime backend (feature `ort`): the shared library is loaded at run time from
//! `ORT_DYLIB_PATH` (e.g. `libonnxruntime.so.1.31.1` from the `onnxruntime` PyPI wheel), so the
//! build downloads nothing.

use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::value::Tensor as OrtTensor;

use super::{Backend, Model, Signature, Tensor};
use crate::error::EngineError;

/// onnxruntime with one intra-op thread per session (the server runs frames in parallel).
/// `Session::run` needs exclusive access, so each model keeps `replicas` sessions and a run
/// takes a free one: parallel frames do not queue on one model.
pub struct OrtBackend {
    env: ort::environment::Environment,
    threads: usize,
    replicas: usize,
}

// onnxruntime allows one environment per process; it lives as long as the process.
static ENV: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

/// `map_err` adapter naming the model.
fn failed<E: std::fmt::Display>(model: &str) -> impl Fn(E) -> EngineError + '_ {
    move |e| backend_error(model, e)
}

fn backend_error(model: &str, e: impl std::fmt::Display) -> EngineError {
    EngineError::Backend {
        model: model.to_string(),
        backend: "ort",
        message: e.to_string(),
    }
}

impl OrtBackend {
    /// Loads onnxruntime from `dylib` (once per process) and prepares an environment; every
    /// model gets `replicas` sessions (at least one) of `threads` intra-op threads.
    pub fn new(dylib: &std::path::Path, threads: usize, replicas: usize) -> Result<Self, EngineError> {
        let env = ENV.get_or_init(|| match ort::init_from(dylib) {
            Ok(builder) => builder.with_name("livegate").build().map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        });
        match env {
            Ok(env) => Ok(Self {
                env: env.clone(),
                threads,
                replicas: replicas.max(1),
            }),
            Err(e) => Err(backend_error("*", format!("cannot load {}: {e}", dylib.display()))),
        }
    }
}

struct OrtModel {
    id: String,
    sessions: Vec<Mutex<Session>>,
    signature: Signature,
}

impl Backend for OrtBackend {
    fn name(&self) -> &'static str {
        "ort"
    }

    fn load(&self, model_id: &str, onnx: &[u8], _input_shape: &[usize]) -> Result<Box<dyn Model>, EngineError> {
        let mut sessions = Vec::with_capacity(self.replicas);
        for _ in 0..self.replicas {
            let session = Session::builder(&self.env)
                .map_err(failed(model_id))?
                .with_intra_threads(self.threads)
                .map_err(failed(model_id))?
                .commit_from_memory(onnx)
                .map_err(failed(model_id))?;
            sessions.push(Mutex::new(session));
        }
        let signature = {
            let session = sessions[0]
                .lock()
                .map_err(|_| backend_error(model_id, "session lock poisoned"))?;
            Signature {
                inputs: session.inputs().iter().map(|o| o.name().to_string()).collect(),
                outputs: session.outputs().iter().map(|o| o.name().to_string()).collect(),
            }
        };
        Ok(Box::new(OrtModel {
            id: model_id.to_string(),
            sessions,
            signature,
        }))
    }
}

impl Model for OrtModel {
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn run(&self, input: Tensor) -> Result<Vec<Tensor>, EngineError> {
        let shape: Vec<i64> = input.shape.iter().map(|&d| d as i64).collect();
        let value = OrtTensor::from_array((shape, input.data)).map_err(failed(&self.id))?;
        // A free replica if there is one, else wait for the first.
        let free = self.sessions.iter().find_map(|s| s.try_lock().ok());
        let mut session = match free {
            Some(session) => session,
            None => self.sessions[0]
                .lock()
                .map_err(|_| backend_error(&self.id, "session lock poisoned"))?,
        };
        let outputs = session.run(ort::inputs![value]).map_err(failed(&self.id))?;
        let mut result = Vec::with_capacity(outputs.len());
        for (_, value) in outputs.iter() {
            let (shape, data) = value.try_extract_tensor::<f32>().map_err(failed(&self.id))?;
            result.push(Tensor {
                shape: shape.iter().map(|&d| d.max(0) as usize).collect(),
                data: data.to_vec(),
            });
        }
        Ok(result)
    }
}
