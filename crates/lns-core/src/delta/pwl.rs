//! Piece-wise-linear Δ with shift-add slopes, and its per-format least-max-error fit.

use serde::{Deserialize, Serialize};

use super::{DeltaFn, ExactDelta, minus_by_doubling, minus_floor};
use crate::error::{LnsError, Result};
use crate::format::Format;

/// One `±2^log2` term of a slope; a slope is the sum of at most two terms, so the
/// hardware multiplies by it with one or two shifts and an add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlopeTerm {
    /// Whether the term is subtracted.
    pub negative: bool,
    /// The power of two (negative: right shift, floor).
    pub log2: i8,
}

impl SlopeTerm {
    fn apply(self, offset: i64) -> i64 {
        let v = if self.log2 >= 0 {
            offset << self.log2
        } else {
            offset >> (-self.log2)
        };
        if self.negative { -v } else { v }
    }

    fn value(self) -> f64 {
        let v = (self.log2 as f64).exp2();
        if self.negative { -v } else { v }
    }
}

/// One segment: `Δ(d) = intercept + Σ term(d − start)` for `start ≤ d <` the next start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PwlSegment {
    /// First code difference of the segment.
    pub start: u32,
    /// Δ at `start`, in code units.
    pub intercept: i32,
    /// At most two shift terms.
    pub slope: Vec<SlopeTerm>,
}

/// A complete PWL description of Δ+ and Δ− for one format (serializable; this is what
/// `lns fit-pwl` writes and the backend loads).
///
/// Δ+ is piece-wise linear on `[0, plus_end)` and 0 beyond. Δ− is piece-wise linear on
/// `[minus_head, minus_end)`, 0 beyond, and below `minus_head` (the singular region)
/// it follows the doubling identity `Δ−(d) = Δ−(2d) − Δ+(d)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PwlTable {
    /// The format the table is for.
    pub format: Format,
    /// Segments of Δ+, the first starting at 0.
    pub plus: Vec<PwlSegment>,
    /// End of Δ+'s support.
    pub plus_end: u32,
    /// Segments of Δ−, the first starting at `minus_head`.
    pub minus: Vec<PwlSegment>,
    /// End of Δ−'s support.
    pub minus_end: u32,
    /// Below this code difference Δ− uses the doubling identity.
    pub minus_head: u32,
}

impl PwlTable {
    /// Checks that segments are sorted, start where they must and have valid slopes.
    ///
    /// # Errors
    /// [`LnsError::BadPwl`] naming the first problem.
    pub fn validate(&self) -> Result<()> {
        let check = |name: &str, segs: &[PwlSegment], first: u32, end: u32| -> Result<()> {
            let bad = |why: String| Err(LnsError::BadPwl(format!("{name}: {why}")));
            if segs.is_empty() {
                return bad("no segments".into());
            }
            if segs[0].start != first {
                return bad(format!(
                    "first segment starts at {} instead of {first}",
                    segs[0].start
                ));
            }
            for w in segs.windows(2) {
                if w[1].start <= w[0].start {
                    return bad(format!(
                        "segment starts {} and {} are not increasing",
                        w[0].start, w[1].start
                    ));
                }
            }
            if segs[segs.len() - 1].start >= end {
                return bad(format!("last segment starts at or after the end {end}"));
            }
            for s in segs {
                if s.slope.len() > 2 || s.slope.iter().any(|t| !(-40..=16).contains(&t.log2)) {
                    return bad(format!(
                        "segment at {} has a slope that is not one or two shifts in 2^-40..2^16",
                        s.start
                    ));
                }
            }
            Ok(())
        };
        if self.minus_head == 0 {
            return Err(LnsError::BadPwl("minus_head must be at least 1".into()));
        }
        check("Δ+", &self.plus, 0, self.plus_end)?;
        check("Δ−", &self.minus, self.minus_head, self.minus_end)
    }

