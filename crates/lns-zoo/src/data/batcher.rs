//! Turning image items into normalized, optionally augmented tensors.

use std::sync::atomic::{AtomicU64, Ordering};

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{ImageDims, ImageItem};

/// Per-channel mean and standard deviation of pixel intensities scaled to `[0, 1]`.
///
/// The batcher maps a pixel `p` of channel `c` to `(p / 255 - mean[c]) / std[c]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalization {
    /// Mean of each channel.
    pub mean: Vec<f32>,
    /// Standard deviation of each channel.
    pub std: Vec<f32>,
}

impl Normalization {
    /// Statistics of the MNIST training set.
    pub fn mnist() -> Self {
        Self::new(&[0.1307], &[0.3081])
    }

    /// Statistics of the Fashion-MNIST training set.
    pub fn fashion_mnist() -> Self {
        Self::new(&[0.2860], &[0.3530])
    }

    /// Statistics of the CIFAR-10 training set.
    pub fn cifar10() -> Self {
        Self::new(&[0.4914, 0.4822, 0.4465], &[0.2470, 0.2435, 0.2616])
    }

    /// Statistics of the CIFAR-100 training set.
    pub fn cifar100() -> Self {
        Self::new(&[0.5071, 0.4865, 0.4409], &[0.2673, 0.2564, 0.2762])
    }

    /// Statistics of the TinyImageNet-200 training set.
    pub fn tiny_imagenet() -> Self {
        Self::new(&[0.4802, 0.4481, 0.3975], &[0.2770, 0.2691, 0.2821])
    }

    fn new(mean: &[f32], std: &[f32]) -> Self {
        Self {
            mean: mean.to_vec(),
            std: std.to_vec(),
        }
    }
}

/// Standard training augmentation, applied to the raw pixels before normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Augmentation {
    /// Random crop of the original size from the image zero-padded by this many
    /// pixels on every side (0 disables cropping).
    pub crop_padding: usize,
    /// Mirror each image left-right with probability 1/2.
    pub horizontal_flip: bool,
}

impl Augmentation {
    /// The usual CIFAR recipe: random crop with padding 4 and horizontal flips.
    pub fn standard() -> Self {
        Self {
            crop_padding: 4,
            horizontal_flip: true,
        }
    }
}

/// A batch ready for a model.
#[derive(Debug, Clone)]
pub struct ImageBatch<B: Backend> {
    /// Normalized images, `[batch, channels, height, width]`.
    pub images: Tensor<B, 4>,
    /// Class labels, `[batch]`.
    pub targets: Tensor<B, 1, Int>,
}

/// Builds [`ImageBatch`]es from [`ImageItem`]s of one [`ImageDims`].
///
/// Augmentation is deterministic: the random choices for a batch depend only on
/// the seed and the batch's step number (see [`ImageBatcher::batch_at`]).
#[derive(Debug)]
pub struct ImageBatcher {
    dims: ImageDims,
    normalization: Normalization,
    augmentation: Option<(Augmentation, u64)>,
    next_step: AtomicU64,
}

impl Clone for ImageBatcher {
    fn clone(&self) -> Self {
        Self {
            dims: self.dims,
            normalization: self.normalization.clone(),
            augmentation: self.augmentation,
            next_step: AtomicU64::new(self.next_step.load(Ordering::Relaxed)),
        }
    }
}

impl ImageBatcher {
    /// A batcher that only normalizes.
    ///
    /// # Panics
    /// If `normalization` does not give exactly one mean and one std per channel.
    pub fn new(dims: ImageDims, normalization: Normalization) -> Self {
        assert!(
            normalization.mean.len() == dims.channels && normalization.std.len() == dims.channels,
            "normalization {normalization:?} does not match {} channels",
            dims.channels
        );
        Self {
            dims,
            normalization,
            augmentation: None,
            next_step: AtomicU64::new(0),
        }
    }

