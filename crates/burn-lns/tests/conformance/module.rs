//! Module ops (`ModuleOps`) and activations (`ActivationOps`) against burn-flex f32:
//! convolutions with stride, padding, dilation and groups, pools with indices, adaptive
//! pools, interpolation, linear, embedding, layer norm, attention, unfold4d, FFT, and
//! every activation. Sums over `k` taps are canonical-order LNS folds, so tolerances
//! grow with the number of taps (floor 0.2 of the output's scale).

use burn::tensor::activation as act;
use burn::tensor::backend::Backend;
use burn::tensor::module as m;
use burn::tensor::ops::{
    AttentionModuleOptions, ConvOptions, ConvTransposeOptions, InterpolateMode, InterpolateOptions,
    UnfoldOptions,
};
use burn::tensor::{Int, Tensor};

use crate::common::{Out, Q, Tol, cases, o, unary_views};

const ANY: (f32, f32) = (-3.0, 3.0);

fn conv2d_cases<B: Backend>(q: &Q, d: &B::Device) -> Vec<Out> {
    let x = q.t::<B, 4>([2, 4, 7, 6], 1, d);
    let w = q.range::<B, 4>([6, 4, 3, 3], 2, -0.5, 0.5, d);
    let wg = q.range::<B, 4>([6, 2, 3, 2], 3, -0.5, 0.5, d);
    let bias = Some(q.t::<B, 1>([6], 4, d));
    vec![
        o(
            "plain",
            m::conv2d(
                x.clone(),
                w.clone(),
                bias.clone(),
                ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
            ),
        ),
        o(
            "stride_pad",
            m::conv2d(
                x.clone(),
                w.clone(),
                bias.clone(),
                ConvOptions::new([2, 1], [1, 2], [1, 1], 1),
            ),
        ),
        o(
            "dilation",
            m::conv2d(
                x.clone(),
                w.clone(),
                None,
                ConvOptions::new([1, 1], [1, 1], [2, 2], 1),
            ),
        ),
        o(
            "groups",
            m::conv2d(
                x.clone(),
                wg,
                bias,
                ConvOptions::new([1, 2], [1, 0], [1, 1], 2),
            ),
        ),
        o(
            "permuted_input",
            m::conv2d(
                q.t::<B, 4>([2, 7, 6, 4], 5, d).permute([0, 3, 1, 2]),
                w.clone(),
                None,
                ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
            ),
        ),
        o(
            "size1_kernel",
            m::conv2d(
                x,
                w.slice([0..6, 0..4, 0..1, 0..1]),
                None,
                ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
            ),
        ),
    ]
}

