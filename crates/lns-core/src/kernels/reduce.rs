//! Reductions along one axis of a `[outer, len, inner]` layout, each output folding
//! its `len` elements in index order (the canonical order).

use rayon::prelude::*;

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
    /// Product (exact integer adds of logs, saturating).
    Prod,
    /// Largest value.
    Max,
    /// Smallest value.
    Min,
}

/// `out[o, i] = fold_k x[o, k, i]` over `k = 0..len` in order; `x` is `[outer, len,
/// inner]` row-major and `out` is `[outer, inner]`. An empty axis gives the identity
/// (0 for sums, 1 for products); max/min of an empty axis is an error.
///
/// # Errors
/// [`LnsError::Shape`] for wrong lengths or max/min over an empty axis.
pub fn reduce_axis<C: CodeStorage>(
    arith: &Arith,
    op: ReduceOp,
    x: &[C],
    outer: usize,
    len: usize,
    inner: usize,
    out: &mut [C],
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
        ReduceOp::Prod => OpCounts {
            int_add: folds,
            ..OpCounts::default()
        },
        ReduceOp::Max | ReduceOp::Min => OpCounts {
            compare: folds,
            ..OpCounts::default()
        },
    });
    let counts = match arith.acc_delta().table() {
        Some(d) => fold(arith, d, op, x, len, inner, out),
        None => fold(arith, arith.acc_delta(), op, x, len, inner, out),
    };
    arith.record(counts);
    Ok(())
}

fn fold<C: CodeStorage>(
    arith: &Arith,
    delta: &impl DeltaFn,
    op: ReduceOp,
    x: &[C],
    len: usize,
    inner: usize,
    out: &mut [C],
) -> Counts {
    let (f, af) = (arith.format(), arith.acc_format());
    let block = |(o, dst): (usize, &mut [C])| -> Counts {
        let mut t = Counts::default();
        let slab = &x[o * len * inner..(o + 1) * len * inner];
        match op {
            ReduceOp::Sum => {
                let mut acc = vec![af.zero(); inner];
                for row in slab.chunks_exact(inner) {
                    for (a, v) in acc.iter_mut().zip(row) {
                        *a = arith::add(af, delta, *a, recode(f, af, v.widen(), &mut t), &mut t);
                    }
                }
                for (d, a) in dst.iter_mut().zip(acc) {
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
    if out.len() * len > 1 << 14 {
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
