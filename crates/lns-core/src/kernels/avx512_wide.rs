//! The MAC engine on 32 lanes of i16 for codes stored as i8 or i16 and accumulated in
//! a format of at most 16 bits (their own, or a wider one such as 12:6 in 16:10, as
//! long as operand codes shifted to its fraction fit i16): twice the lanes of
//! [`super::avx512`] per instruction, the same selects. Where Δ comes from:
//!
//! - permutes, where the table is a step function of at most 512 buckets per sign:
//!   `PAIRS` pairs of registers of 64 i16 entries (1 pair: ≤ 32 buckets, one
//!   `vpermt2w`, the `lut-small` tables; 2–16 pairs: one permute per pair and a binary
//!   tree of selects, e.g. the full tables of 8- to 11-bit formats);
//! - permutes of packed bytes (`PACKED`): full tables of up to 512 entries per sign
//!   whose corrections fit a byte past the first 32 differences hold two differences
//!   per i16 entry, half the pairs (12:6, 484 entries per sign: 8 pairs instead of 16);
//! - two 16-lane gathers (`PAIRS` = 0) for larger tables (16-bit full tables);
//! - no table for Mitchell's shift-based Δ ([`crate::delta::ShiftDelta`], `PAIRS` =
//!   [`SHIFTS`]): the step computes it with the same shifts and a leading-zero count,
//!   about 19 instructions per 32 lanes against two gathers.
//!
//! **Range checks without wider lanes.** With `code = 2·L + s` the largest code of a
//! 16-bit format is `i16::MAX`, so a sum past it cannot be seen after a saturating add.
//! Overflow is tested before adding instead: `x + y > max ⇔ x > max − y`, where
//! `max − y` saturates at `i16::MAX` exactly when `y < 0` (no overflow possible).
//! Underflow shows after a saturating add (`i16::MIN` is below the smallest non-zero
//! code). Log differences of two codes fit i16 exactly.
//!
//! **Events.** Lanes count flushes and saturations in i16 registers over chunks of
//! [`CHUNK`] steps (at most two events per step), widened into u32 after each chunk.
//!
//! **The clean path.** Most tiles never saturate. A tile is first run on a shorter
//! step that handles zeros, exact cancellations and flushed products (counted) in
//! line, but neither checks nor repairs a sum beyond the top of the range: it keeps,
//! across the tile, the largest larger term, and if that shows that a step could have
//! saturated (`big > max_code − 2·rise`, see [`crate::delta::DeltaTable::rise`]; an
//! overflowing product is itself such a term), the tile is discarded and run again on
//! the full step. Sums that flush are watched for (the smallest kept sum) until one
//! does; from that tile on, the task's clean step counts them in line (one more
//! instruction per step; a flushed sum stays below `min_code`, which later steps read
//! as zero), as the backward passes of training need. Kept tiles are therefore equal
//! to the full step's, code for code and count for count. A task stops trying the
//! clean path once more than one tile in eight of those it tried was discarded. Full
//! tables read with gathers take the clean path too: the gathers bound both steps, but
//! the shorter one leaves them more of the core.

use std::any::TypeId;
use std::arch::x86_64::*;

use super::gemm::{TILE_ROWS, TileJob};
use super::lanes::{LaneCounts, MacParams, SumJob};
use crate::code::CodeStorage;
use crate::delta::{DeltaKind, PACKED_HEAD};
use crate::unit::Arith;

/// Lanes of one step: one `zmm` register of i16.
pub(super) const WIDE_LANES: usize = 32;
/// Buckets per correction that one pair of registers holds (64 i16 entries).
const PAIR_BUCKETS: u32 = 32;
/// Register pairs a bucket table may take, fewest first (beyond 16, the gathers are as
/// fast).
const PAIR_COUNTS: [usize; 5] = [1, 2, 4, 8, 16];
/// The `PAIRS` of the engine that computes Mitchell's Δ± in registers ([`mitchell`])
/// instead of reading a table (beyond every register-pair count).
pub(super) const SHIFTS: usize = 32;
/// Flag of a source (as [`pairs_for`] gives it) whose table holds two differences'
/// corrections as bytes per i16 entry (`DeltaTable::packed_bytes`), in the register
/// pairs of its low bits: half the permutes of a table of i16 corrections.
pub(super) const PACKED: usize = 1 << 8;
/// The packed sources: 4 and 8 register pairs.
pub(super) const PACKED_4: usize = PACKED | 4;
pub(super) const PACKED_8: usize = PACKED | 8;
/// Largest accumulator fraction for [`SHIFTS`]: `(F + 1)·2^(F+1)`, the largest
/// intermediate of the doubled Δ−, fits i16.
const SHIFTS_MAX_FRAC: u32 = 10;
/// Steps between widenings of the i16 event counters (two events per step at most).
const CHUNK: usize = 1 << 14;

/// How the engine reads `arith`'s Δ on codes stored as `C`: [`SHIFTS`] for Mitchell's
/// Δ with at most [`SHIFTS_MAX_FRAC`] fractional bits, else the fewest register pairs
/// (of [`PAIR_COUNTS`]) that hold its table as buckets, 0 for gathers from the full
/// table, or `None` where the engine cannot run `arith`. Codes must be i8 or i16, and
/// accumulator codes, operand codes shifted to the accumulator's fraction and doubled Δ
/// entries must fit i16; gather indices `2·d + opposite` must fit u16.
pub(super) fn pairs_for<C: CodeStorage>(arith: &Arith, p: &MacParams) -> Option<usize> {
    let t = arith.acc_delta().table()?;
    let doubled_fits = 2 * i64::from(t.largest()) <= i64::from(i16::MAX);
    // An accumulator has at least the operands' integer bits, so operand codes shifted
    // to its fraction (`(c & !1) << shift`) fit wherever its own codes do.
    if !is_narrow::<C>() || arith.acc_format().bits() > 16 || !doubled_fits {
        return None;
    }
    if arith.acc_delta().kind() == DeltaKind::Shift && p.frac <= SHIFTS_MAX_FRAC {
        return Some(SHIFTS);
    }
    let pairs = PAIR_COUNTS
        .into_iter()
        .find(|&pairs| p.last_step < PAIR_BUCKETS * pairs as u32);
    // Packing halves the pairs of a full table; from 8 pairs on the permutes saved
    // outweigh the unpacking (GEMM 256³ one thread: 12:6 1.6 → 2.8 G MAC/s, 11:5
    // 3.1–3.6 → 3.5–4.0 G; 10:4's 4 pairs lost 5–10 %).
    let packed = t.packed_bytes().map(|words| (words.len() - 16) / 32);
    match (pairs, packed) {
        (Some(pairs), Some(packed @ (4 | 8))) if packed < pairs && p.step_drop == 0 => {
            Some(PACKED | packed)
        }
        (Some(pairs), _) => Some(pairs),
        (None, _) => (t.len() <= 1 << 15).then_some(0),
    }
}

