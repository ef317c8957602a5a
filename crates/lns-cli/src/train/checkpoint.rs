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
    /// Model record file, relative to the checkpoint directory (without `.mpk`).
    pub model_file: String,
    /// Optimizer record file, relative to the checkpoint directory (without `.mpk`).
    pub optimizer_file: String,
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
