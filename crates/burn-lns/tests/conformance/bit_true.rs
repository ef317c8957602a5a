//! Bit-true at the backend level: matmul, conv2d, conv_transpose2d, sum/mean and
//! softmax give identical codes on 1 and 2 rayon threads and on every SIMD level this
//! CPU runs (forced with the device's `:simd=` setting), for 8-, 16- and 32-bit presets.

use burn::tensor::activation::{relu, softmax};
use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Tensor, TensorData};
use burn_lns::{Lns, LnsDevice};
use lns_core::kernels::SimdLevel;

use crate::code_checks::{assert_same_codes, codes, on_threads, thread_counts_agree};
use crate::common::Rng;

fn input<const D: usize>(shape: [usize; D], seed: u64, device: &LnsDevice) -> Tensor<Lns, D> {
    let n: usize = shape.iter().product();
    let mut rng = Rng::new(seed);
    let v: Vec<f32> = (0..n).map(|_| rng.uniform(-1.5, 1.5)).collect();
    Tensor::from_data(TensorData::new(v, shape), device)
}

/// The codes of every checked op on `device`. Sizes cross the parallel thresholds:
/// batched and single matmuls (≥ 64 rows go row-parallel), a conv with more images than
/// threads and one with fewer, reductions over more than one 16 Ki chunk.
fn ops(device: &LnsDevice) -> Vec<(&'static str, Vec<i32>)> {
    let a = input([3, 70, 45], 1, device);
    let b = input([45, 67], 2, device);
    let big = input([130, 97], 3, device);
    let x = input([4, 6, 9, 8], 4, device);
    let w = input([8, 3, 3, 3], 5, device).mul_scalar(0.3);
    let bias = Some(input([8], 6, device));
    let opts = ConvOptions::new([1, 2], [1, 1], [1, 1], 2);
    let long = input([5, 20_000], 7, device);
    vec![
        (
            "matmul_batched",
            codes(a.clone().matmul(b.clone().unsqueeze())),
        ),
        (
            "matmul_large_m",
            codes(big.clone().matmul(input([97, 70], 8, device))),
        ),
        (
            "matmul_transposed",
            codes(big.clone().transpose().matmul(big.clone())),
        ),
        (
            "conv2d_many_images",
            codes(conv2d(x.clone(), w.clone(), bias.clone(), opts.clone())),
        ),
        (
            "conv2d_one_image",
            codes(conv2d(
                x.clone().slice([0..1, 0..6, 0..9, 0..8]),
                w.clone(),
                bias.clone(),
                opts.clone(),
            )),
        ),
        // ReLU zeros make the im2col operand the broadcast one (Cᵀ = Bᵀ·Aᵀ).
        (
            "conv2d_relu_input",
            codes(conv2d(relu(x.clone()), w.clone(), bias.clone(), opts)),
        ),
        (
            "conv_transpose2d",
            codes(conv_transpose2d(
                x,
                input([6, 5, 3, 2], 9, device).mul_scalar(0.3),
                Some(input([10], 10, device)),
                ConvTransposeOptions::new([2, 1], [1, 0], [1, 0], [1, 1], 2),
            )),
        ),
        // 2×2 outputs: images are batched 16 to a GEMM (three batches, the last short).
        (
            "conv2d_batched_images",
            codes(conv2d(
                input([37, 3, 4, 4], 11, device),
                input([6, 3, 3, 3], 12, device).mul_scalar(0.3),
                Some(input([6], 13, device)),
                ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
            )),
        ),
        // The kernel covers the input (a weight gradient's shape): transposed im2col.
        (
            "conv2d_kernel_covers_input",
            codes(conv2d(
                input([5, 3, 6, 5], 19, device),
                input([4, 3, 6, 5], 20, device).mul_scalar(0.3),
                None,
                ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
            )),
        ),
        ("sum", codes(long.clone().sum())),
        ("sum_dim", codes(long.clone().sum_dim(1))),
        ("mean_dim", codes(long.clone().mean_dim(0))),
        ("mean", codes(big.clone().mean())),
        ("softmax", codes(softmax(long, 1))),
        ("softmax_dim0", codes(softmax(big, 0))),
    ]
}

