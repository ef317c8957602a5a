//! A first-order energy model of LNS arithmetic against f32 and fixed point, from
//! published per-operation energies.
//!
//! Source of the per-operation figures: M. Horowitz, "Computing's energy problem (and
//! what we can do about it)", ISSCC 2014, 45 nm: integer add 0.03 / 0.05 / 0.1 pJ
//! (8 / 16 / 32 bit), integer multiply 0.2 pJ (8 bit) and 3.1 pJ (32 bit), f16 add
//! 0.4 / mul 1.1 pJ, f32 add 0.9 / mul 3.7 pJ, 64-bit read of an 8 KB SRAM 10 pJ.
//!
//! Model assumptions (first order, stated so they can be replaced):
//! - integer add energy scales linearly with width between the published points,
//!   integer multiply quadratically (array multiplier);
//! - an LNS addition is two integer adds of the log width (compare/subtract and the
//!   final add) plus the Δ unit;
//! - a Δ table of S bytes read `w` bits at a time costs `10 pJ · (w/64) · √(S/8 KB)`
//!   (the square-root growth of SRAM access energy with size);
//! - a PWL Δ costs `⌈log2 segments⌉` comparisons to find the segment plus one
//!   shift-add and one register-file read (modelled as one integer add each);
//! - Mitchell's shift Δ costs three integer adds (antilog, leading-one, log);
//! - a log↔linear conversion costs like one Δ evaluation plus one integer add.

use serde::Serialize;

use crate::delta::{DeltaImpl, DeltaKind};
use crate::format::Format;
use crate::tally::OpCounts;
use crate::unit::Arith;

/// Integer add energy in pJ for a `bits`-wide adder (linear between 8, 16 and 32 bits).
pub fn int_add_pj(bits: u32) -> f64 {
    let b = bits as f64;
    if b <= 16.0 {
        0.03 + (b - 8.0) * (0.02 / 8.0)
    } else {
        0.05 + (b - 16.0) * (0.05 / 16.0)
    }
    .max(0.01)
}

/// Integer multiply energy in pJ (quadratic through 0.2 pJ at 8 and 3.1 pJ at 32 bits).
pub fn int_mul_pj(bits: u32) -> f64 {
    let b = bits as f64;
    0.2 * (b / 8.0).powf((3.1f64 / 0.2).ln() / 4f64.ln())
}

/// SRAM/ROM read energy in pJ of `width` bits from an array of `bytes` bytes.
pub fn table_read_pj(bytes: f64, width: u32) -> f64 {
    10.0 * (width as f64 / 64.0) * (bytes / 8192.0).sqrt()
}

/// Energies of one configuration's operations, in pJ.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct UnitEnergy {
    /// One Δ evaluation.
    pub delta: f64,
    /// One LNS addition (two integer adds + Δ).
    pub lns_add: f64,
    /// One integer add of logs (a multiply).
    pub int_add: f64,
    /// One comparison.
    pub compare: f64,
    /// One log↔linear conversion.
    pub convert: f64,
    /// One multiply-accumulate: `int_add + lns_add`.
    pub mac: f64,
}

impl UnitEnergy {
    /// The model for an arithmetic unit (its accumulator format and Δ strategy).
    pub fn of(unit: &Arith) -> UnitEnergy {
        let f = unit.acc_format();
        let log_bits = f.bits() - 1;
        let add = int_add_pj(log_bits);
        let delta = match unit.acc_delta().strategy() {
            DeltaImpl::Exact(_) | DeltaImpl::Lut(_)
                if unit.acc_delta().kind() != DeltaKind::LutSmall =>
            {
                let entries = unit.acc_delta().table().map_or(1 << 15, |t| t.len()) as f64;
                // Two tables (Δ+ and Δ−) of frac+1-bit entries.
                let width = f.frac() + 1;
                table_read_pj(2.0 * entries * width as f64 / 8.0, width)
            }
            DeltaImpl::Lut(_) | DeltaImpl::Exact(_) => add,
            DeltaImpl::Pwl(p) => {
                let segments = p.table().plus.len().max(p.table().minus.len()) as f64;
                (segments.log2().ceil() + 2.0) * add
            }
            DeltaImpl::Shift(_) => 3.0 * add,
        };
        let lns_add = 2.0 * add + delta;
        let int_add = int_add_pj(unit.format().bits() - 1);
        UnitEnergy {
            delta,
            lns_add,
            int_add,
            compare: add,
            convert: delta + add,
            mac: int_add + lns_add,
        }
    }

