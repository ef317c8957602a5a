use std::path::PathBuf;

use lns_zoo::data::cifar::Cifar100Labels;
use lns_zoo::data::{DataError, DatasetSource, Normalization};

#[test]
fn dataset_source_strings_parse_and_print_back() {
    let cases = [
        ("fashion-mnist", DatasetSource::FashionMnistSubset),
        ("fashion-mnist:full", DatasetSource::FashionMnist(None)),
        (
            "fashion-mnist:/data/fm",
            DatasetSource::FashionMnist(Some(PathBuf::from("/data/fm"))),
        ),
        (
            "mnist:/data/mnist",
            DatasetSource::Mnist(PathBuf::from("/data/mnist")),
        ),
        (
            "cifar10:/data/c10",
            DatasetSource::Cifar10(PathBuf::from("/data/c10")),
        ),
        (
            "cifar100:/d",
            DatasetSource::Cifar100(PathBuf::from("/d"), Cifar100Labels::Fine),
        ),
        (
            "cifar100-coarse:/d",
            DatasetSource::Cifar100(PathBuf::from("/d"), Cifar100Labels::Coarse),
        ),
        (
            "tinyimagenet:rel/tin",
            DatasetSource::TinyImageNet(PathBuf::from("rel/tin")),
        ),
    ];
    for (text, source) in cases {
        assert_eq!(text.parse::<DatasetSource>().unwrap(), source, "{text}");
        assert_eq!(source.to_string(), text);
    }
}

#[test]
fn dataset_source_rejects_unknown_names_and_missing_directories() {
    for text in ["imagenet:/x", "cifar10", "cifar10:", "tinyimagenet", ""] {
        match text.parse::<DatasetSource>() {
            Err(err @ DataError::BadSource { .. }) => {
                assert!(err.to_string().contains(&format!("{text:?}")))
            }
            other => panic!("{text}: expected BadSource, got {other:?}"),
        }
    }
}

#[test]
fn dataset_source_normalization_has_one_entry_per_channel() {
    let gray = DatasetSource::FashionMnistSubset.normalization();
    assert_eq!(gray, Normalization::fashion_mnist());
    assert_eq!(gray.mean.len(), 1);
    let rgb = "cifar100:/d"
        .parse::<DatasetSource>()
        .unwrap()
        .normalization();
    assert_eq!((rgb.mean.len(), rgb.std.len()), (3, 3));
}

#[test]
fn dataset_source_loads_the_embedded_subset() {
    let splits = DatasetSource::FashionMnistSubset.load().unwrap();
    assert_eq!(splits.train.labels().len(), 2000);
}
