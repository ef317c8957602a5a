//! The Burn ops traits of [`crate::Lns`], one file per trait.

mod activation;
mod bool;
pub(crate) mod float;
mod int;
mod module;
mod qtensor;
mod transaction;
