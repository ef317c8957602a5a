//! Reductions along one axis of a `[outer, len, inner]` layout, each output folding
//! its `len` elements in index order (the canonical order).
//!
//! **Sums on the MAC lanes.** The sum of `x[o, 0..len, i]` in the accumulator format
//! is the canonical dot product of a row of ones with that column: `1·v` is `v` moved
//! to the accumulator's fraction, exactly as the fold's recode moves it, so the GEMM's
//! lane kernels give the fold's codes and events while running 16 or 32 outputs per
//! instruction.

use rayon::prelude::*;

use super::gemm::{MatRef, products};
use super::lanes::MacParams;
use super::{Exec, SimdLevel};
use crate::arith;
use crate::code::CodeStorage;
use crate::convert::recode;
use crate::delta::DeltaFn;
use crate::error::{LnsError, Result};
use crate::tally::{Counts, OpCounts};
use crate::unit::Arith;

/// How to fold an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOp {
    /// Sum in the accumulator format, rounded to the operand format at the end.
    Sum,
    /// Mean: the sum in the accumulator format, divided there by the axis length
    /// ([`arith::div_by_count`] by its [`arith::count_log`] in the accumulator's
    /// fraction), rounded to the operand format once. A wider accumulator thus holds
    /// sums beyond the operand format's range. The mean of an empty axis is 0.
    Mean,
    /// Product (exact integer adds of logs, saturating).
    Prod,
    /// Largest value.
    Max,
    /// Smallest value.
    Min,
}

/// `out[o, i] = fold_k x[o, k, i]` over `k = 0..len` in order; `x` is `[outer, len,
/// inner]` row-major and `out` is `[outer, inner]`. An empty axis gives the identity
/// (0 for sums and means, 1 for products); max/min of an empty axis is an error. Sums
/// and means run on `exec`'s SIMD level (module notes), the other folds as scalar
/// loops; every level and thread count gives the same codes and events.
///
/// # Errors
/// [`LnsError::Shape`] for wrong lengths or max/min over an empty axis.
///
/// # Panics
/// If `exec` names a SIMD level this CPU lacks.
#[allow(clippy::too_many_arguments)]
pub fn reduce_axis<C: CodeStorage>(
    arith: &Arith,
    op: ReduceOp,
    x: &[C],
    outer: usize,
    len: usize,
    inner: usize,
    out: &mut [C],
    exec: Exec,
) -> Result<()> {
    if x.len() != outer * len * inner || out.len() != outer * inner {
        return Err(LnsError::Shape(format!(
            "reduce {op:?}: input {} codes for [{outer}, {len}, {inner}], output {}",
            x.len(),
            out.len()
        )));
    }
    if len == 0 && matches!(op, ReduceOp::Max | ReduceOp::Min) {
        return Err(LnsError::Shape(format!("reduce {op:?} over an empty axis")));
    }
    if out.is_empty() {
        return Ok(());
    }
    let folds = (out.len() * len.saturating_sub(1)) as u64;
    arith.record_ops(match op {
        ReduceOp::Sum => OpCounts {
            lns_add: folds,
            ..OpCounts::default()
        },
        // The count's log (one conversion) and one subtraction per output.
        ReduceOp::Mean => OpCounts {
            lns_add: folds,
            int_add: out.len() as u64,
            convert: 1,
            ..OpCounts::default()
        },
        ReduceOp::Prod => OpCounts {
            int_add: folds,
            ..OpCounts::default()
        },
        ReduceOp::Max | ReduceOp::Min => OpCounts {
            compare: folds,
            ..OpCounts::default()
        },
    });
    let log_n = match op {
        ReduceOp::Mean => arith::count_log(arith.acc_format(), len),
        _ => 0,
    };
    let on_lanes = matches!(op, ReduceOp::Sum | ReduceOp::Mean)
        && len > 1
        && exec.simd != SimdLevel::Scalar
        && MacParams::new(arith).is_some();
    let counts = if on_lanes {
        sum_on_lanes(arith, x, len, inner, out, log_n, exec)
    } else {
        match arith.acc_delta().table() {
            Some(d) => fold(arith, d, op, x, len, inner, out, log_n, exec.parallel),
            None => fold(
                arith,
                arith.acc_delta(),
                op,
                x,
                len,
                inner,
                out,
                log_n,
                exec.parallel,
            ),
        }
    };
    arith.record(counts);
    Ok(())
}

/// Codes of `x` per parallel task of [`sum_on_lanes`], at least.
const TASK_CODES: usize = 1 << 14;

