//! The per-frame pipeline: `Frame → FaceDetection → Landmarks → FrameSignals`.
//!
//! Each stage is a public method so benchmarks can time them one by one; [`Analyzer::analyze`]
//! runs them all. Pure: pixels in, numbers out — no clock, no IO.

use serde::{Deserialize, Serialize};

use crate::detect::{detect_faces, largest_face, FaceDetection};
use crate::embedding::{face_embedding, Embedding};
use crate::error::EngineError;
use crate::expression::{measure_expression, Expression, ExpressionGeometry, EyeOpenness};
use crate::framing::{content_rect, ContentRect};
use crate::image::{crop_affine, Affine, RgbImage};
use crate::landmarks::{face_landmarks, Landmarks};
use crate::models::ModelSet;
use crate::pose::{fit_face_frame, HeadPose};
use crate::quality::{assess_quality, Quality};
use crate::texture::{analyse_texture, Texture};

/// Everything measured on one frame. Fields about the face are `None` when no face was found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameSignals {
    /// Capture time in seconds from the start of the session or clip.
    pub t: f64,
    /// Frame width and height.
    pub size: [u32; 2],
    /// The real picture inside the frame (bars excluded): left, top, width, height. Absent in
    /// signals stored before it was measured (then the whole frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentRect>,
    /// Number of faces the detector found.
    pub face_count: usize,
    /// Every detected face, strongest first.
    pub faces: Vec<FaceDetection>,
    /// Head pose of the subject (largest face).
    pub pose: Option<HeadPose>,
    /// Eye openness.
    pub eyes: Option<EyeOpenness>,
    /// Smile 0..1.
    pub smile: Option<f32>,
    /// Mouth open 0..1.
    pub mouth_open: Option<f32>,
    /// Ensemble bona-fide probability (texture model).
    pub bona_fide: Option<f32>,
    /// Texture details: both models and our own cues.
    pub texture: Option<Texture>,
    /// Raw expression geometry.
    pub geometry: Option<ExpressionGeometry>,
    /// FaceMesh face-presence probability.
    pub mesh_presence: Option<f32>,
    /// Capture quality.
    pub quality: Quality,
    /// 128-d descriptor of the subject, for identity continuity and face match.
    pub embedding: Option<Embedding>,
    /// Image positions of [`MESH_SUBSET`] landmarks (for rigid-motion analysis across frames).
    pub mesh_points: Vec<[f32; 2]>,
    /// 16x16 luma thumbnail of the subject's face (of the whole frame without a face), for
    /// detecting repeated, static and looped frames.
    pub fingerprint: Vec<u8>,
}

/// FaceMesh landmarks kept per frame: outer eye corners first (the normalisation pair), then
/// nose, brows, cheeks, mouth corners and chin — points at different depths, so a real head
/// turn shows parallax between them.
pub const MESH_SUBSET: [usize; 16] = [33, 263, 1, 4, 168, 6, 105, 334, 234, 454, 61, 291, 152, 10, 133, 362];

/// Side of the [`FrameSignals::fingerprint`] thumbnail.
pub const FINGERPRINT_SIDE: u32 = 16;

/// A small luma thumbnail of the face box (or the whole frame).
pub fn fingerprint(frame: &RgbImage, face: Option<&FaceDetection>) -> Vec<u8> {
    let map = match face {
        Some(f) => Affine::rect_crop(
            f.bbox[0],
            f.bbox[1],
            f.bbox[2],
            f.bbox[3],
            FINGERPRINT_SIDE,
            FINGERPRINT_SIDE,
        ),
        None => Affine::rect_crop(
            0.0,
            0.0,
            frame.width() as f32,
            frame.height() as f32,
            FINGERPRINT_SIDE,
            FINGERPRINT_SIDE,
        ),
    };
    let thumb = crop_affine(frame, &map, FINGERPRINT_SIDE, FINGERPRINT_SIDE).gray_from_rgb();
    thumb.data.iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect()
}

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

impl FrameSignals {
    /// The picture's real content (the whole frame for signals stored without it).
    pub fn content(&self) -> ContentRect {
        self.content.unwrap_or(ContentRect::full(self.size[0], self.size[1]))
    }

    /// The subject: the largest detected face.
    pub fn subject(&self) -> Option<&FaceDetection> {
        largest_face(&self.faces)
    }
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
    /// the server, `analyze` and `eval` use: the history decides which stages this frame needs.
    pub fn analyze_next(
        &self,
        frame: &RgbImage,
        t: f64,
        history: &[FrameSignals],
    ) -> Result<FrameSignals, EngineError> {
        let _ = history;
        self.analyze(frame, t)
    }

    /// Runs every stage on one frame captured at `t` seconds.
    pub fn analyze(&self, frame: &RgbImage, t: f64) -> Result<FrameSignals, EngineError> {
        frame.check_min_resolution()?;
        let faces = self.detect(frame)?;
        let content = content_rect(frame);
        let quality = assess_quality(frame, content, &faces);
        let mut signals = FrameSignals {
            t,
            size: [frame.width(), frame.height()],
            content: Some(content),
            face_count: faces.len(),
            faces: faces.clone(),
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
            fingerprint: Vec::new(),
            mesh_points: Vec::new(),
        };
        let subject = largest_face(&faces);
        signals.fingerprint = fingerprint(frame, subject);
        let Some(subject) = subject else {
            return Ok(signals);
        };
        let geometry = self.geometry(self.landmarks(frame, subject)?);
        let texture = self.texture(frame, content, subject)?;
        signals.pose = Some(geometry.pose);
        signals.eyes = Some(geometry.expression.eyes);
        signals.smile = Some(geometry.expression.smile);
        signals.mouth_open = Some(geometry.expression.mouth_open);
        signals.geometry = Some(geometry.expression.geometry);
        signals.mesh_presence = Some(geometry.landmarks.presence);
        signals.mesh_points = MESH_SUBSET
            .iter()
            .map(|&i| [geometry.landmarks.points[i][0], geometry.landmarks.points[i][1]])
            .collect();
        signals.bona_fide = Some(texture.bona_fide);
        signals.texture = Some(texture);
        signals.embedding = Some(self.embedding(frame, subject)?);
        Ok(signals)
    }
}
