//! Checkpoints after every epoch: model weights and optimizer state as Burn
//! records with f32 floats (loadable on any backend), plus a small JSON index.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use burn::module::Module;
use burn::optim::Optimizer;
use burn::record::{FullPrecisionSettings, NamedMpkFileRecorder, Recorder};
use burn::tensor::backend::AutodiffBackend;
use lns_zoo::models::Model;
use lns_zoo::optim::AnyOptimizer;
use serde::{Deserialize, Serialize};

use super::metrics::write_file;

/// Sub-directory of the output directory that holds the checkpoints.
pub const CHECKPOINT_DIR: &str = "checkpoint";
/// Index file of the newest checkpoint.
const INDEX: &str = "checkpoint.json";

/// What the newest checkpoint is and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointIndex {
    /// Epochs completed when it was written.
    pub epoch: usize,
    /// Model name (`lns_zoo::models::ModelKind` string).
    pub model: String,
    /// Backend string of the run.
    pub backend: String,
    /// Optimizer string of the run.
    pub optimizer: String,
    /// Dataset string of the run.
    pub data: String,
    /// Seed of the run.
    pub seed: u64,
    /// Training images of the run (after `--limit-train`); absent in older indexes.
    #[serde(default)]
    pub train_images: Option<usize>,
    /// Test images of the run (after `--limit-test`); absent in older indexes.
    #[serde(default)]
    pub test_images: Option<usize>,
    /// Batch size of the run; absent in older indexes.
    #[serde(default)]
    pub batch: Option<usize>,
    /// Learning rate of the run; absent in older indexes.
    #[serde(default)]
    pub lr: Option<f64>,
    /// Model record file, relative to the checkpoint directory (without `.mpk`).
    pub model_file: String,
    /// Optimizer record file, relative to the checkpoint directory (without `.mpk`).
    pub optimizer_file: String,
}

/// Refuses to resume the checkpoint `saved` with a run set up as `run` (its index as
/// it would be written) when the model, backend, optimizer, dataset, seed, numbers of
/// images, batch size or learning rate differ. Settings an older index lacks are not
/// compared.
///
/// # Errors
/// Naming the first setting that differs and both values.
pub fn check_compatible(run: &CheckpointIndex, saved: &CheckpointIndex) -> Result<()> {
    let pairs = [
        ("model", shown(Some(&run.model)), shown(Some(&saved.model))),
        (
            "backend",
            shown(Some(&run.backend)),
            shown(Some(&saved.backend)),
        ),
        (
            "optimizer",
            shown(Some(&run.optimizer)),
            shown(Some(&saved.optimizer)),
        ),
        ("data", shown(Some(&run.data)), shown(Some(&saved.data))),
        ("seed", shown(Some(run.seed)), shown(Some(saved.seed))),
        (
            "number of training images (--limit-train)",
            shown(run.train_images),
            shown(saved.train_images),
        ),
        (
            "number of test images (--limit-test)",
            shown(run.test_images),
            shown(saved.test_images),
        ),
        ("batch size", shown(run.batch), shown(saved.batch)),
        ("learning rate", shown(run.lr), shown(saved.lr)),
    ];
    for (what, now, then) in pairs {
        if let (Some(now), Some(then)) = (now, then)
            && now != then
        {
            bail!("cannot resume: the checkpoint's {what} is {then} but this run's is {now}");
        }
    }
    Ok(())
}

/// A setting as text, `None` when it is not recorded.
fn shown(value: Option<impl ToString>) -> Option<String> {
    value.map(|v| v.to_string())
}

/// The optimizer of a zoo model on backend `B`.
pub type ModelOptimizer<B> = AnyOptimizer<Model<B>, B>;

fn recorder() -> NamedMpkFileRecorder<FullPrecisionSettings> {
    NamedMpkFileRecorder::new()
}

