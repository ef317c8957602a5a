//! VGG (Simonyan and Zisserman 2015) in its CIFAR form: 3x3 convolutions,
//! five 2x2 max-pools and a single 512-to-classes linear classifier.

use burn::config::Config;
use burn::module::Module;
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::Tensor;
use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;

use super::blocks::{ConvNorm, ConvNormConfig};

/// Configuration of a [`Vgg`].
///
/// `stages` lists the output channels of the convolutions of each stage; every
/// stage ends with a 2x2 max-pool. An adaptive average pool to 1x1 before the
/// classifier makes inputs larger than 32x32 (TinyImageNet's 64x64) work; for
/// 32x32 inputs it is the identity.
#[derive(Config, Debug)]
pub struct VggConfig {
    /// Input channels.
    pub in_channels: usize,
    /// Output classes.
    pub classes: usize,
    /// Convolution widths per stage.
    pub stages: Vec<Vec<usize>>,
    /// Whether every convolution is followed by batch normalization.
    #[config(default = false)]
    pub batch_norm: bool,
}

impl VggConfig {
    /// VGG-11 ("A"): 64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M.
    pub fn vgg11(in_channels: usize, classes: usize) -> Self {
        Self::new(
            in_channels,
            classes,
            vec![
                vec![64],
                vec![128],
                vec![256, 256],
                vec![512, 512],
                vec![512, 512],
            ],
        )
    }

    /// VGG-16 ("D"): 64x2, M, 128x2, M, 256x3, M, 512x3, M, 512x3, M.
    pub fn vgg16(in_channels: usize, classes: usize) -> Self {
        Self::new(
            in_channels,
            classes,
            vec![
                vec![64; 2],
                vec![128; 2],
                vec![256; 3],
                vec![512; 3],
                vec![512; 3],
            ],
        )
    }

    /// Creates the model with freshly initialized weights.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Vgg<B> {
        let mut channels = self.in_channels;
        let mut convs = Vec::new();
        for stage in &self.stages {
            let layers = stage
                .iter()
                .map(|&width| {
                    let layer = ConvNormConfig::new(channels, width, 3)
                        .with_padding(1)
                        .with_batch_norm(self.batch_norm)
                        .init(device);
                    channels = width;
                    layer
                })
                .collect();
            convs.push(layers);
        }
        Vgg {
            stages: convs,
            pool: MaxPool2dConfig::new([2, 2]).init(),
            global_pool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            classifier: LinearConfig::new(channels, self.classes).init(device),
        }
    }
}

/// VGG network.
#[derive(Module, Debug)]
pub struct Vgg<B: Backend> {
    stages: Vec<Vec<ConvNorm<B>>>,
    pool: MaxPool2d,
    global_pool: AdaptiveAvgPool2d,
    classifier: Linear<B>,
}

impl<B: Backend> Vgg<B> {
    /// Images `[batch, c, h, w]` (h, w at least 32) to logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        let mut x = images;
        for stage in &self.stages {
            for layer in stage {
                x = relu(layer.forward(x));
            }
            x = self.pool.forward(x);
        }
        let x = self.global_pool.forward(x).flatten::<2>(1, 3);
        self.classifier.forward(x)
    }
}
