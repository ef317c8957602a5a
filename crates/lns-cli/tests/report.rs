//! `lns report --cost` measures the operations of one training step.

use std::process::Command;

fn lns(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lns"))
        .args(args)
        .output()
        .expect("run lns")
}

/// MLP 784-100-10 on a batch of 8: forward is 8·(784·100 + 100·10) MACs; backward is the
/// two weight gradients (same count) plus the hidden layer's input gradient 8·10·100
/// (the images need none); the SGD update does no MAC.
#[test]
fn cost_report_counts_equal_the_hand_counted_macs_of_an_mlp_per_phase_and_per_layer() {
    let out = lns(&[
        "report", "--cost", "--model", "mlp", "--batch", "8", "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let phases = report["phases"].as_array().expect("phases");
    let mac = |i: usize| phases[i]["ops"]["mac"].as_u64().expect("mac count");
    assert_eq!(mac(0), 8 * (784 * 100 + 100 * 10));
    assert_eq!(mac(1), 8 * (784 * 100 + 100 * 10) + 8 * 10 * 100);
    assert_eq!(mac(2), 0);
    // The update touches every one of the 79,510 parameters with one multiply and one add.
    assert_eq!(phases[2]["ops"]["int_add"].as_u64(), Some(79_510));
    assert_eq!(phases[2]["ops"]["lns_add"].as_u64(), Some(79_510));

    // Per layer: the forward segments are the two linear layers (each matmul with its
    // bias and activation; the batch was encoded before the step), and every phase's
    // segments add up to it.
    let segments = |i: usize| phases[i]["segments"].as_array().expect("segments").clone();
    let forward = segments(0);
    let labels: Vec<&str> = forward
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["matmul 8×784, 784×100", "matmul 8×100, 100×10"]);
    let seg_mac = |s: &serde_json::Value| s["ops"]["mac"].as_u64().unwrap();
    assert_eq!(seg_mac(&forward[0]), 8 * 784 * 100);
    assert_eq!(seg_mac(&forward[1]), 8 * 100 * 10);
    for (i, phase) in phases.iter().enumerate() {
        for field in ["mac", "lns_add", "int_add", "compare", "convert"] {
            let sum: u64 = segments(i)
                .iter()
                .map(|s| s["ops"][field].as_u64().unwrap())
                .sum();
            assert_eq!(Some(sum), phase["ops"][field].as_u64(), "phase {i} {field}");
        }
    }
}

#[test]
fn report_without_a_topic_fails_with_a_clear_message() {
    let out = lns(&["report"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --cost"));
}

#[test]
fn a_zero_batch_is_refused_while_parsing() {
    let out = lns(&["report", "--cost", "--batch", "0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("must be at least 1"), "{err}");
    assert!(!err.contains("training set is empty"), "{err}");
}
