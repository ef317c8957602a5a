//! The f64 oracle: real-valued results and their errors, never optimized.

use crate::code::log_of;
use crate::convert::{decode, encode, is_zero};
use crate::format::Format;

/// `decode(a) + decode(b)` in f64.
pub fn real_add(fmt: Format, a: i32, b: i32) -> f64 {
    decode(fmt, a) + decode(fmt, b)
}

/// `decode(a) − decode(b)` in f64.
pub fn real_sub(fmt: Format, a: i32, b: i32) -> f64 {
    decode(fmt, a) - decode(fmt, b)
}

/// `decode(a) · decode(b)` in f64.
pub fn real_mul(fmt: Format, a: i32, b: i32) -> f64 {
    decode(fmt, a) * decode(fmt, b)
}

/// The correctly rounded code of a real result (saturating and flushing).
pub fn rounded(fmt: Format, x: f64) -> i32 {
    encode(fmt, x, &mut ())
}

/// Distance in code units (ulps of the log) between a code and a real value of the
/// same sign: `|L − 2^frac·log2|x||`. Zero against zero is 0; zero against a
/// non-zero value (or a sign error) is +∞.
pub fn log_error_ulps(fmt: Format, code: i32, x: f64) -> f64 {
    match (is_zero(fmt, code), x == 0.0) {
        (true, true) => 0.0,
        (true, false) | (false, true) => f64::INFINITY,
        (false, false) => {
            if (decode(fmt, code) < 0.0) != (x < 0.0) {
                return f64::INFINITY;
            }
            (log_of(code) as f64 - x.abs().log2() * fmt.scale() as f64).abs()
        }
    }
}

/// Relative error `|decode(code) − x| / |x|` (0 when both are zero).
pub fn relative_error(fmt: Format, code: i32, x: f64) -> f64 {
    let v = decode(fmt, code);
    if x == 0.0 {
        return if v == 0.0 { 0.0 } else { f64::INFINITY };
    }
    ((v - x) / x).abs()
}

/// A tiny deterministic generator (SplitMix64) for reproducible samples without
/// pulling a random-number crate into the core.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform f64 in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A value with random sign and log2-magnitude uniform in [−span, span].
    pub fn log_uniform(&mut self, span: f64) -> f64 {
        let m = ((self.next_f64() * 2.0 - 1.0) * span).exp2();
        if self.next_u64() & 1 == 1 { -m } else { m }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_error_is_zero_on_exact_codes_and_infinite_on_sign_errors() {
        let f = Format::LNS16;
        let c = encode(f, 2.0, &mut ());
        assert_eq!(log_error_ulps(f, c, 2.0), 0.0);
        assert_eq!(log_error_ulps(f, c, -2.0), f64::INFINITY);
        assert_eq!(log_error_ulps(f, f.zero(), 0.0), 0.0);
        assert!((log_error_ulps(f, c, 2f64.powf(1.0 + 0.5 / 1024.0)) - 0.5).abs() < 1e-9);
    }
}
