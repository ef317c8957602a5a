//! `ActivationOps` for [`Lns`].
//!
//! Burn's defaults are built from float ops and so compute in LNS; only `sigmoid` is
//! replaced, by the shorter LNS chain `1 / (1 + exp(−x))`: one conversion-unit `exp`,
//! one LNS addition and an exact reciprocal (Burn's default needs three
//! conversion-unit passes: `exp(−log(1 + exp(−x)))`).
//!
//! `gelu_backward` is replaced too: Burn's default differentiates the *tanh
//! approximation* of GELU while `gelu` itself (Burn's default) is the exact erf form, so
//! the gradient was off by the approximation error (about 1e-3 absolute, 1 % at
//! x ≈ −1.9); burn-flex differentiates the erf form, as here.

use burn_backend::ops::{ActivationOps, FloatTensorOps};
use burn_backend::tensor::FloatTensor;

use crate::backend::Lns;

impl ActivationOps<Lns> for Lns {
    /// `grad · (Φ(x) + x·φ(x))` with `Φ(x) = ½(1 + erf(x/√2))` and
    /// `φ(x) = exp(−x²/2)/√(2π)`: LNS products and sums, `erf` and `exp` through the
    /// conversion unit.
    fn gelu_backward(x: FloatTensor<Lns>, grad: FloatTensor<Lns>) -> FloatTensor<Lns> {
        let cdf = Lns::float_mul_scalar(
            Lns::float_add_scalar(
                Lns::float_erf(Lns::float_mul_scalar(
                    x.clone(),
                    std::f64::consts::FRAC_1_SQRT_2.into(),
                )),
                1.0.into(),
            ),
            0.5.into(),
        );
        let x2 = Lns::float_powi_scalar(x.clone(), 2.into());
        let pdf = Lns::float_mul_scalar(
            Lns::float_exp(Lns::float_mul_scalar(x2, (-0.5).into())),
            (0.5 * std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2).into(),
        );
        let dy = Lns::float_add(cdf, Lns::float_mul(x, pdf));
        Lns::float_mul(dy, grad)
    }

    fn sigmoid(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        let e = Lns::float_exp(Lns::float_neg(tensor));
        Lns::float_recip(Lns::float_add_scalar(e, 1.0.into()))
    }
}
