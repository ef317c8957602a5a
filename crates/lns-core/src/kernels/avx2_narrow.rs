//! The i16 engine ([`super::avx512_wide`]) for CPUs with AVX2: 16 lanes of i16 per
//! `ymm`, for codes stored as i8 or i16 and accumulated in at most 16 bits. Where Δ is
//! a step function of at most 16 buckets per sign (the `lut-small` tables), a bucket's
//! doubled Δ± is split into a low and a high byte, and four `vpshufb` read the four
//! byte tables (Δ+ and Δ−, low and high) for all 16 lanes; other tables of up to 2^15
//! entries per sign are read lane by lane, with one scalar load per lane: on Zen 3,
//! 16 scalar loads through a stack buffer take 7.4–9.4 ns against 12–16 ns for the
//! two 8-lane `vpgatherdd` they replace (tables of 8–64 KB, one core).
//!
//! Like the AVX-512 engine, a tile first runs on the clean path, which never checks a
//! sum against the top of the range: it keeps the largest larger term, and where this
//! shows that a sum may have saturated, the tile is discarded and run again on the full
//! step, which saturates like the scalar reference. Kept tiles therefore equal the full
//! step's, code for code and count for count. The masks of the AVX-512 engine are
//! all-ones lanes here.
//!
//! The clean path takes one of two steps for each row and step of a tile. Where no sum
//! can meet a zero it cannot see — the row's accumulators are all live, and no product
//! of the A code with B's panel row underflows (checked on the codes, in scalar
//! registers); B's zeros are merged in — the dense step adds the terms without masks and
//! watches for the two events it does not handle, an exact cancellation and a sum below
//! the range. Where one happened, or an accumulator or a product may be zero otherwise,
//! the masked step, which handles zeros, cancellations and flushes of products and of
//! sums (counted), computes the row's sums from the same accumulators. On packed
//! operands (below) the dense step takes 23 vector operations per 16 lanes (25 in
//! panels with a zero) — the product's add, 17 for the sum and its correction, 4 for
//! the event check, 1 to watch the larger term — and about ten scalar ones; the masked
//! step about 32 vector operations.
//!
//! Where A's rows are short enough, the clean path reads packed operands: a block of
//! A's rows as left operands whose product part one 32-bit broadcast from memory puts
//! in every lane (instead of a move and a word broadcast per step and row), and each B
//! panel row prepared once per block (instead of once per tile). The packed rows of a
//! block take at most a share of [`PACKED_BYTES`]; with longer rows (the weight
//! gradients over many images, up to 32 768 steps) a block would be too few rows to pay
//! for preparing each panel again, and A is read in place. So it is where B has a single
//! panel (at most 16 columns), which reads each code of A once.

use std::any::TypeId;
use std::arch::x86_64::*;

use super::gemm::{TILE_ROWS, TileJob};
use super::lanes::{LANES, LaneCounts, MacParams, SumJob};
use crate::code::CodeStorage;
use crate::unit::Arith;

/// Buckets per sign that one 16-byte `vpshufb` table holds.
const MAX_BUCKETS: u32 = 16;
/// Added to a shifted log difference `t` (a bucket where below 16), this makes the
/// `vpshufb` index of its lane: low byte `0x70 + t`, which reads entry `t` for `t < 16`
/// and zero for `16 ≤ t ≤ 0x8F` (bit 7 set); high byte `0x80`, which reads zero. An
/// all-ones `t` wraps to `0x806F`, entry 15, which is 0 (past the last bucket).
const INDEX_BIAS: i16 = 0x8070u16 as i16;
/// The largest shifted log difference that [`INDEX_BIAS`] turns into a right index.
const MAX_SHIFTED: i32 = 0x8F;
/// Steps between widenings of the i16 event counters (two events per step at most).
const CHUNK: usize = 1 << 14;

/// How the engine reads `arith`'s Δ on codes stored as `C`: `Some(false)` from byte
/// tables (a step function of at most [`MAX_BUCKETS`] buckets per sign, the last 0, where
/// every log difference of two codes shifts to at most [`MAX_SHIFTED`]), `Some(true)`
/// lane by lane from the full table of i16 entries
/// ([`crate::delta::DeltaTable::interleaved_halves`]), `None` where the engine cannot
/// run `arith`: codes must be i8 or i16, the accumulator at most 16 bits, the doubled
/// entries must fit i16 and entry indices `2·d + opposite` u16.
pub(super) fn full_table_for<C: CodeStorage>(arith: &Arith, p: &MacParams) -> Option<bool> {
    let t = arith.acc_delta().table()?;
    let narrow =
        TypeId::of::<C>() == TypeId::of::<i16>() || TypeId::of::<C>() == TypeId::of::<i8>();
    let doubled_fits = 2 * i64::from(t.largest()) <= i64::from(i16::MAX);
    if !narrow || !p.code_domain || arith.acc_format().bits() > 16 || !doubled_fits {
        return None;
    }
    // `2·d + 1` of the two codes farthest apart, shifted to its bucket.
    let widest_bucket = (p.max_code - p.min_code + 1) >> (p.step_drop + 1);
    let last_is_zero = || t.bucket_corrections().last() == Some((0, 0));
    if p.last_step < MAX_BUCKETS && widest_bucket <= MAX_SHIFTED && last_is_zero() {
        Some(false)
    } else {
        (t.len() <= 1 << 15 && t.interleaved_halves().is_some()).then_some(true)
    }
}

/// The doubled Δ± of each bucket as byte tables for `vpshufb`, repeated in both
/// 128-bit halves: `[plus_low, plus_high, minus_low, minus_high]` (zeros where Δ is
/// read lane by lane).
struct ByteTables([__m256i; 4]);

impl ByteTables {
    /// From the unit's cached [`crate::delta::DeltaTable::bucket_halves`]: word `i`
    /// holds bucket `i`'s doubled Δ+ in its low half and Δ− in its high half.
    #[target_feature(enable = "avx2")]
    fn new(arith: &Arith) -> ByteTables {
        let halves = arith
            .acc_delta()
            .table()
            .and_then(|t| t.bucket_halves())
            .expect("the engine runs only with a table whose doubled entries fit i16");
        let mut bytes = [[0u8; 32]; 4];
        for (i, &word) in halves.iter().take(MAX_BUCKETS as usize).enumerate() {
            let (plus, minus) = (word as u16, (word >> 16) as u16);
            for half in [i, i + 16] {
                bytes[0][half] = plus as u8;
                bytes[1][half] = (plus >> 8) as u8;
                bytes[2][half] = minus as u8;
                bytes[3][half] = (minus >> 8) as u8;
            }
        }
        // SAFETY: 32-byte loads from 32-byte arrays.
        ByteTables(bytes.map(|b| unsafe { _mm256_loadu_si256(b.as_ptr().cast()) }))
    }
}

/// Constants of the step, in registers.
struct Consts {
    one: __m256i,
    zero_code: __m256i,
    min_code: __m256i,
    /// [`INDEX_BIAS`] in every lane.
    index_bias: __m256i,
    /// `step_drop + 1`: turns twice a log difference into its bucket.
    drop_twice: __m128i,
    /// `max_code − 2·rise`: a larger term at or above it may saturate the sum.
    clear: __m256i,
    max_code: __m256i,
    /// `(max_code − 1)`: the magnitude bits of a saturated code.
    top: __m256i,
    /// Byte tables, or the full table of i16 entries (`2·d + opposite`), whose entries
    /// at difference `last` and beyond are 0.
    tables: ByteTables,
    tab: *const i16,
    /// `2·last`: twice the first difference whose corrections are both 0.
    twice_last: __m256i,
}

impl Consts {
    /// The constants for `arith` with its parameters `p`; with `FULL`, `tab` is its
    /// `interleaved_halves` (else unused: the byte tables are built from `arith`).
    #[target_feature(enable = "avx2")]
    fn new<const FULL: bool>(p: &MacParams, arith: &Arith, tab: &[i32]) -> Consts {
        assert!(
            !FULL || tab.len() == p.last as usize + 2,
            "the full table holds both corrections of every difference and a padding word"
        );
        assert!(p.min_code % 2 == 0, "the smallest code `2·log_min` is even");
        Consts {
            one: _mm256_set1_epi16(1),
            zero_code: _mm256_set1_epi16(p.zero as i16),
            min_code: _mm256_set1_epi16(p.min_code as i16),
            index_bias: _mm256_set1_epi16(INDEX_BIAS),
            drop_twice: _mm_cvtsi32_si128(p.step_drop as i32 + 1),
            // The accumulator's codes fit i16 (`full_table_for`), and so does `2·rise`
            // (doubled entries).
            clear: _mm256_set1_epi16((p.max_code - 2 * p.rise) as i16),
            max_code: _mm256_set1_epi16(p.max_code as i16),
            top: _mm256_set1_epi16((p.max_code - 1) as i16),
            tables: if FULL {
                ByteTables([_mm256_setzero_si256(); 4])
            } else {
                ByteTables::new(arith)
            },
            tab: tab.as_ptr().cast(),
            // Entry indices fit u16 (`full_table_for`).
            twice_last: _mm256_set1_epi16((2 * p.last) as u16 as i16),
        }
    }
}

