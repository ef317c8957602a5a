//! Elementwise products of 8- and 16-bit codes: `L = La + Lb`, `s = sa ⊕ sb`, saturated
//! or flushed at the range, in one loop without branches that the compiler vectorizes,
//! compiled once per SIMD level. Codes and counts are those of [`crate::arith::mul`].

use super::SimdLevel;
use crate::code::CodeStorage;
use crate::format::{Format, Storage};
use crate::tally::Counts;

/// Codes per block of the loop, whose event counters are u32.
const BLOCK: usize = 1 << 20;

/// Whether [`products`] runs for codes stored as `C` at `level`: at the lane levels
/// (`Portable`, `Avx2`, `Avx512`; [`SimdLevel::Scalar`] is the reference loop) on 8-
/// and 16-bit codes (log sums of 32-bit codes need i64).
pub(super) fn products_run<C: CodeStorage>(level: SimdLevel) -> bool {
    level != SimdLevel::Scalar && C::STORAGE != Storage::I32
}

/// `out[i] = a[i]·rhs(i)` as [`crate::arith::mul`], adding saturations and flushes to
/// `t`.
///
/// # Panics
/// Where [`products_run`] is false, if `level` is not available on this CPU, or if `a`
/// and `out` differ in length.
pub(super) fn products<C: CodeStorage>(
    fmt: Format,
    level: SimdLevel,
    a: &[C],
    rhs: impl Fn(usize) -> i32,
    out: &mut [C],
    t: &mut Counts,
) {
    assert!(
        products_run::<C>(level),
        "no product loop for {level:?} on {:?} codes",
        C::STORAGE
    );
    assert!(
        level.is_available(),
        "{level:?} is not available on this CPU"
    );
    assert_eq!(a.len(), out.len(), "one product per code");
    match level {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has the level (asserted above).
        SimdLevel::Avx512 => unsafe { products_avx512(fmt, a, rhs, out, t) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        SimdLevel::Avx2 => unsafe { products_avx2(fmt, a, rhs, out, t) },
        _ => product_loop(fmt, a, rhs, out, t),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx2")]
fn products_avx512<C: CodeStorage>(
    fmt: Format,
    a: &[C],
    rhs: impl Fn(usize) -> i32,
    out: &mut [C],
    t: &mut Counts,
) {
    product_loop(fmt, a, rhs, out, t)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn products_avx2<C: CodeStorage>(
    fmt: Format,
    a: &[C],
    rhs: impl Fn(usize) -> i32,
    out: &mut [C],
    t: &mut Counts,
) {
    product_loop(fmt, a, rhs, out, t)
}

/// The loop behind [`products`]: every code computed, then the zero code selected where
/// a term is zero or the product flushes; logs of 8- and 16-bit codes sum within i32.
#[inline(always)]
fn product_loop<C: CodeStorage>(
    fmt: Format,
    a: &[C],
    rhs: impl Fn(usize) -> i32,
    out: &mut [C],
    t: &mut Counts,
) {
    let (log_zero, log_min, log_max, zero) =
        (fmt.log_zero(), fmt.log_min(), fmt.log_max(), fmt.zero());
    for (b, (out, a)) in out.chunks_mut(BLOCK).zip(a.chunks(BLOCK)).enumerate() {
        let (mut saturated, mut flushed) = (0u32, 0u32);
        for (i, (o, &x)) in out.iter_mut().zip(a).enumerate() {
            let (x, y) = (x.widen(), rhs(b * BLOCK + i));
            let live = (x >> 1 != log_zero) & (y >> 1 != log_zero);
            let log = (x >> 1) + (y >> 1);
            let under = live & (log < log_min);
            saturated += u32::from(live & (log > log_max));
            flushed += u32::from(under);
            let code = (log.min(log_max) << 1) | ((x ^ y) & 1);
            *o = C::narrow(if live & !under { code } else { zero });
        }
        t.saturated += u64::from(saturated);
        t.flushed += u64::from(flushed);
    }
}

#[cfg(test)]
mod tests {
    use super::products;
    use crate::arith;
    use crate::code::CodeStorage;
    use crate::format::Format;
    use crate::kernels::SimdLevel;
    use crate::tally::Counts;

    /// Every pair of `x × y` through `products` at every lane level, against
    /// `arith::mul` code for code and count for count.
    fn check<C: CodeStorage>(fmt: Format, x: &[i32], y: &[i32]) {
        let a: Vec<C> = x
            .iter()
            .flat_map(|&c| y.iter().map(move |_| C::narrow(c)))
            .collect();
        let b: Vec<i32> = x.iter().flat_map(|_| y.iter().copied()).collect();
        let mut want_counts = Counts::default();
        let want: Vec<C> = a
            .iter()
            .zip(&b)
            .map(|(&p, &q)| C::narrow(arith::mul(fmt, p.widen(), q, &mut want_counts)))
            .collect();
        for level in SimdLevel::available()
            .into_iter()
            .filter(|&l| l != SimdLevel::Scalar)
        {
            let (mut got, mut counts) = (vec![C::default(); a.len()], Counts::default());
            products(fmt, level, &a, |i| b[i], &mut got, &mut counts);
            assert!(got == want, "{fmt} at {level:?}");
            assert_eq!(counts, want_counts, "{fmt} at {level:?}");
        }
    }

    #[test]
    fn every_product_of_two_8_bit_codes_and_its_count_equal_the_reference() {
        for fmt in [
            Format::LNS8,
            Format::new(8, 6).unwrap(),
            Format::new(6, 1).unwrap(),
        ] {
            let all: Vec<i32> = fmt.all_codes().collect();
            check::<i8>(fmt, &all, &all);
        }
    }

    #[test]
    fn products_of_16_bit_codes_across_the_range_equal_the_reference() {
        for fmt in [Format::LNS16, Format::LNS12] {
            // Every 37th code against every 41st: each sign, zero, both ends.
            let x: Vec<i32> = fmt
                .all_codes()
                .step_by(37)
                .chain([fmt.max_code()])
                .collect();
            let y: Vec<i32> = fmt.all_codes().step_by(41).chain([fmt.zero()]).collect();
            check::<i16>(fmt, &x, &y);
        }
    }
}
