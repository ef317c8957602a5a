//! Op results on `Lns` against burn-flex f32, through Burn's public tensor API.
//!
//! One generic function computes a list of named results on any backend; the 32-bit
//! reference preset must match burn-flex within `REL_32` (relative, with an absolute
//! floor for values near zero), the 16-bit preset within `REL_16`.

use burn::backend::Flex;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2dConfig, ConvTranspose2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2dConfig, AvgPool2dConfig, MaxPool2dConfig};
use burn::tensor::activation;
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use burn_lns::{Lns, LnsDevice};

/// Relative tolerance of the 32:23 exact preset against f32.
const REL_32: f32 = 1e-4;
/// Relative tolerance of the 16:10 table preset (2^-10 log steps, a few roundings).
const REL_16: f32 = 2e-2;

fn data<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec::<f32>().unwrap()
}

fn input<B: Backend, const D: usize>(
    shape: [usize; D],
    seed: u64,
    device: &B::Device,
) -> Tensor<B, D> {
    // Deterministic values in [-2, 2] without the backend's RNG.
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n)
        .map(|i| {
            let x = ((i as u64 * 2654435761 + seed * 40503) % 1000) as f32 / 250.0 - 2.0;
            if x == 0.0 { 0.37 } else { x }
        })
        .collect();
    Tensor::from_data(TensorData::new(v, shape), device)
}

