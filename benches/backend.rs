//! The Burn backend end to end: `Lns` (16:10, Δ table) against `NdArray` and `Flex`
//! f32 on the same shapes in one run, through Burn's public tensor API.
//!
//! - `matmul` n×n×n (n = 256, 512): throughput in multiply-accumulates.
//! - `conv2d` of a VGG-11 layer: batch 32, 128 → 256 channels, 8×8, 3×3, padding 1
//!   (0.60 G MACs per call): throughput in multiply-accumulates; also with the coarse
//!   `lut-small` Δ.
//! - `add` of two activations of that layer's output shape ([32, 256, 8, 8]):
//!   throughput in elements; also with `lut-small`.
//! - `sum` of that shape along the batch axis (`sum_dim(0)`, as a bias gradient) and
//!   along the last axis (`sum_dim(3)`): throughput in elements summed; also with
//!   `lut-small`.
//! - `lenet5_train_step`: one forward + backward + SGD update of LeNet-5
//!   (`lns_zoo::models`) on a batch of 32 28×28×1 images: throughput in images; also
//!   on `lns12-pwl` (12:6, fitted PWL Δ).
//!
//! Run: `cargo bench -p lns-benches --bench backend`.

use std::time::Duration;

use burn::backend::{Autodiff, Flex, NdArray};
use burn::module::AutodiffModule;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, Optimizer, SgdConfig};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Int, Tensor, TensorData};
use burn_lns::{Lns, LnsDevice};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lns_benches::random_f32;
use lns_zoo::models::{LeNet5, LeNet5Config};

fn tensor<B: Backend, const D: usize>(
    shape: [usize; D],
    seed: u64,
    scale: f32,
    device: &B::Device,
) -> Tensor<B, D> {
    let n = shape.iter().product();
    let v: Vec<f32> = random_f32(n, seed).into_iter().map(|x| x * scale).collect();
    Tensor::from_data(TensorData::new(v, shape), device)
}

/// Reads a result back (the backends are eager; this also defeats dead-code removal).
fn sink<B: Backend, const D: usize>(t: Tensor<B, D>) -> usize {
    t.into_data().num_elements()
}

fn bench_matmul_on<B: Backend>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    device: &B::Device,
) {
    for n in [256usize, 512] {
        let a = tensor::<B, 2>([n, n], 1, 1.0, device);
        let b = tensor::<B, 2>([n, n], 2, 1.0, device);
        c.throughput(Throughput::Elements((n * n * n) as u64));
        c.bench_with_input(BenchmarkId::new(name, n), &n, |bch, _| {
            bch.iter(|| sink(a.clone().matmul(b.clone())))
        });
    }
}

fn bench_matmul(c: &mut Criterion) {
    let mut g = c.benchmark_group("backend_matmul");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    bench_matmul_on::<Lns>(&mut g, "lns16", &LnsDevice::lns16());
    bench_matmul_on::<NdArray>(&mut g, "ndarray-f32", &Default::default());
    bench_matmul_on::<Flex>(&mut g, "flex-f32", &Default::default());
    g.finish();
}

/// VGG-11's third conv layer on CIFAR-sized inputs after two pools.
const CONV: ([usize; 4], [usize; 4]) = ([32, 128, 8, 8], [256, 128, 3, 3]);

fn bench_conv_on<B: Backend>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    device: &B::Device,
) {
    let (xs, ws) = CONV;
    let x = tensor::<B, 4>(xs, 3, 1.0, device);
    let w = tensor::<B, 4>(ws, 4, 0.05, device);
    let bias = Some(tensor::<B, 1>([ws[0]], 5, 0.1, device));
    let macs = xs[0] * ws[0] * xs[2] * xs[3] * ws[1] * ws[2] * ws[3];
    c.throughput(Throughput::Elements(macs as u64));
    c.bench_function(BenchmarkId::new(name, "vgg11-b32-128to256-8x8"), |bch| {
        bch.iter(|| {
            sink(conv2d(
                x.clone(),
                w.clone(),
                bias.clone(),
                ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
            ))
        })
    });
}

