//! Shared helpers of the benchmarks: seeded operands and MAC-rate reporting.

use lns_core::Arith;
use lns_core::reference::SplitMix64;

/// `n` codes of values log-uniform in 2^[−4, 4] with random signs.
pub fn random_codes(unit: &Arith, n: usize, seed: u64) -> Vec<i32> {
    let mut rng = SplitMix64(seed);
    (0..n).map(|_| unit.encode(rng.log_uniform(4.0))).collect()
}

/// `n` f32 values in [−1, 1).
pub fn random_f32(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64(seed);
    (0..n)
        .map(|_| (rng.next_f64() * 2.0 - 1.0) as f32)
        .collect()
}
