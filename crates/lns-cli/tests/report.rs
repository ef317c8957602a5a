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
fn cost_report_counts_equal_the_hand_counted_macs_of_an_mlp() {
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
}

#[test]
fn report_without_a_topic_fails_with_a_clear_message() {
    let out = lns(&["report"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --cost"));
}
