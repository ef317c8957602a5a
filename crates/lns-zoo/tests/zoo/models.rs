use burn::module::Module;
use burn::nn::activation::ActivationConfig;
use burn::tensor::{Distribution, Tensor};
use lns_zoo::models::{
    Classifier, InputShape, LeNet5Config, Mlp, MlpConfig, Model, ModelError, ModelKind,
};

use crate::common::{TestBackend, random_draws};

const MNIST: InputShape = InputShape {
    channels: 1,
    height: 28,
    width: 28,
    classes: 10,
};
const CIFAR10: InputShape = InputShape {
    channels: 3,
    height: 32,
    width: 32,
    classes: 10,
};
const TINY_IMAGENET: InputShape = InputShape {
    channels: 3,
    height: 64,
    width: 64,
    classes: 200,
};

fn images(batch: usize, shape: InputShape) -> Tensor<TestBackend, 4> {
    Tensor::random(
        [batch, shape.channels, shape.height, shape.width],
        Distribution::Normal(0.0, 1.0),
        &Default::default(),
    )
}

/// Builds `kind` for `shape`, checks its size and the logits' shape.
///
/// `trainable` counts weights and biases; Burn's `num_params` also counts the
/// two running statistics of each of the `bn_channels` batch-norm channels.
fn check(kind: ModelKind, shape: InputShape, batch: usize, trainable: usize, bn_channels: usize) {
    let model: Model<TestBackend> = kind.init(shape, &Default::default()).unwrap();
    assert_eq!(
        model.num_params(),
        trainable + 2 * bn_channels,
        "{kind} parameters"
    );
    let logits = Classifier::forward(&model, images(batch, shape));
    assert_eq!(logits.dims(), [batch, shape.classes], "{kind} logits");
    let values: Vec<f32> = logits.to_data().to_vec().unwrap();
    assert!(
        values.iter().all(|v| v.is_finite()),
        "{kind} logits not finite"
    );
}

/// Batch-norm channels of VGG-11: 64 + 128 + 256 + 256 + 4 * 512.
const VGG11_BN_CHANNELS: usize = 2752;

#[test]
fn mlp_is_784_100_10_with_79510_parameters() {
    let _draws = random_draws();
    check(ModelKind::Mlp, MNIST, 3, 784 * 100 + 100 + 100 * 10 + 10, 0);
}

#[test]
fn mlp_accepts_several_hidden_layers_and_other_activations() {
    let _draws = random_draws();
    let model: Mlp<TestBackend> = MlpConfig::new()
        .with_inputs(3 * 32 * 32)
        .with_hidden(vec![64, 32])
        .with_activation(ActivationConfig::Relu)
        .init(&Default::default());
    assert_eq!(
        model.num_params(),
        3072 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10
    );
    assert_eq!(model.forward(images(2, CIFAR10)).dims(), [2, 10]);
}

#[test]
fn lenet5_has_the_classic_61706_parameters_on_28x28() {
    let _draws = random_draws();
    check(ModelKind::LeNet5, MNIST, 2, 61_706, 0);
}

#[test]
fn lenet5_on_32x32_rgb_reaches_16x5x5_features() {
    let _draws = random_draws();
    assert_eq!(
        LeNet5Config::for_input(3, 32, 32, 10).feature_size(),
        Some([5, 5])
    );
    assert_eq!(
        LeNet5Config::for_input(1, 28, 28, 10).feature_size(),
        Some([5, 5])
    );
    // Two more input channels add 2 * 6 * 25 weights to the first convolution.
    check(ModelKind::LeNet5, CIFAR10, 2, 61_706 + 2 * 6 * 25, 0);
}