/// The engine set up for elementwise sums of one unit's codes stored as `C`
/// ([`NarrowSums::run`]): `a ± b` is one [`full_step`] with the accumulators holding
/// `a` (see the elementwise kernels' module notes).
pub(super) struct NarrowSums<'a> {
    arith: &'a Arith,
    full: bool,
    tab: &'a [i32],
}

impl<'a> NarrowSums<'a> {
    /// The setup for `arith`, whose accumulator must be its operand format, with its
    /// constants `p`; `None` where the engine cannot run it (see [`full_table_for`]).
    pub(super) fn new<C: CodeStorage>(arith: &'a Arith, p: &MacParams) -> Option<NarrowSums<'a>> {
        let full = full_table_for::<C>(arith, p)?;
        let tab = if full {
            arith.acc_delta().table()?.interleaved_halves()?
        } else {
            &[]
        };
        Some(NarrowSums { arith, full, tab })
    }

    /// Runs `job` (whose groups are [`LANES`] codes); returns the events
    /// `(saturated, flushed)`.
    ///
    /// # Safety
    /// The CPU supports AVX2; `p` and `C` are those given to `new`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn run<C: CodeStorage>(
        &self,
        p: &MacParams,
        job: SumJob<'_, C>,
    ) -> (u64, u64) {
        // SAFETY: the CPU (caller's contract); with `full` the table is the unit's
        // `interleaved_halves`; `job` holds every group of its output (`SumJob::new`).
        unsafe {
            if self.full {
                let c = Consts::new::<true>(p, self.arith, self.tab);
                sums::<C, true>(p, &c, job)
            } else {
                let c = Consts::new::<false>(p, self.arith, self.tab);
                sums::<C, false>(p, &c, job)
            }
        }
    }
}

/// [`NarrowSums::run`] with its constants.
///
/// # Safety
/// As [`NarrowSums::run`]; `c` built for `FULL`; the operands hold every group of
/// `job.out`.
#[target_feature(enable = "avx2")]
unsafe fn sums<C: CodeStorage, const FULL: bool>(
    p: &MacParams,
    c: &Consts,
    job: SumJob<'_, C>,
) -> (u64, u64) {
    let mut totals = LaneCounts::<LANES>::default();
    let mut row = Row {
        acc: c.zero_code,
        flushed: _mm256_setzero_si256(),
        saturated: _mm256_setzero_si256(),
    };
    for (g, dst) in job.out.chunks_exact_mut(LANES).enumerate() {
        // SAFETY: group `g` of `a` and of `b` is readable (the caller's contract); `c`
        // was built for `FULL`.
        unsafe {
            row.acc = load_codes(job.a.as_ptr().add(g * LANES));
            let b = prepare(p, c, job.b.as_ptr().add(g * job.b_step));
            full_step::<FULL>(p, c, &mut row, job.left, &b);
        }
        let mut codes = [0i16; LANES];
        // SAFETY: a 32-byte store into a 32-byte array.
        unsafe { _mm256_storeu_si256(codes.as_mut_ptr().cast(), row.acc) };
        for (o, code) in dst.iter_mut().zip(codes) {
            *o = C::narrow(i32::from(code));
        }
        // At most two events per lane and group: widen before the i16 counters could wrap.
        if (g + 1) % CHUNK == 0 {
            add_counts(&mut totals.flushed, row.flushed);
            add_counts(&mut totals.saturated, row.saturated);
            row.flushed = _mm256_setzero_si256();
            row.saturated = _mm256_setzero_si256();
        }
    }
    add_counts(&mut totals.flushed, row.flushed);
    add_counts(&mut totals.saturated, row.saturated);
    let sum = |lanes: [u32; LANES]| lanes.iter().map(|&n| u64::from(n)).sum::<u64>();
    (sum(totals.saturated), sum(totals.flushed))
}

/// One row of the B panel as the clean path reads it.
#[derive(Clone, Copy)]
struct CleanRow {
    /// The B part of the product for an even (`[0]`) or odd (`[1]`, sign flipped) `a`.
    by_sign: [__m256i; 2],
    /// All ones where B is zero.
    zero: __m256i,
}

/// One row of the B panel as the full step reads it, prepared once for every row of
/// the tile.
struct BRow {
    /// What the clean path reads.
    clean: CleanRow,
    /// `max_code − by_sign` (saturating): a product overflows iff `a_even` exceeds it.
    room: [__m256i; 2],
    /// All ones where B is not zero.
    nonzero: __m256i,
}

/// Accumulators and event counters of one tile row on the full step.
#[derive(Clone, Copy)]
struct Row {
    acc: __m256i,
    flushed: __m256i,
    saturated: __m256i,
}

/// How the clean path has fared in one task: it stops trying once more than one tile
/// in eight (plus one) of those it tried was discarded.
#[derive(Default)]
struct Tries {
    tried: u32,
    discarded: u32,
}

/// Runs the task's rows over panels of [`LANES`] columns.
///
/// # Safety
/// The CPU supports AVX2, [`full_table_for`] gives `Some(FULL)` for the job's unit and
/// `C`, and with `FULL` `job.tab` is the unit's `interleaved_halves`.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn rows<C: CodeStorage, const FULL: bool>(job: &mut TileJob<'_, C>) {
    let p = job.p;
    let c = Consts::new::<FULL>(p, job.arith(), job.tab);
    let mut tries = Tries::default();
    let mut thresholds = Vec::with_capacity(job.k);
    let n = job.b.cols;
    // With a single panel each code of A is read once: packing it would only add the
    // writing and reading of its packed form.
    let packs = n > LANES;
    let Some(block) = block_rows(job.k, job.rows, rayon::current_num_threads()).filter(|_| packs)
    else {
        for j0 in (0..n).step_by(LANES) {
            let width = LANES.min(n - j0);
            job.pack::<LANES>(j0, width);
            // SAFETY: the panel holds `k` rows of 16 codes, which are i8 or i16 (forwarded).
            let zeros = unsafe { prepare_panel(job, &c, None, &mut thresholds) };
            let panel = Panel {
                zeros,
                thresholds: &thresholds,
                operands: Operands::InPlace,
                j0,
                width,
            };
            // SAFETY: forwarded contract.
            unsafe { panel_tiles::<C, FULL>(job, &c, &mut tries, &panel, 0, job.rows) };
        }
        return;
    };
    let mut prepared = Vec::with_capacity(job.k);
    let mut lefts = Vec::with_capacity(block * job.k);
    for first in (0..job.rows).step_by(block) {
        let rows = block.min(job.rows - first);
        pack_lefts(job, first, rows, &mut lefts);
        for j0 in (0..n).step_by(LANES) {
            let width = LANES.min(n - j0);
            job.pack::<LANES>(j0, width);
            // SAFETY: the panel holds `k` rows of 16 codes, which are i8 or i16 (forwarded).
            let zeros = unsafe { prepare_panel(job, &c, Some(&mut prepared), &mut thresholds) };
            let panel = Panel {
                zeros,
                thresholds: &thresholds,
                operands: Operands::Packed {
                    rows: &prepared,
                    lefts: &lefts,
                    first,
                },
                j0,
                width,
            };
            // SAFETY: forwarded contract.
            unsafe { panel_tiles::<C, FULL>(job, &c, &mut tries, &panel, first, rows) };
        }
    }
}

/// The most bytes of packed left operands ([`PackedLeft`]) that all products' tasks
/// hold at once, shared equally among the threads of the pool a product runs in (one
/// task each, whether the product runs its own tasks in parallel or runs serially
/// beside others, as a convolution's batches do): 2 MiB per task on two threads,
/// 256 KiB on sixteen. The prepared B panel of a task adds at most 3/8 of its share
/// (96 bytes per step against 16 per step and row, for at least 16 rows).
const PACKED_BYTES: usize = 4 << 20;
/// The fewest rows a block of packed left operands may have: below it, each B panel
/// would be prepared again for too few rows, and A is read in place.
const MIN_BLOCK_ROWS: usize = 16;

/// Rows per block of packed left operands for products of `k` steps when `at_once`
/// tasks run at once, a multiple of [`TILE_ROWS`] unless it is all `rows`; `None` where
/// a task's share of [`PACKED_BYTES`] holds fewer than [`MIN_BLOCK_ROWS`] rows (weight
/// gradients over many images: A is read in place, and B prepared per tile).
fn block_rows(k: usize, rows: usize, at_once: usize) -> Option<usize> {
    let fits = PACKED_BYTES / at_once.max(1) / (k * std::mem::size_of::<PackedLeft>());
    (fits >= MIN_BLOCK_ROWS).then(|| {
        if fits >= rows {
            rows
        } else {
            fits / TILE_ROWS * TILE_ROWS
        }
    })
}

