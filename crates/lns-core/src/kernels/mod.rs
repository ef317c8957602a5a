//! Bit-true kernels over slices of packed codes.
//!
//! **Canonical order.** A dot product accumulates sequentially over `k = 0, 1, …,
//! K−1`, starting from zero, in the accumulator format:
//! `acc ← acc + up(a_k)·up(b_k)`, then rounds `acc` to the operand format once.
//! A reduction along an axis adds the elements in index order the same way.
//! GEMM and conv compute each output as such a dot product.
//!
//! Fast paths vectorize across independent outputs (GEMM columns, reduction lanes)
//! and split work across threads by output rows; they never reorder a reduction, so
//! every [`SimdLevel`] and thread count reproduces [`SimdLevel::Scalar`] bit for bit.

/// Runs `$body` with `$r = 0, 1, …, $n − 1` (at most 8) written out, so that arrays
/// indexed by `$r` stay in registers.
macro_rules! unroll {
    ($n:expr, $r:ident => $body:block) => {
        unroll!(@ $n, $r, $body, 0 1 2 3 4 5 6 7)
    };
    (@ $n:expr, $r:ident, $body:block, $($i:literal)*) => {
        const { assert!($n <= 8, "unroll: at most 8") };
        $(
            if $i < $n {
                let $r = $i;
                $body
            }
        )*
    };
}

#[cfg(target_arch = "x86_64")]
mod avx2_narrow;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
mod avx512_wide;
mod elementwise;
mod gemm;
mod lanes;
mod products;
mod reduce;
mod scalar;
mod simd;
mod transpose;

pub use elementwise::{BinaryOp, UnaryOp, binary, binary_scalar, unary};
pub use gemm::{MatRef, gemm};
pub use reduce::{ReduceOp, reduce_axis};
pub use scalar::{dot, dot_codes};
pub use simd::SimdLevel;

/// How a kernel runs: which SIMD level, and whether it may use rayon's threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exec {
    /// The instruction-set level of the inner loops.
    pub simd: SimdLevel,
    /// Split work over the current rayon pool.
    pub parallel: bool,
}

impl Default for Exec {
    /// The best detected SIMD level, in parallel.
    fn default() -> Self {
        Exec {
            simd: SimdLevel::detect(),
            parallel: true,
        }
    }
}

impl Exec {
    /// The scalar reference, single-threaded.
    pub const REFERENCE: Exec = Exec {
        simd: SimdLevel::Scalar,
        parallel: false,
    };
}
