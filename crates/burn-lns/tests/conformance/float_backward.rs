//! Gradients of float tensor ops on `Autodiff<Lns>` against `Autodiff<Flex>` f32.
//! Burn's autodiff builds every backward pass out of forward float ops (mask ops,
//! scatter/select_add, sum_dim for broadcasting, cumsum of reversed slices,
//! max_dim_with_indices, sort, …), so this covers those ops in the roles backward
//! gives them. Inputs avoid non-differentiable points and ties; the loss is
//! `Σ f(x)·w` with seeded `w`, and every input's gradient is an output.
//!
//! Tolerances: gradients that only move or sum a few weights get few roundings; those
//! through a derivative formula of several ops (trig, inverse trig, powf, erf) get
//! about twice the forward op's budget, with the 0.2 floor of `backward` for
//! cancelling sums.

use burn::backend::Autodiff;
use burn::tensor::activation as act;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Bool, IndexingUpdateOp, Int, Tensor, TensorData};
use burn_lns::{Lns, LnsDevice};
use lns_core::kernels::SimdLevel;

use crate::code_checks::{assert_same_codes, codes, on_threads, thread_counts_agree};
use crate::common::{Out, Preset, Q, Rng, Tol, grad_cases, o, weighted};

/// A tensor of `shape` whose values are pairwise distinct by far more than a rounding
/// (a seeded permutation of evenly spaced non-zero values in `[lo, hi)`): no ties for
/// max/min/sort/cummax, and none on clamp bounds.
fn distinct<B: Backend, const D: usize>(
    q: &Q,
    shape: [usize; D],
    seed: u64,
    (lo, hi): (f32, f32),
    d: &B::Device,
) -> Tensor<B, D> {
    let n: usize = shape.iter().product();
    let mut vals: Vec<f32> = (0..n)
        .map(|i| lo + (hi - lo) * (i as f32 + 0.37) / n as f32)
        .collect();
    let mut rng = Rng::new(seed);
    for i in (1..n).rev() {
        vals.swap(i, rng.below(i + 1));
    }
    q.of::<B, D>(vals, shape, d)
}

/// Gradients of a graph whose tensors cross the parallel thresholds of elementwise
/// loops (2^14), strided gathers (2^15), reductions and matmul rows (64), so backward
/// ops run their threaded paths.
fn large_graph<B: AutodiffBackend>(q: &Q, d: &B::Device) -> Vec<Out> {
    let x = q.t::<B, 2>([130, 260], 152, d).require_grad();
    let r = q.t::<B, 2>([1, 260], 153, d).require_grad();
    let m = q
        .range::<B, 2>([260, 70], 154, -0.25, 0.25, d)
        .require_grad();
    let y = x.clone() * r.clone();
    let idx: Vec<i64> = (0..130 * 200).map(|i| ((i * 7919) % 260) as i64).collect();
    let idx = Tensor::<B, 2, Int>::from_data(TensorData::new(idx, [130, 200]), d);
    let loss = weighted(q, y.clone().transpose().cumsum(1), 155, d)
        + weighted(q, y.clone().matmul(m.clone()), 156, d)
        + weighted(q, x.clone().gather(1, idx), 157, d)
        + weighted(q, x.clone().max_dim(1), 159, d)
        + weighted(q, x.clone().sum_dim(0), 160, d);
    let g = loss.backward();
    vec![
        o("x", x.grad(&g).unwrap()),
        o("r", r.grad(&g).unwrap()),
        o("m", m.grad(&g).unwrap()),
    ]
}

/// [`large_graph`]'s gradients (as the bits of their exact f32 values) and the codes of
/// a wide softmax's gradient.
fn large_gradient_codes(device: &LnsDevice) -> Vec<(String, Vec<i32>)> {
    type A = Autodiff<Lns>;
    let q = Q::new(Preset::Lns16);
    let mut out: Vec<(String, Vec<i32>)> = large_graph::<A>(&q, device)
        .into_iter()
        .map(|o| {
            let bits = o.data.iter::<f32>().map(|v| v.to_bits() as i32).collect();
            (o.label, bits)
        })
        .collect();
    let x = q.t::<A, 2>([4, 5000], 161, device).require_grad();
    let g = weighted(&q, act::softmax(x.clone(), 1), 162, device).backward();
    out.push(("softmax".into(), codes(x.grad(&g).unwrap())));
    out
}

