//! One training run on one backend: the generic loop behind `train`, `compare`
//! and `sweep`.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use burn::backend::Flex;
use burn::module::AutodiffModule;
use burn::tensor::Device;
use burn::tensor::backend::AutodiffBackend;
use burn_lns::Counts;
use indicatif::{ProgressBar, ProgressStyle};
use lns_zoo::data::{DatasetSplits, EpochBatches, ImageBatcher, Normalization};
use lns_zoo::models::{InputShape, Model, ModelKind};
use lns_zoo::optim::OptimizerSpec;
use lns_zoo::train::{evaluate, train_epoch};
use lns_zoo::transfer::copy_parameters;

use super::LenItems;
use super::checkpoint::{self, CheckpointIndex};
use super::metrics::{self, EpochRecord};

/// Without a terminal, a progress line is printed this often during an epoch.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// File of per-step training losses (`epoch,step,loss`) in the output directory.
pub const STEPS_CSV: &str = "steps.csv";

/// Everything a run needs except the backend.
pub struct RunSetup<'a> {
    /// Model architecture.
    pub kind: ModelKind,
    /// The (possibly limited) train and test splits.
    pub data: &'a DatasetSplits,
    /// Pixel normalization of the dataset.
    pub normalization: Normalization,
    /// Total epochs (a resumed run continues up to this number).
    pub epochs: usize,
    /// Batch size.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// Optimizer.
    pub optimizer: OptimizerSpec,
    /// Seed of the data order (and of the backend's RNG).
    pub seed: u64,
    /// Initial weights, copied into the backend's model.
    pub init: &'a Model<Flex>,
    /// Where metrics (and checkpoints) go; `None` writes nothing.
    pub out: Option<&'a Path>,
    /// Write a checkpoint after every epoch.
    pub checkpoints: bool,
    /// Continue from the checkpoint in `out`.
    pub resume: bool,
    /// Backend name, shown in progress output and stored in checkpoints.
    pub label: String,
    /// Dataset string, stored in checkpoints.
    pub data_name: String,
}

impl<'a> RunSetup<'a> {
    /// The setup of the shared command-line options, writing metrics to `out`, without
    /// checkpoints or resuming.
    pub fn from_common(
        common: &super::CommonArgs,
        data: &'a DatasetSplits,
        init: &'a Model<Flex>,
        out: &'a Path,
        label: String,
    ) -> Self {
        RunSetup {
            kind: common.model,
            data,
            normalization: common.data.normalization(),
            epochs: common.epochs,
            batch: common.batch,
            lr: common.lr,
            optimizer: common.optimizer,
            seed: common.seed,
            init,
            out: Some(out),
            checkpoints: false,
            resume: false,
            label,
            data_name: common.data.to_string(),
        }
    }
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// One record per completed epoch, including those of a resumed checkpoint.
    pub records: Vec<EpochRecord>,
    /// Training loss of every step of the epochs run in this process.
    pub step_losses: Vec<f64>,
    /// Epochs that were already done when the run started (0 without `--resume`).
    pub resumed_from: usize,
}

