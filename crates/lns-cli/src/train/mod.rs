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

use anyhow::{Context, Result, bail};
use burn::backend::flex::FlexDevice;
use burn::backend::ndarray::NdArrayDevice;
use burn::backend::{Autodiff, Flex, NdArray};
use burn::tensor::backend::Backend;
use burn_lns::{Lns, LnsDevice};
use clap::Args;
use lns_zoo::data::{DatasetSource, DatasetSplits, ImageDataset};
use lns_zoo::models::{InputShape, Model, ModelKind};
use lns_zoo::optim::OptimizerSpec;

use crate::args::{learning_rate, positive_count};
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
    /// Epochs (at least 1).
    #[arg(long, default_value_t = 3, value_parser = positive_count)]
    pub epochs: usize,
    /// Batch size (at least 1).
    #[arg(long, default_value_t = 32, value_parser = positive_count)]
    pub batch: usize,
    /// Learning rate (positive).
    #[arg(long, default_value_t = 0.03, value_parser = learning_rate)]
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
    #[arg(long, value_name = "N", value_parser = positive_count)]
    pub limit_train: Option<usize>,
    /// Use only the first N test images.
    #[arg(long, value_name = "N", value_parser = positive_count)]
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
    if args.resume && outcome.resumed_from >= common.epochs {
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
/// If the dataset cannot be loaded or a split holds no images.
pub fn load_data(args: &CommonArgs) -> Result<DatasetSplits> {
    let mut data = args
        .data
        .load()
        .with_context(|| format!("loading dataset {}", args.data))?;
    limit(&mut data.train, args.limit_train);
    limit(&mut data.test, args.limit_test);
    ensure_not_empty(&data, &args.data)?;
    Ok(data)
}

/// Keeps the first `n` items of `set` (all of them without a limit).
fn limit(set: &mut ImageDataset, n: Option<usize>) {
    if let Some(n) = n {
        let n = n.min(set.len_items());
        *set = set.select(&(0..n).collect::<Vec<_>>());
    }
}

/// Refuses a dataset whose training or test split holds no images: nothing could be
/// learned or measured.
///
/// # Errors
/// Naming the empty split and the dataset `source`.
fn ensure_not_empty(data: &DatasetSplits, source: &DatasetSource) -> Result<()> {
    for (split, set) in [("training", &data.train), ("test", &data.test)] {
        if set.len_items() == 0 {
            bail!("the {split} split of dataset {source} holds no images");
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use clap::Parser;
    use lns_zoo::data::ImageDims;

    use super::*;

    /// The shared options on their own, as `train`, `compare` and `sweep` parse them.
    #[derive(Debug, Parser)]
    struct Common {
        #[command(flatten)]
        common: CommonArgs,
    }

    fn parse(args: &[&str]) -> Result<CommonArgs, clap::Error> {
        Common::try_parse_from(std::iter::once("lns").chain(args.iter().copied())).map(|c| c.common)
    }

    #[test]
    fn zero_batch_epochs_and_limits_are_refused_while_parsing() {
        for option in ["--batch", "--epochs", "--limit-train", "--limit-test"] {
            let e = parse(&[option, "0"]).unwrap_err().to_string();
            assert!(e.contains("must be at least 1"), "{option}: {e}");
        }
        let ok = parse(&["--batch", "1", "--epochs", "1"]).unwrap();
        assert_eq!((ok.batch, ok.epochs), (1, 1));
    }

    #[test]
    fn learning_rates_and_optimizer_parameters_out_of_range_are_refused() {
        for args in [
            ["--lr", "nan"],
            ["--lr=-1", "--seed=1"],
            ["--lr", "0"],
            ["--optimizer", "sgd:nan"],
            ["--optimizer", "sgd:-1"],
            ["--optimizer", "sgd:0.9:-1"],
            ["--optimizer", "adam:nan"],
        ] {
            let e = parse(&args).unwrap_err().to_string();
            assert!(e.contains("out of range"), "{args:?}: {e}");
        }
        assert_eq!(parse(&["--lr", "0.5"]).unwrap().lr, 0.5);
    }

    #[test]
    fn an_empty_split_is_refused_by_name() {
        let dims = ImageDims {
            channels: 1,
            height: 2,
            width: 2,
        };
        let one = ImageDataset::new(dims, 10, vec![0; 4], vec![3]);
        let none = ImageDataset::new(dims, 10, Vec::new(), Vec::new());
        let source: DatasetSource = "fashion-mnist".parse().unwrap();
        let splits = |train: &ImageDataset, test: &ImageDataset| DatasetSplits {
            train: train.clone(),
            test: test.clone(),
        };
        assert!(ensure_not_empty(&splits(&one, &one), &source).is_ok());
        let e = ensure_not_empty(&splits(&none, &one), &source).unwrap_err();
        assert!(e.to_string().contains("training split"), "{e}");
        let e = ensure_not_empty(&splits(&one, &none), &source).unwrap_err();
        assert!(e.to_string().contains("test split"), "{e}");
    }
}
