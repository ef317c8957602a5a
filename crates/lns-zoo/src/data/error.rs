//! The one error type of the dataset loaders.

use std::io;
use std::path::PathBuf;

/// Why a dataset could not be loaded.
///
/// Every message names the file (or directory) and the problem. Loaders never
/// return a partially loaded dataset: any problem in any file is an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A required file or directory does not exist.
    #[error("{path}: not found")]
    Missing {
        /// The file or directory that was looked for.
        path: PathBuf,
    },
    /// Reading a file failed for a reason other than its absence.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A gzip stream could not be decompressed (corrupt or truncated).
    #[error("{path}: cannot decompress gzip data: {source}")]
    Gzip {
        /// The compressed file.
        path: PathBuf,
        /// The decoder's error.
        source: io::Error,
    },
    /// A file is shorter than its header or record structure requires.
    #[error("{path}: truncated: expected {expected} bytes, found {found}")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Length the header implies.
        expected: u64,
        /// Actual length (after decompression).
        found: u64,
    },
    /// A file is longer than its header says.
    #[error("{path}: {found} bytes, but the header describes exactly {expected}")]
    TrailingBytes {
        /// The file.
        path: PathBuf,
        /// Length the header implies.
        expected: u64,
        /// Actual length (after decompression).
        found: u64,
    },
    /// An IDX file does not start with the expected magic number.
    #[error("{path}: bad magic number {found:#010x}, expected {expected:#010x}")]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The magic number of this kind of file.
        expected: u32,
        /// The first four bytes of the file, big-endian.
        found: u32,
    },
    /// A header describes impossible dimensions (zero rows or columns, overflow).
    #[error("{path}: bad header: {reason}")]
    BadHeader {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An image file and its label file describe different numbers of items.
    #[error("{images} holds {image_count} images but {labels} holds {label_count} labels")]
    CountMismatch {
        /// The image file.
        images: PathBuf,
        /// Number of images it declares.
        image_count: usize,
        /// The label file.
        labels: PathBuf,
        /// Number of labels it declares.
        label_count: usize,
    },
    /// A fixed-record file's length is not a whole number of records.
    #[error("{path}: length {len} is not a multiple of the {record_size}-byte record size")]
    BadRecordSize {
        /// The file.
        path: PathBuf,
        /// Its length in bytes.
        len: u64,
        /// The record size of this format.
        record_size: usize,
    },
    /// A label is not below the number of classes of the dataset.
    #[error("{path}: item {index} has label {label}, outside 0..{classes}")]
    LabelOutOfRange {
        /// The file holding the label.
        path: PathBuf,
        /// Index of the item within the file.
        index: usize,
        /// The label found.
        label: usize,
        /// Number of classes of the dataset.
        classes: usize,
    },
    /// A file or directory that must hold items holds none.
    #[error("{path}: contains no items")]
    Empty {
        /// The file or directory.
        path: PathBuf,
    },
    /// An image file could not be decoded.
    #[error("{path}: cannot decode image: {source}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// The decoder's error.
        source: image::ImageError,
    },
    /// An image has other dimensions than the dataset's.
    #[error("{path}: image is {found_width}x{found_height}, expected {width}x{height}")]
    ImageSize {
        /// The image file.
        path: PathBuf,
        /// Expected width.
        width: u32,
        /// Expected height.
        height: u32,
        /// Actual width.
        found_width: u32,
        /// Actual height.
        found_height: u32,
    },
    /// A line of a text index file (class list, annotations) is malformed.
    #[error("{path}:{line}: {reason}")]
    BadLine {
        /// The text file.
        path: PathBuf,
        /// One-based line number.
        line: usize,
        /// What is wrong with the line.
        reason: String,
    },
    /// A class has fewer items than a balanced subset asks for.
    #[error("class {class} has {found} items, fewer than the {wanted} requested")]
    NotEnoughItems {
        /// The class label.
        class: usize,
        /// Items of that class in the dataset.
        found: usize,
        /// Items per class requested.
        wanted: usize,
    },
    /// A dataset source string could not be parsed.
    #[error("bad dataset source {input:?}: {reason}")]
    BadSource {
        /// The string given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl DataError {
    /// Maps an I/O error on `path` to [`DataError::Missing`] or [`DataError::Io`].
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if source.kind() == io::ErrorKind::NotFound {
            Self::Missing { path }
        } else {
            Self::Io { path, source }
        }
    }

    /// Checks that a file of `found` bytes has exactly the `expected` length.
    pub(crate) fn check_len(path: &std::path::Path, expected: u64, found: u64) -> Result<(), Self> {
        use std::cmp::Ordering;
        match found.cmp(&expected) {
            Ordering::Equal => Ok(()),
            Ordering::Less => Err(Self::Truncated {
                path: path.to_path_buf(),
                expected,
                found,
            }),
            Ordering::Greater => Err(Self::TrailingBytes {
                path: path.to_path_buf(),
                expected,
                found,
            }),
        }
    }
}