/// Trains `setup.kind` on backend `B` (on `device`) and evaluates after every epoch.
///
/// `optimizer_state` is where Madam computes its state (`None`: on the parameters'
/// device); `counts` returns the LNS exception counts since its previous call (`None`
/// on backends without them).
///
/// # Errors
/// A model that does not fit the data, a checkpoint that cannot be written or read.
pub fn run<B: AutodiffBackend>(
    setup: &RunSetup<'_>,
    device: &B::Device,
    optimizer_state: Option<Device<B::InnerBackend>>,
    counts: impl Fn() -> Option<Counts>,
) -> Result<RunOutcome> {
    B::seed(device, setup.seed);
    let shape = InputShape::from(&setup.data.train);
    let fresh = setup.kind.init::<B>(shape, device)?;
    let mut model = copy_parameters::<Flex, B, _, _>(setup.init, fresh, device)
        .context("copying the initial weights")?;
    let mut optimizer = setup
        .optimizer
        .init_with_state_device::<B, Model<B>>(optimizer_state.clone());

    let mut records = Vec::new();
    let mut resumed_from = 0;
    if setup.resume {
        let out = setup.out.context("--resume needs --out")?;
        let index = checkpoint::read_index(out)?;
        checkpoint::check_compatible(&index_of(setup, index.epoch), &index)?;
        // Madam keeps its state on its own device; the other optimizers beside the
        // parameters.
        let optimizer_device = match (setup.optimizer, &optimizer_state) {
            (OptimizerSpec::Madam { .. }, Some(state)) => state.clone(),
            _ => device.clone(),
        };
        (model, optimizer) =
            checkpoint::load(out, &index, model, optimizer, device, &optimizer_device)?;
        records = metrics::read(out)?;
        records.truncate(index.epoch);
        resumed_from = index.epoch;
        keep_steps_up_to(out, index.epoch)?;
        eprintln!(
            "[{}] resuming after epoch {} from {}",
            setup.label,
            index.epoch,
            out.display()
        );
    } else if let Some(out) = setup.out {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        metrics::write_file(&out.join(STEPS_CSV), "epoch,step,loss\n")?;
    }
    counts();

    let batcher = ImageBatcher::new(setup.data.train.dims(), setup.normalization.clone());
    let mut step_losses = Vec::new();
    for epoch in resumed_from..setup.epochs {
        let batches = EpochBatches::<B, _>::new(&setup.data.train, &batcher, setup.batch, device)
            .shuffled(setup.seed, epoch as u64);
        let bar = progress_bar(batches.len() as u64, &setup.label, epoch + 1, setup.epochs);
        let mut epoch_losses = Vec::with_capacity(batches.len());
        let mut running = (0.0, 0usize, 0usize); // loss·n, correct, n
        let start = Instant::now();
        let mut last_log = start;
        let (trained, stats) = train_epoch(model, &mut optimizer, batches, setup.lr, |s| {
            epoch_losses.push(s.loss);
            running.0 += s.loss * s.samples as f64;
            running.1 += s.correct;
            running.2 += s.samples;
            let (loss, acc) = (
                running.0 / running.2 as f64,
                running.1 as f64 / running.2 as f64,
            );
            let rate = running.2 as f64 / start.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "loss {loss:.4} acc {:.2}% {rate:.0} img/s",
                acc * 100.0
            ));
            bar.inc(1);
            if bar.is_hidden() && last_log.elapsed() >= LOG_EVERY {
                last_log = Instant::now();
                eprintln!(
                    "[{}] epoch {}/{} step {}/{}: loss {loss:.4} acc {:.2}% {rate:.1} img/s",
                    setup.label,
                    epoch + 1,
                    setup.epochs,
                    s.step + 1,
                    bar.length().unwrap_or(0),
                    acc * 100.0
                );
            }
        });
        model = trained;
        let train_seconds = start.elapsed().as_secs_f64();
        bar.finish_and_clear();

        let eval_start = Instant::now();
        let valid = model.valid();
        let test_batcher = ImageBatcher::new(setup.data.test.dims(), setup.normalization.clone());
        let test = evaluate(
            &valid,
            EpochBatches::<B::InnerBackend, _>::new(
                &setup.data.test,
                &test_batcher,
                setup.batch.max(100),
                device,
            ),
        );
        let test_seconds = eval_start.elapsed().as_secs_f64();
        let c = counts();
        let record = EpochRecord {
            epoch: epoch + 1,
            train_loss: stats.loss,
            train_accuracy: stats.accuracy,
            test_loss: test.loss,
            test_accuracy: test.accuracy,
            first_batch_loss: epoch_losses.first().copied().unwrap_or(f64::NAN),
            train_images: stats.samples,
            train_seconds,
            images_per_second: stats.samples as f64 / train_seconds.max(1e-9),
            test_seconds,
            saturated: c.map(|c| c.saturated),
            flushed: c.map(|c| c.flushed),
            nan: c.map(|c| c.nan),
            finite: epoch_losses.iter().all(|l| l.is_finite()),
        };
        eprintln!("[{}] {}", setup.label, summary_line(&record, setup.epochs));
        records.push(record);
        if let Some(out) = setup.out {
            append_steps(out, epoch + 1, &epoch_losses)?;
            if setup.checkpoints {
                checkpoint::save(out, &index_of(setup, epoch + 1), &model, &optimizer)?;
            }
            metrics::write(out, &records)?;
        }
        step_losses.extend(epoch_losses);
    }
    Ok(RunOutcome {
        records,
        step_losses,
        resumed_from,
    })
}

/// One line describing a finished epoch.
pub fn summary_line(r: &EpochRecord, epochs: usize) -> String {
    let mut line = format!(
        "epoch {}/{epochs}: train loss {:.4} acc {:.2}% | test loss {:.4} acc {:.2}% | {:.1} img/s ({:.1} s)",
        r.epoch,
        r.train_loss,
        r.train_accuracy * 100.0,
        r.test_loss,
        r.test_accuracy * 100.0,
        r.images_per_second,
        r.train_seconds,
    );
    if let (Some(s), Some(f)) = (r.saturated, r.flushed) {
        line += &format!(" | saturated {s} flushed {f}");
    }
    line
}

fn progress_bar(steps: u64, label: &str, epoch: usize, epochs: usize) -> ProgressBar {
    let bar = ProgressBar::new(steps);
    let style = ProgressStyle::with_template(
        "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} (eta {eta}) {msg}",
    )
    .expect("a valid template");
    bar.set_style(style);
    bar.set_prefix(format!("[{label}] epoch {epoch}/{epochs}"));
    bar
}

/// The checkpoint index of `setup` after `epoch` epochs.
fn index_of(setup: &RunSetup<'_>, epoch: usize) -> CheckpointIndex {
    CheckpointIndex {
        epoch,
        model: setup.kind.to_string(),
        backend: setup.label.clone(),
        optimizer: setup.optimizer.to_string(),
        data: setup.data_name.clone(),
        seed: setup.seed,
        train_images: Some(setup.data.train.len_items()),
        test_images: Some(setup.data.test.len_items()),
        batch: Some(setup.batch),
        lr: Some(setup.lr),
        model_file: format!("model-epoch-{epoch}"),
        optimizer_file: format!("optimizer-epoch-{epoch}"),
    }
}

/// Drops the lines of [`STEPS_CSV`] after epoch `epoch` (left by an interrupted run).
fn keep_steps_up_to(out: &Path, epoch: usize) -> Result<()> {
    let path = out.join(STEPS_CSV);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "epoch,step,loss\n".into());
    let kept: String = text
        .lines()
        .enumerate()
        .filter(|(i, line)| {
            *i == 0
                || line
                    .split(',')
                    .next()
                    .and_then(|e| e.parse::<usize>().ok())
                    .is_some_and(|e| e <= epoch)
        })
        .map(|(_, line)| format!("{line}\n"))
        .collect();
    metrics::write_file(&path, &kept)
}

fn append_steps(out: &Path, epoch: usize, losses: &[f64]) -> Result<()> {
    use std::io::Write;
    let path = out.join(STEPS_CSV);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let mut text = String::new();
    for (step, loss) in losses.iter().enumerate() {
        text += &format!("{epoch},{step},{loss}\n");
    }
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
