//! Per-stage latency of the analysis pipeline (decode, detect, landmarks, pose, texture,
//! embedding, whole frame, and a tracked frame of a session — the mesh and cheap stages only,
//! what most frames of a session cost) on a real face image, with the tract backend as the baseline of
//! every group and onnxruntime beside it when `ORT_DYLIB_PATH` is set and the `ort` feature is
//! on. Catches regressions in preprocessing (crop/resample) and model execution.

use criterion::{criterion_group, criterion_main, Criterion};
use livegate_engine::infer::Backend;
use livegate_engine::Analyzer;
use livegate_media::{decode_image, load_models, resolve_models_dir, ImageLimits};

fn backends() -> Vec<(&'static str, Box<dyn Backend>)> {
    let mut list: Vec<(&'static str, Box<dyn Backend>)> = vec![("tract", livegate_engine::infer::default_backend())];
    #[cfg(feature = "ort")]
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
        match livegate_engine::infer::ort::OrtBackend::new(std::path::Path::new(&path), 1, 1) {
            Ok(b) => list.push(("ort", Box::new(b))),
            Err(e) => eprintln!("ort backend unavailable: {e}"),
        }
    }
    list
}

fn pipeline(c: &mut Criterion) {
    let image = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/silentface_T1.jpg");
    let bytes = std::fs::read(image).expect("committed sample image");
    let frame = decode_image(&bytes, ImageLimits::default()).expect("decodes");
    let dir = resolve_models_dir(None);
    let analyzers: Vec<(&str, Analyzer)> = backends()
        .into_iter()
        .map(|(name, b)| (name, Analyzer::new(load_models(&dir, b.as_ref()).expect("models load"))))
        .collect();
    let face = analyzers[0].1.detect(&frame).expect("detect")[0].clone();
    let landmarks = analyzers[0].1.landmarks(&frame, &face).expect("landmarks");

    c.bench_function("decode/jpeg", |b| {
        b.iter(|| decode_image(&bytes, ImageLimits::default()).unwrap())
    });
    c.bench_function("pose+expression/geometry", |b| {
        b.iter(|| analyzers[0].1.geometry(landmarks.clone()))
    });
    let mut group = c.benchmark_group("stages");
    group.sample_size(20);
    for (name, a) in &analyzers {
        group.bench_function(format!("detect/{name}"), |b| b.iter(|| a.detect(&frame).unwrap()));
        group.bench_function(format!("landmarks/{name}"), |b| {
            b.iter(|| a.landmarks(&frame, &face).unwrap())
        });
        group.bench_function(format!("texture/{name}"), |b| {
            b.iter(|| {
                a.texture(&frame, livegate_engine::framing::content_rect(&frame), &face)
                    .unwrap()
            })
        });
        group.bench_function(format!("embedding/{name}"), |b| {
            b.iter(|| a.embedding(&frame, &face).unwrap())
        });
        group.bench_function(format!("whole_frame/{name}"), |b| {
            b.iter(|| a.analyze(&frame, 0.0).unwrap())
        });
        // A history past the dense start, so the next frame is tracked and samples nothing.
        let mut history = Vec::new();
        for i in 0..6 {
            let signals = a.analyze_next(&frame, i as f64 * 0.05, &history).unwrap();
            history.push(signals);
        }
        group.bench_function(format!("tracked_frame/{name}"), |b| {
            b.iter(|| a.analyze_next(&frame, 0.3, &history).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
