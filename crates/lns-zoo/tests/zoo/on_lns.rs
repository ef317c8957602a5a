//! The zoo on the LNS backend: ordinary Burn models, only the backend type changes.

use crate::common::random_draws;
use burn::backend::Autodiff;
use burn::module::AutodiffModule;
use burn::tensor::{Distribution, Tensor};
use burn_lns::{Lns, LnsDevice};
use lns_zoo::data::fashion_mnist::fashion_mnist_subset;
use lns_zoo::data::{EpochBatches, ImageBatcher, Normalization};
use lns_zoo::models::{InputShape, ModelKind};
use lns_zoo::optim::OptimizerSpec;
use lns_zoo::train::{evaluate, train_epoch};

/// Every model maps a batch of images to one logit per class on `Lns`, as on f32.
#[test]
fn every_model_forward_gives_batch_by_classes_logits_on_lns() {
    let _draws = random_draws();
    let device = LnsDevice::lns16();
    for (name, shape) in [
        (
            "mlp",
            InputShape {
                channels: 1,
                height: 28,
                width: 28,
                classes: 10,
            },
        ),
        (
            "lenet",
            InputShape {
                channels: 1,
                height: 28,
                width: 28,
                classes: 10,
            },
        ),
        (
            "guide",
            InputShape {
                channels: 1,
                height: 28,
                width: 28,
                classes: 10,
            },
        ),
        (
            "vgg11",
            InputShape {
                channels: 3,
                height: 32,
                width: 32,
                classes: 100,
            },
        ),
        (
            "vgg11-bn",
            InputShape {
                channels: 3,
                height: 32,
                width: 32,
                classes: 100,
            },
        ),
        (
            "vgg16",
            InputShape {
                channels: 3,
                height: 32,
                width: 32,
                classes: 10,
            },
        ),
        (
            "resnet18",
            InputShape {
                channels: 3,
                height: 32,
                width: 32,
                classes: 10,
            },
        ),
        (
            "resnet20",
            InputShape {
                channels: 3,
                height: 32,
                width: 32,
                classes: 10,
            },
        ),
    ] {
        let kind: ModelKind = name.parse().unwrap();
        let model = kind.init::<Lns>(shape, &device).unwrap();
        let images = Tensor::<Lns, 4>::random(
            [1, shape.channels, shape.height, shape.width],
            Distribution::Normal(0.0, 1.0),
            &device,
        );
        let logits = model.forward(images);
        assert_eq!(logits.dims(), [1, shape.classes], "{name}");
        let values: Vec<f32> = logits.into_data().to_vec().unwrap();
        assert!(values.iter().all(|v| v.is_finite()), "{name}: {values:?}");
    }
}

/// A short seeded training run on the first `images` images of the embedded
/// Fashion-MNIST subset.
struct ShortRun {
    /// The zoo model's name, e.g. `"lenet"`.
    model: &'static str,
    /// The LNS configuration the model computes in.
    device: LnsDevice,
    /// How many training images it trains and is evaluated on.
    images: usize,
    /// How many epochs it trains.
    epochs: u64,
    /// The seed of the per-epoch shuffle.
    shuffle_seed: u64,
    /// The learning rate.
    lr: f64,
}

impl ShortRun {
    /// The loss on the run's images of the model (weights seeded with 1) before and after
    /// `self.epochs` epochs of batches of 32 with `optimizer`, Madam's state computed on
    /// `state` when given.
    fn losses_before_after(self, optimizer: OptimizerSpec, state: Option<LnsDevice>) -> (f64, f64) {
        type B = Autodiff<Lns>;
        let device = self.device;
        let data = fashion_mnist_subset().unwrap();
        let train = data.train.select(&(0..self.images).collect::<Vec<_>>());
        let batcher = ImageBatcher::new(train.dims(), Normalization::fashion_mnist());
        <B as burn::tensor::backend::Backend>::seed(&device, 1);
        let mut model = self
            .model
            .parse::<ModelKind>()
            .unwrap()
            .init::<B>(InputShape::from(&train), &device)
            .unwrap();
        let eval = |m: &lns_zoo::models::Model<B>| {
            evaluate(
                &m.valid(),
                EpochBatches::new(&train, &batcher, self.images, &device),
            )
            .loss
        };
        let before = eval(&model);
        let mut optimizer = optimizer.init_with_state_device(state);
        for epoch in 0..self.epochs {
            let batches =
                EpochBatches::new(&train, &batcher, 32, &device).shuffled(self.shuffle_seed, epoch);
            model = train_epoch(model, &mut optimizer, batches, self.lr, |_| {}).0;
        }
        (before, eval(&model))
    }
}

