use burn::backend::{Autodiff, Flex};
use burn::module::{AutodiffModule, Module};
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder};
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Tensor, TensorData};
use lns_zoo::data::{EpochBatches, ImageBatcher, ImageDataset, ImageDims, Normalization};
use lns_zoo::models::{InputShape, LeNet5, LeNet5Config, Mlp, MlpConfig, Model, ModelKind};
use lns_zoo::optim::OptimizerSpec;
use lns_zoo::train::train_epoch;
use lns_zoo::transfer::{copy_parameters, materialize};

use crate::common::{TestBackend, random_draws, synthetic};

const CIFAR: InputShape = InputShape {
    channels: 3,
    height: 32,
    width: 32,
    classes: 10,
};

fn record_bytes<B: Backend, M: Module<B>>(model: M) -> Vec<u8> {
    let recorder = NamedMpkBytesRecorder::<FullPrecisionSettings>::default();
    Recorder::<B>::record(&recorder, model.into_record(), ()).unwrap()
}

fn logits<B: Backend>(model: &Model<B>, input: &TensorData) -> Vec<f32> {
    let images = Tensor::<B, 4>::from_data(input.clone(), &Default::default());
    model.forward(images).to_data().to_vec().unwrap()
}

/// Checks that `source`, copied to Flex, holds the same values and computes the same logits.
fn assert_transfers(kind: ModelKind, source: Model<TestBackend>) {
    let target: Model<Flex> = kind.init(CIFAR, &Default::default()).unwrap();
    let copied = copy_parameters(&source, target, &Default::default()).unwrap();
    let same = record_bytes(source.clone()) == record_bytes(copied.clone());
    assert!(same, "{kind}: copied weights differ");

    let input = Tensor::<TestBackend, 4>::random(
        [2, 3, 32, 32],
        Distribution::Normal(0.0, 1.0),
        &Default::default(),
    )
    .into_data();
    let (a, b) = (logits(&source, &input), logits(&copied, &input));
    let scale = a.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-4 * scale, "{kind}: {a:?} vs {b:?}");
    }
}

#[test]
fn copied_lenet_computes_the_same_logits_on_ndarray_and_flex() {
    let _draws = random_draws();
    let source: Model<TestBackend> = ModelKind::LeNet5.init(CIFAR, &Default::default()).unwrap();
    assert_transfers(ModelKind::LeNet5, source);
}

#[test]
fn copied_resnet20_carries_batch_norm_running_statistics() {
    let _draws = random_draws();
    // One training step moves the running statistics away from their initial 0 and 1.
    let data: ImageDataset = synthetic(
        ImageDims {
            channels: 3,
            height: 32,
            width: 32,
        },
        10,
        8,
    );
    let batcher = ImageBatcher::new(data.dims(), Normalization::cifar10());
    let device = Default::default();
    let model: Model<Autodiff<TestBackend>> = ModelKind::ResNet20.init(CIFAR, &device).unwrap();
    let mut optimizer = OptimizerSpec::SGD_MOMENTUM.init();
    let batches = EpochBatches::new(&data, &batcher, 8, &device);
    let (trained, _) = train_epoch(model, &mut optimizer, batches, 0.1, |_| {});
    let trained = trained.valid();
    let fresh: Model<TestBackend> = ModelKind::ResNet20.init(CIFAR, &device).unwrap();
    let changed = record_bytes(fresh) != record_bytes(trained.clone());
    assert!(changed, "training left the weights at their initial values");
    assert_transfers(ModelKind::ResNet20, trained);
}

#[test]
fn copying_between_different_architectures_is_an_error() {
    let _draws = random_draws();
    let source: LeNet5<TestBackend> =
        LeNet5Config::for_input(3, 32, 32, 10).init(&Default::default());
    let target: Mlp<Flex> = MlpConfig::new().init(&Default::default());
    assert!(copy_parameters(&source, target, &Default::default()).is_err());
}

#[test]
fn materialized_models_clone_to_identical_weights() {
    let _draws = random_draws();
    let lazy: LeNet5<TestBackend> =
        LeNet5Config::for_input(1, 28, 28, 10).init(&Default::default());
    // Burn initializes each clone of a lazy module separately.
    let lazy_clones_agree = record_bytes(lazy.clone()) == record_bytes(lazy.clone());
    assert!(!lazy_clones_agree, "lazy clones agree");
    materialize(&lazy);
    let clones_agree = record_bytes(lazy.clone()) == record_bytes(lazy.clone());
    assert!(clones_agree, "materialized clones differ");
}
