//! Table-based Δ: full resolution, coarse, or interpolated.

use super::{DeltaFn, ExactDelta, minus_by_doubling, minus_floor};
use crate::format::Format;

/// A Δ table indexed by `d >> drop`.
///
/// - `drop = 0`: one entry per code difference — bit-identical to [`ExactDelta`].
/// - `drop > 0`, not interpolated: entry `i` holds the exact Δ at the middle code of
///   the bucket `[i·2^drop, (i+1)·2^drop)` (index by truncation, as hardware does).
/// - `drop > 0`, interpolated: entry `i` holds the exact Δ at `i·2^drop`; values in
///   between are linear interpolations (floor). Δ− below `2^drop`, where the table
///   would need −∞, and below two log units, where Δ− curves too fast to interpolate,
///   uses the doubling identity `Δ−(d) = Δ−(2d) − Δ+(d)`.
#[derive(Debug, Clone)]
pub struct LutDelta {
    fmt: Format,
    drop: u32,
    interpolate: bool,
    plus: Vec<i32>,
    minus: Vec<i32>,
}

impl LutDelta {
    /// Largest full-resolution table [`LutDelta::auto`] builds, per sign.
    pub const MAX_FULL_ENTRIES: u32 = 1 << 18;
    /// Entries per sign of the interpolated tables [`LutDelta::auto`] builds for large
    /// formats (at most).
    pub const INTERPOLATED_ENTRIES: u32 = 1 << 15;

    /// Full resolution when it fits in [`Self::MAX_FULL_ENTRIES`], else interpolated
    /// with the smallest `drop` that fits [`Self::INTERPOLATED_ENTRIES`].
    pub fn auto(fmt: Format) -> LutDelta {
        let support = ExactDelta::new(fmt).support();
        if support <= Self::MAX_FULL_ENTRIES {
            return Self::build(fmt, 0, false);
        }
        let mut drop = 0;
        while (support >> drop) > Self::INTERPOLATED_ENTRIES {
            drop += 1;
        }
        Self::build(fmt, drop, true)
    }

    /// A non-interpolated table with buckets of `2^drop` codes (`drop = frac` gives one
    /// entry per log unit, as the 17-entry table of Sanyal et al.).
    pub fn coarse(fmt: Format, drop: u32) -> LutDelta {
        Self::build(fmt, drop, false)
    }

    /// An interpolated table with knots every `2^drop` codes (`drop ≥ 1`).
    pub fn interpolated(fmt: Format, drop: u32) -> LutDelta {
        Self::build(fmt, drop.max(1), true)
    }

    fn build(fmt: Format, drop: u32, interpolate: bool) -> LutDelta {
        let exact = ExactDelta::new(fmt);
        let support = exact.support();
        let buckets = support.div_ceil(1 << drop) + 1;
        let sample = |i: u32| -> u32 {
            if interpolate || drop == 0 {
                i << drop
            } else {
                (i << drop) + ((1u32 << drop) - 1) / 2
            }
        };
        // Knots of an interpolated table are the correctly rounded Δ even past the
        // support, where it ends with the format's differences before Δ rounds to 0
        // (`ExactDelta::support`): the last interval interpolates toward the true value,
        // not toward 0. A bucket's value is the exact Δ at its sample (0 past the
        // support, so the last bucket is 0).
        let knot_plus = |d: u32| -> i32 {
            if interpolate {
                ExactDelta::plus_real(fmt, d).round() as i32
            } else {
                exact.plus(d)
            }
        };
        let knot_minus = |d: u32| -> i32 {
            if interpolate {
                let floor = f64::from(minus_floor(fmt));
                ExactDelta::minus_real(fmt, d).round().max(floor) as i32
            } else {
                exact.minus(d)
            }
        };
        let plus = (0..buckets).map(|i| knot_plus(sample(i))).collect();
        let minus = (0..buckets)
            .map(|i| match sample(i) {
                // Δ−(0) = −∞ is never read; the doubling identity covers the first knot
                // interval of an interpolated table.
                0 if interpolate || drop == 0 => minus_floor(fmt),
                // A coarse bucket of two differences (drop 1) starts at d = 0 and is
                // read at d = 1.
                d => knot_minus(d.max(1)),
            })
            .collect();
        LutDelta {
            fmt,
            drop,
            interpolate,
            plus,
            minus,
        }
    }

    /// Index granularity: entries are `2^drop` codes apart.
    pub fn drop(&self) -> u32 {
        self.drop
    }

    /// Whether values between entries are interpolated.
    pub fn is_interpolated(&self) -> bool {
        self.interpolate
    }

    /// Entries per sign.
    pub fn entries(&self) -> usize {
        self.plus.len()
    }