#[test]
fn lns16_codes_do_not_depend_on_the_thread_count() {
    thread_counts_agree("lns16", ops);
}

#[test]
fn lns32_ref_codes_do_not_depend_on_the_thread_count() {
    thread_counts_agree("lns32-ref", ops);
}

#[test]
fn lns8_and_wide_accumulator_codes_do_not_depend_on_the_thread_count() {
    thread_counts_agree("lns8", ops);
    thread_counts_agree("16:10:lut:acc=20:14", ops);
}

fn every_simd_level_agrees(spec: &str) {
    let levels = SimdLevel::available();
    assert!(levels.contains(&SimdLevel::Scalar) && levels.contains(&SimdLevel::Portable));
    let scalar: LnsDevice = format!("{spec}:simd=scalar").parse().unwrap();
    assert_eq!(scalar.exec().simd, SimdLevel::Scalar);
    let want = on_threads(2, || ops(&scalar));
    for level in levels {
        let name = format!("{level:?}").to_ascii_lowercase();
        let device: LnsDevice = format!("{spec}:simd={name}").parse().unwrap();
        assert_eq!(device.exec().simd, level);
        let got = on_threads(2, || ops(&device));
        assert_same_codes(&format!("{spec}: scalar vs {name}"), &want, &got);
        let got1 = on_threads(1, || ops(&device));
        assert_same_codes(
            &format!("{spec}: scalar vs {name} on one thread"),
            &want,
            &got1,
        );
    }
}

#[test]
fn lns16_codes_are_identical_on_every_simd_level() {
    every_simd_level_agrees("lns16");
}

#[test]
fn lns32_ref_codes_are_identical_on_every_simd_level() {
    every_simd_level_agrees("lns32-ref");
}

#[test]
fn lns12_pwl_and_lns8_codes_are_identical_on_every_simd_level() {
    every_simd_level_agrees("lns12-pwl");
    every_simd_level_agrees("lns8");
}

/// Convolutions with few output positions batch several images into one GEMM; every
/// image's codes equal those of convolving it alone.
#[test]
fn a_batched_convolution_equals_the_convolutions_of_its_images() {
    for spec in ["lns16", "lns8", "lns16:simd=scalar", "16:10:lut:acc=20:14"] {
        let device: LnsDevice = spec.parse().unwrap();
        let x = relu(input([21, 4, 3, 5], 14, &device));
        let w = input([6, 2, 2, 3], 15, &device).mul_scalar(0.3);
        let b = Some(input([6], 16, &device));
        let opts = ConvOptions::new([1, 2], [0, 1], [1, 1], 2);
        let all = codes(conv2d(x.clone(), w.clone(), b.clone(), opts.clone()));
        let one_by_one: Vec<i32> = (0..21)
            .flat_map(|i| {
                let xi = x.clone().slice([i..i + 1, 0..4, 0..3, 0..5]);
                codes(conv2d(xi, w.clone(), b.clone(), opts.clone()))
            })
            .collect();
        assert_eq!(all, one_by_one, "{spec}");
    }
}

