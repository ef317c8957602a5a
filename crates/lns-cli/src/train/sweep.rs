//! `lns sweep`: final test accuracy over a grid of LNS formats × Δ strategies,
//! every cell trained from the same initial weights on the same batches.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use serde::{Deserialize, Serialize};

use super::backend::{BackendSpec, split_list};
use super::compare::{RunSettings, SharedStart, ensure_distinct_dirs, slug};
use super::metrics::{EpochRecord, write_file};
use super::run::RunSetup;
use super::{CommonArgs, curves, train_on};

/// Sweep results file name.
pub const SWEEP_JSON: &str = "sweep.json";
/// Markdown table file name.
pub const SWEEP_MD: &str = "sweep.md";
/// Heat-map file name.
pub const SWEEP_PNG: &str = "sweep.png";

/// Arguments of `lns sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Comma-separated LNS formats, `BITS:FRAC` or names (`lns16`).
    #[arg(long, default_value = "10:4,12:6,16:10")]
    pub formats: String,
    /// Comma-separated Δ strategies: exact, lut, lut-small, pwl, pwl-uniform (the
    /// unfitted PWL table), shift; each may carry a suffix such as `:acc=16:10`.
    #[arg(long, default_value = "lut,pwl,shift")]
    pub strategies: String,
    /// f32 reference trained alongside (`flex`, `ndarray` or `none`).
    #[arg(long, default_value = "flex")]
    pub baseline: String,
    /// Output directory: sweep.json, sweep.md, sweep.png and metrics per cell.
    #[arg(long, default_value = "runs/sweep")]
    pub out: PathBuf,
}

/// One cell of the grid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    /// Format as given.
    pub format: String,
    /// Δ strategy as given.
    pub strategy: String,
    /// The device string, or the baseline's name.
    pub backend: String,
    /// Per-epoch metrics.
    pub epochs: Vec<EpochRecord>,
}

impl Cell {
    fn final_accuracy(&self) -> Option<f64> {
        self.epochs.last().map(|e| e.test_accuracy * 100.0)
    }
}

/// `sweep.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepReport {
    /// Shared settings.
    pub settings: RunSettings,
    /// Row-major cells: formats × strategies.
    pub cells: Vec<Cell>,
    /// The f32 reference, if one was trained.
    pub baseline: Option<Cell>,
}

/// One cell of the grid before training: the format and strategy as given and the
/// backend they name.
#[derive(Debug)]
struct Planned<'a> {
    format: &'a str,
    strategy: &'a str,
    spec: BackendSpec,
}

