//! Per-format fitting of the PWL Δ breakpoints by simulated annealing.
//!
//! The free parameters are the segment starts of Δ+ (the first is pinned at 0), the
//! Δ− head `h` (below it Δ− follows the doubling identity) and the remaining Δ−
//! segment starts. Each candidate is turned into a table by [`PwlTable::fit`]
//! (shift-add slopes, centred intercepts) and scored by [`delta_error`] over every
//! code difference of the format:
//!
//! - [`Objective::Max`]: `E∞ = max(max_d |Δ+ − Δ+real|, max_d |Δ− − Δ−real|)` in ulps,
//!   ties broken by the sum of both maxima;
//! - [`Objective::Mean`]: `E1 = (mean |Δ+ − Δ+real| + mean |Δ− − Δ−real|) / 2`, ties
//!   broken by `E∞`.
//!
//! The search keeps the best candidate seen, starting from the given breakpoints, so
//! the result is never worse than the start in the objective; it is a pure function of
//! the format, the start, the objective, the seed and the iteration count.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::delta::{
    DeltaError, DeltaFn, ExactDelta, PwlDelta, PwlTable, default_breakpoints, delta_error,
};
use crate::error::{LnsError, Result};
use crate::format::Format;
use crate::reference::SplitMix64;

/// Annealing steps when the caller does not say.
pub const DEFAULT_ITERS: u32 = 10_000;

/// Formats whose support (in code differences) is at most this get the greedy
/// coordinate-descent baseline and a greedy polish of the annealed result; every
/// position between a breakpoint's neighbours is tried.
pub const GREEDY_MAX_SUPPORT: u32 = 4096;

/// Passes of greedy coordinate descent at most (each pass moves every breakpoint once).
const GREEDY_MAX_PASSES: u32 = 8;

/// Initial and final annealing temperatures as fractions of the start energy; the
/// temperature falls geometrically between them.
const T_START: f64 = 0.05;
const T_END: f64 = 1e-4;

/// What the fit minimizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// The largest Δ error over Δ+ and Δ−.
    Max,
    /// The mean Δ error over Δ+ and Δ−.
    Mean,
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Objective::Max => "max",
            Objective::Mean => "mean",
        })
    }
}

impl FromStr for Objective {
    type Err = LnsError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "max" => Ok(Objective::Max),
            "mean" => Ok(Objective::Mean),
            _ => Err(LnsError::Parse {
                text: s.to_string(),
                why: "unknown objective; expected max or mean".into(),
            }),
        }
    }
}

/// The free parameters of a PWL table: segment starts of Δ+ (starting with 0), the Δ−
/// head, and segment starts of Δ− (starting with the head). Both lists are strictly
/// increasing and below the format's support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakpoints {
    /// Δ+ segment starts; `plus[0] = 0`.
    pub plus: Vec<u32>,
    /// Δ− segment starts; `minus[0]` is the head (≥ 1).
    pub minus: Vec<u32>,
}

impl Breakpoints {
    /// The breakpoints of an existing table.
    pub fn of(table: &PwlTable) -> Breakpoints {
        Breakpoints {
            plus: table.plus.iter().map(|s| s.start).collect(),
            minus: table.minus.iter().map(|s| s.start).collect(),
        }
    }

    /// The default breakpoints with `segments` segments per correction (uniform Δ+,
    /// geometric Δ−; see [`default_breakpoints`]), deduplicated as [`PwlTable::fit`]
    /// does, so small formats may end up with fewer segments.
    pub fn default_for(fmt: Format, segments: u32) -> Breakpoints {
        let (plus, head, minus) = default_breakpoints(fmt, segments);
        Breakpoints::of(&PwlTable::fit(fmt, &plus, head, &minus))
    }

    /// The table these breakpoints give ([`PwlTable::fit`]).
    pub fn table(&self, fmt: Format) -> PwlTable {
        PwlTable::fit(fmt, &self.plus, self.minus[0], &self.minus)
    }