/// A convolution whose kernel covers its whole input (how Burn computes a weight
/// gradient: the input convolved with the output gradient) builds its im2col from
/// shifted input planes; its codes equal those of the general im2col, reached by giving
/// the input one more zero row and column (the extra products are zero, exact no-ops,
/// and the kernel no longer covers the input).
#[test]
fn a_convolution_whose_kernel_covers_its_input_equals_the_general_im2col() {
    for spec in [
        "lns16",
        "lns8",
        "lns12-pwl",
        "lns16:simd=scalar",
        "16:10:lut:acc=20:14",
    ] {
        let device: LnsDevice = spec.parse().unwrap();
        for relu_input in [false, true] {
            let mut x = input([9, 5, 6, 7], 17, &device);
            if relu_input {
                x = relu(x);
            }
            let w = input([4, 5, 6, 7], 18, &device).mul_scalar(0.3);
            let opts = ConvOptions::new([1, 1], [1, 2], [1, 1], 1);
            let covering = conv2d(x.clone(), w.clone(), None, opts.clone());
            assert_eq!(covering.dims(), [9, 4, 3, 5]);
            let wider =
                Tensor::zeros([9, 5, 7, 8], &device).slice_assign([0..9, 0..5, 0..6, 0..7], x);
            let general = conv2d(wider, w, None, opts).slice([0..9, 0..4, 0..3, 0..5]);
            assert_eq!(codes(covering), codes(general), "{spec}, relu {relu_input}");
        }
    }
}

/// A transposed convolution of stride one is the convolution of its input with the
/// kernel's channels swapped per group and every spatial axis flipped; the codes equal
/// those of building that kernel with tensor ops (exact code moves).
#[test]
fn a_transposed_convolution_equals_the_convolution_with_the_flipped_swapped_kernel() {
    for spec in ["lns16", "lns8", "16:10:lut:acc=20:14"] {
        let device: LnsDevice = spec.parse().unwrap();
        let (groups, cig, cog, kh, kw) = (2, 3, 4, 2, 3);
        let x = input([2, groups * cig, 5, 6], 21, &device);
        let w = input([groups * cig, cog, kh, kw], 22, &device).mul_scalar(0.3);
        let transposed = conv_transpose2d(
            x.clone(),
            w.clone(),
            None,
            ConvTransposeOptions::new([1, 1], [0, 0], [0, 0], [1, 1], groups),
        );
        let kernel = w
            .reshape([groups, cig, cog, kh, kw])
            .swap_dims(1, 2)
            .reshape([groups * cog, cig, kh, kw])
            .flip([2, 3]);
        let direct = conv2d(
            x,
            kernel,
            None,
            ConvOptions::new([1, 1], [kh - 1, kw - 1], [1, 1], groups),
        );
        assert_eq!(codes(transposed), codes(direct), "{spec}");
    }
}

/// The weight gradient of a grouped convolution stacks, along the output channels, the
/// weight gradients of each group's convolution on its own channels, code for code.
#[test]
fn a_grouped_weight_gradient_stacks_the_weight_gradients_of_its_groups() {
    use burn::backend::Autodiff;
    type Ad = Autodiff<Lns>;
    let device: LnsDevice = "lns16".parse().unwrap();
    let leaf = |t: Tensor<Lns, 4>| Tensor::<Ad, 4>::from_inner(t).require_grad();
    let (cig, cog) = (3, 2);
    let x = input([2, 2 * cig, 7, 6], 23, &device);
    let w = input([2 * cog, cig, 3, 2], 24, &device).mul_scalar(0.3);
    let opts = |groups| ConvOptions::new([2, 1], [1, 1], [1, 2], groups);
    let weight_grad = |x: Tensor<Lns, 4>, w: Tensor<Lns, 4>, dy: Tensor<Lns, 4>, groups| {
        let w = leaf(w);
        let y = conv2d(leaf(x), w.clone(), None, opts(groups));
        let grads = (y * Tensor::from_inner(dy)).sum().backward();
        w.grad(&grads).expect("the weight takes part")
    };
    let dy = input([2, 2 * cog, 4, 6], 25, &device);
    let grouped = weight_grad(x.clone(), w.clone(), dy.clone(), 2);
    assert_eq!(grouped.dims(), [2 * cog, cig, 3, 2]);
    let per_group: Vec<i32> = (0..2)
        .flat_map(|g| {
            codes(weight_grad(
                x.clone().narrow(1, g * cig, cig),
                w.clone().narrow(0, g * cog, cog),
                dy.clone().narrow(1, g * cog, cog),
                1,
            ))
        })
        .collect();
    assert_eq!(codes(grouped), per_group);
}