cases! {
    conv1d: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 3>([2, 4, 9], 10, d);
        let w = q.range::<B, 3>([6, 2, 3], 11, -0.5, 0.5, d);
        vec![
            o("stride_pad_dilation_groups", m::conv1d(x.clone(), w.clone(), Some(q.t::<B, 1>([6], 12, d)), ConvOptions::new([2], [2], [2], 2))),
            o("plain", m::conv1d(x, q.range::<B, 3>([3, 4, 2], 13, -0.5, 0.5, d), None, ConvOptions::new([1], [0], [1], 1))),
        ]
    };
    conv2d: Tol::n(16.0).with_floor(0.2) => |q, d| conv2d_cases::<B>(q, d);
    conv3d: Tol::n(16.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 5>([1, 2, 4, 5, 4], 14, d);
        let w = q.range::<B, 5>([4, 1, 2, 3, 2], 15, -0.5, 0.5, d);
        vec![o("stride_pad_groups", m::conv3d(x, w, Some(q.t::<B, 1>([4], 16, d)), ConvOptions::new([1, 2, 1], [1, 1, 0], [1, 1, 2], 2)))]
    };
    conv_transpose1d: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 3>([2, 4, 5], 17, d);
        let w = q.range::<B, 3>([4, 3, 3], 18, -0.5, 0.5, d);
        vec![o("stride_pad_out_groups", m::conv_transpose1d(x, w, Some(q.t::<B, 1>([6], 19, d)), ConvTransposeOptions::new([2], [1], [1], [1], 2)))]
    };
    conv_transpose2d: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 4>([2, 3, 4, 5], 20, d);
        let w = q.range::<B, 4>([3, 2, 3, 3], 21, -0.5, 0.5, d);
        vec![
            o("stride_pad_out", m::conv_transpose2d(x.clone(), w.clone(), Some(q.t::<B, 1>([2], 22, d)), ConvTransposeOptions::new([2, 2], [1, 1], [1, 0], [1, 1], 1))),
            o("dilation", m::conv_transpose2d(x, w, None, ConvTransposeOptions::new([1, 2], [0, 1], [0, 1], [2, 1], 1))),
        ]
    };
    conv_transpose3d: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 5>([1, 2, 3, 3, 2], 23, d);
        let w = q.range::<B, 5>([2, 2, 2, 2, 2], 24, -0.5, 0.5, d);
        vec![o("stride", m::conv_transpose3d(x, w, Some(q.t::<B, 1>([2], 25, d)), ConvTransposeOptions::new([2, 1, 2], [0, 1, 0], [1, 0, 0], [1, 1, 1], 1)))]
    };
    max_pool: Tol::EXACT => |q, d| {
        let x = q.t::<B, 4>([2, 3, 7, 6], 26, d);
        let (v, i) = m::max_pool2d_with_indices(x.clone(), [3, 2], [2, 2], [1, 0], [1, 1], false);
        let (v1, i1) = m::max_pool1d_with_indices(q.t::<B, 3>([2, 3, 9], 27, d), 3, 2, 1, 2, false);
        // Repeated powers of two and zeros tie inside most windows: the first maximal
        // tap gives the index. (A negative zero's sign is not kept: LNS has one zero.)
        let tied = |set: [f32; 5]| -> Vec<f32> { (0..60).map(|i| set[(i * 3) % 5]).collect() };
        let mixed = q.of::<B, 4>(tied([2.0, -1.0, 0.0, 2.0, 0.5]), [1, 2, 5, 6], d);
        let negative = q.of::<B, 4>(tied([-2.0, -1.0, -0.5, -0.5, -1.0]), [1, 2, 5, 6], d);
        let (vz, iz) = m::max_pool2d_with_indices(mixed, [2, 3], [1, 2], [0, 1], [1, 1], false);
        let (vn, in_) = m::max_pool2d_with_indices(negative, [2, 2], [1, 1], [0, 0], [1, 1], false);
        vec![
            o("ties_values", vz), o("ties_indices", iz),
            o("negated_ties_values", vn), o("negated_ties_indices", in_),
            o("max_pool2d", m::max_pool2d(x.clone(), [2, 2], [2, 2], [0, 0], [1, 1], false)),
            o("max_pool2d_dilation_ceil", m::max_pool2d(x.clone(), [2, 2], [2, 2], [1, 1], [2, 1], true)),
            o("with_indices_values", v), o("with_indices_indices", i),
            o("max_pool1d", m::max_pool1d(q.t::<B, 3>([2, 3, 9], 28, d), 2, 1, 0, 1, false)),
            o("max_pool1d_values", v1), o("max_pool1d_indices", i1),
        ]
    };
    avg_pool: Tol::n(8.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 4>([2, 3, 7, 6], 29, d);
        vec![
            o("avg_pool2d", m::avg_pool2d(x.clone(), [3, 3], [2, 2], [1, 1], true, false)),
            o("avg_pool2d_exclude_pad_ceil", m::avg_pool2d(x.clone(), [2, 3], [2, 2], [1, 1], false, true)),
            o("avg_pool1d", m::avg_pool1d(q.t::<B, 3>([2, 3, 9], 30, d), 3, 2, 1, true, false)),
            o("adaptive_avg_pool2d", m::adaptive_avg_pool2d(x.clone(), [3, 4])),
            o("adaptive_avg_pool2d_upsample", m::adaptive_avg_pool2d(x.slice([0..1, 0..1, 0..3, 0..2]), [5, 3])),
            o("adaptive_avg_pool1d", m::adaptive_avg_pool1d(q.t::<B, 3>([2, 3, 9], 31, d), 4)),
        ]
    };
    interpolate: Tol::n(8.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 4>([1, 2, 4, 5], 32, d);
        let opt = |mode, align| InterpolateOptions { mode, align_corners: align };
        vec![
            o("nearest_up", m::interpolate(x.clone(), [7, 9], opt(InterpolateMode::Nearest, false))),
            o("nearest_down", m::interpolate(x.clone(), [3, 2], opt(InterpolateMode::Nearest, false))),
            o("bilinear", m::interpolate(x.clone(), [7, 3], opt(InterpolateMode::Bilinear, false))),
            o("bilinear_align", m::interpolate(x.clone(), [6, 8], opt(InterpolateMode::Bilinear, true))),
            o("bicubic", m::interpolate(x.clone(), [6, 7], opt(InterpolateMode::Bicubic, false))),
            o("bicubic_align", m::interpolate(x.clone(), [3, 3], opt(InterpolateMode::Bicubic, true))),
            o("lanczos3", m::interpolate(x, [8, 10], opt(InterpolateMode::Lanczos3, false))),
        ]
    };
    linear_and_embedding: Tol::n(8.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 3>([2, 3, 5], 33, d);
        let w = q.t::<B, 2>([5, 4], 34, d);
        let table = q.t::<B, 2>([6, 3], 35, d);
        vec![
            o("linear", m::linear(x, w, Some(q.t::<B, 1>([4], 36, d)))),
            o("embedding", m::embedding(table, Tensor::<B, 2, Int>::from_data([[5, 0, 2], [2, 2, 1]], d))),
        ]
    };
    layer_norm: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 3>([2, 3, 8], 37, d);
        let gamma = q.range::<B, 1>([8], 38, 0.5, 1.5, d);
        let beta = q.t::<B, 1>([8], 39, d);
        vec![o("layer_norm", Tensor::<B, 3>::from_primitive(burn::tensor::TensorPrimitive::Float(B::layer_norm(
            x.into_primitive().tensor(), gamma.into_primitive().tensor(), Some(beta.into_primitive().tensor()), 1e-5))))]
    };
    attention: Tol::n(16.0).with_floor(0.2) => |q, d| {
        let qk = |seed| q.t::<B, 4>([1, 2, 5, 4], seed, d);
        let mask = Tensor::<B, 4, burn::tensor::Bool>::from_data(
            burn::tensor::TensorData::new((0..50).map(|i| i % 7 == 3).collect::<Vec<_>>(), [1, 2, 5, 5]), d);
        vec![
            o("plain", m::attention(qk(40), qk(41), qk(42), None, None, AttentionModuleOptions::default())),
            o("causal_masked", m::attention(qk(43), qk(44), qk(45), Some(mask), None, AttentionModuleOptions { is_causal: true, ..Default::default() })),
        ]
    };
    unfold4d: Tol::EXACT => |q, d| {
        let x = q.t::<B, 4>([1, 2, 5, 4], 46, d);
        vec![o("unfold4d", m::unfold4d(x, [2, 3], UnfoldOptions::new([1, 2], [1, 0], [1, 1])))]
    };
    rfft_irfft: Tol::n(12.0).with_floor(0.2) => |q, d| {
        let sig = q.t::<B, 2>([3, 8], 47, d);
        let (re, im) = burn::tensor::signal::rfft(sig, 1, None);
        vec![o("re", re.clone()), o("im", im.clone()), o("irfft", burn::tensor::signal::irfft(re, im, 1, None))]
    };

    // ---- activations ----------------------------------------------------------------
    relu: Tol::EXACT => |q, d| unary_views::<B>(q, d, ANY, act::relu);
    leaky_relu_power_of_two_slope: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, ANY, |x| act::leaky_relu(x, 0.125));
    leaky_relu: Tol::n(2.5) => |q, d| unary_views::<B>(q, d, ANY, |x| act::leaky_relu(x, 0.01));
    prelu: Tol::n(2.5) => |q, d| vec![o("prelu", act::prelu(q.t::<B, 3>([2, 3, 4], 48, d), q.range::<B, 1>([3], 49, 0.0, 0.3, d)))];
    gelu: Tol::n(8.0).with_floor(0.2) => |q, d| unary_views::<B>(q, d, ANY, act::gelu);
    sigmoid: Tol::n(3.0) => |q, d| unary_views::<B>(q, d, (-6.0, 6.0), act::sigmoid);
    hard_sigmoid: Tol::n(8.0).with_floor(0.2) => |q, d| unary_views::<B>(q, d, (-6.0, 6.0), |x| act::hard_sigmoid(x, 0.2, 0.5));
    // 1 + e^(−|x|) is rounded once; its log is tiny for large x, so that rounding is
    // amplified (absolute error ≈ u, relative up to ~60 u at |x| ≈ 4).
    log_sigmoid: Tol::n(48.0).with_floor(0.2) => |q, d| unary_views::<B>(q, d, (-6.0, 6.0), act::log_sigmoid);
    tanh_activation: Tol::n(1.5) => |q, d| unary_views::<B>(q, d, ANY, act::tanh);
    softmax: Tol::n(8.0) => |q, d| {
        let mut v = unary_views::<B>(q, d, ANY, |x| act::softmax(x, 1));
        v.push(o("dim0", act::softmax(q.t::<B, 2>([5, 3], 50, d), 0)));
        v
    };
    log_softmax: Tol::n(8.0).with_floor(0.2) => |q, d| unary_views::<B>(q, d, ANY, |x| act::log_softmax(x, 1));
    softmin: Tol::n(8.0) => |q, d| unary_views::<B>(q, d, ANY, |x| act::softmin(x, 1));
    silu_mish_softplus: Tol::n(8.0).with_floor(0.2) => |q, d| {
        let x = q.t::<B, 2>([4, 6], 51, d);
        vec![o("silu", act::silu(x.clone())), o("mish", act::mish(x.clone())), o("softplus", act::softplus(x, 1.0))]
    };
}