/// Rows `first .. first + rows` of the task against the packed panel.
///
/// # Safety
/// As [`rows`].
#[target_feature(enable = "avx2")]
unsafe fn panel_tiles<C: CodeStorage, const FULL: bool>(
    job: &mut TileJob<'_, C>,
    c: &Consts,
    tries: &mut Tries,
    panel: &Panel<'_>,
    first: usize,
    rows: usize,
) {
    let (mut i, end) = (first, first + rows);
    while i + TILE_ROWS <= end {
        // SAFETY: forwarded contract.
        unsafe { any_tile::<C, TILE_ROWS, FULL>(job, c, tries, panel, i) };
        i += TILE_ROWS;
    }
    while i < end {
        // SAFETY: forwarded contract.
        unsafe { any_tile::<C, 1, FULL>(job, c, tries, panel, i) };
        i += 1;
    }
}

/// The packed panel of columns `j0 .. j0 + width` as the clean path sees it.
struct Panel<'a> {
    /// Whether it holds a zero (or padding).
    zeros: bool,
    /// Its rows' thresholds ([`prepare_panel`]).
    thresholds: &'a [i32],
    /// Where the clean path reads its operands.
    operands: Operands<'a>,
    j0: usize,
    width: usize,
}

/// Where the clean path reads its operands.
enum Operands<'a> {
    /// A's codes in place, B's panel row prepared per tile ([`prepare`]).
    InPlace,
    /// Both prepared once: B's panel rows per panel, A's codes per block of rows.
    Packed {
        /// The panel's rows ([`prepare_panel`]).
        rows: &'a [CleanRow],
        /// Rows `first ..` of A as left operands, `k` per row ([`pack_lefts`]).
        lefts: &'a [PackedLeft],
        first: usize,
    },
}

/// An A code as a product's left operand (packed once per block of rows, or made per
/// step where A is read in place).
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct PackedLeft {
    /// Its product part, its code without the sign shifted to the accumulator's
    /// fraction, in both halves: one 32-bit broadcast fills every i16 lane.
    even: u32,
    /// `part | sign`, or [`ZERO_LEFT`] for a zero code.
    left: i32,
    /// Where B's part of the product for A's sign lies in [`CleanRow::by_sign`], in
    /// bytes: `sign · 32`.
    offset: u32,
}

/// [`PackedLeft::left`] of a zero A code (odd, below every product part).
const ZERO_LEFT: i32 = i32::MIN | 1;

/// [`PackedLeft::offset`] of a negative A code.
const SIGN_OFFSET: u32 = std::mem::size_of::<__m256i>() as u32;

impl PackedLeft {
    /// The left operand of code `a`.
    #[inline(always)]
    fn new(p: &MacParams, a: i32) -> PackedLeft {
        let part = (a & !1) << p.shift;
        PackedLeft {
            even: u32::from(part as u16) * 0x1_0001,
            left: if a >> 1 == p.op_log_zero {
                ZERO_LEFT
            } else {
                part | (a & 1)
            },
            offset: (a & 1) as u32 * SIGN_OFFSET,
        }
    }

    /// The product part in every lane.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn even(self) -> __m256i {
        _mm256_set1_epi32(self.even as i32)
    }
}

impl CleanRow {
    /// B's part of the product for the sign of `a`.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn for_left(&self, a: PackedLeft) -> __m256i {
        debug_assert!(a.offset == 0 || a.offset == SIGN_OFFSET);
        // SAFETY: the offset is that of `by_sign[0]` or `by_sign[1]`.
        unsafe { *self.by_sign.as_ptr().byte_add(a.offset as usize) }
    }
}

/// Rows `first .. first + rows` of the task's A as packed left operands, row-major
/// `rows × k`, into `lefts`, eight codes at a time ([`pack_eight`]) along rows whose
/// codes lie side by side, or down the columns of eight rows of a transposed view (the
/// output gradient of a weight gradient), whose rows' codes lie a whole column apart;
/// the other rows code by code.
fn pack_lefts<C: CodeStorage>(
    job: &TileJob<'_, C>,
    first: usize,
    rows: usize,
    lefts: &mut Vec<PackedLeft>,
) {
    let (p, k, step) = (job.p, job.k, job.a_col_stride());
    lefts.clear();
    lefts.reserve(rows * k);
    let packed = &mut lefts.spare_capacity_mut()[..rows * k];
    // Eight rows at a time down the columns of a transposed view: writing to all rows at
    // once, a page or more apart, was slower than reading the strided rows.
    let transposed = step != 1 && job.a_column(0, first, rows).is_some();
    let grouped = if transposed { rows / 8 * 8 } else { 0 };
    for r0 in (0..grouped).step_by(8) {
        for kk in 0..k {
            let column = job.a_column(kk, first + r0, 8).expect("a transposed view");
            // SAFETY: the engine runs only where the CPU supports AVX2 (`rows`' contract),
            // on i8 or i16 codes (`full_table_for`); entry `kk` of rows `r0 + i` lies at
            // `(r0 + i)·k + kk`.
            unsafe { pack_codes(p, column, packed[r0 * k + kk..].as_mut_ptr().cast(), k) };
        }
    }
    for (r, out) in packed.chunks_exact_mut(k).enumerate().skip(grouped) {
        let [row] = job.a_rows::<1>(first + r);
        if step == 1 {
            // SAFETY: as above; the row's `k` entries lie side by side.
            unsafe { pack_codes(p, row, out.as_mut_ptr().cast(), 1) };
        } else {
            for (dst, a) in out.iter_mut().zip(row.iter().step_by(step)) {
                dst.write(PackedLeft::new(p, a.widen()));
            }
        }
    }
    // SAFETY: every entry of each of the `rows` rows of `k` was written above.
    unsafe { lefts.set_len(rows * k) };
}

/// `PackedLeft::new(p, codes[i])` for every code, written to `dst + i·stride`.
///
/// # Safety
/// The CPU supports AVX2; `C` is i8 or i16; `dst + i·stride` is writable for every `i`
/// below `codes.len()`.
#[target_feature(enable = "avx2")]
unsafe fn pack_codes<C: CodeStorage>(
    p: &MacParams,
    codes: &[C],
    dst: *mut PackedLeft,
    stride: usize,
) {
    let eights = codes.len() / 8 * 8;
    for (e, eight) in codes[..eights].chunks_exact(8).enumerate() {
        // SAFETY: 8 readable codes (the chunk), which are i8 or i16, and their 8
        // destinations (the caller's contract).
        let records = unsafe { pack_eight(p, eight.as_ptr()) };
        let first = 8 * e * stride;
        // SAFETY (all): 16-byte writes to the destinations of codes `8·e .. 8·e + 8`
        // (the caller's contract).
        unsafe {
            if stride == 1 {
                let at = dst.add(first).cast::<__m256i>();
                let [r04, r15, r26, r37] = records;
                _mm256_storeu_si256(at, _mm256_permute2x128_si256::<0x20>(r04, r15));
                _mm256_storeu_si256(at.add(1), _mm256_permute2x128_si256::<0x20>(r26, r37));
                _mm256_storeu_si256(at.add(2), _mm256_permute2x128_si256::<0x31>(r04, r15));
                _mm256_storeu_si256(at.add(3), _mm256_permute2x128_si256::<0x31>(r26, r37));
            } else {
                for (i, r) in records.into_iter().enumerate() {
                    let (low, high) = (
                        dst.add(first + i * stride),
                        dst.add(first + (i + 4) * stride),
                    );
                    _mm_storeu_si128(low.cast(), _mm256_castsi256_si128(r));
                    _mm_storeu_si128(high.cast(), _mm256_extracti128_si256::<1>(r));
                }
            }
        }
    }
    for (i, a) in codes.iter().enumerate().skip(eights) {
        // SAFETY: the destination of code `i` (the caller's contract).
        unsafe { dst.add(i * stride).write(PackedLeft::new(p, a.widen())) };
    }
}

