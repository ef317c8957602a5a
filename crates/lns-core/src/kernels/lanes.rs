//! The branch-free multiply-accumulate of one lane: the scalar reference's
//! `add(acc, mul(a, b))` rewritten with selects so the compiler vectorizes it across
//! independent outputs. Every select mirrors a branch of [`crate::arith`].

use crate::code::CodeStorage;
use crate::unit::Arith;

/// Lane kernels run only where codes and corrections provably fit i32 without
/// overflow: accumulator formats of at most this many bits, with a materialized table.
pub const MAX_LANE_BITS: u32 = 30;

/// Constants of one MAC configuration, hoisted out of the loops.
#[derive(Debug, Clone, Copy)]
pub struct MacParams {
    /// Zero log of the operand format.
    pub(crate) op_log_zero: i32,
    /// Left shift from operand to accumulator fractional bits.
    pub(crate) shift: u32,
    /// Product logs are clamped into `[plo, phi]` (in operand units) before the shift,
    /// which keeps them in i32 and preserves over/underflow.
    pub(crate) plo: i32,
    pub(crate) phi: i32,
    /// Accumulator format constants.
    pub(crate) frac: u32,
    pub(crate) log_zero: i32,
    pub(crate) log_min: i32,
    pub(crate) log_max: i32,
    pub(crate) zero: i32,
    /// Highest table index.
    pub(crate) last: u32,
    /// The table is a step function of `d >> step_drop` ([`crate::delta::DeltaTable::step_drop`])
    /// whose last bucket is `last_step`.
    pub(crate) step_drop: u32,
    pub(crate) last_step: u32,
    /// Accumulator codes `2·log_min` and `2·log_max + 1`: a code below the first is
    /// zero or underflowed, a code above the second overflowed.
    pub(crate) min_code: i32,
    pub(crate) max_code: i32,
    /// Operand codes below this one are zero.
    pub(crate) op_min_code: i32,
    /// [`crate::delta::DeltaTable::rise`]: no sum exceeds its larger term by more.
    pub(crate) rise: i32,
    /// Whether the code-domain shortcuts of the AVX-512 engine stay within i32: the
    /// product code `((a & !1) + (b & !1)) << shift` of any two operand codes, the log
    /// difference with any accumulator and the sum with any doubled correction.
    pub(crate) code_domain: bool,
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
        // Bounds in i64 of every intermediate of the code-domain MAC.
        let op_log = i64::from(f.log_zero().unsigned_abs().max(f.log_max().unsigned_abs()));
        let product_code = (2 * op_log + 1) << (shift + 1);
        let acc_log = i64::from(
            af.log_zero()
                .unsigned_abs()
                .max(af.log_max().unsigned_abs()),
        );
        let corr = i64::from(table.largest());
        let fits = |x: i64| x < i64::from(i32::MAX);
        let code_domain = fits(product_code)
            && fits(acc_log + product_code / 2)
            && fits(product_code.max(2 * acc_log + 1) + 2 * corr);
        Some(MacParams {
            op_log_zero: f.log_zero(),
            shift,
            plo: (af.log_min() >> shift) - 1,
            phi: (af.log_max() >> shift) + 1,
            frac: af.frac(),
            log_zero: af.log_zero(),
            log_min: af.log_min(),
            log_max: af.log_max(),
            zero: af.zero(),
            last: table.last(),
            step_drop: table.step_drop(),
            last_step: table.step_buckets() - 1,
            min_code: 2 * af.log_min(),
            max_code: 2 * af.log_max() + 1,
            op_min_code: 2 * f.log_min(),
            rise: table.rise(),
            code_domain,
        })
    }
}

/// Δ+ and Δ− of the unit's accumulator interleaved so one gather serves both: entry
/// `2·d + opposite` holds the correction shifted left by `scale` (0 or 1); see
/// [`crate::delta::DeltaTable::interleaved`].
pub fn interleave(arith: &Arith, scale: u32) -> Option<&[i32]> {
    Some(arith.acc_delta().table()?.interleaved(scale))
}

/// Buckets per correction that fit the two-register table of [`interleave_steps`].
pub const STEP_BUCKETS: u32 = 16;

/// Whether [`interleave_steps`] can hold the unit's table.
pub fn fits_steps(p: &MacParams) -> bool {
    p.last_step < STEP_BUCKETS
}

