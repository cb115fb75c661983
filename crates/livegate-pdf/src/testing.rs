//! Test support (also for the server's tests, with the `test-tsa` feature): a real RFC 3161
//! time-stamping authority, `openssl ts -reply` with a throw-away certificate.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::Timestamper;

/// A real RFC 3161 authority: `openssl ts -reply` with a throw-away certificate (subject
/// `CN=Livegate test TSA`) whose extended key usage is (critical) timeStamping.
#[derive(Debug)]
pub struct OpensslTsa {
    /// Its working directory: `tsa.pem` is its certificate.
    pub dir: PathBuf,
}

/// Runs `openssl args` in `dir`; its stderr when it fails.
pub fn openssl(args: &[&str], dir: &Path) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| e.to_string())?;
    out.status
        .success()
        .then_some(())
        .ok_or_else(|| String::from_utf8_lossy(&out.stderr).into_owned())
}

impl OpensslTsa {
    /// A new authority in a fresh directory; `None` (a skip) where openssl cannot run outside CI.
    pub fn new() -> Option<Self> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "livegate-tsa-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let made = openssl(
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "tsa.key",
                "-out",
                "tsa.pem",
                "-days",
                "2",
                "-subj",
                "/CN=Livegate test TSA",
                "-addext",
                "extendedKeyUsage=critical,timeStamping",
            ],
            &dir,
        );
        if let Err(e) = made {
            if std::env::var("LIVEGATE_CI").as_deref() == Ok("1") {
                panic!("openssl is needed in CI for the timestamp tests: {e}");
            }
            eprintln!("skipping the timestamp test: openssl cannot run: {e}");
            return None;
        }
        std::fs::write(dir.join("serial"), "01\n").unwrap();
        let config = "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = ./serial\nsigner_cert = ./tsa.pem\n\
                      signer_key = ./tsa.key\nsigner_digest = sha256\n\
                      default_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\n\
                      ess_cert_id_alg = sha256\n";
        std::fs::write(dir.join("tsa.cnf"), config).unwrap();
        Some(Self { dir })
    }
}

impl Timestamper for OpensslTsa {
    fn timestamp(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        std::fs::write(self.dir.join("req.tsq"), request).map_err(|e| e.to_string())?;
        openssl(
            &[
                "ts",
                "-reply",
                "-config",
                "tsa.cnf",
                "-queryfile",
                "req.tsq",
                "-out",
                "resp.tsr",
            ],
            &self.dir,
        )?;
        std::fs::read(self.dir.join("resp.tsr")).map_err(|e| e.to_string())
    }
}
