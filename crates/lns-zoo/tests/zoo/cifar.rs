use lns_zoo::data::cifar::{CIFAR_DIMS, Cifar100Labels, load_cifar10, load_cifar100};
use lns_zoo::data::{DataError, ImageDataset};

use crate::common::{ScratchDir, synthetic};

/// Encodes `data` as CIFAR records: the given label bytes per item, then the image.
fn records(data: &ImageDataset, label_bytes: impl Fn(usize) -> Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    for (index, &label) in data.labels().iter().enumerate() {
        out.extend(label_bytes(label));
        out.extend_from_slice(data.pixels(index).unwrap());
    }
    out
}

fn cifar10_records(data: &ImageDataset) -> Vec<u8> {
    records(data, |label| vec![label as u8])
}

/// A CIFAR-100 record pair whose coarse label is `fine / 5`.
fn cifar100_records(data: &ImageDataset) -> Vec<u8> {
    records(data, |fine| vec![(fine / 5) as u8, fine as u8])
}

fn write_cifar10(dir: &ScratchDir, subdir: &str, batches: &[ImageDataset], test: &ImageDataset) {
    for (i, batch) in batches.iter().enumerate() {
        dir.write(
            &format!("{subdir}data_batch_{}.bin", i + 1),
            &cifar10_records(batch),
        );
    }
    dir.write(&format!("{subdir}test_batch.bin"), &cifar10_records(test));
}

fn five_batches() -> Vec<ImageDataset> {
    (0..5).map(|i| synthetic(CIFAR_DIMS, 10, 3 + i)).collect()
}

#[test]
fn cifar10_concatenates_the_five_batches_in_order() {
    let batches = five_batches();
    let test = synthetic(CIFAR_DIMS, 10, 4);
    let dir = ScratchDir::new("cifar10-ok");
    write_cifar10(&dir, "", &batches, &test);
    let splits = load_cifar10(dir.path()).unwrap();
    assert_eq!(splits.train.labels().len(), 3 + 4 + 5 + 6 + 7);
    let mut offset = 0;
    for batch in &batches {
        for i in 0..batch.labels().len() {
            assert_eq!(splits.train.pixels(offset + i), batch.pixels(i));
            assert_eq!(splits.train.labels()[offset + i], batch.labels()[i]);
        }
        offset += batch.labels().len();
    }
    assert_eq!(splits.test, test);
    assert_eq!(splits.train.classes(), 10);
}

#[test]
fn cifar10_is_found_in_the_archive_subdirectory() {
    let dir = ScratchDir::new("cifar10-nested");
    write_cifar10(
        &dir,
        "cifar-10-batches-bin/",
        &five_batches(),
        &synthetic(CIFAR_DIMS, 10, 2),
    );
    assert_eq!(load_cifar10(dir.path()).unwrap().test.labels().len(), 2);
}

#[test]
fn cifar10_file_not_a_whole_number_of_records_is_a_bad_record_size() {
    let dir = ScratchDir::new("cifar10-record-size");
    write_cifar10(&dir, "", &five_batches(), &synthetic(CIFAR_DIMS, 10, 2));
    let mut bytes = cifar10_records(&synthetic(CIFAR_DIMS, 10, 2));
    bytes.pop();
    let path = dir.write("data_batch_2.bin", &bytes);
    match load_cifar10(dir.path()) {
        Err(DataError::BadRecordSize {
            path: p,
            len,
            record_size: 3073,
        }) => {
            assert_eq!(p, path);
            assert_eq!(len, 2 * 3073 - 1);
        }
        other => panic!("expected BadRecordSize, got {other:?}"),
    }
}

#[test]
fn cifar10_label_ten_is_out_of_range() {
    let dir = ScratchDir::new("cifar10-label");
    write_cifar10(&dir, "", &five_batches(), &synthetic(CIFAR_DIMS, 10, 2));
    let mut bytes = cifar10_records(&synthetic(CIFAR_DIMS, 10, 3));
    bytes[2 * 3073] = 10;
    dir.write("test_batch.bin", &bytes);
    match load_cifar10(dir.path()) {
        Err(DataError::LabelOutOfRange {
            path,
            index: 2,
            label: 10,
            classes: 10,
        }) => {
            assert!(path.ends_with("test_batch.bin"));
        }
        other => panic!("expected LabelOutOfRange, got {other:?}"),
    }
}

#[test]
fn cifar10_missing_batch_is_named() {
    let dir = ScratchDir::new("cifar10-missing");
    write_cifar10(&dir, "", &five_batches(), &synthetic(CIFAR_DIMS, 10, 2));
    std::fs::remove_file(dir.path().join("data_batch_3.bin")).unwrap();
    match load_cifar10(dir.path()) {
        Err(DataError::Missing { path }) => assert_eq!(path, dir.path().join("data_batch_3.bin")),
        other => panic!("expected Missing, got {other:?}"),
    }
}

#[test]
fn cifar10_empty_batch_file_is_rejected() {
    let dir = ScratchDir::new("cifar10-empty");
    write_cifar10(&dir, "", &five_batches(), &synthetic(CIFAR_DIMS, 10, 2));
    dir.write("test_batch.bin", &[]);
    assert!(matches!(
        load_cifar10(dir.path()),
        Err(DataError::Empty { .. })
    ));
}

#[test]
fn cifar100_selects_fine_or_coarse_labels() {
    let train = synthetic(CIFAR_DIMS, 100, 40);
    let test = synthetic(CIFAR_DIMS, 100, 9);
    let dir = ScratchDir::new("cifar100-ok");
    dir.write("cifar-100-binary/train.bin", &cifar100_records(&train));
    dir.write("cifar-100-binary/test.bin", &cifar100_records(&test));

    let fine = load_cifar100(dir.path(), Cifar100Labels::Fine).unwrap();
    assert_eq!(fine.train, train);
    assert_eq!(fine.test, test);

    let coarse = load_cifar100(dir.path(), Cifar100Labels::Coarse).unwrap();
    assert_eq!(coarse.train.classes(), 20);
    let expected: Vec<usize> = train.labels().iter().map(|fine| fine / 5).collect();
    assert_eq!(coarse.train.labels(), expected);
    assert_eq!(coarse.train.pixels(7), train.pixels(7));
}

#[test]
fn cifar100_record_size_is_3074_bytes() {
    let dir = ScratchDir::new("cifar100-record-size");
    dir.write("train.bin", &cifar10_records(&synthetic(CIFAR_DIMS, 10, 4)));
    dir.write(
        "test.bin",
        &cifar100_records(&synthetic(CIFAR_DIMS, 100, 1)),
    );
    assert!(matches!(
        load_cifar100(dir.path(), Cifar100Labels::Fine),
        Err(DataError::BadRecordSize {
            record_size: 3074,
            len: 12292,
            ..
        })
    ));
}

#[test]
fn cifar100_coarse_label_is_checked_even_when_fine_labels_are_used() {
    let dir = ScratchDir::new("cifar100-coarse-range");
    let mut train = cifar100_records(&synthetic(CIFAR_DIMS, 100, 3));
    train[3074] = 20;
    dir.write("train.bin", &train);
    dir.write(
        "test.bin",
        &cifar100_records(&synthetic(CIFAR_DIMS, 100, 1)),
    );
    assert!(matches!(
        load_cifar100(dir.path(), Cifar100Labels::Fine),
        Err(DataError::LabelOutOfRange {
            index: 1,
            label: 20,
            classes: 20,
            ..
        })
    ));
}
