//! Packing columns that are contiguous along `k` (a transposed view of B) into a GEMM
//! panel of rows: `panel[kk·W + l] = cols[l][kk]`. Pure data movement; on x86-64,
//! 8- and 16-bit codes move as square blocks through SSE2 registers, the rest one
//! code at a time.

use crate::code::CodeStorage;
#[cfg(target_arch = "x86_64")]
use crate::format::Storage;

/// Writes `panel[kk·W + l] = cols[l][kk]` for every `kk < k = panel.len() / W` and
/// `l < W`.
///
/// # Panics
/// If a column holds fewer than `k` codes.
pub(super) fn columns_to_rows<C: CodeStorage, const W: usize>(cols: [&[C]; W], panel: &mut [C]) {
    let k = panel.len() / W;
    assert!(
        cols.iter().all(|col| col.len() >= k),
        "every column holds the panel's {k} codes"
    );
    #[cfg(target_arch = "x86_64")]
    // SAFETY (both): SSE2 is part of every x86-64 CPU.
    let blocked = match C::STORAGE {
        Storage::I8 => unsafe {
            blocks::<i8, W, 16>(cast(cols, k), bytemuck::cast_slice_mut(panel))
        },
        Storage::I16 => unsafe {
            blocks::<i16, W, 8>(cast(cols, k), bytemuck::cast_slice_mut(panel))
        },
        Storage::I32 => 0,
    };
    #[cfg(not(target_arch = "x86_64"))]
    let blocked = 0;
    for (kk, row) in panel.chunks_exact_mut(W).enumerate().skip(blocked) {
        for (dst, col) in row.iter_mut().zip(&cols) {
            *dst = col[kk];
        }
    }
}

/// The first `k` codes of each column as `T` (the same storage).
#[cfg(target_arch = "x86_64")]
fn cast<C: CodeStorage, T: bytemuck::Pod, const W: usize>(cols: [&[C]; W], k: usize) -> [&[T]; W] {
    cols.map(|col| bytemuck::cast_slice(&col[..k]))
}

/// [`columns_to_rows`] for the rows `0 .. N·⌊k/N⌋` in blocks of `N` rows × `N` columns,
/// one 16-byte register per column (`N` codes of `T`; `W` a multiple of `N`); returns
/// how many rows it wrote. A block goes through log2 N rounds of the same perfect
/// shuffle — register `j` of the next round interleaves registers `j/2` and
/// `j/2 + N/2` of this one (low halves for even `j`), at twice the element width each
/// round — which transposes it when register `i` starts with column `bitrev(i)`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn blocks<T: bytemuck::Pod, const W: usize, const N: usize>(
    cols: [&[T]; W],
    panel: &mut [T],
) -> usize {
    use std::arch::x86_64::*;
    const { assert!(N * size_of::<T>() == 16, "one register per column") };
    if !W.is_multiple_of(N) {
        return 0;
    }
    let rows = panel.len() / W / N * N;
    let bits = N.trailing_zeros();
    // Down each group of N columns in turn: every load of a block reads its own column
    // one register further on, a stream the hardware prefetches.
    for l0 in (0..W).step_by(N) {
        for kk0 in (0..rows).step_by(N) {
            let mut x: [__m128i; N] = std::array::from_fn(|i| {
                let column = l0 + (i.reverse_bits() >> (usize::BITS - bits));
                let src: &[T; N] = cols[column][kk0..kk0 + N].try_into().expect("N codes");
                // SAFETY: a 16-byte load from N codes of 16/N bytes.
                unsafe { _mm_loadu_si128(src.as_ptr().cast()) }
            });
            if N == 16 {
                x = shuffle::<N, 1>(x);
            }
            x = shuffle::<N, 8>(shuffle::<N, 4>(shuffle::<N, 2>(x)));
            for (j, row) in x.iter().enumerate() {
                let dst: &mut [T; N] = (&mut panel[(kk0 + j) * W + l0..][..N])
                    .try_into()
                    .expect("N codes");
                // SAFETY: a 16-byte store into N codes of 16/N bytes.
                unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), *row) };
            }
        }
    }
    rows
}

/// One round of [`blocks`] at element width `BYTES`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn shuffle<const N: usize, const BYTES: usize>(
    x: [std::arch::x86_64::__m128i; N],
) -> [std::arch::x86_64::__m128i; N] {
    use std::arch::x86_64::*;
    std::array::from_fn(|j| {
        let (a, b) = (x[j / 2], x[j / 2 + N / 2]);
        match (BYTES, j % 2) {
            (1, 0) => _mm_unpacklo_epi8(a, b),
            (1, _) => _mm_unpackhi_epi8(a, b),
            (2, 0) => _mm_unpacklo_epi16(a, b),
            (2, _) => _mm_unpackhi_epi16(a, b),
            (4, 0) => _mm_unpacklo_epi32(a, b),
            (4, _) => _mm_unpackhi_epi32(a, b),
            (_, 0) => _mm_unpacklo_epi64(a, b),
            _ => _mm_unpackhi_epi64(a, b),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::columns_to_rows;

    fn check<C: crate::code::CodeStorage, const W: usize>(k: usize, code: impl Fn(usize) -> C) {
        let stride = k + 3;
        let data: Vec<C> = (0..W * stride).map(&code).collect();
        let cols: [&[C]; W] = std::array::from_fn(|l| &data[l * stride..][..k]);
        let mut panel = vec![C::default(); k * W];
        columns_to_rows::<C, W>(cols, &mut panel);
        for kk in 0..k {
            for l in 0..W {
                assert_eq!(
                    panel[kk * W + l],
                    data[l * stride + kk],
                    "k {k}, row {kk}, column {l}"
                );
            }
        }
    }

    /// Distinct positions get unrelated codes (Knuth's multiplicative hash).
    fn scrambled(i: usize) -> u32 {
        (i as u32).wrapping_mul(2_654_435_761)
    }

    #[test]
    fn every_code_lands_at_its_row_and_column_for_any_k_and_storage() {
        for k in [0, 1, 7, 8, 9, 16, 31, 64, 67] {
            check::<i16, 32>(k, |i| (scrambled(i) >> 16) as i16);
            check::<i16, 16>(k, |i| (scrambled(i) >> 16) as i16);
            check::<i8, 32>(k, |i| (scrambled(i) >> 24) as i8);
            check::<i8, 16>(k, |i| (scrambled(i) >> 24) as i8);
            check::<i32, 16>(k, |i| scrambled(i) as i32);
        }
    }
}
