//! Matrix products `C = A·B` where every `C[i, j]` is the canonical dot product of row
//! `i` of A and column `j` of B.

use std::borrow::Cow;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rayon::prelude::*;

use super::lanes::{
    LANES, LaneCounts, LaneEngine, MacParams, PortableLanes, fits_steps, interleave,
    interleave_steps,
};
use super::scalar::divided_dot_codes;
use super::transpose::columns_to_rows;
use super::{Exec, SimdLevel};
use crate::arith::div_by_count;
use crate::code::CodeStorage;
use crate::convert::{is_zero, recode};
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

/// Output rows per tile (they share each loaded row of the B panel).
pub(super) const TILE_ROWS: usize = 4;
/// Fewest output rows per parallel task.
const MIN_TASK_ROWS: usize = 16;
/// Parallel tasks per rayon thread, for load balance.
const TASKS_PER_THREAD: usize = 4;

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
    let counts = products(arith, a, b, out, 0, exec);
    arith.record(counts);
    Ok(())
}

/// The body of [`gemm`] for checked, non-empty operands with `A.cols > 0`: fills `out`
/// and returns the events, recording neither them nor the operation counts. Each dot
/// product is divided by the count whose [`crate::arith::count_log`] in the
/// accumulator's fraction is `log_n` (0: none) before it is rounded to the operand
/// format ([`crate::arith::div_by_count`] in the accumulator format).
pub(super) fn products<C: CodeStorage>(
    arith: &Arith,
    a: MatRef<'_, C>,
    b: MatRef<'_, C>,
    out: &mut [C],
    log_n: i64,
    exec: Exec,
) -> Counts {
    let params = MacParams::new(arith).filter(|_| exec.simd != SimdLevel::Scalar);
    let engine = params.map(|p| Engine::for_level::<C>(exec.simd, arith, &p));
    let table = params.zip(engine).and_then(|(p, e)| e.table(arith, &p));
    match (params, engine, table) {
        (Some(p), Some(engine), Some(tab)) => {
            let n = b.cols;
            let lanes = Lanes {
                arith,
                p: &p,
                tab: &tab,
                engine,
                log_n,
            };
            if prefer_transposed(arith, a, b, engine.lanes()) {
                // Cᵀ = Bᵀ·Aᵀ: the same dot products (a product of two codes does not
                // depend on their order), with the zero-rich operand broadcast so that
                // its zeros skip whole MAC steps. Cᵀ is written into `out` transposed.
                let dst = OutPtr::new(out, 1, n);
                lanes.run(b.t(), a.t(), dst, exec.parallel)
            } else {
                let dst = OutPtr::new(out, n, 1);
                lanes.run(a, b, dst, exec.parallel)
            }
        }
        _ => gemm_reference(arith, a, b, out, log_n, exec.parallel),
    }
}

/// Rows sampled per operand to estimate its share of zero codes.
const SAMPLE_ROWS: usize = 32;
/// Codes sampled per sampled row.
const SAMPLE_COLS: usize = 64;

/// Whether the lane kernels should compute Cᵀ = Bᵀ·Aᵀ instead of A·B. Their cost is
/// one step per (broadcast code, panel of `lanes` columns), a step whose broadcast code
/// is zero is skipped (common after ReLU), and packing a panel costs about one step per
/// k. So A·B costs `⌈n/lanes⌉·(m·nz(A) + 1)` steps per k and Bᵀ·Aᵀ
/// `⌈m/lanes⌉·(n·nz(B) + 1)`, with `nz` the share of non-zero codes (estimated from
/// evenly spaced samples; the choice changes only the speed, never a result).
fn prefer_transposed<C: CodeStorage>(
    arith: &Arith,
    a: MatRef<'_, C>,
    b: MatRef<'_, C>,
    lanes: usize,
) -> bool {
    let min_code = 2 * arith.format().log_min();
    // (non-zero codes, codes) among the samples of the rows of `x` (A) or columns (B).
    let nonzero = |x: MatRef<'_, C>| -> (usize, usize) {
        let rows = x.rows.min(SAMPLE_ROWS);
        let cols = x.cols.min(SAMPLE_COLS);
        let sampled_cols: Vec<usize> = (0..cols).map(|c| c * x.cols / cols).collect();
        let nz = (0..rows)
            .map(|r| r * x.rows / rows)
            .flat_map(|i| sampled_cols.iter().map(move |&j| (i, j)))
            .filter(|&(i, j)| x.at(i, j) >= min_code)
            .count();
        (nz, (rows * cols).max(1))
    };
    let share = |(nz, total): (usize, usize)| nz as f64 / total as f64;
    let (m, n) = (a.rows as f64, b.cols as f64);
    let panels = |cols: f64| (cols / lanes as f64).ceil();
    let direct = panels(n) * (m * share(nonzero(a)) + 1.0);
    let transposed = panels(m) * (n * share(nonzero(b.t())) + 1.0);
    transposed < direct
}

