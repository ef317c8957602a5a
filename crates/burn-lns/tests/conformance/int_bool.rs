//! Int and bool ops (`IntTensorOps`, `BoolTensorOps`) against burn-flex, exactly. They
//! forward to burn-flex, so these cases check the forwarding, the device tags and the
//! conversions into LNS floats (`int_into_float`, `bool_into_float`).

use burn::tensor::backend::Backend;
use burn::tensor::{Bool, IndexingUpdateOp, Int, Tensor, TensorData};

use burn_lns::{DeltaKind, Format, Lns, LnsConfig, LnsDevice};

use crate::common::{Rng, Tol, cases, o};

fn ints<B: Backend, const D: usize>(
    shape: [usize; D],
    seed: u64,
    lo: i64,
    hi: i64,
    d: &B::Device,
) -> Tensor<B, D, Int> {
    let n: usize = shape.iter().product();
    let mut rng = Rng::new(seed);
    let v: Vec<i64> = (0..n)
        .map(|_| lo + rng.below((hi - lo) as usize) as i64)
        .collect();
    Tensor::from_data(TensorData::new(v, shape), d)
}

fn bools<B: Backend, const D: usize>(
    shape: [usize; D],
    seed: u64,
    d: &B::Device,
) -> Tensor<B, D, Bool> {
    let n: usize = shape.iter().product();
    let mut rng = Rng::new(seed);
    let v: Vec<bool> = (0..n).map(|_| rng.below(2) == 1).collect();
    Tensor::from_data(TensorData::new(v, shape), d)
}

fn ie<B: Backend>(v: i64) -> B::IntElem {
    burn::tensor::ElementConversion::elem(v)
}