/// The table the engine reads with `pairs` from [`pairs_for`]: none (empty) for
/// [`SHIFTS`]; with [`PACKED`], the byte table and its head
/// ([`crate::delta::DeltaTable::packed_bytes`]); for other `pairs > 0` the doubled, interleaved bucket table of
/// `32·pairs` buckets, the last repeated ([`crate::delta::DeltaTable::bucket_halves`]);
/// for 0 the doubled full table ([`crate::delta::DeltaTable::interleaved_halves`],
/// 47 KB for 16:10): i16 entries, two per i32 word, both built once per unit. `None`
/// where `arith` has no table.
pub(super) fn table<'a>(arith: &'a Arith, p: &MacParams, pairs: usize) -> Option<&'a [i32]> {
    let t = arith.acc_delta().table()?;
    if pairs == SHIFTS {
        return Some(&[]);
    }
    if pairs == 0 {
        return t.interleaved_halves();
    }
    if pairs & PACKED != 0 {
        let words = t.packed_bytes()?;
        assert!(
            words.len() == 32 * (pairs & !PACKED) + 16,
            "the packed table fills its register pairs and the head"
        );
        return Some(words);
    }
    let buckets = t.bucket_halves()?;
    assert!(
        p.last_step < PAIR_BUCKETS * pairs as u32 && buckets.len() == 32 * pairs,
        "{pairs} register pairs cannot hold the table's buckets"
    );
    Some(buckets)
}

/// Whether codes stored as `C` widen to i16 (i8 and i16 storage).
fn is_narrow<C: CodeStorage>() -> bool {
    TypeId::of::<C>() == TypeId::of::<i16>() || TypeId::of::<C>() == TypeId::of::<i8>()
}

/// Constants of the step, in registers.
#[derive(Clone, Copy)]
struct Consts {
    one: __m512i,
    zero_code: __m512i,
    min_code: __m512i,
    max_code: __m512i,
    /// `(max_code − 1)`: the magnitude bits of a saturated code.
    top: __m512i,
    last_step: __m512i,
    drop: __m128i,
    /// Left shift from operand to accumulator fractional bits.
    shift: __m128i,
    /// The table: 32 i16 entries per 64 bytes, buckets (`PAIRS > 0`) or the full table
    /// whose highest difference is `last`.
    tab: *const i32,
    last: __m512i,
    /// `last_step << step_drop`: differences at or beyond it fall in the last bucket.
    step_cap: __m512i,
    /// `step_drop − 1` (when `step_drop > 0`): shifts a clamped difference to twice its
    /// bucket, plus one bit that the index drops.
    halve: __m128i,
    /// `max_code − 2·rise`: a larger term at or above it may saturate the sum.
    clear: __m512i,
    /// For [`unpacked`]: the doubled Δ− of differences 0..32.
    head: __m512i,
    /// For [`mitchell`]: the accumulator's fractional bits `F` and `F + 1`, `2^F − 1`,
    /// `2^F`, `14 − F` and the doubled floor of Δ− (at least `i16::MIN`).
    frac: __m128i,
    frac_up: __m128i,
    frac_mask: __m512i,
    unit: __m512i,
    lz_bias: __m512i,
    floor: __m512i,
}

/// One row of the B panel, prepared once for every row of the tile.
#[derive(Clone, Copy)]
struct BRow {
    /// The B part of the product for an even (`[0]`) or odd (`[1]`, sign flipped) `a`.
    by_sign: [__m512i; 2],
    /// `max_code − by_sign` (saturating): a product overflows iff `a_even` exceeds it.
    room: [__m512i; 2],
    nonzero: __mmask32,
}

/// Accumulators and event counters of one tile row.
#[derive(Clone, Copy)]
struct Row {
    acc: __m512i,
    flushed: __m512i,
    saturated: __m512i,
}

/// Runs the task's rows over panels of [`WIDE_LANES`] columns.
///
/// # Safety
/// The CPU supports AVX-512F, BW and CD, and `job.tab` was built by [`table`] with
/// `PAIRS` for the job's unit; `C` is i8 or i16 (checked).
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
pub(super) unsafe fn rows<C: CodeStorage, const PAIRS: usize, const PACKED: bool>(
    job: &mut TileJob<'_, C>,
) {
    assert!(
        is_narrow::<C>(),
        "the i16 lane engine runs on i8 and i16 codes only"
    );
    let n = job.b.cols;
    let mut clean = CleanPath::new::<PAIRS>(job.p);
    for j0 in (0..n).step_by(WIDE_LANES) {
        let width = WIDE_LANES.min(n - j0);
        job.pack::<WIDE_LANES>(j0, width);
        let mut i = 0;
        if PAIRS == 1 || PAIRS == 2 {
            // Few table registers leave room for twice the rows on the clean path.
            while i + 2 * TILE_ROWS <= job.rows {
                // SAFETY: forwarded contract.
                unsafe {
                    any_tile::<C, PAIRS, PACKED, { 2 * TILE_ROWS }>(job, &mut clean, i, j0, width)
                };
                i += 2 * TILE_ROWS;
            }
        }
        while i + TILE_ROWS <= job.rows {
            // SAFETY: forwarded contract.
            unsafe { any_tile::<C, PAIRS, PACKED, TILE_ROWS>(job, &mut clean, i, j0, width) };
            i += TILE_ROWS;
        }
        while i < job.rows {
            // SAFETY: forwarded contract.
            unsafe { any_tile::<C, PAIRS, PACKED, 1>(job, &mut clean, i, j0, width) };
            i += 1;
        }
    }
}

/// The engine set up for elementwise sums of one unit's codes stored as `C`
/// ([`WideSums::run`]): `a ± b` is one full [`step`] with the accumulators holding `a`
/// (see the elementwise kernels' module notes).
pub(super) struct WideSums<'a> {
    pairs: usize,
    tab: &'a [i32],
}

