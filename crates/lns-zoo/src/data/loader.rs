//! Iterating a dataset in batches, in file order or in a seeded shuffled order.

use burn::data::dataset::Dataset;
use burn::tensor::backend::Backend;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::{ImageBatch, ImageBatcher, ImageItem};

/// The batches of one pass over a dataset.
///
/// Batch `i` of epoch `e` is built with [`ImageBatcher::batch_at`] at step
/// `e << 32 | i`, so the order *and* the augmentation depend only on the seeds
/// and the epoch: two backends iterating with the same arguments see identical
/// batches. The last batch may be smaller than `batch_size`.
pub struct EpochBatches<'a, B: Backend, D> {
    dataset: &'a D,
    batcher: &'a ImageBatcher,
    order: Vec<usize>,
    batch_size: usize,
    epoch: u64,
    next: usize,
    device: B::Device,
}

impl<'a, B: Backend, D: Dataset<ImageItem>> EpochBatches<'a, B, D> {
    /// Batches of `batch_size` items in dataset order, for epoch 0.
    ///
    /// # Panics
    /// If `batch_size` is zero.
    pub fn new(
        dataset: &'a D,
        batcher: &'a ImageBatcher,
        batch_size: usize,
        device: &B::Device,
    ) -> Self {
        assert!(batch_size > 0, "batch size must be positive");
        Self {
            dataset,
            batcher,
            order: (0..dataset.len()).collect(),
            batch_size,
            epoch: 0,
            next: 0,
            device: device.clone(),
        }
    }

    /// The same batches for epoch `epoch`, items in the order [`shuffled_order`] gives.
    pub fn shuffled(mut self, seed: u64, epoch: u64) -> Self {
        self.order = shuffled_order(self.dataset.len(), seed, epoch);
        self.epoch = epoch;
        self
    }
}

impl<B: Backend, D: Dataset<ImageItem>> Iterator for EpochBatches<'_, B, D> {
    type Item = ImageBatch<B>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.next * self.batch_size;
        if start >= self.order.len() {
            return None;
        }
        let end = (start + self.batch_size).min(self.order.len());
        let items: Vec<ImageItem> = self.order[start..end]
            .iter()
            .map(|&index| self.dataset.get(index).expect("index below dataset length"))
            .collect();
        let step = (self.epoch << 32) | self.next as u64;
        self.next += 1;
        Some(self.batcher.batch_at(&items, step, &self.device))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.order.len().div_ceil(self.batch_size) - self.next;
        (left, Some(left))
    }
}

impl<B: Backend, D: Dataset<ImageItem>> ExactSizeIterator for EpochBatches<'_, B, D> {}

/// A permutation of `0..len` that depends only on `seed` and `epoch`.
pub fn shuffled_order(len: usize, seed: u64, epoch: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut rng =
        StdRng::seed_from_u64(seed.wrapping_add(epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    order.shuffle(&mut rng);
    order
}
