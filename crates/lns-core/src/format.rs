//! LNS formats: `(bits, frac)` and the meaning of a code.
//!
//! A code holds a sign `s` and a two's-complement fixed-point log magnitude `L`
//! with `frac` fractional bits; its value is `(−1)^s · 2^(L / 2^frac)`.
//! `L` has `bits − 1` bits, so `L ∈ [−2^(bits−2), 2^(bits−2) − 1]`; the most
//! negative `L` is reserved for zero.
//!
//! Packing: `code = 2·L + s` (the sign is the lowest bit), sign-extended into the
//! smallest of i8/i16/i32 that holds `bits` bits. Multiplication is then an add of
//! the codes with the low bits cleared, and the sign a xor of the low bits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{LnsError, Result};

/// The integer type that stores a format's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Storage {
    /// Formats of at most 8 bits.
    I8,
    /// Formats of 9 to 16 bits.
    I16,
    /// Formats of 17 to 32 bits.
    I32,
}

impl Storage {
    /// Bytes per stored code.
    pub const fn bytes(self) -> usize {
        match self {
            Storage::I8 => 1,
            Storage::I16 => 2,
            Storage::I32 => 4,
        }
    }
}

/// A validated LNS format: `bits` in total (including the sign), `frac` fractional
/// bits of the log2 magnitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "FormatSpec", into = "FormatSpec")]
pub struct Format {
    bits: u8,
    frac: u8,
}

/// The serialized form of a [`Format`], validated on the way in.
#[derive(Serialize, Deserialize)]
struct FormatSpec {
    bits: u32,
    frac: u32,
}

impl TryFrom<FormatSpec> for Format {
    type Error = LnsError;
    fn try_from(spec: FormatSpec) -> Result<Self> {
        Format::new(spec.bits, spec.frac)
    }
}

impl From<Format> for FormatSpec {
    fn from(f: Format) -> Self {
        FormatSpec {
            bits: f.bits(),
            frac: f.frac(),
        }
    }
}

impl Format {
    /// 16 bits with 10 fractional bits: 1 sign + Q5.10, the format of Sanyal, Beerel
    /// and Chugg (ICASSP 2020). Range 2^±16.
    pub const LNS16: Format = Format { bits: 16, frac: 10 };
    /// 12 bits with 6 fractional bits (1 sign + Q5.6, range 2^±32). Hamad et al. (2025)
    /// do not publish their integer/fraction split; this one keeps the dynamic range
    /// of the 16-bit preset so gradients do not flush. See [`Format::LNS12_F5`] and
    /// [`Format::LNS12_F7`] for the neighbours.
    pub const LNS12: Format = Format { bits: 12, frac: 6 };
    /// 12 bits, 1 sign + Q6.5: twice the range of [`Format::LNS12`], half the precision.
    pub const LNS12_F5: Format = Format { bits: 12, frac: 5 };
    /// 12 bits, 1 sign + Q4.7: range 2^±16, finer precision.
    pub const LNS12_F7: Format = Format { bits: 12, frac: 7 };
    /// 8 bits with 3 fractional bits (1 sign + Q4.3, range 2^±8).
    pub const LNS8: Format = Format { bits: 8, frac: 3 };
    /// 32 bits with 23 fractional bits: the high-precision reference (as xlns32).
    pub const LNS32: Format = Format { bits: 32, frac: 23 };

    /// Named presets, for parsing and listing.
    pub const PRESETS: [(&'static str, Format); 6] = [
        ("lns16", Format::LNS16),
        ("lns12", Format::LNS12),
        ("lns12f5", Format::LNS12_F5),
        ("lns12f7", Format::LNS12_F7),
        ("lns8", Format::LNS8),
        ("lns32", Format::LNS32),
    ];

    /// A format of `bits` total bits (4..=32) with `frac` fractional bits (0..=bits−2).
    ///
    /// # Errors
    /// [`LnsError::BadBits`] or [`LnsError::BadFrac`] for impossible formats.
    pub const fn new(bits: u32, frac: u32) -> Result<Format> {
        if bits < 4 || bits > 32 {
            return Err(LnsError::BadBits { bits });
        }
        if frac > bits - 2 {
            return Err(LnsError::BadFrac { bits, frac });
        }
        Ok(Format {
            bits: bits as u8,
            frac: frac as u8,
        })
    }

    /// A format known to be valid at compile time.
    ///
    /// # Panics
    /// If [`Format::new`] would reject it (at compile time in const contexts).
    pub const fn new_unchecked(bits: u32, frac: u32) -> Format {
        assert!(
            bits >= 4 && bits <= 32 && frac <= bits - 2,
            "invalid LNS format constant"
        );
        Format {
            bits: bits as u8,
            frac: frac as u8,
        }
    }

    /// Total bits including the sign.
    pub const fn bits(self) -> u32 {
        self.bits as u32
    }

    /// Fractional bits of the log magnitude.
    pub const fn frac(self) -> u32 {
        self.frac as u32
    }

    /// Code units per unit of log2: `2^frac`.
    pub const fn scale(self) -> i64 {
        1 << self.frac
    }

    /// The storage integer for this format.
    pub const fn storage(self) -> Storage {
        if self.bits <= 8 {
            Storage::I8
        } else if self.bits <= 16 {
            Storage::I16
        } else {
            Storage::I32
        }
    }

    /// The reserved log value that encodes zero: `−2^(bits−2)`.
    pub const fn log_zero(self) -> i32 {
        -(1i32 << (self.bits - 2))
    }

    /// Largest log value: `2^(bits−2) − 1`.
    pub const fn log_max(self) -> i32 {
        (1i32 << (self.bits - 2)) - 1
    }

    /// Smallest log value of a non-zero number: `−2^(bits−2) + 1`.
    pub const fn log_min(self) -> i32 {
        self.log_zero() + 1
    }

    /// The largest log difference of two non-zero numbers, `log_max − log_min =
    /// 2^(bits−1) − 2`: the largest `d` any Δ of the format is asked for.
    pub const fn largest_difference(self) -> u32 {
        (self.log_max() - self.log_min()) as u32
    }

    /// The code of zero (`2·log_zero`, sign 0).
    pub const fn zero(self) -> i32 {
        2 * self.log_zero()
    }

    /// The code of one (`L = 0`, sign 0).
    pub const fn one(self) -> i32 {
        0
    }

    /// Largest positive code: `+2^(log_max / 2^frac)`.
    pub const fn max_code(self) -> i32 {
        2 * self.log_max()
    }

    /// Smallest positive code: `+2^(log_min / 2^frac)`.
    pub const fn min_positive_code(self) -> i32 {
        2 * self.log_min()
    }

    /// Largest finite magnitude, `2^(log_max / 2^frac)`.
    pub fn max_value(self) -> f64 {
        (self.log_max() as f64 / self.scale() as f64).exp2()
    }

    /// Smallest non-zero magnitude, `2^(log_min / 2^frac)`.
    pub fn min_value(self) -> f64 {
        (self.log_min() as f64 / self.scale() as f64).exp2()
    }

    /// Every code of the format in ascending code order (zero once, both signs).
    /// Meant for exhaustive tests of small formats.
    pub fn all_codes(self) -> impl Iterator<Item = i32> {
        let zero = self.zero();
        (self.zero()..=self.max_code() + 1).filter(move |&c| c == zero || c >> 1 != zero >> 1)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.bits, self.frac)
    }
}

