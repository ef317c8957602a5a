//! Fashion-MNIST: the full set from a directory (by default the Debian
//! package's) and a small class-balanced subset embedded in the crate.

use std::path::Path;

use super::file::gunzip_if_compressed;
use super::idx::{load_idx_dir, parse_idx};
use super::{DataError, DatasetSplits, ImageDataset};

/// Where Debian's `dataset-fashion-mnist` package installs the gzip IDX files.
pub const DEBIAN_FASHION_MNIST_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// Number of Fashion-MNIST classes.
pub const FASHION_MNIST_CLASSES: usize = 10;

/// Training items per class in the embedded subset (2,000 in all).
pub const SUBSET_TRAIN_PER_CLASS: usize = 200;
/// Test items per class in the embedded subset (500 in all).
pub const SUBSET_TEST_PER_CLASS: usize = 50;

/// One gzip IDX file compiled into the crate.
struct EmbeddedFile {
    name: &'static str,
    gz: &'static [u8],
}

macro_rules! embedded_file {
    ($name:literal) => {
        EmbeddedFile {
            name: $name,
            gz: include_bytes!(concat!("../../data/fashion-mnist-subset/", $name)),
        }
    };
}

const SUBSET_TRAIN: [EmbeddedFile; 2] = [
    embedded_file!("train-images-idx3-ubyte.gz"),
    embedded_file!("train-labels-idx1-ubyte.gz"),
];
const SUBSET_TEST: [EmbeddedFile; 2] = [
    embedded_file!("t10k-images-idx3-ubyte.gz"),
    embedded_file!("t10k-labels-idx1-ubyte.gz"),
];

/// Loads the full Fashion-MNIST (60,000 train / 10,000 test) from `dir`, or
/// from [`DEBIAN_FASHION_MNIST_DIR`] when `dir` is `None`.
///
/// The directory holds `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each raw or `.gz`.
///
/// # Errors
/// As [`load_idx_dir`].
pub fn fashion_mnist(dir: Option<&Path>) -> Result<DatasetSplits, DataError> {
    let dir = dir.unwrap_or(Path::new(DEBIAN_FASHION_MNIST_DIR));
    load_idx_dir(dir, FASHION_MNIST_CLASSES)
}

/// The embedded subset: the first [`SUBSET_TRAIN_PER_CLASS`] training and
/// [`SUBSET_TEST_PER_CLASS`] test images of every class of the real
/// Fashion-MNIST, in file order. Needs no files at run time.
///
/// `data/fashion-mnist-subset/README.md` of this crate records the source and
/// licence; `examples/make_fashion_mnist_subset.rs` re-creates the files.
///
/// # Errors
/// Only if the embedded files are corrupt, which the crate's tests rule out.
pub fn fashion_mnist_subset() -> Result<DatasetSplits, DataError> {
    Ok(DatasetSplits {
        train: embedded_split(&SUBSET_TRAIN)?,
        test: embedded_split(&SUBSET_TEST)?,
    })
}

/// Decompresses and parses an embedded image file and label file.
fn embedded_split([images, labels]: &[EmbeddedFile; 2]) -> Result<ImageDataset, DataError> {
    let open = |file: &EmbeddedFile| {
        let path = Path::new("<embedded fashion-mnist-subset>").join(file.name);
        gunzip_if_compressed(file.gz.to_vec(), &path).map(|bytes| (path, bytes))
    };
    let (images_path, images) = open(images)?;
    let (labels_path, labels) = open(labels)?;
    parse_idx(
        &images_path,
        &images,
        &labels_path,
        &labels,
        FASHION_MNIST_CLASSES,
    )
}
