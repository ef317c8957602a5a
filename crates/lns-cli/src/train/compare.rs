//! `lns compare`: one model trained on several backends from identical initial
//! weights and identical batches, with a report, a Markdown table and plots.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use burn::backend::Flex;
use clap::Args;
use lns_zoo::data::DatasetSplits;
use lns_zoo::models::Model;
use serde::{Deserialize, Serialize};

use super::backend::BackendSpec;
use super::metrics::{EpochRecord, write_file};
use super::run::RunSetup;
use super::{CommonArgs, LenItems, curves, initial_model, load_data, train_on};

/// Report file name.
pub const REPORT_JSON: &str = "report.json";
/// Markdown summary file name.
pub const SUMMARY_MD: &str = "summary.md";
/// Loss curves plot file name.
pub const LOSS_PNG: &str = "loss.png";
/// Accuracy curves plot file name.
pub const ACCURACY_PNG: &str = "accuracy.png";

/// Arguments of `lns compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Comma-separated backends: `flex`, `ndarray` or LNS devices.
    #[arg(long, value_delimiter = ',', default_value = "lns16,flex")]
    pub backends: Vec<BackendSpec>,
    /// Output directory: report.json, summary.md, loss.png, accuracy.png and one
    /// sub-directory of metrics per backend.
    #[arg(long, default_value = "runs/compare")]
    pub out: PathBuf,
}

/// The settings shared by every backend of a comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSettings {
    /// Model name.
    pub model: String,
    /// Dataset string.
    pub data: String,
    /// Training images.
    pub train_images: usize,
    /// Test images.
    pub test_images: usize,
    /// Epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// Optimizer string.
    pub optimizer: String,
    /// Seed of the initial weights and data order.
    pub seed: u64,
}

/// What every run of a comparison or a sweep starts from.
pub struct SharedStart {
    /// The dataset, limits applied.
    pub data: DatasetSplits,
    /// The initial weights, drawn on f32 from the seed.
    pub init: Model<Flex>,
    /// The settings the report records.
    pub settings: RunSettings,
}

impl SharedStart {
    /// Loads the data, draws the initial weights, creates the output directory `out`
    /// and records the settings shared by every run.
    ///
    /// # Errors
    /// Missing data, a model that does not fit it, an output directory that cannot be
    /// created.
    pub fn prepare(common: &CommonArgs, out: &Path) -> Result<Self> {
        let data = load_data(common)?;
        let init = initial_model(common.model, &data, common.seed)?;
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        let settings = RunSettings {
            model: common.model.to_string(),
            data: common.data.to_string(),
            train_images: data.train.len_items(),
            test_images: data.test.len_items(),
            epochs: common.epochs,
            batch: common.batch,
            lr: common.lr,
            optimizer: common.optimizer.to_string(),
            seed: common.seed,
        };
        Ok(Self {
            data,
            init,
            settings,
        })
    }
}

/// One backend's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackendResult {
    /// Backend string.
    pub backend: String,
    /// Loss of the very first batch, before any update: equal initial weights give
    /// equal values up to the backend's arithmetic.
    pub initial_loss: f64,
    /// Per-epoch metrics.
    pub epochs: Vec<EpochRecord>,
    /// Training images per second over all epochs.
    pub images_per_second: f64,
    /// Total training wall time, seconds.
    pub train_seconds: f64,
    /// LNS saturations over the run (`None` on f32 backends).
    pub saturated: Option<u64>,
    /// LNS flushes to zero over the run.
    pub flushed: Option<u64>,
    /// Training loss of every step, for plots.
    #[serde(skip)]
    pub step_losses: Vec<f64>,
}

/// `report.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompareReport {
    /// Shared settings.
    pub settings: RunSettings,
    /// Results per backend, in the order given.
    pub backends: Vec<BackendResult>,
}

