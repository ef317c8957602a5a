//! `Autodiff<Lns>` trains an unchanged Burn model, and its gradients agree with
//! `Autodiff<Flex>` f32: within `GRAD_REL_32` on the 32:23 exact preset and within
//! `GRAD_NORM_REL_16` (norm-wise) on the 16:10 table preset (a few 2^-10 log-domain
//! roundings per op).

use std::sync::{Mutex, MutexGuard};

use burn::backend::{Autodiff, Flex};
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::{CrossEntropyLossConfig, MseLoss, Reduction};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, Relu};
use burn::optim::{GradientsParams, Optimizer, SgdConfig};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Int, Tensor, TensorData};
use burn_lns::{Lns, LnsDevice};

/// Held for the whole of every test here: models draw their initial weights from
/// burn-flex's one process-wide generator (which `Lns::seed` seeds), and tests run on
/// parallel threads, so another test's draws could fall between a test's seed and its
/// weights.
fn random_draws() -> MutexGuard<'static, ()> {
    static DRAWS: Mutex<()> = Mutex::new(());
    DRAWS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Relative gradient tolerance of the 32:23 exact preset against f32.
const GRAD_REL_32: f32 = 1e-4;
/// Relative L2 error (per parameter tensor) of the 16:10 table preset's gradients
/// against f32. Single small elements can be off by several per cent after
/// cancelling sums, so the 16-bit check is norm-wise.
const GRAD_NORM_REL_16: f32 = 5e-3;

#[derive(Module, Debug)]
struct Mlp<B: Backend> {
    fc1: Linear<B>,
    fc2: Linear<B>,
    act: Relu,
}

impl<B: Backend> Mlp<B> {
    fn new(device: &B::Device) -> Self {
        Mlp {
            fc1: LinearConfig::new(4, 16).init(device),
            fc2: LinearConfig::new(16, 3).init(device),
            act: Relu::new(),
        }
    }

    fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.fc2.forward(self.act.forward(self.fc1.forward(x)))
    }
}

/// A small conv net: conv → relu → max pool → linear.
#[derive(Module, Debug)]
struct ConvNet<B: Backend> {
    conv: Conv2d<B>,
    pool: MaxPool2d,
    fc: Linear<B>,
    act: Relu,
}

impl<B: Backend> ConvNet<B> {
    fn new(device: &B::Device) -> Self {
        ConvNet {
            conv: Conv2dConfig::new([2, 3], [3, 3])
                .with_padding(burn::nn::PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            fc: LinearConfig::new(3 * 3 * 3, 2).init(device),
            act: Relu::new(),
        }
    }

    fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 2> {
        let y = self.pool.forward(self.act.forward(self.conv.forward(x)));
        let [n, c, h, w] = y.dims();
        self.fc.forward(y.reshape([n, c * h * w]))
    }
}

fn values(n: usize, seed: u64) -> Vec<f32> {
    (0..n)
        .map(|i| ((i as u64 * 2654435761 + seed * 97) % 997) as f32 / 498.5 - 1.0)
        .collect()
}

fn batch<B: Backend>(device: &B::Device) -> (Tensor<B, 2>, Tensor<B, 1, Int>) {
    let x = Tensor::from_data(TensorData::new(values(32 * 4, 3), [32, 4]), device);
    let labels: Vec<i64> = values(32 * 4, 3)
        .chunks(4)
        .map(|r| {
            if r[0] + r[1] > 0.3 {
                0
            } else if r[2] > 0.0 {
                1
            } else {
                2
            }
        })
        .collect();
    (x, Tensor::from_data(TensorData::new(labels, [32]), device))
}

/// Copies the parameters of one model into another backend's model by value.
fn transfer<A: Backend, B: Backend, M: Module<A>, N: Module<B>>(
    from: &M,
    to: N,
    device: &B::Device,
) -> N {
    let params: Vec<TensorData> = collect_params::<A, M>(from);
    let mut it = params.into_iter();
    to.map(&mut Setter::<B> {
        values: &mut it,
        device: device.clone(),
    })
}

struct Collector {
    out: Vec<TensorData>,
}

impl<B: Backend> burn::module::ModuleVisitor<B> for Collector {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.out.push(param.val().into_data().convert::<f32>());
    }
}

