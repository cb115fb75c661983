//! Timeline plots (`analyze --plot`): pose in degrees above, 0..1 signals below.

use std::path::Path;
use std::sync::Once;

use anyhow::{Context, Result};
use livegate_engine::{FrameSignals, RgbImage};
use livegate_media::image_io::encode_png;
use plotters::prelude::*;

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 760;
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in; registering it cannot meet a missing file.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

type Series<'a> = (&'a str, RGBColor, Box<dyn Fn(&FrameSignals) -> Option<f32> + 'a>);

/// Renders the signals of `frames` over time and writes a PNG.
pub fn draw_timeline(frames: &[FrameSignals], path: &Path) -> Result<()> {
    register_font();
    let mut buffer = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    let t_max = frames.iter().map(|f| f.t).fold(0.1, f64::max);
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, bottom) = root.split_vertically(HEIGHT / 2);
        let degrees: Vec<Series> = vec![
            ("yaw", RED, Box::new(|f: &FrameSignals| f.pose.map(|p| p.yaw))),
            ("pitch", BLUE, Box::new(|f: &FrameSignals| f.pose.map(|p| p.pitch))),
            (
                "roll",
                RGBColor(120, 120, 120),
                Box::new(|f: &FrameSignals| f.pose.map(|p| p.roll)),
            ),
        ];
        panel(
            &top,
            frames,
            t_max,
            "head pose (degrees; yaw > 0 = subject's left)",
            -90.0..90.0,
            &degrees,
        )?;
        let unit: Vec<Series> = vec![
            (
                "eye left",
                RGBColor(0, 150, 0),
                Box::new(|f: &FrameSignals| f.eyes.map(|e| e.left)),
            ),
            (
                "eye right",
                RGBColor(0, 90, 200),
                Box::new(|f: &FrameSignals| f.eyes.map(|e| e.right)),
            ),
            ("smile", RGBColor(230, 120, 0), Box::new(|f: &FrameSignals| f.smile)),
            (
                "mouth open",
                RGBColor(160, 0, 160),
                Box::new(|f: &FrameSignals| f.mouth_open),
            ),
            ("bona fide", BLACK, Box::new(|f: &FrameSignals| f.bona_fide)),
        ];
        panel(
            &bottom,
            frames,
            t_max,
            "eyes, smile, mouth, texture (0..1)",
            -0.05..1.05,
            &unit,
        )?;
        root.present()?;
    }
    let image = RgbImage::from_raw(WIDTH, HEIGHT, buffer)?;
    std::fs::write(path, encode_png(&image)?).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    frames: &[FrameSignals],
    t_max: f64,
    caption: &str,
    range: std::ops::Range<f32>,
    series: &[Series],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(45)
        .build_cartesian_2d(0f64..t_max, range)?;
    chart.configure_mesh().x_desc("t (s)").draw()?;
    for (name, colour, value) in series {
        let colour = *colour;
        // Gaps (no face) split the line instead of being bridged.
        let mut segments: Vec<Vec<(f64, f32)>> = vec![Vec::new()];
        for f in frames {
            match value(f) {
                Some(v) => segments.last_mut().expect("non-empty").push((f.t, v)),
                None => segments.push(Vec::new()),
            }
        }
        let mut first = true;
        for segment in segments.into_iter().filter(|s| !s.is_empty()) {
            let drawn = chart.draw_series(LineSeries::new(segment, colour.stroke_width(2)))?;
            if first {
                drawn
                    .label(*name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
                first = false;
            }
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}

/// DET curve of an evaluation: BPCER against max APCER as the threshold sweeps 0..100.
pub fn draw_det(points: &[(f64, f64, f64)], path: &Path) -> Result<()> {
    register_font();
    let (w, h) = (700u32, 600u32);
    let mut buffer = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("DET: max APCER vs BPCER over thresholds 0-100", ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..1.0, 0f64..1.0)?;
        chart
            .configure_mesh()
            .x_desc("APCER (max over attack types)")
            .y_desc("BPCER")
            .draw()?;
        chart.draw_series(LineSeries::new(
            points.iter().map(|&(_, a, b)| (a, b)),
            RED.stroke_width(2),
        ))?;
        chart.draw_series(
            points
                .iter()
                .filter(|p| p.0 as i64 % 25 == 0)
                .map(|&(t, a, b)| Text::new(format!("t={t}"), (a + 0.01, b + 0.02), ("sans-serif", 13))),
        )?;
        chart.draw_series(points.iter().map(|&(_, a, b)| Circle::new((a, b), 3, RED.filled())))?;
        root.present()?;
    }
    save_png(buffer, w, h, path)
}

/// Liveness scores per label as dots on a 0-100 axis, with the threshold.
pub fn draw_scores(scores: &[(String, f64)], threshold: f64, path: &Path) -> Result<()> {
    register_font();
    let mut labels: Vec<String> = scores.iter().map(|(l, _)| l.clone()).collect();
    labels.sort();
    labels.dedup();
    let (w, h) = (900u32, 120 + 50 * labels.len() as u32);
    let mut buffer = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("liveness score distribution", ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(35)
            .y_label_area_size(140)
            .build_cartesian_2d(0f64..100.0, -0.5f64..labels.len() as f64 - 0.5)?;
        let names = labels.clone();
        chart
            .configure_mesh()
            .y_labels(labels.len())
            .y_label_formatter(&|y| names.get(y.round() as usize).cloned().unwrap_or_default())
            .x_desc("liveness_score")
            .draw()?;
        chart.draw_series(LineSeries::new(
            vec![(threshold, -0.5), (threshold, labels.len() as f64 - 0.5)],
            BLACK.stroke_width(1),
        ))?;
        chart.draw_series(scores.iter().enumerate().map(|(i, (l, s))| {
            let row = labels.iter().position(|x| x == l).unwrap_or(0) as f64;
            let jitter = ((i * 37) % 11) as f64 / 30.0 - 0.17;
            let colour = if l == "bona_fide" { GREEN } else { RED };
            Circle::new((*s, row + jitter), 4, colour.filled())
        }))?;
        root.present()?;
    }
    save_png(buffer, w, h, path)
}

fn save_png(buffer: Vec<u8>, w: u32, h: u32, path: &Path) -> Result<()> {
    let image = RgbImage::from_raw(w, h, buffer)?;
    std::fs::write(path, encode_png(&image)?).with_context(|| format!("writing {}", path.display()))
}
