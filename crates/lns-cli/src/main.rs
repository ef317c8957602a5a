//! `lns`: error tables, PWL fitting and golden vectors for LNS hardware and software.
//!
//! ```text
//! lns errors   [--formats lns8,lns16] [--strategies exact,lut] [--pairs N] [--json]
//! lns fit-pwl  --bits B --frac F [--segments N] [--objective max|mean] [--seed S]
//!              [--iters I] [--out table.json] [--plot delta.png]
//! lns vectors  --format 16:10 --strategy lut --op add|sub|mul|mac|dot --count N
//!              [--k K] [--seed S] [--exhaustive] [--pwl table.json] --out DIR
//! lns vectors  --check DIR
//! lns report   --cost [--model lenet] [--backend lns16] [--batch 32] [--json]
//! lns train    --model lenet --data fashion-mnist[:full|:DIR] --backend lns16|12:6:pwl|flex|ndarray
//!              [--epochs N] [--batch B] [--lr LR] [--optimizer sgd:0.9|adam] [--seed S]
//!              [--limit-train N] [--limit-test N] --out DIR [--resume]
//! lns compare  [--backends lns16,flex] [same options as train] --out DIR
//! lns sweep    --model mlp [--formats 10:4,12:6,16:10] [--strategies lut,pwl,shift] --out DIR
//! ```

mod args;
mod errors;
mod fit_pwl;
mod plot;
mod report;
mod train;
mod vectors;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Logarithmic-number-system tools.
#[derive(Debug, Parser)]
#[command(name = "lns", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Error of every format × Δ strategy: sampled add/sub/mul/dot against f64, and
    /// the exhaustive Δ± error.
    Errors(errors::ErrorsArgs),
    /// Fit the breakpoints of a piece-wise-linear Δ for one format.
    FitPwl(fit_pwl::FitPwlArgs),
    /// Write golden test vectors for RTL, or check a directory of them.
    Vectors(vectors::VectorsArgs),
    /// Train a zoo model on one backend, with per-epoch metrics and checkpoints.
    Train(train::TrainArgs),
    /// Train one model on several backends from identical weights and compare.
    Compare(train::compare::CompareArgs),
    /// Final accuracy over a grid of LNS formats × Δ strategies.
    Sweep(train::sweep::SweepArgs),
    /// Operation counts and energy of one training step (`--cost`).
    Report(report::ReportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Errors(a) => errors::run(&a),
        Command::FitPwl(a) => fit_pwl::run(&a),
        Command::Vectors(a) => vectors::run(&a),
        Command::Report(a) => report::run(&a),
        Command::Train(a) => train::run_train(&a),
        Command::Compare(a) => train::compare::run(&a),
        Command::Sweep(a) => train::sweep::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