    /// Fits a table with the given breakpoints: per segment, the shift-add slope nearest
    /// to the chord and the intercept that centres the error (least maximum error for
    /// that slope). Breakpoints are segment starts; they are sorted and deduplicated.
    pub fn fit(
        fmt: Format,
        plus_starts: &[u32],
        minus_head: u32,
        minus_starts: &[u32],
    ) -> PwlTable {
        let support = ExactDelta::new(fmt).support();
        let plus_fn = |d: u32| ExactDelta::plus_real(fmt, d);
        let minus_fn = |d: u32| ExactDelta::minus_real(fmt, d);
        let starts = |raw: &[u32], first: u32| -> Vec<u32> {
            let mut v: Vec<u32> = std::iter::once(first)
                .chain(raw.iter().copied().filter(|&s| s > first && s < support))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let plus_starts = starts(plus_starts, 0);
        let minus_starts = starts(minus_starts, minus_head);
        PwlTable {
            format: fmt,
            plus: fit_segments(&plus_starts, support, plus_fn),
            plus_end: support,
            minus: fit_segments(&minus_starts, support, minus_fn),
            minus_end: support,
            minus_head,
        }
    }

    /// The default table of a format: the breakpoints fitted per bitwidth by
    /// `lns fit-pwl` where shipped ([`super::fitted::FITTED`]: 8:3, 10:4, 12:5, 12:6,
    /// 12:7, 14:8, 16:10), else [`PwlTable::uniform_for`].
    pub fn default_for(fmt: Format) -> PwlTable {
        match super::fitted::FITTED.iter().find(|f| f.format == fmt) {
            Some(f) => PwlTable::fit(fmt, f.plus, f.minus_head, f.minus),
            None => PwlTable::uniform_for(fmt),
        }
    }

    /// The unfitted table of a format — the starting point of `lns fit-pwl`: `n`
    /// uniform Δ+ segments and `n` geometric Δ− segments from a quarter log unit,
    /// `n = clamp(2^⌈frac/2⌉, 4, 128)` (the segment count of the shipped fitted tables),
    /// each segment with its chord-nearest shift-add slope.
    pub fn uniform_for(fmt: Format) -> PwlTable {
        let (plus, head, minus) = default_breakpoints(fmt, default_segments(fmt));
        PwlTable::fit(fmt, &plus, head, &minus)
    }
}

/// Segments per correction of a format's unfitted table: `clamp(2^⌈frac/2⌉, 4, 128)`.
pub fn default_segments(fmt: Format) -> u32 {
    (1u32 << fmt.frac().div_ceil(2).max(1)).clamp(4, 128)
}

/// Uniform Δ+ and geometric Δ− breakpoints with `n` segments each; also the Δ− head.
pub fn default_breakpoints(fmt: Format, n: u32) -> (Vec<u32>, u32, Vec<u32>) {
    let support = ExactDelta::new(fmt).support() as f64;
    let head = (fmt.scale() as u32 / 4).max(1);
    let plus = (0..n)
        .map(|i| (support * i as f64 / n as f64) as u32)
        .collect();
    let ratio = support / head as f64;
    let minus = (0..n)
        .map(|i| (head as f64 * ratio.powf(i as f64 / n as f64)) as u32)
        .collect();
    (plus, head, minus)
}

/// At most this many points are evaluated per segment while fitting (stride beyond).
const FIT_SAMPLES: u32 = 4096;

fn fit_segments(starts: &[u32], end: u32, f: impl Fn(u32) -> f64) -> Vec<PwlSegment> {
    starts
        .iter()
        .enumerate()
        .map(|(i, &a)| {
            let b = starts.get(i + 1).copied().unwrap_or(end);
            fit_segment(a, b, &f)
        })
        .collect()
}

fn fit_segment(a: u32, b: u32, f: &impl Fn(u32) -> f64) -> PwlSegment {
    let last = b.saturating_sub(1).max(a);
    let chord = if last > a {
        (f(last) - f(a)) / (last - a) as f64
    } else {
        0.0
    };
    let slope = nearest_shift_add(chord);
    let stride = ((b - a) / FIT_SAMPLES).max(1);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut d = a;
    loop {
        let lin: i64 = slope.iter().map(|t| t.apply((d - a) as i64)).sum();
        let r = f(d) - lin as f64;
        lo = lo.min(r);
        hi = hi.max(r);
        if d == last {
            break;
        }
        d = (d + stride).min(last);
    }
    PwlSegment {
        start: a,
        intercept: ((lo + hi) / 2.0).round() as i32,
        slope,
    }
}

/// The sum of at most two signed powers of two nearest to `m`.
fn nearest_shift_add(m: f64) -> Vec<SlopeTerm> {
    if m.abs() < 2f64.powi(-40) {
        return Vec::new();
    }
    let negative = m < 0.0;
    let e = m.abs().log2().floor() as i32;
    let mut best = (f64::INFINITY, Vec::new());
    for e1 in (e - 1)..=(e + 1) {
        let t1 = SlopeTerm {
            negative,
            log2: e1.clamp(-40, 16) as i8,
        };
        let single = (t1.value() - m).abs();
        if single < best.0 {
            best = (single, vec![t1]);
        }
        for e2 in (e1 - 12)..e1 {
            for neg2 in [false, true] {
                let t2 = SlopeTerm {
                    negative: neg2,
                    log2: e2.clamp(-40, 16) as i8,
                };
                let err = (t1.value() + t2.value() - m).abs();
                if err < best.0 {
                    best = (err, vec![t1, t2]);
                }
            }
        }
    }
    best.1
}

/// A validated [`PwlTable`] as a Δ strategy.
#[derive(Debug, Clone)]
pub struct PwlDelta {
    table: PwlTable,
}

impl PwlDelta {
    /// Wraps a table after validating it.
    ///
    /// # Errors
    /// [`LnsError::BadPwl`] if the table is malformed.
    pub fn new(table: PwlTable) -> Result<PwlDelta> {
        table.validate()?;
        Ok(PwlDelta { table })
    }

