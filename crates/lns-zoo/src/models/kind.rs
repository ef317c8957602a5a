//! Choosing a model by name.

use std::fmt;
use std::str::FromStr;

use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

use super::{
    BurnGuide, BurnGuideConfig, LeNet5, LeNet5Config, Mlp, MlpConfig, ResNet, ResNetConfig, Vgg,
    VggConfig,
};
use crate::data::ImageDataset;
use crate::transfer::materialize;

/// What a model is built for: image shape and number of classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputShape {
    /// Image channels.
    pub channels: usize,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// Output classes.
    pub classes: usize,
}

impl From<&ImageDataset> for InputShape {
    fn from(dataset: &ImageDataset) -> Self {
        let dims = dataset.dims();
        Self {
            channels: dims.channels,
            height: dims.height,
            width: dims.width,
            classes: dataset.classes(),
        }
    }
}

/// The models of the zoo, by name.
///
/// | name | model |
/// |---|---|
/// | `mlp` | [`Mlp`], one hidden layer of 100, leaky ReLU of slope 2^-7 |
/// | `lenet` | [`LeNet5`] |
/// | `vgg11`, `vgg11-bn` | [`Vgg`] VGG-11 without / with batch norm |
/// | `vgg16`, `vgg16-bn` | [`Vgg`] VGG-16 without / with batch norm |
/// | `resnet18` | [`ResNet`] ResNet-18, CIFAR variant |
/// | `resnet20` | [`ResNet`] ResNet-20 |
/// | `guide` | [`BurnGuide`], the Burn book's MNIST model |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// Multi-layer perceptron.
    Mlp,
    /// LeNet-5.
    LeNet5,
    /// VGG-11.
    Vgg11 {
        /// Batch normalization after every convolution.
        batch_norm: bool,
    },
    /// VGG-16.
    Vgg16 {
        /// Batch normalization after every convolution.
        batch_norm: bool,
    },
    /// ResNet-18 (CIFAR variant).
    ResNet18,
    /// ResNet-20.
    ResNet20,
    /// The Burn book's guide model.
    BurnGuide,
}

/// A model could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The name is not one of [`ModelKind`]'s.
    #[error(
        "unknown model {0:?} (mlp, lenet, vgg11, vgg11-bn, vgg16, vgg16-bn, resnet18, resnet20, guide)"
    )]
    UnknownModel(String),
    /// The input images are smaller than the model's downsampling allows.
    #[error("{model} needs images of at least {min}x{min} pixels, got {height}x{width}")]
    InputTooSmall {
        /// The model's name.
        model: ModelKind,
        /// Smallest side it accepts.
        min: usize,
        /// Height given.
        height: usize,
        /// Width given.
        width: usize,
    },
}

impl ModelKind {
    /// Every kind, in the order of the table above.
    pub const ALL: [Self; 9] = [
        Self::Mlp,
        Self::LeNet5,
        Self::Vgg11 { batch_norm: false },
        Self::Vgg11 { batch_norm: true },
        Self::Vgg16 { batch_norm: false },
        Self::Vgg16 { batch_norm: true },
        Self::ResNet18,
        Self::ResNet20,
        Self::BurnGuide,
    ];

    /// Smallest image side the model accepts.
    pub fn min_side(self) -> usize {
        match self {
            Self::Mlp | Self::ResNet18 | Self::ResNet20 => 1,
            // With padding 2: (s + 4 - 4) / 2 - 4 must leave a 2x2 map to pool.
            Self::LeNet5 => 12,
            // Five 2x2 max-pools.
            Self::Vgg11 { .. } | Self::Vgg16 { .. } => 32,
            // Two unpadded 3x3 convolutions.
            Self::BurnGuide => 5,
        }
    }

    /// Builds the model for `shape` with freshly initialized weights.
    ///
    /// Unlike Burn's lazy `Config::init`, the weights are drawn here, from the
    /// backend's RNG as seeded by `B::seed`, and clones of the model share them
    /// (see [`materialize`]).
    ///
    /// # Errors
    /// [`ModelError::InputTooSmall`] if the images are smaller than [`min_side`](Self::min_side).
    pub fn init<B: Backend>(
        self,
        shape: InputShape,
        device: &B::Device,
    ) -> Result<Model<B>, ModelError> {
        let InputShape {
            channels,
            height,
            width,
            classes,
        } = shape;
        let min = self.min_side();
        if height.min(width) < min {
            return Err(ModelError::InputTooSmall {
                model: self,
                min,
                height,
                width,
            });
        }
        let model = match self {
            Self::Mlp => Model::Mlp(
                MlpConfig::new()
                    .with_inputs(channels * height * width)
                    .with_classes(classes)
                    .init(device),
            ),
            Self::LeNet5 => Model::LeNet5(
                LeNet5Config::for_input(channels, height, width, classes).init(device),
            ),
            Self::Vgg11 { batch_norm } => Model::Vgg(
                VggConfig::vgg11(channels, classes)
                    .with_batch_norm(batch_norm)
                    .init(device),
            ),
            Self::Vgg16 { batch_norm } => Model::Vgg(
                VggConfig::vgg16(channels, classes)
                    .with_batch_norm(batch_norm)
                    .init(device),
            ),
            Self::ResNet18 => Model::ResNet(ResNetConfig::resnet18(channels, classes).init(device)),
            Self::ResNet20 => Model::ResNet(ResNetConfig::resnet20(channels, classes).init(device)),
            Self::BurnGuide => Model::BurnGuide(
                BurnGuideConfig::new()
                    .with_in_channels(channels)
                    .with_classes(classes)
                    .init(device),
            ),
        };
        materialize(&model);
        Ok(model)
    }
}

impl FromStr for ModelKind {
    type Err = ModelError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.to_string() == name)
            .ok_or_else(|| ModelError::UnknownModel(name.to_string()))
    }
}

impl fmt::Display for ModelKind {
    /// The name [`FromStr`] accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Mlp => "mlp",
            Self::LeNet5 => "lenet",
            Self::Vgg11 { batch_norm: false } => "vgg11",
            Self::Vgg11 { batch_norm: true } => "vgg11-bn",
            Self::Vgg16 { batch_norm: false } => "vgg16",
            Self::Vgg16 { batch_norm: true } => "vgg16-bn",
            Self::ResNet18 => "resnet18",
            Self::ResNet20 => "resnet20",
            Self::BurnGuide => "guide",
        })
    }
}

/// Any model of the zoo, as one type.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Model<B: Backend> {
    /// See [`Mlp`].
    Mlp(Mlp<B>),
    /// See [`LeNet5`].
    LeNet5(LeNet5<B>),
    /// See [`Vgg`].
    Vgg(Vgg<B>),
    /// See [`ResNet`].
    ResNet(ResNet<B>),
    /// See [`BurnGuide`].
    BurnGuide(BurnGuide<B>),
}

impl<B: Backend> Model<B> {
    /// Images `[batch, channels, height, width]` to logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        match self {
            Self::Mlp(model) => model.forward(images),
            Self::LeNet5(model) => model.forward(images),
            Self::Vgg(model) => model.forward(images),
            Self::ResNet(model) => model.forward(images),
            Self::BurnGuide(model) => model.forward(images),
        }
    }
}
