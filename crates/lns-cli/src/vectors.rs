//! `lns vectors`: writes golden test vectors ([`lns_core::vectors`]) as a JSON header
//! and a hex body, or re-checks a directory of them against the reference.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use lns_core::delta::PwlTable;
use lns_core::vectors::{VectorHeader, VectorOp, VectorSet, VectorSpec, check, generate, to_hex};
use lns_core::{DeltaKind, Format};

/// File name of the header inside a vector directory.
pub const HEADER_FILE: &str = "vectors.json";

/// At most this many mismatches are printed by `--check`.
const SHOW_MISMATCHES: usize = 10;

/// Arguments of `lns vectors`.
#[derive(Debug, Args)]
pub struct VectorsArgs {
    /// Re-check the vectors in this directory against the reference instead of writing.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "op", "exhaustive", "pwl"])]
    check: Option<PathBuf>,
    /// Format: a preset (lns8, lns12, lns16, …) or BITS:FRAC [default: 16:10, or the
    /// `--pwl` table's format].
    #[arg(long)]
    format: Option<Format>,
    /// Δ strategy: exact, lut, lut-small, pwl, shift [default: lut, or pwl with `--pwl`].
    #[arg(long)]
    strategy: Option<DeltaKind>,
    /// A fitted PWL table (JSON from `lns fit-pwl`); implies --strategy pwl and the
    /// table's format.
    #[arg(long, value_name = "TABLE.json")]
    pwl: Option<PathBuf>,
    /// Operation: add, sub, mul, mac (acc + a·b), dot (K-long dot product).
    #[arg(long, required_unless_present = "check")]
    op: Option<VectorOp>,
    /// Number of random vectors.
    #[arg(long, default_value_t = 1000)]
    count: u64,
    /// Dot-product length (op dot).
    #[arg(long, default_value_t = 16)]
    k: u32,
    /// Seed of the random operands.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Enumerate all operand pairs (formats of at most 8 bits; add, sub, mul, mac).
    #[arg(long)]
    exhaustive: bool,
    /// Directory to write `vectors.json` and `vectors.hex` into (created if missing).
    #[arg(long, value_name = "DIR", required_unless_present = "check")]
    out: Option<PathBuf>,
}

/// Runs `lns vectors`.
pub fn run(args: &VectorsArgs) -> Result<ExitCode> {
    if let Some(dir) = &args.check {
        return run_check(dir);
    }
    let (Some(op), Some(out)) = (args.op, &args.out) else {
        bail!("--op and --out are required unless --check is given");
    };
    let pwl = args.pwl.as_deref().map(read_table).transpose()?;
    let (format, strategy) = arithmetic(args.format, args.strategy, pwl.as_ref())?;
    let set = generate(&VectorSpec {
        format,
        strategy,
        pwl,
        op,
        count: args.count,
        k: args.k,
        seed: args.seed,
        exhaustive: args.exhaustive,
    })?;
    write_set(out, &set)?;
    println!(
        "wrote {} {} vectors ({format}, {strategy}) to {}",
        set.header.count,
        set.header.op,
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The format and Δ strategy of the vectors: a `--pwl` table brings its own (a
/// `--format` or `--strategy` given as well must agree with it), otherwise the options
/// or their defaults (16:10, lut).
///
/// # Errors
/// If an explicit format or strategy contradicts the table.
fn arithmetic(
    format: Option<Format>,
    strategy: Option<DeltaKind>,
    table: Option<&PwlTable>,
) -> Result<(Format, DeltaKind)> {
    let Some(table) = table else {
        return Ok((
            format.unwrap_or(Format::LNS16),
            strategy.unwrap_or(DeltaKind::Lut),
        ));
    };
    if let Some(format) = format
        && format != table.format
    {
        bail!(
            "--format {format} conflicts with the --pwl table, which is for {}",
            table.format
        );
    }
    if let Some(strategy) = strategy
        && strategy != DeltaKind::Pwl
    {
        bail!("--strategy {strategy} conflicts with --pwl, which implies --strategy pwl");
    }
    Ok((table.format, DeltaKind::Pwl))
}

fn read_table(path: &Path) -> Result<PwlTable> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a PWL table", path.display()))
}

/// Writes `dir/vectors.json` and the body named in the header.
///
/// # Errors
/// If the directory or a file cannot be written.
pub fn write_set(dir: &Path, set: &VectorSet) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let header = dir.join(HEADER_FILE);
    std::fs::write(&header, serde_json::to_string_pretty(&set.header)? + "\n")
        .with_context(|| format!("cannot write {}", header.display()))?;
    let body = dir.join(&set.header.data_file);
    std::fs::write(&body, set.to_text())
        .with_context(|| format!("cannot write {}", body.display()))?;
    Ok(())
}

/// Reads `dir/vectors.json` and its body.
///
/// # Errors
/// If a file is missing or malformed.
pub fn read_set(dir: &Path) -> Result<VectorSet> {
    let path = dir.join(HEADER_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let header: VectorHeader = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a vector header", path.display()))?;
    let path = dir.join(&header.data_file);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    VectorSet::parse(header, &text).with_context(|| format!("in {}", path.display()))
}

fn run_check(dir: &Path) -> Result<ExitCode> {
    let set = read_set(dir)?;
    let h = &set.header;
    let report = check(&set)?;
    if report.mismatches.is_empty() {
        println!(
            "ok: {} {} vectors ({}, {}) match the reference",
            report.checked, h.op, h.format, h.strategy
        );
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "{} of {} {} vectors ({}, {}) differ from the reference:",
        report.mismatches.len(),
        report.checked,
        h.op,
        h.format,
        h.strategy
    );
    for m in report.mismatches.iter().take(SHOW_MISMATCHES) {
        eprintln!(
            "  vector {}: stored {}, expected {}",
            m.vector,
            to_hex(h.format, m.stored),
            to_hex(h.format, m.expected)
        );
    }
    Ok(ExitCode::FAILURE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pwl_table_decides_format_and_strategy_and_refuses_others() {
        let f12 = Format::new(12, 6).unwrap();
        assert_eq!(
            arithmetic(None, None, None).unwrap(),
            (Format::LNS16, DeltaKind::Lut)
        );
        assert_eq!(
            arithmetic(Some(f12), Some(DeltaKind::Shift), None).unwrap(),
            (f12, DeltaKind::Shift)
        );
        let table = PwlTable::default_for(Format::LNS8);
        for (format, strategy) in [
            (None, None),
            (Some(Format::LNS8), None),
            (None, Some(DeltaKind::Pwl)),
        ] {
            assert_eq!(
                arithmetic(format, strategy, Some(&table)).unwrap(),
                (Format::LNS8, DeltaKind::Pwl)
            );
        }
        let e = arithmetic(Some(Format::LNS16), None, Some(&table))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--format 16:10 conflicts") && e.contains("8:3"),
            "{e}"
        );
        let e = arithmetic(None, Some(DeltaKind::Lut), Some(&table))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--strategy lut conflicts with --pwl"), "{e}");
    }
}