    /// The `(lowest, highest)` position coordinate `(list, i)` may take without
    /// reordering: strictly between its neighbours; `plus[0]` is pinned at 0 and the
    /// head is at least 1. `None` if there is no room or the coordinate is pinned.
    fn room(&self, list: usize, i: usize, support: u32) -> Option<(u32, u32)> {
        let v = self.list(list);
        if list == 0 && i == 0 {
            return None;
        }
        let lo = if i == 0 { 1 } else { v[i - 1] + 1 };
        let hi = v.get(i + 1).map_or(support - 1, |&n| n - 1);
        (lo < hi || (lo == hi && lo != v[i])).then_some((lo, hi))
    }

    fn list(&self, list: usize) -> &[u32] {
        if list == 0 { &self.plus } else { &self.minus }
    }

    fn moved(&self, list: usize, i: usize, to: u32) -> Breakpoints {
        let mut b = self.clone();
        if list == 0 {
            b.plus[i] = to;
        } else {
            b.minus[i] = to;
        }
        b
    }

    /// Every movable coordinate, as `(list, index)`.
    fn coordinates(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (1..self.plus.len())
            .map(|i| (0, i))
            .chain((0..self.minus.len()).map(|i| (1, i)))
    }
}

/// The exponent of [`Score::segment_norm`].
const SEGMENT_NORM_P: i32 = 8;

/// A candidate's error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// The exhaustive Δ± error of the candidate's table.
    pub error: DeltaError,
    /// `(Σ_s e_s^8)^(1/8)` over the largest error `e_s` (ulps) of every segment of Δ+
    /// and Δ− (the Δ− head counts as one segment): a smooth stand-in for `E∞` that
    /// every segment moves, used as the annealing energy of [`Objective::Max`].
    pub segment_norm: f64,
}

impl Score {
    /// `E∞ = max(max_plus, max_minus)` in ulps.
    pub fn max(&self) -> f64 {
        self.error.max_plus.max(self.error.max_minus)
    }

    /// `E1 = (mean_plus + mean_minus) / 2` in ulps.
    pub fn mean(&self) -> f64 {
        (self.error.mean_plus + self.error.mean_minus) / 2.0
    }

    /// The lexicographic key the search minimizes (objective first, tie-break second).
    fn key(&self, obj: Objective) -> (f64, f64) {
        match obj {
            Objective::Max => (self.max(), self.error.max_plus + self.error.max_minus),
            Objective::Mean => (self.mean(), self.max()),
        }
    }

    /// Whether `self` is strictly better than `other` under `obj`.
    pub fn better_than(&self, other: &Score, obj: Objective) -> bool {
        self.key(obj).partial_cmp(&other.key(obj)) == Some(Ordering::Less)
    }

    /// The annealing energy: [`Score::segment_norm`] for `Max` (so that improving any
    /// segment lowers it), `E1 + E∞/100` for `Mean`.
    fn energy(&self, obj: Objective) -> f64 {
        match obj {
            Objective::Max => self.segment_norm,
            Objective::Mean => self.mean() + 0.01 * self.max(),
        }
    }
}

/// Settings of [`fit_pwl`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitSpec {
    /// What to minimize.
    pub objective: Objective,
    /// Seed of the annealing moves.
    pub seed: u64,
    /// Annealing steps (one breakpoint move and one exhaustive evaluation each).
    pub iters: u32,
}

impl Default for FitSpec {
    fn default() -> Self {
        FitSpec {
            objective: Objective::Max,
            seed: 1,
            iters: DEFAULT_ITERS,
        }
    }
}

/// A scored candidate.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its breakpoints.
    pub breakpoints: Breakpoints,
    /// The table fitted to them.
    pub table: PwlTable,
    /// Its error.
    pub score: Score,
}

/// What [`fit_pwl`] found.
#[derive(Debug, Clone)]
pub struct FitReport {
    /// The starting point.
    pub start: Candidate,
    /// Greedy coordinate descent from the start (formats with support ≤
    /// [`GREEDY_MAX_SUPPORT`] only): the baseline the annealer should beat.
    pub greedy: Option<Candidate>,
    /// The best candidate the annealer saw.
    pub annealed: Candidate,
    /// The best of all of the above (and of a greedy polish of the annealed result).
    pub best: Candidate,
    /// Tables evaluated in total.
    pub evaluations: u64,
    /// Annealing moves accepted.
    pub accepted: u64,
}

