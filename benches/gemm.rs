//! GEMM `n×n×n`: LNS-16 (LUT, PWL, small LUT, shift) and LNS-12 (PWL) against f32
//! `matrixmultiply` (the crate burn-ndarray multiplies with) and burn-flex's f32
//! matmul, in one run.
//!
//! Run: `cargo bench -p lns-benches --bench gemm`. Throughput is reported in
//! elements = multiply-accumulates, so criterion prints MAC/s directly.

use burn::backend::Flex;
use burn::tensor::{Tensor, TensorData};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lns_benches::{random_codes, random_f32};
use lns_core::kernels::{Exec, MatRef, SimdLevel, gemm};
use lns_core::{Arith, DeltaKind, Format};

const SIZES: [usize; 3] = [64, 256, 512];

/// `out := A·B` for row-major `n × n` codes.
fn square_gemm(unit: &Arith, a: &[i16], b: &[i16], out: &mut [i16], n: usize, exec: Exec) {
    gemm(
        unit,
        MatRef::row_major(a, n, n),
        MatRef::row_major(b, n, n),
        out,
        exec,
    )
    .expect("square operands");
}

/// Two seeded `n × n` matrices of the unit's codes (16 bits or fewer), as i16.
fn operands(unit: &Arith, n: usize) -> (Vec<i16>, Vec<i16>) {
    let codes = |seed| {
        random_codes(unit, n * n, seed)
            .into_iter()
            .map(|c| c as i16)
            .collect()
    };
    (codes(1), codes(2))
}

fn bench_gemm(c: &mut Criterion) {
    let mut group = c.benchmark_group("gemm");
    group.sample_size(10);
    for n in SIZES {
        group.throughput(Throughput::Elements((n * n * n) as u64));
        let units = [
            (Format::LNS16, DeltaKind::Lut),
            (Format::LNS16, DeltaKind::Pwl),
            (Format::LNS16, DeltaKind::LutSmall),
            (Format::LNS16, DeltaKind::Shift),
            (Format::LNS12, DeltaKind::Pwl),
        ];
        for (fmt, kind) in units {
            let unit = Arith::new(fmt, kind);
            let (a, b) = operands(&unit, n);
            let mut out = vec![0i16; n * n];
            let name = if fmt == Format::LNS16 {
                "lns16"
            } else {
                "lns12"
            };
            group.bench_with_input(
                BenchmarkId::new(format!("{name}-{kind}"), n),
                &n,
                |bch, &n| bch.iter(|| square_gemm(&unit, &a, &b, &mut out, n, Exec::default())),
            );
        }
        let (a, b) = (random_f32(n * n, 1), random_f32(n * n, 2));
        let mut out = vec![0f32; n * n];
        group.bench_with_input(BenchmarkId::new("f32-matrixmultiply", n), &n, |bch, &n| {
            bch.iter(|| unsafe {
                // SAFETY: the pointers cover n×n row-major matrices.
                matrixmultiply::sgemm(
                    n,
                    n,
                    n,
                    1.0,
                    a.as_ptr(),
                    n as isize,
                    1,
                    b.as_ptr(),
                    n as isize,
                    1,
                    0.0,
                    out.as_mut_ptr(),
                    n as isize,
                    1,
                )
            })
        });
        let device = Default::default();
        let ta = Tensor::<Flex, 2>::from_data(TensorData::new(a.clone(), [n, n]), &device);
        let tb = Tensor::<Flex, 2>::from_data(TensorData::new(b.clone(), [n, n]), &device);
        group.bench_with_input(BenchmarkId::new("f32-burn-flex", n), &n, |bch, _| {
            bch.iter(|| ta.clone().matmul(tb.clone()).into_data())
        });
    }
    group.finish();
}

/// LNS-16 LUT GEMM 256³ on each SIMD level with one thread, and the best level on two.
fn bench_levels_and_threads(c: &mut Criterion) {
    let n = 256;
    let mut group = c.benchmark_group("gemm-levels-256");
    group.sample_size(10);
    group.throughput(Throughput::Elements((n * n * n) as u64));
    for kind in [DeltaKind::Lut, DeltaKind::LutSmall] {
        let unit = Arith::new(Format::LNS16, kind);
        let (a, b) = operands(&unit, n);
        let mut out = vec![0i16; n * n];
        let mut run = |name: String, threads: usize, simd: SimdLevel| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            group.bench_function(format!("{kind}/{name}"), |bch| {
                let exec = Exec {
                    simd,
                    parallel: true,
                };
                bch.iter(|| pool.install(|| square_gemm(&unit, &a, &b, &mut out, n, exec)))
            });
        };
        for level in SimdLevel::available() {
            run(format!("{level:?}-1thread"), 1, level);
        }
        run(
            format!("{:?}-2threads", SimdLevel::detect()),
            2,
            SimdLevel::detect(),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_gemm, bench_levels_and_threads);
criterion_main!(benches);
