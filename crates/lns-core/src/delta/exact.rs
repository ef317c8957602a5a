//! The reference Δ: f64 evaluation rounded to the nearest code unit.

use super::{DeltaFn, minus_floor};
use crate::format::Format;

/// `Δ±(d) = round(2^frac · log2(1 ± 2^(−d/2^frac)))`, computed with `ln_1p` in f64.
/// The relative error of f64 is far below half a code unit for every supported
/// format, so this is the correctly rounded correction.
#[derive(Debug, Clone)]
pub struct ExactDelta {
    fmt: Format,
    support: u32,
}

impl ExactDelta {
    /// The exact strategy for a format.
    pub fn new(fmt: Format) -> ExactDelta {
        ExactDelta {
            fmt,
            support: exact_support(fmt),
        }
    }

    /// The unrounded `Δ+(d)` in code units.
    pub fn plus_real(fmt: Format, d: u32) -> f64 {
        let scale = fmt.scale() as f64;
        (-(d as f64) / scale).exp2().ln_1p() / std::f64::consts::LN_2 * scale
    }

    /// The unrounded `Δ−(d)` in code units (−∞ at d = 0).
    pub fn minus_real(fmt: Format, d: u32) -> f64 {
        let scale = fmt.scale() as f64;
        (-(-(d as f64) / scale).exp2()).ln_1p() / std::f64::consts::LN_2 * scale
    }
}

/// The smallest d from which both exact corrections round to 0 (`|Δ±(d)| < ½`), or one
/// past the largest log difference of two codes, `2^(bits−1) − 2`, where no difference
/// of the format gets that far (formats with 28 or more fraction bits span fewer
/// octaves than Δ needs to fall below half a unit).
fn exact_support(fmt: Format) -> u32 {
    let largest_difference = u64::from(fmt.largest_difference());
    // |Δ−| ≥ Δ+, so Δ− decides. Binary search on the monotone |Δ−(d)|, in u64: the
    // estimate `(frac + 4)·2^frac` exceeds u32 from 28 fraction bits on.
    let mut lo = 1u64;
    let mut hi = ((u64::from(fmt.frac()) + 4) << fmt.frac()).min(largest_difference + 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        // `mid ≤ largest_difference < 2^31`.
        if ExactDelta::minus_real(fmt, mid as u32).round() == 0.0 {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    u32::try_from(lo).expect("a log difference of at most 2^31 − 2, plus one")
}

impl DeltaFn for ExactDelta {
    fn plus(&self, d: u32) -> i32 {
        if d >= self.support {
            return 0;
        }
        ExactDelta::plus_real(self.fmt, d).round() as i32
    }

    fn minus(&self, d: u32) -> i32 {
        if d >= self.support {
            return 0;
        }
        let floor = minus_floor(self.fmt);
        (ExactDelta::minus_real(self.fmt, d)
            .round()
            .max(floor as f64)) as i32
    }

    fn support(&self) -> u32 {
        self.support
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_matches_the_half_ulp_estimate() {
        // Δ falls below half a code unit near d ≈ (frac + 1.53)·2^frac.
        for fmt in [Format::LNS8, Format::LNS12, Format::LNS16, Format::LNS32] {
            let s = ExactDelta::new(fmt).support() as f64 / fmt.scale() as f64;
            let estimate = fmt.frac() as f64 + 1.0 + (1.0 / std::f64::consts::LN_2).log2();
            assert!((s - estimate).abs() < 0.1, "{fmt}: {s} vs {estimate}");
        }
    }

    #[test]
    fn support_stops_past_the_largest_difference_when_delta_never_reaches_zero() {
        // Δ falls below half a unit near (frac + 1.53) octaves; these formats span fewer.
        for (bits, frac) in [(8, 6), (16, 12), (32, 27), (32, 28), (31, 29), (32, 30)] {
            let fmt = Format::new(bits, frac).unwrap();
            let e = ExactDelta::new(fmt);
            let largest = fmt.largest_difference();
            assert_eq!(e.support(), largest + 1, "{fmt}");
            assert_ne!(e.plus(largest), 0, "{fmt}: Δ+ at the largest difference");
        }
        // Just below, the search still finds where Δ rounds to zero.
        let fmt = Format::new(32, 26).unwrap();
        let e = ExactDelta::new(fmt);
        assert!(e.support() <= fmt.largest_difference());
        assert_eq!(e.plus(e.support()), 0);
        assert_ne!(e.minus(e.support() - 1), 0);
    }

    #[test]
    fn known_values_at_frac_10() {
        let e = ExactDelta::new(Format::LNS16);
        assert_eq!(e.plus(0), 1024); // log2(2) = 1
        assert_eq!(e.plus(1024), 599); // 1024·log2(1.5) = 598.99
        assert_eq!(e.minus(1024), -1024); // log2(1/2) = −1
        assert_eq!(e.minus(1), -10782); // 1024·log2(1 − 2^(−1/1024)) = −10781.7
        assert_eq!(e.plus(e.support()), 0);
        assert_ne!(e.minus(e.support() - 1), 0);
    }
}