/// Parses every `format:strategy` cell of the grid, row-major, before anything is
/// trained.
///
/// # Errors
/// Listing every cell that is not a valid LNS backend, with the reason.
fn plan<'a>(formats: &[&'a str], strategies: &[&'a str]) -> Result<Vec<Planned<'a>>> {
    let mut cells = Vec::new();
    let mut bad = Vec::new();
    for &format in formats {
        for &strategy in strategies {
            let text = format!("{format}:{strategy}");
            match text.parse::<BackendSpec>() {
                Ok(spec) => cells.push(Planned {
                    format,
                    strategy,
                    spec,
                }),
                Err(e) => bad.push(format!("  {e:#}")),
            }
        }
    }
    if !bad.is_empty() {
        bail!(
            "{} of the {} cells of the grid are not valid backends:\n{}",
            bad.len(),
            formats.len() * strategies.len(),
            bad.join("\n")
        );
    }
    Ok(cells)
}

/// Runs `lns sweep`.
///
/// # Errors
/// Missing data, a bad list or cell, two cells naming the same backend, unwritable
/// output.
pub fn run(args: &SweepArgs) -> Result<ExitCode> {
    let common = &args.common;
    let formats = split_list(&args.formats);
    let strategies = split_list(&args.strategies);
    anyhow::ensure!(!formats.is_empty(), "--formats is empty");
    anyhow::ensure!(!strategies.is_empty(), "--strategies is empty");
    let baseline = match args.baseline.as_str() {
        "none" => None,
        name => match name.parse::<BackendSpec>()? {
            spec @ (BackendSpec::Flex | BackendSpec::NdArray) => Some(spec),
            BackendSpec::Lns(_) => anyhow::bail!("--baseline must be flex, ndarray or none"),
        },
    };
    let planned = plan(&formats, &strategies)?;
    let labels: Vec<String> = baseline
        .iter()
        .chain(planned.iter().map(|p| &p.spec))
        .map(ToString::to_string)
        .collect();
    ensure_distinct_dirs(&labels)?;
    let SharedStart {
        data,
        init,
        settings,
    } = SharedStart::prepare(common, &args.out)?;
    let train = |spec: &BackendSpec| -> Result<Vec<EpochRecord>> {
        let label = spec.to_string();
        let dir = args.out.join(slug(&label));
        let setup = RunSetup::from_common(common, &data, &init, &dir, label);
        Ok(train_on(spec, &setup)?.records)
    };
    let mut report = SweepReport {
        settings,
        cells: Vec::new(),
        baseline: None,
    };
    if let Some(spec) = baseline {
        let name = spec.to_string();
        report.baseline = Some(Cell {
            format: "f32".into(),
            strategy: "-".into(),
            backend: name,
            epochs: train(&spec)?,
        });
    }
    for cell in &planned {
        report.cells.push(Cell {
            format: cell.format.to_string(),
            strategy: cell.strategy.to_string(),
            backend: cell.spec.to_string(),
            epochs: train(&cell.spec)?,
        });
        write_file(
            &args.out.join(SWEEP_JSON),
            &serde_json::to_string_pretty(&report)?,
        )?;
    }
    let table = table(&report, &formats, &strategies);
    let grid: Vec<Vec<Option<f64>>> = report
        .cells
        .chunks(strategies.len())
        .map(|row| row.iter().map(Cell::final_accuracy).collect())
        .collect();
    let mut title = format!(
        "test accuracy (%) after {} epochs, {} on {}",
        report.settings.epochs, report.settings.model, report.settings.data
    );
    if let Some(acc) = report.baseline.as_ref().and_then(Cell::final_accuracy) {
        let _ = write!(title, "; f32 {acc:.2}");
    }
    curves::heatmap(
        &args.out.join(SWEEP_PNG),
        &title,
        &formats.iter().map(ToString::to_string).collect::<Vec<_>>(),
        &strategies
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        &grid,
    )?;
    write_file(&args.out.join(SWEEP_MD), &table)?;
    println!("{table}");
    println!("sweep in {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// The Markdown grid of final test accuracies (formats × strategies).
fn table(report: &SweepReport, formats: &[&str], strategies: &[&str]) -> String {
    let s = &report.settings;
    let mut out = format!(
        "## {} on {} ({} train / {} test images): final test accuracy\n\n\
         {} epochs, batch {}, {} lr {}, seed {}.\n\n",
        s.model,
        s.data,
        s.train_images,
        s.test_images,
        s.epochs,
        s.batch,
        s.optimizer,
        s.lr,
        s.seed
    );
    let _ = writeln!(out, "| format | {} |", strategies.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(strategies.len()));
    let cell_text = |c: &Cell| {
        c.final_accuracy()
            .map_or_else(|| "–".to_string(), |acc| format!("{acc:.2} %"))
    };
    for (format, row) in formats.iter().zip(report.cells.chunks(strategies.len())) {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        let _ = writeln!(out, "| {format} | {} |", cells.join(" | "));
    }
    if let Some(b) = &report.baseline {
        let _ = writeln!(out, "\nf32 reference ({}): {}", b.backend, cell_text(b));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_is_parsed_before_training_and_bad_ones_are_named() {
        let cells = plan(&["12:6", "lns16"], &["lut", "shift"]).unwrap();
        let names: Vec<String> = cells.iter().map(|c| c.spec.to_string()).collect();
        assert_eq!(
            names,
            ["12:6:lut", "12:6:shift", "16:10:lut", "16:10:shift"]
        );
        let e = plan(&["foo", "16:20"], &["bogus"]).unwrap_err().to_string();
        assert!(e.starts_with("2 of the 2 cells"), "{e}");
        assert!(e.contains("foo:bogus") && e.contains("16:20:bogus"), "{e}");
        let e = plan(&["12:6"], &["lut", "bogus"]).unwrap_err().to_string();
        assert!(
            e.starts_with("1 of the 2 cells") && e.contains("12:6:bogus"),
            "{e}"
        );
    }
}
