//! `TransactionOps` for [`Lns`]: Burn's default (each tensor read in turn).

use burn_backend::ops::TransactionOps;

use crate::backend::Lns;

impl TransactionOps<Lns> for Lns {}
