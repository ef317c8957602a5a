//! 2-D pooling over `[N, C, H, W]` codes (1-D pools reach here through Burn's
//! 1-D-as-2-D defaults).
//!
//! Averages sum their window in index order (row-major taps) in the accumulator
//! format, divide there by the count (a subtraction of `log2(n)` rounded to the
//! accumulator's fraction) and round once. Backward passes divide each output gradient
//! by its count in the accumulator format and scatter it, in output index order, into
//! an accumulator-format buffer, rounding each input gradient once at the end.
//! Max pools compare codes exactly; the first maximal tap wins.

use burn_backend::TensorMetadata;
use burn_std::Shape;
use lns_core::arith;
use lns_core::convert::recode;
use lns_core::{CodeStorage, Counts, Format, OpCounts};
use rayon::prelude::*;

use super::sum_counts;
use crate::tensor::{Code, LnsTensor, contiguous, flex_from_vec, with_storage};

/// Output length of a pool (burn-flex's rule: a window that does not fit the padded
/// input gives 0 outputs, or 1 in ceil mode).
pub(crate) fn pool_output_size(
    input: usize,
    kernel: usize,
    padding: usize,
    stride: usize,
    dilation: usize,
    ceil_mode: bool,
) -> usize {
    assert!(
        kernel > 0 && stride > 0,
        "pool: kernel and stride must be positive"
    );
    let effective = dilation * (kernel - 1) + 1;
    let padded = input + 2 * padding;
    if padded < effective {
        return usize::from(ceil_mode);
    }
    let num = padded - effective;
    if ceil_mode {
        num.div_ceil(stride) + 1
    } else {
        num / stride + 1
    }
}

/// The taps of one output position along one axis.
#[derive(Debug, Clone)]
pub(crate) struct AxisWindow {
    /// Input indices inside the tensor, in tap order.
    pub valid: Vec<usize>,
    /// Taps inside the padded extent (for `count_include_pad`).
    pub padded: usize,
}

/// Windows of an average pool along one axis (burn-flex's conventions).
pub(crate) fn avg_windows(
    size: usize,
    out: usize,
    kernel: usize,
    stride: usize,
    pad: usize,
) -> Vec<AxisWindow> {
    (0..out)
        .map(|o| {
            let mut w = AxisWindow {
                valid: Vec::new(),
                padded: 0,
            };
            for t in 0..kernel {
                let i = (o * stride + t) as isize - pad as isize;
                if i >= -(pad as isize) && i < (size + pad) as isize {
                    w.padded += 1;
                    if i >= 0 && (i as usize) < size {
                        w.valid.push(i as usize);
                    }
                }
            }
            w
        })
        .collect()
}

/// Windows of an adaptive average pool: `[⌊o·in/out⌋, ⌈(o+1)·in/out⌉)`.
pub(crate) fn adaptive_windows(size: usize, out: usize) -> Vec<AxisWindow> {
    (0..out)
        .map(|o| {
            let (s, e) = ((o * size) / out, ((o + 1) * size).div_ceil(out));
            AxisWindow {
                valid: (s..e).collect(),
                padded: e - s,
            }
        })
        .collect()
}

/// Windows of a max pool along one axis (dilated taps).
pub(crate) fn max_windows(
    size: usize,
    out: usize,
    kernel: usize,
    stride: usize,
    pad: usize,
    dilation: usize,
) -> Vec<AxisWindow> {
    (0..out)
        .map(|o| {
            let valid: Vec<usize> = (0..kernel)
                .filter_map(|t| {
                    let i = (o * stride + t * dilation) as isize - pad as isize;
                    (i >= 0 && (i as usize) < size).then_some(i as usize)
                })
                .collect();
            AxisWindow {
                padded: valid.len(),
                valid,
            }
        })
        .collect()
}

/// Input cells read by all windows of one plane: `Σ_y |valid_y| · Σ_x |valid_x|`.
fn window_cells(wy: &[AxisWindow], wx: &[AxisWindow]) -> u64 {
    let sum = |w: &[AxisWindow]| w.iter().map(|a| a.valid.len() as u64).sum::<u64>();
    sum(wy) * sum(wx)
}

/// The [`arith::count_log`] of every window's divisor in code units of `fmt`, row-major
/// `oh × ow`: its padded cell count with `include_pad`, else its valid one (at least 1).
/// The windows are the same in every plane, so each log is computed once; the op
/// counts still charge one conversion per output, as a unit dividing each output would.
fn window_count_logs(
    fmt: Format,
    wy: &[AxisWindow],
    wx: &[AxisWindow],
    include_pad: bool,
) -> Vec<i64> {
    wy.iter()
        .flat_map(|y| wx.iter().map(move |x| (y, x)))
        .map(|(y, x)| {
            let n = if include_pad {
                y.padded * x.padded
            } else {
                y.valid.len() * x.valid.len()
            };
            arith::count_log(fmt, n.max(1))
        })
        .collect()
}

