//! burn-train's `Learner` (the `SupervisedTraining` runner with accuracy and loss
//! metrics, file checkpoints and the CLI renderer) training LeNet-5 on
//! `Autodiff<Lns>`, one epoch on a few hundred images of the embedded
//! Fashion-MNIST subset.
//!
//! ```sh
//! cargo run --release -p lns-examples --example learner
//! ```
//!
//! The model only needs the two step traits every `Learner` model implements;
//! nothing here is specific to LNS except the backend type alias.

use std::sync::Arc;

use burn::backend::Autodiff;
use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataset::Dataset;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::record::CompactRecorder;
use burn::tensor::Device;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::train::metric::{AccuracyMetric, LossMetric};
use burn::train::{
    ClassificationOutput, InferenceStep, Learner, SupervisedTraining, TrainOutput, TrainStep,
};
use burn_lns::Lns;
use lns_zoo::data::fashion_mnist::fashion_mnist_subset;
use lns_zoo::data::{ImageBatch, ImageBatcher, Normalization};
use lns_zoo::models::{LeNet5, LeNet5Config};

/// The backend. `Autodiff<burn::backend::Flex>` runs the same code in f32.
type B = Autodiff<Lns>;

const TRAIN_IMAGES: usize = 400;
const TEST_IMAGES: usize = 200;
const BATCH: usize = 25;
const LR: f64 = 0.05;
const SEED: u64 = 3;

/// LeNet-5 with the `Learner`'s step traits.
#[derive(Module, Debug)]
struct Classifier<B: Backend> {
    net: LeNet5<B>,
}

impl<B: Backend> Classifier<B> {
    fn forward_classification(&self, batch: ImageBatch<B>) -> ClassificationOutput<B> {
        let output = self.net.forward(batch.images);
        let loss = CrossEntropyLossConfig::new()
            .init(&output.device())
            .forward(output.clone(), batch.targets.clone());
        ClassificationOutput::new(loss, output, batch.targets)
    }
}

impl<B: AutodiffBackend> TrainStep for Classifier<B> {
    type Input = ImageBatch<B>;
    type Output = ClassificationOutput<B>;

    fn step(&self, batch: ImageBatch<B>) -> TrainOutput<ClassificationOutput<B>> {
        let item = self.forward_classification(batch);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl<B: Backend> InferenceStep for Classifier<B> {
    type Input = ImageBatch<B>;
    type Output = ClassificationOutput<B>;

    fn step(&self, batch: ImageBatch<B>) -> ClassificationOutput<B> {
        self.forward_classification(batch)
    }
}

fn main() {
    let device = Device::<B>::default();
    B::seed(&device, SEED);
    let dir = std::env::temp_dir().join("lns-learner-example");
    let _ = std::fs::remove_dir_all(&dir);

    let data = fashion_mnist_subset().expect("the embedded subset is valid");
    let first = |n: usize| (0..n).collect::<Vec<_>>();
    let train_set = data.train.select(&first(TRAIN_IMAGES));
    let test_set = data.test.select(&first(TEST_IMAGES));
    println!(
        "Learner on {}: LeNet-5, {} train / {} test images, 1 epoch",
        B::name(&device),
        train_set.len(),
        test_set.len()
    );

    let batcher = ImageBatcher::new(data.train.dims(), Normalization::fashion_mnist());
    let train = DataLoaderBuilder::<B, _, ImageBatch<B>>::new(batcher.clone())
        .batch_size(BATCH)
        .shuffle(SEED)
        .set_device(device.clone())
        .build(train_set);
    type Inner = <B as AutodiffBackend>::InnerBackend;
    let valid = DataLoaderBuilder::<Inner, _, ImageBatch<Inner>>::new(batcher)
        .batch_size(100)
        .set_device(device.clone())
        .build(test_set);

    let model = Classifier {
        net: LeNet5Config::for_input(1, 28, 28, 10).init::<B>(&device),
    };
    let optimizer = burn::optim::SgdConfig::new()
        .with_momentum(Some(burn::optim::momentum::MomentumConfig::new()))
        .init();

    let training = SupervisedTraining::new(&dir, Arc::clone(&train), Arc::clone(&valid))
        .metrics((AccuracyMetric::new(), LossMetric::new()))
        .with_file_checkpointer(CompactRecorder::new())
        .num_epochs(1)
        .summary();
    let result = training.launch(Learner::new(model, optimizer, LR));

    // The trained model is an ordinary `Classifier<Lns>`: evaluate it directly.
    let (mut correct, mut total) = (0usize, 0usize);
    for batch in valid.iter() {
        let out = InferenceStep::step(&result.model, batch);
        let predicted = out.output.argmax(1).squeeze_dim::<1>(1);
        total += out.targets.dims()[0];
        correct += predicted.equal(out.targets).int().sum().into_scalar() as usize;
    }
    println!(
        "test accuracy after 1 epoch: {:.2} % ({correct}/{total}); checkpoints in {}",
        100.0 * correct as f64 / total as f64,
        dir.join("checkpoint").display()
    );
}