/// Scores breakpoints; `None` when the fitted table does not validate. For formats
/// whose Δ error cannot be evaluated exhaustively, `segment_norm` is +∞.
pub fn evaluate(fmt: Format, breakpoints: &Breakpoints) -> Option<Candidate> {
    let table = breakpoints.table(fmt);
    let delta = PwlDelta::new(table.clone()).ok()?;
    let error = delta_error(fmt, &delta);
    // Formats too large for an exhaustive error are refused by `fit_pwl`; skip the
    // equally exhaustive segment norm for them.
    let segment_norm = if error.exhaustive {
        segment_norm(&delta)
    } else {
        f64::INFINITY
    };
    Some(Candidate {
        breakpoints: Breakpoints::of(&table),
        score: Score {
            error,
            segment_norm,
        },
        table,
    })
}

/// [`Score::segment_norm`] of a table.
fn segment_norm(delta: &PwlDelta) -> f64 {
    let t = delta.table();
    let fmt = t.format;
    let floor_span = (fmt.log_max() - fmt.log_min()) as f64;
    let (np, nm) = (t.plus.len(), t.minus.len());
    // Per-segment maxima: Δ+ segments, then Δ− segments, then the Δ− head.
    let mut worst = vec![0f64; np + nm + 1];
    let segment = |segs: &[crate::delta::PwlSegment], d: u32| {
        segs.partition_point(|s| s.start <= d).saturating_sub(1)
    };
    for d in 0..t.plus_end {
        let e = (delta.plus(d) as f64 - ExactDelta::plus_real(fmt, d)).abs();
        let i = segment(&t.plus, d);
        worst[i] = worst[i].max(e);
    }
    for d in 1..t.minus_end {
        let real = ExactDelta::minus_real(fmt, d);
        if -real > floor_span {
            continue;
        }
        let e = (delta.minus(d) as f64 - real).abs();
        let i = if d < t.minus_head {
            np + nm
        } else {
            np + segment(&t.minus, d)
        };
        worst[i] = worst[i].max(e);
    }
    let p = SEGMENT_NORM_P;
    worst
        .iter()
        .map(|e| e.powi(p))
        .sum::<f64>()
        .powf(1.0 / p as f64)
}

/// Fits the breakpoints of a PWL Δ for `fmt`, starting from `start`: simulated
/// annealing over single-breakpoint moves (step span ∝ temperature × neighbour gap,
/// Metropolis acceptance `exp(−ΔE/T)`, `T` geometric from `T_START·E0` to `T_END·E0`),
/// plus, for small formats, greedy coordinate descent from the start (baseline) and
/// from the annealed best (polish). Returns the best candidate seen.
///
/// # Errors
/// [`LnsError::BadPwl`] if the start does not give a valid table, or if the format is
/// too large for [`delta_error`] to evaluate every code difference.
pub fn fit_pwl(fmt: Format, start: &Breakpoints, spec: FitSpec) -> Result<FitReport> {
    let mut evals = 0u64;
    let mut eval = |b: &Breakpoints| {
        evals += 1;
        evaluate(fmt, b)
    };
    let start = eval(start)
        .ok_or_else(|| LnsError::BadPwl("the starting breakpoints give no valid table".into()))?;
    if !start.score.error.exhaustive {
        return Err(LnsError::BadPwl(format!(
            "format {fmt} has too many code differences to fit exhaustively"
        )));
    }
    let support = start.table.plus_end;
    let small = support <= GREEDY_MAX_SUPPORT;
    let obj = spec.objective;
    let greedy = small.then(|| greedy_descent(&start, support, obj, &mut eval));
    let (annealed, accepted) = anneal(&start, support, spec, &mut eval);
    let polished = small.then(|| greedy_descent(&annealed, support, obj, &mut eval));
    let mut best = start.clone();
    for c in [&greedy, &Some(annealed.clone()), &polished]
        .into_iter()
        .flatten()
    {
        if c.score.better_than(&best.score, obj) {
            best = c.clone();
        }
    }
    Ok(FitReport {
        start,
        greedy,
        annealed,
        best,
        evaluations: evals,
        accepted,
    })
}

