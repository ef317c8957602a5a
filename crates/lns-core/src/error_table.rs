//! Error tables: how far each format × Δ strategy lands from exact real arithmetic.

use serde::Serialize;

use crate::delta::DeltaKind;
use crate::format::Format;
use crate::kernels::dot_codes;
use crate::reference::{SplitMix64, log_error_ulps, real_add, real_mul, real_sub, relative_error};
use crate::unit::Arith;

/// Max and mean of one error measure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Stat {
    /// Largest error seen.
    pub max: f64,
    /// Mean error.
    pub mean: f64,
}

impl Stat {
    fn of(values: impl Iterator<Item = f64>) -> Stat {
        let (mut max, mut sum, mut n) = (0f64, 0f64, 0usize);
        for v in values {
            max = max.max(v);
            sum += v;
            n += 1;
        }
        Stat {
            max,
            mean: if n == 0 { 0.0 } else { sum / n as f64 },
        }
    }
}

/// One row of the table: a format and a strategy.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorRow {
    /// The format.
    pub format: Format,
    /// The Δ strategy.
    pub strategy: DeltaKind,
    /// add: error of the log in ulps of the format.
    pub add_ulps: Stat,
    /// add: relative error of the value.
    pub add_rel: Stat,
    /// sub (operands of opposite effective sign: the cancellation path).
    pub sub_ulps: Stat,
    /// sub: relative error of the value.
    pub sub_rel: Stat,
    /// mul: error of the log in ulps (exact up to the operands' rounding: 0).
    pub mul_ulps: Stat,
    /// 256-long dot product: `|dot − dot_f64| / Σ|a_k·b_k|` against the f64 dot of the
    /// decoded operands.
    pub dot256: Stat,
}

/// Settings of [`error_table`].
#[derive(Debug, Clone, Copy)]
pub struct ErrorTableSpec {
    /// Random operand pairs per row for add/sub/mul.
    pub pairs: usize,
    /// Random dot products per row.
    pub dots: usize,
    /// Operands are log-uniform in `2^[−span, span]` with random signs.
    pub span: f64,
    /// Seed of the sample.
    pub seed: u64,
}

impl Default for ErrorTableSpec {
    fn default() -> Self {
        ErrorTableSpec {
            pairs: 100_000,
            dots: 200,
            span: 4.0,
            seed: 0x1A5,
        }
    }
}

/// Measures every format × strategy on the same seeded operands (sampled from a
/// range every listed format holds, so saturation does not mask Δ errors).
pub fn error_table(formats: &[Format], kinds: &[DeltaKind], spec: ErrorTableSpec) -> Vec<ErrorRow> {
    let mut rows = Vec::new();
    for &format in formats {
        for &kind in kinds {
            rows.push(error_row(&Arith::new(format, kind), spec));
        }
    }
    rows
}

/// One row of [`error_table`].
pub fn error_row(unit: &Arith, spec: ErrorTableSpec) -> ErrorRow {
    let fmt = unit.format();
    let mut rng = SplitMix64(spec.seed);
    let pairs: Vec<(i32, i32)> = (0..spec.pairs)
        .map(|_| {
            (
                unit.encode(rng.log_uniform(spec.span)),
                unit.encode(rng.log_uniform(spec.span)),
            )
        })
        .collect();
    let adds: Vec<(i32, f64)> = pairs
        .iter()
        .map(|&(a, b)| (unit.add(a, b), real_add(fmt, a, b)))
        .collect();
    let subs: Vec<(i32, f64)> = pairs
        .iter()
        .map(|&(a, b)| (unit.sub(a, b), real_sub(fmt, a, b)))
        .collect();
    let muls: Vec<(i32, f64)> = pairs
        .iter()
        .map(|&(a, b)| (unit.mul(a, b), real_mul(fmt, a, b)))
        .collect();
    let ulps = |v: &[(i32, f64)]| {
        Stat::of(
            v.iter()
                .map(|&(c, x)| log_error_ulps(fmt, c, x))
                .filter(|e| e.is_finite()),
        )
    };
    let rel = |v: &[(i32, f64)]| {
        Stat::of(
            v.iter()
                .map(|&(c, x)| relative_error(fmt, c, x))
                .filter(|e| e.is_finite()),
        )
    };
    let dot256 = Stat::of((0..spec.dots).map(|_| {
        let a: Vec<i32> = (0..256)
            .map(|_| unit.encode(rng.log_uniform(spec.span)))
            .collect();
        let b: Vec<i32> = (0..256)
            .map(|_| unit.encode(rng.log_uniform(spec.span)))
            .collect();
        let lns = unit.decode(dot_codes(
            unit,
            a.iter().copied(),
            b.iter().copied(),
            &mut (),
        ));
        let exact: f64 = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| unit.decode(x) * unit.decode(y))
            .sum();
        let scale: f64 = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| (unit.decode(x) * unit.decode(y)).abs())
            .sum();
        (lns - exact).abs() / scale
    }));
    ErrorRow {
        format: fmt,
        strategy: unit.delta().kind(),
        add_ulps: ulps(&adds),
        add_rel: rel(&adds),
        sub_ulps: ulps(&subs),
        sub_rel: rel(&subs),
        mul_ulps: ulps(&muls),
        dot256,
    }
}

/// The table as Markdown.
pub fn to_markdown(rows: &[ErrorRow]) -> String {
    let mut s = String::from(
        "| format | Δ | add max/mean ulp | add max rel | sub max/mean ulp | sub max rel | mul max ulp | dot-256 max/mean rel |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        s += &format!(
            "| {} | {} | {:.2} / {:.3} | {:.2e} | {:.2} / {:.3} | {:.2e} | {:.2} | {:.2e} / {:.2e} |\n",
            r.format,
            r.strategy,
            r.add_ulps.max,
            r.add_ulps.mean,
            r.add_rel.max,
            r.sub_ulps.max,
            r.sub_ulps.mean,
            r.sub_rel.max,
            r.mul_ulps.max,
            r.dot256.max,
            r.dot256.mean
        );
    }
    s
}