fn collect_params<B: Backend, M: Module<B>>(m: &M) -> Vec<TensorData> {
    let mut c = Collector { out: Vec::new() };
    m.visit(&mut c);
    c.out
}

struct Setter<'a, B: Backend> {
    values: &'a mut dyn Iterator<Item = TensorData>,
    device: B::Device,
}

impl<B: Backend> burn::module::ModuleMapper<B> for Setter<'_, B> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let data = self.values.next().expect("same parameter count");
        let (id, _, mapper) = param.consume();
        Param::from_mapped_value(
            id,
            Tensor::from_data(data, &self.device).require_grad(),
            mapper,
        )
    }
}

/// Replaces every parameter by seeded values in [-0.5, 0.5) (the models' own
/// initialization draws from a process-wide RNG shared by parallel tests, which made
/// the gradient checks depend on test scheduling).
fn deterministic<B: Backend, M: Module<B>>(model: M, device: &B::Device) -> M {
    struct Det<B: Backend> {
        seed: u64,
        device: B::Device,
    }
    impl<B: Backend> burn::module::ModuleMapper<B> for Det<B> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
            let (id, t, mapper) = param.consume();
            let shape = t.shape();
            self.seed += 1;
            let v: Vec<f32> = values(shape.num_elements(), self.seed)
                .into_iter()
                .map(|x| x * 0.5)
                .collect();
            let t = Tensor::from_data(TensorData::new(v, shape), &self.device).require_grad();
            Param::from_mapped_value(id, t, mapper)
        }
    }
    model.map(&mut Det::<B> {
        seed: 100,
        device: device.clone(),
    })
}

fn train_mlp<B: AutodiffBackend>(device: &B::Device, steps: usize) -> Vec<f32> {
    B::seed(device, 42);
    let mut model = Mlp::<B>::new(device);
    let mut optim = SgdConfig::new().init();
    let (x, y) = batch::<B>(device);
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut losses = Vec::new();
    for _ in 0..steps {
        let loss = loss_fn.forward(model.forward(x.clone()), y.clone());
        losses.push(
            loss.clone()
                .into_data()
                .convert::<f32>()
                .to_vec::<f32>()
                .unwrap()[0],
        );
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(0.5, model, grads);
    }
    losses
}

#[test]
fn mlp_trains_on_autodiff_lns() {
    let _draws = random_draws();
    let losses = train_mlp::<Autodiff<Lns>>(&LnsDevice::lns16(), 25);
    let (first, last) = (losses[0], *losses.last().unwrap());
    eprintln!("lns16 losses: {losses:?}");
    assert!(
        last < 0.7 * first,
        "loss did not decrease enough: {losses:?}"
    );
}

#[test]
fn mlp_trains_on_the_12_bit_pwl_preset() {
    let _draws = random_draws();
    let losses = train_mlp::<Autodiff<Lns>>(&LnsDevice::lns12_pwl(), 25);
    assert!(losses.last().unwrap() < &(0.8 * losses[0]), "{losses:?}");
}

/// Gradients of every parameter of `model` for a loss on `x`.
fn grads_of<B: AutodiffBackend, M: Module<B> + Clone, const D: usize>(
    model: &M,
    loss: Tensor<B, 1>,
) -> Vec<Vec<f32>> {
    let grads = loss.backward();
    struct G<'a, B: AutodiffBackend> {
        grads: &'a B::Gradients,
        out: Vec<Vec<f32>>,
    }
    impl<B: AutodiffBackend> burn::module::ModuleVisitor<B> for G<'_, B> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            let g = param
                .val()
                .grad(self.grads)
                .expect("every parameter has a gradient");
            self.out
                .push(g.into_data().convert::<f32>().to_vec().unwrap());
        }
    }
    let mut v = G::<B> {
        grads: &grads,
        out: Vec::new(),
    };
    model.visit(&mut v);
    v.out
}

