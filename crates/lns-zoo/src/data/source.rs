//! Naming a dataset with one string, as a command line does.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::cifar::{Cifar100Labels, load_cifar10, load_cifar100};
use super::fashion_mnist::{fashion_mnist, fashion_mnist_subset};
use super::idx::load_idx_dir;
use super::tiny_imagenet::load_tiny_imagenet;
use super::{DataError, DatasetSplits, Normalization};

/// Number of MNIST classes (digits).
const MNIST_CLASSES: usize = 10;

/// Where a dataset comes from.
///
/// | string | source |
/// |---|---|
/// | `fashion-mnist` | the subset embedded in this crate |
/// | `fashion-mnist:full` | the full set in the Debian package's directory |
/// | `fashion-mnist:DIR` | the full set in `DIR` |
/// | `mnist:DIR` | MNIST IDX files in `DIR` |
/// | `cifar10:DIR` | CIFAR-10 binary batches in `DIR` |
/// | `cifar100:DIR` | CIFAR-100 binary, fine labels |
/// | `cifar100-coarse:DIR` | CIFAR-100 binary, coarse labels |
/// | `tinyimagenet:DIR` | TinyImageNet-200 folder layout |
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetSource {
    /// The embedded class-balanced Fashion-MNIST subset (2,000 / 500 images).
    FashionMnistSubset,
    /// Full Fashion-MNIST from a directory, or the Debian package's when `None`.
    FashionMnist(Option<PathBuf>),
    /// MNIST IDX files in a directory.
    Mnist(PathBuf),
    /// CIFAR-10 binary version in a directory.
    Cifar10(PathBuf),
    /// CIFAR-100 binary version in a directory, with the label kind to use.
    Cifar100(PathBuf, Cifar100Labels),
    /// TinyImageNet-200 in a directory.
    TinyImageNet(PathBuf),
}

impl DatasetSource {
    /// Loads the train and test splits.
    ///
    /// # Errors
    /// Whatever the dataset's loader reports.
    pub fn load(&self) -> Result<DatasetSplits, DataError> {
        match self {
            Self::FashionMnistSubset => fashion_mnist_subset(),
            Self::FashionMnist(dir) => fashion_mnist(dir.as_deref()),
            Self::Mnist(dir) => load_idx_dir(dir, MNIST_CLASSES),
            Self::Cifar10(dir) => load_cifar10(dir),
            Self::Cifar100(dir, labels) => load_cifar100(dir, *labels),
            Self::TinyImageNet(dir) => load_tiny_imagenet(dir),
        }
    }

    /// The dataset's per-channel normalization statistics.
    pub fn normalization(&self) -> Normalization {
        match self {
            Self::FashionMnistSubset | Self::FashionMnist(_) => Normalization::fashion_mnist(),
            Self::Mnist(_) => Normalization::mnist(),
            Self::Cifar10(_) => Normalization::cifar10(),
            Self::Cifar100(..) => Normalization::cifar100(),
            Self::TinyImageNet(_) => Normalization::tiny_imagenet(),
        }
    }
}

impl FromStr for DatasetSource {
    type Err = DataError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| DataError::BadSource {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let (name, arg) = match input.split_once(':') {
            Some((name, arg)) => (name, Some(arg)),
            None => (input, None),
        };
        if arg == Some("") {
            return Err(bad("empty directory after ':'"));
        }
        let dir = || {
            arg.map(PathBuf::from)
                .ok_or_else(|| bad("expected NAME:DIR"))
        };
        match name {
            "fashion-mnist" => Ok(match arg {
                None => Self::FashionMnistSubset,
                Some("full") => Self::FashionMnist(None),
                Some(dir) => Self::FashionMnist(Some(PathBuf::from(dir))),
            }),
            "mnist" => Ok(Self::Mnist(dir()?)),
            "cifar10" => Ok(Self::Cifar10(dir()?)),
            "cifar100" => Ok(Self::Cifar100(dir()?, Cifar100Labels::Fine)),
            "cifar100-coarse" => Ok(Self::Cifar100(dir()?, Cifar100Labels::Coarse)),
            "tinyimagenet" => Ok(Self::TinyImageNet(dir()?)),
            _ => Err(bad(
                "unknown dataset (fashion-mnist, mnist, cifar10, cifar100, cifar100-coarse, tinyimagenet)",
            )),
        }
    }
}

impl fmt::Display for DatasetSource {
    /// The string [`FromStr`] parses back into the same source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |f: &mut fmt::Formatter<'_>, name: &str, dir: &Path| {
            write!(f, "{name}:{}", dir.display())
        };
        match self {
            Self::FashionMnistSubset => f.write_str("fashion-mnist"),
            Self::FashionMnist(None) => f.write_str("fashion-mnist:full"),
            Self::FashionMnist(Some(dir)) => show(f, "fashion-mnist", dir),
            Self::Mnist(dir) => show(f, "mnist", dir),
            Self::Cifar10(dir) => show(f, "cifar10", dir),
            Self::Cifar100(dir, Cifar100Labels::Fine) => show(f, "cifar100", dir),
            Self::Cifar100(dir, Cifar100Labels::Coarse) => show(f, "cifar100-coarse", dir),
            Self::TinyImageNet(dir) => show(f, "tinyimagenet", dir),
        }
    }
}