impl<'a> WideSums<'a> {
    /// The setup for `arith`, whose accumulator must be its operand format, with its
    /// constants `p`; `None` where the engine cannot run it (see [`pairs_for`]).
    pub(super) fn new<C: CodeStorage>(arith: &'a Arith, p: &MacParams) -> Option<WideSums<'a>> {
        if !p.code_domain {
            return None;
        }
        let pairs = pairs_for::<C>(arith, p)?;
        Some(WideSums {
            pairs,
            tab: table(arith, p, pairs)?,
        })
    }

    /// Runs `job` (whose groups are [`WIDE_LANES`] codes); returns the events
    /// `(saturated, flushed)`.
    ///
    /// # Safety
    /// The CPU supports AVX-512F, BW and CD; `p` and `C` are those given to `new`.
    #[target_feature(enable = "avx512f,avx512bw,avx512cd")]
    pub(super) unsafe fn run<C: CodeStorage>(
        &self,
        p: &MacParams,
        job: SumJob<'_, C>,
    ) -> (u64, u64) {
        let tab = self.tab;
        // SAFETY: the CPU (caller's contract); `tab` built for `pairs`; `job` holds
        // every group of its output (`SumJob::new`).
        unsafe {
            match self.pairs {
                0 => sum_job::<C, 0, false>(p, tab, job),
                1 => sum_job::<C, 1, false>(p, tab, job),
                2 => sum_job::<C, 2, false>(p, tab, job),
                4 => sum_job::<C, 4, false>(p, tab, job),
                8 => sum_job::<C, 8, false>(p, tab, job),
                16 => sum_job::<C, 16, false>(p, tab, job),
                SHIFTS => sum_job::<C, SHIFTS, false>(p, tab, job),
                PACKED_4 => sum_job::<C, 4, true>(p, tab, job),
                PACKED_8 => sum_job::<C, 8, true>(p, tab, job),
                source => unreachable!("no i16 engine reads Δ as source {source}"),
            }
        }
    }
}

/// # Safety
/// As [`WideSums::run`]; `tab` built by [`table`] with `PAIRS`; the operands hold every
/// group of `job.out`.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
unsafe fn sum_job<C: CodeStorage, const PAIRS: usize, const PACKED: bool>(
    p: &MacParams,
    tab: &[i32],
    job: SumJob<'_, C>,
) -> (u64, u64) {
    let c = consts::<PAIRS, PACKED>(p, tab);
    let mut totals = LaneCounts::<WIDE_LANES>::default();
    let mut row = Row {
        acc: c.zero_code,
        flushed: _mm512_setzero_si512(),
        saturated: _mm512_setzero_si512(),
    };
    for (g, dst) in job.out.chunks_exact_mut(WIDE_LANES).enumerate() {
        // SAFETY: group `g` of `a` and of `b` is readable (the caller's contract).
        unsafe {
            row.acc = load_codes(job.a.as_ptr().add(g * WIDE_LANES));
            let b = prepare(p, &c, job.b.as_ptr().add(g * job.b_step));
            step::<PAIRS, PACKED>(p, &c, &mut row, job.left, &b);
            store_codes(row.acc, dst.as_mut_ptr());
        }
        // At most two events per lane and group: widen before the i16 counters could wrap.
        if (g + 1) % CHUNK == 0 {
            add_counts(&mut totals.flushed, row.flushed);
            add_counts(&mut totals.saturated, row.saturated);
            row.flushed = _mm512_setzero_si512();
            row.saturated = _mm512_setzero_si512();
        }
    }
    add_counts(&mut totals.flushed, row.flushed);
    add_counts(&mut totals.saturated, row.saturated);
    let sum = |lanes: [u32; WIDE_LANES]| lanes.iter().map(|&n| u64::from(n)).sum::<u64>();
    (sum(totals.saturated), sum(totals.flushed))
}

/// 32 codes stored as `C` (i8 or i16), widened to i16.
///
/// # Safety
/// `src` points at 32 readable codes.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn load_codes<C: CodeStorage>(src: *const C) -> __m512i {
    // SAFETY: the caller's contract.
    unsafe {
        if TypeId::of::<C>() == TypeId::of::<i8>() {
            _mm512_cvtepi8_epi16(_mm256_loadu_si256(src.cast()))
        } else {
            _mm512_loadu_si512(src.cast())
        }
    }
}

/// Stores 32 i16 codes as `C` (i8 or i16; the codes fit it).
///
/// # Safety
/// `dst` points at 32 writable codes.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn store_codes<C: CodeStorage>(codes: __m512i, dst: *mut C) {
    // SAFETY: the caller's contract.
    unsafe {
        if TypeId::of::<C>() == TypeId::of::<i8>() {
            _mm256_storeu_si256(dst.cast(), _mm512_cvtepi16_epi8(codes));
        } else {
            _mm512_storeu_si512(dst.cast(), codes);
        }
    }
}

/// The clean path of one task: how its step indexes the table, and how it has fared.
struct CleanPath {
    /// The bucket table holds every log difference of two codes `>> step_drop`
    /// (`step_drop > 0`), so the step need not clamp it.
    covered: bool,
    /// A tile of this task flushed a sum: later tiles count flushed sums in line (one
    /// more instruction per step) instead of watching for them.
    count_sums: bool,
    tried: u32,
    discarded: u32,
}

impl CleanPath {
    fn new<const PAIRS: usize>(p: &MacParams) -> CleanPath {
        let widest = (p.log_max - p.log_min) as u32;
        CleanPath {
            covered: p.step_drop > 0 && widest >> p.step_drop < PAIR_BUCKETS * PAIRS as u32,
            count_sums: false,
            tried: 0,
            discarded: 0,
        }
    }

    /// Whether the next tile should try the clean path: while at most one tried tile in
    /// eight (plus one) was discarded.
    fn worth_trying(&self) -> bool {
        self.discarded * 8 <= self.tried + 8
    }
}

/// How a tile fared on the clean path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Stored: equal to the full step's.
    Kept,
    /// Not stored: a sum may have saturated.
    MaySaturate,
    /// Not stored: a sum flushed while the step was not counting flushed sums.
    SumsFlushed,
}

/// Rows `i0 .. i0 + R` against the packed panel at column `j0`: on the clean path where
/// it holds, else on the full step.
///
/// # Safety
/// As [`rows`].
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn any_tile<C: CodeStorage, const PAIRS: usize, const PACKED: bool, const R: usize>(
    job: &mut TileJob<'_, C>,
    clean: &mut CleanPath,
    i0: usize,
    j0: usize,
    width: usize,
) {
    if clean.worth_trying() {
        clean.tried += 1;
        // SAFETY (both): forwarded contract.
        let mut outcome =
            unsafe { clean_tile_of::<C, PAIRS, PACKED, R>(job, clean, i0, j0, width) };
        if outcome == Outcome::SumsFlushed {
            clean.count_sums = true;
            outcome = unsafe { clean_tile_of::<C, PAIRS, PACKED, R>(job, clean, i0, j0, width) };
        }
        #[cfg(test)]
        tests::record_clean_tile(outcome == Outcome::Kept);
        if outcome == Outcome::Kept {
            return;
        }
        clean.discarded += 1;
    }
    // The full step holds the accumulators of at most `TILE_ROWS` rows in registers.
    let mut i = i0;
    while i + TILE_ROWS <= i0 + R {
        // SAFETY: forwarded contract.
        unsafe { tile::<C, PAIRS, PACKED, TILE_ROWS>(job, i, j0, width) };
        i += TILE_ROWS;
    }
    while i < i0 + R {
        // SAFETY: forwarded contract.
        unsafe { tile::<C, PAIRS, PACKED, 1>(job, i, j0, width) };
        i += 1;
    }
}

/// Rows `i0 .. i0 + R` of the task against the packed panel at column `j0`.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn tile<C: CodeStorage, const PAIRS: usize, const PACKED: bool, const R: usize>(
    job: &mut TileJob<'_, C>,
    i0: usize,
    j0: usize,
    width: usize,
) {
    let (k, p) = (job.k, job.p);
    let c = consts::<PAIRS, PACKED>(p, job.tab);
    let a_rows: [&[C]; R] = job.a_rows(i0);
    let a_step = job.a_col_stride();
    let panel = &job.panel[..k * WIDE_LANES];
    let start = Row {
        acc: c.zero_code,
        flushed: _mm512_setzero_si512(),
        saturated: _mm512_setzero_si512(),
    };
    let mut rows = [start; R];
    let mut totals = [LaneCounts::<WIDE_LANES>::default(); R];
    for k0 in (0..k).step_by(CHUNK) {
        for kk in k0..k.min(k0 + CHUNK) {
            // SAFETY: `kk < k`: the panel row holds 32 codes, which are i8 or i16
            // (asserted).
            let b = unsafe { prepare(p, &c, panel.as_ptr().add(kk * WIDE_LANES)) };
            unroll!(R, r => {
                // SAFETY: `kk < k`, and each row of A holds its codes `0 ..= (k−1)·a_step`.
                let a = unsafe { *a_rows[r].get_unchecked(kk * a_step) }.widen();
                // SAFETY: `c` was built from the job's table (the caller's contract).
                unsafe { step::<PAIRS, PACKED>(p, &c, &mut rows[r], a, &b) };
            });
        }
        for (row, total) in rows.iter_mut().zip(totals.iter_mut()) {
            add_counts(&mut total.flushed, row.flushed);
            add_counts(&mut total.saturated, row.saturated);
            row.flushed = _mm512_setzero_si512();
            row.saturated = _mm512_setzero_si512();
        }
    }
    for (r, (row, total)) in rows.iter().zip(&totals).enumerate() {
        let mut codes = [0i16; WIDE_LANES];
        // SAFETY: a 64-byte store into a 64-byte array.
        unsafe { _mm512_storeu_si512(codes.as_mut_ptr().cast(), row.acc) };
        job.store_row(i0 + r, j0, width, &codes.map(i32::from), total);
    }
}

