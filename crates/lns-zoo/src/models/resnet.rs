//! ResNets for small images (He et al. 2016): a 3x3 stem without max-pool,
//! stages of BasicBlocks, global average pool, linear classifier.

use burn::config::Config;
use burn::module::Module;
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::Tensor;
use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;

use super::blocks::{ConvNorm, ConvNormConfig};

/// Configuration of a [`ResNet`].
///
/// Stage `i` has `blocks[i]` BasicBlocks of `channels[i]` channels; the first
/// stage keeps the resolution, every later one halves it in its first block.
/// Where a block changes shape its shortcut is a 1x1 convolution with batch
/// normalization (option B of He et al.), elsewhere the identity.
#[derive(Config, Debug)]
pub struct ResNetConfig {
    /// Input channels.
    pub in_channels: usize,
    /// Output classes.
    pub classes: usize,
    /// Channels of the stem convolution.
    pub stem_channels: usize,
    /// Channels of each stage.
    pub channels: Vec<usize>,
    /// BasicBlocks in each stage.
    pub blocks: Vec<usize>,
}

impl ResNetConfig {
    /// ResNet-18, CIFAR variant: stem 64, stages of [2, 2, 2, 2] blocks with 64, 128, 256, 512 channels.
    pub fn resnet18(in_channels: usize, classes: usize) -> Self {
        Self::new(
            in_channels,
            classes,
            64,
            vec![64, 128, 256, 512],
            vec![2; 4],
        )
    }

    /// ResNet-20 (He et al. 2016, section 4.2): stem 16, three stages of 3 blocks with 16, 32, 64 channels.
    pub fn resnet20(in_channels: usize, classes: usize) -> Self {
        Self::new(in_channels, classes, 16, vec![16, 32, 64], vec![3; 3])
    }

    /// Creates the model with freshly initialized weights.
    ///
    /// # Panics
    /// If `channels` and `blocks` differ in length.
    pub fn init<B: Backend>(&self, device: &B::Device) -> ResNet<B> {
        assert_eq!(
            self.channels.len(),
            self.blocks.len(),
            "one block count per stage"
        );
        let stem = ConvNormConfig::new(self.in_channels, self.stem_channels, 3)
            .with_padding(1)
            .with_batch_norm(true)
            .init(device);
        let mut in_channels = self.stem_channels;
        let mut blocks = Vec::new();
        for (stage, (&channels, &count)) in self.channels.iter().zip(&self.blocks).enumerate() {
            for index in 0..count {
                let stride = if stage > 0 && index == 0 { 2 } else { 1 };
                blocks.push(BasicBlock::new(in_channels, channels, stride, device));
                in_channels = channels;
            }
        }
        ResNet {
            stem,
            blocks,
            pool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            classifier: LinearConfig::new(in_channels, self.classes).init(device),
        }
    }
}

/// Two 3x3 convolutions with batch norm and a residual connection.
#[derive(Module, Debug)]
pub struct BasicBlock<B: Backend> {
    conv1: ConvNorm<B>,
    conv2: ConvNorm<B>,
    shortcut: Option<ConvNorm<B>>,
}

impl<B: Backend> BasicBlock<B> {
    fn new(in_channels: usize, out_channels: usize, stride: usize, device: &B::Device) -> Self {
        let conv3x3 = |input| {
            ConvNormConfig::new(input, out_channels, 3)
                .with_padding(1)
                .with_batch_norm(true)
        };
        let shortcut = (stride != 1 || in_channels != out_channels).then(|| {
            ConvNormConfig::new(in_channels, out_channels, 1)
                .with_stride(stride)
                .with_batch_norm(true)
                .init(device)
        });
        Self {
            conv1: conv3x3(in_channels).with_stride(stride).init(device),
            conv2: conv3x3(out_channels).init(device),
            shortcut,
        }
    }

    /// `relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))`.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let residual = match &self.shortcut {
            Some(projection) => projection.forward(x.clone()),
            None => x.clone(),
        };
        let y = relu(self.conv1.forward(x));
        relu(self.conv2.forward(y) + residual)
    }
}

/// Residual network.
#[derive(Module, Debug)]
pub struct ResNet<B: Backend> {
    stem: ConvNorm<B>,
    blocks: Vec<BasicBlock<B>>,
    pool: AdaptiveAvgPool2d,
    classifier: Linear<B>,
}

impl<B: Backend> ResNet<B> {
    /// Images `[batch, c, h, w]` to logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        let mut x = relu(self.stem.forward(images));
        for block in &self.blocks {
            x = block.forward(x);
        }
        self.classifier
            .forward(self.pool.forward(x).flatten::<2>(1, 3))
    }
}
