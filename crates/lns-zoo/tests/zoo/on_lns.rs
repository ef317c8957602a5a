//! The zoo on the LNS backend: ordinary Burn models, only the backend type changes.

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

/// The Burn book's MNIST guide model (conv, conv, adaptive pool, dropout, linear,
/// linear), written as plain generic Burn code, trains on `Autodiff<Lns>`: a few SGD
/// steps on the embedded Fashion-MNIST subset lower the loss on those images.
///
/// (Adam with Burn's default ε = 1e−5 diverges on lns16: ε is below the format's
/// smallest magnitude 2^−16 ≈ 1.5e−5 and flushes to zero, so tiny second moments that
/// also flush give divisions by zero. Use ε ≥ 2^−15 or SGD on 16-bit LNS.)
#[test]
fn burn_guide_model_trains_on_autodiff_lns_and_its_loss_decreases() {
    type B = Autodiff<Lns>;
    let device = LnsDevice::lns16();
    let data = fashion_mnist_subset().unwrap();
    let train = data.train.select(&(0..128).collect::<Vec<_>>());
    let batcher = ImageBatcher::new(train.dims(), Normalization::fashion_mnist());
    let model = "guide"
        .parse::<ModelKind>()
        .unwrap()
        .init::<B>(InputShape::from(&train), &device)
        .unwrap();
    let eval = |m: &lns_zoo::models::Model<B>| {
        evaluate(
            &m.valid(),
            EpochBatches::new(&train, &batcher, 128, &device),
        )
        .loss
    };
    let before = eval(&model);
    let mut optimizer = OptimizerSpec::SGD_MOMENTUM.init();
    let mut model = model;
    for epoch in 0..3 {
        let batches = EpochBatches::new(&train, &batcher, 32, &device).shuffled(3, epoch);
        model = train_epoch(model, &mut optimizer, batches, 0.05, |_| {}).0;
    }
    let after = eval(&model);
    assert!(after < 0.8 * before, "loss {before} -> {after}");
}

/// LeNet-5 with SGD on 12-bit operands with the fitted PWL Δ, accumulating dot
/// products and sums in 16:10 as MAC hardware does: the loss decreases. (It decreases
/// more slowly than in f32: with 6 fractional bits an update smaller than ~0.5 % of a
/// weight rounds away, the swamping that motivates multiplicative LNS updates.)
#[test]
fn lenet_trains_on_12_bit_pwl_with_a_16_bit_accumulator() {
    type B = Autodiff<Lns>;
    let device: LnsDevice = "12:6:pwl:acc=16:10".parse().unwrap();
    let data = fashion_mnist_subset().unwrap();
    let train = data.train.select(&(0..256).collect::<Vec<_>>());
    let batcher = ImageBatcher::new(train.dims(), Normalization::fashion_mnist());
    let mut model = "lenet"
        .parse::<ModelKind>()
        .unwrap()
        .init::<B>(InputShape::from(&train), &device)
        .unwrap();
    let eval = |m: &lns_zoo::models::Model<B>| {
        evaluate(
            &m.valid(),
            EpochBatches::new(&train, &batcher, 256, &device),
        )
        .loss
    };
    let before = eval(&model);
    let mut optimizer = OptimizerSpec::SGD_MOMENTUM.init();
    for epoch in 0..2 {
        let batches = EpochBatches::new(&train, &batcher, 32, &device).shuffled(5, epoch);
        model = train_epoch(model, &mut optimizer, batches, 0.1, |_| {}).0;
    }
    let after = eval(&model);
    assert!(after < 0.95 * before, "loss {before} -> {after}");
}