/// [`PackedLeft::new`] of 8 codes stored as `C` at `src`: operands `i` and `i + 4` in
/// the low and high halves of vector `i`.
///
/// # Safety
/// The CPU supports AVX2; `src` holds 8 readable codes, which are i8 or i16.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn pack_eight<C: CodeStorage>(p: &MacParams, src: *const C) -> [__m256i; 4] {
    const {
        assert!(
            SIGN_OFFSET == 1 << 5,
            "a sign's offset is the sign bit shifted by 5"
        )
    };
    // SAFETY: 8 codes (the caller's contract).
    let a = unsafe {
        if TypeId::of::<C>() == TypeId::of::<i8>() {
            _mm256_cvtepi8_epi32(_mm_loadl_epi64(src.cast()))
        } else {
            _mm256_cvtepi16_epi32(_mm_loadu_si128(src.cast()))
        }
    };
    let one = _mm256_set1_epi32(1);
    let sign = _mm256_and_si256(a, one);
    let part = _mm256_sll_epi32(
        _mm256_andnot_si256(one, a),
        _mm_cvtsi32_si128(p.shift as i32),
    );
    let low = _mm256_and_si256(part, _mm256_set1_epi32(0xFFFF));
    let even = _mm256_or_si256(low, _mm256_slli_epi32::<16>(low));
    let zero = _mm256_cmpeq_epi32(_mm256_srai_epi32::<1>(a), _mm256_set1_epi32(p.op_log_zero));
    let left = _mm256_blendv_epi8(
        _mm256_or_si256(part, sign),
        _mm256_set1_epi32(ZERO_LEFT),
        zero,
    );
    let offset = _mm256_slli_epi32::<5>(sign);
    // Records `[even, left, offset, 0]`: after the two unpacks, `i` and `i + 4` share a
    // vector.
    let pad = _mm256_setzero_si256();
    let (el_low, el_high) = (
        _mm256_unpacklo_epi32(even, left),
        _mm256_unpackhi_epi32(even, left),
    );
    let (op_low, op_high) = (
        _mm256_unpacklo_epi32(offset, pad),
        _mm256_unpackhi_epi32(offset, pad),
    );
    [
        _mm256_unpacklo_epi64(el_low, op_low),
        _mm256_unpackhi_epi64(el_low, op_low),
        _mm256_unpacklo_epi64(el_high, op_high),
        _mm256_unpackhi_epi64(el_high, op_high),
    ]
}

/// The threshold of a panel row of zeros: no product against it underflows.
const ZERO_ROW: i32 = i32::MIN;

/// Finds the threshold of each row of the panel just packed, into `thresholds`:
/// `min_code − floor`, where the floor is the smallest product part `(b & !1) << shift`
/// of the row's non-zero codes ([`ZERO_ROW`] if none). A product `a·b` of a non-zero A
/// code against the row is zero or does not underflow where its part `(a & !1) << shift`
/// is at least the threshold (an odd sign bit cannot lift an even sum below the even
/// `min_code` to it; and as thresholds are even, the part may carry A's sign bit). With
/// `rows`, also prepares every row for the clean path into it. Returns whether the
/// panel holds a zero.
///
/// # Safety
/// The CPU supports AVX2; the panel holds `k` rows of 16 codes, which are i8 or i16.
#[target_feature(enable = "avx2")]
unsafe fn prepare_panel<C: CodeStorage>(
    job: &TileJob<'_, C>,
    c: &Consts,
    mut rows: Option<&mut Vec<CleanRow>>,
    thresholds: &mut Vec<i32>,
) -> bool {
    if let Some(rows) = rows.as_deref_mut() {
        rows.clear();
    }
    thresholds.clear();
    let mut zeros = false;
    for codes in job.panel[..job.k * LANES].chunks_exact(LANES) {
        // SAFETY: 16 readable codes (the caller's contract).
        let b = unsafe { prepare(job.p, c, codes.as_ptr()) }.clean;
        let zero_bytes = _mm256_movemask_epi8(b.zero);
        zeros |= zero_bytes != 0;
        thresholds.push(if zero_bytes == -1 {
            ZERO_ROW
        } else {
            let even = _mm256_andnot_si256(c.one, b.by_sign[0]);
            let floor = smallest(_mm256_blendv_epi8(
                even,
                _mm256_set1_epi16(i16::MAX),
                b.zero,
            ));
            job.p.min_code - floor
        });
        if let Some(rows) = rows.as_deref_mut() {
            rows.push(b);
        }
    }
    zeros
}

/// The smallest of 16 i16 lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn smallest(x: __m256i) -> i32 {
    let eight = _mm_min_epi16(_mm256_castsi256_si128(x), _mm256_extracti128_si256::<1>(x));
    // `phminposuw` finds the smallest u16: flipping bit 15 maps i16 order onto it.
    let flip = _mm_set1_epi16(i16::MIN);
    let min = _mm_minpos_epu16(_mm_xor_si128(eight, flip));
    i32::from((_mm_cvtsi128_si32(min) as u16 ^ 0x8000) as i16)
}

/// Rows `i0 .. i0 + R` against the packed panel at column `j0`: on the clean path where
/// it holds, else on the full step.
///
/// # Safety
/// As [`rows`].
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn any_tile<C: CodeStorage, const R: usize, const FULL: bool>(
    job: &mut TileJob<'_, C>,
    c: &Consts,
    tries: &mut Tries,
    panel: &Panel<'_>,
    i0: usize,
) {
    let (j0, width) = (panel.j0, panel.width);
    if tries.discarded * 8 <= tries.tried + 8 {
        tries.tried += 1;
        // SAFETY (both): forwarded contract.
        let packed = matches!(panel.operands, Operands::Packed { .. });
        let kept = match (panel.zeros, packed) {
            (true, true) => unsafe { clean_tile::<C, R, FULL, true, true>(job, c, panel, i0) },
            (false, true) => unsafe { clean_tile::<C, R, FULL, false, true>(job, c, panel, i0) },
            (true, false) => unsafe { clean_tile::<C, R, FULL, true, false>(job, c, panel, i0) },
            (false, false) => unsafe { clean_tile::<C, R, FULL, false, false>(job, c, panel, i0) },
        };
        #[cfg(test)]
        tests::record_clean_tile(kept);
        if kept {
            return;
        }
        tries.discarded += 1;
    }
    // SAFETY: forwarded contract.
    unsafe { full_tile::<C, R, FULL>(job, c, i0, j0, width) };
}

/// Rows `i0 .. i0 + R` on the full step, which saturates and flushes sums like the
/// scalar reference.
///
/// # Safety
/// As [`rows`].
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn full_tile<C: CodeStorage, const R: usize, const FULL: bool>(
    job: &mut TileJob<'_, C>,
    c: &Consts,
    i0: usize,
    j0: usize,
    width: usize,
) {
    let (k, p) = (job.k, job.p);
    let a_rows: [&[C]; R] = job.a_rows(i0);
    let a_step = job.a_col_stride();
    let panel = &job.panel[..k * LANES];
    let start = Row {
        acc: c.zero_code,
        flushed: _mm256_setzero_si256(),
        saturated: _mm256_setzero_si256(),
    };
    let mut rows = [start; R];
    let mut totals = [LaneCounts::<LANES>::default(); R];
    // At most two events per lane and step: `2·CHUNK` fits an i16 counter read as
    // unsigned.
    for k0 in (0..k).step_by(CHUNK) {
        for kk in k0..k.min(k0 + CHUNK) {
            // SAFETY: `kk < k`: the panel row holds 16 codes, which are i8 or i16
            // (`full_table_for`).
            let b = unsafe { prepare(p, c, panel.as_ptr().add(kk * LANES)) };
            unroll!(R, r => {
                // SAFETY: `kk < k`, and each row of A holds its codes `0 ..= (k−1)·a_step`.
                let a = unsafe { *a_rows[r].get_unchecked(kk * a_step) }.widen();
                // SAFETY: with `FULL`, `c.tab` is the unit's full table (forwarded).
                unsafe { full_step::<FULL>(p, c, &mut rows[r], a, &b) };
            });
        }
        for (row, total) in rows.iter_mut().zip(totals.iter_mut()) {
            add_counts(&mut total.flushed, row.flushed);
            add_counts(&mut total.saturated, row.saturated);
            row.flushed = _mm256_setzero_si256();
            row.saturated = _mm256_setzero_si256();
        }
    }
    for (r, (row, total)) in rows.iter().zip(&totals).enumerate() {
        let mut codes = [0i16; LANES];
        // SAFETY: a 32-byte store into a 32-byte array.
        unsafe { _mm256_storeu_si256(codes.as_mut_ptr().cast(), row.acc) };
        job.store_row(i0 + r, j0, width, &codes.map(i32::from), total);
    }
}