    /// Energy of a count of operations, in pJ.
    pub fn energy_pj(&self, ops: &OpCounts) -> f64 {
        ops.mac as f64 * self.mac
            + ops.lns_add as f64 * self.lns_add
            + ops.int_add as f64 * self.int_add
            + ops.compare as f64 * self.compare
            + ops.convert as f64 * self.convert
    }
}

/// A multiply-accumulate in f32: multiply 3.7 pJ + add 0.9 pJ.
pub const F32_MAC_PJ: f64 = 3.7 + 0.9;

/// A linear fixed-point MAC with `bits`-bit operands and a `2·bits` accumulator.
pub fn fixed_mac_pj(bits: u32) -> f64 {
    int_mul_pj(bits) + int_add_pj(2 * bits)
}

/// The same operations costed in f32 (every op as the f32 unit doing it: MAC 4.6 pJ,
/// add 0.9, multiply 3.7, compare as an add, conversions as a multiply).
pub fn f32_energy_pj(ops: &OpCounts) -> f64 {
    ops.mac as f64 * F32_MAC_PJ
        + (ops.lns_add + ops.compare) as f64 * 0.9
        + (ops.int_add + ops.convert) as f64 * 3.7
}

/// The same operations costed on a linear fixed-point unit of `bits`-bit operands: MACs
/// as [`fixed_mac_pj`], additions and comparisons as `2·bits`-wide integer adds,
/// multiplications and conversions as `bits`-wide integer multiplies.
pub fn fixed_energy_pj(ops: &OpCounts, bits: u32) -> f64 {
    ops.mac as f64 * fixed_mac_pj(bits)
        + (ops.lns_add + ops.compare) as f64 * int_add_pj(2 * bits)
        + (ops.int_add + ops.convert) as f64 * int_mul_pj(bits)
}

/// Per-MAC comparison of one format against f32 and fixed point of the same width.
#[derive(Debug, Clone, Serialize)]
pub struct MacComparison {
    /// The LNS format.
    pub format: Format,
    /// The Δ strategy.
    pub strategy: DeltaKind,
    /// LNS MAC energy, pJ.
    pub lns_mac_pj: f64,
    /// Fixed-point MAC of the same width, pJ.
    pub fixed_mac_pj: f64,
    /// f32 MAC, pJ.
    pub f32_mac_pj: f64,
}

/// The per-MAC energy of a unit next to f32 and same-width fixed point.
pub fn compare_mac(unit: &Arith) -> MacComparison {
    MacComparison {
        format: unit.format(),
        strategy: unit.delta().kind(),
        lns_mac_pj: UnitEnergy::of(unit).mac,
        fixed_mac_pj: fixed_mac_pj(unit.format().bits()),
        f32_mac_pj: F32_MAC_PJ,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_points_are_reproduced() {
        assert!((int_add_pj(8) - 0.03).abs() < 1e-12);
        assert!((int_add_pj(16) - 0.05).abs() < 1e-12);
        assert!((int_add_pj(32) - 0.1).abs() < 1e-12);
        assert!((int_mul_pj(8) - 0.2).abs() < 1e-12);
        assert!((int_mul_pj(32) - 3.1).abs() < 1e-9);
        assert!((table_read_pj(8192.0, 64) - 10.0).abs() < 1e-12);
    }

    #[test]
    fn cheaper_delta_units_give_cheaper_macs() {
        let mac = |k| UnitEnergy::of(&Arith::new(Format::LNS16, k)).mac;
        assert!(mac(DeltaKind::Shift) < mac(DeltaKind::Pwl));
        assert!(mac(DeltaKind::Pwl) < mac(DeltaKind::Lut));
        assert!(mac(DeltaKind::LutSmall) < mac(DeltaKind::Lut));
        assert!(mac(DeltaKind::Lut) < F32_MAC_PJ);
    }

    #[test]
    fn energy_is_linear_in_the_counts() {
        let e = UnitEnergy::of(&Arith::new(Format::LNS12, DeltaKind::Pwl));
        let ops = OpCounts {
            mac: 10,
            lns_add: 3,
            int_add: 2,
            compare: 1,
            convert: 4,
        };
        let want = 10.0 * e.mac + 3.0 * e.lns_add + 2.0 * e.int_add + e.compare + 4.0 * e.convert;
        assert!((e.energy_pj(&ops) - want).abs() < 1e-12);
    }
}