fn mlp_grads<B: AutodiffBackend>(
    params: &Mlp<Autodiff<Flex>>,
    device: &B::Device,
) -> Vec<Vec<f32>> {
    let model = transfer::<Autodiff<Flex>, B, _, _>(params, Mlp::<B>::new(device), device);
    let (x, y) = batch::<B>(device);
    let loss = CrossEntropyLossConfig::new()
        .init(device)
        .forward(model.forward(x), y);
    grads_of::<B, _, 2>(&model, loss)
}

fn conv_grads<B: AutodiffBackend>(
    params: &ConvNet<Autodiff<Flex>>,
    device: &B::Device,
) -> Vec<Vec<f32>> {
    let model = transfer::<Autodiff<Flex>, B, _, _>(params, ConvNet::<B>::new(device), device);
    let x = Tensor::<B, 4>::from_data(
        TensorData::new(values(2 * 2 * 6 * 6, 5), [2, 2, 6, 6]),
        device,
    );
    let target = Tensor::<B, 2>::from_data(TensorData::new(values(4, 9), [2, 2]), device);
    let loss = MseLoss::new().forward(model.forward(x), target, Reduction::Mean);
    grads_of::<B, _, 4>(&model, loss)
}

fn assert_close_in_norm(name: &str, want: &[Vec<f32>], got: &[Vec<f32>], rel: f32) {
    assert_eq!(want.len(), got.len());
    for (p, (w, g)) in want.iter().zip(got).enumerate() {
        let diff: f32 = w
            .iter()
            .zip(g)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f32>()
            .sqrt();
        let norm: f32 = w.iter().map(|a| a * a).sum::<f32>().sqrt().max(1e-12);
        eprintln!("{name}: parameter {p}: relative L2 error {}", diff / norm);
        assert!(
            diff <= rel * norm,
            "{name}: parameter {p}: relative L2 error {} > {rel}",
            diff / norm
        );
    }
}

fn assert_close(name: &str, want: &[Vec<f32>], got: &[Vec<f32>], rel: f32) {
    assert_eq!(want.len(), got.len());
    for (p, (w, g)) in want.iter().zip(got).enumerate() {
        let scale = w.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
        for (i, (a, b)) in w.iter().zip(g).enumerate() {
            assert!(
                (a - b).abs() <= rel * a.abs().max(0.05 * scale),
                "{name}: parameter {p}[{i}]: flex {a}, lns {b} (rel {rel})"
            );
        }
    }
}

#[test]
fn mlp_gradients_match_flex() {
    let _draws = random_draws();
    let flex_device = Default::default();
    let reference = deterministic(Mlp::<Autodiff<Flex>>::new(&flex_device), &flex_device);
    let want = mlp_grads::<Autodiff<Flex>>(&reference, &flex_device);
    let got32 = mlp_grads::<Autodiff<Lns>>(&reference, &LnsDevice::lns32_ref());
    assert_close("mlp lns32", &want, &got32, GRAD_REL_32);
    let got16 = mlp_grads::<Autodiff<Lns>>(&reference, &LnsDevice::lns16());
    assert_close_in_norm("mlp lns16", &want, &got16, GRAD_NORM_REL_16);
}

#[test]
fn conv_gradients_match_flex() {
    let _draws = random_draws();
    let flex_device = Default::default();
    let reference = deterministic(ConvNet::<Autodiff<Flex>>::new(&flex_device), &flex_device);
    let want = conv_grads::<Autodiff<Flex>>(&reference, &flex_device);
    let got32 = conv_grads::<Autodiff<Lns>>(&reference, &LnsDevice::lns32_ref());
    assert_close("conv lns32", &want, &got32, GRAD_REL_32);
    let got16 = conv_grads::<Autodiff<Lns>>(&reference, &LnsDevice::lns16());
    assert_close_in_norm("conv lns16", &want, &got16, GRAD_NORM_REL_16);
}

#[test]
fn every_preset_and_a_wide_accumulator_train_without_panicking() {
    let _draws = random_draws();
    for spec in [
        "lns8",
        "lns16-shift",
        "16:10:lut:acc=20:14",
        "12:6:pwl:acc=lns16",
        "lns32",
    ] {
        let device: LnsDevice = spec.parse().unwrap();
        let losses = train_mlp::<Autodiff<Lns>>(&device, 3);
        assert!(losses.iter().all(|l| l.is_finite()), "{spec}: {losses:?}");
    }
}
