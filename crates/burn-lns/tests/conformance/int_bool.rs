//! Int and bool ops (`IntTensorOps`, `BoolTensorOps`) against burn-flex, exactly. They
//! forward to burn-flex, so these cases check the forwarding, the device tags and the
//! conversions into LNS floats (`int_into_float`, `bool_into_float`).

use burn::tensor::backend::Backend;
use burn::tensor::{Bool, IndexingUpdateOp, Int, Tensor, TensorData};

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