/// [`clean_tile`] as the task's clean path stands: covered or not, counting flushed
/// sums or not.
///
/// # Safety
/// As [`rows`].
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn clean_tile_of<C: CodeStorage, const PAIRS: usize, const PACKED: bool, const R: usize>(
    job: &mut TileJob<'_, C>,
    clean: &CleanPath,
    i0: usize,
    j0: usize,
    width: usize,
) -> Outcome {
    // SAFETY: forwarded contract.
    unsafe {
        match (clean.covered, clean.count_sums) {
            (true, true) => clean_tile::<C, PAIRS, PACKED, R, true, true>(job, i0, j0, width),
            (true, false) => clean_tile::<C, PAIRS, PACKED, R, true, false>(job, i0, j0, width),
            (false, true) => clean_tile::<C, PAIRS, PACKED, R, false, true>(job, i0, j0, width),
            (false, false) => clean_tile::<C, PAIRS, PACKED, R, false, false>(job, i0, j0, width),
        }
    }
}

/// Rows `i0 .. i0 + R` against the packed panel at column `j0` on the clean path (module
/// notes), counting flushed sums in line with `COUNT`, else watching for them. Stores
/// the rows where they equal the full step's.
///
/// # Safety
/// As [`rows`].
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn clean_tile<
    C: CodeStorage,
    const PAIRS: usize,
    const PACKED: bool,
    const R: usize,
    const COVERED: bool,
    const COUNT: bool,
>(
    job: &mut TileJob<'_, C>,
    i0: usize,
    j0: usize,
    width: usize,
) -> Outcome {
    let (k, p) = (job.k, job.p);
    let c = consts::<PAIRS, PACKED>(p, job.tab);
    let a_rows: [&[C]; R] = job.a_rows(i0);
    let a_step = job.a_col_stride();
    let panel = &job.panel[..k * WIDE_LANES];
    let mut acc = [c.zero_code; R];
    let mut flushed = [_mm512_setzero_si512(); R];
    let mut totals = [LaneCounts::<WIDE_LANES>::default(); R];
    let mut watch = Watch {
        big: _mm512_set1_epi16(i16::MIN),
        kept: _mm512_set1_epi16(i16::MAX),
    };
    for k0 in (0..k).step_by(CHUNK) {
        for kk in k0..k.min(k0 + CHUNK) {
            // SAFETY: `kk < k`: the panel row holds 32 codes, which are i8 or i16
            // (asserted by `rows`).
            let b = unsafe { prepare(p, &c, panel.as_ptr().add(kk * WIDE_LANES)) };
            unroll!(R, r => {
                // SAFETY: `kk < k`, and each row of A holds its codes `0 ..= (k−1)·a_step`.
                let a = unsafe { *a_rows[r].get_unchecked(kk * a_step) }.widen();
                // SAFETY: `c` was built from the job's table (the caller's contract).
                unsafe { clean_step::<PAIRS, PACKED, COVERED, COUNT>(p, &c, &mut acc[r], &mut flushed[r], &mut watch, a, &b) };
            });
        }
        for (counter, total) in flushed.iter_mut().zip(totals.iter_mut()) {
            add_counts(&mut total.flushed, *counter);
            *counter = _mm512_setzero_si512();
        }
    }
    if _mm512_cmpge_epi16_mask(watch.big, c.clear) != 0 {
        return Outcome::MaySaturate;
    }
    if !COUNT && _mm512_cmplt_epi16_mask(watch.kept, c.min_code) != 0 {
        return Outcome::SumsFlushed;
    }
    for (r, (acc, total)) in acc.iter().zip(&totals).enumerate() {
        // Every code below the smallest is zero (see `clean_step`).
        let zero = _mm512_cmplt_epi16_mask(*acc, c.min_code);
        let acc = _mm512_mask_mov_epi16(*acc, zero, c.zero_code);
        let mut codes = [0i16; WIDE_LANES];
        // SAFETY: a 64-byte store into a 64-byte array.
        unsafe { _mm512_storeu_si512(codes.as_mut_ptr().cast(), acc) };
        job.store_row(i0 + r, j0, width, &codes.map(i32::from), total);
    }
    Outcome::Kept
}

/// What the clean path keeps across a tile to decide afterwards whether it holds.
struct Watch {
    /// The largest larger term of any sum.
    big: __m512i,
    /// Without counting flushed sums: the smallest sum that was kept (neither an exact
    /// cancellation nor a sum with a zero term).
    kept: __m512i,
}

/// One MAC step of the clean path on 32 lanes: [`step`] where no sum saturates. Codes
/// below `min_code` of any value stand for zero in the accumulator (a flushed product
/// is merged in as one, a flushed sum is kept as it is), which `clean_tile` writes as
/// the zero code.
///
/// # Safety
/// As [`step`].
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn clean_step<
    const PAIRS: usize,
    const PACKED: bool,
    const COVERED: bool,
    const COUNT: bool,
>(
    p: &MacParams,
    c: &Consts,
    acc: &mut __m512i,
    flushed: &mut __m512i,
    watch: &mut Watch,
    a: i32,
    b: &BRow,
) {
    if a >> 1 == p.op_log_zero {
        // A zero left operand makes every product zero: acc + 0 = acc, no events.
        return;
    }
    let sign = (a & 1) as usize;
    let a_even = _mm512_set1_epi16(((a & !1) << p.shift) as i16);
    let old = *acc;
    // Zero where B is zero; below `min_code` where the product underflows.
    let product = _mm512_mask_adds_epi16(c.zero_code, b.nonzero, a_even, b.by_sign[sign]);
    let product_live = _mm512_mask_cmpge_epi16_mask(b.nonzero, product, c.min_code);
    let product_flushed = b.nonzero & !product_live;
    let live = _mm512_mask_cmpge_epi16_mask(product_live, old, c.min_code);
    let d = _mm512_abs_epi16(_mm512_sub_epi16(
        _mm512_srai_epi16::<1>(old),
        _mm512_srai_epi16::<1>(product),
    ));
    // Bit 0: the terms' signs differ; all of it is 1 exactly where they cancel.
    let signs = _mm512_xor_si512(old, product);
    let cancel = _mm512_mask_cmpeq_epi16_mask(live, signs, c.one);
    // SAFETY: forwarded contract.
    let corr = unsafe { clean_correction::<PAIRS, PACKED, COVERED>(c, d, signs, live) };
    // Where only one term is live it is the larger, and the correction is 0; where both
    // are, the larger log wins, and equal logs either agree or cancel.
    let big = _mm512_max_epi16(old, product);
    let sum = _mm512_adds_epi16(big, corr);
    watch.big = _mm512_max_epi16(watch.big, big);
    let kept = live & !cancel;
    // Saturating adds, which never saturate within a chunk, compile to one masked
    // instruction.
    if COUNT {
        // A sum below the range flushes: it stays below `min_code`, which reads as
        // zero. A lane flushes its product or its sum, not both.
        let under = _mm512_mask_cmplt_epi16_mask(kept, sum, c.min_code);
        *flushed = _mm512_mask_adds_epu16(*flushed, product_flushed | under, *flushed, c.one);
    } else {
        *flushed = _mm512_mask_adds_epu16(*flushed, product_flushed, *flushed, c.one);
        watch.kept = _mm512_mask_min_epi16(watch.kept, kept, watch.kept, sum);
    }
    *acc = _mm512_mask_mov_epi16(sum, cancel, c.zero_code);
}

