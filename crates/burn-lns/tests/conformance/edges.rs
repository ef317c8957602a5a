//! Quantized ops, transactions, device transfers, random sampling, and the deliberate
//! deviations of docs/ops.md, tested as documented.

use burn::tensor::backend::Backend;
use burn::tensor::quantization::QuantScheme;
use burn::tensor::{Distribution, Tensor, TensorData, Transaction};
use burn_lns::{Lns, LnsDevice};

use crate::common::{Tol, cases, o};

fn floats<const D: usize>(t: Tensor<Lns, D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().unwrap()
}

cases! {
    // quantize_dynamic decodes the codes exactly and uses burn-flex's quantizer;
    // dequantize encodes (one rounding). Ops on quantized tensors: layout ops move the
    // quantized bytes, arithmetic dequantizes first (Burn's defaults).
    quantize_dequantize: Tol::n(1.5) => |q, d| {
        let t = q.t::<B, 2>([4, 8], 1, d);
        let qt = t.clone().quantize_dynamic(&QuantScheme::default());
        vec![
            o("round_trip", qt.clone().dequantize()),
            o("reshape", qt.clone().reshape([8, 4]).dequantize()),
            o("transpose", qt.clone().transpose().dequantize()),
            o("permute_flip", qt.clone().reshape([2, 2, 8]).permute([2, 0, 1]).flip([1]).dequantize()),
            o("slice", qt.clone().slice([1..3, 2..8]).dequantize()),
            o("select", qt.clone().select(0, burn::tensor::Tensor::<B, 1, burn::tensor::Int>::from_data([3, 1], d)).dequantize()),
            o("expand", qt.clone().slice([0..1, 0..8]).expand([3, 8]).dequantize()),
        ]
    };
    quantized_arithmetic: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let t = q.t::<B, 2>([4, 8], 2, d).quantize_dynamic(&QuantScheme::default());
        let u = q.t::<B, 2>([4, 8], 3, d);
        vec![
            o("add", t.clone().dequantize() + u.clone()),
            o("mul_scalar", t.clone().dequantize().mul_scalar(0.5)),
            o("matmul", t.clone().dequantize().matmul(u.transpose())),
            o("sum_dim", t.dequantize().sum_dim(1)),
        ]
    };
}

#[test]
fn a_transaction_reads_every_tensor_like_into_data() {
    let d = LnsDevice::lns16();
    let a = Tensor::<Lns, 2>::from_floats([[1.0, -0.5], [0.25, 3.0]], &d);
    let i = a.clone().argmax(1);
    let b = a.clone().greater_elem(0.3);
    let [ta, ti, tb]: [TensorData; 3] = Transaction::default()
        .register(a.clone())
        .register(i.clone())
        .register(b.clone())
        .execute()
        .try_into()
        .unwrap();
    assert_eq!(ta, a.into_data());
    assert_eq!(ti, i.into_data());
    assert_eq!(tb, b.into_data());
}

#[test]
fn to_device_widens_exactly_and_narrows_by_rounding_with_counts() {
    let (d16, d32) = (LnsDevice::lns16(), LnsDevice::lns32_ref());
    let t16 = Tensor::<Lns, 1>::from_floats([1.5, -0.3, 7.0, 0.0], &d16);
    let wide = t16.clone().to_device(&d32);
    assert_eq!(wide.device(), d32);
    assert_eq!(
        floats(wide.clone()),
        floats(t16.clone()),
        "widening is exact"
    );
    assert_eq!(
        floats(wide.to_device(&d16)),
        floats(t16),
        "and undone exactly"
    );
    // 1e-7 is below 16:10's smallest magnitude: flushed, and counted.
    let d8 = LnsDevice::lns8();
    let tiny = Tensor::<Lns, 1>::from_floats([1e-7, 3.0], &d32);
    Lns::take_counts(&d8);
    let narrow = floats(tiny.to_device(&d8));
    assert_eq!(narrow[0], 0.0);
    assert!((narrow[1] - 3.0).abs() < 0.3);
    assert_eq!(Lns::take_counts(&d8).flushed, 1);
}

#[test]
fn random_tensors_follow_their_distribution() {
    let d = LnsDevice::lns16();
    Lns::seed(&d, 11);
    let n = 20_000f32;
    let u = floats(Tensor::<Lns, 1>::random(
        [20_000],
        Distribution::Uniform(-2.0, 3.0),
        &d,
    ));
    assert!(u.iter().all(|x| (-2.0..=3.0).contains(x)));
    let mean = u.iter().sum::<f32>() / n;
    assert!((mean - 0.5).abs() < 0.05, "uniform mean {mean}");
    let g = floats(Tensor::<Lns, 1>::random(
        [20_000],
        Distribution::Normal(1.0, 2.0),
        &d,
    ));
    let mean = g.iter().sum::<f32>() / n;
    let var = g.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n;
    assert!(
        (mean - 1.0).abs() < 0.06 && (var.sqrt() - 2.0).abs() < 0.06,
        "normal {mean} {var}"
    );
    let b = floats(Tensor::<Lns, 1>::random(
        [20_000],
        Distribution::Bernoulli(0.3),
        &d,
    ));
    assert!(b.iter().all(|x| *x == 0.0 || *x == 1.0));
    let p = b.iter().sum::<f32>() / n;
    assert!((p - 0.3).abs() < 0.02, "bernoulli {p}");
    let z = floats(Tensor::<Lns, 1>::random([64], Distribution::Default, &d));
    assert!(z.iter().all(|x| (0.0..=1.0).contains(x)));
}

