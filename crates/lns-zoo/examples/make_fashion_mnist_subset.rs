//! Re-creates the Fashion-MNIST subset embedded in `lns-zoo`
//! (`crates/lns-zoo/data/fashion-mnist-subset/*.gz`).
//!
//! It keeps the first 200 training and the first 50 test images of every class
//! of the full Fashion-MNIST, in file order, and writes them as gzip IDX files.
//!
//! ```text
//! cargo run -p lns-zoo --release --example make_fashion_mnist_subset [-- DIR]
//! ```
//! `DIR` holds the full IDX files; by default the Debian package's
//! `/usr/share/datasets/fashion-mnist`.

use std::error::Error;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use lns_zoo::data::fashion_mnist::{SUBSET_TEST_PER_CLASS, SUBSET_TRAIN_PER_CLASS, fashion_mnist};
use lns_zoo::data::idx::{encode_images, encode_labels};

fn main() -> Result<(), Box<dyn Error>> {
    let source = std::env::args_os().nth(1).map(PathBuf::from);
    let full = fashion_mnist(source.as_deref())?;
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fashion-mnist-subset");
    std::fs::create_dir_all(&out)?;
    let splits = [
        ("train", &full.train, SUBSET_TRAIN_PER_CLASS),
        ("t10k", &full.test, SUBSET_TEST_PER_CLASS),
    ];
    for (prefix, split, per_class) in splits {
        let subset = split.balanced_subset(per_class)?;
        write_gz(
            &out.join(format!("{prefix}-images-idx3-ubyte.gz")),
            &encode_images(&subset),
        )?;
        write_gz(
            &out.join(format!("{prefix}-labels-idx1-ubyte.gz")),
            &encode_labels(&subset),
        )?;
        println!("{prefix}: {} images", subset.labels().len());
    }
    Ok(())
}

fn write_gz(path: &Path, bytes: &[u8]) -> Result<(), Box<dyn Error>> {
    let mut encoder = GzEncoder::new(File::create(path)?, Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()?.sync_all()?;
    println!("wrote {}", path.display());
    Ok(())
}