fn gemm_reference<C: CodeStorage>(
    arith: &Arith,
    a: MatRef<'_, C>,
    b: MatRef<'_, C>,
    out: &mut [C],
    log_n: i64,
    parallel: bool,
) -> Counts {
    let n = b.cols;
    let row = |(i, dst): (usize, &mut [C])| -> Counts {
        let mut t = Counts::default();
        for (j, o) in dst.iter_mut().enumerate() {
            let av = (0..a.cols).map(|k| a.at(i, k));
            let bv = (0..b.rows).map(|k| b.at(k, j));
            *o = C::narrow(divided_dot_codes(arith, av, bv, log_n, &mut t));
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

/// A row-major-or-transposed output that parallel tasks write into, each task its own
/// rows.
struct OutPtr<C> {
    ptr: *mut C,
    len: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<C> Clone for OutPtr<C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C> Copy for OutPtr<C> {}

// SAFETY: an `OutPtr` is created from a `&mut [C]` that outlives every task, and the
// tasks write disjoint entries (output row `i` belongs to one task only).
unsafe impl<C: Send> Send for OutPtr<C> {}
// SAFETY: as above; shared references only hand the pointer to the tasks.
unsafe impl<C: Send> Sync for OutPtr<C> {}

impl<C> OutPtr<C> {
    fn new(out: &mut [C], row_stride: usize, col_stride: usize) -> Self {
        OutPtr {
            ptr: out.as_mut_ptr(),
            len: out.len(),
            row_stride,
            col_stride,
        }
    }

    /// Writes `values` to entries `(i, j0)`, `(i, j0 + 1)`, … (one bounds check).
    ///
    /// # Safety
    /// No other thread reads or writes those entries during the call, and the slice
    /// this pointer came from is still borrowed.
    #[inline(always)]
    unsafe fn write_row(&self, i: usize, j0: usize, values: &[C])
    where
        C: Copy,
    {
        let Some(last) = values.len().checked_sub(1) else {
            return;
        };
        let first = i * self.row_stride + j0 * self.col_stride;
        assert!(
            first + last * self.col_stride < self.len,
            "gemm output index out of range"
        );
        if self.col_stride == 1 {
            // SAFETY: `first ..= first + last` is in bounds (checked above) and does not
            // overlap `values` (a buffer of the caller's); exclusive by the caller's
            // contract.
            unsafe {
                std::ptr::copy_nonoverlapping(values.as_ptr(), self.ptr.add(first), values.len())
            }
        } else {
            for (l, &v) in values.iter().enumerate() {
                // SAFETY: `first + l·col_stride ≤ first + last·col_stride < len`;
                // exclusive by the caller's contract.
                unsafe { *self.ptr.add(first + l * self.col_stride) = v }
            }
        }
    }
}

/// Which lane engine runs the tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    /// [`PortableLanes`] compiled for the baseline target.
    Portable,
    /// [`PortableLanes`] compiled with AVX2.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// [`super::avx2_narrow`]: 16 lanes of i16 reading a step-function table's
    /// buckets with byte shuffles (`false`) or the full table lane by lane (`true`).
    #[cfg(target_arch = "x86_64")]
    Avx2Narrow(bool),
    /// [`PortableLanes`] compiled with AVX-512, for configurations outside the AVX-512
    /// engine's code domain.
    #[cfg(target_arch = "x86_64")]
    Avx512Portable,
    /// [`super::avx512::Avx512Lanes`] reading the full table.
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// [`super::avx512::Avx512Lanes`] reading a step-function table's buckets.
    #[cfg(target_arch = "x86_64")]
    Avx512Steps,
    /// [`super::avx512_wide`]: 32 lanes of i16 reading the full table (0), a
    /// step-function table's buckets from this many register pairs, or computing
    /// Mitchell's Δ (`avx512_wide::SHIFTS`).
    #[cfg(target_arch = "x86_64")]
    Avx512Wide(usize),
}

impl Engine {
    fn for_level<C: CodeStorage>(level: SimdLevel, arith: &Arith, p: &MacParams) -> Engine {
        match level {
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx512 => {
                assert!(
                    SimdLevel::Avx512.is_available(),
                    "AVX-512 requested on a CPU without it"
                );
                let wide = super::avx512_wide::pairs_for::<C>(arith, p);
                if let Some(pairs) = wide.filter(|_| p.code_domain) {
                    Engine::Avx512Wide(pairs)
                } else if p.code_domain && fits_steps(p) {
                    Engine::Avx512Steps
                } else if p.code_domain {
                    Engine::Avx512
                } else {
                    Engine::Avx512Portable
                }
            }
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => {
                assert!(
                    SimdLevel::Avx2.is_available(),
                    "AVX2 requested on a CPU without it"
                );
                match super::avx2_narrow::full_table_for::<C>(arith, p) {
                    Some(full) => Engine::Avx2Narrow(full),
                    None => Engine::Avx2,
                }
            }
            _ => Engine::Portable,
        }
    }

    /// Output columns per step (the width of the B panel).
    fn lanes(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Engine::Avx512Wide(_) => super::avx512_wide::WIDE_LANES,
            _ => LANES,
        }
    }

    /// The correction table the engine reads.
    fn table<'a>(self, arith: &'a Arith, p: &MacParams) -> Option<Cow<'a, [i32]>> {
        match self {
            #[cfg(target_arch = "x86_64")]
            Engine::Avx512 => interleave(
                arith,
                <super::avx512::Avx512Lanes<false> as LaneEngine>::TABLE_SCALE,
            )
            .map(Cow::Borrowed),
            #[cfg(target_arch = "x86_64")]
            Engine::Avx512Wide(pairs) => {
                super::avx512_wide::table(arith, p, pairs).map(Cow::Borrowed)
            }
            // Byte tables are built from the unit by the engine itself.
            #[cfg(target_arch = "x86_64")]
            Engine::Avx2Narrow(false) => Some(Cow::Borrowed(&[])),
            #[cfg(target_arch = "x86_64")]
            Engine::Avx2Narrow(true) => arith
                .acc_delta()
                .table()
                .and_then(|t| t.interleaved_halves())
                .map(Cow::Borrowed),
            #[cfg(target_arch = "x86_64")]
            Engine::Avx512Steps => interleave_steps(
                arith,
                p,
                <super::avx512::Avx512Lanes<true> as LaneEngine>::TABLE_SCALE,
            )
            .map(Cow::Owned),
            _ => interleave(arith, PortableLanes::TABLE_SCALE).map(Cow::Borrowed),
        }
    }
}