/// docs/ops.md: LNS has no NaN/∞ codes; NaN inputs become 0, ±∞ saturate, and
/// `is_nan`/`is_inf` are always false.
#[test]
fn nan_and_infinity_inputs_follow_the_edge_policy() {
    let d = LnsDevice::lns16();
    let t = Tensor::<Lns, 1>::from_floats([f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0], &d);
    let v = floats(t.clone());
    assert_eq!(v[0], 0.0);
    let max = d.format().max_value() as f32;
    assert_eq!(v[1..], [max, -max, 1.0], "{v:?}");
    let none = TensorData::from([false, false, false, false]);
    assert_eq!(t.clone().is_nan().into_data(), none);
    assert_eq!(t.is_inf().into_data(), none);
}

/// docs/ops.md: division by zero saturates to ±max, `0/0` is 0 (counted as NaN), and
/// `log` of 0 saturates to −max.
#[test]
fn division_by_zero_and_log_of_zero_saturate() {
    let d = LnsDevice::lns16();
    let max = d.format().max_value() as f32;
    Lns::take_counts(&d);
    let num = Tensor::<Lns, 1>::from_floats([1.0, -2.0, 0.0], &d);
    let q = floats(num / Tensor::<Lns, 1>::zeros([3], &d));
    assert_eq!(q, vec![max, -max, 0.0]);
    let c = Lns::take_counts(&d);
    assert!(c.nan >= 1 && c.saturated >= 2, "{c:?}");
    let l = floats(Tensor::<Lns, 1>::zeros([1], &d).log());
    assert_eq!(l, vec![-max]);
}

/// docs/ops.md: a scalar is encoded before comparing, so the stored code of 0.3
/// equals 0.3 (burn-flex f32, holding the decoded value 0.29999..., says not equal).
#[test]
fn scalar_comparisons_use_the_scalars_code() {
    let d = LnsDevice::lns16();
    let t = Tensor::<Lns, 1>::from_floats([0.3], &d);
    assert_ne!(floats(t.clone())[0], 0.3f32);
    let bools = |b: Tensor<Lns, 1, burn::tensor::Bool>| b.into_data().to_vec::<bool>().unwrap();
    assert_eq!(bools(t.clone().equal_elem(0.3)), vec![true]);
    assert_eq!(bools(t.clone().greater_elem(0.3)), vec![false]);
    assert_eq!(bools(t.lower_elem(0.3)), vec![false]);
}

/// docs/ops.md: a nonzero scalar that the format flushes to zero lies strictly between
/// zero and the smallest code of its sign, and a NaN scalar compares false (`x >= 1e-6`
/// was true for zeros on lns16, `equal_elem(NaN)` true for zeros); ±∞ still stand for
/// ±max, which Burn's masking relies on.
#[test]
fn scalar_comparisons_keep_flushed_scalars_off_zero_and_nan_false() {
    let d = LnsDevice::lns16();
    let t = Tensor::<Lns, 1>::from_floats([0.0, 1e-3, -1e-3, 1.0], &d);
    let bools = |b: Tensor<Lns, 1, burn::tensor::Bool>| b.into_data().to_vec::<bool>().unwrap();
    let (tiny, f, tr) = (1e-6, false, true);
    assert_eq!(bools(t.clone().greater_elem(tiny)), [f, tr, f, tr]);
    assert_eq!(bools(t.clone().greater_equal_elem(tiny)), [f, tr, f, tr]);
    assert_eq!(bools(t.clone().lower_elem(tiny)), [tr, f, tr, f]);
    assert_eq!(bools(t.clone().lower_equal_elem(tiny)), [tr, f, tr, f]);
    assert_eq!(bools(t.clone().greater_elem(-tiny)), [tr, tr, f, tr]);
    assert_eq!(bools(t.clone().lower_equal_elem(-tiny)), [f, f, tr, f]);
    assert_eq!(bools(t.clone().equal_elem(tiny)), [f; 4]);
    assert_eq!(bools(t.clone().not_equal_elem(-tiny)), [tr; 4]);
    for nan in [f32::NAN, -f32::NAN] {
        assert_eq!(bools(t.clone().equal_elem(nan)), [f; 4]);
        assert_eq!(bools(t.clone().greater_equal_elem(nan)), [f; 4]);
        assert_eq!(bools(t.clone().lower_equal_elem(nan)), [f; 4]);
        assert_eq!(bools(t.clone().not_equal_elem(nan)), [tr; 4]);
    }
    let masked = Tensor::<Lns, 1>::from_floats([f32::NEG_INFINITY, 0.0], &d);
    assert_eq!(bools(masked.equal_elem(f32::NEG_INFINITY)), [tr, f]);
}

/// docs/ops.md: a float exponent tensor holds codes; one that encodes an integer is
/// that integer (3 is 2.9999968 in 16:10), any other gives a negative base no real
/// power (0, counted).
#[test]
fn powf_of_a_negative_base_needs_an_encoded_integer_exponent() {
    let d = LnsDevice::lns16();
    let x = Tensor::<Lns, 1>::from_floats([-2.0, -2.0, -2.0], &d);
    let e = Tensor::<Lns, 1>::from_floats([3.0, 2.5, 3.005], &d);
    assert_eq!(floats(x.powf(e)), vec![-8.0, 0.0, 0.0]);
    // Positive bases take any exponent: 2^2.5 = 5.65685 (one rounding).
    let p = floats(Tensor::<Lns, 1>::from_floats([2.0], &d).powf_scalar(2.5))[0];
    assert!((p - 5.656_854).abs() < 0.004, "{p}");
}
