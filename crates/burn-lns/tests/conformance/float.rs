//! Float tensor ops (`FloatTensorOps`) against burn-flex f32, every op on several
//! layouts (contiguous, transposed, sliced, flipped, expanded, permuted views,
//! broadcasting, empty and size-1 tensors). Tolerances in roundings `n` of the preset
//! (see `common`); values that LNS computes exactly are checked exactly.

use burn::tensor::backend::Backend;
use burn::tensor::{IndexingUpdateOp, Int, Tensor, TensorData, TensorPrimitive};

use crate::common::{Out, Q, Tol, binary_views, cases, o, unary_views};

const ANY: (f32, f32) = (-2.0, 2.0);
const POS: (f32, f32) = (0.05, 3.0);
const NONZERO_POS: (f32, f32) = (0.5, 2.5);
const UNIT: (f32, f32) = (-0.95, 0.95);

fn prim<B: Backend, const D: usize>(t: Tensor<B, D>) -> B::FloatTensorPrimitive {
    t.into_primitive().tensor()
}

fn wrap<B: Backend, const D: usize>(p: B::FloatTensorPrimitive) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(p))
}

/// Outputs of a reduction-like op along `dim` on a contiguous, a transposed, a sliced
/// and a size-1 input.
fn along<B: Backend>(
    q: &Q,
    d: &B::Device,
    f: impl Fn(Tensor<B, 3>, usize) -> Tensor<B, 3>,
) -> Vec<Out> {
    let a = q.t::<B, 3>([2, 5, 7], 301, d);
    let tr = q.t::<B, 3>([2, 7, 5], 302, d).swap_dims(1, 2);
    let sl = q.t::<B, 3>([3, 6, 9], 303, d).slice([0..2, 1..6, 1..8]);
    let one = q.t::<B, 3>([1, 1, 1], 304, d);
    let mut v = Vec::new();
    for dim in 0..3 {
        v.push(o(format!("contiguous_dim{dim}"), f(a.clone(), dim)));
        v.push(o(format!("transposed_dim{dim}"), f(tr.clone(), dim)));
        v.push(o(format!("sliced_dim{dim}"), f(sl.clone(), dim)));
    }
    v.push(o("size1", f(one, 2)));
    v
}

/// A tensor whose values repeat (ties for sorting, equality and arg-reductions).
fn with_ties<B: Backend>(q: &Q, d: &B::Device) -> Tensor<B, 2> {
    let vals: Vec<f32> = (0..24)
        .map(|i| [0.5, -1.25, 2.0, 0.0, -1.25, 0.75][(i * 7) % 6] * (1 + i % 3) as f32)
        .collect();
    q.of::<B, 2>(vals, [4, 6], d)
}