/// The lane kernels' configuration for one product.
struct Lanes<'a> {
    arith: &'a Arith,
    p: &'a MacParams,
    tab: &'a [i32],
    engine: Engine,
    /// The count's log every output is divided by ([`products`]).
    log_n: i64,
}

impl Lanes<'_> {
    /// `dst := A·B`, rows of A split into tasks. Each task packs one panel of B (`LANES`
    /// columns, in the codes' own width) at a time and runs all its rows over it, so the
    /// only buffer is a panel per task, borrowed from a shared pool ([`with_panel`]); A is
    /// read in place.
    fn run<C: CodeStorage>(
        &self,
        a: MatRef<'_, C>,
        b: MatRef<'_, C>,
        dst: OutPtr<C>,
        parallel: bool,
    ) -> Counts {
        let m = a.rows;
        let task_rows = self.task_rows::<C>(a, parallel);
        let task = |t: usize| -> Counts {
            let first = t * task_rows;
            let rows = task_rows.min(m - first);
            let zero = C::narrow(self.arith.format().zero());
            with_panel(a.cols * self.engine.lanes(), |panel| {
                let mut job = TileJob {
                    p: self.p,
                    tab: self.tab,
                    arith: self.arith,
                    a: &a.data[first * a.row_stride..],
                    a_row_stride: a.row_stride,
                    a_col_stride: a.col_stride,
                    first,
                    rows,
                    k: a.cols,
                    b,
                    panel,
                    zero,
                    dst,
                    log_n: self.log_n,
                    counts: Counts::default(),
                };
                run_engine(self.engine, &mut job);
                job.counts
            })
        };
        let tasks = m.div_ceil(task_rows);
        if parallel {
            (0..tasks)
                .into_par_iter()
                .map(task)
                .reduce(Counts::default, |mut x, y| {
                    x += y;
                    x
                })
        } else {
            let mut total = Counts::default();
            (0..tasks).for_each(|t| total += task(t));
            total
        }
    }

    /// Output rows per task: a few tasks per thread when parallel, all rows otherwise.
    fn task_rows<C>(&self, a: MatRef<'_, C>, parallel: bool) -> usize {
        let m = a.rows;
        let rows = if parallel {
            (m / (TASKS_PER_THREAD * rayon::current_num_threads())).max(MIN_TASK_ROWS)
        } else {
            m
        };
        rows.clamp(1, m.max(1))
    }
}