/// The doubled Δ± of log difference `d` and relative sign `signs & 1` on the lanes of
/// `live`, 0 on the others: computed ([`SHIFTS`]), gathered from the full table (0) or
/// permuted from a bucket table; `COVERED` as [`CleanPath::covered`].
///
/// # Safety
/// As [`add`].
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn clean_correction<const PAIRS: usize, const PACKED: bool, const COVERED: bool>(
    c: &Consts,
    d: __m512i,
    signs: __m512i,
    live: __mmask32,
) -> __m512i {
    if PAIRS == SHIFTS {
        return mitchell(c, d, _mm512_test_epi16_mask(signs, c.one), live);
    }
    if PACKED {
        // SAFETY: forwarded contract.
        return unsafe { unpacked::<PAIRS>(c, d, signs, live) };
    }
    if PAIRS == 0 {
        // SAFETY: forwarded contract.
        return unsafe { gathered(c, d, signs, live) };
    }
    // `2·min(d >> drop, last_step)`, plus one bit below that the index drops; where the
    // table covers every difference, buckets past the last repeat it.
    let twice_bucket = if COVERED {
        _mm512_srl_epi16(d, c.halve)
    } else {
        let clamped = _mm512_min_epu16(d, c.step_cap);
        // Doubled first (it fits u16), so that `drop = 0` needs no other shift.
        _mm512_srl_epi16(_mm512_add_epi16(clamped, clamped), c.drop)
    };
    // (twice_bucket & !1) | (signs & 1)
    let idx = _mm512_ternarylogic_epi32::<0xD8>(twice_bucket, signs, c.one);
    // SAFETY: forwarded contract.
    unsafe { permuted::<PAIRS>(c, idx, live) }
}

/// Adds 32 i16 counters, read as unsigned, to their totals.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
fn add_counts(total: &mut [u32; WIDE_LANES], counters: __m512i) {
    let mut lanes = [0u16; WIDE_LANES];
    // SAFETY: a 64-byte store into a 64-byte array.
    unsafe { _mm512_storeu_si512(lanes.as_mut_ptr().cast(), counters) };
    for (t, l) in total.iter_mut().zip(lanes) {
        *t += u32::from(l);
    }
}

/// The step's constants for `p` and the table built by [`table`] with `PAIRS`.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
fn consts<const PAIRS: usize, const PACKED: bool>(p: &MacParams, tab: &[i32]) -> Consts {
    // The codes of a 16-bit format fit i16 (checked by `table`).
    if PAIRS == SHIFTS {
        assert!(
            tab.is_empty() && p.frac <= SHIFTS_MAX_FRAC,
            "Mitchell's Δ reads no table"
        );
    } else if PACKED {
        assert!(
            tab.len() == 32 * PAIRS + 16,
            "a packed table holds 64 i16 entries per register pair and a head of 32"
        );
    } else if PAIRS > 0 {
        assert!(
            tab.len() == 32 * PAIRS,
            "a bucket table holds 64 i16 entries per register pair"
        );
    } else {
        assert!(
            tab.len() == p.last as usize + 2,
            "the full table holds both corrections of every difference"
        );
    }
    Consts {
        one: _mm512_set1_epi16(1),
        zero_code: _mm512_set1_epi16(p.zero as i16),
        min_code: _mm512_set1_epi16(p.min_code as i16),
        max_code: _mm512_set1_epi16(p.max_code as i16),
        top: _mm512_set1_epi16((p.max_code - 1) as i16),
        last_step: _mm512_set1_epi16(p.last_step as i16),
        drop: _mm_cvtsi32_si128(p.step_drop as i32),
        shift: _mm_cvtsi32_si128(p.shift as i32),
        tab: tab.as_ptr(),
        last: _mm512_set1_epi16(p.last as u16 as i16),
        step_cap: _mm512_set1_epi16((p.last_step << p.step_drop) as u16 as i16),
        halve: _mm_cvtsi32_si128(p.step_drop.saturating_sub(1) as i32),
        // `2·rise ≤ i16::MAX` (checked by `pairs_for`), so this fits i16.
        clear: _mm512_set1_epi16((p.max_code - 2 * p.rise) as i16),
        head: if PACKED {
            // SAFETY: the head's 64 bytes follow the pairs (asserted above).
            unsafe { _mm512_loadu_si512(tab.as_ptr().add(32 * PAIRS).cast()) }
        } else {
            _mm512_setzero_si512()
        },
        frac: _mm_cvtsi32_si128(p.frac as i32),
        frac_up: _mm_cvtsi32_si128(p.frac as i32 + 1),
        frac_mask: _mm512_set1_epi16(((1u32 << p.frac) - 1) as i16),
        unit: _mm512_set1_epi16((1u32 << p.frac) as i16),
        lz_bias: _mm512_set1_epi16(14 - p.frac as i16),
        // `minus_floor` of the accumulator format.
        floor: _mm512_set1_epi16((2 * (p.log_min - p.log_max - 1)).max(i32::from(i16::MIN)) as i16),
    }
}

/// # Safety
/// `b` points at 32 readable codes; `C` is i8 or i16.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn prepare<C: CodeStorage>(p: &MacParams, c: &Consts, b: *const C) -> BRow {
    // SAFETY: the caller's contract.
    let b = unsafe { load_codes(b) };
    // `((b & !1) << shift) | (b & 1)`: B's log in the accumulator's fraction, its sign.
    let part = _mm512_ternarylogic_epi32::<0xF8>(
        _mm512_sll_epi16(_mm512_andnot_si512(c.one, b), c.shift),
        b,
        c.one,
    );
    let flipped = _mm512_xor_si512(part, c.one);
    BRow {
        by_sign: [part, flipped],
        room: [
            _mm512_subs_epi16(c.max_code, part),
            _mm512_subs_epi16(c.max_code, flipped),
        ],
        nonzero: _mm512_cmpge_epi16_mask(b, _mm512_set1_epi16(p.op_min_code as i16)),
    }
}

