//! Separable 2-D resampling (interpolate) over `[N, C, H, W]` codes.
//!
//! Each output is `Σ_ty Σ_tx (w_y·w_x)·x[iy, ix]` over the taps of its row and column,
//! in tap order, accumulated in the accumulator format and rounded once. Tap weights
//! are computed from the (integer) geometry in f64 and encoded once: they are
//! constants of the resampler, like the coefficients a hardware resampler stores.
//! Nearest-neighbour has one tap of weight 1, so it moves codes exactly. Coordinates
//! follow burn-flex (and so Burn's other CPU backends).

use burn_backend::TensorMetadata;
use burn_backend::ops::InterpolateMode;
use burn_std::Shape;
use lns_core::arith;
use lns_core::convert::recode;
use lns_core::{Counts, Format};
use rayon::prelude::*;

use super::pool::scatter_gradient_planes;
use super::sum_counts;
use crate::tensor::{LnsTensor, with_storage};

/// Input indices and weights of one output coordinate.
pub(crate) type Taps = Vec<(usize, f64)>;

fn coord_ratio(in_size: usize, out_size: usize, align_corners: bool) -> f64 {
    if align_corners {
        (in_size as f64 - 1.0) / (out_size.max(1) - 1).max(1) as f64
    } else {
        in_size as f64 / out_size as f64
    }
}

fn map_coord(o: usize, ratio: f64, align_corners: bool) -> f64 {
    if align_corners {
        o as f64 * ratio
    } else {
        (o as f64 + 0.5) * ratio - 0.5
    }
}

fn cubic_weight(t: f64) -> f64 {
    let a = -0.75;
    let t = t.abs();
    if t < 1.0 {
        ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0
    } else if t < 2.0 {
        ((a * t - 5.0 * a) * t + 8.0 * a) * t - 4.0 * a
    } else {
        0.0
    }
}

fn lanczos3_weight(x: f64) -> f64 {
    if x == 0.0 {
        return 1.0;
    }
    if x.abs() >= 3.0 {
        return 0.0;
    }
    let px = std::f64::consts::PI * x;
    (px.sin() * (px / 3.0).sin()) / (px * px / 3.0)
}

/// The taps of every output coordinate along one axis.
pub(crate) fn axis_taps(
    mode: &InterpolateMode,
    size: usize,
    out: usize,
    align_corners: bool,
) -> Vec<Taps> {
    let ratio = coord_ratio(size, out, align_corners);
    (0..out)
        .map(|o| match mode {
            InterpolateMode::Nearest => {
                let r = size as f64 / out as f64;
                vec![(((o as f64 * r).floor() as usize).min(size - 1), 1.0)]
            }
            InterpolateMode::Bilinear => {
                let c = map_coord(o, ratio, align_corners);
                let lo = c.floor().max(0.0) as usize;
                let lo = lo.min(size - 1);
                let hi = (lo + 1).min(size - 1);
                let w = (c - lo as f64).max(0.0);
                vec![(lo, 1.0 - w), (hi, w)]
            }
            InterpolateMode::Bicubic => {
                let c = map_coord(o, ratio, align_corners);
                let c0 = c.floor() as isize;
                (-1..=2isize)
                    .map(|d| {
                        let i = (c0 + d).clamp(0, size as isize - 1) as usize;
                        (i, cubic_weight(c - c0 as f64 - d as f64))
                    })
                    .collect()
            }
            InterpolateMode::Lanczos3 => {
                let c = map_coord(o, ratio, align_corners);
                let c0 = c.floor() as isize;
                let taps: Vec<(usize, f64)> = (-2..=3isize)
                    .filter_map(|d| {
                        let i = c0 + d;
                        (i >= 0 && i < size as isize)
                            .then(|| (i as usize, lanczos3_weight(c - i as f64)))
                    })
                    .collect();
                let total: f64 = taps.iter().map(|t| t.1).sum();
                let total = if total == 0.0 { 1.0 } else { total };
                taps.into_iter().map(|(i, w)| (i, w / total)).collect()
            }
        })
        .collect()
}