cases! {
    int_creation: Tol::EXACT => |_q, d| vec![
        o("zeros", Tensor::<B, 2, Int>::zeros([2, 3], d)),
        o("ones", Tensor::<B, 2, Int>::ones([2, 3], d)),
        o("full", Tensor::<B, 2, Int>::full([2, 3], -7, d)),
        o("arange", Tensor::<B, 1, Int>::arange(-3..5, d)),
        o("arange_step", Tensor::<B, 1, Int>::arange_step(0..11, 3, d)),
        o("from_data", ints::<B, 2>([3, 4], 1, -50, 50, d)),
    ];
    int_arithmetic: Tol::EXACT => |_q, d| {
        let a = ints::<B, 2>([4, 5], 2, -20, 20, d);
        let b = ints::<B, 2>([4, 5], 3, 1, 9, d);
        let row = ints::<B, 2>([1, 5], 4, -5, 5, d);
        vec![
            o("add", a.clone() + b.clone()), o("add_broadcast", a.clone() + row.clone()),
            o("sub", a.clone() - b.clone()), o("mul", a.clone() * b.clone()),
            o("div", a.clone() / b.clone()), o("remainder", a.clone().remainder(b.clone())),
            o("add_scalar", a.clone().add_scalar(3)), o("sub_scalar", a.clone().sub_scalar(3)),
            o("mul_scalar", a.clone().mul_scalar(-2)), o("div_scalar", a.clone().div_scalar(3)),
            o("remainder_scalar", a.clone().remainder_scalar(4)),
            o("neg", -a.clone()), o("abs", a.clone().abs()), o("sign", a.clone().sign()),
            o("powi", b.clone().powi(Tensor::<B, 2, Int>::full([4, 5], 2, d))),
            o("powi_scalar", b.clone().powi_scalar(3)),
            o("clamp", a.clone().clamp(-5, 7)), o("clamp_min", a.clone().clamp_min(0)), o("clamp_max", a.clone().clamp_max(2)),
            o("matmul", a.clone().matmul(b.clone().transpose())),
            o("transposed_add", a.clone().transpose() + b.clone().transpose()),
        ]
    };
    int_reductions: Tol::EXACT => |_q, d| {
        let a = ints::<B, 2>([4, 5], 5, -9, 9, d);
        let (mxv, mxi) = a.clone().max_dim_with_indices(1);
        let (mnv, mni) = a.clone().min_dim_with_indices(0);
        vec![
            o("sum", a.clone().sum()), o("sum_dim", a.clone().sum_dim(1)),
            o("prod", a.clone().slice([0..1, 0..4]).clamp(1, 3).prod()), o("prod_dim", a.clone().clamp(-2, 2).prod_dim(0)),
            o("mean", a.clone().mean()), o("mean_dim", a.clone().mean_dim(1)),
            o("max", a.clone().max()), o("min", a.clone().min()), o("max_dim", a.clone().max_dim(0)), o("min_dim", a.clone().min_dim(1)),
            o("max_abs", a.clone().max_abs()), o("max_abs_dim", a.clone().max_abs_dim(1)),
            o("max_values", mxv), o("max_indices", mxi), o("min_values", mnv), o("min_indices", mni),
            o("argmax", a.clone().argmax(1)), o("argmin", a.clone().argmin(0)),
            o("cumsum", a.clone().cumsum(1)), o("cumprod", a.clone().clamp(-2, 2).cumprod(0)),
            o("cummin", a.clone().cummin(1)), o("cummax", a.clone().cummax(0)),
            o("any", a.clone().any()), o("all", a.clone().all()), o("any_dim", a.clone().any_dim(1)), o("all_dim", a.clone().all_dim(0)),
        ]
    };
    int_sorting: Tol::EXACT => |_q, d| {
        let a = ints::<B, 2>([4, 6], 6, -3, 3, d);
        let (sv, si) = a.clone().sort_with_indices(1);
        vec![
            o("sort", a.clone().sort(1)), o("sort_desc", a.clone().sort_descending(0)),
            o("sort_values", sv), o("sort_indices", si),
            o("argsort", a.clone().argsort(1)),
            o("topk", a.clone().topk(2, 1)),
        ]
    };
    int_comparisons: Tol::EXACT => |_q, d| {
        let a = ints::<B, 2>([4, 5], 7, -3, 3, d);
        let b = ints::<B, 2>([4, 5], 8, -3, 3, d);
        vec![
            o("equal", a.clone().equal(b.clone())), o("not_equal", a.clone().not_equal(b.clone())),
            o("greater", a.clone().greater(b.clone())), o("greater_equal", a.clone().greater_equal(b.clone())),
            o("lower", a.clone().lower(b.clone())), o("lower_equal", a.clone().lower_equal(b.clone())),
            o("equal_elem", a.clone().equal_elem(1)), o("not_equal_elem", a.clone().not_equal_elem(1)),
            o("greater_elem", a.clone().greater_elem(0)), o("greater_equal_elem", a.clone().greater_equal_elem(0)),
            o("lower_elem", a.clone().lower_elem(0)), o("lower_equal_elem", a.clone().lower_equal_elem(0)),
        ]
    };
    int_layout_and_indexing: Tol::EXACT => |_q, d| {
        let a = ints::<B, 3>([2, 3, 4], 9, -50, 50, d);
        let b = ints::<B, 3>([2, 3, 4], 10, -50, 50, d);
        let idx = ints::<B, 3>([2, 3, 4], 11, 0, 4, d);
        let mask = bools::<B, 3>([2, 3, 4], 12, d);
        vec![
            o("reshape", a.clone().reshape([6, 4])), o("slice", a.clone().slice([0..2, 1..3, 0..2])),
            o("slice_assign", a.clone().slice_assign([0..1, 0..2, 0..2], b.clone().slice([1..2, 1..3, 2..4]))),
            o("permute", a.clone().permute([2, 0, 1])), o("swap_dims", a.clone().swap_dims(0, 1)), o("transpose", a.clone().transpose()),
            o("flip", a.clone().flip([1])), o("expand", a.clone().slice([0..1, 0..3, 0..4]).expand([3, 3, 4])),
            o("gather", a.clone().gather(2, idx.clone())),
            o("scatter_add", a.clone().scatter(2, idx.clone(), b.clone(), IndexingUpdateOp::Add)),
            o("select", a.clone().select(1, Tensor::<B, 1, Int>::from_data([2, 2, 0], d))),
            o("select_add", a.clone().select_assign(1, Tensor::<B, 1, Int>::from_data([2, 2, 0], d), b.clone(), IndexingUpdateOp::Add)),
            o("gather_nd", a.clone().gather_nd::<2, 2>(Tensor::<B, 2, Int>::from_data([[1, 2], [0, 1]], d))),
            o("scatter_nd_add", a.clone().scatter_nd::<2, 2>(Tensor::<B, 2, Int>::from_data([[1, 2], [1, 2]], d), b.clone().slice([0..2, 0..1, 0..4]).reshape([2, 4]), IndexingUpdateOp::Add)),
            o("cat", Tensor::cat(vec![a.clone(), b.clone()], 2)), o("repeat_dim", a.clone().repeat_dim(0, 2)),
            o("mask_where", a.clone().mask_where(mask.clone(), b.clone())), o("mask_fill", a.clone().mask_fill(mask, 9)),
            o("unfold", a.clone().unfold::<4, usize>(2, 3, 1)),
        ]
    };
    int_bitwise: Tol::EXACT => |_q, d| {
        let a = ints::<B, 2>([3, 4], 13, 0, 1000, d);
        let b = ints::<B, 2>([3, 4], 14, 0, 1000, d);
        let s = ints::<B, 2>([3, 4], 15, 0, 5, d);
        vec![
            o("and", a.clone().bitwise_and(b.clone())), o("or", a.clone().bitwise_or(b.clone())), o("xor", a.clone().bitwise_xor(b.clone())),
            o("and_scalar", a.clone().bitwise_and_scalar(ie::<B>(0x55))), o("or_scalar", a.clone().bitwise_or_scalar(ie::<B>(3))), o("xor_scalar", a.clone().bitwise_xor_scalar(ie::<B>(7))),
            o("not", a.clone().bitwise_not()),
            o("left_shift", a.clone().bitwise_left_shift(s.clone())), o("right_shift", a.clone().bitwise_right_shift(s)),
            o("left_shift_scalar", a.clone().bitwise_left_shift_scalar(ie::<B>(2))), o("right_shift_scalar", a.bitwise_right_shift_scalar(ie::<B>(3))),
        ]
    };
    int_cast_and_into_float: Tol::EXACT => |_q, d| {
        let a = ints::<B, 2>([3, 4], 16, -8, 9, d);
        vec![
            o("cast_i64", a.clone().cast(burn::tensor::DType::I64)),
            o("cast_i8", a.clone().cast(burn::tensor::DType::I8)),
            o("powers_of_two_into_float", Tensor::<B, 1, Int>::from_data([1, 2, -4, 0, 8, -1], d).float()),
            o("back_to_int", a.float().int()),
        ]
    };
    bool_ops: Tol::EXACT => |_q, d| {
        let a = bools::<B, 3>([2, 3, 4], 17, d);
        let b = bools::<B, 3>([2, 3, 4], 18, d);
        let idx = ints::<B, 3>([2, 3, 4], 19, 0, 4, d);
        vec![
            o("from_data", a.clone()),
            o("zeros", Tensor::<B, 2, Bool>::empty([2, 2], d).bool_and(Tensor::<B, 2, Bool>::from_data([[false, false], [false, false]], d))),
            o("not", a.clone().bool_not()), o("and", a.clone().bool_and(b.clone())), o("or", a.clone().bool_or(b.clone())), o("xor", a.clone().bool_xor(b.clone())),
            o("equal", a.clone().equal(b.clone())), o("not_equal", a.clone().not_equal(b.clone())),
            o("equal_elem", a.clone().equal_elem(true)), o("not_equal_elem", a.clone().not_equal_elem(true)),
            o("any", a.clone().any()), o("all", a.clone().all()), o("any_dim", a.clone().any_dim(2)), o("all_dim", a.clone().all_dim(1)),
            o("into_int", a.clone().int()), o("into_float", a.clone().float()),
            o("reshape", a.clone().reshape([4, 6])), o("slice", a.clone().slice([0..1, 1..3, 0..4])),
            o("slice_assign", a.clone().slice_assign([0..1, 0..1, 0..4], b.clone().slice([1..2, 2..3, 0..4]))),
            o("permute", a.clone().permute([1, 2, 0])), o("swap_dims", a.clone().swap_dims(1, 2)), o("transpose", a.clone().transpose()),
            o("flip", a.clone().flip([2])), o("expand", a.clone().slice([0..1, 0..3, 0..4]).expand([2, 3, 4])),
            o("gather", a.clone().gather(2, idx.clone())),
            o("select", a.clone().select(2, Tensor::<B, 1, Int>::from_data([3, 0], d))),
            o("cat", Tensor::cat(vec![a.clone(), b.clone()], 0)), o("repeat_dim", a.clone().repeat_dim(2, 2)),
            o("mask_where", a.clone().mask_where(b.clone(), a.clone().bool_not())), o("mask_fill", a.clone().mask_fill(b.clone(), true)),
            o("argwhere", a.clone().argwhere()),
            o("unfold", a.clone().unfold::<4, usize>(2, 2, 2)),
        ]
    };
}