/// One MAC step on 32 lanes, equal to `lanes::mac` lane for lane.
///
/// # Safety
/// With `PAIRS = 0`, `c.tab` points at the full table of `c.last + 1` pairs.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn step<const PAIRS: usize, const PACKED: bool>(
    p: &MacParams,
    c: &Consts,
    row: &mut Row,
    a: i32,
    b: &BRow,
) {
    if a >> 1 == p.op_log_zero {
        // A zero left operand makes every product zero: acc + 0 = acc, no events.
        return;
    }
    let sign = (a & 1) as usize;
    let a_even = _mm512_set1_epi16(((a & !1) << p.shift) as i16);
    let old = row.acc;
    // Exact where in range; below it saturates to i16::MIN, which is still below it.
    let mut product = _mm512_adds_epi16(a_even, b.by_sign[sign]);
    let product_live = _mm512_mask_cmpge_epi16_mask(b.nonzero, product, c.min_code);
    let product_over = _mm512_mask_cmpgt_epi16_mask(b.nonzero, a_even, b.room[sign]);
    let live = _mm512_mask_cmpge_epi16_mask(product_live, old, c.min_code);
    let acc_zero = _mm512_mask_cmplt_epi16_mask(product_live, old, c.min_code);
    // SAFETY (both): forwarded contract.
    let mut s = unsafe { add::<PAIRS, PACKED>(c, old, product, live) };
    if product_over | s.over != 0 {
        // Saturation (rare): a product beyond ±max becomes ±max before the addition
        // (its sign is B's sign bit flipped by A's), a sum beyond ±max becomes ±max
        // with the larger term's sign.
        if product_over != 0 {
            let signs = _mm512_and_si512(b.by_sign[sign], c.one);
            product = _mm512_mask_mov_epi16(product, product_over, _mm512_or_si512(c.top, signs));
            s = unsafe { add::<PAIRS, PACKED>(c, old, product, live) };
        }
        row.saturated = _mm512_mask_add_epi16(row.saturated, product_over, row.saturated, c.one);
        row.saturated = _mm512_mask_add_epi16(row.saturated, s.over, row.saturated, c.one);
        let big_sign = _mm512_and_si512(s.big, c.one);
        s.sum = _mm512_mask_mov_epi16(s.sum, s.over, _mm512_or_si512(c.top, big_sign));
    }
    let sum = s.sum;
    let cancel = _mm512_cmpeq_epi16_mask(_mm512_xor_si512(old, product), c.one);
    let under = _mm512_cmplt_epi16_mask(sum, c.min_code);
    let flushed =
        _mm512_mask_cmplt_epi16_mask(b.nonzero, product, c.min_code) | (live & under & !cancel);
    row.flushed = _mm512_mask_add_epi16(row.flushed, flushed, row.flushed, c.one);
    let sum = _mm512_mask_mov_epi16(sum, cancel | under, c.zero_code);
    row.acc = _mm512_mask_mov_epi16(_mm512_mask_mov_epi16(old, live, sum), acc_zero, product);
}

/// The sum of two codes — the larger term's code plus the doubled Δ± of their log
/// difference, added with saturation (before the range checks and the cancellation) — the larger
/// term, and the lanes of `live` whose sum exceeds the largest code
/// (`big > max − corr`, see the module notes).
///
/// # Safety
/// With `PAIRS = 0`, `c.tab` points at the full table of `c.last + 1` pairs.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn add<const PAIRS: usize, const PACKED: bool>(
    c: &Consts,
    acc: __m512i,
    product: __m512i,
    live: __mmask32,
) -> Sum {
    let diff = _mm512_sub_epi16(_mm512_srai_epi16::<1>(acc), _mm512_srai_epi16::<1>(product));
    let d = _mm512_abs_epi16(diff);
    let opposite = _mm512_and_si512(_mm512_xor_si512(acc, product), c.one);
    let corr = if PAIRS == SHIFTS {
        mitchell(c, d, _mm512_test_epi16_mask(opposite, c.one), !0)
    } else if PACKED {
        // SAFETY: forwarded contract.
        unsafe { unpacked::<PAIRS>(c, d, opposite, !0) }
    } else if PAIRS > 0 {
        let bucket = _mm512_min_epu16(_mm512_srl_epi16(d, c.drop), c.last_step);
        let idx = _mm512_add_epi16(_mm512_slli_epi16::<1>(bucket), opposite);
        // SAFETY: forwarded contract.
        unsafe { permuted::<PAIRS>(c, idx, !0) }
    } else {
        // SAFETY: forwarded contract.
        unsafe { gathered(c, d, opposite, live) }
    };
    let acc_big = _mm512_cmpge_epi16_mask(diff, _mm512_setzero_si512());
    let big = _mm512_mask_blend_epi16(acc_big, product, acc);
    Sum {
        sum: _mm512_adds_epi16(big, corr),
        big,
        over: _mm512_mask_cmpgt_epi16_mask(live, big, _mm512_subs_epi16(c.max_code, corr)),
    }
}

/// Mitchell's doubled Δ+ (lanes not in `opposite`) or Δ− (lanes in it) of log
/// difference `d`, as [`crate::delta::ShiftDelta`] computes them, on the lanes of
/// `keep`, 0 on the others. With `d = q·2^F + r`: `y = (2^F − ⌈r/2⌉) >> q` is Δ+;
/// `z = 2^F − y` has its leading one at `p`, and with `s + 1 = F + 1 − p`
/// (`lz16(z) + F − 14`) `2·Δ− = (z << (s + 1)) − (s + 1)·2^(F+1)`, at least the floor.
/// At d = 0 with opposite signs (an exact cancellation, whose sum the step discards)
/// this gives `−2F·2^F` where the table holds 0; both are ≤ 0, so the step's overflow
/// test answers alike.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
fn mitchell(c: &Consts, d: __m512i, opposite: __mmask32, keep: __mmask32) -> __m512i {
    let q = _mm512_srl_epi16(d, c.frac);
    // ⌈r/2⌉ = (r + 1) >> 1.
    let half_up = _mm512_avg_epu16(_mm512_and_si512(d, c.frac_mask), _mm512_setzero_si512());
    // Shifts by 16 or more give 0, as the reference's `q > F + 1` does.
    let y = _mm512_srlv_epi16(_mm512_sub_epi16(c.unit, half_up), q);
    let plus = _mm512_maskz_add_epi16(keep, y, y);
    // z = 0 only at d = 0; 1 there keeps the count below defined.
    let z = _mm512_max_epi16(_mm512_sub_epi16(c.unit, y), c.one);
    // 16-bit leading zeros from 32-bit counts: both halves of each word are non-zero.
    let lz_high = _mm512_lzcnt_epi32(z);
    let lz_low = _mm512_lzcnt_epi32(_mm512_slli_epi32::<16>(z));
    let lz = _mm512_or_si512(_mm512_slli_epi32::<16>(lz_high), lz_low);
    let s1 = _mm512_sub_epi16(lz, c.lz_bias);
    let minus = _mm512_sub_epi16(_mm512_sllv_epi16(z, s1), _mm512_sll_epi16(s1, c.frac_up));
    let minus = _mm512_maskz_max_epi16(keep, minus, c.floor);
    _mm512_mask_blend_epi16(opposite, plus, minus)
}

