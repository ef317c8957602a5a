//! Drives the built `lns` binary in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::Output;

use lns_core::delta::{DeltaFn, PwlDelta, PwlTable};
use lns_core::{Arith, Format};

mod common;

use common::{lns, stderr, stdout};

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    common::temp_dir("lns-cli", name)
}

#[test]
fn errors_prints_both_tables() {
    let o = lns(&[
        "errors",
        "--formats",
        "lns8,12:6",
        "--strategies",
        "exact,pwl",
        "--pairs",
        "2000",
        "--dots",
        "10",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("| format | Δ | add max/mean ulp"), "{out}");
    assert!(out.contains("| 12:6 | pwl |"), "{out}");
    assert!(out.contains("| Δ+ max ulp |"), "{out}");
    // 2 formats × 2 strategies in each of the two tables.
    assert_eq!(out.matches("| 8:3 | exact |").count(), 2, "{out}");
}

#[test]
fn errors_json_parses() {
    let o = lns(&[
        "errors",
        "--formats",
        "lns8",
        "--strategies",
        "lut",
        "--pairs",
        "500",
        "--dots",
        "5",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ops"].as_array().unwrap().len(), 1);
    assert_eq!(v["delta"][0]["strategy"], "lut");
    assert!(v["delta"][0]["max_plus"].as_f64().unwrap() <= 0.5);
}

#[test]
fn bad_format_and_strategy_names_fail_clearly() {
    let o = lns(&["errors", "--formats", "16:17"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("17 fractional bits do not fit in 16 bits"),
        "{}",
        stderr(&o)
    );
    let o = lns(&["errors", "--strategies", "linear"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("expected one of exact, lut"),
        "{}",
        stderr(&o)
    );
    let o = lns(&["fit-pwl", "--bits", "40", "--frac", "3"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("invalid LNS format: 40 bits"),
        "{}",
        stderr(&o)
    );
}

/// Runs `lns fit-pwl` for 10:4 (300 iterations, seed 3) writing the table to `json`,
/// with `extra` arguments after those.
fn fit_pwl_10_4_seed_3(json: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "fit-pwl",
        "--bits",
        "10",
        "--frac",
        "4",
        "--iters",
        "300",
        "--seed",
        "3",
        "--out",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    lns(&args)
}

#[test]
fn fit_pwl_writes_a_table_that_arith_loads_and_a_plot() {
    let dir = temp_dir("fit");
    let (json, png) = (dir.join("t.json"), dir.join("d.png"));
    let o = fit_pwl_10_4_seed_3(&json, &["--plot", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("| best |"), "{}", stdout(&o));
    let table: PwlTable = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(table.format, Format::new(10, 4).unwrap());
    let png_bytes = std::fs::read(&png).unwrap();
    assert_eq!(&png_bytes[1..4], b"PNG");
    // Same seed, same table.
    let json2 = dir.join("t2.json");
    let o = fit_pwl_10_4_seed_3(&json2, &[]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read_to_string(&json).unwrap(),
        std::fs::read_to_string(&json2).unwrap()
    );
    // The loaded table computes exactly what the fitted one does.
    let unit = Arith::with_pwl(table.clone()).unwrap();
    let direct = PwlDelta::new(table).unwrap();
    for d in 0..200 {
        assert_eq!(unit.delta().plus(d), direct.plus(d));
    }
}

#[test]
fn vectors_round_trip_through_check_and_corruption_is_caught() {
    let dir = temp_dir("vectors");
    let out = dir.join("add8");
    let o = lns(&[
        "vectors",
        "--format",
        "lns8",
        "--strategy",
        "pwl",
        "--op",
        "add",
        "--exhaustive",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = lns(&["vectors", "--check", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("ok: 65025 add vectors"),
        "{}",
        stdout(&o)
    );
    let body = out.join("vectors.hex");
    let text = std::fs::read_to_string(&body).unwrap();
    assert_eq!(text.lines().next().unwrap().len(), "80 80 80".len());
    // Flip the output of the 5th vector.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines[4].pop().unwrap();
    lines[4].push(if last == '0' { '1' } else { '0' });
    std::fs::write(&body, lines.join("\n") + "\n").unwrap();
    let o = lns(&["vectors", "--check", out.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("vector 5:"), "{}", stderr(&o));
}

#[test]
fn dot_and_mac_vectors_with_a_fitted_table_check() {
    let dir = temp_dir("vectors-pwl");
    let json = dir.join("t.json");
    common::fit_pwl_12_6(&json);
    for op in ["mac", "dot"] {
        let out = dir.join(op);
        let o = lns(&[
            "vectors",
            "--pwl",
            json.to_str().unwrap(),
            "--op",
            op,
            "--count",
            "300",
            "--k",
            "8",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = lns(&["vectors", "--check", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("(12:6, pwl)"), "{}", stdout(&o));
    }
    // A format or strategy other than the table's is an error, not silently replaced.
    for (option, value, message) in [
        (
            "--format",
            "16:10",
            "--format 16:10 conflicts with the --pwl table",
        ),
        ("--strategy", "lut", "--strategy lut conflicts with --pwl"),
    ] {
        let out = dir.join("conflict");
        let o = lns(&[
            "vectors",
            "--pwl",
            json.to_str().unwrap(),
            option,
            value,
            "--op",
            "add",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(!o.status.success(), "{option} {value} accepted");
        assert!(stderr(&o).contains(message), "{}", stderr(&o));
        assert!(!out.exists());
    }
}

#[test]
fn vectors_refuse_impossible_requests() {
    let dir = temp_dir("vectors-bad");
    let o = lns(&[
        "vectors",
        "--format",
        "lns16",
        "--op",
        "add",
        "--exhaustive",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("at most 8 bits"), "{}", stderr(&o));
    let o = lns(&["vectors", "--op", "fma", "--out", dir.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("expected one of add, sub, mul, mac, dot"),
        "{}",
        stderr(&o)
    );
    let o = lns(&["vectors", "--check", dir.join("missing").to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}
