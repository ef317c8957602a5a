//! Convolutions as im2col + `lns_core::kernels::gemm`.
//!
//! Every output is the canonical dot product over `(c_in, k_d, k_h, k_w)` in index
//! order (accumulator format, rounded once), followed by one LNS addition of the bias.
//! Transposed convolutions are convolutions of the input dilated by the stride with the
//! flipped, channel-swapped kernel; the inserted zeros are exact no-ops in LNS
//! (`acc + 0·w = acc`), so they do not change any result.

use burn_backend::TensorMetadata;
use burn_std::Shape;
use lns_core::CodeStorage;
use lns_core::kernels::{BinaryOp, Exec, MatRef, binary_scalar, gemm};
use rayon::prelude::*;

use super::to_device;
use crate::tensor::{LnsTensor, contiguous, flex_from_vec, with_storage};

/// Output positions per GEMM below which images are batched into one GEMM.
const BATCH_COLUMNS: usize = 64;
/// Most bytes of one batch's im2col matrix.
const BATCH_BYTES: usize = 1 << 20;

/// A 3-D convolution problem (1-D and 2-D ones use depth/height 1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conv3 {
    /// Stride of the output over the (dilated) input.
    pub stride: [usize; 3],
    /// Zeros before the (dilated) input; may be negative (crop).
    pub pad_before: [isize; 3],
    /// Zeros after the (dilated) input; may be negative (crop).
    pub pad_after: [isize; 3],
    /// Spacing of kernel taps.
    pub dilation: [usize; 3],
    /// Spacing of input elements (the stride of a transposed convolution).
    pub input_dilation: [usize; 3],
    /// Channel groups.
    pub groups: usize,
}

impl Conv3 {
    fn out_size(&self, input: [usize; 3], kernel: [usize; 3]) -> [usize; 3] {
        std::array::from_fn(|i| {
            let eff_in = if input[i] == 0 {
                0
            } else {
                (input[i] - 1) * self.input_dilation[i] + 1
            } as isize;
            let span = eff_in + self.pad_before[i] + self.pad_after[i];
            let eff_k = (self.dilation[i] * (kernel[i] - 1) + 1) as isize;
            if span < eff_k {
                0
            } else {
                ((span - eff_k) as usize) / self.stride[i] + 1
            }
        })
    }
}

