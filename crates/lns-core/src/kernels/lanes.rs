//! The branch-free multiply-accumulate of one lane: the scalar reference's
//! `add(acc, mul(a, b))` rewritten with selects so the compiler vectorizes it across
//! independent outputs. Every select mirrors a branch of [`crate::arith`].

use crate::unit::Arith;

/// Lane kernels run only where codes and corrections provably fit i32 without
/// overflow: accumulator formats of at most this many bits, with a materialized table.
pub const MAX_LANE_BITS: u32 = 30;

/// Constants of one MAC configuration, hoisted out of the loops.
#[derive(Debug, Clone, Copy)]
pub struct MacParams {
    /// Zero log of the operand format.
    op_log_zero: i32,
    /// Left shift from operand to accumulator fractional bits.
    shift: u32,
    /// Product logs are clamped into `[plo, phi]` (in operand units) before the shift,
    /// which keeps them in i32 and preserves over/underflow.
    plo: i32,
    phi: i32,
    /// Accumulator format constants.
    log_zero: i32,
    log_min: i32,
    log_max: i32,
    zero: i32,
    /// Highest table index.
    last: u32,
}

impl MacParams {
    /// The constants for `arith`, or `None` when the lane kernels cannot run it.
    pub fn new(arith: &Arith) -> Option<MacParams> {
        let (f, af) = (arith.format(), arith.acc_format());
        let table = arith.acc_delta().table()?;
        if af.bits() > MAX_LANE_BITS {
            return None;
        }
        let shift = af.frac() - f.frac();
        Some(MacParams {
            op_log_zero: f.log_zero(),
            shift,
            plo: (af.log_min() >> shift) - 1,
            phi: (af.log_max() >> shift) + 1,
            log_zero: af.log_zero(),
            log_min: af.log_min(),
            log_max: af.log_max(),
            zero: af.zero(),
            last: table.last(),
        })
    }
}

/// Interleaves Δ+ and Δ− so one gather serves both: entry `2·d + opposite`.
pub fn interleave(arith: &Arith) -> Option<Vec<i32>> {
    let t = arith.acc_delta().table()?;
    Some(
        t.plus_slice()
            .iter()
            .zip(t.minus_slice())
            .flat_map(|(&p, &m)| [p, m])
            .collect(),
    )
}

/// Exceptional events of one lane, summed after the loop.
#[derive(Debug, Clone, Copy, Default)]
pub struct LaneCounts {
    pub saturated: u32,
    pub flushed: u32,
}

/// `acc + a·b` for one lane: `a`, `b` operand codes, `acc` an accumulator code.
///
/// # Safety
/// `tab` must hold `2·(p.last + 1)` entries (built by [`interleave`] for the same unit).
#[inline(always)]
pub unsafe fn mac(p: &MacParams, tab: &[i32], acc: i32, a: i32, b: i32, c: &mut LaneCounts) -> i32 {
    let (la, lb) = (a >> 1, b >> 1);
    // mul, in the accumulator format (operands widen exactly).
    let in_zero = (la == p.op_log_zero) | (lb == p.op_log_zero);
    let raw = (la + lb).clamp(p.plo, p.phi) << p.shift;
    let psign = (a ^ b) & 1;
    let (p_over, p_under) = (raw > p.log_max, raw < p.log_min);
    c.saturated += u32::from(!in_zero & p_over);
    c.flushed += u32::from(!in_zero & p_under);
    let p_zero = in_zero | p_under;
    let pl = raw.min(p.log_max);
    // add(acc, product).
    let (lacc, sacc) = (acc >> 1, acc & 1);
    let acc_zero = lacc == p.log_zero;
    let hi = lacc.max(pl);
    let d = lacc.abs_diff(pl);
    let opposite = (sacc ^ psign) as u32;
    let idx = (d.min(p.last) * 2 + opposite) as usize;
    // SAFETY: idx ≤ 2·last + 1 < tab.len() by the caller's contract.
    let corr = unsafe { *tab.get_unchecked(idx) };
    let big_sign = if lacc >= pl { sacc } else { psign };
    let r = hi + corr;
    let cancel = (opposite == 1) & (d == 0);
    let live = !p_zero & !acc_zero;
    c.saturated += u32::from(live & (r > p.log_max));
    c.flushed += u32::from(live & (r < p.log_min) & !cancel);
    let sum = if cancel | (r < p.log_min) {
        p.zero
    } else {
        (r.min(p.log_max) << 1) | big_sign
    };
    if p_zero {
        acc
    } else if acc_zero {
        (pl << 1) | psign
    } else {
        sum
    }
}

/// An accumulator initialised to zero.
pub fn zero_acc(p: &MacParams) -> i32 {
    p.zero
}