    /// The same batcher, also augmenting with random choices drawn from `seed`.
    pub fn with_augmentation(mut self, augmentation: Augmentation, seed: u64) -> Self {
        self.augmentation = Some((augmentation, seed));
        self
    }

    /// Batches `items` as the `step`-th batch: with augmentation on, the crops and
    /// flips are a function of `(seed, step)` alone, so the same arguments always
    /// give the same batch.
    ///
    /// # Panics
    /// If an item's pixel count differs from the batcher's dimensions.
    pub fn batch_at<B: Backend>(
        &self,
        items: &[ImageItem],
        step: u64,
        device: &B::Device,
    ) -> ImageBatch<B> {
        let ImageDims {
            channels,
            height,
            width,
        } = self.dims;
        let mut rng = self
            .augmentation
            .map(|(augmentation, seed)| (augmentation, StdRng::seed_from_u64(mix(seed, step))));
        let mut values = Vec::with_capacity(items.len() * self.dims.len());
        for item in items {
            assert_eq!(
                item.pixels.len(),
                self.dims.len(),
                "item has other dimensions"
            );
            let view = match &mut rng {
                Some((augmentation, rng)) => View::random(*augmentation, rng),
                None => View::identity(),
            };
            for c in 0..channels {
                let (mean, std) = (self.normalization.mean[c], self.normalization.std[c]);
                let plane = &item.pixels[c * height * width..(c + 1) * height * width];
                for y in 0..height {
                    for x in 0..width {
                        let pixel = view
                            .source(y, x, height, width)
                            .map_or(0, |(sy, sx)| plane[sy * width + sx]);
                        values.push((f32::from(pixel) / 255.0 - mean) / std);
                    }
                }
            }
        }
        let batch = items.len();
        let labels: Vec<i64> = items.iter().map(|item| item.label as i64).collect();
        ImageBatch {
            images: Tensor::from_data(
                TensorData::new(values, [batch, channels, height, width]),
                device,
            ),
            targets: Tensor::from_data(TensorData::new(labels, [batch]), device),
        }
    }
}

impl<B: Backend> Batcher<B, ImageItem, ImageBatch<B>> for ImageBatcher {
    /// Batches with step numbers 0, 1, 2, ... in call order (see [`ImageBatcher::batch_at`]).
    fn batch(&self, items: Vec<ImageItem>, device: &B::Device) -> ImageBatch<B> {
        let step = self.next_step.fetch_add(1, Ordering::Relaxed);
        self.batch_at(&items, step, device)
    }
}

/// Which source pixel each output pixel shows: a crop offset and a flip.
struct View {
    /// Offset of the crop window in the padded image, minus the padding.
    dy: i64,
    dx: i64,
    flip: bool,
}

impl View {
    fn identity() -> Self {
        Self {
            dy: 0,
            dx: 0,
            flip: false,
        }
    }

    fn random(augmentation: Augmentation, rng: &mut StdRng) -> Self {
        let pad = augmentation.crop_padding as i64;
        let dy = rng.random_range(-pad..=pad);
        let dx = rng.random_range(-pad..=pad);
        let flip = augmentation.horizontal_flip && rng.random_bool(0.5);
        Self { dy, dx, flip }
    }

    /// Source coordinates of output pixel `(y, x)`, or `None` in the zero padding.
    fn source(&self, y: usize, x: usize, height: usize, width: usize) -> Option<(usize, usize)> {
        let x = if self.flip { width - 1 - x } else { x };
        let sy = usize::try_from(y as i64 + self.dy)
            .ok()
            .filter(|&sy| sy < height)?;
        let sx = usize::try_from(x as i64 + self.dx)
            .ok()
            .filter(|&sx| sx < width)?;
        Some((sy, sx))
    }
}

/// Combines a seed and a step number into one well-spread RNG seed (SplitMix64 finalizer).
fn mix(seed: u64, step: u64) -> u64 {
    let mut z = seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