/// The default breakpoints for `segments` segments, fitted with [`fit_pwl`].
///
/// # Errors
/// As [`fit_pwl`].
pub fn fit_default(fmt: Format, segments: u32, spec: FitSpec) -> Result<FitReport> {
    fit_pwl(fmt, &Breakpoints::default_for(fmt, segments.max(1)), spec)
}

fn anneal(
    start: &Candidate,
    support: u32,
    spec: FitSpec,
    eval: &mut impl FnMut(&Breakpoints) -> Option<Candidate>,
) -> (Candidate, u64) {
    let obj = spec.objective;
    let mut rng = SplitMix64(spec.seed);
    let coords: Vec<(usize, usize)> = start.breakpoints.coordinates().collect();
    let mut current = start.clone();
    let mut best = start.clone();
    let mut accepted = 0;
    let e0 = start.score.energy(obj).max(f64::MIN_POSITIVE);
    let cooling = (T_END / T_START).powf(1.0 / spec.iters.max(1) as f64);
    let mut t = T_START;
    for _ in 0..spec.iters {
        t *= cooling;
        if coords.is_empty() {
            break;
        }
        let (list, i) = coords[(rng.next_u64() % coords.len() as u64) as usize];
        let Some((lo, hi)) = current.breakpoints.room(list, i, support) else {
            continue;
        };
        let here = current.breakpoints.list(list)[i] as i64;
        // Step span: the neighbour gap scaled by how hot we still are (at least 1).
        let span = ((((hi - lo) as f64 + 1.0) * t / T_START).ceil() as i64).max(1);
        let step = (rng.next_u64() % (2 * span as u64)) as i64 - span;
        let step = if step >= 0 { step + 1 } else { step };
        let to = (here + step).clamp(lo as i64, hi as i64) as u32;
        if to as i64 == here {
            continue;
        }
        let Some(cand) = eval(&current.breakpoints.moved(list, i, to)) else {
            continue;
        };
        let de = (cand.score.energy(obj) - current.score.energy(obj)) / e0;
        if de <= 0.0 || rng.next_f64() < (-de / t).exp() {
            accepted += 1;
            if cand.score.better_than(&best.score, obj) {
                best = cand.clone();
            }
            current = cand;
        }
    }
    (best, accepted)
}

