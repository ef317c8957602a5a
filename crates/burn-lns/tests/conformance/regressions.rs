//! Bugs this suite found, each a named case with its decoded values.

use burn::tensor::{Int, Tensor, TensorData, TensorPrimitive};
use burn_lns::{Lns, LnsDevice};

fn floats<const D: usize>(t: Tensor<Lns, D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().unwrap()
}

/// `powi` with an int tensor of exponents went through Burn's default, `powf(x,
/// float(n))`: 3 became the code of 3 (2.9999968 in 16:10), not an integer, so a
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
/// to 2.9999968 (16:10) or 2.9999999 (32:23), and became 2. This broke Burn's default
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

/// `remainder` read its operands as decoded values: the code of 6 is 5.99773 in 16:10,
/// so `6 % 2` gave 1.99773 where Burn gives 0. Encoded integers now act as integers,
/// as in `floor` and `int`.
#[test]
fn remainder_of_encoded_integers_is_exact() {
    for device in [LnsDevice::lns16(), LnsDevice::lns32_ref()] {
        let a = Tensor::<Lns, 1>::from_floats([6.0, 12.0, 9.0, -6.0, -7.0], &device);
        let by_scalar = floats(a.clone().remainder_scalar(2.0));
        assert_eq!(by_scalar, vec![0.0, 0.0, 1.0, 0.0, 1.0], "{device:?}");
        let b = Tensor::<Lns, 1>::from_floats([2.0, 3.0, 3.0, -2.0, 3.0], &device);
        // −7 mod 3 takes the divisor's sign: 2.
        assert_eq!(
            floats(a.remainder(b)),
            vec![0.0, 0.0, 0.0, 0.0, 2.0],
            "{device:?}"
        );
    }
}

/// Attention rows whose every key is masked came out as the mean of V: Burn's fallback
/// masks with −∞, which LNS holds as −max, so the softmax of such a row was uniform
/// instead of 0. Causal attention with more queries than keys masks whole rows too.
#[test]
fn attention_rows_with_every_key_masked_are_zero() {
    use burn::tensor::Bool;
    use burn::tensor::module::attention;
    use burn::tensor::ops::AttentionModuleOptions;
    let device = LnsDevice::lns16();
    let q = Tensor::<Lns, 4>::from_floats([[[[1.0], [0.5], [2.0]]]], &device);
    let k = Tensor::<Lns, 4>::from_floats([[[[1.0], [2.0]]]], &device);
    let v = Tensor::<Lns, 4>::from_floats([[[[1.0, 2.0], [3.0, 4.0]]]], &device);
    // Row 1 masks both keys, rows 0 and 2 one each.
    let mask = Tensor::<Lns, 4, Bool>::from_bool(
        TensorData::new(vec![false, true, true, true, true, false], [1, 1, 3, 2]),
        &device,
    );
    let masked = attention(
        q.clone(),
        k.clone(),
        v.clone(),
        Some(mask),
        None,
        Default::default(),
    );
    let near = |got: &[f32], want: &[f32]| {
        got.len() == want.len() && got.iter().zip(want).all(|(g, w)| (g - w).abs() <= 1e-3)
    };
    let masked = floats(masked);
    assert!(near(&masked, &[1.0, 2.0, 0.0, 0.0, 3.0, 4.0]), "{masked:?}");
    // Causal, 3 queries on 2 keys: row 0 sees no key, row 1 the first, row 2 both.
    let causal = AttentionModuleOptions {
        is_causal: true,
        ..Default::default()
    };
    let out = floats(attention(q, k, v, None, None, causal));
    assert!(near(&out[..4], &[0.0, 0.0, 1.0, 2.0]), "{out:?}");
    assert!(
        out[4] > 1.0 && out[4] < 3.0 && out[5] > 2.0 && out[5] < 4.0,
        "{out:?}"
    );
}

