//! Helpers shared by the integration tests that drive the built `lns` binary.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `lns ARGS…` and waits for it.
pub fn lns(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lns"))
        .args(args)
        .output()
        .expect("the lns binary runs")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory `group/name` under Cargo's per-target temporary directory.
pub fn temp_dir(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a quickly fitted 12:6 PWL table (`lns fit-pwl`, 50 iterations) to `path`.
pub fn fit_pwl_12_6(path: &Path) {
    let o = lns(&[
        "fit-pwl",
        "--bits",
        "12",
        "--frac",
        "6",
        "--iters",
        "50",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}
