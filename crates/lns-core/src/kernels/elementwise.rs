//! Elementwise kernels: each output depends on one element of each input, so any
//! split across threads or lanes is bit-identical to the scalar loop.
//!
//! Sums and differences run on the GEMM's MAC lane where they can: `a ± b` is one
//! step of [`mac`] with the accumulator holding `a` and the left operand ±1, and the
//! product `±1·b` is exact (its log is `b`'s, no event), so the lane's selects — the
//! branches of [`arith::add`] written for vectorization, checked bit for bit against
//! the scalar reference by the GEMM's tests — give the same code and the same counts.
//! This needs a table and an accumulator in the operand format (so that `mac` adds
//! with the operands' Δ); other units, [`SimdLevel::Scalar`] and tails shorter than
//! the lanes take the scalar loop. Codes of at most 16 bits take the GEMM's i16 engine
//! instead: at [`SimdLevel::Avx512`] 32 at a time (one full step of `avx512_wide` per
//! group, Δ from permutes or gathers as in the GEMM), at [`SimdLevel::Avx2`] 16 at a
//! time (one full step of `avx2_narrow`, Δ from byte shuffles or read lane by lane).
//! Products of
//! 8- and 16-bit codes at the lane levels run as one branch-free loop per level
//! ([`products`]).

use rayon::prelude::*;

use super::lanes::{LANES, LaneCounts, MacParams, interleave, mac};
use super::products::{products, products_run};
use super::{Exec, SimdLevel};
use crate::arith;
use crate::code::CodeStorage;
use crate::delta::DeltaFn;
use crate::error::{LnsError, Result};
use crate::format::Format;
use crate::tally::{Counts, OpCounts, Tally};
use crate::unit::Arith;

/// Elements per parallel task.
const CHUNK: usize = 1 << 14;

/// A binary arithmetic operation on two codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a + b` via Δ±.
    Add,
    /// `a − b` via Δ±.
    Sub,
    /// `a · b`, an integer add.
    Mul,
    /// `a / b`, an integer subtract.
    Div,
    /// The larger value.
    Max,
    /// The smaller value.
    Min,
}

impl BinaryOp {
    /// The hardware operations of `n` applications.
    pub fn ops(self, n: usize) -> OpCounts {
        let n = n as u64;
        match self {
            BinaryOp::Add | BinaryOp::Sub => OpCounts {
                lns_add: n,
                ..OpCounts::default()
            },
            BinaryOp::Mul | BinaryOp::Div => OpCounts {
                int_add: n,
                ..OpCounts::default()
            },
            BinaryOp::Max | BinaryOp::Min => OpCounts {
                compare: n,
                ..OpCounts::default()
            },
        }
    }

    #[inline(always)]
    fn apply(self, fmt: Format, delta: &impl DeltaFn, a: i32, b: i32, t: &mut impl Tally) -> i32 {
        match self {
            BinaryOp::Add => arith::add(fmt, delta, a, b, t),
            BinaryOp::Sub => arith::sub(fmt, delta, a, b, t),
            BinaryOp::Mul => arith::mul(fmt, a, b, t),
            BinaryOp::Div => arith::div(fmt, a, b, t),
            BinaryOp::Max => arith::max(fmt, a, b),
            BinaryOp::Min => arith::min(fmt, a, b),
        }
    }
}

/// A unary operation that is exact (or a single rounding) in the log domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `−a`.
    Neg,
    /// `|a|`.
    Abs,
    /// `√a` (L/2, ties to even).
    Sqrt,
    /// `1/a`.
    Recip,
    /// `a^n` for an integer n.
    Powi(i32),
}

impl UnaryOp {
    /// The hardware operations of `n` applications (sign changes are free).
    pub fn ops(self, n: usize) -> OpCounts {
        match self {
            UnaryOp::Neg | UnaryOp::Abs => OpCounts::default(),
            UnaryOp::Sqrt | UnaryOp::Recip | UnaryOp::Powi(_) => OpCounts {
                int_add: n as u64,
                ..OpCounts::default()
            },
        }
    }

    #[inline(always)]
    fn apply(self, fmt: Format, a: i32, t: &mut impl Tally) -> i32 {
        match self {
            UnaryOp::Neg => arith::neg(fmt, a),
            UnaryOp::Abs => arith::canonical(fmt, arith::abs(a)),
            UnaryOp::Sqrt => arith::sqrt(fmt, a, t),
            UnaryOp::Recip => arith::recip(fmt, a, t),
            UnaryOp::Powi(n) => arith::powi(fmt, a, n, t),
        }
    }
}

