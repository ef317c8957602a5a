//! Typed errors for everything in this crate that takes user input.

use thiserror::Error;

/// Why a format, a value or a table could not be used.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum LnsError {
    /// `bits` outside 4..=32.
    #[error("invalid LNS format: {bits} bits (supported: 4..=32 including the sign bit)")]
    BadBits {
        /// The rejected total width.
        bits: u32,
    },
    /// `frac` larger than `bits − 2` (one sign bit, at least one integer bit).
    #[error("invalid LNS format: {frac} fractional bits do not fit in {bits} bits (at most {})", bits.saturating_sub(2))]
    BadFrac {
        /// The total width.
        bits: u32,
        /// The rejected fractional width.
        frac: u32,
    },
    /// Text that does not name a format, strategy or other setting (`why` says which).
    #[error("cannot parse {text:?}: {why}")]
    Parse {
        /// The rejected text.
        text: String,
        /// What was wrong with it.
        why: String,
    },
    /// NaN or ±∞ handed to a checked conversion.
    #[error("cannot encode {value} as an LNS code: not a finite number")]
    NotFinite {
        /// The rejected value.
        value: f64,
    },
    /// A piece-wise-linear table that does not cover its domain.
    #[error("invalid PWL table: {0}")]
    BadPwl(String),
    /// Operand lengths or shapes that do not agree.
    #[error("shape mismatch: {0}")]
    Shape(String),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, LnsError>;