/// Buffers of B panels not in use, shared by all threads. A task borrows the one that
/// fits its panel most tightly and gives it back afterwards, so the pool holds at most
/// as many buffers as tasks ever ran at once, each about as large as the largest panel
/// such a task needed — not one buffer per thread grown to the largest panel that
/// thread ever packed (2 MiB for a VGG-11 weight gradient's 32 768 × 32 panel, on
/// every thread of a 16-thread run).
struct PanelPool(Mutex<Vec<Vec<u32>>>);

impl PanelPool {
    const fn new() -> Self {
        PanelPool(Mutex::new(Vec::new()))
    }

    /// A buffer of at least `needed` words: the smallest free one that is large
    /// enough, else the largest free one grown, else a new one.
    fn take(&self, needed: usize) -> Vec<u32> {
        let mut free = self.lock();
        let fitting = (0..free.len())
            .filter(|&i| free[i].len() >= needed)
            .min_by_key(|&i| free[i].len());
        let pick = fitting.or_else(|| (0..free.len()).max_by_key(|&i| free[i].len()));
        let mut words = pick.map(|i| free.swap_remove(i)).unwrap_or_default();
        drop(free);
        if words.len() < needed {
            words.resize(needed, 0);
        }
        words
    }

    fn give(&self, words: Vec<u32>) {
        self.lock().push(words);
    }

    /// The free buffers (a panic elsewhere cannot leave the list inconsistent: every
    /// change to it is one push or one removal).
    fn lock(&self) -> MutexGuard<'_, Vec<Vec<u32>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

static PANELS: PanelPool = PanelPool::new();

/// Runs `f` on a panel of `len` codes borrowed from [`PANELS`] (a call nested inside
/// `f` borrows a buffer of its own).
fn with_panel<C: CodeStorage, R>(len: usize, f: impl FnOnce(&mut [C]) -> R) -> R {
    let needed = (len * std::mem::size_of::<C>()).div_ceil(4);
    let mut words = PANELS.take(needed);
    let panel: &mut [C] = bytemuck::cast_slice_mut(&mut words[..needed]);
    let result = f(&mut panel[..len]);
    PANELS.give(words);
    result
}

/// One task's rows of the product, run at a given SIMD level.
pub(super) struct TileJob<'a, C> {
    pub(super) p: &'a MacParams,
    pub(super) tab: &'a [i32],
    arith: &'a Arith,
    /// A from the task's first row on: code `(i, kk)` of the task at
    /// `i·a_row_stride + kk·a_col_stride` (read in place, whatever the layout: each
    /// step reads one code per row).
    a: &'a [C],
    a_row_stride: usize,
    a_col_stride: usize,
    /// Index of the task's first output row, and its number of rows.
    first: usize,
    pub(super) rows: usize,
    pub(super) k: usize,
    pub(super) b: MatRef<'a, C>,
    /// `k × W` codes of B for an engine of `W` lanes: `panel[kk·W + l] = B[kk, j0 + l]`,
    /// zero-padded.
    pub(super) panel: &'a mut [C],
    zero: C,
    dst: OutPtr<C>,
    /// The count's log every output is divided by ([`products`]).
    log_n: i64,
    counts: Counts,
}

