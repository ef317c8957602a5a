use burn::backend::Autodiff;
use burn::module::Module;
use burn::optim::Optimizer;
use burn::optim::SimpleOptimizer;
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder};
use burn::tensor::Tensor;
use lns_zoo::data::fashion_mnist::fashion_mnist_subset;
use lns_zoo::data::{EpochBatches, ImageBatcher, Normalization};
use lns_zoo::models::{InputShape, Model, ModelKind};
use lns_zoo::optim::{AnyOptimizer, Madam, OptimizerError, OptimizerSpec, check_learning_rate};
use lns_zoo::train::train_epoch;

use crate::common::{TestBackend, random_draws};

type Train = Autodiff<TestBackend>;

#[test]
fn optimizer_specs_parse_and_print_back() {
    let _draws = random_draws();
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
        ("madam", OptimizerSpec::Madam { beta: 0.999 }),
        ("madam:0.99", OptimizerSpec::Madam { beta: 0.99 }),
    ];
    for (text, spec) in cases {
        assert_eq!(text.parse::<OptimizerSpec>().unwrap(), spec, "{text}");
        assert_eq!(spec.to_string().parse::<OptimizerSpec>().unwrap(), spec);
    }
    for bad in [
        "",
        "rmsprop",
        "sgd:x",
        "sgd:0.9:0:1",
        "adam:0.1:0.2",
        "madam:1",
        "madam:0.9:0.1",
    ] {
        assert!(bad.parse::<OptimizerSpec>().is_err(), "{bad:?} accepted");
    }
}

#[test]
fn out_of_range_hyper_parameters_are_refused_by_name() {
    for (bad, parameter) in [
        ("sgd:nan", "momentum"),
        ("sgd:-1", "momentum"),
        ("sgd:1", "momentum"),
        ("sgd:inf", "momentum"),
        ("sgd:0.9:-1", "weight decay"),
        ("sgd:0.9:nan", "weight decay"),
        ("adam:nan", "weight decay"),
        ("adam:-0.1", "weight decay"),
        ("adam:inf", "weight decay"),
        ("madam:nan", "beta"),
        ("madam:-0.5", "beta"),
        ("madam:1", "beta"),
    ] {
        match bad.parse::<OptimizerSpec>() {
            Err(OptimizerError::OutOfRange { parameter: p, .. }) => {
                assert_eq!(p, parameter, "{bad}");
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    let e = "sgd:0.9:-1".parse::<OptimizerSpec>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "weight decay -1 is out of range: it must be finite and at least 0"
    );
    assert!(matches!(
        "sgd:x".parse::<OptimizerSpec>(),
        Err(OptimizerError::BadNumber { .. })
    ));
    assert!(matches!(
        "rmsprop".parse::<OptimizerSpec>(),
        Err(OptimizerError::Syntax { .. })
    ));
}

#[test]
fn learning_rates_must_be_positive_and_finite() {
    assert_eq!(check_learning_rate(0.03), Ok(0.03));
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(
                check_learning_rate(bad),
                Err(OptimizerError::LearningRate { .. })
            ),
            "{bad} accepted"
        );
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
    let _draws = random_draws();
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
    let _draws = random_draws();
    let sgd: AnyOptimizer<Model<Train>, Train> = OptimizerSpec::SGD_MOMENTUM.init();
    let adam: AnyOptimizer<Model<Train>, Train> = OptimizerSpec::Adam { weight_decay: 0.0 }.init();
    let _ = adam.load_record(sgd.to_record());
}

fn floats<const D: usize>(t: Tensor<TestBackend, D>) -> Vec<f32> {
    t.into_data().to_vec::<f32>().unwrap()
}

fn assert_close(got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(
            (*g as f64 - w).abs() < 1e-5 * w.abs().max(1.0),
            "{got:?} vs {want:?}"
        );
    }
}

/// At every step of a constant gradient the bias-corrected second moment is exactly
/// g², so ĝ = sign g and each weight is multiplied by 2^(−lr · sign g · sign w); a zero
/// gradient leaves its weight alone.
#[test]
fn madam_multiplies_each_weight_by_two_to_the_minus_lr_times_its_gradient_sign() {
    let _draws = random_draws();
    let device = Default::default();
    let w0 = [0.5, -0.25, 1.0, 2.0, 0.75];
    let g = Tensor::<TestBackend, 1>::from_floats([0.3, 0.3, -0.01, 0.0, 1e-3], &device);
    let madam = Madam::<TestBackend>::new(0.999, None);
    let (w1, state) = madam.step(0.5, Tensor::from_floats(w0, &device), g.clone(), None);
    let s = 2f64.sqrt();
    let want1 = [0.5 / s, -0.25 * s, 1.0 * s, 2.0, 0.75 / s];
    assert_close(&floats(w1.clone()), &want1);
    let (w2, state) = madam.step(0.5, w1, g, state);
    assert_close(&floats(w2), &[0.25, -0.5, 2.0, 2.0, 0.375]);
    assert_eq!(state.unwrap().time, 2);
}

/// Weights are kept within three times the RMS of the weights at the first step.
#[test]
fn madam_clamps_weights_to_three_times_their_initial_rms() {
    let _draws = random_draws();
    let device = Default::default();
    let w = Tensor::<TestBackend, 1>::from_floats([0.1, 0.1, 0.1, 10.0], &device);
    let g = Tensor::<TestBackend, 1>::from_floats([0.0, 0.0, 0.0, -1.0], &device);
    let (w1, _) = Madam::<TestBackend>::new(0.999, None).step(1.0, w, g, None);
    let bound = 3.0 * ((0.03 + 100.0) / 4.0f64).sqrt();
    assert_close(&floats(w1), &[0.1, 0.1, 0.1, bound]);
}
