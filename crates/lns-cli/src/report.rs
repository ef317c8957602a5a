//! `lns report --cost`: operations by hardware unit in one training step of a zoo model
//! on `Autodiff<Lns>`, and their energy against f32 and fixed point.
//!
//! The counts are measured: lns-core's kernels add their operation counts (from the
//! sizes of each call) to the device's counters, read here between the forward pass,
//! the backward pass and the optimizer update, and split per layer operation by the
//! device's operation trace (`lns_core::trace`): a segment is one matmul, convolution or
//! pooling plus the elementwise work after it. Energies follow `lns_core::cost`.

use anyhow::{Context, Result, bail};
use burn::backend::Autodiff;
use burn::data::dataset::Dataset;
use burn::module::AutodiffModule;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, Optimizer, SgdConfig};
use burn_lns::{Lns, LnsDevice};
use clap::Args;
use lns_core::cost::{MacComparison, UnitEnergy, compare_mac, f32_energy_pj, fixed_energy_pj};
use lns_core::{Arith, DeltaKind, Format};
use lns_core::{OpCounts, OpSegment};
use lns_zoo::data::{DatasetSource, ImageBatcher};
use lns_zoo::models::{InputShape, ModelKind};
use serde::Serialize;
use std::process::ExitCode;

/// Arguments of `lns report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report operation counts and energy of one training step.
    #[arg(long)]
    pub cost: bool,
    /// Zoo model (mlp, lenet, vgg11, resnet20, …).
    #[arg(long, default_value = "lenet")]
    pub model: ModelKind,
    /// Data set whose shapes and first batch are used.
    #[arg(long, default_value = "fashion-mnist")]
    pub data: DatasetSource,
    /// LNS configuration (e.g. lns16, 12:6:pwl).
    #[arg(long, default_value = "lns16")]
    pub backend: LnsDevice,
    /// Batch size of the step (at least 1).
    #[arg(long, default_value_t = 32, value_parser = crate::args::positive_count)]
    pub batch: usize,
    /// Print JSON instead of Markdown.
    #[arg(long)]
    pub json: bool,
}

/// Counts and energy of one phase of the step, or of one layer operation in it.
#[derive(Debug, Serialize)]
pub struct Cost {
    /// The phase (forward, backward, update) or the layer operation with its shapes.
    pub name: String,
    /// Measured operations.
    pub ops: OpCounts,
    /// Energy on the LNS unit, µJ.
    pub lns_uj: f64,
    /// The same operations on f32 units, µJ.
    pub f32_uj: f64,
    /// The same operations on fixed point of the LNS width, µJ.
    pub fixed_uj: f64,
}

/// One phase of the step: its total and its layer operations in execution order.
#[derive(Debug, Serialize)]
pub struct Phase {
    /// The phase's total.
    #[serde(flatten)]
    pub total: Cost,
    /// Per layer operation (matmul, convolution, pooling and the elementwise work that
    /// follows it); the first segment holds what ran before the first one.
    pub segments: Vec<Cost>,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct CostReport {
    /// Model name.
    pub model: String,
    /// LNS configuration.
    pub backend: String,
    /// Batch size.
    pub batch: usize,
    /// Per-operation energies of the configuration, pJ.
    pub unit: UnitEnergy,
    /// forward, backward, update.
    pub phases: Vec<Phase>,
    /// Per-MAC energy of common configurations.
    pub macs: Vec<MacComparison>,
}

/// Runs `lns report`.
pub fn run(args: &ReportArgs) -> Result<ExitCode> {
    if !args.cost {
        bail!("nothing to report: pass --cost");
    }
    let report = cost_report(args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", to_markdown(&report));
    }
    Ok(ExitCode::SUCCESS)
}

type B = Autodiff<Lns>;

/// Measures one SGD step of the model on the first `batch` training images.
pub fn cost_report(args: &ReportArgs) -> Result<CostReport> {
    let device = args.backend.clone();
    let data = args
        .data
        .load()
        .with_context(|| format!("loading {}", args.data))?;
    let n = args.batch.min(data.train.len());
    if n == 0 {
        bail!("the training set is empty");
    }
    let items: Vec<_> = (0..n).filter_map(|i| data.train.get(i)).collect();
    let batch = ImageBatcher::new(data.train.dims(), args.data.normalization())
        .batch_at::<B>(&items, 0, &device);
    let model = args
        .model
        .init::<B>(InputShape::from(&data.train), &device)?;
    let arith = device.arith();
    let mut optimizer = SgdConfig::new().init::<B, _>();
    arith.take_op_counts();

    arith.start_trace("input");
    let logits = model.forward(batch.images);
    let loss = CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits, batch.targets);
    let forward = (arith.finish_trace(), arith.take_op_counts());
    arith.start_trace("loss gradient");
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    let backward = (arith.finish_trace(), arith.take_op_counts());
    arith.start_trace("optimizer");
    let model = optimizer.step(0.01, model, grads);
    let update = (arith.finish_trace(), arith.take_op_counts());
    drop(model.valid());

