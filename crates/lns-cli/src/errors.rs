//! `lns errors`: the error table of [`lns_core::error_table`] and the exhaustive Δ±
//! error ([`lns_core::delta::delta_error`]) of every format × strategy.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use lns_core::delta::{DeltaError, delta_error};
use lns_core::error_table::{ErrorRow, ErrorTableSpec, error_table, to_markdown};
use lns_core::{DeltaKind, Format};
use serde::Serialize;

/// Arguments of `lns errors`.
#[derive(Debug, Args)]
pub struct ErrorsArgs {
    /// Formats, comma-separated: presets (lns8, lns12, lns12f5, lns12f7, lns16, lns32)
    /// or BITS:FRAC.
    #[arg(long, value_delimiter = ',', default_value = "lns8,lns12,lns16,lns32")]
    formats: Vec<Format>,
    /// Δ strategies, comma-separated: exact, lut, lut-small, pwl, shift.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "exact,lut,lut-small,pwl,shift"
    )]
    strategies: Vec<DeltaKind>,
    /// Random operand pairs per row for add/sub/mul.
    #[arg(long, default_value_t = ErrorTableSpec::default().pairs)]
    pairs: usize,
    /// Random 256-long dot products per row.
    #[arg(long, default_value_t = ErrorTableSpec::default().dots)]
    dots: usize,
    /// Seed of the operands.
    #[arg(long, default_value_t = ErrorTableSpec::default().seed)]
    seed: u64,
    /// Print JSON instead of Markdown.
    #[arg(long)]
    json: bool,
}

/// The exhaustive Δ error of one format × strategy.
#[derive(Debug, Serialize)]
struct DeltaRow {
    format: Format,
    strategy: DeltaKind,
    #[serde(flatten)]
    error: DeltaError,
}

#[derive(Debug, Serialize)]
struct Report {
    ops: Vec<ErrorRow>,
    delta: Vec<DeltaRow>,
}

/// Runs `lns errors`.
pub fn run(args: &ErrorsArgs) -> Result<ExitCode> {
    let spec = ErrorTableSpec {
        pairs: args.pairs,
        dots: args.dots,
        seed: args.seed,
        ..ErrorTableSpec::default()
    };
    let ops = error_table(&args.formats, &args.strategies, spec);
    let delta: Vec<DeltaRow> = args
        .formats
        .iter()
        .flat_map(|&format| {
            args.strategies.iter().map(move |&strategy| DeltaRow {
                format,
                strategy,
                error: delta_error(format, &strategy.build(format)),
            })
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&Report { ops, delta })?);
    } else {
        println!(
            "Operations ({} random pairs, {} dot products per row, seed {}):\n",
            spec.pairs, spec.dots, spec.seed
        );
        println!("{}", to_markdown(&ops));
        println!("Δ± against the real correction, in ulps (over every code difference):\n");
        print!("{}", delta_markdown(&delta));
    }
    Ok(ExitCode::SUCCESS)
}

fn delta_markdown(rows: &[DeltaRow]) -> String {
    let mut s = String::from(
        "| format | Δ | Δ+ max ulp | Δ+ mean ulp | Δ+ bias ulp | Δ− max ulp | Δ− mean ulp | Δ− bias ulp | evaluated |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let e = &r.error;
        s += &format!(
            "| {} | {} | {:.3} | {:.4} | {:+.4} | {:.3} | {:.4} | {:+.4} | {} |\n",
            r.format,
            r.strategy,
            e.max_plus,
            e.mean_plus,
            e.bias_plus,
            e.max_minus,
            e.mean_minus,
            e.bias_minus,
            if e.exhaustive { "all d" } else { "strided" }
        );
    }
    s
}
