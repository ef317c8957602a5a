//! Scalar reference arithmetic on codes (`code = 2·L + s`, see [`crate::format`]).
//!
//! Every kernel in [`crate::kernels`] must reproduce these functions bit for bit.
//! Exceptional results go to a [`Tally`]: saturation to ±max above the range, flush
//! to zero below it, NaN (0/0, √negative) encoded as zero.

use std::cmp::Ordering;

use crate::code::{log_of, pack, sign_of};
use crate::convert::{clamp_log, is_zero};
use crate::delta::DeltaFn;
use crate::format::Format;
use crate::tally::Tally;

/// `−x`: flips the sign bit; zero stays the canonical zero.
#[inline(always)]
pub fn neg(fmt: Format, a: i32) -> i32 {
    if is_zero(fmt, a) { fmt.zero() } else { a ^ 1 }
}

/// `|x|`: clears the sign bit.
#[inline(always)]
pub fn abs(a: i32) -> i32 {
    a & !1
}

/// `x · y`: `L = La + Lb`, `s = sa ⊕ sb`. Exact unless it saturates or flushes.
#[inline(always)]
pub fn mul(fmt: Format, a: i32, b: i32, t: &mut impl Tally) -> i32 {
    if is_zero(fmt, a) || is_zero(fmt, b) {
        return fmt.zero();
    }
    clamp_log(
        fmt,
        log_of(a) as i64 + log_of(b) as i64,
        sign_of(a) ^ sign_of(b),
        t,
    )
}

/// `x / y`: `L = La − Lb`. `x/0` saturates to ±max (sign of x), `0/0` is NaN → zero.
#[inline(always)]
pub fn div(fmt: Format, a: i32, b: i32, t: &mut impl Tally) -> i32 {
    match (is_zero(fmt, a), is_zero(fmt, b)) {
        (true, true) => {
            t.nan();
            fmt.zero()
        }
        (true, false) => fmt.zero(),
        (false, true) => {
            t.saturated();
            pack(fmt.log_max(), sign_of(a))
        }
        (false, false) => clamp_log(
            fmt,
            log_of(a) as i64 - log_of(b) as i64,
            sign_of(a) ^ sign_of(b),
            t,
        ),
    }
}

/// The divisor of a mean over `n` elements (`n ≥ 1`) in code units of `fmt`: `log2(n)`
/// rounded once to its fraction, and not saturated, so that [`div_by_count`] stays
/// right where `n` exceeds `fmt`'s largest value (a 16×16 pool in 8:3, whose largest
/// value is 234.75).
pub fn count_log(fmt: Format, n: usize) -> i64 {
    ((n.max(1) as f64).log2() * fmt.scale() as f64).round() as i64
}

/// `x / n` for the [`count_log`] `log_n` of a count: `L − log_n`, saturated or flushed
/// once; zero stays zero. Equal to [`div`] by the code of `n` wherever that code is
/// `n`'s own (not saturated).
#[inline(always)]
pub fn div_by_count(fmt: Format, a: i32, log_n: i64, t: &mut impl Tally) -> i32 {
    if is_zero(fmt, a) {
        return fmt.zero();
    }
    clamp_log(fmt, log_of(a) as i64 - log_n, sign_of(a), t)
}

/// `1 / x`: `L = −L`; `1/0` saturates to +max.
#[inline(always)]
pub fn recip(fmt: Format, a: i32, t: &mut impl Tally) -> i32 {
    div(fmt, fmt.one(), a, t)
}