fn bench_conv(c: &mut Criterion) {
    let mut g = c.benchmark_group("backend_conv2d");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    bench_conv_on::<Lns>(&mut g, "lns16", &LnsDevice::lns16());
    let lut_small: LnsDevice = "lns16:lut-small".parse().expect("a valid device string");
    bench_conv_on::<Lns>(&mut g, "lns16-lut-small", &lut_small);
    bench_conv_on::<NdArray>(&mut g, "ndarray-f32", &Default::default());
    bench_conv_on::<Flex>(&mut g, "flex-f32", &Default::default());
    g.finish();
}

fn bench_add_on<B: Backend>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    device: &B::Device,
) {
    let shape = [32, 256, 8, 8];
    let x = tensor::<B, 4>(shape, 7, 1.0, device);
    let y = tensor::<B, 4>(shape, 8, 1.0, device);
    c.throughput(Throughput::Elements(shape.iter().product::<usize>() as u64));
    c.bench_function(BenchmarkId::new(name, "32x256x8x8"), |bch| {
        bch.iter(|| sink(x.clone() + y.clone()))
    });
}

fn bench_add(c: &mut Criterion) {
    let mut g = c.benchmark_group("backend_add");
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    bench_add_on::<Lns>(&mut g, "lns16", &LnsDevice::lns16());
    let lut_small: LnsDevice = "lns16:lut-small".parse().expect("a valid device string");
    bench_add_on::<Lns>(&mut g, "lns16-lut-small", &lut_small);
    bench_add_on::<NdArray>(&mut g, "ndarray-f32", &Default::default());
    bench_add_on::<Flex>(&mut g, "flex-f32", &Default::default());
    g.finish();
}

fn bench_sum_on<B: Backend>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    device: &B::Device,
) {
    let shape = [32, 256, 8, 8];
    let x = tensor::<B, 4>(shape, 9, 1.0, device);
    c.throughput(Throughput::Elements(shape.iter().product::<usize>() as u64));
    for dim in [0, 3] {
        c.bench_function(
            BenchmarkId::new(name, format!("dim{dim}-32x256x8x8")),
            |bch| bch.iter(|| sink(x.clone().sum_dim(dim))),
        );
    }
}

fn bench_sum(c: &mut Criterion) {
    let mut g = c.benchmark_group("backend_sum");
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    bench_sum_on::<Lns>(&mut g, "lns16", &LnsDevice::lns16());
    let lut_small: LnsDevice = "lns16:lut-small".parse().expect("a valid device string");
    bench_sum_on::<Lns>(&mut g, "lns16-lut-small", &lut_small);
    bench_sum_on::<NdArray>(&mut g, "ndarray-f32", &Default::default());
    bench_sum_on::<Flex>(&mut g, "flex-f32", &Default::default());
    g.finish();
}

const BATCH: usize = 32;

fn bench_train_on<B: AutodiffBackend>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    device: &B::Device,
) where
    LeNet5<B>: AutodiffModule<B>,
{
    B::seed(device, 7);
    let mut model: Option<LeNet5<B>> = Some(LeNet5Config::for_input(1, 28, 28, 10).init(device));
    let mut optim = SgdConfig::new().init::<B, LeNet5<B>>();
    let x = tensor::<B, 4>([BATCH, 1, 28, 28], 6, 1.0, device);
    let labels: Vec<i64> = (0..BATCH as i64).map(|i| (i * 7) % 10).collect();
    let y = Tensor::<B, 1, Int>::from_data(TensorData::new(labels, [BATCH]), device);
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    c.throughput(Throughput::Elements(BATCH as u64));
    c.bench_function(BenchmarkId::new(name, "lenet5-b32-28x28"), |bch| {
        bch.iter(|| {
            let m = model.take().expect("model");
            let loss = loss_fn.forward(m.forward(x.clone()), y.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &m);
            model = Some(optim.step(0.01, m, grads));
        })
    });
}

fn bench_train(c: &mut Criterion) {
    let mut g = c.benchmark_group("backend_train_step");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    bench_train_on::<Autodiff<Lns>>(&mut g, "lns16", &LnsDevice::lns16());
    bench_train_on::<Autodiff<Lns>>(&mut g, "lns12-pwl", &LnsDevice::lns12_pwl());
    bench_train_on::<Autodiff<NdArray>>(&mut g, "ndarray-f32", &Default::default());
    bench_train_on::<Autodiff<Flex>>(&mut g, "flex-f32", &Default::default());
    g.finish();
}

criterion_group!(
    benches,
    bench_matmul,
    bench_conv,
    bench_add,
    bench_sum,
    bench_train
);
criterion_main!(benches);