fn nchw(s: &Shape) -> (usize, usize, usize) {
    (s[0] * s[1], s[2], s[3])
}

/// Average pooling with per-axis windows; `include_pad` divides by the padded count.
pub(crate) fn avg_pool(
    x: &LnsTensor,
    wy: &[AxisWindow],
    wx: &[AxisWindow],
    include_pad: bool,
) -> LnsTensor {
    x.begin_segment("avg_pool", &[]);
    let s = x.shape();
    let (planes, h, w) = nchw(&s);
    let (oh, ow) = (wy.len(), wx.len());
    let arith = x.device.arith().clone();
    let (f, af) = (arith.format(), arith.acc_format());
    let out_shape = Shape::from(vec![s[0], s[1], oh, ow]);
    // Per output: one LNS add per cell after the first, one divide by a converted count.
    let outputs = (planes * oh * ow) as u64;
    let count_logs = window_count_logs(af, wy, wx, include_pad);
    arith.record_ops(OpCounts {
        lns_add: (planes as u64 * window_cells(wy, wx)).saturating_sub(outputs),
        int_add: outputs,
        convert: outputs,
        ..OpCounts::default()
    });
    let flex = with_storage!(f.storage(), C => {
        let xv = contiguous::<C>(&x.codes);
        let mut out = vec![C::default(); planes * oh * ow];
        let counts = out
            .par_chunks_mut((oh * ow).max(1))
            .enumerate()
            .map(|(pi, dst)| {
                let mut cnt = Counts::default();
                let plane = &xv[pi * h * w..][..h * w];
                for (y, wy) in wy.iter().enumerate() {
                    for (xx, wx) in wx.iter().enumerate() {
                        let mut acc = af.zero();
                        for &iy in &wy.valid {
                            for &ix in &wx.valid {
                                let v = recode(f, af, plane[iy * w + ix].widen(), &mut cnt);
                                acc = arith::add(af, arith.acc_delta(), acc, v, &mut cnt);
                            }
                        }
                        let log_n = count_logs[y * ow + xx];
                        let mean = arith::div_by_count(af, acc, log_n, &mut cnt);
                        dst[y * ow + xx] = C::narrow(recode(af, f, mean, &mut cnt));
                    }
                }
                cnt
            })
            .reduce(Counts::default, sum_counts);
        arith.record(counts);
        flex_from_vec(out, out_shape)
    });
    x.with_codes(flex)
}

/// Gradient of [`avg_pool`] with respect to its input of shape `x_shape`.
pub(crate) fn avg_pool_backward(
    x_shape: &Shape,
    grad: &LnsTensor,
    wy: &[AxisWindow],
    wx: &[AxisWindow],
    include_pad: bool,
) -> LnsTensor {
    grad.begin_segment("avg_pool_backward", &[]);
    let w = x_shape[3];
    let (oh, ow) = (wy.len(), wx.len());
    let arith = grad.device.arith();
    let (f, af) = (arith.format(), arith.acc_format());
    let g = grad.codes();
    let count_logs = window_count_logs(af, wy, wx, include_pad);
    arith.record_ops(OpCounts {
        convert: (nchw(x_shape).0 * oh * ow) as u64,
        ..OpCounts::default()
    });
    with_storage!(f.storage(), C => {
        scatter_gradient_planes::<C>(x_shape, grad, |pi, acc, cnt| {
            let gp = &g[pi * oh * ow..][..oh * ow];
            for (y, wy) in wy.iter().enumerate() {
                for (xx, wx) in wx.iter().enumerate() {
                    let log_n = count_logs[y * ow + xx];
                    let g = recode(f, af, gp[y * ow + xx], cnt);
                    let share = arith::div_by_count(af, g, log_n, cnt);
                    for &iy in &wy.valid {
                        for &ix in &wx.valid {
                            let a = &mut acc[iy * w + ix];
                            *a = arith::add(af, arith.acc_delta(), *a, share, cnt);
                        }
                    }
                }
            }
        })
    })
}