fn run_chunks<C: CodeStorage>(
    arith: &Arith,
    out: &mut [C],
    parallel: bool,
    body: impl Fn(usize, &mut [C], &mut Counts) + Sync,
) {
    let counts = if parallel && out.len() > CHUNK {
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(i, dst)| {
                let mut t = Counts::default();
                body(i * CHUNK, dst, &mut t);
                t
            })
            .reduce(Counts::default, |mut x, y| {
                x += y;
                x
            })
    } else {
        let mut t = Counts::default();
        body(0, out, &mut t);
        t
    };
    arith.record(counts);
}

/// `out[i] = a[i] op b[i]`, at `exec`'s SIMD level (sums and differences; see the
/// module notes) and over rayon's threads where `exec.parallel`.
///
/// # Errors
/// [`LnsError::Shape`] if the three lengths differ.
///
/// # Panics
/// If `exec.simd` is a level this CPU does not have.
pub fn binary<C: CodeStorage>(
    arith: &Arith,
    op: BinaryOp,
    a: &[C],
    b: &[C],
    out: &mut [C],
    exec: Exec,
) -> Result<()> {
    if a.len() != b.len() || a.len() != out.len() {
        return Err(LnsError::Shape(format!(
            "{op:?}: lengths {}, {} and output {}",
            a.len(),
            b.len(),
            out.len()
        )));
    }
    apply_binary(arith, op, a, Rhs::Codes(b), out, exec);
    Ok(())
}

/// The right operand of an elementwise operation.
#[derive(Clone, Copy)]
enum Rhs<'a, C> {
    /// One code per element.
    Codes(&'a [C]),
    /// One code for every element.
    Scalar(i32),
}

impl<C: CodeStorage> Rhs<'_, C> {
    #[inline(always)]
    fn at(&self, i: usize) -> i32 {
        match self {
            Rhs::Codes(b) => b[i].widen(),
            Rhs::Scalar(s) => *s,
        }
    }
}

/// `out[i] = a[i] op rhs[i]`: on the MAC lane where it applies, else with Δ dispatched
/// once (table or strategy).
fn apply_binary<C: CodeStorage>(
    arith: &Arith,
    op: BinaryOp,
    a: &[C],
    rhs: Rhs<'_, C>,
    out: &mut [C],
    exec: Exec,
) {
    arith.record_ops(op.ops(out.len()));
    if let Some(lane) = LaneAdd::new::<C>(arith, op, exec.simd) {
        let fmt = arith.format();
        run_chunks(arith, out, exec.parallel, |s, dst, t| {
            let a = &a[s..s + dst.len()];
            let rhs = match rhs {
                Rhs::Codes(b) => Rhs::Codes(&b[s..s + dst.len()]),
                scalar => scalar,
            };
            let wide = lane.run_wide(a, rhs, dst, t);
            let whole = wide + (dst.len() - wide) / LANES * LANES;
            lane.run(
                &a[wide..whole],
                |i| rhs.at(wide + i),
                &mut dst[wide..whole],
                t,
            );
            for (i, o) in dst.iter_mut().enumerate().skip(whole) {
                *o = C::narrow(op.apply(fmt, lane.table, a[i].widen(), rhs.at(i), t));
            }
        });
        return;
    }
    if op == BinaryOp::Mul && products_run::<C>(exec.simd) {
        let fmt = arith.format();
        run_chunks(arith, out, exec.parallel, |s, dst, t| {
            let a = &a[s..s + dst.len()];
            match rhs {
                Rhs::Codes(b) => products(fmt, exec.simd, a, |i| b[s + i].widen(), dst, t),
                Rhs::Scalar(y) => products(fmt, exec.simd, a, |_| y, dst, t),
            }
        });
        return;
    }
    match (arith.delta().table(), rhs) {
        (Some(d), Rhs::Codes(b)) => {
            apply_binary_with(arith, d, op, a, |i| b[i].widen(), out, exec.parallel)
        }
        (Some(d), Rhs::Scalar(s)) => apply_binary_with(arith, d, op, a, |_| s, out, exec.parallel),
        (None, Rhs::Codes(b)) => {
            let delta = arith.delta();
            apply_binary_with(arith, delta, op, a, |i| b[i].widen(), out, exec.parallel)
        }
        (None, Rhs::Scalar(s)) => {
            apply_binary_with(arith, arith.delta(), op, a, |_| s, out, exec.parallel)
        }
    }
}