/// Encoded taps: (index, weight code).
fn encode_taps(fmt: Format, taps: &[Taps], cnt: &mut Counts) -> Vec<Vec<(usize, i32)>> {
    taps.iter()
        .map(|t| {
            t.iter()
                .map(|&(i, w)| (i, lns_core::convert::encode(fmt, w, cnt)))
                .collect()
        })
        .collect()
}

/// Resamples `x [N, C, H, W]` with per-axis taps.
pub(crate) fn resample(x: &LnsTensor, ty: &[Taps], tx: &[Taps]) -> LnsTensor {
    let s = x.shape();
    let (planes, h, w) = (s[0] * s[1], s[2], s[3]);
    let (oh, ow) = (ty.len(), tx.len());
    let arith = x.device.arith().clone();
    let (f, af) = (arith.format(), arith.acc_format());
    let mut cnt = Counts::default();
    let (ey, ex) = (encode_taps(f, ty, &mut cnt), encode_taps(f, tx, &mut cnt));
    arith.record(cnt);
    let xv = x.codes();
    let mut out = vec![0i32; planes * oh * ow];
    let counts = out
        .par_chunks_mut((oh * ow).max(1))
        .enumerate()
        .map(|(pi, dst)| {
            let mut cnt = Counts::default();
            let plane = &xv[pi * h * w..][..h * w];
            for (y, ty) in ey.iter().enumerate() {
                for (xx, tx) in ex.iter().enumerate() {
                    let mut acc = af.zero();
                    for &(iy, wy) in ty {
                        for &(ix, wx) in tx {
                            let wgt = recode(f, af, arith::mul(f, wy, wx, &mut cnt), &mut cnt);
                            let v = recode(f, af, plane[iy * w + ix], &mut cnt);
                            let p = arith::mul(af, wgt, v, &mut cnt);
                            acc = arith::add(af, arith.acc_delta(), acc, p, &mut cnt);
                        }
                    }
                    dst[y * ow + xx] = recode(af, f, acc, &mut cnt);
                }
            }
            cnt
        })
        .reduce(Counts::default, sum_counts);
    arith.record(counts);
    LnsTensor::from_codes_i32(
        out,
        Shape::from(vec![s[0], s[1], oh, ow]),
        x.device.clone(),
        x.dtype,
    )
}

/// Gradient of [`resample`] with respect to an input of shape `x_shape`: every output
/// gradient times its tap weights, added in output order.
pub(crate) fn resample_backward(
    x_shape: &Shape,
    grad: &LnsTensor,
    ty: &[Taps],
    tx: &[Taps],
) -> LnsTensor {
    let w = x_shape[3];
    let (oh, ow) = (ty.len(), tx.len());
    let arith = grad.device.arith();
    let (f, af) = (arith.format(), arith.acc_format());
    let mut cnt = Counts::default();
    let (ey, ex) = (encode_taps(f, ty, &mut cnt), encode_taps(f, tx, &mut cnt));
    arith.record(cnt);
    let g = grad.codes();
    with_storage!(f.storage(), C => {
        scatter_gradient_planes::<C>(x_shape, grad, |pi, acc, cnt| {
            let gp = &g[pi * oh * ow..][..oh * ow];
            for (y, ty) in ey.iter().enumerate() {
                for (xx, tx) in ex.iter().enumerate() {
                    let gv = recode(f, af, gp[y * ow + xx], cnt);
                    for &(iy, wy) in ty {
                        for &(ix, wx) in tx {
                            let wgt = recode(f, af, arith::mul(f, wy, wx, cnt), cnt);
                            let p = arith::mul(af, wgt, gv, cnt);
                            let a = &mut acc[iy * w + ix];
                            *a = arith::add(af, arith.acc_delta(), *a, p, cnt);
                        }
                    }
                }
            }
        })
    })
}