/// One MAC step on 16 lanes, equal to `lanes::mac` lane for lane: the AVX-512 engine's
/// full step with all-ones lanes for masks (see [`super::avx512_wide`] for the range
/// checks without wider lanes).
///
/// # Safety
/// With `FULL`, `c.tab` holds the full table of i16 entries up to `c.twice_last + 1`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn full_step<const FULL: bool>(p: &MacParams, c: &Consts, row: &mut Row, a: i32, b: &BRow) {
    let left = PackedLeft::new(p, a);
    if left.left == ZERO_LEFT {
        // A zero A: its products are all zero (acc + 0 = acc, no events).
        return;
    }
    let (sign, a_even) = ((left.offset / SIGN_OFFSET) as usize, left.even());
    let old = row.acc;
    let below_min = _mm256_sub_epi16(c.min_code, c.one);
    // Exact where in range; below it saturates to i16::MIN, which is still below it.
    let mut product = _mm256_adds_epi16(a_even, b.clean.by_sign[sign]);
    let product_live = _mm256_and_si256(b.nonzero, _mm256_cmpgt_epi16(product, below_min));
    let product_over = _mm256_and_si256(b.nonzero, _mm256_cmpgt_epi16(a_even, b.room[sign]));
    let old_live = _mm256_cmpgt_epi16(old, below_min);
    let live = _mm256_and_si256(product_live, old_live);
    let acc_zero = _mm256_andnot_si256(old_live, product_live);
    // SAFETY (both): forwarded contract.
    let mut s = unsafe { sum::<FULL>(c, old, product, live) };
    if _mm256_movemask_epi8(_mm256_or_si256(product_over, s.over)) != 0 {
        // Saturation (rare): a product beyond ±max becomes ±max before the addition
        // (its sign is B's sign bit flipped by A's), a sum beyond ±max becomes ±max
        // with the larger term's sign.
        if _mm256_movemask_epi8(product_over) != 0 {
            let signs = _mm256_and_si256(b.clean.by_sign[sign], c.one);
            let saturated = _mm256_or_si256(c.top, signs);
            product = _mm256_blendv_epi8(product, saturated, product_over);
            s = unsafe { sum::<FULL>(c, old, product, live) };
        }
        // All-ones lanes are −1: subtracting a mask counts one event.
        row.saturated = _mm256_sub_epi16(row.saturated, product_over);
        row.saturated = _mm256_sub_epi16(row.saturated, s.over);
        let big_sign = _mm256_and_si256(s.big, c.one);
        s.sum = _mm256_blendv_epi8(s.sum, _mm256_or_si256(c.top, big_sign), s.over);
    }
    let cancel = _mm256_cmpeq_epi16(_mm256_xor_si256(old, product), c.one);
    let under = _mm256_cmpgt_epi16(c.min_code, s.sum);
    let product_under = _mm256_andnot_si256(product_live, b.nonzero);
    let sum_under = _mm256_andnot_si256(cancel, _mm256_and_si256(live, under));
    row.flushed = _mm256_sub_epi16(row.flushed, _mm256_or_si256(product_under, sum_under));
    let sum = _mm256_blendv_epi8(s.sum, c.zero_code, _mm256_or_si256(cancel, under));
    row.acc = _mm256_blendv_epi8(_mm256_blendv_epi8(old, sum, live), product, acc_zero);
}

/// What [`sum`] returns.
struct Sum {
    sum: __m256i,
    big: __m256i,
    over: __m256i,
}

/// The sum of two codes — the larger term's code plus the doubled Δ± of their log
/// difference, added with saturation (before the range checks and the cancellation) —
/// the larger term, and the lanes of `live` whose sum exceeds the largest code
/// (`big > max − corr`).
///
/// # Safety
/// As [`full_step`].
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn sum<const FULL: bool>(c: &Consts, acc: __m256i, product: __m256i, live: __m256i) -> Sum {
    let diff = _mm256_sub_epi16(_mm256_srai_epi16::<1>(acc), _mm256_srai_epi16::<1>(product));
    let d = _mm256_abs_epi16(diff);
    let dead = _mm256_xor_si256(live, _mm256_set1_epi16(-1));
    // SAFETY: forwarded contract.
    let corr = unsafe {
        correction::<FULL>(
            c,
            _mm256_add_epi16(d, d),
            _mm256_xor_si256(acc, product),
            dead,
        )
    };
    let acc_big = _mm256_cmpgt_epi16(diff, _mm256_set1_epi16(-1));
    let big = _mm256_blendv_epi8(product, acc, acc_big);
    let over = _mm256_cmpgt_epi16(big, _mm256_subs_epi16(c.max_code, corr));
    Sum {
        sum: _mm256_adds_epi16(big, corr),
        big,
        over: _mm256_and_si256(live, over),
    }
}

/// Rows `i0 .. i0 + R` on the clean path: stores them and returns `true`, or stores
/// nothing and returns `false` where a sum may have saturated. `ZEROS`: whether the
/// panel holds a zero (or padding), which the dense step then reads as zero.
///
/// # Safety
/// As [`rows`].
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn clean_tile<
    C: CodeStorage,
    const R: usize,
    const FULL: bool,
    const ZEROS: bool,
    const PACKED: bool,
>(
    job: &mut TileJob<'_, C>,
    c: &Consts,
    panel: &Panel<'_>,
    i0: usize,
) -> bool {
    let (k, p) = (job.k, job.p);
    let (thresholds, j0, width) = (panel.thresholds, panel.j0, panel.width);
    let a_rows: [&[C]; R] = job.a_rows(i0);
    let a_step = job.a_col_stride();
    let codes = &job.panel[..k * LANES];
    let (prepared, lefts): (&[CleanRow], [&[PackedLeft]; R]) = match panel.operands {
        Operands::InPlace => (&[], [&[]; R]),
        Operands::Packed { rows, lefts, first } => (
            &rows[..k],
            std::array::from_fn(|r| &lefts[(i0 + r - first) * k..][..k]),
        ),
    };
    // Padding lanes hold the code of 1, which their zero products leave as it is: they
    // are never stored, and a zero there would keep every row on the masked step.
    let lanes = _mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let stored = _mm256_cmpgt_epi16(_mm256_set1_epi16(width as i16), lanes);
    let mut acc = [_mm256_and_si256(c.zero_code, stored); R];
    let mut flushed = [_mm256_setzero_si256(); R];
    let mut totals = [LaneCounts::<LANES>::default(); R];
    // Rows whose accumulators may hold a zero (all do before their first product).
    let mut dead = [true; R];
    // The largest larger term of any sum.
    let mut big = _mm256_set1_epi16(i16::MIN);
    for k0 in (0..k).step_by(CHUNK) {
        let end = k.min(k0 + CHUNK);
        for (kk, &threshold) in (k0..end).zip(&thresholds[k0..end]) {
            let in_place;
            let b = if PACKED {
                // SAFETY: `kk < k`, the length of `prepared`.
                unsafe { prepared.get_unchecked(kk) }
            } else {
                // SAFETY: `kk < k`: the panel row holds 16 codes, which are i8 or i16 (`full_table_for`).
                in_place = unsafe { prepare(p, c, codes.as_ptr().add(kk * LANES)) }.clean;
                &in_place
            };
            unroll!(R, r => {
                let a = if PACKED {
                    // SAFETY: `kk < k`, the length of each row of `lefts`.
                    unsafe { *lefts[r].get_unchecked(kk) }
                } else {
                    // SAFETY: `kk < k`, and each row of A holds its codes `0 ..= (k−1)·a_step`.
                    PackedLeft::new(p, unsafe { *a_rows[r].get_unchecked(kk * a_step) }.widen())
                };
                // A zero A leaves the row as it is.
                if a.left != ZERO_LEFT {
                    let product = _mm256_adds_epi16(a.even(), b.for_left(a));
                    let dense = !dead[r] && a.left >= threshold;
                    // SAFETY (both): with `FULL`, `c.tab` is the unit's full table
                    // (forwarded).
                    let kept = dense
                        && unsafe { dense_step::<FULL, ZEROS>(c, &mut acc[r], &mut big, product, b) };
                    if !kept {
                        unsafe { step::<FULL>(c, &mut acc[r], &mut flushed[r], &mut big, product, b) };
                        dead[r] = _mm256_movemask_epi8(_mm256_cmpgt_epi16(c.min_code, acc[r])) != 0;
                    }
                }
            });
        }
        for (counter, total) in flushed.iter_mut().zip(totals.iter_mut()) {
            add_counts(&mut total.flushed, *counter);
            *counter = _mm256_setzero_si256();
        }
    }
    let may_saturate = _mm256_cmpgt_epi16(big, _mm256_sub_epi16(c.clear, c.one));
    if _mm256_movemask_epi8(may_saturate) != 0 {
        return false;
    }
    for (r, (acc, total)) in acc.iter().zip(&totals).enumerate() {
        // Every code below the smallest is zero (see `step`).
        let zero = _mm256_cmpgt_epi16(c.min_code, *acc);
        let acc = _mm256_blendv_epi8(*acc, c.zero_code, zero);
        let mut codes = [0i16; LANES];
        // SAFETY: a 32-byte store into a 32-byte array.
        unsafe { _mm256_storeu_si256(codes.as_mut_ptr().cast(), acc) };
        job.store_row(i0 + r, j0, width, &codes.map(i32::from), total);
    }
    true
}

/// 16 codes of the panel widened to i16, as the product's B part per sign of A.
///
/// # Safety
/// `b` points at 16 readable codes; `C` is i8 or i16.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn prepare<C: CodeStorage>(p: &MacParams, c: &Consts, b: *const C) -> BRow {
    // SAFETY: the caller's contract.
    let b = unsafe { load_codes(b) };
    let shift = _mm_cvtsi32_si128(p.shift as i32);
    // `((b & !1) << shift) | (b & 1)`: B's log in the accumulator's fraction, its sign.
    let part = _mm256_or_si256(
        _mm256_sll_epi16(_mm256_andnot_si256(c.one, b), shift),
        _mm256_and_si256(b, c.one),
    );
    let op_min = _mm256_set1_epi16(p.op_min_code as i16);
    let flipped = _mm256_xor_si256(part, c.one);
    BRow {
        clean: CleanRow {
            by_sign: [part, flipped],
            zero: _mm256_cmpgt_epi16(op_min, b),
        },
        room: [
            _mm256_subs_epi16(c.max_code, part),
            _mm256_subs_epi16(c.max_code, flipped),
        ],
        nonzero: _mm256_cmpgt_epi16(b, _mm256_sub_epi16(op_min, c.one)),
    }
}

