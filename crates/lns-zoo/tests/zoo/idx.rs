use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use lns_zoo::data::idx::{
    IMAGES_MAGIC, LABELS_MAGIC, encode_images, encode_labels, load_idx, load_idx_dir,
};
use lns_zoo::data::{DataError, ImageDataset};

use crate::common::{GRAY_4X3, ScratchDir, synthetic};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Writes a train and a test split as IDX files, optionally gzip-compressed.
fn write_split_files(dir: &ScratchDir, train: &ImageDataset, test: &ImageDataset, gz: bool) {
    for (prefix, split) in [("train", train), ("t10k", test)] {
        let files = [
            (format!("{prefix}-images-idx3-ubyte"), encode_images(split)),
            (format!("{prefix}-labels-idx1-ubyte"), encode_labels(split)),
        ];
        for (name, bytes) in files {
            if gz {
                dir.write(&format!("{name}.gz"), &gzip(&bytes));
            } else {
                dir.write(&name, &bytes);
            }
        }
    }
}

/// Writes one image file and one label file with the given bytes.
fn write_pair(
    dir: &ScratchDir,
    images: &[u8],
    labels: &[u8],
) -> (std::path::PathBuf, std::path::PathBuf) {
    (
        dir.write("images-idx3-ubyte", images),
        dir.write("labels-idx1-ubyte", labels),
    )
}

fn load_pair(paths: &(std::path::PathBuf, std::path::PathBuf)) -> Result<ImageDataset, DataError> {
    load_idx(&paths.0, &paths.1, 10)
}

#[test]
fn idx_raw_and_gzip_directories_load_exactly_what_was_written() {
    let train = synthetic(GRAY_4X3, 10, 23);
    let test = synthetic(GRAY_4X3, 10, 7);
    for gz in [false, true] {
        let dir = ScratchDir::new(&format!("idx-roundtrip-{gz}"));
        write_split_files(&dir, &train, &test, gz);
        let splits = load_idx_dir(dir.path(), 10).unwrap();
        assert_eq!(splits.train, train);
        assert_eq!(splits.test, test);
    }
}

#[test]
fn idx_magic_numbers_are_the_standard_2051_and_2049() {
    assert_eq!(IMAGES_MAGIC, 2051);
    assert_eq!(LABELS_MAGIC, 2049);
    let data = synthetic(GRAY_4X3, 10, 2);
    assert_eq!(encode_images(&data)[..4], 2051u32.to_be_bytes());
    assert_eq!(encode_labels(&data)[..4], 2049u32.to_be_bytes());
}

#[test]
fn idx_truncated_image_file_reports_expected_and_found_length() {
    let data = synthetic(GRAY_4X3, 10, 5);
    let dir = ScratchDir::new("idx-truncated");
    let images = encode_images(&data);
    let paths = write_pair(&dir, &images[..images.len() - 1], &encode_labels(&data));
    match load_pair(&paths) {
        Err(DataError::Truncated {
            path,
            expected,
            found,
        }) => {
            assert_eq!(path, paths.0);
            assert_eq!(expected, 16 + 5 * 12);
            assert_eq!(found, 16 + 5 * 12 - 1);
        }
        other => panic!("expected Truncated, got {other:?}"),
    }
}

#[test]
fn idx_file_shorter_than_its_header_is_truncated() {
    let data = synthetic(GRAY_4X3, 10, 5);
    let dir = ScratchDir::new("idx-short-header");
    let paths = write_pair(&dir, &encode_images(&data), &[0, 0, 8]);
    match load_pair(&paths) {
        Err(DataError::Truncated {
            path,
            expected: 8,
            found: 3,
        }) => assert_eq!(path, paths.1),
        other => panic!("expected Truncated, got {other:?}"),
    }
}

