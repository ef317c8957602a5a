//! Batched matrix products with broadcast batch dimensions, through
//! `lns_core::kernels::gemm` (each output the canonical dot product over k).

use burn_backend::TensorMetadata;
use burn_flex::FlexTensor;
use burn_std::Shape;
use lns_core::kernels::{Exec, MatRef, gemm};
use rayon::prelude::*;

use super::{broadcast_shape, expand_to, to_device};
use crate::tensor::{Code, LnsTensor, flex_from_vec, with_storage};

/// Below this many output rows per batch, batches run in parallel (each product
/// single-threaded) instead of one product at a time across threads.
const SMALL_ROWS: usize = 64;

/// A strided view of one operand: its storage, the offset of each batch, and the
/// strides of its last two dimensions.
struct Strided<'a, C> {
    data: &'a [C],
    batch_offsets: Vec<usize>,
    row_stride: usize,
    col_stride: usize,
}

fn strided<'a, C: Code>(t: &'a FlexTensor, batch: &Shape) -> Strided<'a, C> {
    let layout = t.layout();
    let strides = layout.strides();
    let rank = strides.len();
    let nb = batch.num_elements();
    let mut batch_offsets = Vec::with_capacity(nb);
    let mut idx = vec![0usize; rank - 2];
    for _ in 0..nb {
        let off: isize = layout.start_offset() as isize
            + idx
                .iter()
                .zip(strides)
                .map(|(&i, &s)| i as isize * s)
                .sum::<isize>();
        batch_offsets.push(off as usize);
        for d in (0..rank - 2).rev() {
            idx[d] += 1;
            if idx[d] < batch[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    Strided {
        data: t.storage::<C>(),
        batch_offsets,
        row_stride: strides[rank - 2] as usize,
        col_stride: strides[rank - 1] as usize,
    }
}

/// `lhs · rhs` over the last two dimensions, batch dimensions broadcast.
///
/// # Panics
/// If the inner dimensions differ or the batch dimensions do not broadcast.
pub(crate) fn matmul(lhs: LnsTensor, rhs: LnsTensor) -> LnsTensor {
    let rhs = to_device(rhs, &lhs.device);
    lhs.begin_segment("matmul", &[&rhs]);
    let (ls, rs) = (lhs.shape(), rhs.shape());
    let rank = ls.num_dims().max(rs.num_dims());
    assert!(
        rank >= 2,
        "matmul needs tensors of rank ≥ 2, got {ls:?} and {rs:?}"
    );
    let pad = |s: &Shape| -> Shape {
        let mut d = vec![1; rank - s.num_dims()];
        d.extend(s.iter().copied());
        Shape::from(d)
    };
    let (ls, rs) = (pad(&ls), pad(&rs));
    let (m, k) = (ls[rank - 2], ls[rank - 1]);
    let (k2, n) = (rs[rank - 2], rs[rank - 1]);
    assert_eq!(k, k2, "matmul: inner dimensions differ ({ls:?} · {rs:?})");
    let batch = broadcast_shape(
        &Shape::from(ls.iter().take(rank - 2).copied().collect::<Vec<_>>()),
        &Shape::from(rs.iter().take(rank - 2).copied().collect::<Vec<_>>()),
    );
    let with = |last: [usize; 2]| {
        let mut d: Vec<usize> = batch.iter().copied().collect();
        d.extend(last);
        Shape::from(d)
    };
    let a = expand_to(lhs.reshaped(ls).codes, &with([m, k]));
    let b = expand_to(rhs.reshaped(rs).codes, &with([k, n]));
    // Negative strides (flipped views) are materialized; everything else is read in place.
    let fix = |t: FlexTensor| {
        if t.layout().has_positive_strides() {
            t
        } else {
            t.to_contiguous()
        }
    };
    let (a, b) = (fix(a), fix(b));
    let arith = lhs.device.arith().clone();
    let dev_exec = lhs.device.exec();
    let nb = batch.num_elements();
    let out_shape = with([m, n]);
    let flex = with_storage!(lhs.format().storage(), C => {
        let (sa, sb) = (strided::<C>(&a, &batch), strided::<C>(&b, &batch));
        let mut out = vec![C::default(); nb * m * n];
        let one = |bi: usize, dst: &mut [C], exec: Exec| {
            let va = MatRef {
                data: &sa.data[sa.batch_offsets[bi]..],
                rows: m,
                cols: k,
                row_stride: sa.row_stride,
                col_stride: sa.col_stride,
            };
            let vb = MatRef {
                data: &sb.data[sb.batch_offsets[bi]..],
                rows: k,
                cols: n,
                row_stride: sb.row_stride,
                col_stride: sb.col_stride,
            };
            gemm(&arith, va, vb, dst, exec).unwrap_or_else(|e| panic!("matmul: {e}"));
        };
        if m * n > 0 {
            if nb > 1 && m < SMALL_ROWS {
                let exec = Exec { parallel: false, ..dev_exec };
                out.par_chunks_mut(m * n).enumerate().for_each(|(bi, dst)| one(bi, dst, exec));
            } else {
                out.chunks_mut(m * n).enumerate().for_each(|(bi, dst)| one(bi, dst, dev_exec));
            }
        }
        flex_from_vec(out, out_shape)
    });
    lhs.with_codes(flex)
}