    /// The default fit for a format ([`PwlTable::default_for`]).
    pub fn default_for(fmt: Format) -> PwlDelta {
        PwlDelta {
            table: PwlTable::default_for(fmt),
        }
    }

    /// The table.
    pub fn table(&self) -> &PwlTable {
        &self.table
    }

    fn eval(segs: &[PwlSegment], end: u32, d: u32) -> i32 {
        if d >= end {
            return 0;
        }
        let i = segs.partition_point(|s| s.start <= d) - 1;
        let s = &segs[i];
        let lin: i64 = s.slope.iter().map(|t| t.apply((d - s.start) as i64)).sum();
        (s.intercept as i64 + lin) as i32
    }
}

impl DeltaFn for PwlDelta {
    fn plus(&self, d: u32) -> i32 {
        Self::eval(&self.table.plus, self.table.plus_end, d).max(0)
    }

    fn minus(&self, d: u32) -> i32 {
        let t = &self.table;
        let fmt = t.format;
        if d < t.minus_head {
            return minus_by_doubling(
                fmt,
                d,
                t.minus_head,
                |x| self.plus(x),
                |x| Self::eval(&t.minus, t.minus_end, x).min(0),
            );
        }
        Self::eval(&t.minus, t.minus_end, d).clamp(minus_floor(fmt), 0)
    }

    fn support(&self) -> u32 {
        self.table.plus_end.max(self.table.minus_end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delta::{DeltaFn, ExactDelta};

    fn max_err(p: &PwlDelta, e: &ExactDelta) -> (i32, i32) {
        let (mut ep, mut em) = (0, 0);
        for d in 0..e.support() + 4 {
            ep = ep.max((p.plus(d) - e.plus(d)).abs());
            if d > 0 {
                em = em.max((p.minus(d) - e.minus(d)).abs());
            }
        }
        (ep, em)
    }

    #[test]
    fn default_pwl_for_12_bit_stays_within_two_codes() {
        let fmt = Format::LNS12;
        let (p, e) = (PwlDelta::default_for(fmt), ExactDelta::new(fmt));
        let (ep, em) = max_err(&p, &e);
        assert!(ep <= 2 && em <= 2, "Δ+ {ep}, Δ− {em} codes");
    }

    #[test]
    fn malformed_tables_are_rejected() {
        let mut t = PwlTable::default_for(Format::LNS8);
        t.plus[0].start = 3;
        assert!(matches!(PwlDelta::new(t.clone()), Err(LnsError::BadPwl(_))));
        t = PwlTable::default_for(Format::LNS8);
        t.plus.swap(1, 2);
        assert!(
            PwlDelta::new(t)
                .unwrap_err()
                .to_string()
                .contains("not increasing")
        );
    }

    #[test]
    fn shift_add_slopes_approximate_the_requested_slope() {
        for m in [-0.37, -0.5, -0.0123, 3.7, 0.249] {
            let s: f64 = nearest_shift_add(m).iter().map(|t| t.value()).sum();
            // Two signed powers of two are within 1/12 of any slope.
            assert!((s - m).abs() <= m.abs() / 12.0, "{m} → {s}");
        }
    }
}