/// [`ReduceOp::Sum`] (and [`ReduceOp::Mean`], whose outputs are divided by the count
/// whose log is `log_n`) as products with a row of ones (module notes), in tasks of
/// about [`TASK_CODES`] input codes run one thread each.
fn sum_on_lanes<C: CodeStorage>(
    arith: &Arith,
    x: &[C],
    len: usize,
    inner: usize,
    out: &mut [C],
    log_n: i64,
    exec: Exec,
) -> Counts {
    let ones = vec![C::narrow(arith.format().one()); len];
    let serial = Exec {
        parallel: false,
        ..exec
    };
    // (first code of the task's input in `x`, its output): a run of rows of `x · ones`
    // where the axis is the last one, else a run of columns of one slab `ones · x[o]`.
    let mut tasks: Vec<(usize, &mut [C])> = Vec::new();
    if inner == 1 {
        let rows = (TASK_CODES / len).max(1);
        tasks.extend(
            out.chunks_mut(rows)
                .enumerate()
                .map(|(t, dst)| (t * rows * len, dst)),
        );
    } else {
        let cols = (TASK_CODES / len).max(1).next_multiple_of(32);
        for (o, slab_out) in out.chunks_mut(inner).enumerate() {
            tasks.extend(
                slab_out
                    .chunks_mut(cols)
                    .enumerate()
                    .map(|(c, dst)| (o * len * inner + c * cols, dst)),
            );
        }
    }
    let task = |(start, dst): (usize, &mut [C])| -> Counts {
        let n = dst.len();
        if inner == 1 {
            let a = MatRef::row_major(&x[start..start + n * len], n, len);
            products(
                arith,
                a,
                MatRef::row_major(&ones, len, 1),
                dst,
                log_n,
                serial,
            )
        } else {
            let b = MatRef {
                data: &x[start..],
                rows: len,
                cols: n,
                row_stride: inner,
                col_stride: 1,
            };
            products(
                arith,
                MatRef::row_major(&ones, 1, len),
                b,
                dst,
                log_n,
                serial,
            )
        }
    };
    let sum = |mut a: Counts, b: Counts| {
        a += b;
        a
    };
    if exec.parallel && tasks.len() > 1 {
        tasks.into_par_iter().map(task).reduce(Counts::default, sum)
    } else {
        tasks.into_iter().map(task).fold(Counts::default(), sum)
    }
}

/// The scalar fold of every output, split over rayon's threads when `parallel` and
/// the input is large; means divide by the count whose log is `log_n`.
#[allow(clippy::too_many_arguments)]
fn fold<C: CodeStorage>(
    arith: &Arith,
    delta: &impl DeltaFn,
    op: ReduceOp,
    x: &[C],
    len: usize,
    inner: usize,
    out: &mut [C],
    log_n: i64,
    parallel: bool,
) -> Counts {
    let (f, af) = (arith.format(), arith.acc_format());
    let block = |(o, dst): (usize, &mut [C])| -> Counts {
        let mut t = Counts::default();
        let slab = &x[o * len * inner..(o + 1) * len * inner];
        match op {
            ReduceOp::Sum | ReduceOp::Mean => {
                let mut acc = vec![af.zero(); inner];
                for row in slab.chunks_exact(inner) {
                    for (a, v) in acc.iter_mut().zip(row) {
                        *a = arith::add(af, delta, *a, recode(f, af, v.widen(), &mut t), &mut t);
                    }
                }
                for (d, a) in dst.iter_mut().zip(acc) {
                    let a = if log_n != 0 {
                        arith::div_by_count(af, a, log_n, &mut t)
                    } else {
                        a
                    };
                    *d = C::narrow(recode(af, f, a, &mut t));
                }
            }
            ReduceOp::Prod | ReduceOp::Max | ReduceOp::Min => {
                let mut acc: Vec<i32> = match op {
                    ReduceOp::Prod => vec![f.one(); inner],
                    _ => slab[..inner].iter().map(|c| c.widen()).collect(),
                };
                let skip = usize::from(op != ReduceOp::Prod);
                for row in slab.chunks_exact(inner).skip(skip) {
                    for (a, v) in acc.iter_mut().zip(row) {
                        let v = v.widen();
                        *a = match op {
                            ReduceOp::Prod => arith::mul(f, *a, v, &mut t),
                            ReduceOp::Max => arith::max(f, *a, v),
                            _ => arith::min(f, *a, v),
                        };
                    }
                }
                for (d, a) in dst.iter_mut().zip(acc) {
                    *d = C::narrow(a);
                }
            }
        }
        t
    };
    let sum = |mut a: Counts, b: Counts| {
        a += b;
        a
    };
    if parallel && out.len() * len > TASK_CODES {
        out.par_chunks_mut(inner)
            .enumerate()
            .map(block)
            .reduce(Counts::default, sum)
    } else {
        out.chunks_mut(inner)
            .enumerate()
            .map(block)
            .fold(Counts::default(), sum)
    }
}
