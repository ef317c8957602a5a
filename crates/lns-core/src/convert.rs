//! Conversion between binary floating point and codes.
//!
//! Encoding rounds to nearest in the log domain: `L = round(2^frac · log2|x|)` (ties
//! away from zero, which only exact powers of 2^(1/2^(frac+1)) can hit). Above the
//! largest magnitude it saturates to ±max, below the smallest non-zero magnitude it
//! flushes to zero; both are reported to the [`Tally`]. NaN has no LNS code: the
//! unchecked [`encode`] maps it to zero and reports it, the checked [`try_encode`]
//! returns [`LnsError::NotFinite`]; ±∞ saturates (unchecked) or is an error (checked).
//!
//! Decoding computes `(−1)^s · 2^(L/2^frac)` in f64, exact to f32 rounding where f32
//! holds the value; LNS32 magnitudes beyond f32's range decode to ±∞ or ±0 in f32.

use crate::code::{log_of, pack, sign_of};
use crate::error::{LnsError, Result};
use crate::format::Format;
use crate::tally::Tally;

/// Encodes `x`, saturating, flushing and mapping NaN to zero as documented above.
#[inline]
pub fn encode(fmt: Format, x: f64, tally: &mut impl Tally) -> i32 {
    if x == 0.0 {
        return fmt.zero();
    }
    if x.is_nan() {
        tally.nan();
        return fmt.zero();
    }
    encode_log2(fmt, x.abs().log2(), x < 0.0, tally)
}

/// Encodes `±2^log2` (`log2` not NaN; +∞ saturates, −∞ flushes) like [`encode`]: for
/// conversion units that compute the log of a value themselves, without the round
/// trip through `exp2`, which overflows f64 at the top of its range.
#[inline]
pub(crate) fn encode_log2(fmt: Format, log2: f64, negative: bool, tally: &mut impl Tally) -> i32 {
    let sign = i32::from(negative);
    let log = (log2 * fmt.scale() as f64).round();
    if log > fmt.log_max() as f64 {
        tally.saturated();
        pack(fmt.log_max(), sign)
    } else if log < fmt.log_min() as f64 {
        tally.flushed();
        fmt.zero()
    } else {
        pack(log as i32, sign)
    }
}

/// Encodes a finite `x`.
///
/// # Errors
/// [`LnsError::NotFinite`] for NaN and ±∞. Saturation and flushing are not errors;
/// they are reported to the tally.
pub fn try_encode(fmt: Format, x: f64, tally: &mut impl Tally) -> Result<i32> {
    if !x.is_finite() {
        return Err(LnsError::NotFinite { value: x });
    }
    Ok(encode(fmt, x, tally))
}

/// The exact value of a code as f64.
#[inline]
pub fn decode(fmt: Format, code: i32) -> f64 {
    if is_zero(fmt, code) {
        return 0.0;
    }
    let mag = (log_of(code) as f64 / fmt.scale() as f64).exp2();
    if sign_of(code) == 1 { -mag } else { mag }
}

/// The value of a code rounded to f32.
#[inline]
pub fn decode_f32(fmt: Format, code: i32) -> f32 {
    decode(fmt, code) as f32
}

/// Whether a code is the zero code (either sign bit).
#[inline(always)]
pub fn is_zero(fmt: Format, code: i32) -> bool {
    log_of(code) == fmt.log_zero()
}

/// Re-encodes a code of `from` in format `to`: exact when `to` has at least as many
/// fractional bits and the range holds the value; otherwise the log is rounded to
/// nearest (ties to even) and saturated or flushed.
#[inline]
pub fn recode(from: Format, to: Format, code: i32, tally: &mut impl Tally) -> i32 {
    if is_zero(from, code) {
        return to.zero();
    }
    let log = log_of(code) as i64;
    let (ff, tf) = (from.frac(), to.frac());
    let scaled = if tf >= ff {
        log << (tf - ff)
    } else {
        let shift = tf.abs_diff(ff);
        let half = 1i64 << (shift - 1);
        let odd = (log >> shift) & 1;
        (log + half - 1 + odd) >> shift
    };
    clamp_log(to, scaled, sign_of(code), tally)
}

/// Packs a log value that may lie outside the format: saturates above, flushes below.
#[inline(always)]
pub fn clamp_log(fmt: Format, log: i64, sign: i32, tally: &mut impl Tally) -> i32 {
    if log > fmt.log_max() as i64 {
        tally.saturated();
        pack(fmt.log_max(), sign)
    } else if log < fmt.log_min() as i64 {
        tally.flushed();
        fmt.zero()
    } else {
        pack(log as i32, sign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::Counts;

    #[test]
    fn one_two_and_half_have_exact_codes() {
        let f = Format::LNS16;
        assert_eq!(encode(f, 1.0, &mut ()), 0);
        assert_eq!(encode(f, 2.0, &mut ()), 2 * 1024);
        assert_eq!(encode(f, -0.5, &mut ()), 2 * -1024 + 1);
        assert_eq!(decode(f, 2 * 1024), 2.0);
        assert_eq!(decode(f, 2 * -1024 + 1), -0.5);
    }

    #[test]
    fn overflow_saturates_and_underflow_flushes_and_both_are_counted() {
        let f = Format::LNS8; // range 2^±8
        let mut c = Counts::default();
        assert_eq!(encode(f, 1e6, &mut c), f.max_code());
        assert_eq!(encode(f, -1e6, &mut c), f.max_code() + 1);
        assert_eq!(encode(f, 1e-6, &mut c), f.zero());
        assert_eq!(
            c,
            Counts {
                saturated: 2,
                flushed: 1,
                nan: 0
            }
        );
    }

    #[test]
    fn nan_and_infinity_follow_the_documented_policy() {
        let f = Format::LNS16;
        let mut c = Counts::default();
        assert_eq!(encode(f, f64::NAN, &mut c), f.zero());
        assert_eq!(encode(f, f64::INFINITY, &mut c), f.max_code());
        assert_eq!(encode(f, f64::NEG_INFINITY, &mut c), f.max_code() + 1);
        assert_eq!(
            c,
            Counts {
                saturated: 2,
                flushed: 0,
                nan: 1
            }
        );
        assert!(matches!(
            try_encode(f, f64::NAN, &mut ()),
            Err(LnsError::NotFinite { .. })
        ));
        assert!(matches!(
            try_encode(f, f64::INFINITY, &mut ()),
            Err(LnsError::NotFinite { .. })
        ));
        assert_eq!(try_encode(f, 4.0, &mut ()), Ok(4096));
    }

    #[test]
    fn recode_widens_exactly_and_narrows_to_nearest_even() {
        let (n, w) = (Format::LNS12, Format::LNS16);
        for code in n.all_codes() {
            let wide = recode(n, w, code, &mut ());
            assert_eq!(decode(n, code), decode(w, wide));
            assert_eq!(recode(w, n, wide, &mut ()), code);
        }
        // 16:10 → 12:6 drops 4 bits: L = 8 (0.5 ulp) rounds to 0 (even), 24 to 2.
        assert_eq!(recode(w, n, pack(8, 0), &mut ()), pack(0, 0));
        assert_eq!(recode(w, n, pack(24, 0), &mut ()), pack(2, 0));
        assert_eq!(recode(w, n, pack(9, 1), &mut ()), pack(1, 1));
    }

    #[test]
    fn negative_zero_code_decodes_to_zero() {
        let f = Format::LNS16;
        assert!(is_zero(f, f.zero() + 1));
        assert_eq!(decode(f, f.zero() + 1), 0.0);
    }
}