/// Coordinate descent: for each breakpoint in turn, tries every position between its
/// neighbours and keeps the best if it improves; repeats until a pass changes nothing.
fn greedy_descent(
    start: &Candidate,
    support: u32,
    obj: Objective,
    eval: &mut impl FnMut(&Breakpoints) -> Option<Candidate>,
) -> Candidate {
    let mut best = start.clone();
    for _ in 0..GREEDY_MAX_PASSES {
        let mut improved = false;
        let coords: Vec<(usize, usize)> = best.breakpoints.coordinates().collect();
        for (list, i) in coords {
            let Some((lo, hi)) = best.breakpoints.room(list, i, support) else {
                continue;
            };
            let here = best.breakpoints.list(list)[i];
            for to in (lo..=hi).filter(|&p| p != here) {
                if let Some(c) = eval(&best.breakpoints.moved(list, i, to))
                    && c.score.better_than(&best.score, obj)
                {
                    best = c;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(seed: u64, iters: u32) -> FitSpec {
        FitSpec {
            objective: Objective::Max,
            seed,
            iters,
        }
    }

    #[test]
    fn fitting_is_reproducible_for_a_seed() {
        let fmt = Format::new(10, 4).unwrap();
        let a = fit_default(fmt, 8, spec(7, 300)).unwrap();
        let b = fit_default(fmt, 8, spec(7, 300)).unwrap();
        assert_eq!(a.best.table, b.best.table);
        assert_eq!(a.annealed.breakpoints, b.annealed.breakpoints);
        assert_eq!(a.evaluations, b.evaluations);
    }

    #[test]
    fn fitting_never_ends_worse_than_its_start() {
        for (fmt, segs, iters) in [
            (Format::LNS8, 4, 200),
            (Format::new(10, 4).unwrap(), 4, 300),
            (Format::LNS16, 32, 30),
        ] {
            for seed in [1, 2] {
                let r = fit_default(fmt, segs, spec(seed, iters)).unwrap();
                assert!(
                    r.best.score.max() <= r.start.score.max(),
                    "{fmt}: {} > {}",
                    r.best.score.max(),
                    r.start.score.max()
                );
                assert!(r.annealed.score.max() <= r.start.score.max());
            }
        }
    }

    #[test]
    fn mean_objective_never_ends_worse_in_the_mean() {
        let fmt = Format::LNS12;
        let s = FitSpec {
            objective: Objective::Mean,
            ..spec(3, 200)
        };
        let r = fit_default(fmt, 8, s).unwrap();
        assert!(r.best.score.mean() <= r.start.score.mean());
    }

    #[test]
    fn fitted_tables_improve_or_equal_the_unfitted_start_for_8_and_12_bits() {
        for fmt in [Format::LNS8, Format::LNS12] {
            let unfitted = PwlTable::uniform_for(fmt);
            let start = Breakpoints::of(&unfitted);
            let r = fit_pwl(fmt, &start, spec(1, 400)).unwrap();
            let unfitted_err = delta_error(fmt, &PwlDelta::new(unfitted).unwrap());
            let unfitted_max = unfitted_err.max_plus.max(unfitted_err.max_minus);
            assert_eq!(r.start.score.max(), unfitted_max);
            assert!(r.best.score.max() <= unfitted_max, "{fmt}");
            // Small formats also get the greedy baseline, which the result includes.
            let g = r.greedy.as_ref().unwrap();
            assert!(!g.score.better_than(&r.best.score, Objective::Max));
        }
    }

    #[test]
    fn shipped_small_fitted_tables_are_what_fit_pwl_seed_1_finds_from_the_unfitted_start() {
        for fitted in crate::delta::fitted::FITTED
            .iter()
            .filter(|f| f.format.bits() <= 12)
        {
            let fmt = fitted.format;
            let start = Breakpoints::of(&PwlTable::uniform_for(fmt));
            let r = fit_pwl(fmt, &start, spec(1, DEFAULT_ITERS)).unwrap();
            assert_eq!(r.best.breakpoints.plus, fitted.plus, "{fmt} Δ+");
            assert_eq!(r.best.breakpoints.minus, fitted.minus, "{fmt} Δ−");
        }
    }

    #[test]
    fn every_shipped_fitted_table_has_a_max_error_no_larger_than_the_unfitted_one() {
        for fitted in crate::delta::fitted::FITTED {
            let fmt = fitted.format;
            let max = |t: PwlTable| {
                let e = delta_error(fmt, &PwlDelta::new(t).unwrap());
                e.max_plus.max(e.max_minus)
            };
            let shipped = max(PwlTable::default_for(fmt));
            let unfitted = max(PwlTable::uniform_for(fmt));
            assert!(shipped <= unfitted, "{fmt}: {shipped} > {unfitted}");
        }
    }

    #[test]
    fn breakpoints_stay_sorted_and_fitted_tables_validate() {
        let fmt = Format::LNS12;
        let r = fit_default(fmt, 8, spec(5, 300)).unwrap();
        for c in [&r.best, &r.annealed] {
            let b = &c.breakpoints;
            assert_eq!(b.plus[0], 0);
            assert!(b.minus[0] >= 1);
            assert!(b.plus.windows(2).all(|w| w[0] < w[1]));
            assert!(b.minus.windows(2).all(|w| w[0] < w[1]));
            let d = PwlDelta::new(c.table.clone()).unwrap();
            assert_eq!(d.minus(1), d.minus(1).min(0));
        }
    }

    #[test]
    fn objectives_parse_and_reject_unknown_names() {
        assert_eq!("MAX".parse::<Objective>().unwrap(), Objective::Max);
        assert_eq!("mean".parse::<Objective>().unwrap(), Objective::Mean);
        assert!("median".parse::<Objective>().is_err());
    }

    #[test]
    fn formats_too_large_to_evaluate_exhaustively_are_refused() {
        let err = fit_default(Format::LNS32, 8, spec(1, 1)).unwrap_err();
        assert!(err.to_string().contains("exhaustively"), "{err}");
    }
}
