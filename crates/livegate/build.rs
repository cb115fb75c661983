//! Records where onnxruntime's shared library is (the `onnxruntime` PyPI wheel that
//! `scripts/setup.sh` installs), so the binary finds the fast backend with no environment
//! variable. Finding nothing is not an error: the binary then falls back to tract.

use std::process::Command;

const LOCATE: &str = "import onnxruntime, os, glob; \
print(sorted(glob.glob(os.path.join(os.path.dirname(onnxruntime.__file__), 'capi', 'libonnxruntime.so*')))[0])";

fn main() {
    println!("cargo:rerun-if-env-changed=ORT_DYLIB_PATH");
    println!("cargo:rerun-if-changed=build.rs");
    let from_env = std::env::var("ORT_DYLIB_PATH").ok().filter(|p| !p.is_empty());
    let found = from_env.or_else(|| {
        let out = Command::new("python3").args(["-c", LOCATE]).output().ok()?;
        let path = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !path.is_empty()).then_some(path)
    });
    if let Some(path) = found {
        println!("cargo:rustc-env=LIVEGATE_ORT_DYLIB={path}");
    }
}
