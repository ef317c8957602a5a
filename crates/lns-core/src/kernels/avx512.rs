//! The MAC lane engine in AVX-512 registers: [`super::lanes::mac`] instruction for
//! instruction, 16 lanes per register, one `vpgatherdd` for Δ.

use std::any::TypeId;
use std::arch::x86_64::*;

use super::lanes::{LANES, LaneCounts, LaneEngine, MacParams};
use crate::code::CodeStorage;

/// Sixteen accumulators in one `zmm` register.
pub struct Avx512Lanes;

impl LaneEngine for Avx512Lanes {
    type Acc = __m512i;
    /// Saturation and flush counters.
    type Counters = (__m512i, __m512i);
    type B = __m512i;

    fn start(p: &MacParams) -> (Self::Acc, Self::Counters) {
        // SAFETY: only reached from code that checked AVX-512F support.
        unsafe {
            (
                _mm512_set1_epi32(p.zero),
                (_mm512_setzero_si512(), _mm512_setzero_si512()),
            )
        }
    }

    #[inline(always)]
    unsafe fn load<C: CodeStorage>(b: &[C; LANES]) -> Self::B {
        // SAFETY: AVX-512F present (caller's contract); each branch reads exactly the
        // `LANES` codes of `b`, whose type it has identified.
        unsafe { load(b) }
    }

    #[inline(always)]
    unsafe fn step(
        p: &MacParams,
        tab: &[i32],
        acc: &mut Self::Acc,
        a: i32,
        b: &Self::B,
        c: &mut Self::Counters,
    ) {
        // SAFETY: forwarded contract (AVX-512F present, `tab` long enough).
        unsafe { step(p, tab, acc, a, b, c) }
    }

    fn finish(acc: Self::Acc, c: Self::Counters) -> ([i32; LANES], LaneCounts<LANES>) {
        let mut codes = [0i32; LANES];
        let (mut sat, mut flush) = ([0u32; LANES], [0u32; LANES]);
        // SAFETY: unaligned stores of 64 bytes into 64-byte arrays; AVX-512F checked.
        unsafe {
            _mm512_storeu_si512(codes.as_mut_ptr().cast(), acc);
            _mm512_storeu_si512(sat.as_mut_ptr().cast(), c.0);
            _mm512_storeu_si512(flush.as_mut_ptr().cast(), c.1);
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
unsafe fn load<C: CodeStorage>(b: &[C; LANES]) -> __m512i {
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

/// One MAC step on 16 lanes; mirrors `lanes::mac` select for select.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn step(
    p: &MacParams,
    tab: &[i32],
    acc: &mut __m512i,
    a: i32,
    b: &__m512i,
    c: &mut (__m512i, __m512i),
) {
    let la = a >> 1;
    if la == p.op_log_zero {
        // A zero left operand makes every product zero: acc + 0 = acc, no events.
        return;
    }
    // SAFETY: AVX-512F is enabled on this function.
    unsafe {
        let one = _mm512_set1_epi32(1);
        let bv = *b;
        let lb = _mm512_srai_epi32::<1>(bv);
        let in_zero = _mm512_cmpeq_epi32_mask(lb, _mm512_set1_epi32(p.op_log_zero));
        let sum_logs = _mm512_add_epi32(_mm512_set1_epi32(la), lb);
        let clamped = _mm512_min_epi32(
            _mm512_max_epi32(sum_logs, _mm512_set1_epi32(p.plo)),
            _mm512_set1_epi32(p.phi),
        );
        let raw = _mm512_sllv_epi32(clamped, _mm512_set1_epi32(p.shift as i32));
        let psign = _mm512_and_si512(_mm512_xor_si512(_mm512_set1_epi32(a), bv), one);
        let log_max = _mm512_set1_epi32(p.log_max);
        let log_min = _mm512_set1_epi32(p.log_min);
        let p_over = _mm512_cmpgt_epi32_mask(raw, log_max);
        let p_under = _mm512_cmplt_epi32_mask(raw, log_min);
        c.0 = _mm512_mask_add_epi32(c.0, !in_zero & p_over, c.0, one);
        c.1 = _mm512_mask_add_epi32(c.1, !in_zero & p_under, c.1, one);
        let p_zero = in_zero | p_under;
        let pl = _mm512_min_epi32(raw, log_max);
        let lacc = _mm512_srai_epi32::<1>(*acc);
        let sacc = _mm512_and_si512(*acc, one);
        let acc_zero = _mm512_cmpeq_epi32_mask(lacc, _mm512_set1_epi32(p.log_zero));
        let hi = _mm512_max_epi32(lacc, pl);
        let d = _mm512_abs_epi32(_mm512_sub_epi32(lacc, pl));
        let opposite = _mm512_xor_si512(sacc, psign);
        let idx = _mm512_add_epi32(
            _mm512_slli_epi32::<1>(_mm512_min_epu32(d, _mm512_set1_epi32(p.last as i32))),
            opposite,
        );
        let corr = _mm512_i32gather_epi32::<4>(idx, tab.as_ptr());
        let acc_big = _mm512_cmpge_epi32_mask(lacc, pl);
        let big_sign = _mm512_mask_blend_epi32(acc_big, psign, sacc);
        let r = _mm512_add_epi32(hi, corr);
        let cancel = _mm512_cmpeq_epi32_mask(opposite, one)
            & _mm512_cmpeq_epi32_mask(d, _mm512_setzero_si512());
        let live = !p_zero & !acc_zero;
        let r_under = _mm512_cmplt_epi32_mask(r, log_min);
        c.0 = _mm512_mask_add_epi32(c.0, live & _mm512_cmpgt_epi32_mask(r, log_max), c.0, one);
        c.1 = _mm512_mask_add_epi32(c.1, live & r_under & !cancel, c.1, one);
        let packed = _mm512_or_si512(
            _mm512_slli_epi32::<1>(_mm512_min_epi32(r, log_max)),
            big_sign,
        );
        let sum = _mm512_mask_mov_epi32(packed, cancel | r_under, _mm512_set1_epi32(p.zero));
        let product = _mm512_or_si512(_mm512_slli_epi32::<1>(pl), psign);
        let with_zero_acc = _mm512_mask_mov_epi32(sum, acc_zero, product);
        *acc = _mm512_mask_mov_epi32(with_zero_acc, p_zero, *acc);
    }
}
