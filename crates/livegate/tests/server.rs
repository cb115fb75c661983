//! End-to-end tests with real `livegate serve` processes on loopback: a real clip through the
//! API gives what `livegate analyze` gives on the same frames; kill -9 loses no committed frame
//! or result; two servers sharing PostgreSQL and S3 serve one session.

mod common;

use common::server::{jpeg_frames, scratch, service, Client, Server, KEY};
use common::shared;
use serde_json::{json, Value};
use std::time::Duration;

const FPS: f64 = 8.0;

async fn create(c: &Client, base: &str, body: Value) -> (String, String) {
    let (s, created) = c.post_json(&format!("{base}/v1/sessions"), KEY, &body).await;
    assert_eq!(s, 201, "{created}");
    (
        created["id"].as_str().unwrap().to_string(),
        created["client_token"].as_str().unwrap().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_clip_through_a_real_server_matches_livegate_analyze() {
    let Some(clip) = shared("videos/active_actions/liveportrait_d0.mp4") else {
        return;
    };
    let frames = jpeg_frames(&clip, FPS);
    let dir = scratch("e2e-frames");
    for (i, (_, jpeg)) in frames.iter().enumerate() {
        std::fs::write(dir.join(format!("{i:04}.jpg")), jpeg).unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_livegate"))
        .args([
            "analyze",
            dir.to_str().unwrap(),
            "--fps",
            "8",
            "--json",
            "--mode",
            "active",
        ])
        .args(["--challenges", "smile,blink"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let analyzed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = &analyzed["session"];

    let server = Server::start(&scratch("e2e-data"), &[]);
    let c = Client::default();
    let profile =
        json!({"profile": {"liveness_mode": "active", "liveness_challenges": ["smile", "blink"], "fixed_order": true}});
    let (id, token) = create(&c, &server.base, profile).await;
    for (t, jpeg) in frames {
        let (s, body) = c.frame(&server.base, &id, &token, t, jpeg).await;
        assert_eq!(s, 201, "{body}");
    }
    let (s, done) = c
        .post(&format!("{}/v1/sessions/{id}/complete", server.base), &token)
        .await;
    assert_eq!(s, 200, "{done}");
    let selfie = &done["selfie"];
    for field in [
        "liveness_score",
        "liveness_passed",
        "challenges_completed",
        "frames_captured",
        "pose_variation_score",
        "expression_variation_score",
    ] {
        assert_eq!(
            selfie[field], expected[field],
            "{field}: server {done} vs analyze {expected}"
        );
    }
    assert_eq!(done["decision"], expected["decision"]);
    assert_eq!(done["reasons"], expected["reasons"]);
    assert_eq!(done["status"], "approved", "{done}");
    let (s, image) = c
        .get_bytes(
            &format!("{}{}", server.base, done["audit_images"][0]["url"].as_str().unwrap()),
            &token,
        )
        .await;
    assert_eq!((s, &image[..2]), (200, &[0xff, 0xd8][..]), "an audit JPEG");
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_loses_no_committed_frame_or_result() {
    let data = scratch("kill9");
    let t1 = std::fs::read(common::data("silentface_T1.jpg")).unwrap();
    let c = Client::default();
    let server = Server::start(&data, &[]);
    let base = server.base.clone();
    // B completes before the kill; A has three committed frames and one upload in flight.
    let (b, b_token) = create(&c, &base, json!({})).await;
    c.frame(&base, &b, &b_token, 0.0, t1.clone()).await;
    let (s, b_done) = c.post(&format!("{base}/v1/sessions/{b}/complete"), &b_token).await;
    assert_eq!(s, 200, "{b_done}");
    let (a, a_token) = create(&c, &base, json!({"profile": {"liveness_mode": "passive", "frames": 5}})).await;
    for i in 0..3 {
        let (s, body) = c.frame(&base, &a, &a_token, i as f64 * 0.2, t1.clone()).await;
        assert_eq!((s, body["seq"].as_i64()), (201, Some(i)), "{body}");
    }
    let in_flight = {
        let (base, a, token, jpeg) = (base.clone(), a.clone(), a_token.clone(), t1.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            http.post(format!("{base}/v1/sessions/{a}/frames"))
                .bearer_auth(token)
                .header("content-type", "image/jpeg")
                .header("x-capture-time", "0.6")
                .body(jpeg)
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    server.kill9();
    let landed = matches!(in_flight.await.unwrap(), Ok(201));

    let server = Server::start(&data, &[]);
    let base = server.base.clone();
    let (_, b_after) = c.get(&format!("{base}/v1/sessions/{b}"), KEY).await;
    assert_eq!(b_after["selfie"], b_done["selfie"], "the result survived");
    assert_eq!(b_after["audit_images"], b_done["audit_images"]);
    let (_, a_after) = c.get(&format!("{base}/v1/sessions/{a}"), &a_token).await;
    let received = a_after["frames_received"].as_i64().unwrap();
    assert!(received == 3 || received == 4, "{a_after}");
    assert!(!landed || received == 4, "a frame answered 201 was lost: {a_after}");
    assert_eq!(a_after["status"], "in_progress");
    let (s, next) = c.frame(&base, &a, &a_token, 0.8, t1.clone()).await;
    assert_eq!((s, next["seq"].as_i64()), (201, Some(received)), "{next}");
    let (s, a_done) = c.post(&format!("{base}/v1/sessions/{a}/complete"), &a_token).await;
    assert_eq!(s, 200, "{a_done}");
    assert_eq!(a_done["selfie"]["frames_captured"].as_i64(), Some(received + 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_share_postgres_and_s3() {
    let (Some(pg), Some(s3)) = (service("LIVEGATE_TEST_DATABASE_URL"), service("LIVEGATE_TEST_S3_URL")) else {
        return;
    };
    let prefix = format!("{}/two-servers-{}", s3.trim_end_matches('/'), std::process::id());
    let env = [("LIVEGATE_DATABASE_URL", pg), ("LIVEGATE_OBJECT_STORE", prefix)];
    let one = Server::start(&scratch("one"), &env);
    let two = Server::start(&scratch("two"), &env);
    let c = Client::default();
    // Three distinct frames of a real clip (identical frames would be flagged as a static stream).
    let frames = jpeg_frames(&common::data("liveportrait_d5.mp4"), 2.0);
    let (id, token) = create(&c, &one.base, json!({})).await;
    for (i, server) in [&two, &one, &two].iter().enumerate() {
        let (t, jpeg) = frames[i].clone();
        let (s, body) = c.frame(&server.base, &id, &token, t, jpeg).await;
        assert_eq!((s, body["seq"].as_i64()), (201, Some(i as i64)), "{body}");
    }
    let (s, done) = c.post(&format!("{}/v1/sessions/{id}/complete", two.base), &token).await;
    assert_eq!(s, 200, "{done}");
    assert!(done["selfie"]["liveness_score"].is_number(), "{done}");
    let (_, seen) = c.get(&format!("{}/v1/sessions/{id}", one.base), KEY).await;
    assert_eq!(seen["selfie"], done["selfie"]);
    let url = done["audit_images"][0]["url"].as_str().unwrap();
    let (s, image) = c.get_bytes(&format!("{}{url}", one.base), &token).await;
    let sha = done["audit_images"][0]["sha256"].as_str().unwrap();
    assert!(frames.iter().any(|(_, f)| f == &image), "an uploaded frame");
    assert_eq!(
        (s, image.len() > 1000, sha.len()),
        (200, true, 64),
        "written through one server, read through the other"
    );
    let (s, again) = c.frame(&one.base, &id, &token, 1.0, vec![0xff, 0xd8]).await;
    assert_eq!((s, again["error"]["code"].as_str()), (409, Some("session_completed")));
}

#[test]
fn loadtest_reports_throughput_and_latency_against_a_spawned_server() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_livegate"))
        .args([
            "loadtest",
            "--spawn",
            "--sessions",
            "4",
            "--concurrency",
            "2",
            "--frames",
            "2",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["sessions"].as_u64(), r["frame"]["count"].as_u64()),
        (Some(4), Some(8)),
        "{r}"
    );
    assert!(r["sessions_per_s"].as_f64().unwrap() > 0.0);
    assert!(r["frame"]["p99_ms"].as_f64().unwrap() >= r["frame"]["p50_ms"].as_f64().unwrap());
}

#[test]
fn issue16_sigterm_drains_like_ctrl_c_answering_the_request_in_flight() {
    use std::io::{Read, Write};
    let data = scratch("sigterm");
    let server = Server::start(&data, &[]);
    let addr = server.base.trim_start_matches("http://").to_string();
    let body = format!("{{}}{}", " ".repeat(62));
    let mut socket = std::net::TcpStream::connect(&addr).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        socket,
        "POST /v1/sessions HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {KEY}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    socket.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let exit = std::thread::spawn(move || server.terminate(Duration::from_secs(20)));
    // The request started before the signal still gets its answer.
    std::thread::sleep(Duration::from_millis(500));
    socket.write_all(&body.as_bytes()[10..]).unwrap();
    let mut answer = String::new();
    let _ = socket.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let status = exit.join().unwrap().expect("the server exits after draining");
    assert!(status.success(), "SIGTERM is a clean shutdown, got {status:?}");
}

#[test]
fn a_server_without_any_api_key_says_so_loudly_at_start() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let data = scratch("no-key");
    let mut child = Command::new(env!("CARGO_BIN_EXE_livegate"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("LIVEGATE_DATA_DIR", &data)
        .env_remove("LIVEGATE_BOOTSTRAP_API_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A watchdog: without the warning the server would run on and the read below never end.
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        let _ = Command::new("kill").args(["-9", &pid]).status();
    });
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let warning = stderr.lines().map_while(Result::ok).find(|l| l.contains("WARNING"));
    let _ = child.kill();
    let _ = child.wait();
    let warning = warning.expect("a warning line before the server runs");
    assert!(warning.contains("no API key exists"), "{warning}");
    assert!(
        warning.contains("LIVEGATE_BOOTSTRAP_API_KEY"),
        "names the way out: {warning}"
    );

    // With the bootstrap key there is no warning.
    let mut child = Command::new(env!("CARGO_BIN_EXE_livegate"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("LIVEGATE_DATA_DIR", &data)
        .env("LIVEGATE_BOOTSTRAP_API_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening on"), "{line}");
    let _ = child.kill();
    let _ = child.wait();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut rest).unwrap();
    assert!(!rest.contains("WARNING"), "{rest}");
}
