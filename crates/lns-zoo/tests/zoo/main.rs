//! Integration tests of `lns-zoo`, one binary with a module per area.

mod batcher;
mod cifar;
mod common;
mod fashion_mnist;
mod idx;
mod models;
mod on_lns;
mod optim;
mod source;
mod tiny_imagenet;
mod train;
mod transfer;
