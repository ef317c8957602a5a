//! Every pair of codes of small formats, for add, sub and mul, against the f64 oracle.

use lns_core::arith::{add, mul, sub};
use lns_core::convert::is_zero;
use lns_core::delta::delta_error;
use lns_core::reference::{real_add, real_mul, real_sub, rounded};
use lns_core::{Delta, DeltaKind, Format};
use rayon::prelude::*;

/// Small formats checked exhaustively: the 8- and 12-bit presets and two neighbours.
fn small_formats() -> [Format; 4] {
    [
        Format::LNS8,
        Format::LNS12,
        Format::new(10, 4).unwrap(),
        Format::new(6, 2).unwrap(),
    ]
}

type Op = fn(Format, &Delta, i32, i32) -> i32;
type Real = fn(Format, i32, i32) -> f64;

fn ops() -> [(&'static str, Op, Real); 3] {
    [
        ("add", |f, d, a, b| add(f, d, a, b, &mut ()), real_add),
        ("sub", |f, d, a, b| sub(f, d, a, b, &mut ()), real_sub),
        ("mul", |f, _, a, b| mul(f, a, b, &mut ()), real_mul),
    ]
}

/// Runs `check(a, b)` over all pairs in parallel and returns the number of failures.
fn all_pairs(fmt: Format, check: impl Fn(i32, i32) -> bool + Sync) -> usize {
    let codes: Vec<i32> = fmt.all_codes().collect();
    codes
        .par_iter()
        .map(|&a| codes.iter().filter(|&&b| !check(a, b)).count())
        .sum()
}

#[test]
fn exact_strategy_returns_the_correctly_rounded_result_for_all_pairs() {
    for fmt in small_formats() {
        let exact = DeltaKind::Exact.build(fmt);
        for (name, op, real) in ops() {
            let bad = all_pairs(fmt, |a, b| {
                op(fmt, &exact, a, b) == rounded(fmt, real(fmt, a, b))
            });
            assert_eq!(bad, 0, "{fmt} {name}: {bad} pairs not correctly rounded");
        }
    }
}

#[test]
fn full_resolution_lut_equals_exact_for_all_pairs() {
    for fmt in small_formats() {
        let (exact, lut) = (DeltaKind::Exact.build(fmt), DeltaKind::Lut.build(fmt));
        for (name, op, _) in ops() {
            let bad = all_pairs(fmt, |a, b| op(fmt, &exact, a, b) == op(fmt, &lut, a, b));
            assert_eq!(
                bad, 0,
                "{fmt} {name}: LUT differs from exact on {bad} pairs"
            );
        }
    }
}

/// The documented bound of an approximate strategy: the result's log differs from the
/// correctly rounded one by at most `max |Δ − Δ_real| + ½` code units (the sum is
/// `max + Δ`, and rounding `max + Δ_real` costs at most ½).
#[test]
fn approximate_strategies_stay_within_their_delta_error_bound_for_all_pairs() {
    for fmt in small_formats() {
        for kind in [DeltaKind::Pwl, DeltaKind::Shift, DeltaKind::LutSmall] {
            let approx = kind.build(fmt);
            let err = delta_error(fmt, &approx);
            assert!(err.exhaustive);
            let bound = err.max_plus.max(err.max_minus) + 0.5;
            for (name, op, real) in ops().into_iter().take(2) {
                let bad = all_pairs(fmt, |a, b| {
                    let (got, want) = (op(fmt, &approx, a, b), rounded(fmt, real(fmt, a, b)));
                    let (gz, wz) = (is_zero(fmt, got), is_zero(fmt, want));
                    let near_underflow = |c: i32| (c >> 1) as f64 <= fmt.log_min() as f64 + bound;
                    match (gz, wz) {
                        (true, true) => true,
                        (true, false) => near_underflow(want),
                        (false, true) => near_underflow(got),
                        (false, false) => {
                            (got & 1) == (want & 1)
                                && (((got >> 1) - (want >> 1)).abs() as f64) <= bound.ceil()
                        }
                    }
                });
                assert_eq!(
                    bad, 0,
                    "{fmt} {kind} {name}: {bad} pairs beyond the bound {bound:.2}"
                );
            }
        }
    }
}

#[test]
fn pwl_and_shift_bounds_are_the_documented_ones() {
    // These figures are quoted in docs/formats.md; a change of the default (fitted)
    // tables must update both.
    for (fmt, pwl_max, shift_max) in [(Format::LNS8, 0.7, 5.0), (Format::LNS12, 1.3, 35.0)] {
        let pwl = delta_error(fmt, &DeltaKind::Pwl.build(fmt));
        let shift = delta_error(fmt, &DeltaKind::Shift.build(fmt));
        assert!(
            pwl.max_plus.max(pwl.max_minus) <= pwl_max,
            "{fmt} PWL {pwl:?}"
        );
        assert!(
            shift.max_plus.max(shift.max_minus) <= shift_max,
            "{fmt} shift {shift:?}"
        );
    }
}