/// The table of a step-function Δ (a coarse `lut-small` table) with one entry per
/// bucket instead of per code difference, interleaved and shifted like [`interleave`]:
/// entry `2·i + opposite` holds the correction of bucket `i = min(d, last) >> step_drop`,
/// padded with zeros to `2·STEP_BUCKETS` entries (two AVX-512 registers, read with one
/// permute instead of a gather). `None` where the table does not fit.
pub fn interleave_steps(arith: &Arith, p: &MacParams, scale: u32) -> Option<Vec<i32>> {
    let t = arith.acc_delta().table()?;
    if !fits_steps(p) {
        return None;
    }
    let mut out = vec![0; 2 * STEP_BUCKETS as usize];
    for (pair, (plus, minus)) in out.chunks_exact_mut(2).zip(t.bucket_corrections()) {
        pair[0] = plus << scale;
        pair[1] = minus << scale;
    }
    Some(out)
}

/// The operands of an elementwise sum `out[i] = a[i] + left·b[i]` on an i16 engine
/// (`avx512_wide::WideSums`, `avx2_narrow::NarrowSums`): `left` is the code of +1 or
/// −1, `b` advances by `b_step` codes per group of lanes (0: one group repeated), and
/// `out` holds only the whole groups.
#[cfg(target_arch = "x86_64")]
pub(super) struct SumJob<'a, C> {
    pub(super) left: i32,
    pub(super) a: &'a [C],
    pub(super) b: &'a [C],
    pub(super) b_step: usize,
    pub(super) out: &'a mut [C],
}

#[cfg(target_arch = "x86_64")]
impl<'a, C> SumJob<'a, C> {
    /// The job on the whole groups of `lanes` codes of `out`.
    ///
    /// # Panics
    /// If `a` or `b` is shorter than those groups need (a broken invariant of the
    /// caller, which splits its operands with `out`).
    pub(super) fn new(
        left: i32,
        a: &'a [C],
        b: &'a [C],
        b_step: usize,
        out: &'a mut [C],
        lanes: usize,
    ) -> SumJob<'a, C> {
        let groups = out.len() / lanes;
        assert!(
            groups == 0 || (a.len() >= groups * lanes && b.len() >= (groups - 1) * b_step + lanes),
            "elementwise sums: operands shorter than the output"
        );
        SumJob {
            left,
            a,
            b,
            b_step,
            out: &mut out[..groups * lanes],
        }
    }
}

/// Exceptional events per lane, summed after the loop.
#[derive(Debug, Clone, Copy)]
pub struct LaneCounts<const W: usize> {
    pub saturated: [u32; W],
    pub flushed: [u32; W],
}

impl<const W: usize> Default for LaneCounts<W> {
    fn default() -> Self {
        LaneCounts {
            saturated: [0; W],
            flushed: [0; W],
        }
    }
}

/// `acc[l] ← acc[l] + a·b[l]` for every lane `l`: `a`, `b` operand codes, `acc`
/// accumulator codes. Written as one straight-line body per lane (selects, no
/// branches) so that the compiler turns the lane loop into vector code with a gather.
///
/// # Safety
/// `tab` must hold `2·(p.last + 1)` entries (built by [`interleave`] with scale 0 for
/// the same unit).
#[inline(always)]
pub unsafe fn mac<const W: usize, C: CodeStorage>(
    p: &MacParams,
    tab: &[i32],
    acc: &mut [i32; W],
    a: i32,
    b: &[C; W],
    c: &mut LaneCounts<W>,
) {
    let la = a >> 1;
    if la == p.op_log_zero {
        // A zero left operand makes every product zero: acc + 0 = acc, no events.
        return;
    }
    for l in 0..W {
        let bl = b[l].widen();
        let lb = bl >> 1;
        // mul, in the accumulator format (operands widen exactly).
        let in_zero = lb == p.op_log_zero;
        let raw = (la + lb).clamp(p.plo, p.phi) << p.shift;
        let psign = (a ^ bl) & 1;
        let (p_over, p_under) = (raw > p.log_max, raw < p.log_min);
        c.saturated[l] += u32::from(!in_zero & p_over);
        c.flushed[l] += u32::from(!in_zero & p_under);
        let p_zero = in_zero | p_under;
        let pl = raw.min(p.log_max);
        // add(acc, product).
        let (lacc, sacc) = (acc[l] >> 1, acc[l] & 1);
        let acc_zero = lacc == p.log_zero;
        let hi = lacc.max(pl);
        let d = (lacc - pl).unsigned_abs();
        let opposite = (sacc ^ psign) as u32;
        let idx = (d.min(p.last) * 2 + opposite) as usize;
        // SAFETY: idx ≤ 2·last + 1 < tab.len() by the caller's contract.
        let corr = unsafe { *tab.get_unchecked(idx) };
        let big_sign = if lacc >= pl { sacc } else { psign };
        let r = hi + corr;
        let cancel = (opposite == 1) & (d == 0);
        let live = !p_zero & !acc_zero;
        c.saturated[l] += u32::from(live & (r > p.log_max));
        c.flushed[l] += u32::from(live & (r < p.log_min) & !cancel);
        let sum = if cancel | (r < p.log_min) {
            p.zero
        } else {
            (r.min(p.log_max) << 1) | big_sign
        };
        acc[l] = if p_zero {
            acc[l]
        } else if acc_zero {
            (pl << 1) | psign
        } else {
            sum
        };
    }
}