/// `x + y = ±2^max(La, Lb) · (1 ± 2^−d)`: `L = max(La, Lb) + Δ±(|La − Lb|)` with Δ+ for
/// equal signs and Δ− for opposite signs; the sign is the larger operand's; equal
/// magnitudes of opposite sign give exact zero; zero operands pass the other through.
#[inline(always)]
pub fn add(fmt: Format, delta: &impl DeltaFn, a: i32, b: i32, t: &mut impl Tally) -> i32 {
    if is_zero(fmt, a) {
        return canonical(fmt, b);
    }
    if is_zero(fmt, b) {
        return a;
    }
    let (la, lb) = (log_of(a), log_of(b));
    let (hi, big) = if la >= lb { (la, a) } else { (lb, b) };
    let d = la.abs_diff(lb);
    let corr = if sign_of(a) == sign_of(b) {
        delta.plus(d)
    } else if d == 0 {
        return fmt.zero();
    } else {
        delta.minus(d)
    };
    clamp_log(fmt, hi as i64 + corr as i64, sign_of(big), t)
}

/// `x − y = x + (−y)`.
#[inline(always)]
pub fn sub(fmt: Format, delta: &impl DeltaFn, a: i32, b: i32, t: &mut impl Tally) -> i32 {
    add(fmt, delta, a, neg(fmt, b), t)
}

/// `√x`: `L/2` rounded to nearest, ties to even. `√(negative)` is NaN → zero.
#[inline(always)]
pub fn sqrt(fmt: Format, a: i32, t: &mut impl Tally) -> i32 {
    if is_zero(fmt, a) {
        return fmt.zero();
    }
    if sign_of(a) == 1 {
        t.nan();
        return fmt.zero();
    }
    let l = log_of(a);
    pack((l + ((l >> 1) & 1)) >> 1, 0)
}

/// `x^n` for an integer `n`: `L·n`, sign `s·(n odd)`. `0^0 = 1`, `0^n = 0` (n > 0),
/// `0^n` saturates to +max (n < 0).
#[inline(always)]
pub fn powi(fmt: Format, a: i32, n: i32, t: &mut impl Tally) -> i32 {
    if is_zero(fmt, a) {
        return match n.cmp(&0) {
            Ordering::Equal => fmt.one(),
            Ordering::Greater => fmt.zero(),
            Ordering::Less => {
                t.saturated();
                fmt.max_code()
            }
        };
    }
    clamp_log(fmt, log_of(a) as i64 * n as i64, sign_of(a) & (n & 1), t)
}

/// A key whose integer order is the order of the values: zero → 0, positive →
/// `L − log_zero`, negative → its negation.
#[inline(always)]
pub fn order_key(fmt: Format, a: i32) -> i64 {
    if is_zero(fmt, a) {
        return 0;
    }
    let m = log_of(a) as i64 - fmt.log_zero() as i64;
    if sign_of(a) == 1 { -m } else { m }
}

/// Whether the value is above zero: `order_key(fmt, a) > 0` (a clear sign bit and not
/// the zero log), written without branches so that loops over it vectorize.
#[inline(always)]
pub fn is_positive(fmt: Format, a: i32) -> bool {
    (sign_of(a) == 0) & !is_zero(fmt, a)
}

/// Compares two codes by value (zero codes of either sign are equal).
#[inline(always)]
pub fn compare(fmt: Format, a: i32, b: i32) -> Ordering {
    order_key(fmt, a).cmp(&order_key(fmt, b))
}

/// The larger value (the first on ties).
#[inline(always)]
pub fn max(fmt: Format, a: i32, b: i32) -> i32 {
    if compare(fmt, b, a) == Ordering::Greater {
        b
    } else {
        a
    }
}

/// The smaller value (the first on ties).
#[inline(always)]
pub fn min(fmt: Format, a: i32, b: i32) -> i32 {
    if compare(fmt, b, a) == Ordering::Less {
        b
    } else {
        a
    }
}

