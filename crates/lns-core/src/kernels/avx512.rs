//! The MAC lane engine in AVX-512 registers: 16 lanes per register, Δ read with one
//! `vpgatherdd` (or, for a step-function table of at most 16 buckets per sign, one
//! `vpermt2d` from two registers), and [`super::lanes::mac`]'s selects rewritten on
//! packed codes.
//!
//! **Code domain.** With `code = 2·L + s`, the product of operand codes `a`, `b` in the
//! accumulator format is the code `((a & !1) + (b & !1)) << shift | (s_a ^ s_b)`, and
//! `L + Δ` with the sign of the larger term is that term's code plus `2·Δ` (the table is
//! stored doubled). Range checks compare codes with `2·log_min` and `2·log_max + 1`.
//! Everything B-dependent is prepared once per row of the panel and shared by the rows
//! of a tile. The engine runs only where these shortcuts provably stay in i32
//! ([`MacParams::code_domain`]).
//!
//! **Events.** Flushes (common in backward passes) are counted per lane in a register
//! on every step; saturations (rare) are handled in a branch that clamps the product
//! and redoes the addition, or clamps the sum.

use std::any::TypeId;
use std::arch::x86_64::*;

use super::lanes::{LANES, LaneCounts, LaneEngine, MacParams};
use crate::code::CodeStorage;

/// Sixteen accumulators in one `zmm` register. `STEPS`: the correction table is the
/// bucket table of [`super::lanes::interleave_steps`] (read by a permute), otherwise
/// the full table of [`super::lanes::interleave`] (read by a gather).
pub struct Avx512Lanes<const STEPS: bool>;

/// One row of a B panel, prepared for every row of A.
#[derive(Clone, Copy)]
pub struct BRow {
    /// `((b & !1) << shift) | (b & 1)`: the product's B part for an even `a`; `[1]` has
    /// the sign bit flipped, for an odd (negative) `a`.
    by_sign: [__m512i; 2],
    /// Lanes whose B code is not zero.
    nonzero: __mmask16,
}

/// Flush and saturation counters of the 16 lanes.
#[derive(Clone, Copy)]
pub struct Counters {
    flushed: __m512i,
    saturated: __m512i,
}

impl<const STEPS: bool> LaneEngine for Avx512Lanes<STEPS> {
    type Acc = __m512i;
    type Counters = Counters;
    type B = BRow;
    const TABLE_SCALE: u32 = 1;

    fn start(p: &MacParams) -> (Self::Acc, Self::Counters) {
        // SAFETY: only reached from code that checked AVX-512F support.
        unsafe {
            (
                _mm512_set1_epi32(p.zero),
                Counters {
                    flushed: _mm512_setzero_si512(),
                    saturated: _mm512_setzero_si512(),
                },
            )
        }
    }

    #[inline(always)]
    unsafe fn load<C: CodeStorage>(p: &MacParams, b: &[C; LANES]) -> Self::B {
        // SAFETY: AVX-512F present (caller's contract).
        unsafe { prepare(p, widen(b)) }
    }

    #[inline(always)]
    unsafe fn step<C: CodeStorage>(
        p: &MacParams,
        tab: &[i32],
        acc: &mut Self::Acc,
        a: i32,
        _: &[C; LANES],
        b: &Self::B,
        c: &mut Self::Counters,
    ) {
        // SAFETY: forwarded contract (AVX-512F present, `tab` doubled and long enough).
        unsafe { step::<STEPS>(p, tab, acc, a, b, c) }
    }

    fn finish(acc: Self::Acc, c: Self::Counters) -> ([i32; LANES], LaneCounts<LANES>) {
        let mut codes = [0i32; LANES];
        let (mut sat, mut flush) = ([0u32; LANES], [0u32; LANES]);
        // SAFETY: unaligned stores of 64 bytes into 64-byte arrays; AVX-512F checked.
        unsafe {
            _mm512_storeu_si512(codes.as_mut_ptr().cast(), acc);
            _mm512_storeu_si512(sat.as_mut_ptr().cast(), c.saturated);
            _mm512_storeu_si512(flush.as_mut_ptr().cast(), c.flushed);
        }
        (
            codes,
            LaneCounts {
                saturated: sat,
                flushed: flush,
            },
        )
    }
}

/// Sign-extends 16 stored codes into one register (`vpmovsx` from memory).
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn widen<C: CodeStorage>(b: &[C; LANES]) -> __m512i {
    let ptr = b.as_ptr();
    // SAFETY: `b` holds 16 codes of the type each branch has identified, i.e. 16, 32 or
    // 64 bytes; AVX-512F is enabled on this function.
    unsafe {
        if TypeId::of::<C>() == TypeId::of::<i16>() {
            _mm512_cvtepi16_epi32(_mm256_loadu_si256(ptr.cast()))
        } else if TypeId::of::<C>() == TypeId::of::<i8>() {
            _mm512_cvtepi8_epi32(_mm_loadu_si128(ptr.cast()))
        } else if TypeId::of::<C>() == TypeId::of::<i32>() {
            _mm512_loadu_si512(ptr.cast())
        } else {
            let w: [i32; LANES] = std::array::from_fn(|l| b[l].widen());
            _mm512_loadu_si512(w.as_ptr().cast())
        }
    }
}

#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn prepare(p: &MacParams, b: __m512i) -> BRow {
    let one = _mm512_set1_epi32(1);
    let shift = _mm_cvtsi32_si128(p.shift as i32);
    let even = _mm512_sll_epi32(_mm512_andnot_si512(one, b), shift);
    let plus = _mm512_or_si512(even, _mm512_and_si512(b, one));
    BRow {
        by_sign: [plus, _mm512_xor_si512(plus, one)],
        nonzero: _mm512_cmpge_epi32_mask(b, _mm512_set1_epi32(p.op_min_code)),
    }
}

