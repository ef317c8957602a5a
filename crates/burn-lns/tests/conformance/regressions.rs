//! Bugs this suite found, each a named case with its decoded values.

use burn::tensor::{Int, Tensor, TensorData, TensorPrimitive};
use burn_lns::{Lns, LnsDevice};

fn floats<const D: usize>(t: Tensor<Lns, D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().unwrap()
}

/// `powi` with an int tensor of exponents went through Burn's default, `powf(x,
/// float(n))`: 3 became the code of 3 (2.99886 in 16:10), not an integer, so a
/// negative base gave 0 (NaN policy) instead of x³.
#[test]
fn powi_with_int_exponents_keeps_negative_bases() {
    for device in [LnsDevice::lns16(), LnsDevice::lns32_ref()] {
        let x = Tensor::<Lns, 1>::from_floats([-2.0, -0.5, -2.0, 4.0, -1.0], &device);
        let n = Tensor::<Lns, 1, Int>::from_ints([3, 3, 2, -1, 7], &device);
        let y = Tensor::<Lns, 1>::from_primitive(TensorPrimitive::Float(
            <Lns as burn::tensor::ops::FloatTensorOps<Lns>>::float_powi(
                x.into_primitive().tensor(),
                n.into_primitive(),
            ),
        ));
        // (−2)³ = −8, (−0.5)³ = −0.125, (−2)² = 4, 4⁻¹ = 0.25, (−1)⁷ = −1: all exact.
        assert_eq!(floats(y), vec![-8.0, -0.125, 4.0, 0.25, -1.0], "{device:?}");
    }
}

/// `into_int` truncated the decoded value: floor(3.2) is the code of 3, which decodes
/// to 2.99886 (16:10) or 2.9999999 (32:23), and became 2. This broke Burn's default
/// grid_sample_2d (index = floor(coordinate).int()).
#[test]
fn into_int_of_an_encoded_integer_is_that_integer() {
    for device in [LnsDevice::lns16(), LnsDevice::lns32_ref()] {
        let x = Tensor::<Lns, 1>::from_floats([3.2, -3.2, 5.9, 6.0, -7.0, 100.0], &device);
        let f = x.clone().floor().int().into_data();
        assert_eq!(
            f.iter::<i64>().collect::<Vec<_>>(),
            vec![3, -4, 5, 6, -7, 100],
            "{device:?}"
        );
        // Non-integers still truncate toward zero.
        let t = x.int().into_data();
        assert_eq!(
            t.iter::<i64>().collect::<Vec<_>>(),
            vec![3, -3, 5, 6, -7, 100],
            "{device:?}"
        );
        // int → float → int round-trips every small integer.
        let ints: Vec<i64> = (-300..300).collect();
        let back = Tensor::<Lns, 1, Int>::from_data(TensorData::new(ints.clone(), [600]), &device)
            .float()
            .int()
            .into_data();
        assert_eq!(back.iter::<i64>().collect::<Vec<_>>(), ints, "{device:?}");
    }
}

/// `gelu_backward` was Burn's default, the derivative of GELU's *tanh approximation*,
/// while the forward `gelu` is the erf form: at x = −1.9423 it gave 0.071321 instead
/// of Φ(x) + x·φ(x) = 0.070662 (1 % off; burn-flex differentiates the erf form).
#[test]
fn gelu_gradient_is_the_derivative_of_the_erf_gelu() {
    use burn::backend::Autodiff;
    let device = LnsDevice::lns32_ref();
    let xs = [-1.9423313f64, -0.7, 0.0, 0.4, 2.5];
    let x = Tensor::<Autodiff<Lns>, 1>::from_floats(xs.map(|v| v as f32), &device).require_grad();
    let g = burn::tensor::activation::gelu(x.clone()).sum().backward();
    let got = x.grad(&g).unwrap().into_data().to_vec::<f32>().unwrap();
    for (x, g) in xs.iter().zip(got) {
        let cdf = 0.5 * (1.0 + libm_erf(x / std::f64::consts::SQRT_2));
        let pdf = (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let want = cdf + x * pdf;
        assert!(
            (g as f64 - want).abs() < 1e-6,
            "x = {x}: gradient {g}, want {want}"
        );
    }
}

/// erf by its Maclaurin series (|x| ≤ 2 here; 40 terms are far below f32 precision).
fn libm_erf(x: f64) -> f64 {
    let mut term = x;
    let mut sum = x;
    for n in 1..40 {
        term *= -x * x / n as f64;
        sum += term / (2 * n + 1) as f64;
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}