/// A set of `LANES` accumulators and their event counters, advanced one MAC at a time.
/// Implementations differ only in how they hold the lanes; each must reproduce
/// [`mac`] exactly.
pub trait LaneEngine {
    /// Accumulator codes of all lanes.
    type Acc: Copy;
    /// Saturation and flush counters of all lanes.
    type Counters: Copy;
    /// What every row's step needs of one row of B beyond its codes, prepared once.
    type B: Copy;
    /// All lanes zero, counters zero.
    fn start(p: &MacParams) -> (Self::Acc, Self::Counters);
    /// Scale of the correction table the engine reads (see [`interleave`]).
    const TABLE_SCALE: u32;
    /// Prepares one row of B for the steps of every row of A.
    ///
    /// # Safety
    /// The CPU supports the engine's instructions.
    unsafe fn load<C: CodeStorage>(p: &MacParams, b: &[C; LANES]) -> Self::B;
    /// `acc[l] ← acc[l] + a·b[l]` for every lane: `codes` is the row of B, `b` what
    /// [`Self::load`] prepared of it.
    ///
    /// # Safety
    /// `tab` as in [`mac`] with scale [`Self::TABLE_SCALE`]; the CPU supports the
    /// engine's instructions.
    unsafe fn step<C: CodeStorage>(
        p: &MacParams,
        tab: &[i32],
        acc: &mut Self::Acc,
        a: i32,
        codes: &[C; LANES],
        b: &Self::B,
        c: &mut Self::Counters,
    );
    /// The accumulator codes and the summed counters `(saturated, flushed)` per lane.
    fn finish(acc: Self::Acc, c: Self::Counters) -> ([i32; LANES], LaneCounts<LANES>);
}

/// Lanes per engine step (one AVX-512 register of i32).
pub const LANES: usize = 16;

/// The portable engine: plain arrays, vectorized by the compiler where it can.
pub struct PortableLanes;

impl LaneEngine for PortableLanes {
    type Acc = [i32; LANES];
    type Counters = LaneCounts<LANES>;
    /// Nothing: the lanes read the stored codes (which keeps them loads from memory that
    /// the compiler vectorizes).
    type B = ();
    const TABLE_SCALE: u32 = 0;
    fn start(p: &MacParams) -> (Self::Acc, Self::Counters) {
        ([p.zero; LANES], LaneCounts::default())
    }
    #[inline(always)]
    unsafe fn load<C: CodeStorage>(_: &MacParams, _: &[C; LANES]) -> Self::B {}
    #[inline(always)]
    unsafe fn step<C: CodeStorage>(
        p: &MacParams,
        tab: &[i32],
        acc: &mut Self::Acc,
        a: i32,
        codes: &[C; LANES],
        _: &Self::B,
        c: &mut Self::Counters,
    ) {
        // SAFETY: forwarded contract.
        unsafe { mac(p, tab, acc, a, codes, c) }
    }
    fn finish(acc: Self::Acc, c: Self::Counters) -> ([i32; LANES], LaneCounts<LANES>) {
        (acc, c)
    }
}
