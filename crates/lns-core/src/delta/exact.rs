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

/// The smallest d from which both exact corrections round to 0: `|Δ±(d)| < ½`.
fn exact_support(fmt: Format) -> u32 {
    // |Δ−| ≥ Δ+, so Δ− decides. Binary search on the monotone |Δ−(d)|.
    let (mut lo, mut hi) = (1u64, (fmt.frac() as u64 + 4) << fmt.frac());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if ExactDelta::minus_real(fmt, mid as u32).round() == 0.0 {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo as u32
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