impl<C: CodeStorage> TileJob<'_, C> {
    /// Rows `i0 .. i0 + R` of the task's A, each starting at its code 0: code `kk` of
    /// row `r` is `rows[r][kk · a_col_stride]` ([`TileJob::a_col_stride`]).
    pub(super) fn a_rows<const R: usize>(&self, i0: usize) -> [&[C]; R] {
        let span = match self.k {
            0 => 0,
            k => (k - 1) * self.a_col_stride + 1,
        };
        std::array::from_fn(|r| &self.a[(i0 + r) * self.a_row_stride..][..span])
    }

    /// Rows `i0 .. i0 + rows` of the task's column `kk` of A, side by side in memory:
    /// `None` unless A's row stride is 1 (a transposed view).
    pub(super) fn a_column(&self, kk: usize, i0: usize, rows: usize) -> Option<&[C]> {
        (self.a_row_stride == 1).then(|| &self.a[kk * self.a_col_stride + i0..][..rows])
    }

    /// The unit whose product this is.
    pub(super) fn arith(&self) -> &Arith {
        self.arith
    }

    /// The distance between codes `kk` and `kk + 1` of a row of A.
    pub(super) fn a_col_stride(&self) -> usize {
        self.a_col_stride
    }

    /// Packs columns `j0 .. j0 + width` of B into the panel.
    pub(super) fn pack<const W: usize>(&mut self, j0: usize, width: usize) {
        let b = self.b;
        if width < W {
            self.panel.fill(self.zero);
        }
        if b.col_stride == 1 {
            for (kk, dst) in self.panel.chunks_exact_mut(W).enumerate() {
                dst[..width].copy_from_slice(&b.data[kk * b.row_stride + j0..][..width]);
            }
        } else if b.row_stride == 1 && width == W {
            // Columns contiguous along k (a transposed view): a W-column transpose.
            let k = self.panel.len() / W;
            let cols: [&[C]; W] = std::array::from_fn(|l| &b.data[(j0 + l) * b.col_stride..][..k]);
            columns_to_rows(cols, self.panel);
        } else {
            for l in 0..width {
                let col = &b.data[(j0 + l) * b.col_stride..];
                for (kk, dst) in self.panel.chunks_exact_mut(W).enumerate() {
                    dst[l] = col[kk * b.row_stride];
                }
            }
        }
    }

    /// Writes row `i` of the task's output, columns `j0 .. j0 + width`, from one tile
    /// row's accumulator codes divided by the task's count (if any) and rounded to the
    /// operand format, and adds the lanes' event counts.
    pub(super) fn store_row<const W: usize>(
        &mut self,
        i: usize,
        j0: usize,
        width: usize,
        codes: &[i32; W],
        lanes: &LaneCounts<W>,
    ) {
        let (fmt, acc_fmt) = (self.arith.format(), self.arith.acc_format());
        let mut t = Counts::default();
        let mut row = [self.zero; W];
        if self.log_n != 0 {
            for (o, &code) in row.iter_mut().zip(codes).take(width) {
                let mean = div_by_count(acc_fmt, code, self.log_n, &mut t);
                *o = C::narrow(recode(acc_fmt, fmt, mean, &mut t));
            }
        } else if acc_fmt == fmt {
            // In the operand format itself the codes need no rounding, only the one
            // zero code (what `recode` returns for them); a select, so it vectorizes.
            let zero = fmt.zero();
            for (o, &code) in row.iter_mut().zip(codes) {
                *o = C::narrow(if is_zero(fmt, code) { zero } else { code });
            }
        } else {
            for (o, &code) in row.iter_mut().zip(codes).take(width) {
                *o = C::narrow(recode(acc_fmt, fmt, code, &mut t));
            }
        }
        // SAFETY: output row `first + i` belongs to this task alone; `dst` borrows
        // `out` for the whole of `gemm`.
        unsafe { self.dst.write_row(self.first + i, j0, &row[..width]) };
        let total = |counts: &[u32; W]| counts[..width].iter().map(|&c| u64::from(c)).sum::<u64>();
        self.counts.saturated += total(&lanes.saturated);
        self.counts.flushed += total(&lanes.flushed);
        self.counts += t;
    }
}