cases! {
    // ---- creation and edges --------------------------------------------------------
    from_data_into_data_round_trip: Tol::EXACT => |q, d| vec![
        o("rank1", q.t::<B, 1>([17], 1, d)),
        o("rank4", q.t::<B, 4>([2, 1, 3, 2], 2, d)),
        o("empty", q.t::<B, 2>([0, 3], 3, d)),
    ];
    zeros_ones_full: Tol::EXACT => |_q, d| vec![
        o("zeros", Tensor::<B, 2>::zeros([3, 4], d)),
        o("ones", Tensor::<B, 3>::ones([2, 1, 3], d)),
        o("full_pow2", Tensor::<B, 2>::full([2, 2], -0.5, d)),
        o("zeros_empty", Tensor::<B, 2>::zeros([0, 4], d)),
    ];
    full_rounds_its_value: Tol::n(1.5) => |_q, d| vec![
        o("full", Tensor::<B, 2>::full([2, 3], 0.3, d)),
    ];
    empty_has_its_shape: Tol::EXACT => |_q, d| {
        let e = Tensor::<B, 3>::empty([2, 0, 5], d);
        vec![o("dims", Tensor::<B, 1, Int>::from_data(TensorData::from(e.dims().map(|x| x as i64)), d))]
    };
    into_int_truncates: Tol::EXACT => |q, d| vec![
        o("ints", q.range::<B, 2>([4, 6], 5, -9.0, 9.0, d).int()),
        o("transposed", q.range::<B, 2>([6, 4], 6, -9.0, 9.0, d).transpose().int()),
    ];
    cast_changes_the_interchange_type: Tol::EXACT => |q, d| {
        let t = q.t::<B, 2>([3, 4], 7, d);
        vec![
            o("f64", t.clone().cast(burn::tensor::DType::F64)),
            o("f16", t.clone().cast(burn::tensor::DType::F16)),
            o("f32", t.cast(burn::tensor::DType::F32)),
        ]
    };

    // ---- arithmetic ----------------------------------------------------------------
    add: Tol::n(1.5) => |q, d| binary_views::<B>(q, d, ANY, ANY, |a, b| a + b);
    sub: Tol::n(1.5) => |q, d| binary_views::<B>(q, d, ANY, ANY, |a, b| a - b);
    mul: Tol::n(1.5) => |q, d| binary_views::<B>(q, d, ANY, ANY, |a, b| a * b);
    div: Tol::n(1.5) => |q, d| binary_views::<B>(q, d, ANY, NONZERO_POS, |a, b| a / b);
    // The scalar is rounded into the format first (docs/ops.md), then one op rounding.
    add_scalar: Tol::n(4.0) => |q, d| unary_views::<B>(q, d, ANY, |a| a.add_scalar(0.3));
    sub_scalar: Tol::n(4.0) => |q, d| unary_views::<B>(q, d, ANY, |a| a.sub_scalar(-1.7));
    mul_scalar: Tol::n(2.0) => |q, d| unary_views::<B>(q, d, ANY, |a| a.mul_scalar(1.3));
    div_scalar: Tol::n(2.0) => |q, d| unary_views::<B>(q, d, ANY, |a| a.div_scalar(-0.7));
    scalar_powers_of_two_are_exact: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, ANY, |a| a.mul_scalar(0.25).div_scalar(-2.0));
    remainder: Tol::n(4.0) => |q, d| binary_views::<B>(q, d, ANY, NONZERO_POS, |a, b| a.remainder(b));
    remainder_scalar: Tol::n(4.0).with_n32(24.0) => |q, d| unary_views::<B>(q, d, ANY, |a| a.remainder_scalar(0.7));
    neg: Tol::EXACT => |q, d| unary_views::<B>(q, d, ANY, |a| -a);
    abs: Tol::EXACT => |q, d| unary_views::<B>(q, d, ANY, |a| a.abs());
    sign: Tol::EXACT => |q, d| {
        let mut v = unary_views::<B>(q, d, ANY, |a| a.sign());
        v.push(o("zeros", Tensor::<B, 1>::zeros([3], d).sign()));
        v
    };
    recip: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, NONZERO_POS, |a| a.recip());
    sqrt: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, POS, |a| a.sqrt());
    powi_scalar: Tol::n(3.0) => |q, d| {
        let mut v = tagged("cube", unary_views::<B>(q, d, ANY, |a| a.powi_scalar(3)));
        v.extend(tagged("square", unary_views::<B>(q, d, ANY, |a| a.powi_scalar(2))));
        v.push(o("negative", q.t::<B, 2>([3, 4], 8, d).abs().add_scalar(0.5).powi_scalar(-2)));
        v.push(o("zero_power", q.t::<B, 2>([3, 4], 9, d).powi_scalar(0)));
        v
    };
    powf_scalar: Tol::n(2.0) => |q, d| unary_views::<B>(q, d, POS, |a| a.powf_scalar(1.7));
    powf: Tol::n(2.0) => |q, d| binary_views::<B>(q, d, POS, ANY, |a, b| a.powf(b));
    powi_int_tensor: Tol::n(1.5) => |q, d| {
        let a = q.t::<B, 2>([3, 4], 10, d);
        let e = Tensor::<B, 2, Int>::from_data([[0, 1, 2, 3], [-1, -2, 4, 5], [2, 2, 1, 0]], d);
        vec![o("powi", wrap::<B, 2>(B::float_powi(prim(a), e.into_primitive())))]
    };
    matmul: Tol::n(8.0).with_floor(0.2) => |q, d| vec![
        o("plain", q.t::<B, 2>([5, 7], 11, d).matmul(q.t::<B, 2>([7, 3], 12, d))),
        o("transposed_operands", q.t::<B, 2>([7, 5], 13, d).transpose().matmul(q.t::<B, 2>([3, 7], 14, d).transpose())),
        o("batched_broadcast", q.t::<B, 4>([2, 1, 5, 7], 15, d).matmul(q.t::<B, 4>([1, 3, 7, 4], 16, d))),
        o("sliced", q.t::<B, 2>([6, 9], 17, d).slice([1..6, 1..8]).matmul(q.t::<B, 2>([8, 4], 18, d).slice([0..7, 0..4]))),
        o("expanded_batch", q.t::<B, 3>([1, 4, 7], 19, d).expand([3, 4, 7]).matmul(q.t::<B, 3>([3, 7, 2], 20, d))),
        o("k1", q.t::<B, 2>([4, 1], 21, d).matmul(q.t::<B, 2>([1, 5], 22, d))),
        o("k0_gives_zeros", q.t::<B, 2>([3, 0], 23, d).matmul(q.t::<B, 2>([0, 2], 24, d))),
        o("m0", q.t::<B, 2>([0, 3], 25, d).matmul(q.t::<B, 2>([3, 2], 26, d))),
        o("vector_like", q.t::<B, 2>([1, 33], 27, d).matmul(q.t::<B, 2>([33, 1], 28, d))),
    ];
    cross: Tol::n(3.0).with_floor(0.2) => |q, d| vec![
        o("last_dim", q.t::<B, 2>([4, 3], 29, d).cross(q.t::<B, 2>([4, 3], 30, d), 1)),
        o("first_dim", q.t::<B, 2>([3, 5], 31, d).cross(q.t::<B, 2>([3, 5], 32, d), 0)),
    ];

    // ---- reductions -----------------------------------------------------------------
    sum: Tol::n(8.0).with_floor(0.2) => |q, d| vec![
        o("rank2", q.t::<B, 2>([4, 6], 33, d).sum()),
        o("transposed", q.t::<B, 2>([6, 4], 34, d).transpose().sum()),
        o("empty_is_zero", q.t::<B, 2>([0, 4], 35, d).sum()),
    ];
    sum_dim: Tol::n(6.0).with_floor(0.2) => |q, d| along::<B>(q, d, |t, dim| t.sum_dim(dim));
    mean: Tol::n(8.0).with_floor(0.2) => |q, d| vec![
        o("rank2", q.t::<B, 2>([4, 6], 36, d).mean()),
        o("sliced", q.t::<B, 2>([6, 6], 37, d).slice([1..5, 0..6]).mean()),
    ];
    mean_dim: Tol::n(7.0).with_floor(0.2) => |q, d| along::<B>(q, d, |t, dim| t.mean_dim(dim));
    prod: Tol::n(1.5) => |q, d| vec![
        o("rank2", q.range::<B, 2>([3, 4], 38, 0.6, 1.6, d).prod()),
        o("signed", q.t::<B, 2>([2, 3], 39, d).prod()),
    ];
    prod_dim: Tol::n(1.5) => |q, d| along::<B>(q, d, |t, dim| t.prod_dim(dim));
    max: Tol::EXACT => |q, d| vec![o("max", q.t::<B, 2>([4, 6], 40, d).max()), o("ties", with_ties::<B>(q, d).max())];
    min: Tol::EXACT => |q, d| vec![o("min", q.t::<B, 2>([4, 6], 41, d).min()), o("ties", with_ties::<B>(q, d).min())];
    max_dim: Tol::EXACT => |q, d| along::<B>(q, d, |t, dim| t.max_dim(dim));
    min_dim: Tol::EXACT => |q, d| along::<B>(q, d, |t, dim| t.min_dim(dim));
    max_abs: Tol::EXACT => |q, d| vec![o("max_abs", q.t::<B, 2>([4, 6], 42, d).max_abs())];
    max_abs_dim: Tol::EXACT => |q, d| along::<B>(q, d, |t, dim| t.max_abs_dim(dim));
    max_dim_with_indices: Tol::EXACT => |q, d| {
        let (v, i) = with_ties::<B>(q, d).max_dim_with_indices(1);
        let (v0, i0) = q.t::<B, 3>([2, 5, 3], 43, d).swap_dims(0, 2).max_dim_with_indices(1);
        vec![o("values", v), o("indices", i), o("view_values", v0), o("view_indices", i0)]
    };
    min_dim_with_indices: Tol::EXACT => |q, d| {
        let (v, i) = with_ties::<B>(q, d).min_dim_with_indices(0);
        vec![o("values", v), o("indices", i)]
    };
    argmax: Tol::EXACT => |q, d| vec![
        o("dim1_ties", with_ties::<B>(q, d).argmax(1)),
        o("dim0_view", q.t::<B, 2>([5, 4], 44, d).transpose().argmax(0)),
    ];
    argmin: Tol::EXACT => |q, d| vec![
        o("dim1_ties", with_ties::<B>(q, d).argmin(1)),
        o("dim0_view", q.t::<B, 2>([5, 4], 45, d).flip([0]).argmin(0)),
    ];
    cumsum: Tol::n(6.0).with_floor(0.2) => |q, d| along::<B>(q, d, |t, dim| t.cumsum(dim));
    cumprod: Tol::n(1.5) => |q, d| along::<B>(q, d, |t, dim| t.cumprod(dim));
    cummin: Tol::EXACT => |q, d| along::<B>(q, d, |t, dim| t.cummin(dim));
    cummax: Tol::EXACT => |q, d| along::<B>(q, d, |t, dim| t.cummax(dim));
    any_all: Tol::EXACT => |q, d| {
        let t = q.t::<B, 2>([3, 4], 46, d).mask_fill(q.t::<B, 2>([3, 4], 47, d).lower_elem(0.0), 0.0);
        let z = Tensor::<B, 2>::zeros([2, 3], d);
        vec![
            o("any", t.clone().any()), o("all", t.clone().all()),
            o("any_dim", t.clone().any_dim(1)), o("all_dim", t.clone().all_dim(0)),
            o("any_zeros", z.clone().any()), o("all_ones", z.add_scalar(1.0).all()),
        ]
    };

    // ---- sorting and top-k (order keys) ----------------------------------------------
    sort: Tol::EXACT => |q, d| vec![
        o("dim1_ties", with_ties::<B>(q, d).sort(1)),
        o("dim0_descending", with_ties::<B>(q, d).sort_descending(0)),
        o("view", q.t::<B, 2>([6, 4], 48, d).transpose().sort(1)),
    ];
    sort_with_indices: Tol::EXACT => |q, d| {
        let (v, i) = with_ties::<B>(q, d).sort_with_indices(1);
        let (vd, id) = with_ties::<B>(q, d).sort_descending_with_indices(0);
        vec![o("values", v), o("indices", i), o("desc_values", vd), o("desc_indices", id)]
    };
    argsort: Tol::EXACT => |q, d| vec![
        o("dim1", with_ties::<B>(q, d).argsort(1)),
        o("dim0_descending", with_ties::<B>(q, d).argsort_descending(0)),
    ];
    topk: Tol::EXACT => |q, d| vec![
        o("k2_dim1", q.t::<B, 2>([4, 6], 49, d).topk(2, 1)),
        o("k3_dim0", q.t::<B, 2>([5, 3], 50, d).topk(3, 0)),
    ];
    // ---- comparisons -------------------------------------------------------------------
    comparisons_of_tensors: Tol::EXACT => |q, d| {
        let a = with_ties::<B>(q, d);
        let b = with_ties::<B>(q, d).flip([1]);
        let row = q.t::<B, 2>([1, 6], 53, d);
        vec![
            o("equal", a.clone().equal(b.clone())),
            o("not_equal", a.clone().not_equal(b.clone())),
            o("greater", a.clone().greater(b.clone())),
            o("greater_equal", a.clone().greater_equal(b.clone())),
            o("lower", a.clone().lower(b.clone())),
            o("lower_equal", a.clone().lower_equal(b.clone())),
            o("greater_broadcast", a.clone().greater(row.clone())),
            o("lower_transposed", a.clone().transpose().lower(b.transpose())),
        ]
    };
    // Scalars of the comparisons are representable (docs/ops.md: the scalar's code is
    // compared); `scalar_comparisons_use_the_scalars_code` covers the others.
    comparisons_with_scalars: Tol::EXACT => |q, d| {
        let a = with_ties::<B>(q, d);
        vec![
            o("equal_elem", a.clone().equal_elem(0.5)),
            o("not_equal_elem", a.clone().not_equal_elem(4.0)),
            o("greater_elem", a.clone().greater_elem(0.5)),
            o("greater_equal_elem", a.clone().greater_equal_elem(0.5)),
            o("lower_elem", a.clone().lower_elem(0.0)),
            o("lower_equal_elem", a.clone().lower_equal_elem(-1.0)),
        ]
    };
    clamp: Tol::EXACT => |q, d| {
        let mut v = tagged("clamp", unary_views::<B>(q, d, ANY, |a| a.clamp(-0.5, 1.0)));
        v.extend(tagged("clamp_min", unary_views::<B>(q, d, ANY, |a| a.clamp_min(0.25))));
        v.extend(tagged("clamp_max", unary_views::<B>(q, d, ANY, |a| a.clamp_max(-1.0))));
        v
    };
    is_nan_is_inf_on_finite_values: Tol::EXACT => |q, d| vec![
        o("is_nan", q.t::<B, 2>([3, 4], 54, d).is_nan()),
        o("is_inf", q.t::<B, 2>([3, 4], 55, d).is_inf()),
    ];

    // ---- transcendental and rounding (conversion unit) -----------------------------------
    exp: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, (-4.0, 4.0), |a| a.exp());
    log: Tol::n(1.5).with_floor(0.2) => |q, d| unary_views::<B>(q, d, POS, |a| a.log());
    log1p: Tol::n(1.5).with_floor(0.2) => |q, d| unary_views::<B>(q, d, (-0.9, 3.0), |a| a.log1p());
    sin: Tol::n(1.5).with_floor(0.2) => |q, d| unary_views::<B>(q, d, (-4.0, 4.0), |a| a.sin());
    cos: Tol::n(1.5).with_floor(0.2) => |q, d| unary_views::<B>(q, d, (-4.0, 4.0), |a| a.cos());
    tan: Tol::n(1.5).with_floor(0.2) => |q, d| unary_views::<B>(q, d, (-1.3, 1.3), |a| a.tan());
    sinh: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, ANY, |a| a.sinh());
    cosh: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, ANY, |a| a.cosh());
    tanh: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, ANY, |a| a.tanh());
    asin: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, UNIT, |a| a.asin());
    acos: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, UNIT, |a| a.acos());
    atan: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, (-5.0, 5.0), |a| a.atan());
    asinh: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, ANY, |a| a.asinh());
    acosh: Tol::n(1.5).with_floor(0.2) => |q, d| unary_views::<B>(q, d, (1.0, 4.0), |a| a.acosh());
    atanh: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, UNIT, |a| a.atanh());
    atan2: Tol::n(1.5) => |q, d| binary_views::<B>(q, d, ANY, ANY, |a, b| a.atan2(b));
    erf: Tol::n(1.5).with_floor(0.2) => |q, d| unary_views::<B>(q, d, ANY, |a| a.erf());
    // Integer results are rounded to the nearest code (3 is not an LNS16 value).
    round: Tol::n(1.5) => |q, d| {
        let mut v = unary_views::<B>(q, d, (-6.0, 6.0), |a| a.round());
        v.push(o("ties_to_even", q.of::<B, 1>(vec![0.5, -0.5, 2.0, -0.25], [4], d).round()));
        v
    };
    floor: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, (-6.0, 6.0), |a| a.floor());
    ceil: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, (-6.0, 6.0), |a| a.ceil());
    trunc: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, (-6.0, 6.0), |a| a.trunc());

    // ---- indexed updates with arithmetic ------------------------------------------------
    scatter_add: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let idx = Tensor::<B, 2, Int>::from_data([[0, 0, 1, 3, 3, 3], [2, 2, 2, 2, 0, 1], [1, 0, 1, 0, 1, 0]], d);
        vec![
            o("dim1", q.t::<B, 2>([3, 4], 56, d).scatter(1, idx.clone(), q.t::<B, 2>([3, 6], 57, d), IndexingUpdateOp::Add)),
            o("dim0", q.t::<B, 2>([4, 6], 58, d).scatter(0, idx, q.t::<B, 2>([3, 6], 59, d), IndexingUpdateOp::Add)),
            o("view_target", q.t::<B, 2>([4, 3], 60, d).transpose().scatter(
                1, Tensor::<B, 2, Int>::from_data([[3, 3], [0, 1], [2, 2]], d), q.t::<B, 2>([3, 2], 61, d), IndexingUpdateOp::Add)),
        ]
    };
    select_add: Tol::n(3.0).with_floor(0.2) => |q, d| vec![
        o("dim0_repeats", q.t::<B, 2>([4, 5], 62, d).select_assign(0, Tensor::<B, 1, Int>::from_data([3, 0, 3, 3], d), q.t::<B, 2>([4, 5], 63, d), IndexingUpdateOp::Add)),
        o("dim1", q.t::<B, 2>([3, 4], 64, d).select_assign(1, Tensor::<B, 1, Int>::from_data([1, 1], d), q.t::<B, 2>([3, 2], 65, d), IndexingUpdateOp::Add)),
    ];
    scatter_nd_with_combine: Tol::n(3.0).with_floor(0.2) => |q, d| {
        let idx = || Tensor::<B, 2, Int>::from_data([[0, 1], [2, 0], [0, 1]], d);
        let t = || q.t::<B, 2>([3, 2], 66, d);
        let v = || q.t::<B, 1>([3], 67, d);
        vec![
            o("add", t().scatter_nd(idx(), v(), IndexingUpdateOp::Add)),
            o("mul", t().scatter_nd(idx(), v(), IndexingUpdateOp::Mul)),
            o("min", t().scatter_nd(idx(), v(), IndexingUpdateOp::Min)),
            o("max", t().scatter_nd(idx(), v(), IndexingUpdateOp::Max)),
        ]
    };
    grid_sample_2d: Tol::n(16.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 4>([1, 2, 4, 5], 68, d);
        let grid = q.range::<B, 4>([1, 3, 3, 2], 69, -1.1, 1.1, d);
        vec![o("bilinear", x.grid_sample_2d(grid, burn::tensor::ops::InterpolateMode::Bilinear))]
    };
}

