//! `lns train`, `lns compare` and `lns sweep`: training zoo models on LNS and f32
//! backends chosen at run time.

pub mod backend;
mod checkpoint;
pub mod compare;
mod curves;
pub mod metrics;
mod run;
pub mod sweep;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use burn::backend::flex::FlexDevice;
use burn::backend::ndarray::NdArrayDevice;
use burn::backend::{Autodiff, Flex, NdArray};
use burn::tensor::backend::Backend;
use burn_lns::{Lns, LnsDevice};
use clap::Args;
use lns_zoo::data::{DatasetSource, DatasetSplits};
use lns_zoo::models::{InputShape, Model, ModelKind};
use lns_zoo::optim::OptimizerSpec;

use backend::BackendSpec;
use run::{RunOutcome, RunSetup};

/// Options shared by `train`, `compare` and `sweep`.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Model: mlp, lenet, vgg11[-bn], vgg16[-bn], resnet18, resnet20, guide.
    #[arg(long, default_value = "lenet")]
    pub model: ModelKind,
    /// Dataset: `fashion-mnist` (embedded 2,000/500 subset), `fashion-mnist:full`
    /// (Debian package), `fashion-mnist:DIR`, `mnist:DIR`, `cifar10:DIR`, ...
    #[arg(long, default_value = "fashion-mnist")]
    pub data: DatasetSource,
    /// Epochs.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.03)]
    pub lr: f64,
    /// Optimizer: `sgd[:MOMENTUM[:WEIGHT_DECAY]]`, `adam[:WEIGHT_DECAY]` or `madam[:BETA]`
    /// (LNS-Madam's multiplicative update; use `--lr` = 2^-FRAC of the LNS format, its
    /// state is computed in 32:23 on LNS backends).
    #[arg(long, default_value = "sgd:0.9")]
    pub optimizer: OptimizerSpec,
    /// Seed of the initial weights and of the data order.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Use only the first N training images.
    #[arg(long, value_name = "N")]
    pub limit_train: Option<usize>,
    /// Use only the first N test images.
    #[arg(long, value_name = "N")]
    pub limit_test: Option<usize>,
}

/// Arguments of `lns train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Backend: `flex`, `ndarray` or an LNS device (`lns16`, `12:6:pwl`,
    /// `16:10:lut-small`, `16:10:lut:acc=20:14`, ...).
    #[arg(long, default_value = "lns16")]
    pub backend: BackendSpec,
    /// Output directory: metrics.json, metrics.csv, steps.csv, checkpoint/.
    #[arg(long, default_value = "runs/train")]
    pub out: PathBuf,
    /// Continue from the newest checkpoint in the output directory.
    #[arg(long)]
    pub resume: bool,
}

/// Runs `lns train`.
///
/// # Errors
/// Missing data, a model that does not fit it, unwritable output.
pub fn run_train(args: &TrainArgs) -> Result<ExitCode> {
    let common = &args.common;
    let data = load_data(common)?;
    let init = initial_model(common.model, &data, common.seed)?;
    let label = args.backend.to_string();
    let setup = RunSetup {
        checkpoints: true,
        resume: args.resume,
        ..RunSetup::from_common(common, &data, &init, &args.out, label.clone())
    };
    eprintln!(
        "training {} on {} ({} train / {} test images) with backend {label}, {}, lr {}, batch {}",
        common.model,
        common.data,
        data.train.len_items(),
        data.test.len_items(),
        common.optimizer,
        common.lr,
        common.batch
    );
    let outcome = train_on(&args.backend, &setup)?;
    if outcome.resumed_from >= common.epochs {
        println!(
            "nothing to do: the checkpoint already has {} of {} epochs",
            outcome.resumed_from, common.epochs
        );
    }
    if let Some(last) = outcome.records.last() {
        println!("{label}: {}", run::summary_line(last, common.epochs));
    }
    println!("metrics in {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// Trains on the backend `spec` names: the one place where the generic
/// [`run::run`] is instantiated, for `Autodiff<Lns>`, `Autodiff<Flex>` and
/// `Autodiff<NdArray>`.
///
/// # Errors
/// As [`run::run`].
pub fn train_on(spec: &BackendSpec, setup: &RunSetup<'_>) -> Result<RunOutcome> {
    match spec {
        // Madam's state needs more range and precision than a narrow training format:
        // on LNS it is computed in 32:23 (see lns_zoo::optim::Madam).
        BackendSpec::Lns(device) => {
            run::run::<Autodiff<Lns>>(setup, device, Some(LnsDevice::lns32_ref()), || {
                Some(device.take_counts())
            })
        }
        BackendSpec::Flex => run::run::<Autodiff<Flex>>(setup, &FlexDevice, None, || None),
        BackendSpec::NdArray => {
            run::run::<Autodiff<NdArray>>(setup, &NdArrayDevice::Cpu, None, || None)
        }
    }
}

/// Loads the dataset and applies the limits.
///
/// # Errors
/// If the dataset cannot be loaded or a limit leaves no images.
pub fn load_data(args: &CommonArgs) -> Result<DatasetSplits> {
    let mut data = args
        .data
        .load()
        .with_context(|| format!("loading dataset {}", args.data))?;
    let limit = |set: &mut lns_zoo::data::ImageDataset, n: Option<usize>, what: &str| {
        if let Some(n) = n {
            if n == 0 {
                anyhow::bail!("--limit-{what} must be positive");
            }
            let n = n.min(set.len_items());
            *set = set.select(&(0..n).collect::<Vec<_>>());
        }
        Ok(())
    };
    limit(&mut data.train, args.limit_train, "train")?;
    limit(&mut data.test, args.limit_test, "test")?;
    Ok(data)
}

/// The initial weights of a run: drawn on burn-flex (f32) from `seed`, so every
/// backend starts from the same model for the same seed.
///
/// # Errors
/// If the model does not fit the images.
pub fn initial_model(kind: ModelKind, data: &DatasetSplits, seed: u64) -> Result<Model<Flex>> {
    Flex::seed(&FlexDevice, seed);
    Ok(kind.init::<Flex>(InputShape::from(&data.train), &FlexDevice)?)
}

/// Number of items, without naming the `Dataset` trait at every call.
trait LenItems {
    fn len_items(&self) -> usize;
}

impl LenItems for lns_zoo::data::ImageDataset {
    fn len_items(&self) -> usize {
        burn::data::dataset::Dataset::len(self)
    }
}
