//! Backward passes: gradients of composite graphs on `Autodiff<Lns>` against
//! `Autodiff<Flex>` f32, covering the backward ops of `ModuleOps` (conv x/weight/bias,
//! pool backward with and without indices, adaptive pool, interpolate, embedding) and
//! of `ActivationOps` (relu, gelu, sigmoid, log_sigmoid backward). The loss is
//! `Σ f(x)·w` with seeded weights `w`, so every gradient element is distinct.

use burn::tensor::activation as act;
use burn::tensor::module as m;
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions, InterpolateMode, InterpolateOptions};
use burn::tensor::{Int, Tensor};

use crate::common::{Tol, grad_cases, o, weighted};

grad_cases! {
    conv2d_x_weight_bias: Tol::n(24.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 4>([2, 4, 6, 5], 1, d).require_grad();
        let w = q.range::<B, 4>([6, 2, 3, 3], 2, -0.5, 0.5, d).require_grad();
        let b = q.t::<B, 1>([6], 3, d).require_grad();
        let y = m::conv2d(x.clone(), w.clone(), Some(b.clone()), ConvOptions::new([2, 1], [1, 1], [1, 2], 2));
        let g = weighted(q, y, 4, d).backward();
        vec![o("x", x.grad(&g).unwrap()), o("weight", w.grad(&g).unwrap()), o("bias", b.grad(&g).unwrap())]
    };
    conv1d_and_conv_transpose2d: Tol::n(24.0).with_floor(0.2) => |q, d| {
        let x1 = q.t::<B, 3>([2, 3, 8], 5, d).require_grad();
        let w1 = q.range::<B, 3>([4, 3, 3], 6, -0.5, 0.5, d).require_grad();
        let x2 = q.t::<B, 4>([1, 3, 4, 4], 7, d).require_grad();
        let w2 = q.range::<B, 4>([3, 2, 3, 3], 8, -0.5, 0.5, d).require_grad();
        let b2 = q.t::<B, 1>([2], 9, d).require_grad();
        let y1 = m::conv1d(x1.clone(), w1.clone(), None, ConvOptions::new([1], [1], [1], 1));
        let y2 = m::conv_transpose2d(x2.clone(), w2.clone(), Some(b2.clone()), ConvTransposeOptions::new([2, 2], [1, 1], [1, 1], [1, 1], 1));
        let g = (weighted(q, y1, 10, d) + weighted(q, y2, 11, d)).backward();
        vec![o("x1", x1.grad(&g).unwrap()), o("w1", w1.grad(&g).unwrap()), o("x2", x2.grad(&g).unwrap()), o("w2", w2.grad(&g).unwrap()), o("b2", b2.grad(&g).unwrap())]
    };
    pools: Tol::n(8.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 4>([2, 2, 7, 6], 12, d).require_grad();
        let x1 = q.t::<B, 3>([2, 2, 9], 13, d).require_grad();
        let loss = weighted(q, m::max_pool2d(x.clone(), [3, 2], [2, 2], [1, 0], [1, 1], false), 14, d)
            + weighted(q, m::avg_pool2d(x.clone(), [3, 3], [2, 1], [1, 1], false, false), 15, d)
            + weighted(q, m::adaptive_avg_pool2d(x.clone(), [3, 4]), 16, d)
            + weighted(q, m::max_pool1d(x1.clone(), 3, 2, 1, 1, false), 17, d)
            + weighted(q, m::avg_pool1d(x1.clone(), 2, 1, 0, true, false), 18, d)
            + weighted(q, m::adaptive_avg_pool1d(x1.clone(), 4), 19, d);
        let g = loss.backward();
        vec![o("x2d", x.grad(&g).unwrap()), o("x1d", x1.grad(&g).unwrap())]
    };
    interpolate: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 4>([1, 2, 4, 5], 20, d).require_grad();
        let opt = |mode| InterpolateOptions { mode, align_corners: false };
        let loss = weighted(q, m::interpolate(x.clone(), [7, 8], opt(InterpolateMode::Bilinear)), 21, d)
            + weighted(q, m::interpolate(x.clone(), [6, 3], opt(InterpolateMode::Nearest)), 22, d)
            + weighted(q, m::interpolate(x.clone(), [5, 7], opt(InterpolateMode::Bicubic)), 23, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    activations: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 2>([4, 6], 24, d).require_grad();
        let loss = weighted(q, act::relu(x.clone()), 25, d)
            + weighted(q, act::gelu(x.clone()), 26, d)
            + weighted(q, act::sigmoid(x.clone()), 27, d)
            + weighted(q, act::log_sigmoid(x.clone()), 28, d)
            + weighted(q, act::tanh(x.clone()), 29, d)
            + weighted(q, act::leaky_relu(x.clone(), 0.125), 30, d);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap())]
    };
    softmax_cross_entropy_through_matmul: Tol::n(16.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 2>([5, 4], 31, d).require_grad();
        let w = q.t::<B, 2>([4, 3], 32, d).require_grad();
        let logits = x.clone().matmul(w.clone());
        let targets = Tensor::<B, 1, Int>::from_data([0, 2, 1, 1, 0], d);
        let loss = burn::nn::loss::CrossEntropyLossConfig::new().init(d).forward(logits, targets);
        let g = loss.backward();
        vec![o("x", x.grad(&g).unwrap()), o("w", w.grad(&g).unwrap())]
    };
    embedding_layer_norm_and_elementwise_chain: Tol::n(24.0).with_floor(0.2) => |q, d| {
        let table = q.t::<B, 2>([6, 8], 33, d).require_grad();
        let gamma = q.range::<B, 1>([8], 34, 0.5, 1.5, d).require_grad();
        let e = m::embedding(table.clone(), Tensor::<B, 2, Int>::from_data([[5, 0, 2], [2, 2, 1]], d));
        let ln = burn::nn::LayerNormConfig::new(8).init::<B>(d);
        let y = ln.forward(e) * gamma.clone().reshape([1, 1, 8]);
        let z = y.clone().exp().div(y.clone().abs().add_scalar(1.0)).sqrt().mul(y.powi_scalar(2).log1p());
        let g = weighted(q, z, 35, d).backward();
        vec![o("table", table.grad(&g).unwrap()), o("gamma", gamma.grad(&g).unwrap())]
    };
}