fn apply_binary_with<C: CodeStorage>(
    arith: &Arith,
    delta: &impl DeltaFn,
    op: BinaryOp,
    a: &[C],
    rhs: impl Fn(usize) -> i32 + Sync,
    out: &mut [C],
    parallel: bool,
) {
    let fmt = arith.format();
    run_chunks(arith, out, parallel, |s, dst, t| {
        for (i, o) in dst.iter_mut().enumerate() {
            *o = C::narrow(op.apply(fmt, delta, a[s + i].widen(), rhs(s + i), t));
        }
    });
}

/// Sums and differences on the MAC lane (module notes).
struct LaneAdd<'a> {
    p: MacParams,
    /// Δ± interleaved for [`mac`] (scale 0).
    tab: &'a [i32],
    /// The materialized Δ, for the scalar tail.
    table: &'a crate::delta::DeltaTable,
    /// The code of the left operand: +1 for sums, −1 for differences.
    left: i32,
    level: SimdLevel,
    /// The i16 engine for the codes `new` was made for, at [`SimdLevel::Avx512`] or
    /// [`SimdLevel::Avx2`].
    #[cfg(target_arch = "x86_64")]
    wide: Option<I16Sums<'a>>,
}

/// The GEMM's i16 engine set up for elementwise sums.
#[cfg(target_arch = "x86_64")]
enum I16Sums<'a> {
    /// 32 lanes in AVX-512 registers.
    Avx512(super::avx512_wide::WideSums<'a>),
    /// 16 lanes in AVX2 registers.
    Avx2(super::avx2_narrow::NarrowSums<'a>),
}

impl<'a> LaneAdd<'a> {
    /// The lane for `op` on `arith` at `level` for codes stored as `C` (the type that
    /// [`LaneAdd::run_wide`] must then be given), or `None` where the scalar loop runs.
    fn new<C: CodeStorage>(
        arith: &'a Arith,
        op: BinaryOp,
        level: SimdLevel,
    ) -> Option<LaneAdd<'a>> {
        let one = arith.format().one();
        let left = match op {
            BinaryOp::Add => one,
            BinaryOp::Sub => one | 1,
            _ => return None,
        };
        if level == SimdLevel::Scalar || arith.acc_format() != arith.format() {
            return None;
        }
        assert!(
            level.is_available(),
            "{level:?} requested on a CPU without it"
        );
        let p = MacParams::new(arith)?;
        Some(LaneAdd {
            #[cfg(target_arch = "x86_64")]
            wide: match level {
                SimdLevel::Avx512 => {
                    super::avx512_wide::WideSums::new::<C>(arith, &p).map(I16Sums::Avx512)
                }
                SimdLevel::Avx2 => {
                    super::avx2_narrow::NarrowSums::new::<C>(arith, &p).map(I16Sums::Avx2)
                }
                _ => None,
            },
            p,
            tab: interleave(arith, 0)?,
            table: arith.delta().table()?,
            left,
            level,
        })
    }

    /// `out[i] = a[i] ± rhs[i]` for the whole groups of the engine's lanes (32 codes
    /// at AVX-512, 16 at AVX2) of `out` on the i16 engine of the GEMM (codes of at
    /// most 16 bits; see `avx512_wide::WideSums`, `avx2_narrow::NarrowSums`); returns
    /// how many leading elements it wrote (0 where the engine does not apply).
    #[cfg(target_arch = "x86_64")]
    fn run_wide<C: CodeStorage>(
        &self,
        a: &[C],
        rhs: Rhs<'_, C>,
        out: &mut [C],
        t: &mut Counts,
    ) -> usize {
        use super::avx512_wide::WIDE_LANES;
        let Some(wide) = &self.wide else {
            return 0;
        };
        let lanes = match wide {
            I16Sums::Avx512(_) => WIDE_LANES,
            I16Sums::Avx2(_) => LANES,
        };
        // Enough for either engine's group.
        let broadcast: [C; WIDE_LANES];
        let (b, b_step) = match rhs {
            Rhs::Codes(b) => (b, lanes),
            Rhs::Scalar(s) => {
                broadcast = [C::narrow(s); WIDE_LANES];
                (&broadcast[..], 0)
            }
        };
        let job = super::lanes::SumJob::new(self.left, a, b, b_step, out, lanes);
        let written = job.out.len();
        // SAFETY: the CPU has the engine's level (asserted in `new`, which made `wide`
        // for `C` and `p`).
        let (saturated, flushed) = unsafe {
            match wide {
                I16Sums::Avx512(sums) => sums.run(&self.p, job),
                I16Sums::Avx2(sums) => sums.run(&self.p, job),
            }
        };
        t.saturated += saturated;
        t.flushed += flushed;
        written
    }

    /// Elsewhere the i16 engine does not exist: nothing written.
    #[cfg(not(target_arch = "x86_64"))]
    fn run_wide<C: CodeStorage>(
        &self,
        _: &[C],
        _: Rhs<'_, C>,
        _: &mut [C],
        _: &mut Counts,
    ) -> usize {
        0
    }

    /// `out[i] = a[i] ± rhs(i)` for whole groups of [`LANES`].
    fn run<C: CodeStorage>(
        &self,
        a: &[C],
        rhs: impl Fn(usize) -> i32,
        out: &mut [C],
        t: &mut Counts,
    ) {
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has the level (asserted in `new`).
            SimdLevel::Avx512 => unsafe { self.run_avx512(a, rhs, out, t) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx2 => unsafe { self.run_avx2(a, rhs, out, t) },
            _ => self.run_lanes(a, rhs, out, t),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx2")]
    unsafe fn run_avx512<C: CodeStorage>(
        &self,
        a: &[C],
        rhs: impl Fn(usize) -> i32,
        out: &mut [C],
        t: &mut Counts,
    ) {
        self.run_lanes(a, rhs, out, t)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_avx2<C: CodeStorage>(
        &self,
        a: &[C],
        rhs: impl Fn(usize) -> i32,
        out: &mut [C],
        t: &mut Counts,
    ) {
        self.run_lanes(a, rhs, out, t)
    }

    #[inline(always)]
    fn run_lanes<C: CodeStorage>(
        &self,
        a: &[C],
        rhs: impl Fn(usize) -> i32,
        out: &mut [C],
        t: &mut Counts,
    ) {
        let mut counts = LaneCounts::<LANES>::default();
        for (g, (dst, src)) in out
            .chunks_exact_mut(LANES)
            .zip(a.chunks_exact(LANES))
            .enumerate()
        {
            let mut acc: [i32; LANES] = std::array::from_fn(|l| src[l].widen());
            let b: [C; LANES] = std::array::from_fn(|l| C::narrow(rhs(g * LANES + l)));
            // SAFETY: `tab` was interleaved with scale 0 for this unit, as `mac` needs.
            unsafe { mac(&self.p, self.tab, &mut acc, self.left, &b, &mut counts) };
            for (d, v) in dst.iter_mut().zip(acc) {
                *d = C::narrow(v);
            }
        }
        t.saturated += counts.saturated.iter().map(|&c| u64::from(c)).sum::<u64>();
        t.flushed += counts.flushed.iter().map(|&c| u64::from(c)).sum::<u64>();
    }
}

/// `out[i] = a[i] op s` for one code `s`, run as [`binary`].
///
/// # Errors
/// [`LnsError::Shape`] if the lengths differ.
///
/// # Panics
/// If `exec.simd` is a level this CPU does not have.
pub fn binary_scalar<C: CodeStorage>(
    arith: &Arith,
    op: BinaryOp,
    a: &[C],
    s: i32,
    out: &mut [C],
    exec: Exec,
) -> Result<()> {
    if a.len() != out.len() {
        return Err(LnsError::Shape(format!(
            "{op:?}: length {} and output {}",
            a.len(),
            out.len()
        )));
    }
    apply_binary(arith, op, a, Rhs::Scalar(s), out, exec);
    Ok(())
}

/// `out[i] = op(a[i])`.
///
/// # Errors
/// [`LnsError::Shape`] if the lengths differ.
pub fn unary<C: CodeStorage>(arith: &Arith, op: UnaryOp, a: &[C], out: &mut [C]) -> Result<()> {
    if a.len() != out.len() {
        return Err(LnsError::Shape(format!(
            "{op:?}: length {} and output {}",
            a.len(),
            out.len()
        )));
    }
    arith.record_ops(op.ops(out.len()));
    let fmt = arith.format();
    run_chunks(arith, out, true, |st, dst, t| {
        for (i, o) in dst.iter_mut().enumerate() {
            *o = C::narrow(op.apply(fmt, a[st + i].widen(), t));
        }
    });
    Ok(())
}
