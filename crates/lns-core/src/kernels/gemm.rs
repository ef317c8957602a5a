//! Matrix products `C = A·B` where every `C[i, j]` is the canonical dot product of row
//! `i` of A and column `j` of B.

use rayon::prelude::*;

use super::lanes::{LANES, LaneEngine, MacParams, PortableLanes, interleave};
use super::scalar::dot_codes;
use super::{Exec, SimdLevel};
use crate::code::CodeStorage;
use crate::convert::recode;
use crate::error::{LnsError, Result};
use crate::tally::{Counts, OpCounts};
use crate::unit::Arith;

/// A strided read-only matrix view over packed codes.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a, C> {
    /// The backing codes.
    pub data: &'a [C],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Distance between consecutive rows.
    pub row_stride: usize,
    /// Distance between consecutive columns.
    pub col_stride: usize,
}

impl<'a, C: CodeStorage> MatRef<'a, C> {
    /// A row-major `rows × cols` matrix.
    pub fn row_major(data: &'a [C], rows: usize, cols: usize) -> Self {
        MatRef {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose (no copy).
    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    #[inline(always)]
    fn at(&self, i: usize, j: usize) -> i32 {
        self.data[i * self.row_stride + j * self.col_stride].widen()
    }

    fn check(&self, name: &str) -> Result<()> {
        if self.rows == 0 || self.cols == 0 {
            return Ok(());
        }
        let last = (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride;
        if last >= self.data.len() {
            return Err(LnsError::Shape(format!(
                "{name}: a {}×{} view with strides ({}, {}) needs {} codes, has {}",
                self.rows,
                self.cols,
                self.row_stride,
                self.col_stride,
                last + 1,
                self.data.len()
            )));
        }
        Ok(())
    }
}

/// Output rows per tile (they share the loaded B panel).
const TILE_ROWS: usize = 4;
/// Rows per parallel task.
const ROWS_PER_TASK: usize = 16;

/// `out := A·B` with `out` row-major `A.rows × B.cols`, each entry the canonical dot
/// product over `k = 0..A.cols`. Saturations and flushes are added to `arith`'s counts.
///
/// # Errors
/// [`LnsError::Shape`] if `A.cols ≠ B.rows`, a view exceeds its data, or `out` has the
/// wrong length.
pub fn gemm<C: CodeStorage>(
    arith: &Arith,
    a: MatRef<'_, C>,
    b: MatRef<'_, C>,
    out: &mut [C],
    exec: Exec,
) -> Result<()> {
    if a.cols != b.rows {
        return Err(LnsError::Shape(format!(
            "gemm: A is {}×{} but B is {}×{}",
            a.rows, a.cols, b.rows, b.cols
        )));
    }
    if out.len() != a.rows * b.cols {
        return Err(LnsError::Shape(format!(
            "gemm: output has {} codes, expected {}×{}",
            out.len(),
            a.rows,
            b.cols
        )));
    }
    a.check("gemm A")?;
    b.check("gemm B")?;
    if out.is_empty() {
        return Ok(());
    }
    arith.record_ops(OpCounts {
        mac: (a.rows * a.cols * b.cols) as u64,
        ..OpCounts::default()
    });
    if a.cols == 0 {
        // An empty dot product is the accumulator's initial zero.
        out.fill(C::narrow(arith.format().zero()));
        return Ok(());
    }
    let counts = match (exec.simd, MacParams::new(arith), interleave(arith)) {
        (SimdLevel::Scalar, ..) | (_, None, _) | (_, _, None) => {
            gemm_reference(arith, a, b, out, exec.parallel)
        }
        (level, Some(p), Some(tab)) if prefer_transposed(arith, a, b) => {
            // Cᵀ = Bᵀ·Aᵀ: the same dot products (a product of two codes does not depend
            // on their order), with the zero-rich operand broadcast so that its zeros
            // skip whole MAC steps.
            let mut out_t = vec![C::narrow(arith.format().zero()); out.len()];
            let counts = gemm_lanes(
                arith,
                &p,
                &tab,
                level,
                b.t(),
                a.t(),
                &mut out_t,
                exec.parallel,
            );
            let (m, n) = (a.rows, b.cols);
            for (j, col) in out_t.chunks_exact(m).enumerate() {
                for (i, &v) in col.iter().enumerate() {
                    out[i * n + j] = v;
                }
            }
            counts
        }
        (level, Some(p), Some(tab)) => gemm_lanes(arith, &p, &tab, level, a, b, out, exec.parallel),
    };
    arith.record(counts);
    Ok(())
}

/// Whether B has clearly more zero codes per element than A. The lane kernels skip a
/// MAC step when the broadcast (left) operand is zero — common after ReLU — so the
/// zero-rich operand should be on the left.
fn prefer_transposed<C: CodeStorage>(arith: &Arith, a: MatRef<'_, C>, b: MatRef<'_, C>) -> bool {
    let zero_log = arith.format().log_zero();
    let zeros = |x: MatRef<'_, C>| -> usize {
        (0..x.rows)
            .map(|i| (0..x.cols).filter(|&j| x.at(i, j) >> 1 == zero_log).count())
            .sum()
    };
    let (za, zb) = (zeros(a), zeros(b));
    let (size_a, size_b) = (a.rows * a.cols, b.rows * b.cols);
    // zb/size_b > za/size_a + 1/8: enough more zeros to pay for the transpose.
    8 * zb * size_a > 8 * za * size_b + size_a * size_b
}

fn gemm_reference<C: CodeStorage>(
    arith: &Arith,
    a: MatRef<'_, C>,
    b: MatRef<'_, C>,
    out: &mut [C],
    parallel: bool,
) -> Counts {
    let n = b.cols;
    let row = |(i, dst): (usize, &mut [C])| -> Counts {
        let mut t = Counts::default();
        for (j, o) in dst.iter_mut().enumerate() {
            let av = (0..a.cols).map(|k| a.at(i, k));
            let bv = (0..b.rows).map(|k| b.at(k, j));
            *o = C::narrow(dot_codes(arith, av, bv, &mut t));
        }
        t
    };
    if parallel {
        out.par_chunks_mut(n)
            .enumerate()
            .map(row)
            .reduce(Counts::default, |mut x, y| {
                x += y;
                x
            })
    } else {
        let mut total = Counts::default();
        out.chunks_mut(n).enumerate().for_each(|r| total += row(r));
        total
    }
}

#[allow(clippy::too_many_arguments)]
fn gemm_lanes<C: CodeStorage>(
    arith: &Arith,
    p: &MacParams,
    tab: &[i32],
    level: SimdLevel,
    a: MatRef<'_, C>,
    b: MatRef<'_, C>,
    out: &mut [C],
    parallel: bool,
) -> Counts {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let op_zero = arith.format().zero();
    // B packed into panels of LANES columns: panel[jb][k][lane], padded with zeros.
    let blocks = n.div_ceil(LANES);
    let mut panels = vec![op_zero; blocks * k * LANES];
    for (jb, panel) in panels.chunks_mut(k * LANES).enumerate() {
        let width = LANES.min(n - jb * LANES);
        for (kk, dst) in panel.chunks_exact_mut(LANES).enumerate() {
            if b.col_stride == 1 {
                let row = &b.data[kk * b.row_stride + jb * LANES..][..width];
                for (d, c) in dst.iter_mut().zip(row) {
                    *d = c.widen();
                }
            } else {
                for (l, d) in dst[..width].iter_mut().enumerate() {
                    *d = b.at(kk, jb * LANES + l);
                }
            }
        }
    }
    // A rows widened and contiguous.
    let mut a_rows = Vec::with_capacity(m * k);
    for i in 0..m {
        if a.col_stride == 1 {
            a_rows.extend(a.data[i * a.row_stride..][..k].iter().map(|c| c.widen()));
        } else {
            a_rows.extend((0..k).map(|kk| a.at(i, kk)));
        }
    }
    let task = |(t, dst): (usize, &mut [C])| -> Counts {
        let first = t * ROWS_PER_TASK;
        let rows = dst.len() / n;
        let mut tile = TileJob {
            p,
            tab,
            a_rows: &a_rows[first * k..(first + rows) * k],
            k,
            n,
            panels: &panels,
            counts: Counts::default(),
            arith,
        };
        run_level(level, &mut tile, dst);
        tile.counts
    };
    let chunk = ROWS_PER_TASK * n;
    if parallel {
        out.par_chunks_mut(chunk)
            .enumerate()
            .map(task)
            .reduce(Counts::default, |mut x, y| {
                x += y;
                x
            })
    } else {
        let mut total = Counts::default();
        out.chunks_mut(chunk)
            .enumerate()
            .for_each(|r| total += task(r));
        total
    }
}

/// One task's rows of the product, run at a given SIMD level.
struct TileJob<'a> {
    p: &'a MacParams,
    tab: &'a [i32],
    a_rows: &'a [i32],
    k: usize,
    n: usize,
    panels: &'a [i32],
    counts: Counts,
    arith: &'a Arith,
}

fn run_level<C: CodeStorage>(level: SimdLevel, job: &mut TileJob<'_>, dst: &mut [C]) {
    match level {
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => {
            assert!(
                SimdLevel::Avx512.is_available(),
                "AVX-512 requested on a CPU without it"
            );
            // SAFETY: the CPU supports AVX-512F/BW (checked above).
            unsafe { rows_avx512(job, dst) }
        }
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => {
            assert!(
                SimdLevel::Avx2.is_available(),
                "AVX2 requested on a CPU without it"
            );
            // SAFETY: the CPU supports AVX2 (checked above).
            unsafe { rows_avx2(job, dst) }
        }
        _ => rows_generic(job, dst),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx2")]
unsafe fn rows_avx512<C: CodeStorage>(job: &mut TileJob<'_>, dst: &mut [C]) {
    rows::<C, super::avx512::Avx512Lanes>(job, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn rows_avx2<C: CodeStorage>(job: &mut TileJob<'_>, dst: &mut [C]) {
    rows::<C, PortableLanes>(job, dst)
}

fn rows_generic<C: CodeStorage>(job: &mut TileJob<'_>, dst: &mut [C]) {
    rows::<C, PortableLanes>(job, dst)
}

#[inline(always)]
fn rows<C: CodeStorage, E: LaneEngine>(job: &mut TileJob<'_>, dst: &mut [C]) {
    let rows = dst.len() / job.n;
    let mut i = 0;
    while i + TILE_ROWS <= rows {
        tile_rows::<C, E, TILE_ROWS>(job, dst, i);
        i += TILE_ROWS;
    }
    while i < rows {
        tile_rows::<C, E, 1>(job, dst, i);
        i += 1;
    }
}

#[inline(always)]
fn tile_rows<C: CodeStorage, E: LaneEngine, const R: usize>(
    job: &mut TileJob<'_>,
    dst: &mut [C],
    i0: usize,
) {
    let (k, n, p) = (job.k, job.n, job.p);
    let fmt = job.arith.format();
    let acc_fmt = job.arith.acc_format();
    for (jb, panel) in job.panels.chunks_exact(k * LANES).enumerate() {
        let (acc0, counts0) = E::start(p);
        let mut acc = [acc0; R];
        let mut counters = [counts0; R];
        for kk in 0..k {
            let bk: &[i32; LANES] = panel[kk * LANES..(kk + 1) * LANES]
                .try_into()
                .expect("panel row has LANES codes");
            for r in 0..R {
                let a = job.a_rows[(i0 + r) * k + kk];
                // SAFETY: `tab` was built by `interleave` for the same unit as `p`; the
                // caller runs `E` only on CPUs that support it.
                unsafe { E::step(p, job.tab, &mut acc[r], a, bk, &mut counters[r]) };
            }
        }
        let width = LANES.min(n - jb * LANES);
        for r in 0..R {
            let (codes, lane_counts) = E::finish(acc[r], counters[r]);
            let mut t = Counts::default();
            for l in 0..width {
                dst[(i0 + r) * n + jb * LANES + l] =
                    C::narrow(recode(acc_fmt, fmt, codes[l], &mut t));
                job.counts.saturated += lane_counts.saturated[l] as u64;
                job.counts.flushed += lane_counts.flushed[l] as u64;
            }
            job.counts += t;
        }
    }
}