/// A max-pool window that lies wholly in the padding (ceil mode) gave 0, above every
/// negative input, at index 0, and its gradient went to `x[0]`. It is now −∞ (−max)
/// at index −1, like burn-flex, and receives no gradient.
#[test]
fn max_pool_windows_without_taps_are_minus_max_and_take_no_gradient() {
    use burn::backend::Autodiff;
    use burn::tensor::module::max_pool2d_with_indices;
    type A = Autodiff<Lns>;
    let device = LnsDevice::lns16();
    let values: Vec<f32> = (0..25).map(|i| -1.0 - i as f32 / 8.0).collect();
    let x =
        Tensor::<A, 4>::from_data(TensorData::new(values, [1, 1, 5, 5]), &device).require_grad();
    // Kernel 2, stride 3, padding 1, ceil mode: the last row and column of windows start
    // at 5, past the input.
    let (y, idx) = max_pool2d_with_indices(x.clone(), [2, 2], [3, 3], [1, 1], [1, 1], true);
    let (y_vals, idx_vals) = (floats(y.clone().inner()), idx.clone().into_data());
    let idx_vals: Vec<i64> = idx_vals.iter::<i64>().collect();
    assert_eq!(y.dims(), [1, 1, 3, 3]);
    let max = device.arith().format().max_value() as f32;
    for (o, (v, i)) in y_vals.iter().zip(&idx_vals).enumerate() {
        let empty = o % 3 == 2 || o / 3 == 2;
        assert_eq!(*i < 0, empty, "output {o}: index {i}");
        if empty {
            assert!((*v + max).abs() <= max * 1e-3, "output {o}: {v}");
        }
    }
    let grads = y.sum().backward();
    let gx = floats(x.grad(&grads).unwrap());
    // The inputs fall with their index, so each of the four windows with taps sends 1
    // to its first tap; the five without taps send nothing (they used to add 5 at x[0]).
    let mut want = vec![0.0; 25];
    for i in [0, 2, 10, 12] {
        want[i] = 1.0;
    }
    assert_eq!(gx, want);
}

/// `powi_scalar` clamped an exponent beyond i32 to i32::MAX, which is odd: (−1)^(2^32)
/// gave −1.
#[test]
fn powi_scalar_beyond_i32_keeps_the_exponents_parity() {
    let device = LnsDevice::lns16();
    let x = Tensor::<Lns, 1>::from_floats([-1.0, 1.0, -1.0], &device);
    assert_eq!(
        floats(x.clone().powi_scalar(1i64 << 32)),
        vec![1.0, 1.0, 1.0]
    );
    assert_eq!(
        floats(x.powi_scalar((1i64 << 32) + 1)),
        vec![-1.0, 1.0, -1.0]
    );
}

/// `powf` decoded a tensor exponent, and the code of 3 is 2.9999968 (16:10), so
/// `(−2)^3` gave 0 (no real power: NaN policy) instead of −8. The gradient
/// `y·x^(y−1)` of Burn's autodiff hit it for every negative base with an integer `y`
/// (y − 1 = 3 for y = 4: the gradient at x = −0.5 was 0, not −0.5), and so did Float
/// `powi(tensor)`, which Burn maps to `powf`.
#[test]
fn powf_with_an_encoded_integer_exponent_keeps_negative_bases() {
    use burn::backend::Autodiff;
    for device in [LnsDevice::lns16(), LnsDevice::lns32_ref()] {
        let x = Tensor::<Autodiff<Lns>, 1>::from_floats([-2.0, -0.5, -4.0, -1.0], &device)
            .require_grad();
        let e = Tensor::<Autodiff<Lns>, 1>::from_floats([3.0, 4.0, -1.0, 7.0], &device);
        let y = x.clone().powf(e.clone());
        // (−2)³ = −8, (−0.5)⁴ = 0.0625, (−4)⁻¹ = −0.25, (−1)⁷ = −1: all exact.
        assert_eq!(
            floats(y.clone().inner()),
            vec![-8.0, 0.0625, -0.25, -1.0],
            "{device:?}"
        );
        assert_eq!(
            floats(x.clone().powi(e).inner()),
            vec![-8.0, 0.0625, -0.25, -1.0],
            "{device:?}"
        );
        // y·x^(y−1): 3·4 = 12, 4·(−0.125) = −0.5, −1·(1/16) = −0.0625, 7·1 = 7.
        let g = y.sum().backward();
        let gx = floats(x.grad(&g).unwrap());
        let want = [12.0f32, -0.5, -0.0625, 7.0];
        for (g, w) in gx.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-3 * w.abs(),
                "{device:?}: gradient {gx:?}, want {want:?}"
            );
        }
    }
}

