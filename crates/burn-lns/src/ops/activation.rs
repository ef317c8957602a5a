//! `ActivationOps` for [`Lns`].
//!
//! Burn's defaults are built from float ops and so compute in LNS; only `sigmoid` is
//! replaced, by the shorter LNS chain `1 / (1 + exp(−x))`: one conversion-unit `exp`,
//! one LNS addition and an exact reciprocal (Burn's default needs three
//! conversion-unit passes: `exp(−log(1 + exp(−x)))`).
//!
//! `relu` and `relu_backward` test each code's sign in one parallel pass each, with the
//! same result and the same comparison count as Burn's defaults (`x ≤ 0` as a bool
//! tensor, then a `mask_fill`, whose burn-flex kernel runs on one thread; they also
//! encode the scalar 0 twice, which the sign test does not need).
//!
//! `gelu_backward` is replaced too: Burn's default differentiates the *tanh
//! approximation* of GELU while `gelu` itself (Burn's default) is the exact erf form, so
//! the gradient was off by the approximation error (about 1e-3 absolute, 1 % at
//! x ≈ −1.9); burn-flex differentiates the erf form, as here.

use burn_backend::ops::{ActivationOps, FloatTensorOps};
use burn_backend::tensor::FloatTensor;
use lns_core::arith;

use crate::backend::Lns;
use crate::kernels::{self, count_compares};

impl ActivationOps<Lns> for Lns {
    /// `x` where `x > 0`, else zero.
    fn relu(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        // The sign test: one comparison with zero per element.
        count_compares(&tensor);
        let fmt = tensor.format();
        kernels::map(&tensor, |c, _| {
            if arith::is_positive(fmt, c) {
                c
            } else {
                fmt.zero()
            }
        })
    }

    /// `grad` where `output > 0`, else zero.
    fn relu_backward(output: FloatTensor<Lns>, grad: FloatTensor<Lns>) -> FloatTensor<Lns> {
        count_compares(&output);
        let fmt = grad.format();
        kernels::zip(grad, output, |g, o, _| {
            if arith::is_positive(fmt, o) {
                g
            } else {
                fmt.zero()
            }
        })
    }

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

#[cfg(test)]
mod tests {
    use burn_backend::ops::FloatTensorOps;
    use burn_std::{BoolDType, FloatDType, Shape};

    use burn_backend::TensorMetadata;
    use lns_core::OpCounts;

    use super::*;
    use crate::device::LnsDevice;
    use crate::tensor::LnsTensor;

    /// Burn's default `relu`: `mask_fill(x, x ≤ 0, 0)`.
    fn default_relu(x: LnsTensor) -> LnsTensor {
        let mask = Lns::float_lower_equal_elem(x.clone(), 0f32.into(), BoolDType::Native);
        Lns::float_mask_fill(x, mask, 0f32.into())
    }

    /// Every code of `fmt` once, as a `[2, n/2]` tensor (`n` even), and its transpose.
    fn every_code(device: &LnsDevice) -> (LnsTensor, LnsTensor) {
        let mut codes: Vec<i32> = device.format().all_codes().collect();
        codes.truncate(codes.len() / 2 * 2);
        let half = codes.len() / 2;
        let t = LnsTensor::from_codes_i32(
            codes,
            Shape::from(vec![2, half]),
            device.clone(),
            FloatDType::F32,
        );
        let transposed = Lns::float_swap_dims(t.clone(), 0, 1);
        (t, transposed)
    }

    #[test]
    fn relu_and_its_backward_equal_burns_defaults_on_every_code_with_the_same_comparisons() {
        let device: LnsDevice = "8:3".parse().expect("a valid device string");
        let (x, xt) = every_code(&device);
        let (grad, _) = every_code(&device);
        let arith = device.arith();
        for input in [x.clone(), xt.clone()] {
            arith.take_op_counts();
            let expected = default_relu(input.clone());
            let default_counts = arith.take_op_counts();
            let got = Lns::relu(input);
            assert_eq!(got.codes(), expected.codes());
            // The defaults also encode the scalar 0 twice; the sign test needs no scalar.
            let counts = arith.take_op_counts();
            assert_eq!(counts.compare, default_counts.compare);
            assert_eq!(
                OpCounts {
                    convert: 2,
                    ..counts
                },
                default_counts,
                "only the two scalar conversions differ"
            );
        }
        // The backward of a relu output: grad where the output is positive. The output
        // is read through a transposed view, the gradient contiguous.
        let output = Lns::float_swap_dims(Lns::relu(xt), 0, 1);
        let mask = Lns::float_lower_equal_elem(output.clone(), 0f32.into(), BoolDType::Native);
        arith.take_op_counts();
        let expected = Lns::float_mask_fill(grad.clone(), mask, 0f32.into());
        let got = Lns::relu_backward(output, grad.clone());
        assert_eq!(got.codes(), expected.codes());
        let zero = device.format().zero();
        let kept = got.codes().iter().filter(|&&c| c != zero).count();
        assert!(
            kept > 0 && kept < got.codes().len(),
            "some gradients pass, some stop"
        );
        assert_eq!(
            arith.take_op_counts().compare,
            x.shape().num_elements() as u64,
            "one sign test per element"
        );
    }
}
