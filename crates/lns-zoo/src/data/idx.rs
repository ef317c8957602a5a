//! The IDX format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte`, ...).
//!
//! An image file is the magic number `0x00000803` (unsigned bytes, three
//! dimensions), then big-endian `u32` count, rows and columns, then
//! `count * rows * columns` pixels. A label file is `0x00000801`, a count, then
//! one byte per label. Files may be gzip-compressed (`.gz`).

use std::path::{Path, PathBuf};

use super::file::{find_plain_or_gz, read_file};
use super::{DataError, DatasetSplits, ImageDataset, ImageDims};

/// Magic number of an IDX file of unsigned-byte images (2051).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned-byte labels (2049).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

const IMAGES_HEADER: usize = 16;
const LABELS_HEADER: usize = 8;

/// Loads the `train-*` and `t10k-*` image/label pairs from `dir`, each either raw or `.gz`.
///
/// # Errors
/// Any [`DataError`] of [`load_idx`], or [`DataError::Missing`] for an absent file.
pub fn load_idx_dir(dir: &Path, classes: usize) -> Result<DatasetSplits, DataError> {
    let split = |prefix: &str| -> Result<ImageDataset, DataError> {
        let images = find_plain_or_gz(dir, &format!("{prefix}-images-idx3-ubyte"))?;
        let labels = find_plain_or_gz(dir, &format!("{prefix}-labels-idx1-ubyte"))?;
        load_idx(&images, &labels, classes)
    };
    Ok(DatasetSplits {
        train: split("train")?,
        test: split("t10k")?,
    })
}

/// Loads one IDX image file and its label file (each raw or gzip).
///
/// # Errors
/// [`DataError::BadMagic`], [`DataError::BadHeader`], [`DataError::Truncated`],
/// [`DataError::TrailingBytes`], [`DataError::CountMismatch`],
/// [`DataError::LabelOutOfRange`] (a label `>= classes`), [`DataError::Gzip`], or
/// the I/O errors of reading.
pub fn load_idx(images: &Path, labels: &Path, classes: usize) -> Result<ImageDataset, DataError> {
    let image_bytes = read_file(images)?;
    let label_bytes = read_file(labels)?;
    parse_idx(images, &image_bytes, labels, &label_bytes, classes)
}

/// Parses an uncompressed IDX image file and label file held in memory.
///
/// The paths only name the data in errors. Errors are those of [`load_idx`].
pub fn parse_idx(
    images_path: &Path,
    images: &[u8],
    labels_path: &Path,
    labels: &[u8],
    classes: usize,
) -> Result<ImageDataset, DataError> {
    let (dims, image_count, pixels) = parse_images(images_path, images)?;
    let label_bytes = parse_labels(labels_path, labels)?;
    if image_count != label_bytes.len() {
        return Err(DataError::CountMismatch {
            images: images_path.to_path_buf(),
            image_count,
            labels: labels_path.to_path_buf(),
            label_count: label_bytes.len(),
        });
    }
    let labels = checked_labels(labels_path, label_bytes, classes)?;
    Ok(ImageDataset::new(dims, classes, pixels.to_vec(), labels))
}

/// Encodes a grayscale dataset's images as an uncompressed IDX image file.
///
/// # Panics
/// If the images have more than one channel or a dimension exceeds `u32`.
pub fn encode_images(dataset: &ImageDataset) -> Vec<u8> {
    let dims = dataset.dims();
    assert_eq!(dims.channels, 1, "IDX image files hold grayscale images");
    let count = dataset.labels().len();
    let mut out = Vec::with_capacity(IMAGES_HEADER + count * dims.len());
    for word in [
        IMAGES_MAGIC,
        to_u32(count),
        to_u32(dims.height),
        to_u32(dims.width),
    ] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    for index in 0..count {
        out.extend_from_slice(dataset.pixels(index).expect("index below count"));
    }
    out
}

/// Encodes a dataset's labels as an uncompressed IDX label file.
///
/// # Panics
/// If a label exceeds 255 or the count exceeds `u32`.
pub fn encode_labels(dataset: &ImageDataset) -> Vec<u8> {
    let labels = dataset.labels();
    let mut out = Vec::with_capacity(LABELS_HEADER + labels.len());
    out.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
    out.extend_from_slice(&to_u32(labels.len()).to_be_bytes());
    out.extend(
        labels
            .iter()
            .map(|&label| u8::try_from(label).expect("IDX labels are single bytes")),
    );
    out
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).expect("IDX dimensions are 32-bit")
}

/// Validates an image file; returns its dimensions, image count and pixel bytes.
fn parse_images<'a>(
    path: &Path,
    bytes: &'a [u8],
) -> Result<(ImageDims, usize, &'a [u8]), DataError> {
    let header = header_words::<4>(path, bytes, IMAGES_MAGIC)?;
    let [_, count, rows, cols] = header.map(|word| word as usize);
    if rows == 0 || cols == 0 {
        return Err(DataError::BadHeader {
            path: path.to_path_buf(),
            reason: format!("image size {rows}x{cols} has no pixels"),
        });
    }
    let dims = ImageDims {
        channels: 1,
        height: rows,
        width: cols,
    };
    let expected = (count as u64) * (rows as u64) * (cols as u64) + IMAGES_HEADER as u64;
    DataError::check_len(path, expected, bytes.len() as u64)?;
    Ok((dims, count, &bytes[IMAGES_HEADER..]))
}

/// Validates a label file; returns its label bytes.
fn parse_labels<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a [u8], DataError> {
    let [_, count] = header_words::<2>(path, bytes, LABELS_MAGIC)?;
    let expected = u64::from(count) + LABELS_HEADER as u64;
    DataError::check_len(path, expected, bytes.len() as u64)?;
    Ok(&bytes[LABELS_HEADER..])
}

/// Reads `N` big-endian header words, checking the magic number first, then the length.
fn header_words<const N: usize>(
    path: &Path,
    bytes: &[u8],
    magic: u32,
) -> Result<[u32; N], DataError> {
    let truncated = || DataError::Truncated {
        path: path.to_path_buf(),
        expected: 4 * N as u64,
        found: bytes.len() as u64,
    };
    let word = |i: usize| {
        bytes
            .get(4 * i..4 * i + 4)
            .map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes")))
    };
    let found = word(0).ok_or_else(truncated)?;
    if found != magic {
        return Err(DataError::BadMagic {
            path: path.to_path_buf(),
            expected: magic,
            found,
        });
    }
    let mut words = [0; N];
    for (i, slot) in words.iter_mut().enumerate() {
        *slot = word(i).ok_or_else(truncated)?;
    }
    Ok(words)
}

/// Converts label bytes, rejecting any label `>= classes`.
pub(crate) fn checked_labels(
    path: &Path,
    labels: &[u8],
    classes: usize,
) -> Result<Vec<usize>, DataError> {
    labels
        .iter()
        .enumerate()
        .map(|(index, &label)| {
            let label = usize::from(label);
            if label < classes {
                Ok(label)
            } else {
                Err(DataError::LabelOutOfRange {
                    path: PathBuf::from(path),
                    index,
                    label,
                    classes,
                })
            }
        })
        .collect()
}