/// Means and average pools divided by the count *encoded in the operand format*, which
/// saturates where the count exceeds the format's largest value: in 8:3 (largest
/// 2^7.875 = 234.75) the mean of 300 elements [117.4, 0, …] was 117.4/234.75 = 0.5
/// instead of 0.391, and a 16×16 global average pool divided by 234.75 instead of 256
/// (in 4:0, largest 8, so did every 3×3 pool). The count's log is now subtracted
/// unclamped: the result is in range whenever the sum is.
#[test]
fn means_and_average_pools_divide_by_counts_beyond_the_formats_range() {
    use burn::backend::Autodiff;
    use burn::tensor::module::{adaptive_avg_pool2d, avg_pool2d};
    for (spec, n, side) in [("lns8", 300, 16), ("4:0", 12, 3)] {
        let device: LnsDevice = spec.parse().unwrap();
        let big = (device.format().max_value() / 2.0) as f32;
        let mut v = vec![0f32; n];
        v[7] = big;
        let x = Tensor::<Lns, 1>::from_data(TensorData::new(v.clone(), [n]), &device);
        let sum = floats(x.clone().sum())[0] as f64;
        let within = |got: f32, want: f64, what: &str| {
            let step = (0.5 / device.format().scale() as f64).exp2();
            assert!(
                (got as f64) <= want * step && (got as f64) >= want / step,
                "{what} on {spec}: {got}, want {want}"
            );
        };
        within(floats(x.clone().mean())[0], sum / n as f64, "mean");
        let rows =
            Tensor::<Lns, 2>::from_data(TensorData::new([v.clone(), v].concat(), [2, n]), &device);
        for m in floats(rows.mean_dim(1)) {
            within(m, sum / n as f64, "mean_dim");
        }
        // One non-zero pixel in a side × side plane: every pool over the whole plane is
        // its value / side².
        let count = (side * side) as f64;
        let mut p = vec![0f32; side * side];
        p[side + 1] = big;
        let img = Tensor::<Lns, 4>::from_data(TensorData::new(p, [1, 1, side, side]), &device);
        let pooled = avg_pool2d(img.clone(), [side, side], [1, 1], [0, 0], true, false);
        within(floats(pooled.reshape([1]))[0], sum / count, "avg_pool2d");
        let gap = adaptive_avg_pool2d(img.clone(), [1, 1]);
        within(
            floats(gap.reshape([1]))[0],
            sum / count,
            "adaptive_avg_pool2d",
        );
        // The gradient of the pool shares the output gradient among side² inputs.
        let xg = Tensor::<Autodiff<Lns>, 4>::from_data(img.into_data(), &device).require_grad();
        let y = avg_pool2d(xg.clone(), [side, side], [1, 1], [0, 0], true, false);
        let g = y.mul_scalar(big).sum().backward();
        let grad = xg.grad(&g).unwrap().into_data().to_vec::<f32>().unwrap();
        let share = floats(Tensor::<Lns, 1>::from_floats([big], &device))[0] as f64 / count;
        within(grad[0], share, "avg_pool2d gradient");
    }
}
