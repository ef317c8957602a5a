//! Per-epoch metrics of a training run, written as JSON and CSV.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// File name of the per-epoch metrics as JSON (an array of [`EpochRecord`]).
pub const METRICS_JSON: &str = "metrics.json";
/// File name of the per-epoch metrics as CSV.
pub const METRICS_CSV: &str = "metrics.csv";

/// What one epoch produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// One-based epoch number.
    pub epoch: usize,
    /// Mean training cross-entropy, each batch measured before its update.
    pub train_loss: f64,
    /// Training accuracy, each batch measured before its update.
    pub train_accuracy: f64,
    /// Mean cross-entropy on the test split after the epoch.
    pub test_loss: f64,
    /// Accuracy on the test split after the epoch.
    pub test_accuracy: f64,
    /// Loss of the epoch's first batch, before any update of the epoch.
    pub first_batch_loss: f64,
    /// Training images in the epoch.
    pub train_images: usize,
    /// Wall time of the training pass, seconds.
    pub train_seconds: f64,
    /// Training throughput, images per second.
    pub images_per_second: f64,
    /// Wall time of the test pass, seconds.
    pub test_seconds: f64,
    /// LNS results saturated to ±max during the epoch (`None` on f32 backends).
    pub saturated: Option<u64>,
    /// LNS non-zero results flushed to zero during the epoch.
    pub flushed: Option<u64>,
    /// NaN inputs encoded as zero during the epoch.
    pub nan: Option<u64>,
    /// Whether every loss of the epoch was finite.
    pub finite: bool,
}

/// Column names of [`METRICS_CSV`], in order.
const CSV_HEADER: &str = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,\
first_batch_loss,train_images,train_seconds,images_per_second,test_seconds,\
saturated,flushed,nan,finite";

/// Writes `records` to `dir` as [`METRICS_JSON`] and [`METRICS_CSV`].
///
/// # Errors
/// If a file cannot be written.
pub fn write(dir: &Path, records: &[EpochRecord]) -> Result<()> {
    let json = serde_json::to_string_pretty(records)?;
    write_file(&dir.join(METRICS_JSON), &json)?;
    write_file(&dir.join(METRICS_CSV), &csv(records))
}

/// Reads [`METRICS_JSON`] from `dir`.
///
/// # Errors
/// If the file is missing or malformed.
pub fn read(dir: &Path) -> Result<Vec<EpochRecord>> {
    let path = dir.join(METRICS_JSON);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The records as CSV with a header line; missing counts are empty fields.
pub fn csv(records: &[EpochRecord]) -> String {
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut out = format!("{CSV_HEADER}\n");
    for r in records {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{:.3},{:.2},{:.3},{},{},{},{}",
            r.epoch,
            r.train_loss,
            r.train_accuracy,
            r.test_loss,
            r.test_accuracy,
            r.first_batch_loss,
            r.train_images,
            r.train_seconds,
            r.images_per_second,
            r.test_seconds,
            opt(r.saturated),
            opt(r.flushed),
            opt(r.nan),
            r.finite,
        );
    }
    out
}

/// Writes `text` to `path`, naming the path in the error.
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
