//! Deformable 2-D convolution (`deform_conv2d`) and its backward pass: deformable
//! im2col in LNS followed by `lns_core::kernels::gemm`, with the semantics of Burn
//! 0.21's CPU reference (burn-flex's `deform_conv.rs`).
//!
//! # Sampling
//!
//! Output position `p = (oy, ox)` and kernel tap `k = (i, j)` of offset group `g` sample
//! every input channel of that group at
//!
//! `y = oy·s_h − pad_h + i·d_h + Δy`,  `x = ox·s_w − pad_w + j·d_w + Δx`,
//!
//! with `(Δy, Δx) = offset[b, 2(g·K + k), p], offset[b, 2(g·K + k) + 1, p]` and
//! `K = kh·kw`. The base is exact integer index arithmetic. The conversion unit splits
//! each offset into `n = ⌊Δ⌋` (a code that encodes an integer is that integer, as in the
//! backend's `floor`) and the fraction `l = Δ − n ∈ [0, 1)`, rounded once to a code,
//! so that `y = y₀ + l_y` with an integer `y₀`. The rest is LNS arithmetic:
//!
//! - `h = 1 − l`: one LNS subtraction in the operand format;
//! - corner weights `w₁ = h_y·h_x`, `w₂ = h_y·l_x`, `w₃ = l_y·h_x`, `w₄ = l_y·l_x`: exact
//!   products in the accumulator format;
//! - the sample `v = w₁·x[y₀, x₀] + w₂·x[y₀, x₀+1] + w₃·x[y₀+1, x₀] + w₄·x[y₀+1, x₀+1]`,
//!   folded in that order in the accumulator format and rounded once to the operand
//!   format. Corners outside the image are 0, and the whole sample is 0 unless
//!   `−1 < y < H` and `−1 < x < W` (burn-flex's test);
//! - the column entry `v·m` with the mask `m` (an exact product), `v` without a mask.
//!
//! With zero offsets every sample is its input code (`1·x + 0·… = x` exactly), so the
//! result is bit-identical to `conv2d`. Otherwise a sample carries about three
//! roundings (`l`, `h`, the fold) before the dot product; against burn-flex f32 the
//! suite measures ≤ 7.5 u on 16:10 for the output and ≤ 12.1 u for the gradients
//! (`docs/conformance.md`).
//!
//! # Canonical order
//!
//! The column matrix is `[C·K, N·P]` (row `c·K + k`, column `b·P + p`, `P = oh·ow`);
//! weight group `γ` owns the contiguous block of rows `[γ·cg·K, (γ+1)·cg·K)`. Every sum
//! is a sequential fold in the accumulator format, rounded once:
//!
//! | output | terms, in order |
//! |---|---|
//! | `y[b, o, p]` | `gemm` over the group's `(c, i, j)`: `W[o, c, i, j]·col[(c, i, j), (b, p)]`; then one LNS add of the bias |
//! | `∂W[o, c, i, j]` | `gemm` over `(b, oy, ox)`: `∂y[b, o, p]·col[(c, i, j), (b, p)]` |
//! | `∂bias[o]` | `∂y[b, o, p]` over `(b, oy, ox)` |
//! | `ĝ[(c, k), (b, p)]` (column gradient) | `gemm` over the group's output channels `o`: `W[o, c, k]·∂y[b, o, p]` |
//! | `∂m[b, g, k, p]` | over the channels `c` of offset group `g`: `ĝ·v` |
//! | `∂Δy[b, g, k, p]` | over `c`: `m·ĝ·h_x·(x₃ − x₁)`, then `m·ĝ·l_x·(x₄ − x₂)` |
//! | `∂Δx[b, g, k, p]` | over `c`: `m·ĝ·h_y·(x₂ − x₁)`, then `m·ĝ·l_y·(x₄ − x₃)` |
//! | `∂x[b, c, ·, ·]` | scattered over `(k, oy, ox)`, each to corners 1‥4 in order: `w_q·m·ĝ` |
//!
//! `x₁‥x₄` are the corner values (0 outside the image); their differences are taken in
//! the accumulator format; offset and input gradients are 0 for samples outside
//! `(−1, H) × (−1, W)` (burn-flex). Parallel tasks compute independent outputs (rows of
//! a buffer, images, input planes), so the codes do not depend on the thread count.

