//! Conversion units between the log domain and linear fixed point, for exp, log and
//! the transcendental activations built on them.
//!
//! `to_linear(code)` returns the linear value of a code; `to_log(x)` the code of a
//! linear value. The exact unit evaluates in f64 and rounds once (what a
//! full-resolution table gives); Mitchell's unit uses the shift/leading-one
//! approximations `2^(q + r) ≈ 2^q·(1 + r)` and `log2(2^e·(1 + m)) ≈ e + m`.

use crate::code::{log_of, sign_of};
use crate::convert::{encode, is_zero};
use crate::delta::DeltaKind;
use crate::format::Format;
use crate::tally::Tally;

/// Which conversion unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ConvUnit {
    /// f64 evaluation rounded to the format: what full-resolution tables deliver.
    Exact,
    /// Mitchell's piece-wise-linear log and antilog (one octave, shifts only).
    Mitchell,
}

impl ConvUnit {
    /// The unit that goes with a Δ strategy: Mitchell with `Shift`, exact otherwise.
    pub fn for_delta(kind: DeltaKind) -> ConvUnit {
        match kind {
            DeltaKind::Shift => ConvUnit::Mitchell,
            _ => ConvUnit::Exact,
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
        };
        if sign_of(code) == 1 { -mag } else { mag }
    }

    /// The code of a linear value (saturating and flushing like [`encode`]).
    pub fn to_log(self, fmt: Format, x: f64, t: &mut impl Tally) -> i32 {
        match self {
            ConvUnit::Exact => encode(fmt, x, t),
            ConvUnit::Mitchell => {
                if x == 0.0 || !x.is_finite() {
                    return encode(fmt, x, t);
                }
                let e = x.abs().log2().floor();
                let m = x.abs() / e.exp2() - 1.0;
                let approx = (e + m).exp2().copysign(x);
                encode(fmt, approx, t)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
