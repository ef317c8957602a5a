//! Instruction-set levels, detected once at run time.

use std::sync::OnceLock;

/// An instruction-set level for the inner loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimdLevel {
    /// The scalar reference loops (`kernels::scalar`), one output at a time.
    Scalar,
    /// The lane kernels compiled for the baseline target (SSE2 on x86-64, NEON on
    /// aarch64).
    Portable,
    /// The lane kernels compiled with AVX2.
    Avx2,
    /// The lane kernels compiled with AVX-512 F/BW.
    Avx512,
}

impl SimdLevel {
    /// The best level this CPU supports (cached after the first call).
    pub fn detect() -> SimdLevel {
        static LEVEL: OnceLock<SimdLevel> = OnceLock::new();
        *LEVEL.get_or_init(|| {
            *SimdLevel::available()
                .last()
                .expect("Scalar is always available")
        })
    }

    /// Every level this CPU can run, from the reference up.
    pub fn available() -> Vec<SimdLevel> {
        [
            SimdLevel::Scalar,
            SimdLevel::Portable,
            SimdLevel::Avx2,
            SimdLevel::Avx512,
        ]
        .into_iter()
        .filter(|level| level.is_available())
        .collect()
    }

    /// Whether this CPU can run the level.
    pub fn is_available(self) -> bool {
        match self {
            SimdLevel::Scalar | SimdLevel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            // Every CPU with AVX-512BW also has CD (leading-zero counts).
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512cd")
            }
            #[cfg(not(target_arch = "x86_64"))]
            SimdLevel::Avx2 | SimdLevel::Avx512 => false,
        }
    }
}
