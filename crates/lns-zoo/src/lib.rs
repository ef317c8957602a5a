//! Models and datasets for comparing Burn backends.
//!
//! Everything here is generic over `B: burn::tensor::backend::Backend`:
//! - [`data`]: offline loaders for Fashion-MNIST/MNIST (IDX), CIFAR-10/100
//!   (binary) and TinyImageNet, an embedded Fashion-MNIST subset, and a
//!   deterministic batcher with optional augmentation;
//! - [`models`]: MLP, LeNet-5, VGG-11/16, ResNet-18/20 and the Burn book's
//!   guide model, all with one `forward(images) -> logits` signature.

#![warn(missing_docs)]

pub mod data;
pub mod models;