use std::borrow::Cow;

use burn_backend::TensorMetadata;
use burn_backend::ops::{DeformConvOptions, IntTensorOps};
use burn_flex::Flex;
use burn_std::Shape;
use lns_core::arith;
use lns_core::convert::{is_zero, recode};
use lns_core::kernels::{BinaryOp, Exec, MatRef, ReduceOp, gemm};
use lns_core::{Arith, Counts, Format, OpCounts};
use rayon::prelude::*;

use super::conv::reshape;
use super::{binary, reduce_dim, to_device};
use crate::ops::float::integer_of;
use crate::tensor::{Code, LnsTensor, contiguous, flex_from_vec, with_storage};

/// Integer parts of offsets beyond this magnitude are clamped (they sample outside any
/// image either way).
const MAX_INTEGER_OFFSET: f64 = (1u64 << 40) as f64;

/// The sizes and options of one deformable convolution.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    /// Images, input channels, input height and width.
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    /// Output channels and input channels per weight group.
    co: usize,
    cg: usize,
    /// Kernel height and width.
    kh: usize,
    kw: usize,
    /// Output height and width (from the offset tensor, as burn-flex).
    oh: usize,
    ow: usize,
    groups: usize,
    offset_groups: usize,
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
}

impl Geometry {
    /// # Panics
    /// If the shapes do not fit each other and the group counts.
    fn new(
        x: &Shape,
        offset: &Shape,
        weight: &Shape,
        mask: Option<&Shape>,
        o: &DeformConvOptions<2>,
    ) -> Geometry {
        assert!(
            x.num_dims() == 4 && offset.num_dims() == 4 && weight.num_dims() == 4,
            "deform_conv2d: x {x:?}, offset {offset:?} and weight {weight:?} must be 4-D"
        );
        let g = Geometry {
            n: x[0],
            c: x[1],
            h: x[2],
            w: x[3],
            co: weight[0],
            cg: weight[1],
            kh: weight[2],
            kw: weight[3],
            oh: offset[2],
            ow: offset[3],
            groups: o.weight_groups,
            offset_groups: o.offset_groups,
            stride: o.stride,
            padding: o.padding,
            dilation: o.dilation,
        };
        assert!(
            g.c == g.cg * g.groups && g.co.is_multiple_of(g.groups),
            "deform_conv2d: input has {} channels, weight expects {}×{} groups and {} outputs",
            g.c,
            g.cg,
            g.groups,
            g.co
        );
        assert!(
            g.c.is_multiple_of(g.offset_groups),
            "deform_conv2d: {} channels do not split into {} offset groups",
            g.c,
            g.offset_groups
        );
        let taps = g.offset_groups * g.taps();
        assert!(
            offset[0] == g.n && offset[1] == 2 * taps,
            "deform_conv2d: offset {offset:?} must be [{}, {}, oh, ow]",
            g.n,
            2 * taps
        );
        if let Some(m) = mask {
            assert!(
                m.iter().copied().eq([g.n, taps, g.oh, g.ow]),
                "deform_conv2d: mask {m:?} must be [{}, {taps}, {}, {}]",
                g.n,
                g.oh,
                g.ow
            );
        }
        g
    }

    /// Kernel taps `K = kh·kw`.
    fn taps(&self) -> usize {
        self.kh * self.kw
    }

    /// Output positions `P = oh·ow`.
    fn positions(&self) -> usize {
        self.oh * self.ow
    }

    /// Columns of the column matrix, `N·P`.
    fn cols(&self) -> usize {
        self.n * self.positions()
    }

    /// Rows of one weight group's block of the column matrix, `cg·K`.
    fn group_rows(&self) -> usize {
        self.cg * self.taps()
    }

    /// Output channels per weight group.
    fn cog(&self) -> usize {
        self.co / self.groups
    }

    /// Input channels per offset group.
    fn cpo(&self) -> usize {
        self.c / self.offset_groups
    }

    /// Index of the tap of image `b`, offset group `g`, kernel tap `k`, position `p` in
    /// [`taps`]'s output (also the index of its mask element).
    fn tap_index(&self, b: usize, g: usize, k: usize, p: usize) -> usize {
        ((b * self.offset_groups + g) * self.taps() + k) * self.positions() + p
    }

