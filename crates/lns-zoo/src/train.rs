//! A small supervised training and evaluation loop.
//!
//! Deterministic when the inputs are: the batches come from the caller (see
//! [`EpochBatches`](crate::data::EpochBatches) for a seeded order and
//! augmentation), the loss is the mean cross-entropy of each batch, and the
//! optimizer steps once per batch. Dropout draws from the backend's RNG
//! (`B::seed`), so models with dropout differ across backends.

use burn::module::AutodiffModule;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, Optimizer};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Int, Tensor};

use crate::data::ImageBatch;
use crate::models::Classifier;

/// What happened in one optimizer step, passed to the step hook.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    /// Zero-based step number within the epoch.
    pub step: usize,
    /// Mean cross-entropy of the batch, before the update.
    pub loss: f64,
    /// Items of the batch the model classified correctly, before the update.
    pub correct: usize,
    /// Items in the batch.
    pub samples: usize,
}

/// Summary of one training epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochStats {
    /// Mean cross-entropy per item, each measured before its batch's update.
    pub loss: f64,
    /// Fraction of items classified correctly before their batch's update.
    pub accuracy: f64,
    /// Items seen.
    pub samples: usize,
    /// Optimizer steps taken.
    pub steps: usize,
}

/// Result of [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalStats {
    /// Mean cross-entropy per item.
    pub loss: f64,
    /// Fraction of items classified correctly.
    pub accuracy: f64,
    /// Items evaluated.
    pub samples: usize,
}

/// Trains `model` for one pass over `batches` with a fixed learning rate,
/// calling `on_step` after every optimizer step.
///
/// A non-finite loss is not an error: it is reported like any other.
pub fn train_epoch<B, M, O>(
    mut model: M,
    optimizer: &mut O,
    batches: impl IntoIterator<Item = ImageBatch<B>>,
    lr: f64,
    mut on_step: impl FnMut(&StepStats),
) -> (M, EpochStats)
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + Classifier<B>,
    O: Optimizer<M, B>,
{
    let mut totals = Totals::default();
    for (step, batch) in batches.into_iter().enumerate() {
        let samples = batch.targets.dims()[0];
        let logits = model.forward(batch.images);
        let (loss_value, correct) = host_metrics(logits.clone(), batch.targets.clone());
        let loss = cross_entropy(logits, batch.targets);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(lr, model, grads);
        let stats = StepStats {
            step,
            loss: loss_value,
            correct,
            samples,
        };
        totals.add(&stats);
        on_step(&stats);
    }
    let eval = totals.finish();
    let stats = EpochStats {
        loss: eval.loss,
        accuracy: eval.accuracy,
        samples: eval.samples,
        steps: totals.steps,
    };
    (model, stats)
}

/// Mean loss and accuracy of `model` over `batches`, weighting every item equally.
///
/// Pass an inference-mode model (`model.valid()` of an autodiff model) so that
/// batch norm uses its running statistics and dropout is off.
pub fn evaluate<B: Backend, M: Classifier<B>>(
    model: &M,
    batches: impl IntoIterator<Item = ImageBatch<B>>,
) -> EvalStats {
    let mut totals = Totals::default();
    for (step, batch) in batches.into_iter().enumerate() {
        let samples = batch.targets.dims()[0];
        let logits = model.forward(batch.images);
        let (loss, correct) = host_metrics(logits, batch.targets);
        totals.add(&StepStats {
            step,
            loss,
            correct,
            samples,
        });
    }
    totals.finish()
}

/// Mean cross-entropy of `logits` `[batch, classes]` against `targets` `[batch]`.
fn cross_entropy<B: Backend>(logits: Tensor<B, 2>, targets: Tensor<B, 1, Int>) -> Tensor<B, 1> {
    CrossEntropyLossConfig::new()
        .init(&logits.device())
        .forward(logits, targets)
}

/// Mean cross-entropy and number of correct predictions of a batch, computed in f64
/// on the host from the logits read back as f32.
///
/// Every backend is scored by the same yardstick this way: a low-precision backend's
/// own mean over the batch (an accumulation in its own format) would measure its
/// arithmetic as much as the model. Ties in the arg-max go to the first class.
fn host_metrics<B: Backend>(logits: Tensor<B, 2>, targets: Tensor<B, 1, Int>) -> (f64, usize) {
    let [rows, classes] = logits.dims();
    let values: Vec<f32> = logits
        .into_data()
        .convert::<f32>()
        .to_vec()
        .expect("f32 logits");
    let targets: Vec<i64> = targets
        .into_data()
        .convert::<i64>()
        .to_vec()
        .expect("integer targets");
    let (mut loss, mut correct) = (0.0, 0);
    for (row, &target) in values.chunks_exact(classes.max(1)).zip(&targets).take(rows) {
        let max = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
        let log_sum = row
            .iter()
            .map(|&v| (v as f64 - max).exp())
            .sum::<f64>()
            .ln()
            + max;
        loss += log_sum - row[target as usize] as f64;
        let best = row
            .iter()
            .enumerate()
            .fold(0, |b, (i, &v)| if v > row[b] { i } else { b });
        correct += usize::from(best == target as usize);
    }
    (loss / rows.max(1) as f64, correct)
}

/// Running sums over steps.
#[derive(Default)]
struct Totals {
    loss: f64,
    correct: usize,
    samples: usize,
    steps: usize,
}

impl Totals {
    fn add(&mut self, step: &StepStats) {
        self.loss += step.loss * step.samples as f64;
        self.correct += step.correct;
        self.samples += step.samples;
        self.steps += 1;
    }

    /// Per-item means; zero for no items.
    fn finish(&self) -> EvalStats {
        let per_item = |total: f64| {
            if self.samples == 0 {
                0.0
            } else {
                total / self.samples as f64
            }
        };
        EvalStats {
            loss: per_item(self.loss),
            accuracy: per_item(self.correct as f64),
            samples: self.samples,
        }
    }
}
