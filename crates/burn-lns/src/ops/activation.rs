//! `ActivationOps` for [`Lns`].
//!
//! Burn's defaults are built from float ops and so compute in LNS; only `sigmoid` is
//! replaced, by the shorter LNS chain `1 / (1 + exp(−x))`: one conversion-unit `exp`,
//! one LNS addition and an exact reciprocal (Burn's default needs three
//! conversion-unit passes: `exp(−log(1 + exp(−x)))`).

use burn_backend::ops::{ActivationOps, FloatTensorOps};
use burn_backend::tensor::FloatTensor;

use crate::backend::Lns;

impl ActivationOps<Lns> for Lns {
    fn sigmoid(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        let e = Lns::float_exp(Lns::float_neg(tensor));
        Lns::float_recip(Lns::float_add_scalar(e, 1.0.into()))
    }
}
