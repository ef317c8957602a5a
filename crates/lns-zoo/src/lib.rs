//! Models and datasets for comparing Burn backends.
//!
//! Everything here is generic over `B: burn::tensor::backend::Backend`:
//! - [`data`]: offline loaders for Fashion-MNIST/MNIST (IDX), CIFAR-10/100
//!   (binary) and TinyImageNet, an embedded Fashion-MNIST subset, and a
//!   deterministic batcher with optional augmentation.

#![warn(missing_docs)]

pub mod data;