    let unit = UnitEnergy::of(arith);
    let bits = device.format().bits();
    let cost = |name: String, ops: OpCounts| Cost {
        name,
        ops,
        lns_uj: unit.energy_pj(&ops) * 1e-6,
        f32_uj: f32_energy_pj(&ops) * 1e-6,
        fixed_uj: fixed_energy_pj(&ops, bits) * 1e-6,
    };
    let phase = |name: &str, (segments, total): (Vec<OpSegment>, OpCounts)| Phase {
        total: cost(name.to_string(), total),
        segments: segments.into_iter().map(|s| cost(s.label, s.ops)).collect(),
    };
    let macs = [
        (Format::LNS8, DeltaKind::Lut),
        (Format::LNS12, DeltaKind::Pwl),
        (Format::LNS12, DeltaKind::Lut),
        (Format::LNS16, DeltaKind::LutSmall),
        (Format::LNS16, DeltaKind::Pwl),
        (Format::LNS16, DeltaKind::Shift),
        (Format::LNS16, DeltaKind::Lut),
    ]
    .into_iter()
    .map(|(f, k)| compare_mac(&Arith::new(f, k)))
    .collect();
    Ok(CostReport {
        model: args.model.to_string(),
        backend: device.config().to_string(),
        batch: n,
        unit,
        phases: vec![
            phase("forward", forward),
            phase("backward", backward),
            phase("update", update),
        ],
        macs,
    })
}

fn to_markdown(r: &CostReport) -> String {
    let mut s = format!(
        "One SGD step of {} on {} (batch {}): measured operations\n\n",
        r.model, r.backend, r.batch
    );
    s += &cost_header(&["phase"]);
    let mut total = OpCounts::default();
    let (mut l, mut f, mut x) = (0.0, 0.0, 0.0);
    for p in &r.phases {
        let t = &p.total;
        s += &cost_row(t);
        total += t.ops;
        (l, f, x) = (l + t.lns_uj, f + t.f32_uj, x + t.fixed_uj);
    }
    s += &format!(
        "| **total** | {} | {} | {} | {} | {} | {l:.3} | {f:.3} | {x:.3} |\n\nLNS / f32 energy: {:.3}; LNS / fixed point: {:.3}\n\n",
        total.mac,
        total.lns_add,
        total.int_add,
        total.compare,
        total.convert,
        l / f,
        l / x
    );
    s += "Per layer operation (a matmul, convolution or pooling with the elementwise work after it, in execution order):\n\n";
    s += &cost_header(&["phase", "operation"]);
    for p in &r.phases {
        for seg in &p.segments {
            s += &format!("| {} {}", p.total.name, cost_row(seg));
        }
    }
    s += "\n";
    let u = &r.unit;
    s += &format!(
        "Per operation on this unit (pJ): MAC {:.3}, LNS add {:.3} (Δ {:.3}), int add {:.3}, compare {:.3}, convert {:.3}\n\n",
        u.mac, u.lns_add, u.delta, u.int_add, u.compare, u.convert
    );
    s += "Per-MAC energy (pJ), first-order model of docs/hardware.md:\n\n| format | Δ | LNS MAC | fixed-point MAC | f32 MAC | LNS / fixed |\n|---|---|---|---|---|---|\n";
    for m in &r.macs {
        s += &format!(
            "| {} | {} | {:.3} | {:.3} | {:.2} | {:.2} |\n",
            m.format,
            m.strategy,
            m.lns_mac_pj,
            m.fixed_mac_pj,
            m.f32_mac_pj,
            m.lns_mac_pj / m.fixed_mac_pj
        );
    }
    s
}

/// The header of a cost table whose rows start with the `first` columns.
fn cost_header(first: &[&str]) -> String {
    let cols: Vec<&str> = first
        .iter()
        .copied()
        .chain([
            "MAC",
            "LNS add",
            "int add",
            "compare",
            "convert",
            "LNS µJ",
            "f32 µJ",
            "fixed µJ",
        ])
        .collect();
    format!("| {} |\n|{}\n", cols.join(" | "), "---|".repeat(cols.len()))
}

fn cost_row(c: &Cost) -> String {
    let o = c.ops;
    format!(
        "| {} | {} | {} | {} | {} | {} | {:.3} | {:.3} | {:.3} |\n",
        c.name, o.mac, o.lns_add, o.int_add, o.compare, o.convert, c.lns_uj, c.f32_uj, c.fixed_uj
    )
}
