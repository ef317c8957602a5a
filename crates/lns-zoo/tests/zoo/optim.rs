use burn::backend::Autodiff;
use burn::module::Module;
use burn::optim::Optimizer;
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder};
use lns_zoo::data::fashion_mnist::fashion_mnist_subset;
use lns_zoo::data::{EpochBatches, ImageBatcher, Normalization};
use lns_zoo::models::{InputShape, Model, ModelKind};
use lns_zoo::optim::{AnyOptimizer, OptimizerSpec};
use lns_zoo::train::train_epoch;

use crate::common::TestBackend;

type Train = Autodiff<TestBackend>;

#[test]
fn optimizer_specs_parse_and_print_back() {
    let cases = [
        ("sgd", OptimizerSpec::SGD_MOMENTUM),
        (
            "sgd:0",
            OptimizerSpec::Sgd {
                momentum: 0.0,
                weight_decay: 0.0,
            },
        ),
        (
            "sgd:0.8:0.0005",
            OptimizerSpec::Sgd {
                momentum: 0.8,
                weight_decay: 5e-4,
            },
        ),
        ("adam", OptimizerSpec::Adam { weight_decay: 0.0 }),
        ("adam:0.01", OptimizerSpec::Adam { weight_decay: 0.01 }),
    ];
    for (text, spec) in cases {
        assert_eq!(text.parse::<OptimizerSpec>().unwrap(), spec, "{text}");
        assert_eq!(spec.to_string().parse::<OptimizerSpec>().unwrap(), spec);
    }
    for bad in ["", "rmsprop", "sgd:x", "sgd:0.9:0:1", "adam:0.1:0.2"] {
        assert!(bad.parse::<OptimizerSpec>().is_err(), "{bad:?} accepted");
    }
}

fn record_bytes(model: Model<Train>) -> Vec<u8> {
    let recorder = NamedMpkBytesRecorder::<FullPrecisionSettings>::default();
    Recorder::<Train>::record(&recorder, model.into_record(), ()).unwrap()
}

/// Two steps on the same data with `optimizer`, returning the model.
fn two_steps(
    model: Model<Train>,
    optimizer: &mut AnyOptimizer<Model<Train>, Train>,
) -> Model<Train> {
    let data = fashion_mnist_subset().unwrap().test;
    let batcher = ImageBatcher::new(data.dims(), Normalization::fashion_mnist());
    let batches = EpochBatches::new(&data, &batcher, 100, &Default::default()).take(2);
    train_epoch(model, optimizer, batches, 0.01, |_| {}).0
}

#[test]
fn momentum_state_survives_a_record_round_trip() {
    let shape = InputShape {
        channels: 1,
        height: 28,
        width: 28,
        classes: 10,
    };
    let model: Model<Train> = ModelKind::Mlp.init(shape, &Default::default()).unwrap();
    let mut optimizer = OptimizerSpec::SGD_MOMENTUM.init();
    let model = two_steps(model, &mut optimizer);

    let mut restored = OptimizerSpec::SGD_MOMENTUM
        .init()
        .load_record(optimizer.to_record());
    let mut fresh = OptimizerSpec::SGD_MOMENTUM.init();
    let continued = record_bytes(two_steps(model.clone(), &mut optimizer));
    assert!(
        continued == record_bytes(two_steps(model.clone(), &mut restored)),
        "restored momentum differs"
    );
    assert!(
        continued != record_bytes(two_steps(model, &mut fresh)),
        "momentum had no effect"
    );
}

#[test]
#[should_panic(expected = "optimizer record belongs to another optimizer")]
fn loading_an_sgd_record_into_adam_panics() {
    let sgd: AnyOptimizer<Model<Train>, Train> = OptimizerSpec::SGD_MOMENTUM.init();
    let adam: AnyOptimizer<Model<Train>, Train> = OptimizerSpec::Adam { weight_decay: 0.0 }.init();
    let _ = adam.load_record(sgd.to_record());
}