/// `x [N, C, D, H, W] ⋆ w [Co, C/groups, kd, kh, kw] (+ bias [Co])`.
pub(crate) fn conv3(x: LnsTensor, w: LnsTensor, bias: Option<LnsTensor>, p: Conv3) -> LnsTensor {
    let w = to_device(w, &x.device);
    let transposed = p.input_dilation.iter().any(|&d| d > 1);
    x.begin_segment(if transposed { "conv_transpose" } else { "conv" }, &[&w]);
    let xs = x.shape();
    let ws = w.shape();
    let [n, c, d, h, wd] = [xs[0], xs[1], xs[2], xs[3], xs[4]];
    let [co, cg, kd, kh, kw] = [ws[0], ws[1], ws[2], ws[3], ws[4]];
    let g = p.groups;
    assert!(
        c == cg * g && co % g == 0,
        "conv: input has {c} channels, weight expects {cg}×{g} groups and {co} outputs"
    );
    let cog = co / g;
    let [od, oh, ow] = p.out_size([d, h, wd], [kd, kh, kw]);
    let positions = od * oh * ow;
    let kk = cg * kd * kh * kw;
    let arith = x.device.arith().clone();
    let dev_exec = x.device.exec();
    let fmt = x.format();
    let out_shape = Shape::from(vec![n, co, od, oh, ow]);
    let bias = bias.map(|b| to_device(b, &x.device));
    let flex = with_storage!(fmt.storage(), C => {
        let xv = contiguous::<C>(&x.codes);
        let wv = contiguous::<C>(&w.codes);
        let zero = C::narrow(fmt.zero());
        let mut out = vec![zero; n * co * positions];
        // Input coordinate of output o and tap t along axis i, if inside the input, as
        // one table per axis: `taps[i][t·outputs + o]`, `usize::MAX` outside.
        let taps = |i: usize, outputs: usize, kernel: usize, size: usize| -> Vec<usize> {
            (0..kernel)
                .flat_map(|t| (0..outputs).map(move |o| (t, o)))
                .map(|(t, o)| {
                    let pos = (o * p.stride[i] + t * p.dilation[i]) as isize - p.pad_before[i];
                    let ld = p.input_dilation[i] as isize;
                    if pos < 0 || pos % ld != 0 || (pos / ld) as usize >= size {
                        usize::MAX
                    } else {
                        (pos / ld) as usize
                    }
                })
                .collect()
        };
        let (tz_src, ty_src, tx_src) = (taps(0, od, kd, d), taps(1, oh, kh, h), taps(2, ow, kw, wd));
        // Per tap along the row axis, the outputs that read one run of consecutive input
        // columns (stride 1, no dilation of the input: every padded-conv row), copied
        // as a slice; `None` where the tap's columns are not such a run.
        let row_runs: Vec<Option<RowRun>> =
            tx_src.chunks(ow.max(1)).map(RowRun::of).collect();
        // Stride 1 over an undilated input with undilated taps: a shift moves a whole
        // input plane onto an im2col row (or column) in the two cases below.
        let unit_steps =
            p.stride == [1, 1, 1] && p.dilation == [1, 1, 1] && p.input_dilation == [1, 1, 1];
        // A stride-1 2-D convolution whose output has the input's size (padding that keeps
        // it): every tap's im2col row is the input plane shifted by the tap's offset.
        let plane_shifts = unit_steps && (d, kd) == (1, 1) && (od, oh, ow) == (1, h, wd);
        // The dual: a stride-1 2-D convolution whose kernel covers the whole input (the
        // weight gradient of a convolution, computed as the input convolved with the
        // output gradient): the taps of one output position read the input plane
        // shifted by that position's offset, so im2col is built transposed, one shifted
        // plane per (output position, channel), instead of runs of a few codes per tap.
        let kernel_shifts = unit_steps
            && !plane_shifts
            && (od, d, kd) == (1, 1, 1)
            && (kh, kw) == (h, wd)
            && p.pad_before[0] == 0;
        // Images per GEMM: outputs with few positions are batched side by side (image
        // `j` of a batch in columns `j·positions ..`), so that the GEMM's panels of 16
        // columns are full and its setup and packing of the weight are shared.
        let batch = if positions >= BATCH_COLUMNS {
            1
        } else {
            let per_image = kk * positions * std::mem::size_of::<C>();
            (BATCH_COLUMNS / positions.max(1))
                .min(BATCH_BYTES / per_image.max(1))
                .clamp(1, n.max(1))
        };
        // Images `first .. first + images` into `dst` (`images × co × positions`).
        let images = |first: usize, dst: &mut [C], exec: Exec| {
            let images = dst.len() / (co * positions);
            let width = images * positions;
            let mut cols = vec![zero; kk * width];
            let mut product = if images > 1 { vec![zero; cog * width] } else { Vec::new() };
            for gi in 0..g {
                for j in 0..images {
                    let ni = first + j;
                    for ci in 0..cg {
                        let plane = &xv[((ni * c) + gi * cg + ci) * d * h * wd..][..d * h * wd];
                        if kernel_shifts {
                            // Row `j·positions + o` of the transposed im2col holds the
                            // taps of output `o` of image `j`; channel `ci`'s are a plane.
                            for o in 0..positions {
                                let offset = [(o / ow) as isize - p.pad_before[1], (o % ow) as isize - p.pad_before[2]];
                                let dst = &mut cols[(j * positions + o) * kk + ci * h * wd..][..h * wd];
                                shift_plane(plane, dst, wd, offset, zero);
                            }
                            continue;
                        }
                        for (tz, ty, tx) in (0..kd).flat_map(|a| (0..kh).flat_map(move |b| (0..kw).map(move |cc| (a, b, cc)))) {
                            let row = ((ci * kd + tz) * kh + ty) * kw + tx;
                            let dst_row = &mut cols[row * width + j * positions..][..positions];
                            if plane_shifts {
                                let offset = [ty as isize - p.pad_before[1], tx as isize - p.pad_before[2]];
                                shift_plane(plane, dst_row, wd, offset, zero);
                                continue;
                            }
                            for (z, &iz) in tz_src[tz * od..][..od].iter().enumerate() {
                                if iz == usize::MAX {
                                    continue;
                                }
                                for (y, &iy) in ty_src[ty * oh..][..oh].iter().enumerate() {
                                    if iy == usize::MAX {
                                        continue;
                                    }
                                    let src_row = &plane[(iz * h + iy) * wd..][..wd];
                                    let out_row = &mut dst_row[(z * oh + y) * ow..][..ow];
                                    if let Some(run) = &row_runs[tx] {
                                        out_row[run.outputs.clone()]
                                            .copy_from_slice(&src_row[run.first_input..][..run.outputs.len()]);
                                        continue;
                                    }
                                    for (o, &ix) in out_row.iter_mut().zip(&tx_src[tx * ow..][..ow]) {
                                        if ix != usize::MAX {
                                            *o = src_row[ix];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                let wg = MatRef::row_major(&wv[gi * cog * kk..][..cog * kk], cog, kk);
                let cm = if kernel_shifts {
                    MatRef::row_major(&cols[..], width, kk).t()
                } else {
                    MatRef::row_major(&cols[..], kk, width)
                };
                if images == 1 {
                    gemm(&arith, wg, cm, &mut dst[gi * cog * positions..][..cog * positions], exec)
                        .unwrap_or_else(|e| panic!("conv: {e}"));
                } else {
                    gemm(&arith, wg, cm, &mut product, exec).unwrap_or_else(|e| panic!("conv: {e}"));
                    for (oc, row) in product.chunks_exact(width).enumerate() {
                        for (j, plane) in row.chunks_exact(positions).enumerate() {
                            dst[(j * co + gi * cog + oc) * positions..][..positions].copy_from_slice(plane);
                        }
                    }
                }
                if gi + 1 < g {
                    cols.fill(zero);
                }
            }
        };
        if positions > 0 && co > 0 {
            let chunk = batch * co * positions;
            if n.div_ceil(batch) >= rayon::current_num_threads() {
                let exec = Exec { parallel: false, ..dev_exec };
                out.par_chunks_mut(chunk).enumerate().for_each(|(bi, dst)| images(bi * batch, dst, exec));
            } else {
                out.chunks_mut(chunk).enumerate().for_each(|(bi, dst)| images(bi * batch, dst, dev_exec));
            }
        }
        if let Some(b) = &bias {
            // One LNS addition per output, `y + bias[c]`, in place plane by plane (the
            // same operation as the broadcast `binary` add, without materializing the
            // broadcast bias or a second output).
            let bias_codes = b.codes();
            let plane_exec = Exec { parallel: false, ..dev_exec };
            out.par_chunks_mut(positions.max(1)).enumerate().for_each(|(pi, plane)| {
                let y = plane.to_vec();
                binary_scalar(&arith, BinaryOp::Add, &y, bias_codes[pi % co], plane, plane_exec)
                    .expect("lengths agree by construction");
            });
        }
        flex_from_vec(out, out_shape)
    });
    x.with_codes(flex)
}

/// `dst[y·w + x] = src[(y + dy)·w + x + dx]` where that is inside the `h × w` plane,
/// the zero code elsewhere (`dst` starts zeroed): one copy of the plane read `dy` rows and
/// `dx` columns on, then the columns that read across a row's end set to zero.
fn shift_plane<C: Copy>(src: &[C], dst: &mut [C], w: usize, [dy, dx]: [isize; 2], zero: C) {
    let (hw, w_signed) = (dst.len() as isize, w as isize);
    if dy.abs() * w_signed >= hw || dx.abs() >= w_signed {
        return;
    }
    let shift = dy * w_signed + dx;
    let (lo, hi) = ((-shift).max(0), (hw - shift).min(hw));
    dst[lo as usize..hi as usize]
        .copy_from_slice(&src[(lo + shift) as usize..(hi + shift) as usize]);
    let wrapped = if dx < 0 {
        0..dx.unsigned_abs()
    } else {
        w - dx as usize..w
    };
    if dx != 0 {
        for row in dst.chunks_exact_mut(w) {
            row[wrapped.clone()].fill(zero);
        }
    }
}

/// The outputs of one tap along a row that read consecutive input columns.
#[derive(Debug, Clone, PartialEq)]
struct RowRun {
    /// Output columns that read an input (the others stay zero: padding).
    outputs: std::ops::Range<usize>,
    /// The input column of the first of them.
    first_input: usize,
}

impl RowRun {
    /// The run of a tap's input columns per output (`usize::MAX` outside the input), if
    /// the inside outputs are one interval reading consecutive columns.
    fn of(columns: &[usize]) -> Option<RowRun> {
        let inside = |&c: &usize| c != usize::MAX;
        let Some(start) = columns.iter().position(inside) else {
            // A tap that reads nothing copies nothing.
            return Some(RowRun {
                outputs: 0..0,
                first_input: 0,
            });
        };
        let end = columns.iter().rposition(inside).map_or(start, |e| e + 1);
        let first_input = columns[start];
        let consecutive = (start..end).all(|o| columns[o] == first_input + (o - start));
        consecutive.then_some(RowRun {
            outputs: start..end,
            first_input,
        })
    }
}

/// A transposed-convolution weight `[C_in, C_out/g, k…]` as the equivalent convolution
/// weight `[C_out, C_in/g, k…]`, flipped along every spatial axis (an exact code move):
/// `out[g·(C_out/g) + o, i, s] = w[g·(C_in/g) + i, o, S − 1 − s]` over the flat
/// spatial index `s < S` (flipping every axis of a row-major block reverses it).
pub(crate) fn transpose_weight(w: &LnsTensor, groups: usize) -> LnsTensor {
    let s = w.shape();
    let (cin, cog) = (s[0], s[1]);
    let spatial: usize = s.iter().skip(2).product();
    let cig = cin / groups;
    let mut out_dims = vec![groups * cog, cig];
    out_dims.extend(s.iter().skip(2));
    let flex = with_storage!(w.format().storage(), C => {
        let src = contiguous::<C>(&w.codes);
        let mut out = vec![C::default(); src.len()];
        // One output channel (all its input channels) per chunk.
        out.par_chunks_mut((cig * spatial).max(1)).enumerate().for_each(|(oc, dst)| {
            let (gi, o) = (oc / cog, oc % cog);
            for (i, block) in dst.chunks_exact_mut(spatial.max(1)).enumerate() {
                let from = &src[((gi * cig + i) * cog + o) * spatial..][..spatial];
                for (d, &c) in block.iter_mut().zip(from.iter().rev()) {
                    *d = c;
                }
            }
        });
        flex_from_vec(out, Shape::from(out_dims))
    });
    w.with_codes(flex)
}

/// Reshapes codes (a view where possible, see [`LnsTensor::reshaped`]).
pub(crate) fn reshape(t: &LnsTensor, dims: Vec<usize>) -> LnsTensor {
    t.reshaped(Shape::from(dims))
}

#[cfg(test)]
mod tests {
    use super::RowRun;

    const OUT: usize = usize::MAX;

    #[test]
    fn shifted_planes_read_the_input_inside_and_zero_outside_for_every_offset() {
        for (h, w) in [(1, 1), (2, 2), (3, 5), (4, 4), (6, 3)] {
            let src: Vec<i32> = (1..=(h * w) as i32).collect();
            for dy in -(h as isize) - 1..=h as isize + 1 {
                for dx in -(w as isize) - 1..=w as isize + 1 {
                    let mut dst = vec![0; h * w];
                    super::shift_plane(&src, &mut dst, w, [dy, dx], 0);
                    for y in 0..h as isize {
                        for x in 0..w as isize {
                            let (sy, sx) = (y + dy, x + dx);
                            let inside =
                                (0..h as isize).contains(&sy) && (0..w as isize).contains(&sx);
                            let want = if inside {
                                src[(sy * w as isize + sx) as usize]
                            } else {
                                0
                            };
                            assert_eq!(
                                dst[(y * w as isize + x) as usize],
                                want,
                                "{h}×{w} by ({dy}, {dx}) at ({y}, {x})"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn row_runs_are_found_only_where_the_columns_are_consecutive() {
        // Padding on both sides: the middle outputs read columns 0, 1, 2.
        assert_eq!(
            RowRun::of(&[OUT, 0, 1, 2, OUT]),
            Some(RowRun {
                outputs: 1..4,
                first_input: 0
            })
        );
        // A tap past the input: nothing to copy.
        assert_eq!(
            RowRun::of(&[OUT, OUT]),
            Some(RowRun {
                outputs: 0..0,
                first_input: 0
            })
        );
        // Stride 2, and a hole (input dilation): element by element.
        assert_eq!(RowRun::of(&[0, 2, 4]), None);
        assert_eq!(RowRun::of(&[0, OUT, 1]), None);
    }
}
