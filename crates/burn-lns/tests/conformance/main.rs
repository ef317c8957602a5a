//! The conformance suite of the `Lns` backend, in the spirit of Burn's
//! `burn-backend-tests`: every op of every ops trait run on the 32:23 exact-Δ preset and
//! on the 16:10 table preset, cross-checked against burn-flex f32 (`docs/conformance.md`
//! lists each op, how it is tested and its tolerance).

mod backward;
mod bit_true;
mod code_checks;
mod common;
mod ctc;
mod deform;
mod edges;
mod float;
mod float_backward;
mod formats;
mod int_bool;
mod layout;
mod module;
mod quantized;
mod regressions;
