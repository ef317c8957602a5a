//! Offline dataset loaders and batching.
//!
//! Loaders read the standard distribution formats (IDX for MNIST and
//! Fashion-MNIST, the CIFAR binary versions, the TinyImageNet folder layout)
//! into an in-memory [`ImageDataset`], validating every file completely: a
//! problem anywhere is a [`DataError`], never a partial dataset.

mod batcher;
pub mod cifar;
mod error;
pub mod fashion_mnist;
mod file;
pub mod idx;
mod item;
mod loader;
mod source;
pub mod tiny_imagenet;

pub use batcher::{Augmentation, ImageBatch, ImageBatcher, Normalization};
pub use error::DataError;
pub use item::{DatasetSplits, ImageDataset, ImageDims, ImageItem};
pub use loader::{EpochBatches, shuffled_order};
pub use source::DatasetSource;
