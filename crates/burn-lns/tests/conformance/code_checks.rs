//! Code-for-code checks shared by the bit-true tests: the stored codes of a tensor, a
//! run on a rayon pool of a chosen size, and the comparison of named code lists.

use std::fmt::Display;

use burn::tensor::Tensor;
use burn_lns::{Lns, LnsDevice};

/// The stored codes of `t`.
pub fn codes<const D: usize>(t: Tensor<Lns, D>) -> Vec<i32> {
    t.into_primitive().tensor().codes()
}

/// Runs `f` on a fresh rayon pool of `n` threads.
pub fn on_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .expect("a rayon pool")
        .install(f)
}

/// Panics at the first output (or code) where `got` differs from `want`, naming `what`,
/// the output and the index.
pub fn assert_same_codes<N: Display>(what: &str, want: &[(N, Vec<i32>)], got: &[(N, Vec<i32>)]) {
    assert_eq!(want.len(), got.len(), "{what}: outputs");
    for ((name, w), (_, g)) in want.iter().zip(got) {
        assert_eq!(w.len(), g.len(), "{what}: {name}: lengths");
        if let Some(i) = (0..w.len()).find(|&i| w[i] != g[i]) {
            panic!("{what}: {name}[{i}]: code {} vs {}", w[i], g[i]);
        }
    }
}

/// The named codes `outputs` computes on the device `spec` are the same on 1, 2 and 3
/// rayon threads.
pub fn thread_counts_agree<N: Display + Send>(
    spec: &str,
    outputs: impl Fn(&LnsDevice) -> Vec<(N, Vec<i32>)> + Sync,
) {
    let device: LnsDevice = spec.parse().unwrap();
    let one = on_threads(1, || outputs(&device));
    for n in [2, 3] {
        let got = on_threads(n, || outputs(&device));
        assert_same_codes(&format!("{spec}: 1 vs {n} threads"), &one, &got);
    }
}
