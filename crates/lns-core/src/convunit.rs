//! Conversion units between the log domain and linear fixed point, for exp, log and
//! the transcendental activations built on them.
//!
//! `to_linear(code)` returns the linear value of a code; `to_log(x)` the code of a
//! linear value. Three units, one per Δ family:
//! - exact: f64 evaluation rounded once — what full-resolution tables give (`exact`,
//!   `lut`, `lut-small` configurations);
//! - piece-wise linear (`pwl`): `2^r` and `log2(1 + m)` on one octave by linear
//!   interpolation between knots at `i/segments`, knot values quantized to
//!   `frac + 4` fractional bits;
//! - Mitchell (`shift`): `2^(q + r) ≈ 2^q·(1 + r)` and `log2(2^e·(1 + m)) ≈ e + m`.

use crate::code::{log_of, sign_of};
use crate::convert::{encode, encode_log2, is_zero};
use crate::delta::DeltaKind;
use crate::format::Format;
use crate::tally::Tally;

/// Which conversion unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ConvUnit {
    /// f64 evaluation rounded to the format: what full-resolution tables deliver.
    Exact,
    /// Piece-wise-linear antilog and log over one octave with this many uniform
    /// segments.
    Pwl {
        /// Segments per octave.
        segments: u16,
    },
    /// Mitchell's piece-wise-linear log and antilog (one octave, shifts only).
    Mitchell,
}

/// Segments per octave of the PWL conversion unit that goes with the `pwl` Δ.
pub const PWL_CONVERSION_SEGMENTS: u16 = 16;

/// `f` on `[0, 1)` by linear interpolation between knots at `i/segments`, each knot
/// value rounded to `bits` fractional bits.
fn pwl_octave(f: impl Fn(f64) -> f64, segments: u16, bits: u32, t: f64) -> f64 {
    let n = segments.max(1) as f64;
    let q = (bits as f64).exp2();
    let knot = |i: f64| (f(i / n) * q).round() / q;
    let i = (t * n).floor().min(n - 1.0);
    let w = t * n - i;
    knot(i) + (knot(i + 1.0) - knot(i)) * w
}

impl ConvUnit {
    /// The unit that goes with a Δ strategy: Mitchell with `Shift`, exact otherwise.
    pub fn for_delta(kind: DeltaKind) -> ConvUnit {
        match kind {
            DeltaKind::Shift => ConvUnit::Mitchell,
            DeltaKind::Pwl => ConvUnit::Pwl {
                segments: PWL_CONVERSION_SEGMENTS,
            },
            DeltaKind::Exact | DeltaKind::Lut | DeltaKind::LutSmall => ConvUnit::Exact,
        }
    }

    /// The linear value of a code.
    pub fn to_linear(self, fmt: Format, code: i32) -> f64 {
        if is_zero(fmt, code) {
            return 0.0;
        }
        let l = log_of(code) as i64;
        let mag = match self {
            ConvUnit::Exact => (l as f64 / fmt.scale() as f64).exp2(),
            ConvUnit::Mitchell => {
                let q = l >> fmt.frac();
                let r = (l & (fmt.scale() - 1)) as f64 / fmt.scale() as f64;
                (1.0 + r) * (q as f64).exp2()
            }
            ConvUnit::Pwl { segments } => {
                let q = l >> fmt.frac();
                let r = (l & (fmt.scale() - 1)) as f64 / fmt.scale() as f64;
                pwl_octave(f64::exp2, segments, fmt.frac() + 4, r) * (q as f64).exp2()
            }
        };
        if sign_of(code) == 1 { -mag } else { mag }
    }

    /// The code of a linear value (saturating and flushing like [`encode`]).
    pub fn to_log(self, fmt: Format, x: f64, t: &mut impl Tally) -> i32 {
        match self {
            ConvUnit::Exact => encode(fmt, x, t),
            ConvUnit::Mitchell | ConvUnit::Pwl { .. } => {
                if x == 0.0 || !x.is_finite() {
                    return encode(fmt, x, t);
                }
                let (e, m) = octave(x.abs());
                let log = match self {
                    ConvUnit::Pwl { segments } => {
                        e + pwl_octave(f64::ln_1p, segments, fmt.frac() + 4, m)
                            / std::f64::consts::LN_2
                    }
                    _ => e + m,
                };
                encode_log2(fmt, log, x < 0.0, t)
            }
        }
    }
}

/// `(e, m)` with `a = 2^e·(1 + m)`, `e` an integer and `0 ≤ m < 1`, for a finite `a > 0`.
/// `log2` rounds up to the next integer just below a power of two (up to `2^1024` at
/// `f64::MAX`, whose `exp2` is ∞): the octave then steps back one.
fn octave(a: f64) -> (f64, f64) {
    let mut e = a.log2().floor();
    if e.exp2() > a {
        e -= 1.0;
    }
    (e, a / e.exp2() - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pwl_unit_is_within_a_few_ulps_of_exact_on_lns12() {
        let f = Format::LNS12;
        let unit = ConvUnit::for_delta(DeltaKind::Pwl);
        for code in f.all_codes().step_by(7) {
            let (exact, pwl) = (ConvUnit::Exact.to_linear(f, code), unit.to_linear(f, code));
            assert!(
                (pwl - exact).abs() <= exact.abs() * 1e-3,
                "{code}: {pwl} vs {exact}"
            );
            if exact != 0.0 && exact.abs() < 1e9 {
                let back = unit.to_log(f, exact, &mut ());
                assert!((back - code).abs() <= 2, "{code} → {back}");
            }
        }
    }

    #[test]
    fn approximate_units_saturate_at_the_top_of_f64_like_the_exact_one() {
        // log2(f64::MAX) rounds to 1024, whose exp2 is ∞.
        for (f, x) in [
            (Format::new(8, 3).unwrap(), f64::MAX),
            (Format::new(13, 0).unwrap(), f64::MAX),
            (Format::new(13, 0).unwrap(), -f64::MAX),
        ] {
            let exact = ConvUnit::Exact.to_log(f, x, &mut ());
            for unit in [ConvUnit::Mitchell, ConvUnit::for_delta(DeltaKind::Pwl)] {
                let mut counts = crate::Counts::default();
                assert_eq!(unit.to_log(f, x, &mut counts), exact, "{f} {x} {unit:?}");
                assert_eq!(counts.nan, 0, "{f} {x} {unit:?}");
            }
        }
        assert_eq!(octave(f64::MAX), (1023.0, f64::MAX / 1023f64.exp2() - 1.0));
        assert_eq!(octave(0.75), (-1.0, 0.5));
    }

    #[test]
    fn mitchell_is_exact_on_powers_of_two_and_close_elsewhere() {
        let f = Format::LNS16;
        for k in -5..5 {
            let c = encode(f, (k as f64).exp2(), &mut ());
            assert_eq!(ConvUnit::Mitchell.to_linear(f, c), (k as f64).exp2());
        }
        let c = encode(f, 3.0, &mut ());
        let v = ConvUnit::Mitchell.to_linear(f, c);
        assert!((v - 3.0).abs() / 3.0 < 0.07, "{v}");
    }
}