/// One MAC step on 16 lanes, equal to `lanes::mac` lane for lane.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn step<const STEPS: bool>(
    p: &MacParams,
    tab: &[i32],
    acc: &mut __m512i,
    a: i32,
    b: &BRow,
    c: &mut Counters,
) {
    if a >> 1 == p.op_log_zero {
        // A zero left operand makes every product zero: acc + 0 = acc, no events.
        return;
    }
    let one = _mm512_set1_epi32(1);
    let min_code = _mm512_set1_epi32(p.min_code);
    let max_code = _mm512_set1_epi32(p.max_code);
    let old = *acc;
    // mul: the product code, exact unless it overflows (handled below).
    let mut product = _mm512_add_epi32(
        _mm512_set1_epi32((a & !1) << p.shift),
        b.by_sign[(a & 1) as usize],
    );
    let product_live = _mm512_mask_cmpge_epi32_mask(b.nonzero, product, min_code);
    let product_over = _mm512_mask_cmpgt_epi32_mask(b.nonzero, product, max_code);
    let live = _mm512_mask_cmpge_epi32_mask(product_live, old, min_code);
    let acc_zero = _mm512_mask_cmplt_epi32_mask(product_live, old, min_code);
    // SAFETY: forwarded contract (`tab` holds `2·(last + 1)` doubled entries).
    let mut sum = unsafe { add::<STEPS>(p, tab, old, product, live) };
    let mut sum_over = _mm512_mask_cmpgt_epi32_mask(live, sum, max_code);
    if product_over | sum_over != 0 {
        // Saturation (rare): a product beyond ±max becomes ±max before the addition, a
        // sum beyond ±max becomes ±max.
        let top = _mm512_set1_epi32(p.max_code - 1);
        if product_over != 0 {
            product = _mm512_mask_ternarylogic_epi32(product, product_over, one, top, 0xEA);
            // SAFETY: as above.
            sum = unsafe { add::<STEPS>(p, tab, old, product, live) };
            sum_over = _mm512_mask_cmpgt_epi32_mask(live, sum, max_code);
        }
        c.saturated = _mm512_mask_add_epi32(c.saturated, product_over, c.saturated, one);
        c.saturated = _mm512_mask_add_epi32(c.saturated, sum_over, c.saturated, one);
        sum = _mm512_mask_ternarylogic_epi32(sum, sum_over, one, top, 0xEA);
    }
    let cancel = _mm512_cmpeq_epi32_mask(_mm512_xor_si512(old, product), one);
    let under = _mm512_cmplt_epi32_mask(sum, min_code);
    let flushed =
        _mm512_mask_cmplt_epi32_mask(b.nonzero, product, min_code) | (live & under & !cancel);
    c.flushed = _mm512_mask_add_epi32(c.flushed, flushed, c.flushed, one);
    let sum = _mm512_mask_mov_epi32(sum, cancel | under, _mm512_set1_epi32(p.zero));
    *acc = _mm512_mask_mov_epi32(_mm512_mask_mov_epi32(old, live, sum), acc_zero, product);
}

/// The code of `acc + product` for two non-zero, in-range codes: the larger term's code
/// plus twice Δ±(|L_acc − L_p|) (before the range checks and the cancellation).
///
/// # Safety
/// `tab` holds `2·(p.last + 1)` doubled entries, or with `STEPS` the
/// `2·STEP_BUCKETS` doubled bucket entries.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn add<const STEPS: bool>(
    p: &MacParams,
    tab: &[i32],
    acc: __m512i,
    product: __m512i,
    lanes: __mmask16,
) -> __m512i {
    let diff = _mm512_sub_epi32(_mm512_srai_epi32::<1>(acc), _mm512_srai_epi32::<1>(product));
    let d = _mm512_abs_epi32(diff);
    let opposite = _mm512_and_si512(_mm512_xor_si512(acc, product), _mm512_set1_epi32(1));
    let corr = if STEPS {
        // Bucket `min(d >> step_drop, last_step)`; lanes beyond the support read the
        // last bucket's 0, lanes that do not use the sum read anything.
        let bucket = _mm512_min_epu32(
            _mm512_srl_epi32(d, _mm_cvtsi32_si128(p.step_drop as i32)),
            _mm512_set1_epi32(p.last_step as i32),
        );
        let idx = _mm512_add_epi32(_mm512_slli_epi32::<1>(bucket), opposite);
        // SAFETY: `tab` holds 32 entries (the caller's contract).
        let (lo, hi) = unsafe {
            (
                _mm512_loadu_si512(tab.as_ptr().cast()),
                _mm512_loadu_si512(tab.as_ptr().add(LANES).cast()),
            )
        };
        _mm512_permutex2var_epi32(lo, idx, hi)
    } else {
        let last = _mm512_set1_epi32(p.last as i32);
        // Only lanes that use the sum and whose difference is inside the table are
        // looked up: the last entries (Δ± beyond the support) are 0.
        let inside = _mm512_mask_cmplt_epu32_mask(lanes, d, last);
        let idx = _mm512_add_epi32(_mm512_slli_epi32::<1>(d), opposite);
        // SAFETY: every looked-up index is below `2·last` (the caller's contract).
        unsafe {
            _mm512_mask_i32gather_epi32::<4>(_mm512_setzero_si512(), inside, idx, tab.as_ptr())
        }
    };
    let acc_big = _mm512_cmpge_epi32_mask(diff, _mm512_setzero_si512());
    _mm512_add_epi32(_mm512_mask_blend_epi32(acc_big, product, acc), corr)
}
