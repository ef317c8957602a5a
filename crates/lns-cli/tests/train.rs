//! Drives `lns train`, `lns compare` and `lns sweep` on tiny slices of the
//! embedded Fashion-MNIST subset.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;

use common::{lns, stderr, stdout};

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    common::temp_dir("lns-cli-train", name)
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Options of a short LeNet run on 96 training and 40 test images.
const TINY: [&str; 14] = [
    "--model",
    "lenet",
    "--limit-train",
    "96",
    "--limit-test",
    "40",
    "--batch",
    "16",
    "--lr",
    "0.02",
    "--optimizer",
    "sgd:0.9",
    "--seed",
    "7",
];

fn train(out: &Path, epochs: &str, extra: &[&str]) -> Output {
    let mut args = vec!["train", "--backend", "lns16", "--epochs", epochs];
    args.extend(TINY);
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(extra);
    lns(&args)
}

#[test]
fn train_writes_metrics_and_a_checkpoint_and_resume_continues_exactly() {
    let dir = temp_dir("train");
    let resumed = dir.join("resumed");
    let o = train(&resumed, "1", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let records = json(&resumed.join("metrics.json"));
    assert_eq!(records.as_array().unwrap().len(), 1);
    let first = &records[0];
    assert_eq!(first["epoch"], 1);
    assert_eq!(first["train_images"], 96);
    assert!(first["train_loss"].as_f64().unwrap().is_finite());
    assert!(first["saturated"].is_u64(), "LNS runs count saturations");
    let csv = std::fs::read_to_string(resumed.join("metrics.csv")).unwrap();
    assert!(csv.starts_with("epoch,train_loss,"), "{csv}");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    for file in [
        "checkpoint.json",
        "model-epoch-1.mpk",
        "optimizer-epoch-1.mpk",
    ] {
        assert!(resumed.join("checkpoint").join(file).exists(), "{file}");
    }

    let o = train(&resumed, "2", &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("resuming after epoch 1"),
        "{}",
        stderr(&o)
    );
    let records = json(&resumed.join("metrics.json"));
    assert_eq!(records.as_array().unwrap().len(), 2);
    assert_eq!(records[0], *first, "epoch 1 is kept as it was");
    assert!(resumed.join("checkpoint/model-epoch-2.mpk").exists());

    // Weights and momentum go through f32 and back into LNS codes without loss,
    // and the data order depends only on (seed, epoch): resuming equals running
    // both epochs at once.
    let straight = dir.join("straight");
    let o = train(&straight, "2", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = json(&straight.join("metrics.json"));
    for key in ["train_loss", "train_accuracy", "test_loss", "test_accuracy"] {
        assert_eq!(records[1][key], expected[1][key], "{key}");
    }
}

#[test]
fn resume_without_a_checkpoint_says_so() {
    let dir = temp_dir("no-checkpoint");
    let o = train(&dir, "1", &["--resume"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no checkpoint to resume from"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn compare_starts_every_backend_from_the_same_weights() {
    let dir = temp_dir("compare");
    let mut args = vec!["compare", "--backends", "lns16,flex", "--epochs", "1"];
    args.extend(TINY);
    args.extend(["--out", dir.to_str().unwrap()]);
    let o = lns(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("| backend | initial loss |"), "{out}");
    assert!(
        out.contains("| 16:10:lut |") && out.contains("| flex |"),
        "{out}"
    );
    for file in ["report.json", "summary.md", "loss.png", "accuracy.png"] {
        let meta = std::fs::metadata(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(meta.len() > 0, "{file}");
    }
    let report = json(&dir.join("report.json"));
    let backends = report["backends"].as_array().unwrap();
    assert_eq!(backends.len(), 2);
    let lns16 = backends[0]["initial_loss"].as_f64().unwrap();
    let flex = backends[1]["initial_loss"].as_f64().unwrap();
    // Same weights and batch; 16:10 rounds each value to 2^-10 in log2 (≈ 0.07 %).
    assert!((lns16 - flex).abs() < 0.01, "{lns16} vs {flex}");
    assert!(backends[0]["flushed"].is_u64());
    assert!(backends[1]["flushed"].is_null());
    assert!(
        std::fs::read_to_string(dir.join("summary.md"))
            .unwrap()
            .contains("Test accuracy per epoch")
    );
}

#[test]
fn sweep_fills_the_format_by_strategy_grid() {
    let dir = temp_dir("sweep");
    let o = lns(&[
        "sweep",
        "--model",
        "mlp",
        "--formats",
        "12:6,16:10",
        "--strategies",
        "lut,shift",
        "--epochs",
        "1",
        "--limit-train",
        "64",
        "--limit-test",
        "32",
        "--batch",
        "16",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("| format | lut | shift |"), "{out}");
    assert!(
        out.contains("| 12:6 |") && out.contains("| 16:10 |"),
        "{out}"
    );
    assert!(out.contains("f32 reference (flex)"), "{out}");
    assert!(dir.join("sweep.png").exists());
    assert_eq!(
        json(&dir.join("sweep.json"))["cells"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn bad_backend_fails_with_a_clear_message() {
    let dir = temp_dir("bad-backend");
    let o = lns(&[
        "train",
        "--backend",
        "16:10:linear",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("bad backend \"16:10:linear\""), "{err}");
    assert!(err.contains("`flex`, `ndarray` or an LNS device"), "{err}");
}

#[test]
fn bad_model_and_missing_data_fail_with_clear_messages() {
    let dir = temp_dir("bad-input");
    let out = dir.to_str().unwrap();
    let o = lns(&["train", "--model", "alexnet", "--out", out]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("unknown model \"alexnet\""),
        "{}",
        stderr(&o)
    );

    let missing = dir.join("no-such-dir");
    let data = format!("fashion-mnist:{}", missing.display());
    let o = lns(&["train", "--data", &data, "--out", out]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("loading dataset") && err.contains("no-such-dir"),
        "{err}"
    );
}

/// `lns train --optimizer madam` on 12:6 with a PWL table from `lns fit-pwl` given as
/// `12:6:pwl=FILE`: it trains, and resuming from the epoch-1 checkpoint (weights and
/// Madam's 32:23 state) gives the same epoch 2 as training straight through.
#[test]
fn madam_with_a_fitted_pwl_file_trains_and_resumes_exactly() {
    let dir = temp_dir("madam-pwl-file");
    let table = dir.join("fit12.json");
    common::fit_pwl_12_6(&table);
    let backend = format!("12:6:pwl={}", table.display());
    let run = |out: &Path, epochs: &str, extra: &[&str]| {
        let mut args = vec!["train", "--backend", &backend, "--epochs", epochs];
        args.extend(&TINY[..8]);
        args.extend(["--lr", "0.015625", "--optimizer", "madam", "--seed", "7"]);
        args.extend(["--out", out.to_str().unwrap()]);
        args.extend(extra);
        lns(&args)
    };
    let resumed = dir.join("resumed");
    let o = run(&resumed, "1", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&resumed, "2", &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let straight = dir.join("straight");
    let o = run(&straight, "2", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (
        json(&resumed.join("metrics.json")),
        json(&straight.join("metrics.json")),
    );
    assert!(a[1]["train_loss"].as_f64().unwrap() < a[0]["train_loss"].as_f64().unwrap());
    for key in ["train_loss", "train_accuracy", "test_loss", "test_accuracy"] {
        assert_eq!(a[1][key], b[1][key], "{key}");
    }
}

/// Asserts that `o` failed with a message (not a panic) containing `message`.
fn assert_fails_with(o: &Output, message: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "succeeded: {}", stdout(o));
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(message), "expected {message:?} in: {err}");
}

#[test]
fn zero_counts_and_out_of_range_numbers_fail_before_training() {
    let dir = temp_dir("bad-numbers");
    let out = dir.to_str().unwrap();
    for command in ["train", "compare", "sweep"] {
        for option in ["--batch", "--epochs"] {
            let o = lns(&[command, option, "0", "--out", out]);
            assert_fails_with(&o, "must be at least 1");
        }
    }
    for bad in [
        ["--lr", "nan"],
        ["--lr=-1", "--seed=1"],
        ["--optimizer", "sgd:nan"],
        ["--optimizer", "sgd:-1"],
        ["--optimizer", "sgd:0.9:-1"],
        ["--optimizer", "adam:nan"],
    ] {
        let mut args = vec!["train", "--out", out];
        args.extend(bad);
        assert_fails_with(&lns(&args), "out of range");
    }
    assert!(
        !dir.join("metrics.json").exists(),
        "nothing is trained or written"
    );
}

/// Writes IDX image and label files holding no items as the `train` and `t10k` splits.
fn write_empty_idx(dir: &Path) {
    let images: Vec<u8> = [0x0803u32, 0, 28, 28]
        .iter()
        .flat_map(|w| w.to_be_bytes())
        .collect();
    let labels: Vec<u8> = [0x0801u32, 0]
        .iter()
        .flat_map(|w| w.to_be_bytes())
        .collect();
    for split in ["train", "t10k"] {
        std::fs::write(dir.join(format!("{split}-images-idx3-ubyte")), &images).unwrap();
        std::fs::write(dir.join(format!("{split}-labels-idx1-ubyte")), &labels).unwrap();
    }
}

#[test]
fn an_empty_dataset_is_refused() {
    let dir = temp_dir("empty-data");
    let idx = dir.join("idx");
    std::fs::create_dir_all(&idx).unwrap();
    write_empty_idx(&idx);
    let data = format!("fashion-mnist:{}", idx.display());
    let out = dir.join("out");
    let o = lns(&["train", "--data", &data, "--out", out.to_str().unwrap()]);
    assert_fails_with(&o, "the training split of dataset");
    assert!(!out.join("metrics.json").exists());
}

#[test]
fn the_same_backend_twice_is_refused_before_training() {
    let dir = temp_dir("duplicate-backends");
    let out = dir.to_str().unwrap();
    for backends in ["lns16,lns16", "lns16,16:10:lut"] {
        let o = lns(&["compare", "--backends", backends, "--out", out]);
        assert_fails_with(&o, "backend 16:10:lut is given twice");
        assert_fails_with(&o, "16-10-lut/");
    }
    let o = lns(&[
        "sweep",
        "--formats",
        "lns16,16:10",
        "--strategies",
        "lut",
        "--out",
        out,
    ]);
    assert_fails_with(&o, "backend 16:10:lut is given twice");
    assert!(!dir.join("report.json").exists() && !dir.join("sweep.json").exists());
}

#[test]
fn a_sweep_with_invalid_cells_fails_naming_them_before_training() {
    let dir = temp_dir("sweep-bad-cells");
    let o = lns(&[
        "sweep",
        "--formats",
        "foo,16:20",
        "--strategies",
        "bogus",
        "--baseline",
        "none",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_fails_with(&o, "2 of the 2 cells of the grid are not valid backends");
    assert_fails_with(&o, "foo:bogus");
    assert_fails_with(&o, "16:20:bogus");
    assert!(!dir.join("sweep.json").exists());
}

#[test]
fn resume_refuses_other_limits_batch_or_learning_rate() {
    let dir = temp_dir("resume-mismatch");
    let o = train(&dir, "1", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let index = dir.join("checkpoint/checkpoint.json");
    let saved = json(&index);
    assert_eq!(saved["batch"], 16);
    assert_eq!(saved["train_images"], 96);

    for (change, message) in [
        (
            ["--batch", "32"],
            "the checkpoint's batch size is 16 but this run's is 32",
        ),
        (
            ["--lr", "0.05"],
            "the checkpoint's learning rate is 0.02 but this run's is 0.05",
        ),
        (
            ["--limit-train", "64"],
            "number of training images (--limit-train) is 96 but this run's is 64",
        ),
        (
            ["--limit-test", "20"],
            "number of test images (--limit-test) is 40 but this run's is 20",
        ),
    ] {
        assert_fails_with(&resume_tiny_with(&dir, change), message);
    }
    let o = train(&dir, "1", &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("nothing to do"), "{}", stdout(&o));

    // An index written before these settings were recorded resumes without checking them.
    let mut old = saved.clone();
    for key in ["train_images", "test_images", "batch", "lr"] {
        old.as_object_mut().unwrap().remove(key);
    }
    std::fs::write(&index, serde_json::to_string_pretty(&old).unwrap()).unwrap();
    let o = resume_tiny_with(&dir, ["--batch", "32"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `lns train --resume` for 1 epoch with the options of [`TINY`], one of them (`change`:
/// option and value) given another value.
fn resume_tiny_with(out: &Path, change: [&str; 2]) -> Output {
    let mut args = vec!["train", "--backend", "lns16", "--epochs", "1", "--resume"];
    for pair in TINY.chunks(2) {
        args.extend(if pair[0] == change[0] {
            change.as_slice()
        } else {
            pair
        });
    }
    args.extend(["--out", out.to_str().unwrap()]);
    lns(&args)
}
