//! `livegate loadtest`: a bounded load test of the API over loopback. Each virtual client runs
//! whole sessions (create → frames → complete) with real images; the report gives sessions per
//! second and p50/p99 latency per request kind. `--spawn` starts a fresh `livegate serve` child
//! (same binary, scratch data directory) so one command measures the server on this machine.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::{json, Value};

/// Arguments of `livegate loadtest`.
#[derive(clap::Args, Debug)]
pub struct LoadArgs {
    /// Base URL of a running server (ignored with --spawn).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// API key (else LIVEGATE_API_KEY).
    #[arg(long)]
    pub key: Option<String>,
    /// Start a fresh server child on a free port for the test.
    #[arg(long)]
    pub spawn: bool,
    /// Sessions to run in all (1-10000).
    #[arg(long, default_value_t = 20)]
    pub sessions: usize,
    /// Sessions in flight at once (1-256).
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Frames per session (1-100).
    #[arg(long, default_value_t = 5)]
    pub frames: usize,
    /// JPEG or PNG uploaded as every frame (default: the committed live sample).
    #[arg(long)]
    pub image: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Latency summary of one request kind, in milliseconds.
#[derive(Serialize, Debug)]
pub struct Latency {
    /// Requests measured.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

/// The report.
#[derive(Serialize, Debug)]
pub struct LoadReport {
    /// Sessions completed.
    pub sessions: usize,
    /// Concurrency.
    pub concurrency: usize,
    /// Frames per session.
    pub frames_per_session: usize,
    /// Wall time (s).
    pub elapsed_s: f64,
    /// Completed sessions per second.
    pub sessions_per_s: f64,
    /// Frame uploads per second.
    pub frames_per_s: f64,
    /// Uploads refused with 503 (back-pressure) and retried.
    pub busy_retries: usize,
    /// Session create latency.
    pub create: Latency,
    /// Frame upload latency (analysis included).
    pub frame: Latency,
    /// Completion latency (evaluation, evidence).
    pub complete: Latency,
    /// Whole session, first request to verdict.
    pub session: Latency,
    /// Peak resident memory of the spawned server (MiB; Linux `VmHWM`), `None` without
    /// `--spawn`.
    pub server_peak_rss_mib: Option<f64>,
}

/// Peak resident set of a process in MiB, from `/proc/<pid>/status` (Linux only).
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn summarise(mut ms: Vec<f64>) -> Latency {
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| {
        if ms.is_empty() {
            0.0
        } else {
            ms[((ms.len() - 1) as f64 * p).round() as usize]
        }
    };
    Latency {
        count: ms.len(),
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        max_ms: at(1.0),
    }
}

struct Spawned(Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_server(key: &str) -> Result<(Spawned, String)> {
    let dir = std::env::temp_dir().join(format!("livegate-loadtest-{}", std::process::id()));
    let mut child = Command::new(std::env::current_exe()?)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("LIVEGATE_DATA_DIR", &dir)
        .env("LIVEGATE_BOOTSTRAP_API_KEY", key)
        .stdout(Stdio::piped())
        .spawn()
        .context("starting livegate serve")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().context("server stdout")?).read_line(&mut line)?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .with_context(|| format!("server did not report its address: {line:?}"))?
        .to_string();
    Ok((Spawned(child), url))
}

#[derive(Default)]
struct Samples {
    create: Vec<f64>,
    frame: Vec<f64>,
    complete: Vec<f64>,
    session: Vec<f64>,
    busy: usize,
}

async fn send(req: reqwest::RequestBuilder, expect: u16) -> Result<(f64, u16, Value)> {
    let start = Instant::now();
    let r = req.send().await?;
    let status = r.status().as_u16();
    let body: Value = serde_json::from_slice(&r.bytes().await?).unwrap_or(Value::Null);
    if status != expect && status != 503 {
        bail!("HTTP {status}: {body}");
    }
    Ok((start.elapsed().as_secs_f64() * 1000.0, status, body))
}

async fn one_session(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    image: &[u8],
    frames: usize,
    samples: &Mutex<Samples>,
) -> Result<()> {
    let started = Instant::now();
    let (ms, _, created) = send(
        http.post(format!("{url}/v1/sessions"))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(json!({}).to_string()),
        201,
    )
    .await?;
    samples.lock().unwrap().create.push(ms);
    let id = created["id"].as_str().context("session id")?;
    let token = created["client_token"].as_str().context("client token")?;
    for i in 0..frames {
        loop {
            let req = http
                .post(format!("{url}/v1/sessions/{id}/frames"))
                .bearer_auth(token)
                .header("content-type", "image/jpeg")
                .header("x-capture-time", format!("{:.3}", i as f64 * 0.125))
                .body(image.to_vec());
            let (ms, status, _) = send(req, 201).await?;
            if status == 503 {
                samples.lock().unwrap().busy += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            samples.lock().unwrap().frame.push(ms);
            break;
        }
    }
    let (ms, _, _) = send(
        http.post(format!("{url}/v1/sessions/{id}/complete")).bearer_auth(token),
        200,
    )
    .await?;
    let mut s = samples.lock().unwrap();
    s.complete.push(ms);
    s.session.push(started.elapsed().as_secs_f64() * 1000.0);
    Ok(())
}

/// Runs the load and returns the report.
pub fn load(args: &LoadArgs) -> Result<LoadReport> {
    if !(1..=10_000).contains(&args.sessions)
        || !(1..=256).contains(&args.concurrency)
        || !(1..=100).contains(&args.frames)
    {
        bail!("sessions must be 1-10000, concurrency 1-256, frames 1-100");
    }
    let image_path = args.image.clone().unwrap_or_else(crate::bench::default_image);
    let image = Arc::new(std::fs::read(&image_path).with_context(|| format!("reading {}", image_path.display()))?);
    let (guard, url, key) = if args.spawn {
        let key = format!("loadtest-{}", std::process::id()).repeat(2);
        let (child, url) = spawn_server(&key)?;
        (Some(child), url, key)
    } else {
        let key = args
            .key
            .clone()
            .or_else(|| std::env::var("LIVEGATE_API_KEY").ok())
            .context("--key or LIVEGATE_API_KEY")?;
        (None, args.url.trim_end_matches('/').to_string(), key)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let samples = Arc::new(Mutex::new(Samples::default()));
    let elapsed = runtime.block_on(async {
        let http = reqwest::Client::new();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let start = Instant::now();
        let workers: Vec<_> = (0..args.concurrency.min(args.sessions))
            .map(|_| {
                let (http, url, key, image, samples, next) = (
                    http.clone(),
                    url.clone(),
                    key.clone(),
                    image.clone(),
                    samples.clone(),
                    next.clone(),
                );
                let (total, frames) = (args.sessions, args.frames);
                tokio::spawn(async move {
                    while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < total {
                        one_session(&http, &url, &key, &image, frames, &samples).await?;
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        for w in workers {
            w.await??;
        }
        anyhow::Ok(start.elapsed().as_secs_f64())
    })?;
    let server_peak_rss_mib = guard.as_ref().and_then(|g| peak_rss_mib(g.0.id()));
    drop(guard);
    let s = std::mem::take(&mut *samples.lock().unwrap());
    Ok(LoadReport {
        sessions: s.session.len(),
        concurrency: args.concurrency,
        frames_per_session: args.frames,
        elapsed_s: elapsed,
        sessions_per_s: s.session.len() as f64 / elapsed,
        frames_per_s: s.frame.len() as f64 / elapsed,
        busy_retries: s.busy,
        create: summarise(s.create),
        frame: summarise(s.frame),
        complete: summarise(s.complete),
        session: summarise(s.session),
        server_peak_rss_mib,
    })
}

/// Entry point of the subcommand.
pub fn run(args: LoadArgs) -> Result<()> {
    let r = load(&args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    println!(
        "{} sessions x {} frames, concurrency {}: {:.1} s, {:.2} sessions/s, {:.1} frames/s, {} busy retries",
        r.sessions, r.frames_per_session, r.concurrency, r.elapsed_s, r.sessions_per_s, r.frames_per_s, r.busy_retries
    );
    for (name, l) in [
        ("create", &r.create),
        ("frame", &r.frame),
        ("complete", &r.complete),
        ("session", &r.session),
    ] {
        println!(
            "  {name:<8} n={:<5} p50 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms",
            l.count, l.p50_ms, l.p99_ms, l.max_ms
        );
    }
    if let Some(rss) = r.server_peak_rss_mib {
        println!("  server peak RSS {rss:.0} MiB");
    }
    Ok(())
}