/// Runs `lns compare`.
///
/// # Errors
/// Missing data, a model that does not fit it, unwritable output.
pub fn run(args: &CompareArgs) -> Result<ExitCode> {
    let common = &args.common;
    let labels: Vec<String> = args.backends.iter().map(ToString::to_string).collect();
    ensure_distinct_dirs(&labels)?;
    let SharedStart {
        data,
        init,
        settings,
    } = SharedStart::prepare(common, &args.out)?;
    eprintln!(
        "comparing {} on {} ({} train / {} test images), {} epochs, {} lr {} batch {}: {}",
        settings.model,
        settings.data,
        settings.train_images,
        settings.test_images,
        settings.epochs,
        settings.optimizer,
        settings.lr,
        settings.batch,
        args.backends
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut results = Vec::new();
    for spec in &args.backends {
        let label = spec.to_string();
        let dir = args.out.join(slug(&label));
        let setup = RunSetup::from_common(common, &data, &init, &dir, label.clone());
        let outcome = train_on(spec, &setup)?;
        results.push(result_of(label, outcome.records, outcome.step_losses));
        // Rewrite the report after every backend so a long comparison leaves
        // something behind if it is stopped.
        write_outputs(&args.out, &settings, &results, false)?;
    }
    let summary = write_outputs(&args.out, &settings, &results, true)?;
    println!("{summary}");
    println!("report in {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn result_of(backend: String, epochs: Vec<EpochRecord>, step_losses: Vec<f64>) -> BackendResult {
    let images: usize = epochs.iter().map(|r| r.train_images).sum();
    let seconds: f64 = epochs.iter().map(|r| r.train_seconds).sum();
    let total = |f: fn(&EpochRecord) -> Option<u64>| epochs.iter().map(f).sum::<Option<u64>>();
    BackendResult {
        backend,
        initial_loss: epochs.first().map_or(f64::NAN, |r| r.first_batch_loss),
        images_per_second: images as f64 / seconds.max(1e-9),
        train_seconds: seconds,
        saturated: total(|r| r.saturated),
        flushed: total(|r| r.flushed),
        epochs,
        step_losses,
    }
}

/// Writes report.json and summary.md (and, when `plots`, the PNGs); returns the summary.
fn write_outputs(
    out: &Path,
    settings: &RunSettings,
    results: &[BackendResult],
    plots: bool,
) -> Result<String> {
    let report = CompareReport {
        settings: settings.clone(),
        backends: results.to_vec(),
    };
    write_file(
        &out.join(REPORT_JSON),
        &serde_json::to_string_pretty(&report)?,
    )?;
    let mut summary = summary(settings, results);
    if plots {
        let loss: Vec<curves::Series> = results
            .iter()
            .map(|r| curves::Series {
                name: r.backend.clone(),
                points: smoothed_steps(&r.step_losses, r.epochs.len()),
            })
            .collect();
        let accuracy: Vec<curves::Series> = results
            .iter()
            .map(|r| curves::Series {
                name: r.backend.clone(),
                points: r
                    .epochs
                    .iter()
                    .map(|e| (e.epoch as f64, e.test_accuracy * 100.0))
                    .collect(),
            })
            .collect();
        let title = format!("{} on {}", settings.model, settings.data);
        curves::lines(
            &out.join(LOSS_PNG),
            &format!("training loss (smoothed), {title}"),
            ("epoch", "cross-entropy"),
            curves::Legend::Top,
            &loss,
        )?;
        curves::lines(
            &out.join(ACCURACY_PNG),
            &format!("test accuracy, {title}"),
            ("epoch", "accuracy (%)"),
            curves::Legend::Bottom,
            &accuracy,
        )?;
        let _ = writeln!(summary, "\nPlots: `{LOSS_PNG}`, `{ACCURACY_PNG}`.");
    }
    write_file(&out.join(SUMMARY_MD), &summary)?;
    Ok(summary)
}

/// Per-step losses averaged over windows, with x in epochs.
pub fn smoothed_steps(losses: &[f64], epochs: usize) -> Vec<(f64, f64)> {
    if losses.is_empty() || epochs == 0 {
        return Vec::new();
    }
    let per_epoch = losses.len() as f64 / epochs as f64;
    let window = (losses.len() / 60).max(1);
    losses
        .chunks(window)
        .enumerate()
        .map(|(i, chunk)| {
            let x = ((i * window) as f64 + chunk.len() as f64 / 2.0) / per_epoch;
            (x, chunk.iter().sum::<f64>() / chunk.len() as f64)
        })
        .collect()
}

/// The Markdown summary: one row per backend, then test accuracy and training
/// loss per epoch.
pub fn summary(settings: &RunSettings, results: &[BackendResult]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## {} on {} ({} train / {} test images)\n\n{} epochs, batch {}, {} lr {}, seed {}; \
         every backend starts from the same weights and sees the same batches.\n",
        settings.model,
        settings.data,
        settings.train_images,
        settings.test_images,
        settings.epochs,
        settings.batch,
        settings.optimizer,
        settings.lr,
        settings.seed
    );
    let _ = writeln!(
        s,
        "| backend | initial loss | final train loss | final test acc | best test acc | images/s | train time | saturated | flushed |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    let opt = |v: Option<u64>| v.map_or_else(|| "–".to_string(), |v| v.to_string());
    for r in results {
        let last = r.epochs.last();
        let best = r
            .epochs
            .iter()
            .map(|e| e.test_accuracy)
            .fold(f64::NAN, f64::max);
        let _ = writeln!(
            s,
            "| {} | {:.4} | {} | {} | {} | {:.1} | {:.1} s | {} | {} |",
            r.backend,
            r.initial_loss,
            last.map_or("–".into(), |e| format!("{:.4}", e.train_loss)),
            last.map_or("–".into(), |e| percent(e.test_accuracy)),
            percent(best),
            r.images_per_second,
            r.train_seconds,
            opt(r.saturated),
            opt(r.flushed),
        );
    }
    let epochs = results.iter().map(|r| r.epochs.len()).max().unwrap_or(0);
    for (title, value) in [
        (
            "Test accuracy",
            (|e: &EpochRecord| percent(e.test_accuracy)) as fn(&EpochRecord) -> String,
        ),
        ("Training loss", |e: &EpochRecord| {
            format!("{:.4}", e.train_loss)
        }),
    ] {
        let _ = writeln!(s, "\n{title} per epoch:\n");
        let names: Vec<&str> = results.iter().map(|r| r.backend.as_str()).collect();
        let _ = writeln!(s, "| epoch | {} |", names.join(" | "));
        let _ = writeln!(s, "|---|{}", "---|".repeat(names.len()));
        for i in 0..epochs {
            let cells: Vec<String> = results
                .iter()
                .map(|r| r.epochs.get(i).map_or("–".into(), value))
                .collect();
            let _ = writeln!(s, "| {} | {} |", i + 1, cells.join(" | "));
        }
    }
    s
}

fn percent(v: f64) -> String {
    if v.is_finite() {
        format!("{:.2} %", v * 100.0)
    } else {
        "–".to_string()
    }
}

/// Refuses runs that would write into the same sub-directory ([`slug`] of the
/// normalised backend string, so `lns16` and `16:10:lut` are the same run).
///
/// # Errors
/// Naming the repeated backend (or the two that share a directory) and the directory.
pub fn ensure_distinct_dirs(labels: &[String]) -> Result<()> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for label in labels {
        let dir = slug(label);
        if let Some(first) = seen.insert(dir.clone(), label) {
            if first == label {
                bail!(
                    "backend {label} is given twice (names such as lns16 are read as \
                     16:10:lut): both runs would write into {dir}/"
                );
            }
            bail!("backends {first} and {label} would both write into {dir}/");
        }
    }
    Ok(())
}

/// A directory name for a backend string (`16:10:lut` → `16-10-lut`).
pub fn slug(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(backends: &str) -> Vec<String> {
        backends
            .split(',')
            .map(|b| b.parse::<BackendSpec>().unwrap().to_string())
            .collect()
    }

    #[test]
    fn the_same_backend_twice_is_refused_under_any_name() {
        assert!(ensure_distinct_dirs(&labels("lns16,flex,12:6:pwl")).is_ok());
        for backends in ["lns16,lns16", "lns16,16:10:lut", "flex,f32"] {
            let e = ensure_distinct_dirs(&labels(backends))
                .unwrap_err()
                .to_string();
            assert!(e.contains("is given twice"), "{backends}: {e}");
        }
        let e = ensure_distinct_dirs(&labels("lns16,16:10:lut"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("16-10-lut/"), "{e}");
        let e = ensure_distinct_dirs(&["a.b".into(), "a-b".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("backends a.b and a-b"), "{e}");
    }
}