fn int_vec<B: Backend, const D: usize>(
    v: Vec<i64>,
    shape: [usize; D],
    d: &B::Device,
) -> Tensor<B, D, Int> {
    Tensor::from_data(TensorData::new(v, shape), d)
}

// Edge cases of the int ops (forwarded to burn-flex, so equal by construction; these
// pin the forwarding of every argument) and of the conversions that are our own.
// Integer division by zero panics in burn-flex (Rust's `/`) and so here: not tested.
cases! {
    int_signed_division_and_remainder: Tol::EXACT => |_q, d| {
        let a = int_vec::<B, 1>(vec![-7, 7, -7, 7, -1, 0, 6, -6, i64::from(i32::MAX), i64::from(i32::MIN) + 1], [10], d);
        let b = int_vec::<B, 1>(vec![2, -2, -2, 2, 3, -5, 3, 3, -2, 7], [10], d);
        vec![
            o("div", a.clone() / b.clone()), o("remainder", a.clone().remainder(b.clone())),
            o("div_scalar_neg", a.clone().div_scalar(-3)), o("remainder_scalar_neg", a.clone().remainder_scalar(-3)),
            o("remainder_scalar", a.clone().remainder_scalar(3)),
            o("neg", -a.clone()), o("abs", a.clone().abs()), o("sign", a.sign()),
        ]
    };
    int_wrapping_overflow_and_powers: Tol::EXACT => |_q, d| {
        let big = int_vec::<B, 1>(vec![i64::from(i32::MAX), i64::from(i32::MIN), 1 << 30, -(1 << 30)], [4], d);
        let base = int_vec::<B, 1>(vec![-2, 3, 0, -1, 2, 10], [6], d);
        let exp = int_vec::<B, 1>(vec![3, 0, 0, 7, 30, 19], [6], d);
        vec![
            o("mul_overflow", big.clone().mul_scalar(2)), o("add_overflow", big.clone() + big.clone()),
            o("sum_overflow", big.clone().sum()), o("cumsum_overflow", big.clone().cumsum(0)),
            o("cumprod", base.clone().cumprod(0)), o("prod", base.clone().prod()),
            o("powi", base.clone().powi(exp)), o("powi_scalar_odd", base.clone().powi_scalar(3)),
            o("powi_scalar_zero", base.clone().powi_scalar(0)), o("powi_scalar_big", base.powi_scalar(40)),
        ]
    };
    int_bitwise_negatives_and_shifts: Tol::EXACT => |_q, d| {
        let a = int_vec::<B, 1>(vec![-1, -8, 5, i64::from(i32::MIN), i64::from(i32::MAX), 0, -123456789], [7], d);
        let b = int_vec::<B, 1>(vec![3, -3, -1, 1, -1, -7, 0x0F0F], [7], d);
        let s = int_vec::<B, 1>(vec![0, 1, 3, 31, 1, 5, 30], [7], d);
        vec![
            o("and", a.clone().bitwise_and(b.clone())), o("or", a.clone().bitwise_or(b.clone())),
            o("xor", a.clone().bitwise_xor(b)), o("not", a.clone().bitwise_not()),
            o("and_scalar_neg", a.clone().bitwise_and_scalar(ie::<B>(-4))),
            o("left_shift", a.clone().bitwise_left_shift(s.clone())), o("right_shift_arith", a.clone().bitwise_right_shift(s)),
            o("right_shift_scalar", a.clone().bitwise_right_shift_scalar(ie::<B>(2))),
            o("left_shift_scalar", a.bitwise_left_shift_scalar(ie::<B>(31))),
        ]
    };
    // Ties: argmax/argmin and max/min_dim indices take the first; sorts are stable
    // (ascending and descending keep index order among equals). (burn-flex 0.21 does not
    // implement `int_argtopk`.)
    int_ties_and_stability: Tol::EXACT => |_q, d| {
        let a = int_vec::<B, 2>(vec![3, 1, 3, 1, 2, 2, 0, 0, 0, 5, 5, 5], [2, 6], d);
        let (sv, si) = a.clone().sort_with_indices(1);
        let (dv, di) = a.clone().sort_descending_with_indices(1);
        vec![
            o("argmax", a.clone().argmax(1)), o("argmin", a.clone().argmin(1)),
            o("max_dim_indices", a.clone().max_dim_with_indices(1).1), o("min_dim_indices", a.clone().min_dim_with_indices(1).1),
            o("sort", sv), o("sort_indices", si), o("sort_desc", dv), o("sort_desc_indices", di),
            o("argsort_desc", a.clone().argsort_descending(1)), o("topk", a.topk(4, 1)),
        ]
    };
    float_ties_and_stability: Tol::EXACT => |q, d| {
        let a = q.of::<B, 2>(vec![0.5, -1.0, 0.5, -1.0, 2.0, 2.0, 0.0, 0.0, 0.0, 3.0, -3.0, 3.0], [2, 6], d);
        let (sv, si) = a.clone().sort_with_indices(1);
        let (dv, di) = a.clone().sort_descending_with_indices(1);
        vec![
            o("argmax", a.clone().argmax(1)), o("argmin", a.clone().argmin(1)),
            o("max_dim_indices", a.clone().max_dim_with_indices(1).1), o("min_dim_indices", a.clone().min_dim_with_indices(1).1),
            o("sort", sv), o("sort_indices", si), o("sort_desc", dv), o("sort_desc_indices", di),
            o("argsort_desc", a.clone().argsort_descending(1)), o("argsort", a.clone().argsort(0)),
            o("topk", a.topk(4, 1)),
        ]
    };
    // Bool ops and conversions of views (offsets, strides, broadcasts).
    bool_ops_on_views: Tol::EXACT => |_q, d| {
        let a = bools::<B, 2>([4, 6], 21, d);
        let b = bools::<B, 2>([6, 4], 22, d).transpose();
        let s = bools::<B, 2>([5, 8], 23, d).slice([1..5, 2..8]);
        let e = bools::<B, 2>([1, 6], 24, d).expand([4, 6]);
        let f = a.clone().flip([1]);
        let i = ints::<B, 2>([6, 4], 25, -300, 300, d).transpose().slice([1..3, 0..6]);
        vec![
            o("not_sliced", s.clone().bool_not()), o("and_transposed", a.clone().bool_and(b.clone())),
            o("or_expanded", s.clone().bool_or(e.clone())), o("xor_flipped", f.clone().bool_xor(b.clone())),
            o("into_float_sliced", s.clone().float()), o("into_float_transposed", b.clone().float()),
            o("into_float_expanded", e.clone().float()), o("into_int_sliced", s.int()),
            o("int_into_bool_view", i.clone().bool()),
            o("float_into_int_view", i.float().transpose().int()),
        ]
    };
    // Integers are rounded to the nearest code on the way in (15 is 15.0035 in 16:10).
    int_into_float_of_views: Tol::n(1.0) => |_q, d| {
        let i = ints::<B, 2>([6, 4], 25, -300, 300, d).transpose().slice([1..3, 0..6]);
        vec![
            o("transposed_sliced", i.clone().float()),
            o("flipped_expanded", i.flip([1]).slice([0..1, 0..6]).expand([3, 6]).float()),
        ]
    };
    // Seeded int sampling goes to burn-flex's generator, so equal seeds give equal
    // tensors.
    int_random_is_seeded_like_flex: Tol::EXACT => |_q, d| {
        B::seed(d, 1234);
        let u = Tensor::<B, 2, Int>::random([3, 5], burn::tensor::Distribution::Uniform(-50.0, 50.0), d);
        let b = Tensor::<B, 1, Int>::random([8], burn::tensor::Distribution::Bernoulli(0.5), d);
        vec![o("uniform", u), o("bernoulli", b)]
    };
}