/// The Burn book's MNIST guide model (conv, conv, adaptive pool, dropout, linear,
/// linear), written as plain generic Burn code, trains on `Autodiff<Lns>`: a few SGD
/// steps on the embedded Fashion-MNIST subset lower the loss on those images.
///
/// (Adam with Burn's default ε = 1e−5 diverges on lns16: ε is below the format's
/// smallest magnitude 2^−16 ≈ 1.5e−5 and flushes to zero, so tiny second moments that
/// also flush give divisions by zero. Use ε ≥ 2^−15 or SGD on 16-bit LNS.)
#[test]
fn burn_guide_model_trains_on_autodiff_lns_and_its_loss_decreases() {
    let _draws = random_draws();
    let run = ShortRun {
        model: "guide",
        device: LnsDevice::lns16(),
        images: 128,
        epochs: 3,
        shuffle_seed: 3,
        lr: 0.05,
    };
    let (before, after) = run.losses_before_after(OptimizerSpec::SGD_MOMENTUM, None);
    assert!(after < 0.8 * before, "loss {before} -> {after}");
}

/// The loss of LeNet-5 (seeded initial weights) on 256 training images before and
/// after four epochs on 12-bit
/// operands with the fitted PWL Δ, accumulating dot products and sums in 16:10 as MAC
/// hardware does.
fn lenet_12_bit_losses(optimizer: OptimizerSpec, state: Option<LnsDevice>, lr: f64) -> (f64, f64) {
    let run = ShortRun {
        model: "lenet",
        device: "12:6:pwl:acc=16:10".parse().unwrap(),
        images: 256,
        epochs: 4,
        shuffle_seed: 5,
        lr,
    };
    run.losses_before_after(optimizer, state)
}

/// LeNet-5 with SGD on 12-bit PWL operands and a 16-bit accumulator: the loss
/// decreases. (It decreases more slowly than in f32: with 6 fractional bits an update
/// smaller than ~0.5 % of a weight rounds away, the swamping that motivates
/// multiplicative LNS updates.)
#[test]
fn lenet_trains_on_12_bit_pwl_with_a_16_bit_accumulator() {
    let _draws = random_draws();
    let (before, after) = lenet_12_bit_losses(OptimizerSpec::SGD_MOMENTUM, None, 0.1);
    assert!(after < 0.95 * before, "loss {before} -> {after}");
}

/// LNS-Madam on a 12:6 weight device with its state in 32:23: with lr = 2^−6 every
/// update multiplies a weight by an exact power 2^(k/64), i.e. moves its log by whole
/// code steps k ∈ [−10, 10]; at the first step k = −sign g · sign w.
#[test]
fn madam_on_12_bit_lns_moves_each_weight_log_by_whole_code_steps() {
    let _draws = random_draws();
    use burn::optim::SimpleOptimizer;
    use burn::tensor::Tensor;
    use lns_zoo::optim::Madam;

    let device: LnsDevice = "12:6:pwl".parse().unwrap();
    let w0 = [0.5f32, -0.3, 0.02, 1.7, -0.9, 0.11];
    let g = [0.2f32, 0.05, -0.4, 1e-3, -0.7, 0.0];
    let madam = Madam::<Lns>::new(0.999, Some(LnsDevice::lns32_ref()));
    let mut w = Tensor::<Lns, 1>::from_floats(w0, &device);
    let grad = Tensor::<Lns, 1>::from_floats(g, &device);
    let mut state = None;
    for step in 0..3 {
        let before: Vec<f32> = w.clone().into_data().to_vec().unwrap();
        let (next, s) = madam.step(1.0 / 64.0, w, grad.clone(), state);
        assert_eq!(next.device(), device, "the weights stay on their device");
        let after: Vec<f32> = next.clone().into_data().to_vec().unwrap();
        for i in 0..w0.len() {
            let k = (after[i].abs() as f64).log2() * 64.0 - (before[i].abs() as f64).log2() * 64.0;
            assert!(
                (k - k.round()).abs() < 1e-3,
                "step {step} weight {i}: {k} code steps"
            );
            assert!(k.abs() <= 10.0 && after[i].signum() == before[i].signum());
            let expected = -(g[i].signum() * w0[i].signum()) as f64 * f64::from(g[i] != 0.0);
            if step == 0 {
                assert_eq!(k.round(), expected, "weight {i}");
            }
        }
        (w, state) = (next, s);
    }
}

/// LeNet-5 on 12-bit PWL operands trained with Madam (state in 32:23): the loss
/// decreases, where each update is a whole number of 12:6 code steps.
#[test]
fn lenet_trains_on_12_bit_pwl_with_madam() {
    let _draws = random_draws();
    let madam = OptimizerSpec::Madam { beta: 0.999 };
    let (before, after) = lenet_12_bit_losses(madam, Some(LnsDevice::lns32_ref()), 1.0 / 64.0);
    assert!(after < 0.95 * before, "loss {before} -> {after}");
}