/// Prefixes the labels of outputs.
fn tagged(tag: &str, v: Vec<Out>) -> Vec<Out> {
    v.into_iter()
        .map(|o| Out {
            label: format!("{tag}_{}", o.label),
            data: o.data,
        })
        .collect()
}

/// burn-flex has no `float_argtopk`; `Lns` must equal burn-flex's descending argsort
/// narrowed to `k` (what Burn documents argtopk to be).
#[test]
fn argtopk_equals_the_first_k_of_a_descending_argsort() {
    use burn::backend::Flex;
    use burn_lns::Lns;
    for preset in [crate::common::Preset::Ref32, crate::common::Preset::Lns16] {
        let q = Q::new(preset);
        let dev = preset.device();
        let fd = Default::default();
        for (k, dim, seed) in [(2, 1, 51), (1, 0, 52), (3, 1, 53)] {
            let got = q.t::<Lns, 2>([4, 6], seed, &dev).argtopk(k, dim);
            let want = q
                .t::<Flex, 2>([4, 6], seed, &fd)
                .argsort_descending(dim)
                .narrow(dim, 0, k);
            let (g, w): (Vec<i64>, Vec<i64>) = (
                got.into_data().iter().collect(),
                want.into_data().iter().collect(),
            );
            assert_eq!(g, w, "{preset:?} k={k} dim={dim}");
        }
    }
}