cases! {
    // A scalar equal to a stored value compares equal to it, and its neighbouring codes
    // on either side compare strictly (burn-flex sees the same values as f32).
    scalar_comparisons_at_codes: Tol::EXACT => |q, d| {
        let v = q.round(vec![1.3, 1.3 * 1.0007, 1.3 / 1.0007, -1.3, 0.0, -1.3 * 1.0007, 300.0, 1.0]);
        let t = Tensor::<B, 1>::from_data(TensorData::new(v.clone(), [8]), d);
        let mut outs = Vec::new();
        for (name, s) in [("v", v[0]), ("above", v[1]), ("below", v[2]), ("neg", v[3]), ("zero", 0.0), ("one", 1.0)] {
            outs.push(o(format!("{name}/eq"), t.clone().equal_elem(s)));
            outs.push(o(format!("{name}/ne"), t.clone().not_equal_elem(s)));
            outs.push(o(format!("{name}/gt"), t.clone().greater_elem(s)));
            outs.push(o(format!("{name}/ge"), t.clone().greater_equal_elem(s)));
            outs.push(o(format!("{name}/lt"), t.clone().lower_elem(s)));
            outs.push(o(format!("{name}/le"), t.clone().lower_equal_elem(s)));
            let full = Tensor::<B, 1>::full([1], s, d).expand([8]);
            outs.push(o(format!("{name}/ge_tensor"), t.clone().greater_equal(full.clone())));
            outs.push(o(format!("{name}/eq_tensor"), t.clone().equal(full)));
        }
        outs
    };
}

