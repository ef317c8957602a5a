use std::path::Path;

use lns_zoo::data::ImageDims;
use lns_zoo::data::fashion_mnist::{
    DEBIAN_FASHION_MNIST_DIR, SUBSET_TEST_PER_CLASS, SUBSET_TRAIN_PER_CLASS, fashion_mnist,
    fashion_mnist_subset,
};

#[test]
fn embedded_subset_has_2000_train_and_500_test_images_balanced_over_10_classes() {
    let splits = fashion_mnist_subset().unwrap();
    let dims = ImageDims {
        channels: 1,
        height: 28,
        width: 28,
    };
    assert_eq!(splits.train.dims(), dims);
    assert_eq!(splits.train.labels().len(), 2000);
    assert_eq!(splits.test.labels().len(), 500);
    assert_eq!(
        splits.train.class_counts(),
        vec![SUBSET_TRAIN_PER_CLASS; 10]
    );
    assert_eq!(splits.test.class_counts(), vec![SUBSET_TEST_PER_CLASS; 10]);
    // Real images, not blank ones: Fashion-MNIST's mean intensity is about 0.29.
    let mean = (0..2000)
        .flat_map(|i| splits.train.pixels(i).unwrap().iter().copied())
        .map(f64::from)
        .sum::<f64>()
        / (2000.0 * 784.0 * 255.0);
    assert!((0.2..0.4).contains(&mean), "mean intensity {mean}");
}

/// Runs only where Debian's `dataset-fashion-mnist` is installed.
#[test]
fn embedded_subset_is_the_first_items_per_class_of_the_debian_files() {
    if !Path::new(DEBIAN_FASHION_MNIST_DIR).is_dir() {
        eprintln!("skipped: {DEBIAN_FASHION_MNIST_DIR} is not installed");
        return;
    }
    let full = fashion_mnist(None).unwrap();
    assert_eq!(full.train.labels().len(), 60_000);
    assert_eq!(full.test.labels().len(), 10_000);
    let subset = fashion_mnist_subset().unwrap();
    assert_eq!(
        subset.train,
        full.train.balanced_subset(SUBSET_TRAIN_PER_CLASS).unwrap()
    );
    assert_eq!(
        subset.test,
        full.test.balanced_subset(SUBSET_TEST_PER_CLASS).unwrap()
    );
}
