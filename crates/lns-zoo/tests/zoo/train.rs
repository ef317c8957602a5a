use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::tensor::backend::Backend;
use lns_zoo::data::fashion_mnist::fashion_mnist_subset;
use lns_zoo::data::{
    Augmentation, DatasetSplits, EpochBatches, ImageBatcher, ImageDataset, Normalization,
};
use lns_zoo::models::{InputShape, Model, ModelKind};
use lns_zoo::optim::OptimizerSpec;
use lns_zoo::train::{StepStats, evaluate, train_epoch};
use lns_zoo::transfer::copy_parameters;

use crate::common::{TestBackend, random_draws};

type Train = Autodiff<TestBackend>;

fn subset() -> DatasetSplits {
    fashion_mnist_subset().unwrap()
}

fn batcher(data: &ImageDataset) -> ImageBatcher {
    ImageBatcher::new(data.dims(), Normalization::fashion_mnist())
}

fn model<B: Backend>(kind: ModelKind, data: &ImageDataset, seed: u64) -> Model<B> {
    let device = Default::default();
    B::seed(&device, seed);
    kind.init(InputShape::from(data), &device).unwrap()
}

/// 20 SGD steps of 32 images: the loss on those images falls well below chance level.
#[test]
fn lenet_sgd_steps_on_the_embedded_subset_reduce_the_loss() {
    let _draws = random_draws();
    let data = subset();
    let train = data.train.select(&(0..320).collect::<Vec<_>>());
    let batcher = batcher(&train);
    let device = Default::default();
    let eval = |model: &Model<Train>| {
        evaluate(
            &model.valid(),
            EpochBatches::new(&train, &batcher, 160, &device),
        )
    };
    let mut model = model::<Train>(ModelKind::LeNet5, &train, 1);
    let mut optimizer = OptimizerSpec::SGD_MOMENTUM.init();
    let before = eval(&model);
    for epoch in 0..2 {
        let batches = EpochBatches::new(&train, &batcher, 32, &device).shuffled(7, epoch);
        model = train_epoch(model, &mut optimizer, batches, 0.1, |_| {}).0;
    }
    let after = eval(&model);
    // ln(10) = 2.303 is the loss of a uniform guess.
    assert!(
        (2.2..2.4).contains(&before.loss),
        "untrained loss {}",
        before.loss
    );
    assert!(
        after.loss < 0.85 * before.loss,
        "loss {} -> {}",
        before.loss,
        after.loss
    );
    assert!(after.accuracy > 0.3, "accuracy {}", after.accuracy);
}

#[test]
fn train_epoch_calls_the_hook_once_per_step_and_sums_per_item() {
    let _draws = random_draws();
    let data = subset();
    let batcher = batcher(&data.train);
    let device = Default::default();
    let mut optimizer = OptimizerSpec::Adam { weight_decay: 0.0 }.init();
    let mut steps: Vec<StepStats> = Vec::new();
    let batches = EpochBatches::new(&data.train, &batcher, 300, &device).shuffled(3, 0);
    let (model, stats) = train_epoch(
        model::<Train>(ModelKind::Mlp, &data.train, 2),
        &mut optimizer,
        batches,
        1e-3,
        |step| steps.push(*step),
    );
    assert_eq!(
        steps.iter().map(|s| s.step).collect::<Vec<_>>(),
        (0..7).collect::<Vec<_>>()
    );
    assert_eq!(
        steps.iter().map(|s| s.samples).collect::<Vec<_>>(),
        [300, 300, 300, 300, 300, 300, 200]
    );
    assert_eq!((stats.samples, stats.steps), (2000, 7));
    let loss = steps.iter().map(|s| s.loss * s.samples as f64).sum::<f64>() / 2000.0;
    let correct: usize = steps.iter().map(|s| s.correct).sum();
    assert!((stats.loss - loss).abs() < 1e-9);
    assert_eq!(stats.accuracy, correct as f64 / 2000.0);
    // One epoch of Adam on 2,000 images already classifies most test images.
    let test = evaluate(
        &model.valid(),
        EpochBatches::new(&data.test, &batcher, 250, &device),
    );
    assert!(test.accuracy > 0.6, "test accuracy {}", test.accuracy);
}

#[test]
fn evaluate_weights_items_not_batches() {
    let _draws = random_draws();
    let data = subset();
    let batcher = batcher(&data.test);
    let device = Default::default();
    let model = model::<TestBackend>(ModelKind::Mlp, &data.test, 3);
    let whole = evaluate(
        &model,
        EpochBatches::new(&data.test, &batcher, 500, &device),
    );
    let uneven = evaluate(
        &model,
        EpochBatches::new(&data.test, &batcher, 150, &device),
    );
    assert_eq!(whole.samples, 500);
    assert_eq!(uneven.samples, 500);
    assert!(
        (whole.loss - uneven.loss).abs() < 1e-5,
        "{} vs {}",
        whole.loss,
        uneven.loss
    );
    assert_eq!(whole.accuracy, uneven.accuracy);
}

/// Trains `kind` for `steps` augmented, shuffled batches; returns the step losses.
fn seeded_run<B: burn::tensor::backend::AutodiffBackend>(
    initial: Model<B>,
    data: &ImageDataset,
    steps: usize,
) -> (Model<B>, Vec<f64>) {
    let device = Default::default();
    let batcher = batcher(data).with_augmentation(Augmentation::standard(), 11);
    let mut optimizer = OptimizerSpec::SGD_MOMENTUM.init();
    let batches = EpochBatches::new(data, &batcher, 16, &device)
        .shuffled(5, 0)
        .take(steps);
    let mut losses = Vec::new();
    let (model, _) = train_epoch(initial, &mut optimizer, batches, 0.05, |step| {
        losses.push(step.loss)
    });
    (model, losses)
}

#[test]
fn the_same_seeds_give_identical_training_runs() {
    let _draws = random_draws();
    let data = subset().train;
    let first = seeded_run(model::<Train>(ModelKind::LeNet5, &data, 4), &data, 4);
    let second = seeded_run(model::<Train>(ModelKind::LeNet5, &data, 4), &data, 4);
    assert_eq!(first.1, second.1);
}

#[test]
fn ndarray_and_flex_train_alike_from_copied_weights_on_identical_batches() {
    let _draws = random_draws();
    let data = subset().train;
    let ndarray = model::<Train>(ModelKind::LeNet5, &data, 5);
    let template = model::<Autodiff<Flex>>(ModelKind::LeNet5, &data, 6);
    let flex = copy_parameters(&ndarray, template, &Default::default()).unwrap();
    let (_, ndarray_losses) = seeded_run(ndarray, &data, 4);
    let (_, flex_losses) = seeded_run(flex, &data, 4);
    for (a, b) in ndarray_losses.iter().zip(&flex_losses) {
        assert!(
            (a - b).abs() < 1e-4,
            "{ndarray_losses:?} vs {flex_losses:?}"
        );
    }
}