/// 16 codes stored as `C` (i8 or i16), widened to i16.
///
/// # Safety
/// `src` points at 16 readable codes.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load_codes<C: CodeStorage>(src: *const C) -> __m256i {
    // SAFETY: the caller's contract.
    unsafe {
        if TypeId::of::<C>() == TypeId::of::<i8>() {
            _mm256_cvtepi8_epi16(_mm_loadu_si128(src.cast()))
        } else {
            _mm256_loadu_si256(src.cast())
        }
    }
}

/// The dense step of the clean path on 16 lanes, where the accumulator is live in every
/// lane and the product wherever B is not zero: the masked [`step`] without its masks
/// but B's zeros (`ZEROS`: there may be some). Adds `product` to `acc` and returns
/// `true`, or leaves `acc` as it is and returns `false` where a lane cancelled exactly
/// or its sum fell below the range (which the masked step handles).
///
/// # Safety
/// As [`full_step`].
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn dense_step<const FULL: bool, const ZEROS: bool>(
    c: &Consts,
    acc: &mut __m256i,
    big_seen: &mut __m256i,
    product: __m256i,
    b: &CleanRow,
) -> bool {
    let old = *acc;
    // A zero product leaves the live accumulator as it is: the larger term, with no
    // correction, no cancellation (`old ^ zero` is not 1) and no flush.
    let (product, zero) = if ZEROS {
        (_mm256_blendv_epi8(product, c.zero_code, b.zero), b.zero)
    } else {
        (product, _mm256_setzero_si256())
    };
    let big = _mm256_max_epi16(old, product);
    // As in `step`.
    let twice_d = _mm256_sub_epi16(
        big,
        _mm256_andnot_si256(c.one, _mm256_min_epi16(old, product)),
    );
    let signs = _mm256_xor_si256(old, product);
    // SAFETY: forwarded contract.
    let sum = _mm256_adds_epi16(big, unsafe { correction::<FULL>(c, twice_d, signs, zero) });
    let events = _mm256_or_si256(
        _mm256_cmpeq_epi16(signs, c.one),
        _mm256_cmpgt_epi16(c.min_code, sum),
    );
    if _mm256_movemask_epi8(events) != 0 {
        return false;
    }
    *big_seen = _mm256_max_epi16(*big_seen, big);
    *acc = sum;
    true
}

/// The masked step of the clean path on 16 lanes: the AVX-512 clean step's operations,
/// with all-ones lanes for masks, adding `product` (A's product part plus B's, saturated)
/// to `acc`. Codes below `min_code` of any value stand for zero in the accumulator (a
/// flushed product is merged in as one, a flushed sum kept as it is).
///
/// # Safety
/// As [`full_step`].
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn step<const FULL: bool>(
    c: &Consts,
    acc: &mut __m256i,
    flushed: &mut __m256i,
    big_seen: &mut __m256i,
    product: __m256i,
    b: &CleanRow,
) {
    let old = *acc;
    // Zero where B is zero; below `min_code` where the product underflows.
    let product = _mm256_blendv_epi8(product, c.zero_code, b.zero);
    // The zero code is below `min_code` too: a term is zero or flushed exactly where it
    // is below it.
    let product_dead = _mm256_cmpgt_epi16(c.min_code, product);
    // A flushed product counts one (all-ones lanes are −1).
    *flushed = _mm256_sub_epi16(*flushed, _mm256_andnot_si256(b.zero, product_dead));
    let dead = _mm256_or_si256(product_dead, _mm256_cmpgt_epi16(c.min_code, old));
    // Where one term is dead the other is the larger, and the correction is 0; where
    // both live, the larger log wins, and equal logs either agree or cancel.
    let big = _mm256_max_epi16(old, product);
    // `2·|L_old − L_product|` plus the larger term's sign bit (`big − (small & !1)`,
    // read as u16), which no bucket or entry index sees.
    let twice_d = _mm256_sub_epi16(
        big,
        _mm256_andnot_si256(c.one, _mm256_min_epi16(old, product)),
    );
    // Bit 0: the terms' signs differ; all of it is 1 exactly where they cancel. Codes
    // `x` and `x ^ 1` lie on the same side of the even `min_code`, so where one term is
    // dead the other is not its negation; where both are, the sum is zero anyway.
    let signs = _mm256_xor_si256(old, product);
    let cancel = _mm256_cmpeq_epi16(signs, c.one);
    // SAFETY: forwarded contract.
    let sum = _mm256_adds_epi16(big, unsafe { correction::<FULL>(c, twice_d, signs, dead) });
    *big_seen = _mm256_max_epi16(*big_seen, big);
    // A sum below the range flushes (counted); it stays below `min_code`, which reads as
    // zero. A lane flushes its product or its sum, not both.
    let under = _mm256_andnot_si256(
        _mm256_or_si256(dead, cancel),
        _mm256_cmpgt_epi16(c.min_code, sum),
    );
    *flushed = _mm256_sub_epi16(*flushed, under);
    *acc = _mm256_blendv_epi8(sum, c.zero_code, cancel);
}

/// The doubled Δ+ (or Δ− where bit 0 of `signs` is set) of the log difference `d`, from
/// `twice_d` = `2·d` or `2·d + 1`, and 0 on the lanes of `dead`: from the byte tables at
/// bucket `d >> step_drop` (0 from bucket `last_step` on), or with `FULL` from
/// the full table at entry `2·min(d, last) + opposite` (entries at `last` are 0).
///
/// # Safety
/// With `FULL`, `c.tab` holds the full table of i16 entries up to `c.twice_last + 1`.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn correction<const FULL: bool>(
    c: &Consts,
    twice_d: __m256i,
    signs: __m256i,
    dead: __m256i,
) -> __m256i {
    if FULL {
        let twice = _mm256_min_epu16(_mm256_or_si256(twice_d, dead), c.twice_last);
        let entry = _mm256_or_si256(
            _mm256_andnot_si256(c.one, twice),
            _mm256_and_si256(signs, c.one),
        );
        // SAFETY: every entry is at most `2·last + 1` (the caller's contract).
        return unsafe { entries(c.tab, entry) };
    }
    // Buckets past the last read zeros (entries past it, or bit 7 of the index).
    let shifted = _mm256_or_si256(_mm256_srl_epi16(twice_d, c.drop_twice), dead);
    let idx = _mm256_add_epi16(shifted, c.index_bias);
    // Bit 7 of each lane's low byte: the signs differ (the high bytes select between
    // zeros).
    let opposite = _mm256_slli_epi16::<7>(signs);
    let [plus_low, plus_high, minus_low, minus_high] = c.tables.0;
    let byte = |plus, minus| {
        _mm256_blendv_epi8(
            _mm256_shuffle_epi8(plus, idx),
            _mm256_shuffle_epi8(minus, idx),
            opposite,
        )
    };
    _mm256_or_si256(
        byte(plus_low, minus_low),
        _mm256_slli_epi16::<8>(byte(plus_high, minus_high)),
    )
}

/// The i16 entries of `tab` at the 16 indices of `entry`, one scalar load per lane.
///
/// # Safety
/// `tab` holds every entry indexed.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn entries(tab: *const i16, entry: __m256i) -> __m256i {
    let mut at = [0u16; LANES];
    // SAFETY: a 32-byte store into a 32-byte array.
    unsafe { _mm256_storeu_si256(at.as_mut_ptr().cast(), entry) };
    // SAFETY: the caller's contract.
    let read: [i16; LANES] = std::array::from_fn(|l| unsafe { *tab.add(usize::from(at[l])) });
    // SAFETY: a 32-byte load from a 32-byte array.
    unsafe { _mm256_loadu_si256(read.as_ptr().cast()) }
}

