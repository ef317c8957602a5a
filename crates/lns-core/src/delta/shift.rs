//! Mitchell's shift-only approximation of Δ±: the cheapest hardware.

use super::{DeltaFn, minus_floor};
use crate::format::Format;

/// Δ± from a shift-based antilog and a leading-one log (Mitchell 1962):
///
/// - antilog: with `d = q·2^F + r`, `y = 2^F·2^(−d/2^F) ≈ (2^F − ⌈r/2⌉) >> q`
///   (2^−x ≈ 1 − x/2 on one octave; rounding r/2 up keeps `1 − y > 0` for d ≥ 1,
///   so Δ− stays finite at d = 1);
/// - `Δ+ ≈ y` (log2(1 + u) ≈ u on [0, 1));
/// - `Δ−`: `z = 2^F − y`, `p` = position of z's leading one,
///   `log2(z/2^F) ≈ (p − F) + (z − 2^p)/2^p`, all shifts and adds.
///
/// Its error is measured exhaustively by [`super::delta_error`] and listed in
/// docs/formats.md (≈ 0.09 log units for Δ+, larger for Δ− near d = 0).
#[derive(Debug, Clone)]
pub struct ShiftDelta {
    fmt: Format,
}

impl ShiftDelta {
    /// The shift strategy for a format.
    pub fn new(fmt: Format) -> ShiftDelta {
        ShiftDelta { fmt }
    }

    /// `y ≈ 2^F · 2^(−d/2^F)` by shifts, in code units.
    fn antilog(&self, d: u32) -> i64 {
        let f = self.fmt.frac();
        let q = d >> f;
        if q > f + 1 {
            return 0;
        }
        let r = (d & ((1u32 << f) - 1)) as i64;
        ((1i64 << f) - ((r + 1) >> 1)) >> q
    }
}

impl DeltaFn for ShiftDelta {
    fn plus(&self, d: u32) -> i32 {
        self.antilog(d) as i32
    }

    fn minus(&self, d: u32) -> i32 {
        let f = self.fmt.frac() as i64;
        let z = (1i64 << f) - self.antilog(d);
        if z <= 0 {
            return minus_floor(self.fmt);
        }
        if z == 1i64 << f {
            return 0;
        }
        let p = 63 - z.leading_zeros() as i64;
        let mantissa = ((z - (1i64 << p)) << f) >> p;
        (((p - f) << f) + mantissa).max(minus_floor(self.fmt) as i64) as i32
    }

    fn support(&self) -> u32 {
        // The antilog is 0 from `q = frac + 2` octaves on; in u64, as that exceeds u32
        // from 28 fraction bits on.
        let f = self.fmt.frac();
        let vanishes = (u64::from(f) + 2) << f;
        let end = u64::from(self.fmt.largest_difference()) + 1;
        u32::try_from(vanishes.min(end)).expect("at most 2^31 − 1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delta::ExactDelta;

    #[test]
    fn support_ends_with_the_differences_in_formats_shorter_than_the_antilog() {
        // (frac + 2)·2^frac: beyond u32 from frac 28 on; past the largest difference
        // from frac 27 on at 32 bits.
        for (bits, frac) in [(32, 27), (32, 28), (32, 29), (32, 30)] {
            let fmt = Format::new(bits, frac).unwrap();
            assert_eq!(ShiftDelta::new(fmt).support(), fmt.largest_difference() + 1);
        }
        let fmt = Format::new(32, 26).unwrap();
        assert_eq!(ShiftDelta::new(fmt).support(), 28 << 26);
    }

    #[test]
    fn shift_delta_is_exact_at_zero_and_one_log_unit_apart() {
        let s = ShiftDelta::new(Format::LNS16);
        assert_eq!(s.plus(0), 1024);
        // 2^−1 = 0.5 exactly; Mitchell log2(1.5) ≈ 0.5 (true 0.585).
        assert_eq!(s.plus(1024), 512);
        assert_eq!(s.minus(1024), -1024); // log2(1 − 0.5) = −1 exactly.
    }

    #[test]
    fn shift_delta_plus_error_stays_below_mitchells_bound() {
        let fmt = Format::LNS16;
        let (s, e) = (ShiftDelta::new(fmt), ExactDelta::new(fmt));
        for d in 0..s.support() + 5 {
            let err = (s.plus(d) - e.plus(d)).abs() as f64 / 1024.0;
            assert!(err < 0.09, "Δ+({d}) off by {err} log units");
        }
        assert_eq!(s.plus(s.support()), 0);
        assert_eq!(s.minus(s.support()), 0);
    }
}
