//! Models and datasets for comparing Burn backends.
//!
//! Everything here is generic over `B: burn::tensor::backend::Backend`:
//! - [`data`]: offline loaders for Fashion-MNIST/MNIST (IDX), CIFAR-10/100
//!   (binary) and TinyImageNet, an embedded Fashion-MNIST subset, and a
//!   deterministic batcher with optional augmentation;
//! - [`models`]: MLP, LeNet-5, VGG-11/16, ResNet-18/20 and the Burn book's
//!   guide model, all with one `forward(images) -> logits` signature;
//! - [`train`]: a training epoch and an evaluation pass with per-step hooks,
//!   [`optim`]: SGD with momentum or Adam by name, and [`transfer`]: copying
//!   weights between backends so that two backends start from the same model.

#![warn(missing_docs)]

pub mod data;
pub mod models;
pub mod optim;
pub mod train;
pub mod transfer;
