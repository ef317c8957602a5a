//! `lns fit-pwl`: fits the PWL Δ breakpoints of one format ([`lns_core::fit`]), writes
//! the table as JSON (loadable by `Arith::with_pwl`) and optionally a PNG plot.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use lns_core::Format;
use lns_core::delta::{PwlDelta, PwlTable};
use lns_core::fit::{Breakpoints, Candidate, DEFAULT_ITERS, FitSpec, Objective, fit_pwl};

use crate::plot;

/// Arguments of `lns fit-pwl`.
#[derive(Debug, Args)]
pub struct FitPwlArgs {
    /// Total bits of the format, sign included.
    #[arg(long)]
    bits: u32,
    /// Fractional bits of the log.
    #[arg(long)]
    frac: u32,
    /// Segments per correction (Δ+ and Δ− each); default: as many as the format's
    /// unfitted table (`clamp(2^⌈frac/2⌉, 4, 128)`).
    #[arg(long)]
    segments: Option<u32>,
    /// What to minimize: max or mean Δ error.
    #[arg(long, default_value = "max")]
    objective: Objective,
    /// Seed of the annealing moves.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Annealing steps.
    #[arg(long, default_value_t = DEFAULT_ITERS)]
    iters: u32,
    /// Write the fitted table here as JSON.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw exact Δ± against the unfitted and fitted tables into this PNG.
    #[arg(long)]
    plot: Option<PathBuf>,
}

/// Runs `lns fit-pwl`.
pub fn run(args: &FitPwlArgs) -> Result<ExitCode> {
    let fmt = Format::new(args.bits, args.frac)?;
    let unfitted = PwlTable::uniform_for(fmt);
    let start = match args.segments {
        Some(0) => anyhow::bail!("--segments must be at least 1"),
        Some(n) => Breakpoints::default_for(fmt, n),
        None => Breakpoints::of(&unfitted),
    };
    let spec = FitSpec {
        objective: args.objective,
        seed: args.seed,
        iters: args.iters,
    };
    let report = fit_pwl(fmt, &start, spec)?;
    println!(
        "format {fmt}, {} Δ+ / {} Δ− segments, objective {}, seed {}, {} iterations, {} evaluations, {} moves accepted",
        report.best.breakpoints.plus.len(),
        report.best.breakpoints.minus.len(),
        spec.objective,
        spec.seed,
        spec.iters,
        report.evaluations,
        report.accepted,
    );
    println!("| table | Δ+ max | Δ− max | max | Δ+ mean | Δ− mean | mean | Δ+ bias | Δ− bias |");
    println!("|---|---|---|---|---|---|---|---|---|");
    if args.segments.is_some() {
        let d = lns_core::fit::evaluate(fmt, &Breakpoints::of(&unfitted))
            .context("the unfitted table does not validate")?;
        print_row("unfitted", &d);
    }
    print_row("start", &report.start);
    if let Some(g) = &report.greedy {
        print_row("greedy", g);
    }
    print_row("annealed", &report.annealed);
    print_row("best", &report.best);
    if let Some(path) = &args.out {
        let json = serde_json::to_string_pretty(&report.best.table)?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.plot {
        let fitted = PwlDelta::new(report.best.table.clone())?;
        let unfitted = PwlDelta::new(unfitted)?;
        let text = plot::plot_delta(path, fmt, &[("unfitted", &unfitted), ("fitted", &fitted)])
            .with_context(|| format!("cannot draw {}", path.display()))?;
        if !text {
            eprintln!(
                "warning: no usable font; {} was drawn without text",
                path.display()
            );
        }
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_row(name: &str, c: &Candidate) {
    let e = &c.score.error;
    println!(
        "| {name} | {:.3} | {:.3} | {:.3} | {:.4} | {:.4} | {:.4} | {:+.4} | {:+.4} |",
        e.max_plus,
        e.max_minus,
        c.score.max(),
        e.mean_plus,
        e.mean_minus,
        c.score.mean(),
        e.bias_plus,
        e.bias_minus
    );
}
