//! The model of the Burn book's MNIST guide, generalized to any input size,
//! channel count and class count.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, Relu};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// Configuration of a [`BurnGuide`] model.
#[derive(Config, Debug)]
pub struct BurnGuideConfig {
    /// Input channels (1 in the guide).
    #[config(default = 1)]
    pub in_channels: usize,
    /// Output classes.
    #[config(default = 10)]
    pub classes: usize,
    /// Width of the hidden linear layer.
    #[config(default = 512)]
    pub hidden_size: usize,
    /// Dropout probability.
    #[config(default = 0.5)]
    pub dropout: f64,
}

/// conv 8@3x3, dropout, conv 16@3x3, dropout, ReLU, adaptive average pool to 8x8,
/// linear 1024-to-hidden, dropout, ReLU, linear hidden-to-classes — layer for
/// layer the guide's `Model`.
#[derive(Module, Debug)]
pub struct BurnGuide<B: Backend> {
    conv1: Conv2d<B>,
    conv2: Conv2d<B>,
    pool: AdaptiveAvgPool2d,
    dropout: Dropout,
    linear1: Linear<B>,
    linear2: Linear<B>,
    activation: Relu,
}

/// Channels after the second convolution.
const CONV2_CHANNELS: usize = 16;
/// Side of the pooled feature maps.
const POOLED: usize = 8;

impl BurnGuideConfig {
    /// Creates the model with freshly initialized weights.
    pub fn init<B: Backend>(&self, device: &B::Device) -> BurnGuide<B> {
        BurnGuide {
            conv1: Conv2dConfig::new([self.in_channels, 8], [3, 3]).init(device),
            conv2: Conv2dConfig::new([8, CONV2_CHANNELS], [3, 3]).init(device),
            pool: AdaptiveAvgPool2dConfig::new([POOLED, POOLED]).init(),
            dropout: DropoutConfig::new(self.dropout).init(),
            linear1: LinearConfig::new(CONV2_CHANNELS * POOLED * POOLED, self.hidden_size)
                .init(device),
            linear2: LinearConfig::new(self.hidden_size, self.classes).init(device),
            activation: Relu::new(),
        }
    }
}

impl<B: Backend> BurnGuide<B> {
    /// Images `[batch, c, h, w]` (h, w at least 5) to logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        let x = self.dropout.forward(self.conv1.forward(images));
        let x = self.dropout.forward(self.conv2.forward(x));
        let x = self.pool.forward(self.activation.forward(x));
        let x = self.linear1.forward(x.flatten::<2>(1, 3));
        let x = self.activation.forward(self.dropout.forward(x));
        self.linear2.forward(x)
    }
}
