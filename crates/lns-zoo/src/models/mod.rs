//! Image classifiers generic over the Burn backend.
//!
//! Every model maps images `[batch, channels, height, width]` to logits
//! `[batch, classes]`, so they are interchangeable behind [`Classifier`] and
//! [`Model`]; [`ModelKind`] picks one by name for a given [`InputShape`].

mod blocks;
mod guide;
mod kind;
mod lenet;
mod mlp;
mod resnet;
mod vgg;

use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

pub use blocks::{ConvNorm, ConvNormConfig};
pub use guide::{BurnGuide, BurnGuideConfig};
pub use kind::{InputShape, Model, ModelError, ModelKind};
pub use lenet::{LeNet5, LeNet5Config};
pub use mlp::{LNS_LEAKY_SLOPE, Mlp, MlpConfig};
pub use resnet::{BasicBlock, ResNet, ResNetConfig};
pub use vgg::{Vgg, VggConfig};

/// A module that classifies a batch of images.
pub trait Classifier<B: Backend>: Module<B> {
    /// Images `[batch, channels, height, width]` to logits `[batch, classes]`.
    fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2>;
}

macro_rules! classifier {
    ($($model:ident),*) => {$(
        impl<B: Backend> Classifier<B> for $model<B> {
            fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
                $model::forward(self, images)
            }
        }
    )*};
}

classifier!(Mlp, LeNet5, Vgg, ResNet, BurnGuide, Model);
