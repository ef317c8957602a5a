//! Time and peak memory of VGG-11 (CIFAR variant) training on one backend, through the
//! CIFAR-100 binary loader.
//!
//! ```text
//! cargo run --release -p lns-zoo --example vgg_step -- BACKEND [STEPS] [BATCH]
//! ```
//! BACKEND is `flex`, `ndarray` or an LNS device string (`lns16`, `12:6:pwl`, …).
//! The example writes a CIFAR-100 `train.bin`/`test.bin` pair of seeded random records
//! (the real record layout: coarse label, fine label, 3072 pixel bytes) into a
//! temporary directory, loads it with `load_cifar100`, runs STEPS SGD steps (one epoch
//! of the generated data) from weights drawn with a fixed seed and prints the mean time
//! per step after the first, the first step's time, the epoch's loss (equal across runs
//! and builds of a bit-true backend) and the process's peak resident memory (VmHWM).
//! Run one backend per process so that the peaks are comparable.

use std::time::Instant;

use burn::backend::{Autodiff, Flex, NdArray};
use burn::tensor::backend::AutodiffBackend;
use burn_lns::{Lns, LnsDevice};
use lns_zoo::data::cifar::{Cifar100Labels, load_cifar100};
use lns_zoo::data::{EpochBatches, ImageBatcher, Normalization};
use lns_zoo::models::{InputShape, ModelKind};
use lns_zoo::optim::OptimizerSpec;
use lns_zoo::train::train_epoch;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = args.first().map(String::as_str).unwrap_or("flex");
    let steps: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(4);
    let batch: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(32);
    let dir = std::env::temp_dir().join(format!("vgg-step-{}", std::process::id()));
    write_cifar100(&dir, steps * batch, 7)?;
    let data = load_cifar100(&dir, Cifar100Labels::Fine)?;
    std::fs::remove_dir_all(&dir)?;
    match backend {
        "flex" => run::<Autodiff<Flex>>(&Default::default(), &data, batch, backend),
        "ndarray" => run::<Autodiff<NdArray>>(&Default::default(), &data, batch, backend),
        lns => run::<Autodiff<Lns>>(&lns.parse::<LnsDevice>()?, &data, batch, backend),
    }
}

fn run<B: AutodiffBackend>(
    device: &B::Device,
    data: &lns_zoo::data::DatasetSplits,
    batch: usize,
    name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    // Seeded weights: the loss after the run is the same on every run of a backend.
    B::seed(device, 1);
    let model = "vgg11"
        .parse::<ModelKind>()?
        .init::<B>(InputShape::from(&data.train), device)?;
    let mut optimizer = OptimizerSpec::SGD_MOMENTUM.init::<B, _>();
    let batcher = ImageBatcher::new(data.train.dims(), Normalization::cifar100());
    let batches = EpochBatches::<B, _>::new(&data.train, &batcher, batch, device).shuffled(1, 0);
    let mut times = Vec::new();
    let mut last = Instant::now();
    let (_, stats) = train_epoch(model, &mut optimizer, batches, 0.01, |_| {
        times.push(last.elapsed().as_secs_f64());
        last = Instant::now();
    });
    let rest = &times[1.min(times.len())..];
    let mean = if rest.is_empty() {
        f64::NAN
    } else {
        rest.iter().sum::<f64>() / rest.len() as f64
    };
    println!(
        "{name}: VGG-11 batch {batch}, {} steps, first {:.2} s, then {:.2} s/step, loss {:.8}, peak RSS {} MiB",
        times.len(),
        times.first().copied().unwrap_or(f64::NAN),
        mean,
        stats.loss,
        peak_rss_kib() / 1024
    );
    Ok(())
}

/// Writes `n` seeded random records in CIFAR-100 binary layout as train.bin and a
/// quarter of that as test.bin.
fn write_cifar100(dir: &std::path::Path, n: usize, seed: u64) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u8
    };
    let mut records = |count: usize| -> Vec<u8> {
        let mut out = Vec::with_capacity(count * 3074);
        for _ in 0..count {
            let fine = next() % 100;
            out.push(fine / 5);
            out.push(fine);
            out.extend((0..3072).map(|_| next()));
        }
        out
    };
    std::fs::write(dir.join("train.bin"), records(n))?;
    std::fs::write(dir.join("test.bin"), records((n / 4).max(1)))
}

/// Peak resident set size of this process in KiB (VmHWM), 0 where /proc is missing.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