fn results<B: Backend>(device: &B::Device) -> Vec<(&'static str, Vec<f32>)> {
    let a = input::<B, 2>([4, 5], 1, device);
    let b = input::<B, 2>([4, 5], 2, device);
    let row = input::<B, 2>([1, 5], 3, device);
    let m = input::<B, 3>([2, 5, 3], 4, device);
    let pos = a.clone().abs().add_scalar(0.1);
    let img = input::<B, 4>([2, 3, 6, 6], 5, device);
    let mut r = vec![
        ("add", data(a.clone() + b.clone())),
        ("sub_broadcast", data(a.clone() - row.clone())),
        ("mul", data(a.clone() * b.clone())),
        ("div", data(a.clone() / b.clone().abs().add_scalar(0.5))),
        ("add_scalar", data(a.clone().add_scalar(0.75))),
        ("mul_scalar", data(a.clone().mul_scalar(-1.5))),
        ("neg", data(-a.clone())),
        ("matmul", data(a.clone().matmul(b.clone().transpose()))),
        (
            "matmul_batched",
            data(a.clone().unsqueeze::<3>().matmul(m.clone())),
        ),
        ("sum", data(a.clone().sum())),
        ("sum_dim", data(a.clone().sum_dim(1))),
        ("mean", data(a.clone().mean())),
        ("mean_dim", data(a.clone().mean_dim(0))),
        ("prod_dim", data(a.clone().prod_dim(1))),
        ("max_dim", data(a.clone().max_dim(1))),
        ("min", data(a.clone().min())),
        ("cumsum", data(a.clone().cumsum(1))),
        ("exp", data(a.clone().exp())),
        ("log", data(pos.clone().log())),
        ("log1p", data(pos.clone().log1p())),
        ("sqrt", data(pos.clone().sqrt())),
        ("powf_scalar", data(pos.clone().powf_scalar(1.7))),
        ("powi_scalar", data(a.clone().powi_scalar(3))),
        ("powf", data(pos.clone().powf(b.clone().div_scalar(2.0)))),
        ("recip", data(pos.clone().recip())),
        ("tanh", data(a.clone().tanh())),
        ("sin", data(a.clone().sin())),
        ("cos", data(a.clone().cos())),
        ("erf", data(a.clone().erf())),
        ("sigmoid", data(activation::sigmoid(a.clone()))),
        ("softmax", data(activation::softmax(a.clone(), 1))),
        ("log_softmax", data(activation::log_softmax(a.clone(), 1))),
        ("gelu", data(activation::gelu(a.clone()))),
        ("relu", data(activation::relu(a.clone()))),
        ("clamp", data(a.clone().clamp(-0.5, 0.8))),
        ("abs", data(a.clone().abs())),
        ("sign", data(a.clone().sign())),
        ("transpose", data(a.clone().transpose())),
        ("flip", data(a.clone().flip([1]))),
        ("slice", data(a.clone().slice([1..3, 0..4]))),
        ("cat", data(Tensor::cat(vec![a.clone(), b.clone()], 0))),
        ("repeat", data(row.clone().repeat_dim(0, 3))),
        (
            "gather",
            data(a.clone().gather(
                1,
                Tensor::<B, 2, Int>::from_data([[0, 4, 2, 1, 3]; 4], device),
            )),
        ),
        (
            "select",
            data(
                a.clone()
                    .select(0, Tensor::<B, 1, Int>::from_data([3, 0, 0], device)),
            ),
        ),
        (
            "select_assign",
            data(a.clone().select_assign(
                0,
                Tensor::<B, 1, Int>::from_data([3, 0, 3], device),
                b.clone().slice([0..3, 0..5]),
                burn::tensor::IndexingUpdateOp::Add,
            )),
        ),
        (
            "scatter_add",
            data(a.clone().scatter(
                1,
                Tensor::<B, 2, Int>::from_data([[0, 0, 1, 1, 4]; 4], device),
                b.clone(),
                burn::tensor::IndexingUpdateOp::Add,
            )),
        ),
        (
            "mask_where",
            data(
                a.clone()
                    .mask_where(a.clone().greater(b.clone()), b.clone()),
            ),
        ),
        (
            "mask_fill",
            data(a.clone().mask_fill(a.clone().lower_elem(0.0), 0.25)),
        ),
        ("argmax", data(a.clone().argmax(1).float())),
        ("argmin", data(a.clone().argmin(0).float())),
        ("sort", data(a.clone().sort(1))),
        (
            "greater_equal",
            data(a.clone().greater_equal(b.clone()).float()),
        ),
        ("equal_elem", data(a.clone().equal_elem(0.0).float())),
        (
            "int_into_float",
            data(Tensor::<B, 1, Int>::from_data([3, -7, 0], device).float()),
        ),
        ("remainder", data(a.clone().remainder_scalar(0.7))),
        ("floor", data(a.clone().floor())),
    ];
    let conv = Conv2dConfig::new([3, 4], [3, 3])
        .with_padding(burn::nn::PaddingConfig2d::Explicit(1, 1, 1, 1))
        .with_stride([2, 1])
        .init::<B>(device);
    let conv = conv.load_record(conv_record::<B>(device));
    r.push(("conv2d", data(conv.forward(img.clone()))));
    let w = input::<B, 4>([3, 2, 3, 3], 7, device).mul_scalar(0.3);
    let bias = input::<B, 1>([2], 8, device);
    let y = burn::tensor::module::conv_transpose2d(
        img.clone(),
        w.clone(),
        Some(bias.clone()),
        burn::tensor::ops::ConvTransposeOptions::new([2, 2], [1, 1], [1, 1], [1, 1], 1),
    );
    r.push(("conv_transpose2d", data(y)));
    // The same transposed convolution through the `nn` module and its parameters.
    let mut convt = ConvTranspose2dConfig::new([3, 2], [3, 3])
        .with_stride([2, 2])
        .with_padding([1, 1])
        .with_padding_out([1, 1])
        .init::<B>(device);
    convt.weight = Param::from_tensor(w);
    convt.bias = Some(Param::from_tensor(bias));
    r.push(("conv_transpose2d_module", data(convt.forward(img.clone()))));
    r.push((
        "max_pool2d",
        data(
            MaxPool2dConfig::new([2, 2])
                .with_strides([2, 2])
                .init()
                .forward(img.clone()),
        ),
    ));
    r.push((
        "avg_pool2d",
        data(
            AvgPool2dConfig::new([3, 3])
                .with_strides([2, 2])
                .with_padding(burn::nn::PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init()
                .forward(img.clone()),
        ),
    ));
    r.push((
        "adaptive_avg_pool2d",
        data(
            AdaptiveAvgPool2dConfig::new([4, 4])
                .init()
                .forward(img.clone()),
        ),
    ));
    r.push((
        "interpolate_bilinear",
        data(burn::tensor::module::interpolate(
            img.clone(),
            [9, 4],
            burn::tensor::ops::InterpolateOptions::new(
                burn::tensor::ops::InterpolateMode::Bilinear,
            ),
        )),
    ));
    r.push((
        "interpolate_nearest",
        data(burn::tensor::module::interpolate(
            img.clone(),
            [3, 8],
            burn::tensor::ops::InterpolateOptions::new(burn::tensor::ops::InterpolateMode::Nearest),
        )),
    ));
    let sig = input::<B, 2>([3, 8], 9, device);
    let (re, im) = burn::tensor::signal::rfft(sig.clone(), 1, None);
    r.push(("rfft_re", data(re.clone())));
    r.push(("rfft_im", data(im.clone())));
    r.push(("irfft", data(burn::tensor::signal::irfft(re, im, 1, None))));
    r
}

fn conv_record<B: Backend>(device: &B::Device) -> burn::nn::conv::Conv2dRecord<B> {
    burn::nn::conv::Conv2dRecord {
        weight: Param::from_tensor(input::<B, 4>([4, 3, 3, 3], 11, device).mul_scalar(0.2)),
        bias: Some(Param::from_tensor(input::<B, 1>([4], 12, device))),
        stride: burn::module::EmptyRecord::new(),
        kernel_size: burn::module::EmptyRecord::new(),
        dilation: burn::module::EmptyRecord::new(),
        groups: burn::module::EmptyRecord::new(),
        padding: burn::module::EmptyRecord::new(),
    }
}

fn compare(device: LnsDevice, rel: f32) {
    let want = results::<Flex>(&Default::default());
    let got = results::<Lns>(&device);
    let mut failures = Vec::new();
    for ((name, w), (_, g)) in want.iter().zip(&got) {
        assert_eq!(w.len(), g.len(), "{name}: lengths differ");
        let scale = w.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
        for (i, (a, b)) in w.iter().zip(g).enumerate() {
            let err = (a - b).abs();
            if err > rel * a.abs().max(scale * 0.05) {
                failures.push(format!("{name}[{i}]: flex {a} lns {b}"));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{device:?}:\n{}", failures.join("\n"));
}

#[test]
fn lns32_reference_matches_flex_f32() {
    compare(LnsDevice::lns32_ref(), REL_32);
}

#[test]
fn lns16_matches_flex_f32_within_its_precision() {
    compare(LnsDevice::lns16(), REL_16);
}

#[test]
fn codes_stay_in_their_storage_integer_through_layout_ops() {
    for (device, dtype) in [
        (LnsDevice::lns8(), burn::tensor::DType::I8),
        (LnsDevice::lns16(), burn::tensor::DType::I16),
        (LnsDevice::lns32_ref(), burn::tensor::DType::I32),
    ] {
        let a = input::<Lns, 3>([2, 3, 4], 1, &device);
        let before = a.clone().into_primitive().tensor().codes();
        let t = a
            .clone()
            .permute([2, 0, 1])
            .flip([0])
            .slice([0..4, 0..2, 1..3])
            .repeat_dim(1, 2);
        let prim = t.clone().into_primitive().tensor();
        assert_eq!(prim.code_tensor().dtype(), dtype, "{device:?}");
        // Layout ops move codes bit-exactly: undo them and compare the codes.
        let back = a
            .clone()
            .permute([2, 0, 1])
            .flip([0])
            .flip([0])
            .permute([1, 2, 0]);
        assert_eq!(back.into_primitive().tensor().codes(), before);
        let cat = Tensor::cat(vec![a.clone(), a.clone()], 1);
        assert_eq!(cat.into_primitive().tensor().code_tensor().dtype(), dtype);
    }
}

#[test]
fn nan_and_infinity_are_counted_at_the_edge() {
    let device = LnsDevice::new("10:4:exact".parse().unwrap()).unwrap();
    Lns::take_counts(&device);
    let t = Tensor::<Lns, 1>::from_data(
        [f32::NAN, f32::INFINITY, -f32::INFINITY, 1.0, 1e-30],
        &device,
    );
    let v = data(t);
    let c = Lns::take_counts(&device);
    assert_eq!((c.nan, c.saturated, c.flushed), (1, 2, 1));
    assert_eq!(v[0], 0.0);
    assert!(v[1] > 0.0 && v[2] < 0.0 && v[3] == 1.0 && v[4] == 0.0);
}

#[test]
fn into_data_returns_the_requested_dtype() {
    let device = LnsDevice::lns16();
    // Burn converts creation data to the default float dtype (f32); a cast changes the
    // interchange dtype, never the codes.
    let t = Tensor::<Lns, 1>::from_data(TensorData::from([2.0f64, -0.25]), &device);
    assert_eq!(t.clone().into_data().dtype, burn::tensor::DType::F32);
    let d = t.clone().cast(burn::tensor::DType::F64).into_data();
    assert_eq!(d.dtype, burn::tensor::DType::F64);
    assert_eq!(d.to_vec::<f64>().unwrap(), vec![2.0, -0.25]);
    let h = t.cast(burn::tensor::DType::F16).into_data();
    assert_eq!(h.dtype, burn::tensor::DType::F16);
}

#[test]
fn random_tensors_are_encoded_samples() {
    let device = LnsDevice::lns16();
    Lns::seed(&device, 7);
    let t = Tensor::<Lns, 2>::random([64, 64], Distribution::Uniform(-1.0, 1.0), &device);
    let v = data(t);
    assert!(v.iter().all(|x| (-1.0..=1.0).contains(x)));
    let mean = v.iter().sum::<f32>() / v.len() as f32;
    assert!(mean.abs() < 0.1, "{mean}");
}
