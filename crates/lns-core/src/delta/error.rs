//! The error of a Δ strategy against the real-valued correction.

use serde::Serialize;

use super::{DeltaFn, ExactDelta};
use crate::format::Format;

/// Above this many code differences, [`delta_error`] samples with a stride.
const EXHAUSTIVE_LIMIT: u32 = 1 << 22;

/// Error of Δ+ and Δ− in code units (ulps of the format) against the unrounded value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DeltaError {
    /// Largest |Δ+ − Δ+real|.
    pub max_plus: f64,
    /// Mean |Δ+ − Δ+real|.
    pub mean_plus: f64,
    /// Mean signed error Δ+ − Δ+real: a systematic bias that sums of many terms
    /// accumulate (positive: additions come out too large).
    pub bias_plus: f64,
    /// Largest |Δ− − Δ−real| over d ≥ 1 (results that flush to zero excluded: they are
    /// below every representable magnitude anyway).
    pub max_minus: f64,
    /// Mean |Δ− − Δ−real| over d ≥ 1.
    pub mean_minus: f64,
    /// Mean signed error Δ− − Δ−real over d ≥ 1 (positive: cancellations leave too
    /// large a magnitude).
    pub bias_minus: f64,
    /// Whether every d was evaluated (false: strided sample of ≥ 2^22 points).
    pub exhaustive: bool,
}

/// Measures a strategy over every code difference up to both supports (exhaustive up
/// to 2^22 differences, strided beyond).
pub fn delta_error(fmt: Format, delta: &impl DeltaFn) -> DeltaError {
    let end = delta.support().max(ExactDelta::new(fmt).support()) + 2;
    let stride = end.div_ceil(EXHAUSTIVE_LIMIT).max(1);
    let floor_span = (fmt.log_max() - fmt.log_min()) as f64;
    let (mut max_p, mut sum_p, mut max_m, mut sum_m, mut n) = (0f64, 0f64, 0f64, 0f64, 0u64);
    let (mut signed_p, mut signed_m) = (0f64, 0f64);
    let mut d = 0u32;
    while d < end {
        let ep = delta.plus(d) as f64 - ExactDelta::plus_real(fmt, d);
        max_p = max_p.max(ep.abs());
        sum_p += ep.abs();
        signed_p += ep;
        if d > 0 {
            let real = ExactDelta::minus_real(fmt, d);
            let em = if -real > floor_span {
                0.0
            } else {
                delta.minus(d) as f64 - real
            };
            max_m = max_m.max(em.abs());
            sum_m += em.abs();
            signed_m += em;
        }
        n += 1;
        d += stride;
    }
    DeltaError {
        max_plus: max_p,
        mean_plus: sum_p / n as f64,
        bias_plus: signed_p / n as f64,
        max_minus: max_m,
        mean_minus: sum_m / n as f64,
        bias_minus: signed_m / n as f64,
        exhaustive: stride == 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delta::ShiftDelta;

    #[test]
    fn bias_is_the_signed_mean_bounded_by_the_absolute_mean() {
        for fmt in [Format::LNS8, Format::LNS12] {
            let exact = delta_error(fmt, &ExactDelta::new(fmt));
            assert!(exact.bias_plus.abs() <= exact.mean_plus);
            assert!(exact.bias_minus.abs() <= exact.mean_minus);
            // Rounding to nearest leans neither way by much.
            assert!(exact.bias_plus.abs() < 0.05 && exact.bias_minus.abs() < 0.05);
            // Mitchell's Δ+ (2^−d ≈ linear) never exceeds the real correction, so its
            // signed mean is exactly minus its absolute mean.
            let shift = delta_error(fmt, &ShiftDelta::new(fmt));
            assert!(shift.bias_plus < 0.0);
            assert!((shift.bias_plus + shift.mean_plus).abs() < 1e-12, "{fmt}");
        }
    }
}