/// A configuration no other test uses, so its counts are this test's alone.
fn private_device() -> LnsDevice {
    LnsDevice::new(LnsConfig::new(Format::new(15, 9).unwrap(), DeltaKind::Lut)).unwrap()
}

/// docs/ops.md edge policy: integers beyond the format's range saturate to ±max, and
/// each saturation is counted.
#[test]
fn int_into_float_saturates_large_integers_and_counts_them() {
    let d = private_device();
    let max = d.format().max_value() as f32;
    let big = vec![
        i64::from(i32::MAX),
        i64::from(i32::MIN),
        70_000,
        -65_536,
        5,
        0,
    ];
    let i = Tensor::<Lns, 1, Int>::from_data(TensorData::new(big, [6]), &d);
    Lns::take_counts(&d);
    let v = i.float().into_data().to_vec::<f32>().unwrap();
    assert_eq!(v[..4], [max, -max, max, -max], "{v:?}");
    assert!((v[4] - 5.0).abs() < 0.01 && v[5] == 0.0, "{v:?}");
    let c = Lns::take_counts(&d);
    assert_eq!((c.saturated, c.flushed, c.nan), (4, 0, 0), "{c:?}");
}

/// `into_int` of the edge codes: NaN became 0 and converts to 0; ±∞ and huge values
/// became ±max, which converts to its integer (i32-saturated on 32:23, where max is
/// 3.4e38, as burn-flex gives for ±∞); otherwise truncation toward zero, encoded
/// integers taken as themselves.
#[test]
fn float_into_int_of_nan_infinities_and_huge_values() {
    for d in [LnsDevice::lns16(), LnsDevice::lns32_ref()] {
        let inputs = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e30,
            -1e30,
            -0.7,
            2.9,
            -3.0,
        ];
        let t = Tensor::<Lns, 1>::from_floats(inputs, &d);
        let got: Vec<i64> = t.int().into_data().iter::<i64>().collect();
        let max = d.format().max_value().round();
        let (hi, lo) = (
            max.min(f64::from(i32::MAX)) as i64,
            (-max).max(f64::from(i32::MIN)) as i64,
        );
        assert_eq!(got, vec![0, hi, lo, hi, lo, 0, 2, -3], "{d:?}");
    }
}

/// `argtopk` (argsort + narrow here; burn-flex lacks it) orders equal elements by their
/// lowest indices, as Burn's contract says, for ints and floats.
#[test]
fn argtopk_orders_ties_by_lowest_index() {
    let d = LnsDevice::lns16();
    let ints = |t: Tensor<Lns, 1, Int>| t.into_data().iter::<i64>().collect::<Vec<_>>();
    let i = Tensor::<Lns, 1, Int>::from_data(TensorData::new(vec![1i64, 5, 5, 0, 5, 1], [6]), &d);
    assert_eq!(ints(i.argtopk(4, 0)), vec![1, 2, 4, 0]);
    let f = Tensor::<Lns, 1>::from_floats([0.5, 2.0, 2.0, -1.0, 2.0, 0.5], &d);
    assert_eq!(ints(f.argtopk(4, 0)), vec![1, 2, 4, 0]);
}
