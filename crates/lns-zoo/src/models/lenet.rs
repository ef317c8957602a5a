//! LeNet-5 (LeCun et al. 1998) with max pooling and ReLU.

use burn::config::Config;
use burn::module::Module;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::Tensor;
use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;

use super::blocks::{ConvNorm, ConvNormConfig};

/// Configuration of a [`LeNet5`].
///
/// conv 6@5x5 (padded by `conv1_padding`), max-pool 2, conv 16@5x5, max-pool 2,
/// fc 120, fc 84, fc `classes`. With padding 2 a 28x28 input reaches the classic
/// 16x5x5 features, as does a 32x32 input with padding 0.
#[derive(Config, Debug)]
pub struct LeNet5Config {
    /// Input channels.
    pub in_channels: usize,
    /// Input height.
    pub height: usize,
    /// Input width.
    pub width: usize,
    /// Output classes.
    pub classes: usize,
    /// Zero padding of the first convolution.
    pub conv1_padding: usize,
}

/// LeNet-5.
#[derive(Module, Debug)]
pub struct LeNet5<B: Backend> {
    conv1: ConvNorm<B>,
    conv2: ConvNorm<B>,
    pool: MaxPool2d,
    fc1: Linear<B>,
    fc2: Linear<B>,
    fc3: Linear<B>,
}

impl LeNet5Config {
    /// The configuration for an input of `height` x `width`: padding 2 below 32
    /// pixels (MNIST's 28x28), else 0.
    pub fn for_input(in_channels: usize, height: usize, width: usize, classes: usize) -> Self {
        let padding = if height.min(width) < 32 { 2 } else { 0 };
        Self::new(in_channels, height, width, classes, padding)
    }

    /// Side lengths of the feature maps entering the classifier, or `None` when
    /// the input is too small for two 5x5 convolutions and two poolings.
    pub fn feature_size(&self) -> Option<[usize; 2]> {
        let side = |input: usize| {
            let conv1 = (input + 2 * self.conv1_padding).checked_sub(4)?;
            let side = (conv1 / 2).checked_sub(4)? / 2;
            (side > 0).then_some(side)
        };
        Some([side(self.height)?, side(self.width)?])
    }

    /// Creates the model with freshly initialized weights.
    ///
    /// # Panics
    /// If [`feature_size`](Self::feature_size) is `None`.
    pub fn init<B: Backend>(&self, device: &B::Device) -> LeNet5<B> {
        let [h, w] = self.feature_size().expect("input too small for LeNet-5");
        LeNet5 {
            conv1: ConvNormConfig::new(self.in_channels, 6, 5)
                .with_padding(self.conv1_padding)
                .init(device),
            conv2: ConvNormConfig::new(6, 16, 5).init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            fc1: LinearConfig::new(16 * h * w, 120).init(device),
            fc2: LinearConfig::new(120, 84).init(device),
            fc3: LinearConfig::new(84, self.classes).init(device),
        }
    }
}

impl<B: Backend> LeNet5<B> {
    /// Images `[batch, c, h, w]` to logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        let x = self.pool.forward(relu(self.conv1.forward(images)));
        let x = self.pool.forward(relu(self.conv2.forward(x)));
        let x = relu(self.fc1.forward(x.flatten::<2>(1, 3)));
        let x = relu(self.fc2.forward(x));
        self.fc3.forward(x)
    }
}