/// The canonical code of a value (negative zero → zero).
#[inline(always)]
pub fn canonical(fmt: Format, a: i32) -> i32 {
    if is_zero(fmt, a) { fmt.zero() } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::{decode, encode};
    use crate::delta::ExactDelta;
    use crate::tally::Counts;

    const F: Format = Format::LNS16;

    fn c(x: f64) -> i32 {
        encode(F, x, &mut ())
    }

    #[test]
    fn opposite_signs_of_equal_magnitude_cancel_to_exact_zero() {
        let e = ExactDelta::new(F);
        assert_eq!(add(F, &e, c(3.0), c(-3.0), &mut ()), F.zero());
        assert_eq!(sub(F, &e, c(3.0), c(3.0), &mut ()), F.zero());
    }

    #[test]
    fn zero_is_the_additive_identity_and_absorbs_products() {
        let e = ExactDelta::new(F);
        let z = F.zero();
        assert_eq!(add(F, &e, z, c(-2.5), &mut ()), c(-2.5));
        assert_eq!(add(F, &e, c(-2.5), z + 1, &mut ()), c(-2.5));
        assert_eq!(mul(F, z, c(7.0), &mut ()), z);
        assert_eq!(neg(F, z), z);
    }

    #[test]
    fn small_integer_sums_are_correctly_rounded() {
        let e = ExactDelta::new(F);
        assert_eq!(decode(F, add(F, &e, c(1.0), c(1.0), &mut ())), 2.0);
        assert_eq!(decode(F, sub(F, &e, c(4.0), c(2.0), &mut ())), 2.0);
        assert_eq!(add(F, &e, c(1.0), c(2.0), &mut ()), c(3.0));
    }

    #[test]
    fn max_magnitudes_saturate_and_tiny_differences_flush() {
        let e = ExactDelta::new(F);
        let mut t = Counts::default();
        assert_eq!(add(F, &e, F.max_code(), F.max_code(), &mut t), F.max_code());
        assert_eq!(mul(F, F.max_code(), c(2.0), &mut t), F.max_code());
        assert_eq!(mul(F, F.min_positive_code(), c(0.5), &mut t), F.zero());
        // min − (min·2^(−1/1024)) is far below min.
        let next = F.min_positive_code() + 2;
        assert_eq!(sub(F, &e, next, F.min_positive_code(), &mut t), F.zero());
        assert_eq!(
            t,
            Counts {
                saturated: 2,
                flushed: 2,
                nan: 0
            }
        );
    }

    #[test]
    fn division_by_zero_saturates_and_zero_over_zero_is_counted_as_nan() {
        let mut t = Counts::default();
        assert_eq!(div(F, c(-3.0), F.zero(), &mut t), F.max_code() + 1);
        assert_eq!(div(F, F.zero(), F.zero(), &mut t), F.zero());
        assert_eq!(div(F, c(6.0), c(-2.0), &mut t), c(-3.0));
        assert_eq!(
            t,
            Counts {
                saturated: 1,
                flushed: 0,
                nan: 1
            }
        );
    }

    #[test]
    fn sqrt_powi_and_order_follow_the_values() {
        let mut t = Counts::default();
        assert_eq!(sqrt(F, c(16.0), &mut t), c(4.0));
        assert_eq!(sqrt(F, c(-16.0), &mut t), F.zero());
        assert_eq!(t.nan, 1);
        assert_eq!(powi(F, c(-2.0), 3, &mut ()), c(-8.0));
        assert_eq!(powi(F, c(-2.0), 2, &mut ()), c(4.0));
        assert_eq!(powi(F, F.zero(), 0, &mut ()), F.one());
        let vals = [-5.0, -0.25, 0.0, 1e-3, 2.0, 7.5];
        for w in vals.windows(2) {
            assert_eq!(compare(F, c(w[0]), c(w[1])), Ordering::Less);
            assert_eq!(max(F, c(w[0]), c(w[1])), c(w[1]));
            assert_eq!(min(F, c(w[0]), c(w[1])), c(w[0]));
        }
        assert_eq!(compare(F, F.zero(), F.zero() + 1), Ordering::Equal);
    }

    #[test]
    fn is_positive_agrees_with_the_order_key_on_every_code_and_both_zeros() {
        for fmt in [Format::LNS8, Format::new(10, 4).unwrap(), Format::LNS16] {
            for a in fmt.all_codes().chain([fmt.zero() + 1]) {
                assert_eq!(is_positive(fmt, a), order_key(fmt, a) > 0, "{fmt} code {a}");
            }
        }
    }
}