/// Writes the model and optimizer of epoch `index.epoch` and then the index.
///
/// # Errors
/// If a file cannot be written.
pub fn save<B: AutodiffBackend>(
    out: &Path,
    index: &CheckpointIndex,
    model: &Model<B>,
    optimizer: &ModelOptimizer<B>,
) -> Result<()> {
    let dir = out.join(CHECKPOINT_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    model
        .clone()
        .save_file(dir.join(&index.model_file), &recorder())
        .map_err(|e| anyhow!("saving the model checkpoint: {e}"))?;
    Recorder::<B>::record(
        &recorder(),
        optimizer.to_record(),
        dir.join(&index.optimizer_file),
    )
    .map_err(|e| anyhow!("saving the optimizer checkpoint: {e}"))?;
    write_file(&dir.join(INDEX), &serde_json::to_string_pretty(index)?)
}

/// The index of the newest checkpoint under `out`.
///
/// # Errors
/// If there is none or it is unreadable.
pub fn read_index(out: &Path) -> Result<CheckpointIndex> {
    let path = out.join(CHECKPOINT_DIR).join(INDEX);
    if !path.exists() {
        bail!(
            "no checkpoint to resume from: {} does not exist (run without --resume first)",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Loads the checkpoint `index` into `model` (on `device`) and `optimizer` (its state
/// on `optimizer_device`).
///
/// # Errors
/// If a record is missing or does not fit the model.
pub fn load<B: AutodiffBackend>(
    out: &Path,
    index: &CheckpointIndex,
    model: Model<B>,
    optimizer: ModelOptimizer<B>,
    device: &B::Device,
    optimizer_device: &B::Device,
) -> Result<(Model<B>, ModelOptimizer<B>)> {
    let dir = out.join(CHECKPOINT_DIR);
    let file = |name: &str| -> PathBuf { dir.join(name) };
    let model = model
        .load_file(file(&index.model_file), &recorder(), device)
        .map_err(|e| anyhow!("loading the model checkpoint: {e}"))?;
    let state = Recorder::<B>::load(&recorder(), file(&index.optimizer_file), optimizer_device)
        .map_err(|e| anyhow!("loading the optimizer checkpoint: {e}"))?;
    Ok((model, optimizer.load_record(state)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One setting of a run changed.
    type Change = fn(&mut CheckpointIndex);

    fn index() -> CheckpointIndex {
        CheckpointIndex {
            epoch: 1,
            model: "lenet".into(),
            backend: "16:10:lut".into(),
            optimizer: "sgd:0.9:0".into(),
            data: "fashion-mnist".into(),
            seed: 7,
            train_images: Some(96),
            test_images: Some(40),
            batch: Some(16),
            lr: Some(0.02),
            model_file: "model-epoch-1".into(),
            optimizer_file: "optimizer-epoch-1".into(),
        }
    }

    #[test]
    fn a_run_with_other_limits_batch_or_learning_rate_is_refused_by_name() {
        let saved = index();
        assert!(check_compatible(&index(), &saved).is_ok());
        let cases: [(Change, &str); 5] = [
            (
                |i| i.train_images = Some(64),
                "training images (--limit-train) is 96 but this run's is 64",
            ),
            (
                |i| i.test_images = Some(20),
                "test images (--limit-test) is 40 but this run's is 20",
            ),
            (
                |i| i.batch = Some(32),
                "batch size is 16 but this run's is 32",
            ),
            (
                |i| i.lr = Some(0.05),
                "learning rate is 0.02 but this run's is 0.05",
            ),
            (|i| i.seed = 8, "seed is 7 but this run's is 8"),
        ];
        for (change, message) in cases {
            let mut run = index();
            change(&mut run);
            let e = check_compatible(&run, &saved).unwrap_err().to_string();
            assert!(e.contains(message), "{e}");
        }
    }

    #[test]
    fn an_older_index_without_the_new_settings_loads_and_skips_them() {
        let mut old = serde_json::to_value(index()).unwrap();
        for key in ["train_images", "test_images", "batch", "lr"] {
            old.as_object_mut().unwrap().remove(key);
        }
        let saved: CheckpointIndex = serde_json::from_value(old).unwrap();
        assert_eq!((saved.batch, saved.lr), (None, None));
        let mut run = index();
        run.batch = Some(32);
        run.train_images = Some(64);
        assert!(check_compatible(&run, &saved).is_ok());
    }
}
