//! A multi-layer perceptron on flattened images.

use burn::config::Config;
use burn::module::Module;
use burn::nn::activation::{Activation, ActivationConfig};
use burn::nn::{LeakyReluConfig, Linear, LinearConfig};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// Leaky-ReLU negative slope 2^-7, the power of two used by Sanyal et al. (2020)
/// for multiplier-free LNS training.
pub const LNS_LEAKY_SLOPE: f64 = 1.0 / 128.0;

/// Configuration of an [`Mlp`]; the default is 784-100-10 with leaky ReLU of slope 2^-7.
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Input features: `channels * height * width` of the images.
    #[config(default = 784)]
    pub inputs: usize,
    /// Output classes.
    #[config(default = 10)]
    pub classes: usize,
    /// Width of each hidden layer, input side first.
    #[config(default = "vec![100]")]
    pub hidden: Vec<usize>,
    /// Activation after every hidden layer.
    #[config(
        default = "ActivationConfig::LeakyRelu(LeakyReluConfig::new().with_negative_slope(LNS_LEAKY_SLOPE))"
    )]
    pub activation: ActivationConfig,
}

/// Fully connected layers with one activation between them.
#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    hidden: Vec<Linear<B>>,
    output: Linear<B>,
    activation: Activation<B>,
}

impl MlpConfig {
    /// Creates the model with freshly initialized weights.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Mlp<B> {
        let widths: Vec<usize> = std::iter::once(self.inputs)
            .chain(self.hidden.iter().copied())
            .collect();
        let hidden = widths
            .windows(2)
            .map(|pair| LinearConfig::new(pair[0], pair[1]).init(device))
            .collect();
        let last = *widths.last().expect("at least the input width");
        Mlp {
            hidden,
            output: LinearConfig::new(last, self.classes).init(device),
            activation: self.activation.init(device),
        }
    }
}

impl<B: Backend> Mlp<B> {
    /// Images `[batch, c, h, w]` (flattened to `[batch, c*h*w]`) to logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        let mut x = images.flatten::<2>(1, 3);
        for layer in &self.hidden {
            x = self.activation.forward(layer.forward(x));
        }
        self.output.forward(x)
    }
}