#[test]
fn vgg11_cifar_has_9225610_parameters_and_bn_adds_gamma_beta_minus_biases() {
    let _draws = random_draws();
    check(
        ModelKind::Vgg11 { batch_norm: false },
        CIFAR10,
        2,
        9_225_610,
        0,
    );
    // Batch norm adds a scale and a shift per channel and removes the conv bias.
    let with_bn = 9_225_610 + VGG11_BN_CHANNELS;
    check(
        ModelKind::Vgg11 { batch_norm: true },
        CIFAR10,
        2,
        with_bn,
        VGG11_BN_CHANNELS,
    );
}

#[test]
fn vgg16_cifar_has_14719818_parameters() {
    let _draws = random_draws();
    check(
        ModelKind::Vgg16 { batch_norm: false },
        CIFAR10,
        1,
        14_719_818,
        0,
    );
}

#[test]
fn vgg11_bn_on_tiny_imagenet_pools_64x64_to_one_512_vector() {
    let _draws = random_draws();
    let features = 9_225_610 + VGG11_BN_CHANNELS - (512 * 10 + 10);
    let trainable = features + 512 * 200 + 200;
    check(
        ModelKind::Vgg11 { batch_norm: true },
        TINY_IMAGENET,
        1,
        trainable,
        VGG11_BN_CHANNELS,
    );
}

#[test]
fn resnet18_cifar_has_11173962_parameters() {
    let _draws = random_draws();
    // Batch norm: stem 64, blocks 4 * (64 + 128 + 256 + 512), projections 128 + 256 + 512.
    check(ModelKind::ResNet18, CIFAR10, 1, 11_173_962, 4800);
}

#[test]
fn resnet20_has_269722_parameters_plus_two_projection_shortcuts() {
    let _draws = random_draws();
    // He et al.'s zero-padding shortcuts give 269,722; the 1x1 projections with
    // batch norm at the two downsampling blocks add 16*32 + 64 and 32*64 + 128.
    // Batch norm: stem 16, blocks 6 * (16 + 32 + 64), projections 32 + 64.
    let trainable = 269_722 + 16 * 32 + 64 + 32 * 64 + 128;
    check(ModelKind::ResNet20, CIFAR10, 2, trainable, 784);
}

#[test]
fn burn_guide_model_has_the_books_layer_sizes() {
    let _draws = random_draws();
    check(
        ModelKind::BurnGuide,
        MNIST,
        2,
        80 + 1168 + (1024 * 512 + 512) + 5130,
        0,
    );
}

#[test]
fn model_kind_names_parse_and_print_back() {
    let _draws = random_draws();
    let names = [
        "mlp", "lenet", "vgg11", "vgg11-bn", "vgg16", "vgg16-bn", "resnet18", "resnet20", "guide",
    ];
    for (name, kind) in names.iter().zip(ModelKind::ALL) {
        assert_eq!(name.parse::<ModelKind>().unwrap(), kind);
        assert_eq!(kind.to_string(), *name);
    }
    assert!(
        matches!("vgg19".parse::<ModelKind>(), Err(ModelError::UnknownModel(name)) if name == "vgg19")
    );
}

#[test]
fn models_reject_images_too_small_for_their_downsampling() {
    let _draws = random_draws();
    let device = Default::default();
    let err = ModelKind::Vgg11 { batch_norm: false }
        .init::<TestBackend>(MNIST, &device)
        .unwrap_err();
    assert!(matches!(
        err,
        ModelError::InputTooSmall {
            min: 32,
            height: 28,
            width: 28,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "vgg11 needs images of at least 32x32 pixels, got 28x28"
    );
    let tiny = InputShape {
        height: 11,
        width: 11,
        ..MNIST
    };
    assert!(
        ModelKind::LeNet5
            .init::<TestBackend>(tiny, &device)
            .is_err()
    );
    assert_eq!(LeNet5Config::for_input(1, 11, 11, 10).feature_size(), None);
    let smallest = InputShape {
        height: 12,
        width: 12,
        ..MNIST
    };
    // 16 features of 1x1 after the second pooling.
    check(
        ModelKind::LeNet5,
        smallest,
        1,
        156 + 2416 + 16 * 120 + 120 + 10_164 + 850,
        0,
    );
}
