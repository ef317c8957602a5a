//! The binary versions of CIFAR-10 and CIFAR-100.
//!
//! CIFAR-10 (`cifar-10-batches-bin/`): `data_batch_1.bin` .. `data_batch_5.bin`
//! and `test_batch.bin`, each a sequence of 3073-byte records: one label byte
//! (0..10), then 32x32 red, green and blue planes (CHW order).
//! CIFAR-100 (`cifar-100-binary/`): `train.bin` and `test.bin`, 3074-byte
//! records: a coarse label (0..20), a fine label (0..100), then the planes.

use std::path::{Path, PathBuf};

use super::file::read_file;
use super::{DataError, DatasetSplits, ImageDataset, ImageDims};

/// Dimensions of every CIFAR image.
pub const CIFAR_DIMS: ImageDims = ImageDims {
    channels: 3,
    height: 32,
    width: 32,
};

const CIFAR10_TRAIN: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
const CIFAR10_TEST: &str = "test_batch.bin";
const CIFAR10_SUBDIR: &str = "cifar-10-batches-bin";
const CIFAR100_TRAIN: &str = "train.bin";
const CIFAR100_TEST: &str = "test.bin";
const CIFAR100_SUBDIR: &str = "cifar-100-binary";

/// Which CIFAR-100 label becomes the item's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cifar100Labels {
    /// The 100 fine classes.
    Fine,
    /// The 20 coarse superclasses.
    Coarse,
}

/// The layout of one record: label bytes (with their class counts), then the image.
struct RecordLayout {
    /// Number of classes of each leading label byte.
    label_classes: &'static [usize],
    /// Which label byte is the item's label.
    used_label: usize,
}

impl RecordLayout {
    fn record_size(&self) -> usize {
        self.label_classes.len() + CIFAR_DIMS.len()
    }
}

/// Loads CIFAR-10 from `dir` or from its `cifar-10-batches-bin` subdirectory.
///
/// # Errors
/// [`DataError::Missing`] for an absent batch, [`DataError::BadRecordSize`],
/// [`DataError::Empty`], [`DataError::LabelOutOfRange`] or an I/O error.
pub fn load_cifar10(dir: &Path) -> Result<DatasetSplits, DataError> {
    let dir = data_dir(dir, CIFAR10_TRAIN[0], CIFAR10_SUBDIR);
    let layout = RecordLayout {
        label_classes: &[10],
        used_label: 0,
    };
    let train: Vec<PathBuf> = CIFAR10_TRAIN.iter().map(|name| dir.join(name)).collect();
    Ok(DatasetSplits {
        train: load_records(&train, &layout)?,
        test: load_records(&[dir.join(CIFAR10_TEST)], &layout)?,
    })
}

/// Loads CIFAR-100 from `dir` or from its `cifar-100-binary` subdirectory.
///
/// Both label bytes of every record are range-checked, whichever is used.
///
/// # Errors
/// As [`load_cifar10`].
pub fn load_cifar100(dir: &Path, labels: Cifar100Labels) -> Result<DatasetSplits, DataError> {
    let dir = data_dir(dir, CIFAR100_TRAIN, CIFAR100_SUBDIR);
    let layout = RecordLayout {
        label_classes: &[20, 100],
        used_label: match labels {
            Cifar100Labels::Coarse => 0,
            Cifar100Labels::Fine => 1,
        },
    };
    Ok(DatasetSplits {
        train: load_records(&[dir.join(CIFAR100_TRAIN)], &layout)?,
        test: load_records(&[dir.join(CIFAR100_TEST)], &layout)?,
    })
}

/// `dir`, or `dir/subdir` when only the latter holds `probe`.
fn data_dir(dir: &Path, probe: &str, subdir: &str) -> PathBuf {
    let nested = dir.join(subdir);
    if !dir.join(probe).exists() && nested.join(probe).exists() {
        nested
    } else {
        dir.to_path_buf()
    }
}

/// Concatenates the records of `files` into one dataset.
fn load_records(files: &[PathBuf], layout: &RecordLayout) -> Result<ImageDataset, DataError> {
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for path in files {
        let bytes = read_file(path)?;
        append_records(path, &bytes, layout, &mut pixels, &mut labels)?;
    }
    let classes = layout.label_classes[layout.used_label];
    Ok(ImageDataset::new(CIFAR_DIMS, classes, pixels, labels))
}

fn append_records(
    path: &Path,
    bytes: &[u8],
    layout: &RecordLayout,
    pixels: &mut Vec<u8>,
    labels: &mut Vec<usize>,
) -> Result<(), DataError> {
    let record_size = layout.record_size();
    if !bytes.len().is_multiple_of(record_size) {
        return Err(DataError::BadRecordSize {
            path: path.to_path_buf(),
            len: bytes.len() as u64,
            record_size,
        });
    }
    if bytes.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    let label_bytes = layout.label_classes.len();
    for (index, record) in bytes.chunks_exact(record_size).enumerate() {
        for (&byte, &classes) in record.iter().zip(layout.label_classes) {
            let label = usize::from(byte);
            if label >= classes {
                return Err(DataError::LabelOutOfRange {
                    path: path.to_path_buf(),
                    index,
                    label,
                    classes,
                });
            }
        }
        labels.push(usize::from(record[layout.used_label]));
        pixels.extend_from_slice(&record[label_bytes..]);
    }
    Ok(())
}