#[test]
fn idx_trailing_bytes_after_the_declared_items_are_rejected() {
    let data = synthetic(GRAY_4X3, 10, 5);
    let dir = ScratchDir::new("idx-trailing");
    let mut labels = encode_labels(&data);
    labels.push(0);
    let paths = write_pair(&dir, &encode_images(&data), &labels);
    match load_pair(&paths) {
        Err(DataError::TrailingBytes {
            path,
            expected: 13,
            found: 14,
        }) => assert_eq!(path, paths.1),
        other => panic!("expected TrailingBytes, got {other:?}"),
    }
}

#[test]
fn idx_label_file_given_as_image_file_is_a_bad_magic() {
    let data = synthetic(GRAY_4X3, 10, 5);
    let dir = ScratchDir::new("idx-magic");
    let labels = encode_labels(&data);
    let paths = write_pair(&dir, &labels, &labels);
    match load_pair(&paths) {
        Err(
            err @ DataError::BadMagic {
                expected: 2051,
                found: 2049,
                ..
            },
        ) => {
            assert!(err.to_string().contains("images-idx3-ubyte"), "{err}");
            assert!(err.to_string().contains("0x00000803"), "{err}");
        }
        other => panic!("expected BadMagic, got {other:?}"),
    }
}

#[test]
fn idx_image_and_label_counts_must_match() {
    let dir = ScratchDir::new("idx-count");
    let paths = write_pair(
        &dir,
        &encode_images(&synthetic(GRAY_4X3, 10, 5)),
        &encode_labels(&synthetic(GRAY_4X3, 10, 4)),
    );
    match load_pair(&paths) {
        Err(DataError::CountMismatch {
            image_count: 5,
            label_count: 4,
            ..
        }) => {}
        other => panic!("expected CountMismatch, got {other:?}"),
    }
}

#[test]
fn idx_label_outside_the_class_count_is_rejected_with_its_index() {
    let data = synthetic(GRAY_4X3, 10, 5);
    let dir = ScratchDir::new("idx-label");
    let mut labels = encode_labels(&data);
    labels[8 + 3] = 10;
    let paths = write_pair(&dir, &encode_images(&data), &labels);
    match load_pair(&paths) {
        Err(DataError::LabelOutOfRange {
            index: 3,
            label: 10,
            classes: 10,
            ..
        }) => {}
        other => panic!("expected LabelOutOfRange, got {other:?}"),
    }
}

#[test]
fn idx_header_with_zero_rows_is_a_bad_header() {
    let dir = ScratchDir::new("idx-zero-rows");
    let mut images = Vec::new();
    for word in [IMAGES_MAGIC, 0, 0, 28] {
        images.extend_from_slice(&word.to_be_bytes());
    }
    let labels = [0, 0, 8, 1, 0, 0, 0, 0];
    let paths = write_pair(&dir, &images, &labels);
    assert!(matches!(
        load_pair(&paths),
        Err(DataError::BadHeader { .. })
    ));
}

#[test]
fn idx_truncated_gzip_stream_is_a_gzip_error() {
    let data = synthetic(GRAY_4X3, 10, 50);
    let dir = ScratchDir::new("idx-gzip");
    let gz = gzip(&encode_images(&data));
    let paths = write_pair(&dir, &gz[..gz.len() / 2], &encode_labels(&data));
    match load_pair(&paths) {
        Err(DataError::Gzip { path, .. }) => assert_eq!(path, paths.0),
        other => panic!("expected Gzip, got {other:?}"),
    }
}

#[test]
fn idx_missing_file_names_both_accepted_spellings() {
    let dir = ScratchDir::new("idx-missing");
    let err = load_idx_dir(dir.path(), 10).unwrap_err();
    match &err {
        DataError::Missing { path } => {
            assert_eq!(path, &dir.path().join("train-images-idx3-ubyte[.gz]"));
        }
        other => panic!("expected Missing, got {other:?}"),
    }
    assert!(
        err.to_string()
            .ends_with("train-images-idx3-ubyte[.gz]: not found"),
        "{err}"
    );
    assert!(matches!(
        load_idx(
            Path::new("/nonexistent/images"),
            Path::new("/nonexistent/labels"),
            10
        ),
        Err(DataError::Missing { .. })
    ));
}
