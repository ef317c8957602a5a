//! Scatter-style updates that combine values (add, mul, min, max).
//!
//! Updates are applied in the row-major order of the update tensor. Additions run in
//! the accumulator format (the target is widened exactly, every update added once, and
//! each target rounded once at the end), so untouched elements keep their codes.

use burn_backend::TensorMetadata;
use burn_backend::tensor::IndexingUpdateOp;
use lns_core::Counts;
use lns_core::arith;
use lns_core::convert::recode;

use super::{split_at_dim, to_device};
use crate::tensor::LnsTensor;

/// How an update meets the current value.
fn combine(
    t: &LnsTensor,
    op: IndexingUpdateOp,
    current: i32,
    update: i32,
    cnt: &mut Counts,
) -> i32 {
    let arith = t.device.arith();
    let af = arith.acc_format();
    match op {
        IndexingUpdateOp::Assign => update,
        IndexingUpdateOp::Add => arith::add(af, arith.acc_delta(), current, update, cnt),
        IndexingUpdateOp::Mul => arith::mul(af, current, update, cnt),
        IndexingUpdateOp::Min => arith::min(af, current, update),
        IndexingUpdateOp::Max => arith::max(af, current, update),
    }
}

/// Runs `updates` (target index, value code) over `t` in order, in the accumulator
/// format.
fn apply(
    t: &LnsTensor,
    op: IndexingUpdateOp,
    updates: impl Iterator<Item = (usize, i32)>,
) -> LnsTensor {
    let arith = t.device.arith().clone();
    let (f, af) = (arith.format(), arith.acc_format());
    let mut cnt = Counts::default();
    let mut acc: Vec<i32> = t
        .codes()
        .into_iter()
        .map(|c| recode(f, af, c, &mut cnt))
        .collect();
    for (i, v) in updates {
        let v = recode(f, af, v, &mut cnt);
        acc[i] = combine(t, op, acc[i], v, &mut cnt);
    }
    let out: Vec<i32> = acc
        .into_iter()
        .map(|a| recode(af, f, a, &mut cnt))
        .collect();
    arith.record(cnt);
    LnsTensor::from_codes_i32(out, t.shape(), t.device.clone(), t.dtype)
}

fn wrap(i: i64, size: usize, what: &str) -> usize {
    let j = if i < 0 { i + size as i64 } else { i };
    assert!(
        j >= 0 && (j as usize) < size,
        "{what}: index {i} out of bounds for a dimension of size {size}"
    );
    j as usize
}

/// `out[…, idx[p], …] += value[p]` along `dim`, `idx` and `value` of equal shape.
pub(crate) fn scatter_add(
    dim: usize,
    t: LnsTensor,
    indices: &[i64],
    value: LnsTensor,
) -> LnsTensor {
    let value = to_device(value, &t.device);
    let ts = t.shape();
    let vs = value.shape();
    let (_, vlen, vinner) = split_at_dim(&vs, dim);
    let (_, tlen, tinner) = split_at_dim(&ts, dim);
    let vcodes = value.codes();
    let rank = vs.num_dims();
    let updates = (0..vcodes.len()).map(|p| {
        // Decompose p in value's shape, re-address in the target's.
        let inner_idx = p % vinner;
        let outer = p / (vinner * vlen);
        let target_k = wrap(indices[p], tlen, "scatter_add");
        // inner coordinates may differ in extent between value and target.
        let mut rem = inner_idx;
        let mut t_inner = 0;
        let mut mul = 1;
        for d in (dim + 1..rank).rev() {
            let c = rem % vs[d];
            rem /= vs[d];
            t_inner += c * mul;
            mul *= ts[d];
        }
        let mut rem = outer;
        let mut t_outer = 0;
        let mut mul = 1;
        for d in (0..dim).rev() {
            let c = rem % vs[d];
            rem /= vs[d];
            t_outer += c * mul;
            mul *= ts[d];
        }
        ((t_outer * tlen + target_k) * tinner + t_inner, vcodes[p])
    });
    let updates: Vec<(usize, i32)> = updates.collect();
    apply(&t, IndexingUpdateOp::Add, updates.into_iter())
}

/// `out.select(dim, idx[i]) += value.select(dim, i)` for every `i`, in order.
pub(crate) fn select_add(t: LnsTensor, dim: usize, indices: &[i64], value: LnsTensor) -> LnsTensor {
    let value = to_device(value, &t.device);
    let ts = t.shape();
    let (_, tlen, inner) = split_at_dim(&ts, dim);
    let (vouter, vlen, vinner) = split_at_dim(&value.shape(), dim);
    assert_eq!(
        vinner, inner,
        "select_add: value and tensor differ outside dim {dim}"
    );
    assert_eq!(
        vlen,
        indices.len(),
        "select_add: {vlen} values for {} indices",
        indices.len()
    );
    let vcodes = value.codes();
    let mut updates = Vec::with_capacity(vcodes.len());
    for o in 0..vouter {
        for (i, &ix) in indices.iter().enumerate() {
            let k = wrap(ix, tlen, "select_add");
            for j in 0..inner {
                updates.push((
                    (o * tlen + k) * inner + j,
                    vcodes[(o * vlen + i) * inner + j],
                ));
            }
        }
    }
    apply(&t, IndexingUpdateOp::Add, updates.into_iter())
}

/// Multi-dimensional scatter: the last dimension of `indices` (of size `m`) addresses
/// the first `m` dimensions of `data`; each addressed slice meets its values by `op`.
pub(crate) fn scatter_nd(
    data: LnsTensor,
    indices: &[i64],
    index_shape: &[usize],
    values: LnsTensor,
    op: IndexingUpdateOp,
) -> LnsTensor {
    let values = to_device(values, &data.device);
    let ds = data.shape();
    let m = *index_shape
        .last()
        .expect("scatter_nd: indices need at least one dimension");
    let slice: usize = ds.iter().skip(m).product();
    let tuples = indices.len() / m.max(1);
    let vcodes = values.codes();
    let mut updates = Vec::with_capacity(tuples * slice);
    for j in 0..tuples {
        let mut off = 0usize;
        for d in 0..m {
            off = off * ds[d] + wrap(indices[j * m + d], ds[d], "scatter_nd");
        }
        for s in 0..slice {
            updates.push((off * slice + s, vcodes[j * slice + s]));
        }
    }
    apply(&data, op, updates.into_iter())
}
