//! Helpers shared by the tests: scratch directories and synthetic datasets.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use lns_zoo::data::{ImageDataset, ImageDims};

/// Held for the whole of every test that draws random weights or tensors. Burn's CPU
/// backends (burn-ndarray, burn-flex and through it `Lns`) draw from one process-wide
/// generator each, and tests run on parallel threads: without this, a test's draws
/// (lazy parameters included) could fall between another test's seed and its draws,
/// and seeded weights would differ from run to run.
pub fn random_draws() -> MutexGuard<'static, ()> {
    static DRAWS: Mutex<()> = Mutex::new(());
    DRAWS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The CPU backend most tests run on.
pub type TestBackend = burn::backend::NdArray;

/// A fresh directory under Cargo's per-target scratch space, removed on drop.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    /// Creates (emptying first) the directory `name`, unique per test.
    pub fn new(name: &str) -> Self {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("lns-zoo")
            .join(name);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create scratch dir");
        Self(path)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `bytes` to `name` inside the directory (creating parents); returns its path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().expect("has parent")).expect("create parents");
        std::fs::write(&path, bytes).expect("write file");
        path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `count` images whose pixels encode their index and position, labels cycling through `classes`.
pub fn synthetic(dims: ImageDims, classes: usize, count: usize) -> ImageDataset {
    let pixels = (0..count * dims.len())
        .map(|i| ((i * 7 + i / dims.len() * 13) % 256) as u8)
        .collect();
    let labels = (0..count).map(|i| (i * 3 + 1) % classes).collect();
    ImageDataset::new(dims, classes, pixels, labels)
}

/// Grayscale dimensions used by the IDX tests.
pub const GRAY_4X3: ImageDims = ImageDims {
    channels: 1,
    height: 4,
    width: 3,
};
