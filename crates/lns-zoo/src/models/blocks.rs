//! Layers shared by the convolutional models.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// A square convolution followed by optional batch normalization (no activation).
///
/// With batch normalization the convolution has no bias, as the norm's shift replaces it.
#[derive(Module, Debug)]
pub struct ConvNorm<B: Backend> {
    conv: Conv2d<B>,
    norm: Option<BatchNorm<B>>,
}

/// Configuration of a [`ConvNorm`].
#[derive(Config, Debug)]
pub struct ConvNormConfig {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Side of the square kernel.
    pub kernel: usize,
    /// Stride in both directions.
    #[config(default = 1)]
    pub stride: usize,
    /// Zero padding on every side.
    #[config(default = 0)]
    pub padding: usize,
    /// Whether batch normalization follows the convolution.
    #[config(default = false)]
    pub batch_norm: bool,
}

impl ConvNormConfig {
    /// Creates the layer with freshly initialized weights.
    pub fn init<B: Backend>(&self, device: &B::Device) -> ConvNorm<B> {
        let p = self.padding;
        let conv = Conv2dConfig::new([self.in_channels, self.out_channels], [self.kernel; 2])
            .with_stride([self.stride; 2])
            .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
            .with_bias(!self.batch_norm)
            .init(device);
        let norm = self
            .batch_norm
            .then(|| BatchNormConfig::new(self.out_channels).init(device));
        ConvNorm { conv, norm }
    }
}

impl<B: Backend> ConvNorm<B> {
    /// `[batch, in, h, w]` to `[batch, out, h', w']`.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let x = self.conv.forward(x);
        match &self.norm {
            Some(norm) => norm.forward(x),
            None => x,
        }
    }
}