    /// The integer part of the sampling position of kernel tap `k` at output position
    /// `p`: `(oy·s_h − pad_h + i·d_h, ox·s_w − pad_w + j·d_w)`.
    fn base(&self, k: usize, p: usize) -> [i64; 2] {
        let (i, j) = (k / self.kw, k % self.kw);
        let (oy, ox) = (p / self.ow, p % self.ow);
        let at = |a: usize, o: usize, t: usize| {
            (o * self.stride[a] + t * self.dilation[a]) as i64 - self.padding[a] as i64
        };
        [at(0, oy, i), at(1, ox, j)]
    }
}

/// The arithmetic of one parallel task, with its local tallies of exceptional events
/// and operations.
struct Unit<'a> {
    arith: &'a Arith,
    f: Format,
    af: Format,
    counts: Counts,
    ops: OpCounts,
}

impl<'a> Unit<'a> {
    fn new(arith: &'a Arith) -> Unit<'a> {
        Unit {
            arith,
            f: arith.format(),
            af: arith.acc_format(),
            counts: Counts::default(),
            ops: OpCounts::default(),
        }
    }

    /// An operand code in the accumulator format (exact widening).
    fn lift(&mut self, a: i32) -> i32 {
        recode(self.f, self.af, a, &mut self.counts)
    }

    /// An accumulator code rounded once to the operand format.
    fn round(&mut self, acc: i32) -> i32 {
        recode(self.af, self.f, acc, &mut self.counts)
    }

    /// `a·b` of two accumulator codes (exact unless it saturates or flushes).
    fn mul(&mut self, a: i32, b: i32) -> i32 {
        self.ops.int_add += 1;
        arith::mul(self.af, a, b, &mut self.counts)
    }

    /// `a·b` of two operand codes, as an accumulator code.
    fn prod(&mut self, a: i32, b: i32) -> i32 {
        let (a, b) = (self.lift(a), self.lift(b));
        self.mul(a, b)
    }

    /// `a·b` of two operand codes in the operand format.
    fn mul_operand(&mut self, a: i32, b: i32) -> i32 {
        self.ops.int_add += 1;
        arith::mul(self.f, a, b, &mut self.counts)
    }

    /// `a + b` of accumulator codes.
    fn add(&mut self, a: i32, b: i32) -> i32 {
        self.ops.lns_add += 1;
        arith::add(self.af, self.arith.acc_delta(), a, b, &mut self.counts)
    }

    /// `a − b` of accumulator codes.
    fn sub(&mut self, a: i32, b: i32) -> i32 {
        self.ops.lns_add += 1;
        arith::sub(self.af, self.arith.acc_delta(), a, b, &mut self.counts)
    }

    /// `1 − l` of an operand code, in the operand format (one rounding).
    fn complement(&mut self, l: i32) -> i32 {
        self.ops.lns_add += 1;
        arith::sub(
            self.f,
            self.arith.delta(),
            self.f.one(),
            l,
            &mut self.counts,
        )
    }

    /// `(n, l)` with `n = ⌊v⌋` and `l = v − n` (a code, one rounding) for the value `v`
    /// of `a`, through the conversion unit; a code that encodes an integer is that
    /// integer (`l = 0`), as in the backend's `floor`.
    fn split(&mut self, a: i32) -> (i64, i32) {
        let (n, l) = match integer_of(self.f, a) {
            Some(n) => (n, self.f.zero()),
            None => {
                let cu = self.arith.conv();
                self.ops.convert += 2;
                let v = cu.to_linear(self.f, a);
                let n = v.floor();
                (n, cu.to_log(self.f, v - n, &mut self.counts))
            }
        };
        (n.clamp(-MAX_INTEGER_OFFSET, MAX_INTEGER_OFFSET) as i64, l)
    }
}

/// Fills `out` in parallel rows of `row` elements with `f(row index, row, unit)`, then
/// records the tasks' tallies on `arith`.
fn par_rows<T: Send>(
    arith: &Arith,
    out: &mut [T],
    row: usize,
    f: impl Fn(usize, &mut [T], &mut Unit) + Sync,
) {
    let (counts, ops) = out
        .par_chunks_mut(row.max(1))
        .enumerate()
        .map(|(i, dst)| {
            let mut u = Unit::new(arith);
            f(i, dst, &mut u);
            (u.counts, u.ops)
        })
        .reduce(
            || (Counts::default(), OpCounts::default()),
            |(mut c, mut o), (c2, o2)| {
                c += c2;
                o += o2;
                (c, o)
            },
        );
    arith.record(counts);
    arith.record_ops(ops);
}

/// Where one kernel tap of one output position samples the channels of its offset
/// group (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
struct Tap {
    /// The top-left corner `(y₀, x₀)`.
    origin: [i64; 2],
    /// The fractions `(l_y, l_x)` (operand codes).
    l: [i32; 2],
    /// Their complements `(h_y, h_x) = (1 − l_y, 1 − l_x)` (operand codes).
    h: [i32; 2],
    /// Corner weights `h_y·h_x, h_y·l_x, l_y·h_x, l_y·l_x` (accumulator codes).
    w: [i32; 4],
    /// `−1 < y < H` and `−1 < x < W`; samples outside are 0.
    inside: bool,
}

impl Tap {
    /// The tap at integer base `base` displaced by the offset codes `delta = (Δy, Δx)`,
    /// in an image of `size = [H, W]`.
    fn new(base: [i64; 2], delta: [i32; 2], size: [usize; 2], u: &mut Unit) -> Tap {
        let mut t = Tap {
            inside: true,
            ..Tap::default()
        };
        for a in 0..2 {
            let (n, l) = u.split(delta[a]);
            let y0 = base[a].saturating_add(n);
            t.origin[a] = y0;
            t.l[a] = l;
            // y = y₀ + l with l ∈ [0, 1]: y > −1 unless y₀ < −1 or y = −1 exactly.
            let above = y0 >= 0 || (y0 == -1 && !is_zero(u.f, l));
            t.inside &= above && y0 < size[a] as i64;
        }
        if !t.inside {
            return t;
        }
        t.h = [u.complement(t.l[0]), u.complement(t.l[1])];
        let [hy, hx] = [u.lift(t.h[0]), u.lift(t.h[1])];
        let [ly, lx] = [u.lift(t.l[0]), u.lift(t.l[1])];
        t.w = [u.mul(hy, hx), u.mul(hy, lx), u.mul(ly, hx), u.mul(ly, lx)];
        t
    }

