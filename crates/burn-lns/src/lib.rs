//! # burn-lns
//!
//! A [Burn](https://burn.dev) 0.21 backend that stores every float tensor as packed
//! logarithmic-number-system codes and computes every float op in LNS arithmetic
//! (through [`lns_core`]). Change the backend type of an existing model —
//! `Autodiff<NdArray>` → `Autodiff<Lns>` — and it trains in LNS.
//!
//! - [`LnsDevice`] is the arithmetic configuration (format, Δ strategy, accumulator);
//!   parse one from `lns16`, `12:6:pwl`, `16:10:lut:acc=20:14`, …
//! - Conversions to and from binary floating point happen only at the edges
//!   (`from_data`/`into_data`); NaN inputs become zero and ±∞ saturate, all counted
//!   ([`Lns::counts`]).
//! - `docs/ops.md` lists how each op is computed; `ARCHITECTURE.md` the choices.

mod backend;
mod device;
mod kernels;
mod ops;
mod strided;
mod tensor;

pub use backend::Lns;
pub use device::{CustomPwl, LnsConfig, LnsDevice, PwlSource};
pub use lns_core::{Counts, DeltaKind, Format};
pub use tensor::{LnsPlainTensor, LnsQTensor, LnsTensor};
