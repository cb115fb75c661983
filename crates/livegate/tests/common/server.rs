//! A real `livegate serve` process on loopback for end-to-end tests, and a small HTTP client.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The API key every test server is bootstrapped with.
pub const KEY: &str = "e2e-test-key-0123456789";

/// A running server; killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Server {
    /// Starts `livegate serve` on a free port with its data in `data_dir` and extra environment.
    pub fn start(data_dir: &Path, env: &[(&str, String)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_livegate"));
        cmd.args(["serve", "--addr", "127.0.0.1:0"])
            .env("LIVEGATE_DATA_DIR", data_dir)
            .env("LIVEGATE_BOOTSTRAP_API_KEY", KEY)
            .env("LIVEGATE_POLL_INTERVAL_MS", "100")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("livegate serve starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Server { child, base }
    }

    /// SIGTERM, as `docker stop` and systemd send it; waits up to `wait` for the exit.
    pub fn terminate(mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        let deadline = std::time::Instant::now() + wait;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client with the bearer credential.
pub struct Client {
    http: reqwest::Client,
}

impl Default for Client {
    fn default() -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
        }
    }
}

impl Client {
    /// POSTs JSON.
    pub async fn post_json(&self, url: &str, token: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(url)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        read(r).await
    }

    /// POSTs a JPEG frame.
    pub async fn frame(&self, base: &str, id: &str, token: &str, t: f64, jpeg: Vec<u8>) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{base}/v1/sessions/{id}/frames"))
            .bearer_auth(token)
            .header("content-type", "image/jpeg")
            .header("x-capture-time", t.to_string())
            .body(jpeg)
            .send()
            .await
            .unwrap();
        read(r).await
    }

    /// POSTs with no body.
    pub async fn post(&self, url: &str, token: &str) -> (u16, Value) {
        read(self.http.post(url).bearer_auth(token).send().await.unwrap()).await
    }

    /// GETs JSON.
    pub async fn get(&self, url: &str, token: &str) -> (u16, Value) {
        read(self.http.get(url).bearer_auth(token).send().await.unwrap()).await
    }

    /// GETs bytes.
    pub async fn get_bytes(&self, url: &str, token: &str) -> (u16, Vec<u8>) {
        let r = self.http.get(url).bearer_auth(token).send().await.unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    }
}

async fn read(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// JPEG frames of a clip at `fps`, timed as a frame directory at that rate would be.
pub fn jpeg_frames(clip: &Path, fps: f64) -> Vec<(f64, Vec<u8>)> {
    let mut out = Vec::new();
    livegate_media::open_source(clip, Some(fps))
        .unwrap()
        .for_each_frame(|f| -> Result<(), livegate_media::MediaError> {
            let t = out.len() as f64 / fps;
            out.push((t, livegate_media::image_io::encode_jpeg(&f.image, 90).unwrap()));
            Ok(())
        })
        .unwrap();
    out
}

/// A fresh scratch directory.
pub fn scratch(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("livegate-{tag}-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// A service setting from the environment (`scripts/services.sh` exports them); in CI its
/// absence fails the test, elsewhere the test is skipped with a message.
pub fn service(var: &str) -> Option<String> {
    match std::env::var(var).ok().filter(|v| !v.is_empty()) {
        Some(v) => Some(v),
        None if std::env::var_os("LIVEGATE_CI").is_some() => {
            panic!("{var} is not set: CI must start the service (scripts/services.sh)")
        }
        None => {
            eprintln!("SKIP: {var} is not set (eval \"$(scripts/services.sh start)\" to test against it)");
            None
        }
    }
}