/// Adds 16 i16 counters, read as unsigned, to their totals.
#[target_feature(enable = "avx2")]
#[inline]
fn add_counts(total: &mut [u32; LANES], counters: __m256i) {
    let mut lanes = [0u16; LANES];
    // SAFETY: a 32-byte store into a 32-byte array.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), counters) };
    for (t, l) in total.iter_mut().zip(lanes) {
        *t += u32::from(l);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::cell::Cell;

    use super::{CHUNK, LANES, PackedLeft, block_rows, full_table_for, pack_codes};
    use crate::kernels::lanes::MacParams;
    use crate::kernels::{Exec, MatRef, SimdLevel, gemm};
    use crate::reference::SplitMix64;
    use crate::{Arith, Counts, DeltaKind, Format};

    thread_local! {
        /// Tiles this thread kept from the clean path and discarded.
        static CLEAN_TILES: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
    }

    /// Counts one tile tried on the clean path.
    pub(in crate::kernels) fn record_clean_tile(kept: bool) {
        CLEAN_TILES.with(|t| {
            let (k, d) = t.get();
            t.set(if kept { (k + 1, d) } else { (k, d + 1) });
        });
    }

    /// A product's codes and the unit's counts.
    type Run = (Vec<i16>, Counts);

    /// Rows of A in these products: two tiles of four.
    const ROWS: usize = 8;
    const FMT: Format = Format::LNS16;

    /// Code of `±2^(log / 2^frac)`.
    fn code(log: i32, negative: bool) -> i16 {
        (2 * log + i32::from(negative)) as i16
    }

    /// The units of these tests: Δ from byte tables and from the full table.
    const KINDS: [DeltaKind; 2] = [DeltaKind::LutSmall, DeltaKind::Lut];

    /// `A·B` (`ROWS × k × 16`, row-major i16 codes, Δ of `kind`) at AVX2 and on the
    /// scalar reference, with their counts, and the tiles `(kept, discarded)` by the
    /// clean path during the AVX2 run.
    fn both(kind: DeltaKind, a: &[i16], b: &[i16]) -> ([Run; 2], (u32, u32)) {
        CLEAN_TILES.with(|t| t.set((0, 0)));
        // Only the AVX2 run tries tiles on the clean path.
        let runs = avx2_and_reference(&Arith::new(FMT, kind), a, b, ROWS);
        (runs, CLEAN_TILES.with(Cell::get))
    }

    /// `A·B` (`m` rows, row-major i16 codes) at AVX2 on one thread and on the scalar
    /// reference, with the unit's counts.
    fn avx2_and_reference(unit: &Arith, a: &[i16], b: &[i16], m: usize) -> [Run; 2] {
        let k = a.len() / m;
        let n = b.len() / k;
        views_at_avx2_and_reference(unit, MatRef::row_major(a, m, k), MatRef::row_major(b, k, n))
    }

    /// `A·B` of two views at AVX2 on one thread and on the scalar reference, with the
    /// unit's counts.
    fn views_at_avx2_and_reference(
        unit: &Arith,
        a: MatRef<'_, i16>,
        b: MatRef<'_, i16>,
    ) -> [Run; 2] {
        let avx2 = Exec {
            simd: SimdLevel::Avx2,
            parallel: false,
        };
        [avx2, Exec::REFERENCE].map(|exec| {
            let mut out = vec![0i16; a.rows * b.cols];
            unit.take_counts();
            gemm(unit, a, b, &mut out, exec).expect("shapes agree");
            (out, unit.take_counts())
        })
    }

    /// A pool of one thread: products inside it take a whole [`super::PACKED_BYTES`]
    /// per block of packed rows on any machine.
    fn one_thread_pool() -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a pool of one thread")
    }

    /// `len` LNS16 codes with logs within ±3 octaves, every `zero_every`-th code zero.
    fn codes_with_zeros(rng: &mut SplitMix64, len: usize, zero_every: usize) -> Vec<i16> {
        let unit = Arith::new(FMT, DeltaKind::LutSmall);
        (0..len)
            .map(|i| {
                if i.is_multiple_of(zero_every) {
                    FMT.zero() as i16
                } else {
                    unit.encode(rng.log_uniform(3.0)) as i16
                }
            })
            .collect()
    }

    /// Operands of `k` steps with logs within ±4 octaves, row `r`'s first two A codes
    /// replaced by `firsts[r]`, and B's first two rows +1.
    fn operands(k: usize, firsts: &[[i16; 2]]) -> (Vec<i16>, Vec<i16>) {
        let mut rng = SplitMix64(5);
        let unit = Arith::new(FMT, DeltaKind::LutSmall);
        let mut random = |_| unit.encode(rng.log_uniform(4.0)) as i16;
        let mut a: Vec<i16> = (0..ROWS * k).map(&mut random).collect();
        let mut b: Vec<i16> = (0..k * LANES).map(&mut random).collect();
        b[..2 * LANES].fill(FMT.one() as i16);
        for (row, pair) in firsts.iter().enumerate() {
            a[row * k..row * k + 2].copy_from_slice(pair);
        }
        (a, b)
    }

    #[test]
    fn clean_path_keeps_tiles_with_zeros_cancellations_and_flushed_products_and_sums() {
        if !SimdLevel::Avx2.is_available() {
            return;
        }
        let (x, tiny) = (1 << (FMT.frac() - 1), FMT.log_min() + 3);
        // Row 0 cancels exactly (x − x); row 1 starts with tiny terms that cancel, then
        // multiplies the smallest A codes by B codes of a quarter every third step
        // (flushed products); row 2 starts with two tiny terms one code apart and of
        // opposite signs, whose sum flushes (or plain codes, to count the other events);
        // row 3 is zero in A; B has zeros.
        let product = |kind, sum_flushes: bool| {
            let k = 300;
            let plain = operands(k, &[]).0[2 * k..2 * k + 2]
                .try_into()
                .expect("two codes");
            let row_2 = if sum_flushes {
                [code(tiny + 1, false), code(tiny, true)]
            } else {
                plain
            };
            let (mut a, mut b) = operands(
                k,
                &[
                    [code(x, false), code(x, true)],
                    [code(tiny, false), code(tiny, true)],
                    row_2,
                ],
            );
            for kk in (2..k).step_by(3) {
                a[k + kk] = code(FMT.log_min(), kk % 2 == 0);
                b[kk * LANES..(kk + 1) * LANES].fill(code(-2 << FMT.frac(), kk % 4 == 0));
            }
            a[3 * k..4 * k].fill(FMT.zero() as i16);
            for j in (0..b.len()).step_by(7) {
                b[j] = FMT.zero() as i16;
            }
            both(kind, &a, &b)
        };
        for kind in KINDS {
            let ([_, without], _) = product(kind, false);
            let ([narrow, reference], tiles) = product(kind, true);
            assert_eq!(narrow, reference, "{kind}");
            assert!(without.1.flushed > 0, "products flush");
            assert!(
                reference.1.flushed > without.1.flushed,
                "row 2's sums flush"
            );
            assert_eq!(tiles, (2, 0), "{kind}");
        }
    }

    #[test]
    fn dense_steps_leave_cancellations_and_flushes_to_the_masked_step() {
        if !SimdLevel::Avx2.is_available() {
            return;
        }
        let (x, tiny) = (1 << (FMT.frac() - 1), FMT.log_min() + 3);
        let k = 64;
        // B has no zero and its first two rows are 1, so each row's second step is
        // dense: row 0 cancels there (x − x) and goes on from zero; row 5 adds two tiny
        // terms one code apart and of opposite signs, whose sum flushes. Row 2 is live
        // when its products of the smallest A code by a quarter start to underflow.
        let mut firsts: Vec<[i16; 2]> = operands(k, &[])
            .0
            .chunks(2)
            .take(6)
            .map(|p| [p[0], p[1]])
            .collect();
        firsts[0] = [code(x, false), code(x, true)];
        firsts[5] = [code(tiny + 1, false), code(tiny, true)];
        let (mut a, mut b) = operands(k, &firsts);
        for kk in (4..k).step_by(3) {
            a[2 * k + kk] = code(FMT.log_min(), kk % 2 == 0);
            b[kk * LANES..(kk + 1) * LANES].fill(code(-2 << FMT.frac(), kk % 4 == 0));
        }
        for kind in KINDS {
            let ([narrow, reference], tiles) = both(kind, &a, &b);
            assert_eq!(narrow, reference, "{kind}");
            // 20 steps of row 2 flush their products, one of row 5 its sums.
            assert_eq!(reference.1.flushed, (21 * LANES) as u64, "{kind}");
            assert_eq!(tiles, (2, 0), "{kind}");
        }
    }

    #[test]
    fn dense_steps_read_zeros_of_b_as_zero_products_whatever_a() {
        if !SimdLevel::Avx2.is_available() {
            return;
        }
        let octaves = |n: i32| code(n << FMT.frac(), false);
        // Small sums, then a step whose A code is large and whose B is zero in every
        // other lane: the code sum of a large A and B's zero code is a live, small
        // value that must not enter those lanes. Step 5's B is zero in every lane, and
        // so is A in every other row (rows 0 and 1 start from zeros of A).
        let k = 8;
        let a: Vec<i16> = (0..ROWS * k)
            .map(|i| {
                let (row, kk) = (i / k, i % k);
                if (kk == 0 && row < 2) || (kk == 5 && row % 2 == 0) {
                    FMT.zero() as i16
                } else if kk == 3 {
                    octaves(12)
                } else {
                    octaves(-8)
                }
            })
            .collect();
        let mut b = vec![octaves(-2); k * LANES];
        for l in (0..LANES).step_by(2) {
            b[3 * LANES + l] = FMT.zero() as i16;
        }
        b[5 * LANES..6 * LANES].fill(FMT.zero() as i16);
        for kind in KINDS {
            let ([narrow, reference], tiles) = both(kind, &a, &b);
            assert_eq!(narrow, reference, "{kind}");
            assert_eq!(tiles, (2, 0), "{kind}");
        }
    }

    #[test]
    fn clean_path_discards_tiles_whose_sums_saturate() {
        if !SimdLevel::Avx2.is_available() {
            return;
        }
        let top = FMT.log_max() - 1;
        let plain = operands(64, &[]).0[..2].try_into().expect("two codes");
        let (a, b) = operands(64, &[plain, [code(top, false), code(top, false)]]);
        for kind in KINDS {
            let ([narrow, reference], tiles) = both(kind, &a, &b);
            assert_eq!(narrow, reference, "{kind}");
            assert!(reference.1.saturated > 0, "the sum saturates");
            // Row 1's tile is discarded and rerun; rows 4..8 are kept.
            assert_eq!(tiles, (1, 1), "{kind}");
        }
    }

    #[test]
    fn flush_counts_beyond_what_an_i16_counter_holds_are_exact() {
        if !SimdLevel::Avx2.is_available() {
            return;
        }
        // Every product of two of the smallest magnitudes underflows: over 2^16
        // flushes per output, counted in chunks.
        let k = 4 * CHUNK + 77;
        let small = code(FMT.log_min() + 1, false);
        let (a, b) = (vec![small; ROWS * k], vec![small; k * LANES]);
        for kind in KINDS {
            let ([narrow, reference], tiles) = both(kind, &a, &b);
            assert_eq!(narrow, reference, "{kind}");
            assert_eq!(reference.1.flushed, (ROWS * LANES * k) as u64);
            assert_eq!(tiles, (2, 0), "{kind}");
        }
    }

    #[test]
    fn saturation_counts_beyond_what_an_i16_counter_holds_are_exact() {
        if !SimdLevel::Avx2.is_available() {
            return;
        }
        // Every product of two of the largest magnitudes overflows, and so does every
        // sum after the first: two events per step, over 2^17 per output, on the full
        // step (the clean path discards both tiles).
        let k = 4 * CHUNK + 77;
        let large = code(FMT.log_max() - 1, false);
        let (a, b) = (vec![large; ROWS * k], vec![large; k * LANES]);
        for kind in KINDS {
            let ([narrow, reference], tiles) = both(kind, &a, &b);
            assert_eq!(narrow, reference, "{kind}");
            assert_eq!(reference.1.saturated, (ROWS * LANES * (2 * k - 1)) as u64);
            assert_eq!(tiles, (0, 2), "{kind}");
        }
    }

    #[test]
    fn blocks_of_packed_rows_and_operands_read_in_place_agree_with_the_reference() {
        if !SimdLevel::Avx2.is_available() {
            return;
        }
        // On one thread (a pool of one), 22 rows of 16 000 steps: blocks of 16 rows and of 6 (a tile
        // and two single rows), over panels of 16, 16 and 8 columns; 6 rows of 16 400
        // steps: too many steps to pack, A read in place, over panels of 16 and 4
        // columns.
        assert_eq!(block_rows(16_000, 22, 1), Some(16));
        assert_eq!(block_rows(16_400, 6, 1), None);
        assert_eq!(
            block_rows(8000, 22, 2),
            Some(16),
            "half as many on two threads"
        );
        let one_thread = one_thread_pool();
        let mut rng = SplitMix64(11);
        for (m, k, n) in [(22, 16_000, 40), (6, 16_400, 20)] {
            let a = codes_with_zeros(&mut rng, m * k, 13);
            let b = codes_with_zeros(&mut rng, k * n, 13);
            for kind in KINDS {
                let [avx2, reference] =
                    one_thread.install(|| avx2_and_reference(&Arith::new(FMT, kind), &a, &b, m));
                assert_eq!(avx2, reference, "{kind}, {m}×{k}×{n}");
            }
        }
    }

    #[test]
    fn rows_of_a_transposed_view_are_packed_like_rows_of_a_row_major_one() {
        if !SimdLevel::Avx2.is_available() {
            return;
        }
        // A is stored k × m (a weight gradient's Aᵀ): 22 rows of 3000 steps in one block
        // (two groups of eight rows packed down their columns, six strided rows), and of
        // 16 000 steps in blocks of 16 rows (two groups) and 6 (strided), over two panels
        // and more (a single panel reads A in place).
        assert_eq!(block_rows(3000, 22, 1), Some(22));
        assert_eq!(block_rows(16_000, 22, 1), Some(16));
        let one_thread = one_thread_pool();
        let mut rng = SplitMix64(12);
        for (m, k, n) in [(22, 3000, 24), (22, 16_000, 40)] {
            let a_t = codes_with_zeros(&mut rng, k * m, 7);
            let b = codes_with_zeros(&mut rng, k * n, 7);
            let a = MatRef::row_major(&a_t, k, m).t();
            let b = MatRef::row_major(&b, k, n);
            for kind in KINDS {
                let unit = Arith::new(FMT, kind);
                let [avx2, reference] =
                    one_thread.install(|| views_at_avx2_and_reference(&unit, a, b));
                assert_eq!(avx2, reference, "{kind}, {m}×{k}×{n}");
            }
        }
    }

    #[test]
    fn eight_codes_at_a_time_pack_like_one_at_a_time_for_every_i8_and_i16_code_in_rows_and_columns()
    {
        if !SimdLevel::Avx2.is_available() {
            return;
        }
        // Every code of the storage type, in a row whose length leaves a tail of 3,
        // written side by side and 3 apart (a column); accumulators as wide as the
        // operands (shift 0) and wider (shifts 4 and 3).
        fn check<C: crate::code::CodeStorage>(unit: &Arith, codes: &[C]) {
            let p = MacParams::new(unit).expect("a unit the lane kernels run");
            let fields = |l: &PackedLeft| (l.even, l.left, l.offset);
            for stride in [1, 3] {
                let mut out =
                    vec![std::mem::MaybeUninit::<PackedLeft>::uninit(); codes.len() * stride];
                // SAFETY: AVX2 is available (checked above), `C` is i8 or i16 and `out`
                // holds every destination.
                unsafe { pack_codes(&p, codes, out.as_mut_ptr().cast(), stride) };
                for (a, got) in codes.iter().zip(out.iter().step_by(stride)) {
                    // SAFETY: `pack_codes` wrote every destination.
                    let got = unsafe { got.assume_init_ref() };
                    let want = PackedLeft::new(&p, a.widen());
                    assert_eq!(
                        fields(got),
                        fields(&want),
                        "code {}, shift {}, stride {stride}",
                        a.widen(),
                        p.shift
                    );
                }
            }
        }
        let i16_codes: Vec<i16> = (i16::MIN..=i16::MAX).chain([0, 1, -1]).collect();
        assert_eq!(i16_codes.len() % 8, 3);
        let i8_codes: Vec<i8> = (i8::MIN..=i8::MAX).chain([0, 1, -1]).collect();
        let lns16 = Arith::new(FMT, DeltaKind::LutSmall);
        check(&lns16, &i16_codes);
        let wide = lns16
            .with_accumulator(Format::new_unchecked(20, 14))
            .expect("a wider accumulator");
        check(&wide, &i16_codes);
        let lns8 = Arith::new(Format::LNS8, DeltaKind::Lut)
            .with_accumulator(Format::new_unchecked(12, 6))
            .expect("a wider accumulator");
        check(&lns8, &i8_codes);
    }

    #[test]
    fn log_differences_past_the_byte_index_range_leave_the_byte_tables() {
        if !SimdLevel::Avx2.is_available() {
            return;
        }
        // Products alternate between 2^(2·big) and 2^(−2·big): the sums see log
        // differences of 4·big. In LNS16 (big 7) that is bucket 28, which the biased
        // byte index reads as zero; in 16:4 (big 36) bucket 144, which would wrap to
        // bucket 0 (Δ+(0)): that format reads the full table instead.
        for (fmt, big, byte_tables) in [(FMT, 7, true), (Format::new_unchecked(16, 4), 36, false)] {
            let unit = Arith::new(fmt, DeltaKind::LutSmall);
            let p = MacParams::new(&unit).expect("a 16-bit table unit");
            assert_eq!(
                full_table_for::<i16>(&unit, &p),
                Some(!byte_tables),
                "{fmt:?}"
            );
            let k = 40;
            let log = |up: bool| {
                if up {
                    big << fmt.frac()
                } else {
                    -big << fmt.frac()
                }
            };
            let a: Vec<i16> = (0..ROWS * k)
                .map(|i| code(log(i.is_multiple_of(2)), i % 3 == 0))
                .collect();
            let b: Vec<i16> = (0..k * LANES)
                .map(|i| code(log((i / LANES).is_multiple_of(2)), i % 5 == 0))
                .collect();
            let [avx2, reference] = avx2_and_reference(&unit, &a, &b, ROWS);
            assert_eq!(avx2, reference, "{fmt:?}");
        }
    }
}