    /// Below this `d` an interpolated Δ− uses the doubling identity: two log units, from
    /// where Δ−'s curvature is small enough for linear interpolation — or half the
    /// table's span where that is shorter (formats of under four octaves of
    /// differences), so that the doubled `d` still lands in the table.
    fn doubling_head(&self) -> u32 {
        let span = (self.plus.len() as u64 - 1) << self.drop;
        let two_units = 2 * self.fmt.scale() as u64;
        let head = two_units.min(span / 2).max(1 << self.drop);
        u32::try_from(head).expect("within the table's span, below 2^32")
    }

    fn lookup(&self, table: &[i32], d: u32) -> i32 {
        let i = (d >> self.drop) as usize;
        if i + 1 >= table.len() {
            return if self.interpolate {
                0
            } else {
                table[table.len() - 1]
            };
        }
        if !self.interpolate {
            return table[i];
        }
        let frac = (d & ((1u32 << self.drop) - 1)) as i64;
        let (a, b) = (table[i] as i64, table[i + 1] as i64);
        (a + (((b - a) * frac) >> self.drop)) as i32
    }
}

impl DeltaFn for LutDelta {
    fn plus(&self, d: u32) -> i32 {
        self.lookup(&self.plus, d)
    }

    fn minus(&self, d: u32) -> i32 {
        let head = self.doubling_head();
        if self.interpolate && d < head {
            return minus_by_doubling(
                self.fmt,
                d,
                head,
                |x| self.plus(x),
                |x| self.lookup(&self.minus, x),
            );
        }
        self.lookup(&self.minus, d)
    }

    fn support(&self) -> u32 {
        // Past the last bucket every lookup returns the final (zero) entry.
        ((self.plus.len() as u32 - 1) << self.drop).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_resolution_table_equals_exact_for_every_d() {
        let fmt = Format::LNS16;
        let (lut, exact) = (LutDelta::auto(fmt), ExactDelta::new(fmt));
        assert_eq!(lut.drop(), 0);
        for d in 0..exact.support() + 10 {
            assert_eq!(lut.plus(d), exact.plus(d), "Δ+({d})");
            if d > 0 {
                assert_eq!(lut.minus(d), exact.minus(d), "Δ−({d})");
            }
        }
    }

    #[test]
    fn small_table_has_one_entry_per_log_unit() {
        let lut = LutDelta::coarse(Format::LNS16, 10);
        // support ≈ 11.5 log units → 12 buckets + the zero entry.
        assert_eq!(lut.entries(), 13);
        assert_eq!(lut.plus(100_000), 0);
    }

    #[test]
    fn interpolated_tables_of_formats_shorter_than_delta_follow_exact_to_the_last_difference() {
        // The support ends with the differences before Δ rounds to 0, and with
        // frac = bits − 2 every difference is within two log units (doubling head).
        for (bits, frac) in [(20, 18), (24, 21), (32, 28), (32, 29), (32, 30)] {
            let fmt = Format::new(bits, frac).unwrap();
            let (lut, exact) = (LutDelta::auto(fmt), ExactDelta::new(fmt));
            assert!(lut.is_interpolated(), "{fmt}");
            let last = fmt.largest_difference();
            let ds = (0..4000u32).map(|k| k.wrapping_mul(2_654_435_761) % last + 1);
            for d in ds.chain([1, last / 2, last - 1, last]) {
                let (p, m) = (lut.plus(d) - exact.plus(d), lut.minus(d) - exact.minus(d));
                assert!(
                    p.abs() <= 1,
                    "{fmt} Δ+({d}): {} vs {}",
                    lut.plus(d),
                    exact.plus(d)
                );
                // The doubling head accumulates one rounding per step.
                assert!(
                    m.abs() <= 24,
                    "{fmt} Δ−({d}): {} vs {}",
                    lut.minus(d),
                    exact.minus(d)
                );
            }
        }
    }

    #[test]
    fn coarse_table_of_two_difference_buckets_reads_delta_minus_at_one() {
        let fmt = Format::new(8, 1).unwrap();
        let (lut, exact) = (LutDelta::coarse(fmt, 1), ExactDelta::new(fmt));
        assert_eq!(lut.minus(1), exact.minus(1));
        assert!(lut.minus(1) > minus_floor(fmt));
    }

    #[test]
    fn interpolated_table_for_32_bit_is_within_a_code_of_exact() {
        let fmt = Format::LNS32;
        let (lut, exact) = (LutDelta::auto(fmt), ExactDelta::new(fmt));
        assert!(
            lut.is_interpolated() && lut.entries() <= LutDelta::INTERPOLATED_ENTRIES as usize + 2
        );
        for k in 0..4000u32 {
            let d = k.wrapping_mul(2_654_435_761) % (exact.support() + 1000);
            assert!((lut.plus(d) - exact.plus(d)).abs() <= 1, "Δ+({d})");
            if d > 0 {
                // The doubling head accumulates one rounding per step.
                assert!(
                    (lut.minus(d) - exact.minus(d)).abs() <= 24,
                    "Δ−({d}): {} vs {}",
                    lut.minus(d),
                    exact.minus(d)
                );
            }
        }
    }
}
