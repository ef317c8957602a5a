//! Strided views of burn-flex tensors gathered into row-major order, in parallel.
//!
//! Neighbouring axes that walk memory as one (`stride[i] = stride[i+1]·len[i+1]`) are
//! merged first, so a permuted or flipped view of short rows (a conv weight's 3×3
//! taps, a pooled map's 2×2 plane) is copied in long runs; the outer axes advance
//! like an odometer instead of dividing out every row's index.

use std::borrow::Cow;

use burn_flex::FlexTensor;
use rayon::prelude::*;

/// Views of fewer elements than this are gathered on one thread.
const PARALLEL_GATHER: usize = 1 << 15;

/// The elements of a flex tensor in logical order: borrowed where the tensor is one
/// run of memory, else gathered through its strides straight into the result, rows of
/// the last merged axis split across threads.
pub(crate) fn contiguous<C: burn_backend::Element + bytemuck::Pod + Send + Sync>(
    t: &FlexTensor,
) -> Cow<'_, [C]> {
    if let Some(s) = t.as_slice::<C>() {
        return Cow::Borrowed(s);
    }
    let layout = t.layout();
    let n = layout.num_elements();
    let mut out = vec![C::zeroed(); n];
    if n == 0 {
        return Cow::Owned(out);
    }
    let dims: Vec<usize> = layout.shape().iter().copied().collect();
    let axes = MergedAxes::of(&dims, layout.strides());
    let src = t.storage::<C>();
    let row_len = axes.row_len();
    let start = layout.start_offset() as isize;
    if n < PARALLEL_GATHER {
        axes.gather_rows(src, start, 0, &mut out);
    } else {
        let rows_per_task = (PARALLEL_GATHER / 4 / row_len).max(1);
        out.par_chunks_mut(rows_per_task * row_len)
            .enumerate()
            .for_each(|(task, dst)| axes.gather_rows(src, start, task * rows_per_task, dst));
    }
    Cow::Owned(out)
}

/// A view's shape and strides with length-1 axes dropped and neighbours that walk
/// memory as one axis merged; never empty (a one-element view keeps one axis).
#[derive(Debug, PartialEq)]
struct MergedAxes {
    dims: Vec<usize>,
    strides: Vec<isize>,
}

impl MergedAxes {
    fn of(dims: &[usize], strides: &[isize]) -> MergedAxes {
        let mut merged = MergedAxes {
            dims: Vec::with_capacity(dims.len()),
            strides: Vec::with_capacity(dims.len()),
        };
        for (&len, &stride) in dims.iter().zip(strides) {
            if len == 1 {
                continue;
            }
            match (merged.dims.last_mut(), merged.strides.last_mut()) {
                (Some(outer_len), Some(outer_stride)) if *outer_stride == stride * len as isize => {
                    *outer_len *= len;
                    *outer_stride = stride;
                }
                _ => {
                    merged.dims.push(len);
                    merged.strides.push(stride);
                }
            }
        }
        if merged.dims.is_empty() {
            merged.dims.push(1);
            merged.strides.push(1);
        }
        merged
    }

    fn row_len(&self) -> usize {
        *self.dims.last().expect("never empty")
    }

    /// Fills `dst` (whole rows) with the rows from `first_row` on, for a view whose
    /// first element sits at `start` in `src`.
    fn gather_rows<C: Copy>(&self, src: &[C], start: isize, first_row: usize, dst: &mut [C]) {
        let last = self.dims.len() - 1;
        let (outer, outer_strides) = (&self.dims[..last], &self.strides[..last]);
        let row_stride = self.strides[last];
        // The first row's index on the outer axes and its offset, then an odometer.
        let mut index = vec![0; last];
        let (mut rest, mut at) = (first_row, start);
        for axis in (0..last).rev() {
            index[axis] = rest % outer[axis];
            at += index[axis] as isize * outer_strides[axis];
            rest /= outer[axis];
        }
        for row in dst.chunks_mut(self.row_len()) {
            copy_row(src, at, row_stride, row);
            for axis in (0..last).rev() {
                index[axis] += 1;
                at += outer_strides[axis];
                if index[axis] < outer[axis] {
                    break;
                }
                index[axis] = 0;
                at -= outer_strides[axis] * outer[axis] as isize;
            }
        }
    }
}

