//! An ordinary Burn training loop — model, data loader, loss, optimizer — that
//! trains in the logarithmic number system because of one line: the backend
//! type alias `B`. Change it to `Autodiff<Flex>` and the same code trains in f32.
//!
//! ```sh
//! cargo run --release -p lns-examples --example swap_backend
//! ```

use burn::backend::Autodiff;
use burn::data::dataloader::DataLoaderBuilder;
use burn::module::{AutodiffModule, Module};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::optim::{GradientsParams, Optimizer, SgdConfig, momentum::MomentumConfig};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Device, ElementConversion, Tensor};
use burn_lns::Lns;
use lns_zoo::data::fashion_mnist::fashion_mnist_subset;
use lns_zoo::data::{ImageBatch, ImageBatcher, Normalization};

/// The backend. `Autodiff<burn::backend::Flex>` trains the same model in f32.
type B = Autodiff<Lns>;

const EPOCHS: usize = 3;
const BATCH: usize = 32;
const LR: f64 = 0.02;
const SEED: u64 = 42;

/// A two-layer perceptron on flattened 28×28 images.
#[derive(Module, Debug)]
struct Net<B: Backend> {
    hidden: Linear<B>,
    output: Linear<B>,
    relu: Relu,
}

impl<B: Backend> Net<B> {
    fn new(device: &B::Device) -> Self {
        Self {
            hidden: LinearConfig::new(28 * 28, 128).init(device),
            output: LinearConfig::new(128, 10).init(device),
            relu: Relu::new(),
        }
    }

    fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        let x = images.flatten::<2>(1, 3);
        self.output
            .forward(self.relu.forward(self.hidden.forward(x)))
    }
}

fn main() {
    let device = Device::<B>::default();
    B::seed(&device, SEED);

    let data = fashion_mnist_subset().expect("the embedded subset is valid");
    let batcher = ImageBatcher::new(data.train.dims(), Normalization::fashion_mnist());
    let train = DataLoaderBuilder::<B, _, ImageBatch<B>>::new(batcher.clone())
        .batch_size(BATCH)
        .shuffle(SEED)
        .set_device(device.clone())
        .build(data.train);
    type Inner = <B as AutodiffBackend>::InnerBackend;
    let test = DataLoaderBuilder::<Inner, _, ImageBatch<Inner>>::new(batcher)
        .batch_size(100)
        .set_device(device.clone())
        .build(data.test);

    let mut model = Net::<B>::new(&device);
    let mut optimizer = SgdConfig::new()
        .with_momentum(Some(MomentumConfig::new().with_momentum(0.9)))
        .init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);

    println!("training on {}", B::name(&device));
    for epoch in 1..=EPOCHS {
        let (mut loss_sum, mut batches) = (0.0, 0);
        for batch in train.iter() {
            let logits = model.forward(batch.images);
            let loss = loss_fn.forward(logits, batch.targets);
            loss_sum += loss.clone().into_scalar().elem::<f64>();
            batches += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(LR, model, grads);
        }

        let valid = model.valid();
        let (mut correct, mut total) = (0, 0);
        for batch in test.iter() {
            let predicted = valid.forward(batch.images).argmax(1).squeeze_dim::<1>(1);
            total += batch.targets.dims()[0];
            correct += predicted
                .equal(batch.targets)
                .int()
                .sum()
                .into_scalar()
                .elem::<i64>();
        }
        println!(
            "epoch {epoch}: train loss {:.4}, test accuracy {:.2} %",
            loss_sum / batches as f64,
            100.0 * correct as f64 / total as f64
        );
    }
}