fn run_engine<C: CodeStorage>(engine: Engine, job: &mut TileJob<'_, C>) {
    match engine {
        // SAFETY (all): `Engine::for_level` checked that the CPU supports the level.
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512 => unsafe { rows_avx512::<C, false>(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Steps => unsafe { rows_avx512::<C, true>(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Wide(0) => unsafe { super::avx512_wide::rows::<C, 0, false>(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Wide(1) => unsafe { super::avx512_wide::rows::<C, 1, false>(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Wide(2) => unsafe { super::avx512_wide::rows::<C, 2, false>(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Wide(4) => unsafe { super::avx512_wide::rows::<C, 4, false>(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Wide(8) => unsafe { super::avx512_wide::rows::<C, 8, false>(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Wide(16) => unsafe { super::avx512_wide::rows::<C, 16, false>(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Wide(super::avx512_wide::SHIFTS) => unsafe {
            super::avx512_wide::rows::<C, { super::avx512_wide::SHIFTS }, false>(job)
        },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Wide(super::avx512_wide::PACKED_4) => unsafe {
            super::avx512_wide::rows::<C, 4, true>(job)
        },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Wide(super::avx512_wide::PACKED_8) => unsafe {
            super::avx512_wide::rows::<C, 8, true>(job)
        },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Wide(source) => unreachable!("no i16 engine reads Δ as source {source}"),
        #[cfg(target_arch = "x86_64")]
        Engine::Avx512Portable => unsafe { rows_avx512_portable(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx2 => unsafe { rows_avx2(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx2Narrow(false) => unsafe { super::avx2_narrow::rows::<C, false>(job) },
        #[cfg(target_arch = "x86_64")]
        Engine::Avx2Narrow(true) => unsafe { super::avx2_narrow::rows::<C, true>(job) },
        Engine::Portable => rows::<C, PortableLanes>(job),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx2")]
unsafe fn rows_avx512<C: CodeStorage, const STEPS: bool>(job: &mut TileJob<'_, C>) {
    rows::<C, super::avx512::Avx512Lanes<STEPS>>(job)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx2")]
unsafe fn rows_avx512_portable<C: CodeStorage>(job: &mut TileJob<'_, C>) {
    rows::<C, PortableLanes>(job)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn rows_avx2<C: CodeStorage>(job: &mut TileJob<'_, C>) {
    rows::<C, PortableLanes>(job)
}

#[inline(always)]
fn rows<C: CodeStorage, E: LaneEngine>(job: &mut TileJob<'_, C>) {
    let n = job.b.cols;
    for j0 in (0..n).step_by(LANES) {
        let width = LANES.min(n - j0);
        job.pack::<LANES>(j0, width);
        let mut i = 0;
        while i + TILE_ROWS <= job.rows {
            tile_rows::<C, E, TILE_ROWS>(job, i, j0, width);
            i += TILE_ROWS;
        }
        while i < job.rows {
            tile_rows::<C, E, 1>(job, i, j0, width);
            i += 1;
        }
    }
}

#[inline(always)]
fn tile_rows<C: CodeStorage, E: LaneEngine, const R: usize>(
    job: &mut TileJob<'_, C>,
    i0: usize,
    j0: usize,
    width: usize,
) {
    let (k, p) = (job.k, job.p);
    let a_rows: [&[C]; R] = job.a_rows(i0);
    let a_step = job.a_col_stride();
    let (acc0, counts0) = E::start(p);
    let mut acc = [acc0; R];
    let mut counters = [counts0; R];
    let panel = &job.panel[..k * LANES];
    for kk in 0..k {
        // SAFETY: `kk < k`, so the panel row `kk` and `a_rows[r][kk·a_step]` are in
        // bounds.
        let bk: &[C; LANES] = unsafe { &*panel.as_ptr().add(kk * LANES).cast() };
        // SAFETY: the caller runs `E` only on CPUs that support it.
        let bv = unsafe { E::load(p, bk) };
        unroll!(R, r => {
            // SAFETY: as above for `kk`.
            let a = unsafe { *a_rows[r].get_unchecked(kk * a_step) }.widen();
            // SAFETY: `tab` was built by `Engine::table` for `E` and the same unit as
            // `p`; the caller runs `E` only on CPUs that support it.
            unsafe { E::step(p, job.tab, &mut acc[r], a, bk, &bv, &mut counters[r]) };
        });
    }
    for r in 0..R {
        let (codes, lane_counts) = E::finish(acc[r], counters[r]);
        job.store_row(i0 + r, j0, width, &codes, &lane_counts);
    }
}

#[cfg(test)]
mod tests {
    use super::PanelPool;

    #[test]
    fn panel_pool_lends_the_tightest_free_buffer_and_grows_the_largest_when_none_fits() {
        let pool = PanelPool::new();
        assert_eq!(pool.take(64).len(), 64, "an empty pool makes a new buffer");
        for len in [10, 1000, 100] {
            pool.give(vec![0; len]);
        }
        assert_eq!(
            pool.take(50).len(),
            100,
            "the smallest buffer that holds 50 words"
        );
        assert_eq!(
            pool.take(5000).len(),
            5000,
            "nothing fits: the largest, grown"
        );
        assert_eq!(pool.lock().len(), 1, "only the 10-word buffer is left");
        assert_eq!(pool.take(4).len(), 10);
        assert!(pool.lock().is_empty());
    }
}