/// The doubled Δ± of log difference `d` and relative sign `signs & 1` from a packed
/// table ([`crate::delta::DeltaTable::packed_bytes`]) on the lanes of `keep`, 0 on the
/// others: the entry of the pair of differences `d & !1` (clamped to the last),
/// permuted from `PAIRS` register pairs like a bucket table; its high byte for odd `d`,
/// else its low byte, signed and doubled; Δ− of differences below 32 from the head
/// register instead.
///
/// # Safety
/// `c.tab` holds `32·PAIRS` words and the head (asserted in `consts`).
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn unpacked<const PAIRS: usize>(
    c: &Consts,
    d: __m512i,
    signs: __m512i,
    keep: __mmask32,
) -> __m512i {
    let last = _mm512_min_epu16(d, c.last);
    // (last & !1) | (signs & 1)
    let idx = _mm512_ternarylogic_epi32::<0xD8>(last, signs, c.one);
    // SAFETY: forwarded contract.
    let entry = unsafe { permuted::<PAIRS>(c, idx, keep) };
    let odd = _mm512_test_epi16_mask(last, c.one);
    let high = _mm512_mask_blend_epi16(odd, _mm512_slli_epi16::<8>(entry), entry);
    // 2·(the high byte, signed).
    let doubled = _mm512_srai_epi16::<7>(_mm512_and_si512(high, _mm512_set1_epi16(-256)));
    // The head is one register of 32 entries, indexed by the low 5 bits of `d`.
    const _: () = assert!(PACKED_HEAD == 32);
    let head = _mm512_mask_cmplt_epu16_mask(
        keep & _mm512_test_epi16_mask(signs, c.one),
        d,
        _mm512_set1_epi16(PACKED_HEAD as i16),
    );
    _mm512_mask_permutexvar_epi16(doubled, head, d, c.head)
}

/// The bucket table's entries at `idx` (low 6 bits: the entry within a register pair;
/// bits 6 and up: the pair) on the lanes of `keep`, 0 on the others.
///
/// # Safety
/// `c.tab` holds `32·PAIRS` words (asserted in `consts`), `PAIRS > 0`.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn permuted<const PAIRS: usize>(c: &Consts, idx: __m512i, keep: __mmask32) -> __m512i {
    // SAFETY: the caller's contract.
    let reg = |r: usize| unsafe { _mm512_loadu_si512(c.tab.add(16 * r).cast()) };
    // Pair `q` holds entries `64·q .. 64·q + 64`; a binary tree of selects on the index
    // bits from 6 up picks each lane's pair.
    let mut v: [__m512i; PAIRS] = std::array::from_fn(|q| {
        _mm512_maskz_permutex2var_epi16(keep, reg(2 * q), idx, reg(2 * q + 1))
    });
    let (mut n, mut bit) = (PAIRS, 64);
    while n > 1 {
        let upper = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(bit));
        for j in 0..n / 2 {
            v[j] = _mm512_mask_mov_epi16(v[2 * j], upper, v[2 * j + 1]);
        }
        (n, bit) = (n / 2, bit << 1);
    }
    v[0]
}

/// The full table's doubled Δ± of log difference `d` and relative sign `signs & 1`
/// (entry `2·d + opposite`, zero-extended) on the lanes of `live` whose difference is
/// inside the table, 0 on the others (the entries beyond are 0): read 16 at a time with
/// i32 indices, each lane reading the 4 bytes at its i16 entry and keeping the low half.
///
/// # Safety
/// `c.tab` holds the full table of `c.last + 1` pairs.
#[target_feature(enable = "avx512f,avx512bw,avx512cd")]
#[inline]
unsafe fn gathered(c: &Consts, d: __m512i, signs: __m512i, live: __mmask32) -> __m512i {
    let inside = _mm512_mask_cmplt_epu16_mask(live, d, c.last);
    // 2·d | (signs & 1)
    let idx = _mm512_ternarylogic_epi32::<0xD8>(_mm512_add_epi16(d, d), signs, c.one);
    // SAFETY: the caller's contract.
    let half = |h: __m256i, m: __mmask16| unsafe {
        let g = _mm512_mask_i32gather_epi32::<2>(
            _mm512_setzero_si512(),
            m,
            _mm512_cvtepu16_epi32(h),
            c.tab,
        );
        _mm512_cvtepi32_epi16(g)
    };
    let lo = half(_mm512_castsi512_si256(idx), inside as __mmask16);
    let hi = half(
        _mm512_extracti64x4_epi64::<1>(idx),
        (inside >> 16) as __mmask16,
    );
    _mm512_inserti64x4::<1>(_mm512_castsi256_si512(lo), hi)
}

/// What [`add`] returns.
#[derive(Clone, Copy)]
struct Sum {
    sum: __m512i,
    big: __m512i,
    over: __mmask32,
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use std::arch::x86_64::*;

    use super::CHUNK;
    use crate::delta::{DeltaFn, ShiftDelta};
    use crate::kernels::lanes::MacParams;
    use crate::kernels::{Exec, MatRef, SimdLevel, gemm};
    use crate::reference::SplitMix64;
    use crate::{Arith, Counts, DeltaKind, Format};

    thread_local! {
        /// Tiles this thread kept from the clean path and discarded.
        static CLEAN_TILES: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
    }

    /// Counts one tile tried on the clean path.
    pub(super) fn record_clean_tile(kept: bool) {
        CLEAN_TILES.with(|t| {
            let (k, d) = t.get();
            t.set(if kept { (k + 1, d) } else { (k, d + 1) });
        });
    }

    /// Tiles `(kept, discarded)` by the clean path while `f` runs on this thread.
    fn clean_tiles<T>(f: impl FnOnce() -> T) -> (T, (u32, u32)) {
        CLEAN_TILES.with(|t| t.set((0, 0)));
        let out = f();
        (out, CLEAN_TILES.with(Cell::get))
    }

    /// Codes of `±2^(log / 2^frac)` in `fmt`.
    fn code(log: i32, negative: bool) -> i16 {
        (2 * log + i32::from(negative)) as i16
    }

    /// Rows of A in the products of the clean-path tests.
    const ROWS: usize = 8;

    /// A `ROWS × k` by `k × 32` product of moderate random codes, in which the first two
    /// steps of row `r` hold `events[r]`'s pair of A codes (`None`: keep the random
    /// ones); B's rows 0 and 1 are one. One 8-row tile where the table takes at most two
    /// register pairs, else two of 4 rows.
    fn tiles_with(fmt: Format, events: &[Option<[(i32, bool); 2]>]) -> (Vec<i16>, Vec<i16>) {
        let k = 300;
        let mut rng = SplitMix64(11);
        let unit = Arith::new(fmt, DeltaKind::Lut);
        let mut random = |_| unit.encode(rng.log_uniform(4.0)) as i16;
        let mut a: Vec<i16> = (0..ROWS * k).map(&mut random).collect();
        let mut b: Vec<i16> = (0..k * 32).map(&mut random).collect();
        b[..64].fill(fmt.one() as i16);
        for (row, pair) in events.iter().enumerate() {
            if let Some(pair) = pair {
                a[row * k] = code(pair[0].0, pair[0].1);
                a[row * k + 1] = code(pair[1].0, pair[1].1);
            }
        }
        (a, b)
    }

    /// `A·B` on the i16 engine and on the scalar reference, with their event counts.
    fn both(
        unit: &Arith,
        a: &[i16],
        b: &[i16],
        (m, k, n): (usize, usize, usize),
    ) -> [(Vec<i16>, Counts); 2] {
        [
            Exec {
                simd: SimdLevel::Avx512,
                parallel: false,
            },
            Exec::REFERENCE,
        ]
        .map(|exec| {
            let mut out = vec![0i16; m * n];
            unit.take_counts();
            gemm(
                unit,
                MatRef::row_major(a, m, k),
                MatRef::row_major(b, k, n),
                &mut out,
                exec,
            )
            .expect("shapes agree");
            (out, unit.take_counts())
        })
    }