/// The input gradient of a pool or resampler, one `H`×`W` plane of `x_shape` at a
/// time (planes in parallel): `scatter(plane, acc, cnt)` adds that plane's output
/// gradients into `acc`, an accumulator-format plane of zeros, and each input's sum is
/// then rounded once to the operand format and stored as a code of width `C` (the
/// format's storage). Records the counts on `grad`'s device.
pub(crate) fn scatter_gradient_planes<C: Code>(
    x_shape: &Shape,
    grad: &LnsTensor,
    scatter: impl Fn(usize, &mut [i32], &mut Counts) + Sync,
) -> LnsTensor {
    let (planes, h, w) = nchw(x_shape);
    let arith = grad.device.arith();
    let (f, af) = (arith.format(), arith.acc_format());
    let mut out = vec![C::default(); planes * h * w];
    let counts = out
        .par_chunks_mut((h * w).max(1))
        .enumerate()
        .map(|(pi, dst)| {
            let mut cnt = Counts::default();
            let mut acc = vec![af.zero(); h * w];
            scatter(pi, &mut acc, &mut cnt);
            for (d, a) in dst.iter_mut().zip(acc) {
                *d = C::narrow(recode(af, f, a, &mut cnt));
            }
            cnt
        })
        .reduce(Counts::default, sum_counts);
    arith.record(counts);
    let flex = flex_from_vec(out, x_shape.clone());
    LnsTensor::new(flex, grad.device.clone(), grad.dtype)
}

/// Max pooling; returns the pooled codes and, per output, the flat index `iy·W + ix`
/// of the first maximal tap. Reads and writes codes in their stored width; each tap's
/// value is compared through its order key ([`arith::order_key`]) once.
pub(crate) fn max_pool(
    x: &LnsTensor,
    wy: &[AxisWindow],
    wx: &[AxisWindow],
) -> (LnsTensor, Vec<i64>) {
    x.begin_segment("max_pool", &[]);
    let s = x.shape();
    let (planes, h, w) = nchw(&s);
    let (oh, ow) = (wy.len(), wx.len());
    let f = x.format();
    let mut idx = vec![0i64; planes * oh * ow];
    // Per output: one comparison per cell after the first.
    let outputs = (planes * oh * ow) as u64;
    x.device.arith().record_ops(OpCounts {
        compare: (planes as u64 * window_cells(wy, wx)).saturating_sub(outputs),
        ..OpCounts::default()
    });
    let shape = Shape::from(vec![s[0], s[1], oh, ow]);
    let flex = with_storage!(f.storage(), C => {
        let xv = contiguous::<C>(&x.codes);
        let mut out = vec![C::narrow(f.zero()); planes * oh * ow];
        out.par_chunks_mut((oh * ow).max(1))
            .zip(idx.par_chunks_mut((oh * ow).max(1)))
            .enumerate()
            .for_each(|(pi, (dst, di))| {
                let plane = &xv[pi * h * w..][..h * w];
                for (y, wy) in wy.iter().enumerate() {
                    for (xx, wx) in wx.iter().enumerate() {
                        // (key, code, index) of the first maximal tap. A window without
                        // taps (all padding, in ceil mode) gives −∞ like f32 — here −max,
                        // the edge policy's code for it — at index −1, which the backward
                        // pass skips.
                        let mut best = (i64::MIN, f.max_code() | 1, -1);
                        for &iy in &wy.valid {
                            for &ix in &wx.valid {
                                let v = plane[iy * w + ix].widen();
                                let key = arith::order_key(f, v);
                                if key > best.0 {
                                    best = (key, v, (iy * w + ix) as i64);
                                }
                            }
                        }
                        dst[y * ow + xx] = C::narrow(arith::canonical(f, best.1));
                        di[y * ow + xx] = best.2;
                    }
                }
            });
        flex_from_vec(out, shape)
    });
    (x.with_codes(flex), idx)
}

/// Gradient of [`max_pool`]: each output gradient added, in output order, at its index.
/// Reads and writes codes in their stored width (a VGG pool's input gradient is the
/// largest tensor of its backward pass); the accumulator is one plane at a time.
pub(crate) fn max_pool_backward(x_shape: &Shape, grad: &LnsTensor, indices: &[i64]) -> LnsTensor {
    grad.begin_segment("max_pool_backward", &[]);
    let gs = grad.shape();
    let per = gs[2] * gs[3];
    let arith = grad.device.arith();
    let (f, af) = (arith.format(), arith.acc_format());
    with_storage!(f.storage(), C => {
        let g = contiguous::<C>(&grad.codes);
        scatter_gradient_planes::<C>(x_shape, grad, |pi, acc, cnt| {
            for o in 0..per {
                // −1: a window without taps, which received no input.
                let Ok(i) = usize::try_from(indices[pi * per + o]) else {
                    continue;
                };
                let v = recode(f, af, g[pi * per + o].widen(), cnt);
                acc[i] = arith::add(af, arith.acc_delta(), acc[i], v, cnt);
            }
        })
    })
}