/// `dst[j] = src[at + j·stride]`.
fn copy_row<C: Copy>(src: &[C], at: isize, stride: isize, dst: &mut [C]) {
    let len = dst.len();
    match stride {
        1 => dst.copy_from_slice(&src[at as usize..][..len]),
        0 => dst.fill(src[at as usize]),
        -1 => {
            let first = at as usize + 1 - len;
            for (d, s) in dst.iter_mut().zip(src[first..][..len].iter().rev()) {
                *d = *s;
            }
        }
        _ => {
            for (j, d) in dst.iter_mut().enumerate() {
                *d = src[(at + j as isize * stride) as usize];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use burn_backend::DType;
    use burn_flex::Layout;
    use burn_std::{Bytes, Shape};

    use super::*;
    use crate::tensor::counting;

    #[test]
    fn axes_that_walk_memory_as_one_are_merged() {
        // A channel-batch swap of [N, C, 8, 8]: the two spatial axes merge into one.
        let swapped = MergedAxes::of(&[256, 32, 8, 8], &[64, 16384, 8, 1]);
        assert_eq!(swapped.dims, [256, 32, 64]);
        assert_eq!(swapped.strides, [64, 16384, 1]);
        // A flipped 3×3 kernel merges into one reversed run of 9; length-1 axes vanish.
        let flipped = MergedAxes::of(&[1, 64, 128, 3, 3], &[73728, 9, 576, -3, -1]);
        assert_eq!(flipped.dims, [64, 128, 9]);
        assert_eq!(flipped.strides, [9, 576, -1]);
        // A broadcast axis stays apart; a single element keeps one axis.
        assert_eq!(MergedAxes::of(&[32, 100], &[1, 0]).dims, [32, 100]);
        assert_eq!(MergedAxes::of(&[1, 1], &[5, 1]).dims, [1]);
    }

    #[test]
    fn contiguous_gathers_every_kind_of_view_like_burn_flex() {
        // Small (one thread) and large (rows split across threads).
        for dims in [[3, 4, 5], [2, 130, 131], [40, 33, 9]] {
            let t = counting(&dims);
            let [a, b, c] = dims;
            let views = [
                t.permute(&[2, 0, 1]),
                t.transpose(0, 2),
                t.narrow(1, 1, b - 2),
                t.narrow(2, 2, c - 3).permute(&[1, 2, 0]),
                // Flipped along the middle axis and stepped by two along the last.
                FlexTensor::new(
                    Bytes::from_elems((0..a * b * c).map(|i| i as i16).collect()),
                    Layout::new(
                        Shape::from(vec![a, b, c.div_ceil(2)]),
                        vec![(b * c) as isize, -(c as isize), 2],
                        (b - 1) * c,
                    ),
                    DType::I16,
                ),
                t.narrow(1, 0, 0),
                // Short rows behind a swap of the first two axes, and a broadcast.
                t.permute(&[1, 0, 2]),
                FlexTensor::new(
                    Bytes::from_elems((0..a * b * c).map(|i| i as i16).collect()),
                    Layout::new(Shape::from(vec![3, b, c]), vec![0, c as isize, 1], b * c),
                    DType::I16,
                ),
            ];
            for (i, view) in views.iter().enumerate() {
                let expected = view.to_contiguous();
                let n = view.layout().num_elements();
                assert_eq!(
                    contiguous::<i16>(view).as_ref(),
                    &expected.storage::<i16>()[..n],
                    "view {i} of {dims:?}"
                );
            }
        }
        let scalar = FlexTensor::new(
            Bytes::from_elems(vec![5i16, 6, 7]),
            Layout::new(Shape::from(Vec::<usize>::new()), vec![], 2),
            DType::I16,
        );
        assert_eq!(contiguous::<i16>(&scalar).as_ref(), &[7]);
    }
}