    /// Units whose Δ the i16 engine reads with permutes, and the tiles an 8-row product
    /// makes for them: one of 8 rows (a single register pair), or two of 4; a unit read
    /// with gathers and one whose Δ is computed (Mitchell's), both in tiles of 4 rows.
    const CLEAN_UNITS: [(Format, DeltaKind, u32); 5] = [
        (Format::LNS16, DeltaKind::LutSmall, 1),
        (Format::LNS12, DeltaKind::Lut, 2),
        (Format::LNS12, DeltaKind::Pwl, 2),
        (Format::LNS16, DeltaKind::Lut, 2),
        (Format::LNS16, DeltaKind::Shift, 2),
    ];

    #[test]
    fn computed_mitchell_delta_equals_the_shift_strategy_at_every_difference() {
        if !SimdLevel::Avx512.is_available() {
            return;
        }
        let formats = [(8, 3), (8, 6), (10, 4), (12, 6), (12, 7), (16, 8), (16, 10)];
        for (bits, frac) in formats {
            let fmt = Format::new(bits, frac).expect("valid format");
            let shift = ShiftDelta::new(fmt);
            let p = MacParams::new(&Arith::new(fmt, DeltaKind::Shift)).expect("lane format");
            // SAFETY: AVX-512 F, BW and CD (checked above).
            let c = unsafe { super::consts::<{ super::SHIFTS }, false>(&p, &[]) };
            for first in (0..=i16::MAX as u16).step_by(32) {
                let d: [u16; 32] = std::array::from_fn(|i| first + i as u16);
                // Every other group drops its first four lanes.
                let keep: u32 = if first % 64 == 0 { !0 } else { !0xF };
                // SAFETY: as above; 64-byte loads and stores of 64-byte arrays.
                let [plus, minus] = [0, !0].map(|opposite| unsafe {
                    let d = _mm512_loadu_si512(d.as_ptr().cast());
                    let corr = super::mitchell(&c, d, opposite, keep);
                    let mut out = [0i16; 32];
                    _mm512_storeu_si512(out.as_mut_ptr().cast(), corr);
                    out
                });
                for i in 0..32 {
                    let (d, kept) = (u32::from(d[i]), keep >> i & 1 == 1);
                    let want = |v: i32| if kept { 2 * v } else { 0 };
                    assert_eq!(i32::from(plus[i]), want(shift.plus(d)), "{fmt} Δ+({d})");
                    if d > 0 {
                        assert_eq!(i32::from(minus[i]), want(shift.minus(d)), "{fmt} Δ−({d})");
                    } else {
                        assert!(minus[i] <= 0, "{fmt}: Δ−(0) must not raise a sum");
                    }
                }
            }
        }
    }

    #[test]
    fn clean_path_keeps_tiles_with_zeros_cancellations_and_flushed_products_and_sums() {
        if !SimdLevel::Avx512.is_available() {
            return;
        }
        for (fmt, kind, tiles) in CLEAN_UNITS {
            let (tiny, x) = (fmt.log_min() + 3, 1 << (fmt.frac() - 1));
            // Row 0 cancels exactly (x − x); row 1 starts with tiny terms that cancel
            // and multiplies the smallest A codes by B codes of a quarter every third
            // step (flushed products); row 2 starts with two tiny terms one code apart
            // and of opposite signs, whose sum flushes (or plain codes, to count the
            // other events); row 3 is zero in A; the others are plain.
            let product = |sum_flushes: bool| {
                let row_2 = sum_flushes.then_some([(tiny + 1, false), (tiny, true)]);
                let (mut a, mut b) = tiles_with(
                    fmt,
                    &[
                        Some([(x, false), (x, true)]),
                        Some([(tiny, false), (tiny, true)]),
                        row_2,
                    ],
                );
                let k = a.len() / ROWS;
                let quarter = -2 << fmt.frac();
                for kk in (2..k).step_by(3) {
                    a[k + kk] = code(fmt.log_min(), kk % 2 == 0);
                    b[kk * 32..(kk + 1) * 32].fill(code(quarter, kk % 4 == 0));
                }
                a[3 * k..4 * k].fill(fmt.zero() as i16);
                for j in (0..b.len()).step_by(7) {
                    b[j] = fmt.zero() as i16;
                }
                let unit = Arith::new(fmt, kind);
                clean_tiles(|| both(&unit, &a, &b, (ROWS, k, 32)))
            };
            let ([_, without], _) = product(false);
            let ([wide, reference], (kept, discarded)) = product(true);
            assert_eq!(wide, reference, "{fmt} {kind}");
            assert!(without.1.flushed > 0, "{fmt} {kind}: products flush");
            assert!(
                reference.1.flushed > without.1.flushed,
                "{fmt} {kind}: row 2's sums flush"
            );
            assert_eq!((kept, discarded), (tiles, 0), "{fmt} {kind}");
        }
    }

    #[test]
    fn clean_path_discards_tiles_whose_sums_saturate() {
        if !SimdLevel::Avx512.is_available() {
            return;
        }
        for (fmt, kind, tiles) in CLEAN_UNITS {
            let top = fmt.log_max() - 1;
            let (a, b) = tiles_with(fmt, &[None, Some([(top, false), (top, false)])]);
            let unit = Arith::new(fmt, kind);
            let ([wide, reference], (kept, discarded)) =
                clean_tiles(|| both(&unit, &a, &b, (ROWS, a.len() / ROWS, 32)));
            assert_eq!(wide, reference, "{fmt} {kind}");
            assert!(reference.1.saturated > 0, "{fmt} {kind}: the sum saturates");
            // The tile of row 1 is discarded; of two 4-row tiles, rows 4..8 are kept.
            let expected = (tiles - 1, 1);
            assert_eq!((kept, discarded), expected, "{fmt} {kind}");
        }
    }

    #[test]
    fn event_counts_beyond_what_an_i16_counter_holds_are_exact() {
        if !SimdLevel::Avx512.is_available() {
            return;
        }
        let fmt = Format::LNS16;
        let shape @ (m, k, n) = (5, 4 * CHUNK + 77, 40);
        let mut rng = SplitMix64(3);
        // Magnitudes near the largest log overflow on every step (the product, then the
        // sum); near the smallest they underflow on every step: over 2^16 events per
        // output either way.
        for (kind, large) in [DeltaKind::LutSmall, DeltaKind::Lut]
            .into_iter()
            .flat_map(|kind| [(kind, true), (kind, false)])
        {
            let unit = Arith::new(fmt, kind);
            let mut code = || {
                let off = (rng.next_u64() % 64) as i32;
                let l = if large {
                    fmt.log_max() - off
                } else {
                    fmt.log_min() + off
                };
                (2 * l + (rng.next_u64() & 1) as i32) as i16
            };
            let a: Vec<i16> = (0..m * k).map(|_| code()).collect();
            let b: Vec<i16> = (0..k * n).map(|_| code()).collect();
            let [wide, reference] = both(&unit, &a, &b, shape);
            assert_eq!(wide, reference, "{kind} large = {large}");
            let events = reference.1.saturated + reference.1.flushed;
            assert!(events / (m * n) as u64 > 1 << 16, "{events} events");
        }
    }
}