    /// Plane indices of the corners `(y₀, x₀), (y₀, x₀+1), (y₀+1, x₀), (y₀+1, x₀+1)` of
    /// an `h × w` plane; `None` outside it.
    fn corners(&self, h: usize, w: usize) -> [Option<usize>; 4] {
        let [y0, x0] = self.origin;
        let at = |y: i64, x: i64| {
            (y >= 0 && x >= 0 && (y as usize) < h && (x as usize) < w)
                .then(|| y as usize * w + x as usize)
        };
        [
            at(y0, x0),
            at(y0, x0 + 1),
            at(y0 + 1, x0),
            at(y0 + 1, x0 + 1),
        ]
    }

    /// The corner values `x₁‥x₄` of `plane` as accumulator codes (0 outside).
    fn values<C: Code>(&self, plane: &[C], h: usize, w: usize, u: &mut Unit) -> [i32; 4] {
        self.corners(h, w)
            .map(|c| c.map_or(u.af.zero(), |i| u.lift(plane[i].widen())))
    }

    /// The bilinear sample `Σ_q w_q·x_q` of `plane` (an operand code; 0 outside).
    fn sample<C: Code>(&self, plane: &[C], h: usize, w: usize, u: &mut Unit) -> i32 {
        if !self.inside {
            return u.f.zero();
        }
        let mut acc = u.af.zero();
        for (corner, wq) in self.corners(h, w).into_iter().zip(self.w) {
            if let Some(i) = corner {
                let v = u.lift(plane[i].widen());
                let term = u.mul(wq, v);
                acc = u.add(acc, term);
            }
        }
        u.round(acc)
    }
}

/// The taps of every `(b, g, k, p)`, in [`Geometry::tap_index`] order, from the offset
/// codes `[N, 2·G·K, P]`.
fn taps(g: &Geometry, offset: &[i32], arith: &Arith) -> Vec<Tap> {
    let (k_n, p_n) = (g.taps(), g.positions());
    let mut out = vec![Tap::default(); g.n * g.offset_groups * k_n * p_n];
    par_rows(arith, &mut out, p_n, |row, dst, u| {
        // row = (b·G + g)·K + k; its Δy and Δx are offset rows 2·row and 2·row + 1.
        let k = row % k_n;
        let dy = &offset[2 * row * p_n..][..p_n];
        let dx = &offset[(2 * row + 1) * p_n..][..p_n];
        for (p, t) in dst.iter_mut().enumerate() {
            *t = Tap::new(g.base(k, p), [dy[p], dx[p]], [g.h, g.w], u);
        }
    });
    out
}

/// The unmasked column matrix `[C·K, N·P]`: `col[(c, k), (b, p)] = v` (module docs).
fn columns<C: Code>(g: &Geometry, x: &[C], taps: &[Tap], arith: &Arith) -> Vec<C> {
    let (k_n, p_n, plane) = (g.taps(), g.positions(), g.h * g.w);
    let mut cols = vec![C::narrow(arith.format().zero()); g.c * k_n * g.cols()];
    par_rows(arith, &mut cols, g.cols(), |row, dst, u| {
        let (c, k) = (row / k_n, row % k_n);
        let og = c / g.cpo();
        for b in 0..g.n {
            let xp = &x[(b * g.c + c) * plane..][..plane];
            for p in 0..p_n {
                let tap = &taps[g.tap_index(b, og, k, p)];
                dst[b * p_n + p] = C::narrow(tap.sample(xp, g.h, g.w, u));
            }
        }
    });
    cols
}

/// Multiplies every column entry by its mask element (exact products).
fn apply_mask<C: Code>(g: &Geometry, cols: &mut [C], mask: &[i32], arith: &Arith) {
    let (k_n, p_n) = (g.taps(), g.positions());
    par_rows(arith, cols, g.cols(), |row, dst, u| {
        let (c, k) = (row / k_n, row % k_n);
        let og = c / g.cpo();
        for b in 0..g.n {
            for p in 0..p_n {
                let d = &mut dst[b * p_n + p];
                *d = C::narrow(u.mul_operand(d.widen(), mask[g.tap_index(b, og, k, p)]));
            }
        }
    });
}

/// `out[b] = W_γ · col_γ[:, b·P..(b+1)·P]` for every group `γ`: the `[N, Co, P]` output.
fn forward_gemm<C: Code>(
    g: &Geometry,
    weight: &[C],
    cols: &[C],
    arith: &Arith,
    dev_exec: Exec,
) -> Vec<C> {
    let (cog, rows, p_n, np) = (g.cog(), g.group_rows(), g.positions(), g.cols());
    let mut out = vec![C::narrow(arith.format().zero()); g.n * g.co * p_n];
    let image = |b: usize, dst: &mut [C], exec: Exec| {
        for gi in 0..g.groups {
            let a = MatRef::row_major(&weight[gi * cog * rows..][..cog * rows], cog, rows);
            let col = MatRef {
                data: cols.get(gi * rows * np + b * p_n..).unwrap_or(&[]),
                rows,
                cols: p_n,
                row_stride: np,
                col_stride: 1,
            };
            gemm(arith, a, col, &mut dst[gi * cog * p_n..][..cog * p_n], exec)
                .unwrap_or_else(|e| panic!("deform_conv2d: {e}"));
        }
    };
    if p_n > 0 && g.co > 0 {
        if g.n >= rayon::current_num_threads() {
            let exec = Exec {
                parallel: false,
                ..dev_exec
            };
            out.par_chunks_mut(g.co * p_n)
                .enumerate()
                .for_each(|(b, dst)| image(b, dst, exec));
        } else {
            out.chunks_mut(g.co * p_n)
                .enumerate()
                .for_each(|(b, dst)| image(b, dst, dev_exec));
        }
    }
    out
}

/// `x [N, C, H, W]` deformed by `offset [N, 2·G·kh·kw, oh, ow]`, convolved with
/// `weight [Co, C/groups, kh, kw]`, optionally modulated by `mask [N, G·kh·kw, oh, ow]`,
/// plus `bias [Co]`: `[N, Co, oh, ow]` (module docs for the arithmetic and its order).
///
/// # Panics
/// If the shapes do not fit each other and the options.
pub(crate) fn deform_conv2d(
    x: LnsTensor,
    offset: LnsTensor,
    weight: LnsTensor,
    mask: Option<LnsTensor>,
    bias: Option<LnsTensor>,
    o: &DeformConvOptions<2>,
) -> LnsTensor {
    let dev = x.device.clone();
    let (offset, weight) = (to_device(offset, &dev), to_device(weight, &dev));
    let mask = mask.map(|m| to_device(m, &dev));
    x.begin_segment("deform_conv", &[&offset, &weight]);
    let g = Geometry::new(
        &x.shape(),
        &offset.shape(),
        &weight.shape(),
        mask.as_ref().map(|m| m.shape()).as_ref(),
        o,
    );
    let arith = dev.arith().clone();
    let taps = taps(&g, &offset.codes(), &arith);
    let mask = mask.map(|m| m.codes());
    let out_shape = Shape::from(vec![g.n, g.co, g.oh, g.ow]);
    let flex = with_storage!(x.format().storage(), C => {
        let xv = contiguous::<C>(&x.codes);
        let wv = contiguous::<C>(&weight.codes);
        let mut cols = columns::<C>(&g, &xv, &taps, &arith);
        if let Some(m) = &mask {
            apply_mask(&g, &mut cols, m, &arith);
        }
        flex_from_vec(forward_gemm(&g, &wv, &cols, &arith, dev.exec()), out_shape)
    });
    let y = x.with_codes(flex);
    match bias {
        Some(b) => {
            let b = b.with_codes(b.codes.clone().reshape(Shape::from(vec![1, g.co, 1, 1])));
            binary(y, b, BinaryOp::Add)
        }
        None => y,
    }
}

/// The gradients of [`deform_conv2d`] with respect to each of its inputs.
pub(crate) struct DeformGrads {
    pub x: LnsTensor,
    pub offset: LnsTensor,
    pub weight: LnsTensor,
    pub mask: Option<LnsTensor>,
    pub bias: Option<LnsTensor>,
}

/// `∂W_γ = ∂y_γ · col_γᵀ`: gemm over `(b, p)` for every group; `[Co, cg·K]`.
fn weight_grad<C: Code>(g: &Geometry, grad: &[C], cols: &[C], arith: &Arith, exec: Exec) -> Vec<C> {
    let (cog, rows, np) = (g.cog(), g.group_rows(), g.cols());
    let mut out = vec![C::narrow(arith.format().zero()); g.co * rows];
    for gi in 0..g.groups {
        let a = MatRef::row_major(&grad[gi * cog * np..][..cog * np], cog, np);
        let colt = MatRef {
            data: cols.get(gi * rows * np..).unwrap_or(&[]),
            rows: np,
            cols: rows,
            row_stride: 1,
            col_stride: np,
        };
        gemm(
            arith,
            a,
            colt,
            &mut out[gi * cog * rows..][..cog * rows],
            exec,
        )
        .unwrap_or_else(|e| panic!("deform_conv2d_backward (weight): {e}"));
    }
    out
}

/// `ĝ_γ = W_γᵀ · ∂y_γ`: gemm over the group's output channels; `[C·K, N·P]`.
fn column_grad<C: Code>(
    g: &Geometry,
    weight: &[C],
    grad: &[C],
    arith: &Arith,
    exec: Exec,
) -> Vec<C> {
    let (cog, rows, np) = (g.cog(), g.group_rows(), g.cols());
    let mut out = vec![C::narrow(arith.format().zero()); g.c * g.taps() * np];
    for gi in 0..g.groups {
        let wt = MatRef {
            data: weight.get(gi * cog * rows..).unwrap_or(&[]),
            rows,
            cols: cog,
            row_stride: 1,
            col_stride: rows,
        };
        let b = MatRef::row_major(&grad[gi * cog * np..][..cog * np], cog, np);
        gemm(arith, wt, b, &mut out[gi * rows * np..][..rows * np], exec)
            .unwrap_or_else(|e| panic!("deform_conv2d_backward (columns): {e}"));
    }
    out
}

/// `∂m[b, g, k, p] = Σ_{c ∈ g} ĝ·v`, channels in order; `[N, G·K, P]`.
fn mask_grad<C: Code>(g: &Geometry, samples: &[C], cgrad: &[C], arith: &Arith) -> Vec<C> {
    let (k_n, p_n, np, cpo) = (g.taps(), g.positions(), g.cols(), g.cpo());
    let mut out = vec![C::narrow(arith.format().zero()); g.n * g.offset_groups * k_n * p_n];
    par_rows(arith, &mut out, p_n, |row, dst, u| {
        let (k, og, b) = (
            row % k_n,
            (row / k_n) % g.offset_groups,
            row / (k_n * g.offset_groups),
        );
        for (p, d) in dst.iter_mut().enumerate() {
            let mut acc = u.af.zero();
            for c in og * cpo..(og + 1) * cpo {
                let i = (c * k_n + k) * np + b * p_n + p;
                let term = u.prod(cgrad[i].widen(), samples[i].widen());
                acc = u.add(acc, term);
            }
            *d = C::narrow(u.round(acc));
        }
    });
    out
}

/// `m·ĝ` of column entry `(c, k), (b, p)` with tap index `ti`, as an accumulator code.
fn masked_grad<C: Code>(
    cgrad: &[C],
    i: usize,
    mask: Option<&[i32]>,
    ti: usize,
    u: &mut Unit,
) -> i32 {
    let t = u.lift(cgrad[i].widen());
    match mask {
        Some(m) => {
            let mv = u.lift(m[ti]);
            u.mul(t, mv)
        }
        None => t,
    }
}

/// `∂Δy = Σ_c m·ĝ·(h_x·(x₃ − x₁) + l_x·(x₄ − x₂))` and
/// `∂Δx = Σ_c m·ĝ·(h_y·(x₂ − x₁) + l_y·(x₄ − x₃))` over the channels of the offset
/// group, in order (0 for samples outside); `[N, 2·G·K, P]`.
fn offset_grad<C: Code>(
    g: &Geometry,
    x: &[C],
    taps: &[Tap],
    cgrad: &[C],
    mask: Option<&[i32]>,
    arith: &Arith,
) -> Vec<C> {
    let (k_n, p_n, np, cpo, plane) = (g.taps(), g.positions(), g.cols(), g.cpo(), g.h * g.w);
    let mut out = vec![C::narrow(arith.format().zero()); 2 * taps.len()];
    par_rows(arith, &mut out, p_n, |row, dst, u| {
        // row = 2·((b·G + g)·K + k) + axis.
        let (axis, tap_row) = (row % 2, row / 2);
        let (k, og, b) = (
            tap_row % k_n,
            (tap_row / k_n) % g.offset_groups,
            tap_row / (k_n * g.offset_groups),
        );
        // Pairs of corners whose difference is the derivative along `axis`, and the
        // weights of the other axis that scale them.
        let pairs = if axis == 0 {
            [(2, 0), (3, 1)]
        } else {
            [(1, 0), (3, 2)]
        };
        for (p, d) in dst.iter_mut().enumerate() {
            let ti = tap_row * p_n + p;
            let tap = &taps[ti];
            let mut acc = u.af.zero();
            if tap.inside {
                let other = 1 - axis;
                let scale = [u.lift(tap.h[other]), u.lift(tap.l[other])];
                for c in og * cpo..(og + 1) * cpo {
                    let v = tap.values(&x[(b * g.c + c) * plane..][..plane], g.h, g.w, u);
                    let t = masked_grad(cgrad, (c * k_n + k) * np + b * p_n + p, mask, ti, u);
                    for ((hi, lo), s) in pairs.into_iter().zip(scale) {
                        let diff = u.sub(v[hi], v[lo]);
                        let ts = u.mul(t, s);
                        let term = u.mul(ts, diff);
                        acc = u.add(acc, term);
                    }
                }
            }
            *d = C::narrow(u.round(acc));
        }
    });
    out
}

/// `∂x`: every `w_q·m·ĝ` scattered to its corner, over `(k, oy, ox)` in order and
/// corners 1‥4 in order, in the accumulator format; `[N, C, H, W]`.
fn input_grad<C: Code>(
    g: &Geometry,
    taps: &[Tap],
    cgrad: &[C],
    mask: Option<&[i32]>,
    arith: &Arith,
) -> Vec<C> {
    let (k_n, p_n, np, plane) = (g.taps(), g.positions(), g.cols(), g.h * g.w);
    let mut out = vec![C::narrow(arith.format().zero()); g.n * g.c * plane];
    par_rows(arith, &mut out, plane, |row, dst, u| {
        let (b, c) = (row / g.c, row % g.c);
        let og = c / g.cpo();
        let mut acc = vec![u.af.zero(); plane];
        for k in 0..k_n {
            for p in 0..p_n {
                let ti = g.tap_index(b, og, k, p);
                let tap = &taps[ti];
                if !tap.inside {
                    continue;
                }
                let t = masked_grad(cgrad, (c * k_n + k) * np + b * p_n + p, mask, ti, u);
                for (corner, wq) in tap.corners(g.h, g.w).into_iter().zip(tap.w) {
                    if let Some(i) = corner {
                        let term = u.mul(wq, t);
                        acc[i] = u.add(acc[i], term);
                    }
                }
            }
        }
        for (d, a) in dst.iter_mut().zip(acc) {
            *d = C::narrow(u.round(a));
        }
    });
    out
}

/// The gradients of [`deform_conv2d`] for the output gradient `grad [N, Co, oh, ow]`
/// (module docs for the formulas and their order). The bias gradient is computed when
/// `has_bias`, the mask gradient when `mask` is given.
///
/// # Panics
/// If the shapes do not fit each other and the options.
pub(crate) fn deform_conv2d_backward(
    x: LnsTensor,
    offset: LnsTensor,
    weight: LnsTensor,
    mask: Option<LnsTensor>,
    has_bias: bool,
    grad: LnsTensor,
    o: &DeformConvOptions<2>,
) -> DeformGrads {
    let dev = x.device.clone();
    let (offset, weight) = (to_device(offset, &dev), to_device(weight, &dev));
    let (mask, grad) = (mask.map(|m| to_device(m, &dev)), to_device(grad, &dev));
    grad.begin_segment("deform_conv_backward", &[]);
    let mask_shape = mask.as_ref().map(|m| m.shape());
    let g = Geometry::new(
        &x.shape(),
        &offset.shape(),
        &weight.shape(),
        mask_shape.as_ref(),
        o,
    );
    let arith = dev.arith().clone();
    let exec = dev.exec();
    let taps = taps(&g, &offset.codes(), &arith);
    let mask = mask.map(|m| m.codes());
    // ∂y as [Co, N·P] (a code move): row o holds (b, p) in order.
    let (co, np) = (g.co, g.cols());
    let by_channel = Flex::int_permute(
        grad.reshaped(Shape::from(vec![g.n, co, g.positions()]))
            .codes,
        &[1, 0, 2],
    );
    let gt = grad
        .with_codes(by_channel)
        .reshaped(Shape::from(vec![co, np]));
    let bias = has_bias.then(|| reshape(&reduce_dim(&gt, 1, ReduceOp::Sum), vec![co]));
    let (xg, og, wg, mg) = with_storage!(x.format().storage(), C => {
        let xv = contiguous::<C>(&x.codes);
        let wv = contiguous::<C>(&weight.codes);
        let gv = contiguous::<C>(&gt.codes);
        let samples = columns::<C>(&g, &xv, &taps, &arith);
        let cols: Cow<[C]> = match &mask {
            Some(m) => {
                let mut c = samples.clone();
                apply_mask(&g, &mut c, m, &arith);
                Cow::Owned(c)
            }
            None => Cow::Borrowed(&samples),
        };
        let wg = weight_grad(&g, &gv, &cols, &arith, exec);
        let cgrad = column_grad(&g, &wv, &gv, &arith, exec);
        let mg = mask.as_ref().map(|_| mask_grad(&g, &samples, &cgrad, &arith));
        let og = offset_grad(&g, &xv, &taps, &cgrad, mask.as_deref(), &arith);
        let xg = input_grad(&g, &taps, &cgrad, mask.as_deref(), &arith);
        (
            flex_from_vec(xg, x.shape()),
            flex_from_vec(og, offset.shape()),
            flex_from_vec(wg, weight.shape()),
            mg.zip(mask_shape).map(|(m, s)| flex_from_vec(m, s)),
        )
    });
    DeformGrads {
        x: x.with_codes(xg),
        offset: offset.with_codes(og),
        weight: weight.with_codes(wg),
        mask: mg.map(|m| x.with_codes(m)),
        bias,
    }
}