/// Gradient codes (threaded backward ops: scatter, cumsum, matmul, reductions, wide
/// softmax) are the same on 1, 2 and 3 threads and on every SIMD level.
#[test]
fn gradient_codes_do_not_depend_on_threads_or_simd_level() {
    for spec in ["lns16", "lns32-ref"] {
        thread_counts_agree(spec, large_gradient_codes);
        let scalar: LnsDevice = format!("{spec}:simd=scalar").parse().unwrap();
        let want = on_threads(2, || large_gradient_codes(&scalar));
        for level in SimdLevel::available() {
            let name = format!("{level:?}").to_ascii_lowercase();
            let device: LnsDevice = format!("{spec}:simd={name}").parse().unwrap();
            let got = on_threads(2, || large_gradient_codes(&device));
            assert_same_codes(&format!("{spec}: scalar vs {name}"), &want, &got);
        }
    }
}

grad_cases! {
    // ---- elementwise arithmetic with broadcasting (sum_dim reduces the gradients) ----
    // b's gradient sums 24 weights of either sign (two broadcast axes, two terms), every
    // partial sum rounded, and cancels to a tenth of its largest partial sum.
    add_sub_broadcast: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let a = q.t::<B, 3>([2, 1, 6], 1, d).require_grad();
        let b = q.t::<B, 3>([1, 4, 1], 2, d).require_grad();
        let c = q.t::<B, 3>([2, 4, 6], 3, d).require_grad();
        let loss = weighted(q, a.clone() + b.clone(), 4, d)
            + weighted(q, c.clone() - a.clone(), 5, d)
            + weighted(q, b.clone() - c.clone(), 6, d);
        let g = loss.backward();
        vec![o("a", a.grad(&g).unwrap()), o("b", b.grad(&g).unwrap()), o("c", c.grad(&g).unwrap())]
    };
    mul_broadcast: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let a = q.t::<B, 3>([2, 1, 6], 7, d).require_grad();
        let b = q.t::<B, 3>([1, 4, 1], 8, d).require_grad();
        let g = weighted(q, a.clone() * b.clone(), 9, d).backward();
        vec![o("a", a.grad(&g).unwrap()), o("b", b.grad(&g).unwrap())]
    };
    div_broadcast: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let a = q.t::<B, 3>([2, 4, 1], 10, d).require_grad();
        let b = q.range::<B, 3>([1, 1, 6], 11, 0.5, 2.0, d).require_grad();
        let c = q.range::<B, 3>([2, 4, 6], 12, -2.0, -0.5, d).require_grad();
        let loss = weighted(q, a.clone() / b.clone(), 13, d) + weighted(q, b.clone() / c.clone(), 14, d);
        let g = loss.backward();
        vec![o("a", a.grad(&g).unwrap()), o("b", b.grad(&g).unwrap()), o("c", c.grad(&g).unwrap())]
    };
    scalar_ops_neg_recip: Tol::n(6.0).with_floor(0.2) => |q, d| {
        let x = q.range::<B, 2>([4, 6], 15, 0.5, 2.0, d).require_grad();
        let y = (x.clone() * 1.5 + 0.25 - 0.75) / 2.5;
        let loss = weighted(q, y.neg(), 16, d) + weighted(q, x.clone().recip(), 17, d)
            + weighted(q, x.clone().square(), 18, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };

    // ---- matmul ------------------------------------------------------------------------
    matmul_batch_broadcast: Tol::n(16.0).with_floor(0.2) => |q, d| {
        let a = q.t::<B, 4>([2, 1, 3, 4], 19, d).require_grad();
        let b = q.t::<B, 4>([1, 3, 4, 5], 20, d).require_grad();
        let g = weighted(q, a.clone().matmul(b.clone()), 21, d).backward();
        vec![o("a", a.grad(&g).unwrap()), o("b", b.grad(&g).unwrap())]
    };
    matmul_of_views: Tol::n(16.0).with_floor(0.2) => |q, d| {
        let a = q.t::<B, 2>([4, 3], 22, d).require_grad();
        let b = q.t::<B, 2>([5, 4], 23, d).require_grad();
        let g = weighted(q, a.clone().transpose().matmul(b.clone().transpose()), 24, d).backward();
        vec![o("a", a.grad(&g).unwrap()), o("b", b.grad(&g).unwrap())]
    };

    // ---- unary math ----------------------------------------------------------------------
    exp_log_log1p_sqrt: Tol::n(8.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 2>([4, 6], 25, d).require_grad();
        let p = q.range::<B, 2>([4, 6], 26, 0.2, 3.0, d).require_grad();
        let loss = weighted(q, x.clone().exp(), 27, d)
            + weighted(q, p.clone().log(), 28, d)
            + weighted(q, p.clone().log1p(), 29, d)
            + weighted(q, p.clone().sqrt(), 30, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("p", p.grad(&g).unwrap())]
    };
    trig_and_hyperbolic: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let x = q.range::<B, 2>([4, 6], 31, -1.2, 1.2, d).require_grad();
        let loss = weighted(q, x.clone().sin(), 32, d)
            + weighted(q, x.clone().cos(), 33, d)
            + weighted(q, x.clone().tan(), 34, d)
            + weighted(q, x.clone().sinh(), 35, d)
            + weighted(q, x.clone().cosh(), 36, d)
            + weighted(q, x.clone().tanh(), 37, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    inverse_trig: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let u = q.range::<B, 2>([4, 6], 38, -0.9, 0.9, d).require_grad();
        let v = q.range::<B, 2>([4, 6], 39, 1.2, 3.0, d).require_grad();
        let loss = weighted(q, u.clone().asin(), 40, d)
            + weighted(q, u.clone().acos(), 41, d)
            + weighted(q, u.clone().atan(), 42, d)
            + weighted(q, u.clone().asinh(), 43, d)
            + weighted(q, u.clone().atanh(), 44, d)
            + weighted(q, v.clone().acosh(), 45, d);
        let g = loss.backward();
        vec![o("u", u.grad(&g).unwrap()), o("v", v.grad(&g).unwrap())]
    };
    erf_abs_sign: Tol::n(8.0).with_floor(0.2) => |q, d| {
        let x = distinct::<B, 2>(q, [4, 6], 46, (-2.0, 2.0), d).require_grad();
        let loss = weighted(q, x.clone().erf(), 47, d)
            + weighted(q, x.clone().abs(), 48, d)
            + weighted(q, x.clone().sign() * 3.0, 49, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    atan2: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let y = q.t::<B, 2>([4, 6], 50, d).require_grad();
        let x = q.range::<B, 2>([4, 6], 51, 0.3, 2.0, d).require_grad();
        let g = weighted(q, y.clone().atan2(x.clone()), 52, d).backward();
        vec![o("y", y.grad(&g).unwrap()), o("x", x.grad(&g).unwrap())]
    };
    powf_tensor_exponent: Tol::n(16.0).with_floor(0.2) => |q, d| {
        let x = q.range::<B, 3>([2, 4, 6], 53, 0.3, 2.5, d).require_grad();
        let e = q.t::<B, 3>([1, 4, 1], 54, d).require_grad();
        let g = weighted(q, x.clone().powf(e.clone()), 55, d).backward();
        vec![o("x", x.grad(&g).unwrap()), o("e", e.grad(&g).unwrap())]
    };
    powf_powi_scalar: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let x = q.range::<B, 2>([4, 6], 56, 0.3, 2.5, d).require_grad();
        let s = q.t::<B, 2>([4, 6], 57, d).require_grad();
        let loss = weighted(q, x.clone().powf_scalar(1.7), 58, d)
            + weighted(q, x.clone().powf_scalar(-0.5), 59, d)
            + weighted(q, s.clone().powi_scalar(3), 60, d)
            + weighted(q, s.clone().powi_scalar(2), 61, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("s", s.grad(&g).unwrap())]
    };
    rounding_and_remainder: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let x = distinct::<B, 2>(q, [4, 6], 62, (-2.9, 2.9), d).require_grad();
        let b = q.range::<B, 2>([4, 6], 63, 3.1, 4.0, d).require_grad();
        let loss = weighted(q, x.clone().round(), 64, d)
            + weighted(q, x.clone().floor(), 65, d)
            + weighted(q, x.clone().ceil(), 66, d)
            + weighted(q, x.clone().remainder(b.clone()), 67, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("b", b.grad(&g).unwrap())]
    };

    // ---- reductions ------------------------------------------------------------------------
    sum_mean_all_and_dim: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 3>([2, 4, 6], 68, d).require_grad();
        let s = x.clone().sum() * 0.75 + x.clone().mean() * 2.0;
        let loss = s + weighted(q, x.clone().sum_dim(1), 69, d) + weighted(q, x.clone().mean_dim(2), 70, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    var_and_var_mean: Tol::n(16.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 2>([4, 6], 71, d).require_grad();
        let (v, m) = x.clone().var_mean(0);
        let loss = weighted(q, x.clone().var(1), 72, d) + weighted(q, v, 73, d) + weighted(q, m, 74, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    prod_and_prod_dim: Tol::n(16.0).with_floor(0.2) => |q, d| {
        // exp(Σ log x) in Burn's default: positive inputs.
        let x = q.range::<B, 2>([3, 5], 75, 0.6, 1.5, d).require_grad();
        let loss = x.clone().prod() + weighted(q, x.clone().prod_dim(1), 76, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    max_min_all_and_dim: Tol::n(2.0).with_floor(0.2) => |q, d| {
        let x = distinct::<B, 3>(q, [2, 4, 6], 77, (-2.0, 2.0), d).require_grad();
        let loss = x.clone().max() * 1.5 - x.clone().min() * 0.75
            + weighted(q, x.clone().max_dim(1), 78, d)
            + weighted(q, x.clone().min_dim(2), 79, d)
            + weighted(q, x.clone().max_abs_dim(0), 80, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    max_min_dim_with_indices: Tol::n(2.0).with_floor(0.2) => |q, d| {
        let x = distinct::<B, 3>(q, [2, 4, 6], 81, (-2.0, 2.0), d).require_grad();
        let (mx, imx) = x.clone().max_dim_with_indices(2);
        let (mn, imn) = x.clone().min_dim_with_indices(0);
        let loss = weighted(q, mx, 82, d) + weighted(q, mn, 83, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("imax", imx), o("imin", imn)]
    };
    max_min_pair_clamp: Tol::n(2.0).with_floor(0.2) => |q, d| {
        let a = distinct::<B, 2>(q, [4, 6], 84, (-2.0, 2.0), d).require_grad();
        let b = distinct::<B, 2>(q, [4, 6], 85, (-1.9, 2.1), d).require_grad();
        // Bounds are powers of two (exact in LNS) and no input equals one.
        let loss = weighted(q, a.clone().max_pair(b.clone()), 86, d)
            + weighted(q, a.clone().min_pair(b.clone()), 87, d)
            + weighted(q, a.clone().clamp(-1.0, 0.5), 88, d)
            + weighted(q, b.clone().clamp_min(0.25), 89, d)
            + weighted(q, b.clone().clamp_max(-0.5), 90, d);
        let g = loss.backward();
        vec![o("a", a.grad(&g).unwrap()), o("b", b.grad(&g).unwrap())]
    };
    topk: Tol::n(2.0).with_floor(0.2) => |q, d| {
        let x = distinct::<B, 2>(q, [4, 7], 91, (-2.0, 2.0), d).require_grad();
        let (v, i) = x.clone().topk_with_indices(3, 1);
        // (`topk` itself has no backward in Burn 0.21's autodiff; `topk_with_indices` has.)
        let (v0, _) = x.clone().topk_with_indices(2, 0);
        let loss = weighted(q, v, 92, d) + weighted(q, v0, 93, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("indices", i)]
    };

    // ---- cumulative ------------------------------------------------------------------------
    cumsum: Tol::n(6.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 3>([2, 5, 4], 94, d).require_grad();
        let loss = weighted(q, x.clone().cumsum(1), 95, d) + weighted(q, x.clone().cumsum(2), 96, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    cumprod: Tol::n(16.0).with_floor(0.2) => |q, d| {
        let x = q.range::<B, 2>([3, 5], 97, 0.6, 1.5, d).require_grad();
        let y = q.range::<B, 2>([4, 3], 98, -1.5, -0.6, d).require_grad();
        let loss = weighted(q, x.clone().cumprod(1), 99, d) + weighted(q, y.clone().cumprod(0), 100, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("y", y.grad(&g).unwrap())]
    };
    cummin_cummax: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let x = distinct::<B, 2>(q, [4, 6], 101, (-2.0, 2.0), d).require_grad();
        let loss = weighted(q, x.clone().cummax(1), 102, d) + weighted(q, x.clone().cummin(0), 103, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };

    // ---- indexing ----------------------------------------------------------------------------
    gather_repeated_indices: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 2>([3, 5], 104, d).require_grad();
        let idx = Tensor::<B, 2, Int>::from_data([[4, 4, 0, 2], [1, 1, 1, 3], [0, 2, 4, 4]], d);
        let idx0 = Tensor::<B, 2, Int>::from_data([[2, 0, 2, 1, 2], [2, 2, 0, 0, 1]], d);
        let loss = weighted(q, x.clone().gather(1, idx), 105, d) + weighted(q, x.clone().gather(0, idx0), 106, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    scatter_add: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let t = q.t::<B, 2>([3, 4], 107, d).require_grad();
        let v = q.t::<B, 2>([3, 5], 108, d).require_grad();
        let idx = Tensor::<B, 2, Int>::from_data([[3, 0, 3, 1, 3], [2, 2, 2, 0, 1], [0, 1, 2, 3, 0]], d);
        let y = t.clone().scatter(1, idx, v.clone(), IndexingUpdateOp::Add);
        let g = weighted(q, y.clone() * y, 109, d).backward();
        vec![o("tensor", t.grad(&g).unwrap()), o("value", v.grad(&g).unwrap())]
    };
    select_and_select_assign: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 2>([4, 5], 110, d).require_grad();
        let v = q.t::<B, 2>([3, 5], 111, d).require_grad();
        let sel = Tensor::<B, 1, Int>::from_data([3, 0, 3, 2], d);
        let asg = Tensor::<B, 1, Int>::from_data([1, 1, 3], d);
        let s = x.clone().select(0, sel);
        let a = x.clone().select_assign(0, asg, v.clone(), IndexingUpdateOp::Add);
        let loss = weighted(q, s.clone() * s, 112, d) + weighted(q, a.clone() * a, 113, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("value", v.grad(&g).unwrap())]
    };
    slice_stepped_and_slice_assign: Tol::n(4.0).with_floor(0.2) => |q, d| {
        use burn::tensor::s;
        let x = q.t::<B, 2>([5, 6], 114, d).require_grad();
        let v = q.t::<B, 2>([2, 3], 115, d).require_grad();
        let a = x.clone().slice([1..4, 2..6]);
        let b = x.clone().slice(s![..;2, ..;-2]);
        let c = x.clone().slice_assign([2..4, 1..4], v.clone());
        let loss = weighted(q, a, 116, d) + weighted(q, b, 117, d) + weighted(q, c.clone() * c, 118, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("value", v.grad(&g).unwrap())]
    };
    cat_narrow_chunk: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let a = q.t::<B, 2>([2, 3], 119, d).require_grad();
        let b = q.t::<B, 2>([4, 3], 120, d).require_grad();
        let c = Tensor::cat(vec![a.clone(), b.clone(), a.clone()], 0);
        let parts = c.clone().chunk(3, 1);
        let loss = weighted(q, c.clone() * c.clone(), 121, d)
            + weighted(q, c.narrow(0, 1, 4), 122, d)
            + weighted(q, parts[2].clone(), 123, d);
        let g = loss.backward();
        vec![o("a", a.grad(&g).unwrap()), o("b", b.grad(&g).unwrap())]
    };
    mask_where_mask_fill: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 2>([4, 6], 124, d).require_grad();
        let v = q.t::<B, 2>([1, 6], 125, d).require_grad();
        let mask = Tensor::<B, 2, Bool>::from_data(
            [[true, false, false, true, true, false], [false, false, true, true, false, true],
             [true, true, true, false, false, false], [false, true, false, true, false, true]], d);
        let w = x.clone().mask_where(mask.clone(), v.clone().expand([4, 6]));
        let f = x.clone().mask_fill(mask.bool_not(), 0.5);
        let loss = weighted(q, w.clone() * w, 126, d) + weighted(q, f.clone() * f, 127, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("value", v.grad(&g).unwrap())]
    };
    gather_nd_scatter_nd: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 3>([3, 4, 2], 128, d).require_grad();
        let v = q.t::<B, 2>([3, 2], 129, d).require_grad();
        let idx = Tensor::<B, 2, Int>::from_data([[2, 1], [0, 3], [2, 1]], d);
        let gat = x.clone().gather_nd::<2, 2>(idx.clone());
        let sca = x.clone().scatter_nd::<2, 2>(idx, v.clone(), IndexingUpdateOp::Add);
        let loss = weighted(q, gat.clone() * gat, 130, d) + weighted(q, sca.clone() * sca, 131, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("value", v.grad(&g).unwrap())]
    };

    // ---- layout --------------------------------------------------------------------------------
    expand_repeat: Tol::n(6.0).with_floor(0.2) => |q, d| {
        let a = q.t::<B, 2>([1, 4], 132, d).require_grad();
        let b = q.t::<B, 3>([2, 1, 3], 133, d).require_grad();
        let loss = weighted(q, a.clone().expand([3, 5, 4]), 134, d)
            + weighted(q, b.clone().repeat_dim(1, 3), 135, d)
            + weighted(q, b.clone().repeat(&[2, 2, 1]), 136, d);
        let g = loss.backward();
        vec![o("a", a.grad(&g).unwrap()), o("b", b.grad(&g).unwrap())]
    };
    flip_permute_swap_reshape: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 3>([2, 3, 4], 137, d).require_grad();
        let loss = weighted(q, x.clone().flip([0, 2]) * x.clone(), 138, d)
            + weighted(q, x.clone().permute([2, 0, 1]), 139, d)
            + weighted(q, x.clone().swap_dims(0, 1).reshape([3, 8]), 140, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    unfold: Tol::n(4.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 2>([3, 7], 141, d).require_grad();
        let u: Tensor<B, 3> = x.clone().unfold(1, 3, 2);
        let g = weighted(q, u.clone() * u, 142, d).backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    sort_and_sort_with_indices: Tol::n(2.0).with_floor(0.2) => |q, d| {
        let x = distinct::<B, 2>(q, [4, 6], 143, (-2.0, 2.0), d).require_grad();
        let (s, i) = x.clone().sort_descending_with_indices(0);
        let loss = weighted(q, x.clone().sort(1), 144, d) + weighted(q, s, 145, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("indices", i)]
    };

    // ---- composites ----------------------------------------------------------------------------
    softmax_log_softmax: Tol::n(16.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 3>([2, 3, 5], 146, d).require_grad();
        let loss = weighted(q, act::softmax(x.clone(), 2), 147, d)
            + weighted(q, act::log_softmax(x.clone(), 1), 148, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    // 16:10 sums of 130–260 terms in the 16:10 accumulator (reverse cumsum, matmul rows,
    // broadcast reductions) round every partial sum: up to ~25 u on 16:10; the 32:23
    // run keeps the default budget. Bit-equality across threads and SIMD levels is
    // checked by `gradient_codes_do_not_depend_on_threads_or_simd_level`.
    large_parallel_paths: Tol::n(32.0).with_n32(24.0).with_floor(0.2) => |q, d| large_graph::<B>(q, d);
    exact_zeros: Tol::n(8.0).with_floor(0.2) => |q, d| {
        let a = q.of::<B, 2>(vec![0.0, -0.0, 1.5, -0.5, 0.0, 2.0, -1.25, 0.0, 0.75, -0.0, 1.0, -2.0], [3, 4], d).require_grad();
        let b = q.of::<B, 2>(vec![0.5, 0.0, -0.0, 1.75, -1.5, 0.0, 0.25, -0.75, 0.0, 1.0, -1.0, 0.0], [3, 4], d).require_grad();
        let p = a.clone() * b.clone();
        let loss = weighted(q, p.clone() + a.clone(), 161, d)
            + weighted(q, act::relu(a.clone()).matmul(b.clone().transpose()), 162, d)
            + weighted(q, (p - b.clone()).neg().abs(), 163, d)
            + weighted(q, a.clone().mask_fill(b.clone().equal_elem(0.0), 0.0), 164, d);
        let g = loss.backward();
        vec![o("a", a.grad(&g).unwrap()), o("b", b.grad(&g).unwrap())]
    };
    cross_product: Tol::n(8.0).with_floor(0.2) => |q, d| {
        let a = q.t::<B, 2>([4, 3], 149, d).require_grad();
        let b = q.t::<B, 2>([4, 3], 150, d).require_grad();
        let g = weighted(q, a.clone().cross(b.clone(), 1), 151, d).backward();
        vec![o("a", a.grad(&g).unwrap()), o("b", b.grad(&g).unwrap())]
    };
}