impl FromStr for Format {
    type Err = LnsError;

    /// Parses `BITS:FRAC` (e.g. `16:10`) or a preset name (`lns16`, `lns12`, `lns8`, …).
    fn from_str(text: &str) -> Result<Format> {
        let trimmed = text.trim();
        let parse_err = |why: &str| LnsError::Parse {
            text: text.to_string(),
            why: why.to_string(),
        };
        if let Some((_, f)) = Format::PRESETS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
        {
            return Ok(*f);
        }
        let (bits, frac) = trimmed.split_once(':').ok_or_else(|| {
            parse_err(
                "expected BITS:FRAC such as 16:10, or a preset name (lns16, lns12, lns8, lns32)",
            )
        })?;
        let bits: u32 = bits
            .trim()
            .parse()
            .map_err(|_| parse_err("BITS is not a non-negative integer"))?;
        let frac: u32 = frac
            .trim()
            .parse()
            .map_err(|_| parse_err("FRAC is not a non-negative integer"))?;
        Format::new(bits, frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_the_documented_ranges() {
        assert_eq!(Format::LNS16.log_max(), 16383);
        assert_eq!(Format::LNS16.zero(), i16::MIN as i32);
        assert_eq!(Format::LNS8.zero(), i8::MIN as i32);
        assert_eq!(Format::LNS32.zero(), i32::MIN);
        assert!((Format::LNS16.max_value() - 2f64.powf(16383.0 / 1024.0)).abs() < 1e-9);
        assert_eq!(Format::LNS12.storage(), Storage::I16);
    }

    #[test]
    fn impossible_formats_are_rejected_with_typed_errors() {
        assert_eq!(Format::new(3, 0), Err(LnsError::BadBits { bits: 3 }));
        assert_eq!(Format::new(33, 10), Err(LnsError::BadBits { bits: 33 }));
        assert_eq!(
            Format::new(8, 7),
            Err(LnsError::BadFrac { bits: 8, frac: 7 })
        );
        assert!(Format::new(32, 30).is_ok());
    }

    #[test]
    fn format_strings_parse_or_explain_why_not() {
        assert_eq!("16:10".parse::<Format>().unwrap(), Format::LNS16);
        assert_eq!("LNS8".parse::<Format>().unwrap(), Format::LNS8);
        let err = "16-10".parse::<Format>().unwrap_err().to_string();
        assert!(err.contains("BITS:FRAC"), "{err}");
        assert!(matches!(
            "12:11".parse::<Format>(),
            Err(LnsError::BadFrac { .. })
        ));
        assert!(matches!(
            "x:1".parse::<Format>(),
            Err(LnsError::Parse { .. })
        ));
    }

    #[test]
    fn all_codes_lists_each_value_once() {
        let f = Format::new(6, 2).unwrap();
        let codes: Vec<i32> = f.all_codes().collect();
        // 2^5 log values, one of them zero: 31 non-zero magnitudes × 2 signs + zero.
        assert_eq!(codes.len(), 63);
        assert_eq!(codes[0], f.zero());
    }

    #[test]
    fn formats_round_trip_through_serde_and_reject_bad_ones() {
        let json = serde_json_like(Format::LNS16);
        assert_eq!(json, (16, 10));
    }

    fn serde_json_like(f: Format) -> (u32, u32) {
        let spec: FormatSpec = f.into();
        (spec.bits, spec.frac)
    }
}
