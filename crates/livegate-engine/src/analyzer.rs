//! The per-frame pipeline: `Frame → FaceDetection → Landmarks → FrameSignals`.
//!
//! Each stage is a public method so benchmarks can time them one by one;
//! [`Analyzer::analyze_next`] runs the ones a session's frame needs (the plan is in
//! [`crate::track`]) and [`Analyzer::analyze`] all of them. Pure: pixels in, numbers out — no
//! clock, no IO.

use crate::detect::{detect_faces, largest_face, FaceDetection};
use crate::embedding::{face_embedding, Embedding};
use crate::error::EngineError;
use crate::expression::{measure_expression, Expression};
use crate::framing::{content_rect, ContentRect};
use crate::image::RgbImage;
use crate::landmarks::{face_landmarks, Landmarks};
use crate::models::ModelSet;
use crate::pose::{fit_face_frame, HeadPose};
use crate::quality::assess_quality;
pub use crate::signals::{fingerprint, FrameSignals, FINGERPRINT_SIDE, MESH_SUBSET};
use crate::texture::{analyse_texture, Texture};
use crate::track::{self, Similarity, EMBEDDING, TEXTURE};

/// Per-face results of the landmark stages.
#[derive(Clone, Debug)]
pub struct FaceGeometry {
    /// The 468 points.
    pub landmarks: Landmarks,
    /// Pose.
    pub pose: HeadPose,
    /// Expression.
    pub expression: Expression,
}

/// Runs the models on frames.
pub struct Analyzer {
    models: ModelSet,
}

impl Analyzer {
    /// Wraps a verified model set.
    pub fn new(models: ModelSet) -> Self {
        Self { models }
    }

    /// The models (version, backend).
    pub fn models(&self) -> &ModelSet {
        &self.models
    }

    /// Stage 1: all faces, strongest first.
    pub fn detect(&self, frame: &RgbImage) -> Result<Vec<FaceDetection>, EngineError> {
        detect_faces(frame, &self.models.detector)
    }

    /// Stage 2: landmarks of one face.
    pub fn landmarks(&self, frame: &RgbImage, face: &FaceDetection) -> Result<Landmarks, EngineError> {
        face_landmarks(frame, face, &self.models.mesh)
    }

    /// Stage 3 (geometry only, no model): pose and expression from landmarks.
    pub fn geometry(&self, landmarks: Landmarks) -> FaceGeometry {
        let frame = fit_face_frame(&landmarks);
        let expression = measure_expression(&landmarks, &frame);
        FaceGeometry {
            pose: frame.pose(),
            expression,
            landmarks,
        }
    }

    /// Stage 4: texture.
    pub fn texture(
        &self,
        frame: &RgbImage,
        content: ContentRect,
        face: &FaceDetection,
    ) -> Result<Texture, EngineError> {
        analyse_texture(frame, content, face, &self.models.fas_v2, &self.models.fas_v1se)
    }

    /// Stage 5: embedding.
    pub fn embedding(&self, frame: &RgbImage, face: &FaceDetection) -> Result<Embedding, EngineError> {
        face_embedding(frame, face, &self.models.embedder)
    }

    /// Analyses the next frame of a session captured at `t` seconds, given the session's earlier
    /// frames in capture order (`history`, empty for the first frame). This is the one pipeline
    /// the server, `analyze` and `eval` use: the history decides which stages this frame needs
    /// (face tracked or detected, texture and descriptor sampled; see [`crate::track`]).
    pub fn analyze_next(
        &self,
        frame: &RgbImage,
        t: f64,
        history: &[FrameSignals],
    ) -> Result<FrameSignals, EngineError> {
        frame.check_min_resolution()?;
        let content = content_rect(frame);
        let tracked = match track::track_from(t, history) {
            Some(previous) => self.track(frame, previous)?,
            None => None,
        };
        let (faces, detected, landmarks) = match tracked {
            Some((face, landmarks)) => (vec![face], false, Some(landmarks)),
            None => {
                let faces = self.detect(frame)?;
                let landmarks = match largest_face(&faces) {
                    Some(subject) => Some(self.landmarks(frame, subject)?),
                    None => None,
                };
                (faces, true, landmarks)
            }
        };
        let quality = assess_quality(frame, content, &faces);
        let subject = largest_face(&faces).cloned();
        let mut signals = FrameSignals {
            t,
            size: [frame.width(), frame.height()],
            content: Some(content),
            face_count: faces.len(),
            fingerprint: fingerprint(frame, subject.as_ref()),
            faces,
            detected,
            pose: None,
            eyes: None,
            smile: None,
            mouth_open: None,
            bona_fide: None,
            texture: None,
            geometry: None,
            mesh_presence: None,
            quality,
            embedding: None,
            mesh_points: Vec::new(),
            light: crate::light::sample_light(frame, content, subject.as_ref()),
            screen: None,
        };
        let (Some(subject), Some(landmarks)) = (subject, landmarks) else {
            return Ok(signals);
        };
        let geometry = self.geometry(landmarks);
        signals.pose = Some(geometry.pose);
        signals.eyes = Some(geometry.expression.eyes);
        signals.smile = Some(geometry.expression.smile);
        signals.mouth_open = Some(geometry.expression.mouth_open);
        signals.geometry = Some(geometry.expression.geometry);
        signals.mesh_presence = Some(geometry.landmarks.presence);
        signals.mesh_points = mesh_subset(&geometry.landmarks);
        if track::due(
            t,
            history,
            track::evidence_start(history),
            TEXTURE,
            signals.quality.ok,
            |f| f.texture.is_some(),
        ) {
            let texture = self.texture(frame, content, &subject)?;
            signals.bona_fide = Some(texture.bona_fide);
            signals.texture = Some(texture);
        }
        let preferred = signals.quality.ok && signals.is_frontal();
        if track::due(t, history, 0, EMBEDDING, preferred, |f| f.embedding.is_some())
            || track::identity_in_doubt(history)
        {
            signals.embedding = Some(self.embedding(frame, &subject)?);
        }
        Ok(signals)
    }

    /// Follows the last frame's subject into this frame: FaceMesh on the crop the previous face
    /// gives, the face moved with its landmarks. `None` when tracking cannot be trusted (the
    /// caller then detects).
    fn track(
        &self,
        frame: &RgbImage,
        previous: track::Tracked<'_>,
    ) -> Result<Option<(FaceDetection, Landmarks)>, EngineError> {
        let landmarks = self.landmarks(frame, previous.face)?;
        let Some(motion) = Similarity::fit(previous.points, &mesh_subset(&landmarks)) else {
            return Ok(None);
        };
        let moved = track::move_face(&motion, previous.face, landmarks.presence);
        let holds = track::tracking_holds(previous.face, &moved, landmarks.presence, previous.confirmed);
        Ok(holds.then_some((moved, landmarks)))
    }

    /// Runs every stage on one frame captured at `t` seconds (a frame on its own: detector,
    /// texture and descriptor all run).
    pub fn analyze(&self, frame: &RgbImage, t: f64) -> Result<FrameSignals, EngineError> {
        self.analyze_next(frame, t, &[])
    }
}

/// Image positions of the [`MESH_SUBSET`] landmarks.
fn mesh_subset(landmarks: &Landmarks) -> Vec<[f32; 2]> {
    MESH_SUBSET
        .iter()
        .map(|&i| [landmarks.points[i][0], landmarks.points[i][1]])
        .collect()
}
