//! # lns-core
//!
//! Packed logarithmic-number-system (LNS) arithmetic, bit-true and fast, with no
//! dependency on any deep-learning framework.
//!
//! A value is `(−1)^s · 2^(L / 2^frac)` with `L` a fixed-point integer ([`Format`]).
//! Multiplication adds logs; addition is `max(La, Lb) + Δ±(|La − Lb|)` with a
//! correction chosen at run time ([`DeltaKind`]: exact, table, piece-wise linear,
//! shift). [`Arith`] bundles a format, its Δ, the accumulator of dot products and
//! the conversion unit; [`kernels`] run dot products, GEMM, reductions and
//! elementwise ops in one canonical order so that every SIMD level and thread count
//! gives the same bits as the scalar reference in [`arith`].
//!
//! ```
//! use lns_core::{Arith, DeltaKind, Format};
//! let unit = Arith::new(Format::LNS16, DeltaKind::Lut);
//! let (a, b) = (unit.encode(1.5), unit.encode(2.0));
//! // Multiplication is exact: the product of the two codes is the code of 3.
//! assert_eq!(unit.mul(a, b), unit.encode(3.0));
//! // Addition rounds once, in the log domain.
//! let sum = unit.decode(unit.add(a, b));
//! assert!((sum.log2() - 3.5f64.log2()).abs() < 1.0 / 1024.0);
//! ```

pub mod arith;
pub mod code;
pub mod convert;
pub mod convunit;
pub mod cost;
pub mod delta;
pub mod error;
pub mod error_table;
pub mod fit;
pub mod format;
pub mod kernels;
pub mod reference;
pub mod tally;
pub mod trace;
mod unit;
pub mod vectors;

pub use code::CodeStorage;
pub use convunit::ConvUnit;
pub use delta::{Delta, DeltaFn, DeltaKind, PwlTable};
pub use error::{LnsError, Result};
pub use format::{Format, Storage};
pub use tally::{Counts, OpCounts};
pub use trace::OpSegment;
pub use unit::Arith;
