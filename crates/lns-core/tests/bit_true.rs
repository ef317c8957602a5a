//! Every SIMD level and thread count gives the scalar reference's bits.

use lns_core::kernels::{self, BinaryOp, Exec, MatRef, ReduceOp, SimdLevel};
use lns_core::reference::SplitMix64;
use lns_core::{Arith, CodeStorage, Counts, DeltaKind, Format};

/// Shapes `(m, k, n)` that hit tile edges: 1, lane width ± 1, 2·lanes + 1, odd sizes.
const SHAPES: [(usize, usize, usize); 9] = [
    (1, 1, 1),
    (7, 13, 5),
    (4, 16, 16),
    (5, 17, 15),
    (3, 1, 33),
    (9, 0, 4),
    (33, 31, 17),
    (17, 64, 47),
    (128, 257, 33),
];

/// Codes with zeros, both signs and magnitudes up to the format's limits, so that
/// saturation, flushes and cancellation all occur.
fn random_codes(fmt: Format, n: usize, rng: &mut SplitMix64) -> Vec<i32> {
    (0..n)
        .map(|_| match rng.next_u64() % 16 {
            0 => fmt.zero(),
            1 => fmt.max_code() + (rng.next_u64() & 1) as i32,
            2 => fmt.min_positive_code() + (rng.next_u64() & 1) as i32,
            _ => {
                let span = ((fmt.log_max() / 3).max(1) as u64 * 2) as i64;
                let l = (rng.next_u64() % span as u64) as i64 - span / 2;
                2 * l as i32 + (rng.next_u64() & 1) as i32
            }
        })
        .collect()
}

fn units() -> Vec<Arith> {
    let mut v: Vec<Arith> = [
        (Format::LNS16, DeltaKind::Lut),
        (Format::LNS16, DeltaKind::Pwl),
        (Format::LNS16, DeltaKind::Shift),
        (Format::LNS12, DeltaKind::Pwl),
        (Format::LNS8, DeltaKind::LutSmall),
        (Format::LNS8, DeltaKind::Lut),
        (Format::LNS16, DeltaKind::LutSmall),
        (Format::LNS12, DeltaKind::LutSmall),
        (Format::LNS32, DeltaKind::Lut),
        // Full tables of 90 and 211 entries per sign: 4 and 8 register pairs.
        (Format::new(10, 4).unwrap(), DeltaKind::Lut),
        (Format::new(11, 5).unwrap(), DeltaKind::Lut),
        // A coarse table whose buckets do not cover every difference of two 12:4 codes
        // (the i16 engine's clean step clamps them).
        (Format::new(12, 4).unwrap(), DeltaKind::LutSmall),
        // Mitchell's Δ, computed by the i16 engine: an 8-bit format whose Δ− reaches
        // its floor.
        (Format::new(8, 6).unwrap(), DeltaKind::Shift),
    ]
    .into_iter()
    .map(|(f, k)| Arith::new(f, k))
    .collect();
    v.push(
        Arith::new(Format::LNS16, DeltaKind::Lut)
            .with_accumulator(Format::new(20, 14).unwrap())
            .unwrap(),
    );
    v.push(Arith::new(Format::new(20, 12).unwrap(), DeltaKind::Exact));
    // A coarse table on 32-bit lanes: the 16-lane engine's permute (≤ 16 buckets).
    v.push(Arith::new(
        Format::new(20, 12).unwrap(),
        DeltaKind::LutSmall,
    ));
    // Coarse tables in a wider accumulator, and one with more buckets than the AVX-512
    // permute holds (20:14: ~16 log units of support).
    v.push(
        Arith::new(Format::LNS12, DeltaKind::LutSmall)
            .with_accumulator(Format::LNS16)
            .unwrap(),
    );
    // Operands shifted into a wider accumulator of ≤ 16 bits (the i16 engine: a full
    // 16:10 table, a 12:6 table in register pairs, a 16:8 table).
    for (op, acc, kind) in [
        (Format::LNS12, Format::LNS16, DeltaKind::Pwl),
        (Format::LNS8, Format::LNS12, DeltaKind::Lut),
        (
            Format::new(12, 4).unwrap(),
            Format::new(16, 8).unwrap(),
            DeltaKind::Lut,
        ),
    ] {
        v.push(Arith::new(op, kind).with_accumulator(acc).unwrap());
    }
    v.push(Arith::new(
        Format::new(20, 14).unwrap(),
        DeltaKind::LutSmall,
    ));
    v
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// Runs `gemm` on every SIMD level this CPU has, in parallel mode on pools of 1 and 2
/// threads, and hands each result to `check` with its level and thread count.
fn on_every_level_and_thread_count<T: Send>(
    gemm: impl Fn(Exec) -> T + Sync,
    mut check: impl FnMut(T, SimdLevel, usize),
) {
    for level in SimdLevel::available() {
        for threads in [1, 2] {
            let exec = Exec {
                simd: level,
                parallel: true,
            };
            check(pool(threads).install(|| gemm(exec)), level, threads);
        }
    }
}

/// `A·B` from the row-major codes each operand is stored as, read directly or (`true`
/// in `views`) through a transposed view of the stored transpose, as codes of the
/// storage type `C`: the product's codes and the unit's counts.
fn gemm_with<C: CodeStorage>(
    unit: &Arith,
    a: &[i32],
    b: &[i32],
    (m, k, n): (usize, usize, usize),
    (a_t, b_t): (bool, bool),
    exec: Exec,
) -> (Vec<i32>, Counts) {
    let a: Vec<C> = a.iter().map(|&c| C::narrow(c)).collect();
    let b: Vec<C> = b.iter().map(|&c| C::narrow(c)).collect();
    let av = if a_t {
        MatRef::row_major(&a, k, m).t()
    } else {
        MatRef::row_major(&a, m, k)
    };
    let bv = if b_t {
        MatRef::row_major(&b, n, k).t()
    } else {
        MatRef::row_major(&b, k, n)
    };
    let mut out = vec![C::default(); m * n];
    unit.take_counts();
    kernels::gemm(unit, av, bv, &mut out, exec).expect("shapes agree");
    (out.iter().map(|c| c.widen()).collect(), unit.take_counts())
}

/// [`gemm_with`] in the storage type of the unit's format.
fn gemm_any(
    unit: &Arith,
    a: &[i32],
    b: &[i32],
    shape: (usize, usize, usize),
    views: (bool, bool),
    exec: Exec,
) -> (Vec<i32>, Counts) {
    match unit.format().storage() {
        lns_core::Storage::I8 => gemm_with::<i8>(unit, a, b, shape, views, exec),
        lns_core::Storage::I16 => gemm_with::<i16>(unit, a, b, shape, views, exec),
        lns_core::Storage::I32 => gemm_with::<i32>(unit, a, b, shape, views, exec),
    }
}

/// The row-major codes of the transpose of the `rows`×`cols` row-major matrix `x`.
fn transposed(x: &[i32], rows: usize, cols: usize) -> Vec<i32> {
    (0..cols * rows)
        .map(|t| x[(t % rows) * cols + t / rows])
        .collect()
}

/// Asserts that `A·B` gives the reference's codes and counts on every SIMD level and
/// thread count.
fn assert_gemm_matches_reference(
    unit: &Arith,
    a: &[i32],
    b: &[i32],
    shape @ (m, k, n): (usize, usize, usize),
    views: (bool, bool),
) {
    let reference = gemm_any(unit, a, b, shape, views, Exec::REFERENCE);
    on_every_level_and_thread_count(
        |exec| gemm_any(unit, a, b, shape, views, exec),
        |got, level, threads| {
            assert_eq!(
                got,
                reference,
                "{} {:?} {m}×{k}×{n} views {views:?} {level:?} threads={threads}",
                unit.format(),
                unit.delta().kind()
            );
        },
    );
}

#[test]
fn gemm_is_bit_identical_on_every_simd_level_and_thread_count() {
    let mut rng = SplitMix64(7);
    for unit in units() {
        let fmt = unit.format();
        for &(m, k, n) in &SHAPES {
            let a = random_codes(fmt, m * k, &mut rng);
            let b = random_codes(fmt, k * n, &mut rng);
            for transposed in [false, true] {
                assert_gemm_matches_reference(&unit, &a, &b, (m, k, n), (false, transposed));
            }
        }
    }
}

/// Codes of training-like data: an eighth zeros, both signs, logs uniform within a
/// quarter of the format's range, so that sums rarely saturate or flush (the i16
/// engine's clean path keeps most of its tiles, where `random_codes` makes it fall back).
fn moderate_codes(fmt: Format, n: usize, rng: &mut SplitMix64) -> Vec<i32> {
    let span = (fmt.log_max() / 4).max(1) as u64;
    (0..n)
        .map(|_| {
            if rng.next_u64().is_multiple_of(8) {
                fmt.zero()
            } else {
                let l = (rng.next_u64() % (2 * span)) as i32 - span as i32;
                2 * l + (rng.next_u64() & 1) as i32
            }
        })
        .collect()
}

#[test]
fn gemm_of_moderate_codes_is_bit_identical() {
    let mut rng = SplitMix64(17);
    for unit in units() {
        let fmt = unit.format();
        for &(m, k, n) in &[(8usize, 300usize, 70usize), (13, 65, 33), (16, 1, 32)] {
            let a = moderate_codes(fmt, m * k, &mut rng);
            let b = moderate_codes(fmt, k * n, &mut rng);
            assert_gemm_matches_reference(&unit, &a, &b, (m, k, n), (false, false));
        }
    }
}

/// After ReLU half the activations are zero; the kernels then broadcast the zero-rich
/// operand (computing Cᵀ = Bᵀ·Aᵀ) and must still give the reference's bits.
#[test]
fn gemm_with_a_zero_rich_right_operand_is_bit_identical() {
    let mut rng = SplitMix64(13);
    for unit in units() {
        let fmt = unit.format();
        for &(m, k, n) in &[(5usize, 19usize, 37usize), (33, 40, 18), (1, 7, 64)] {
            let a = random_codes(fmt, m * k, &mut rng);
            let b: Vec<i32> = random_codes(fmt, k * n, &mut rng)
                .into_iter()
                .map(|c| {
                    if rng.next_u64().is_multiple_of(2) {
                        fmt.zero()
                    } else {
                        c
                    }
                })
                .collect();
            assert_gemm_matches_reference(&unit, &a, &b, (m, k, n), (false, false));
        }
    }
}

/// Every operand layout (row-major or transposed view, which the lane kernels read in
/// place, B through its packed panels), either operand zero-rich (which flips the
/// product to Cᵀ = Bᵀ·Aᵀ), a long k, on every SIMD level, in sequence and on 1 and 2
/// threads.
#[test]
fn gemm_is_bit_identical_for_every_operand_layout() {
    let mut rng = SplitMix64(17);
    let mut shapes = vec![(1, 3, 1), (6, 21, 35), (19, 33, 16), (37, 9, 2)];
    // A long k on 20:12 codes, stored as i32 (a strided A spans 9 × 70 000 codes).
    shapes.push((9, 70_000, 17));
    for unit in units() {
        let fmt = unit.format();
        for &(m, k, n) in &shapes {
            if k > 1000 && fmt.bits() != 20 {
                continue;
            }
            let zero_every = |x: Vec<i32>, rng: &mut SplitMix64| -> Vec<i32> {
                x.into_iter()
                    .map(|c| {
                        if !rng.next_u64().is_multiple_of(3) {
                            fmt.zero()
                        } else {
                            c
                        }
                    })
                    .collect()
            };
            let dense_a = random_codes(fmt, m * k, &mut rng);
            let dense_b = random_codes(fmt, k * n, &mut rng);
            let sparse_a = zero_every(dense_a.clone(), &mut rng);
            let sparse_b = zero_every(dense_b.clone(), &mut rng);
            for (a, b) in [
                (&dense_a, &dense_b),
                (&sparse_a, &dense_b),
                (&dense_a, &sparse_b),
            ] {
                for views in [(false, false), (true, false), (false, true), (true, true)] {
                    let shape = (m, k, n);
                    let stored = |x: &[i32], rows, cols, view: bool| {
                        if view {
                            transposed(x, rows, cols)
                        } else {
                            x.to_vec()
                        }
                    };
                    let (a, b) = (&stored(a, m, k, views.0), &stored(b, k, n, views.1));
                    let want = gemm_any(&unit, a, b, shape, views, Exec::REFERENCE);
                    for level in SimdLevel::available() {
                        for (threads, parallel) in [(1, false), (1, true), (2, true)] {
                            let exec = Exec {
                                simd: level,
                                parallel,
                            };
                            let got =
                                pool(threads).install(|| gemm_any(&unit, a, b, shape, views, exec));
                            assert_eq!(
                                got,
                                want,
                                "{fmt} {:?} {m}×{k}×{n} views={views:?} {level:?} \
                                 threads={threads} parallel={parallel}",
                                unit.delta().kind()
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn gemm_reference_equals_the_scalar_dot_of_each_row_and_column() {
    let unit = Arith::new(Format::LNS16, DeltaKind::Lut);
    let mut rng = SplitMix64(11);
    let (m, k, n) = (3, 29, 4);
    let a = random_codes(unit.format(), m * k, &mut rng);
    let b = random_codes(unit.format(), k * n, &mut rng);
    let (out, _) = gemm_any(&unit, &a, &b, (m, k, n), (false, false), Exec::default());
    for i in 0..m {
        for j in 0..n {
            let col = (0..k).map(|kk| b[kk * n + j]);
            let want =
                kernels::dot_codes(&unit, a[i * k..(i + 1) * k].iter().copied(), col, &mut ());
            assert_eq!(out[i * n + j], want, "({i}, {j})");
        }
    }
}

#[test]
fn gemm_rejects_mismatched_shapes_with_a_clear_error() {
    let unit = Arith::new(Format::LNS16, DeltaKind::Lut);
    let (a, b) = (vec![0i16; 6], vec![0i16; 6]);
    let mut out = vec![0i16; 4];
    let err = kernels::gemm(
        &unit,
        MatRef::row_major(&a, 2, 3),
        MatRef::row_major(&b, 2, 3),
        &mut out,
        Exec::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("A is 2×3 but B is 2×3"), "{err}");
}

#[test]
fn reductions_equal_the_scalar_fold_on_every_simd_level_thread_count_and_storage() {
    let mut rng = SplitMix64(7);
    // (outer, len, inner): a middle axis; the last axis (sums as rows · ones) in one
    // task and in several; a wide slab split into column tasks; a narrow inner.
    let shapes = [
        (37, 129, 65),
        (3, 200, 1),
        (300, 70, 1),
        (1, 40, 1000),
        (5, 7, 3),
    ];
    for unit in units() {
        let fmt = unit.format();
        for (outer, len, inner) in shapes {
            let n = outer * len * inner;
            for x in [
                random_codes(fmt, n, &mut rng),
                moderate_codes(fmt, n, &mut rng),
            ] {
                for op in [
                    ReduceOp::Sum,
                    ReduceOp::Mean,
                    ReduceOp::Prod,
                    ReduceOp::Max,
                    ReduceOp::Min,
                ] {
                    let shape = (outer, len, inner);
                    assert_reduce_matches_scalar(&unit, op, &x, shape);
                    if fmt.bits() <= 8 {
                        let narrow: Vec<i8> = x.iter().map(|&c| c as i8).collect();
                        assert_reduce_matches_scalar(&unit, op, &narrow, shape);
                    }
                    if fmt.bits() <= 16 {
                        let narrow: Vec<i16> = x.iter().map(|&c| c as i16).collect();
                        assert_reduce_matches_scalar(&unit, op, &narrow, shape);
                    }
                }
            }
        }
    }
}

/// Runs `reduce_axis` on every SIMD level this CPU has, on pools of 1 and 2 threads, and
/// asserts codes and event counts equal to the scalar fold on one thread.
fn assert_reduce_matches_scalar<C>(
    unit: &Arith,
    op: ReduceOp,
    x: &[C],
    (outer, len, inner): (usize, usize, usize),
) where
    C: CodeStorage + PartialEq + std::fmt::Debug + Send + Sync,
{
    let run = |exec: Exec, threads| {
        let mut out = vec![C::default(); outer * inner];
        unit.take_counts();
        pool(threads).install(|| {
            kernels::reduce_axis(unit, op, x, outer, len, inner, &mut out, exec).unwrap()
        });
        (out, unit.take_counts())
    };
    let reference = run(Exec::REFERENCE, 1);
    for simd in SimdLevel::available() {
        for threads in [1, 2] {
            let exec = Exec {
                simd,
                parallel: true,
            };
            assert!(
                run(exec, threads) == reference,
                "{} {op:?} over [{outer}, {len}, {inner}] {simd:?} on {threads} threads, {} codes",
                unit.format(),
                std::any::type_name::<C>()
            );
        }
    }
}

#[test]
fn elementwise_ops_are_identical_on_every_simd_level_and_thread_count() {
    let mut rng = SplitMix64(3);
    for unit in units() {
        let fmt = unit.format();
        let (outer, len, inner) = (37, 129, 65);
        let x: Vec<i32> = random_codes(fmt, outer * len * inner, &mut rng);
        let y: Vec<i32> = random_codes(fmt, x.len(), &mut rng);
        for op in [
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::Div,
            BinaryOp::Max,
        ] {
            let reference = assert_binary_matches_scalar(&unit, op, &x, &y);
            if op == BinaryOp::Add {
                for i in 0..x.len() {
                    assert_eq!(reference[i], unit.add(x[i], y[i]));
                }
            }
            // In the storage integer (the i16 engine runs on i8 and i16 codes), on
            // operands close enough that most sums read the table.
            let (xm, ym) = (
                moderate_codes(fmt, 4099, &mut rng),
                moderate_codes(fmt, 4099, &mut rng),
            );
            if fmt.bits() <= 8 {
                let narrow = |v: &[i32]| v.iter().map(|&c| c as i8).collect::<Vec<_>>();
                assert_binary_matches_scalar(&unit, op, &narrow(&x), &narrow(&y));
                assert_binary_matches_scalar(&unit, op, &narrow(&xm), &narrow(&ym));
            }
            if fmt.bits() <= 16 {
                let narrow = |v: &[i32]| v.iter().map(|&c| c as i16).collect::<Vec<_>>();
                assert_binary_matches_scalar(&unit, op, &narrow(&x), &narrow(&y));
                assert_binary_matches_scalar(&unit, op, &narrow(&xm), &narrow(&ym));
            }
        }
    }
}

#[test]
fn elementwise_ops_with_a_scalar_are_identical_on_every_simd_level_and_thread_count() {
    let mut rng = SplitMix64(11);
    for unit in units() {
        let fmt = unit.format();
        let x = random_codes(fmt, 37 * 129, &mut rng);
        let xm = moderate_codes(fmt, 4099, &mut rng);
        // Zero, ±1, a moderate code and the largest and smallest magnitudes.
        let scalars = [
            fmt.zero(),
            fmt.one(),
            fmt.one() | 1,
            xm[1] | 1,
            2 * fmt.log_max(),
            2 * fmt.log_min() + 1,
        ];
        for op in [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Max] {
            for s in scalars {
                assert_scalar_op_matches_scalar(&unit, op, &x, s);
                if fmt.bits() <= 8 {
                    let narrow = |v: &[i32]| v.iter().map(|&c| c as i8).collect::<Vec<_>>();
                    assert_scalar_op_matches_scalar(&unit, op, &narrow(&x), s);
                    assert_scalar_op_matches_scalar(&unit, op, &narrow(&xm), s);
                }
                if fmt.bits() <= 16 {
                    let narrow = |v: &[i32]| v.iter().map(|&c| c as i16).collect::<Vec<_>>();
                    assert_scalar_op_matches_scalar(&unit, op, &narrow(&x), s);
                    assert_scalar_op_matches_scalar(&unit, op, &narrow(&xm), s);
                }
            }
        }
    }
}

/// [`assert_binary_matches_scalar`] for `x op s` (`binary_scalar`); also checks the
/// scalar loop against `binary` with `s` repeated.
fn assert_scalar_op_matches_scalar<C>(unit: &Arith, op: BinaryOp, x: &[C], s: i32)
where
    C: CodeStorage + PartialEq + std::fmt::Debug + Send + Sync,
{
    let what = format!("{op:?} {s}");
    let reference = assert_every_level_matches_scalar(unit, &what, x.len(), |out, exec| {
        kernels::binary_scalar(unit, op, x, s, out, exec).unwrap()
    });
    let repeated = vec![C::narrow(s); x.len()];
    let mut out = vec![C::default(); x.len()];
    unit.take_counts();
    kernels::binary(unit, op, x, &repeated, &mut out, Exec::REFERENCE).unwrap();
    assert!((out, unit.take_counts()) == reference, "{op:?} with {s}");
}

/// Runs `binary` on every SIMD level this CPU has, on pools of 1 and 2 threads, and
/// asserts codes and event counts equal to the scalar loop on one thread; returns them.
fn assert_binary_matches_scalar<C>(unit: &Arith, op: BinaryOp, x: &[C], y: &[C]) -> Vec<C>
where
    C: CodeStorage + PartialEq + std::fmt::Debug + Send + Sync,
{
    assert_every_level_matches_scalar(unit, &format!("{op:?}"), x.len(), |out, exec| {
        kernels::binary(unit, op, x, y, out, exec).unwrap()
    })
    .0
}

/// Runs `op_into` (`what`, writing `len` codes) on every SIMD level this CPU has, on
/// pools of 1 and 2 threads, and asserts codes and event counts equal to the scalar loop
/// on one thread; returns them.
fn assert_every_level_matches_scalar<C>(
    unit: &Arith,
    what: &str,
    len: usize,
    op_into: impl Fn(&mut [C], Exec) + Sync,
) -> (Vec<C>, Counts)
where
    C: CodeStorage + PartialEq + std::fmt::Debug + Send + Sync,
{
    let run = |simd, threads| {
        let mut out = vec![C::default(); len];
        unit.take_counts();
        let exec = Exec {
            simd,
            parallel: true,
        };
        pool(threads).install(|| op_into(&mut out, exec));
        (out, unit.take_counts())
    };
    let reference = run(SimdLevel::Scalar, 1);
    for simd in SimdLevel::available() {
        for threads in [1, 2] {
            assert!(
                run(simd, threads) == reference,
                "{} {what} {simd:?} on {threads} threads, {} codes",
                unit.format(),
                std::any::type_name::<C>()
            );
        }
    }
    reference
}

#[test]
fn sum_reduction_follows_index_order_in_the_accumulator() {
    let unit = Arith::new(Format::LNS12, DeltaKind::Pwl)
        .with_accumulator(Format::LNS16)
        .unwrap();
    let mut rng = SplitMix64(5);
    let x = random_codes(unit.format(), 300, &mut rng);
    let mut out = vec![0i32; 1];
    kernels::reduce_axis(
        &unit,
        ReduceOp::Sum,
        &x,
        1,
        300,
        1,
        &mut out,
        Exec::default(),
    )
    .unwrap();
    let ones = vec![unit.format().one(); 300];
    assert_eq!(
        out[0],
        kernels::dot_codes(&unit, x.iter().copied(), ones, &mut ())
    );
}

#[test]
fn means_divide_in_a_wider_accumulator_before_rounding() {
    // 300 twos sum to 600, beyond LNS8's largest value (234.75) but inside 16:10.
    let unit = Arith::new(Format::LNS8, DeltaKind::LutSmall)
        .with_accumulator(Format::LNS16)
        .unwrap();
    let x = vec![unit.encode(2.0) as i8; 300];
    let fold = |op, exec| {
        let mut out = vec![0i8; 1];
        unit.take_counts();
        kernels::reduce_axis(&unit, op, &x, 1, 300, 1, &mut out, exec).unwrap();
        (unit.decode(i32::from(out[0])), unit.take_counts().saturated)
    };
    for exec in [Exec::REFERENCE, Exec::default()] {
        assert_eq!(fold(ReduceOp::Mean, exec), (2.0, 0), "{exec:?}");
        // The sum itself saturates (to 2^(63/8) ≈ 234.75) where it is rounded to LNS8.
        assert_eq!(fold(ReduceOp::Sum, exec), ((63.0f64 / 8.0).exp2(), 1));
    }
}

#[test]
fn operation_counts_match_hand_counts() {
    let unit = Arith::new(Format::LNS16, DeltaKind::Lut);
    let (m, k, n) = (3, 5, 7);
    let a = vec![0i16; m * k];
    let b = vec![0i16; k * n];
    let mut out = vec![0i16; m * n];
    unit.take_op_counts();
    kernels::gemm(
        &unit,
        MatRef::row_major(&a, m, k),
        MatRef::row_major(&b, k, n),
        &mut out,
        Exec::default(),
    )
    .unwrap();
    kernels::binary(
        &unit,
        BinaryOp::Add,
        &out.clone(),
        &out.clone(),
        &mut out,
        Exec::default(),
    )
    .unwrap();
    let mut sums = vec![0i16; m];
    kernels::reduce_axis(
        &unit,
        ReduceOp::Sum,
        &out,
        m,
        n,
        1,
        &mut sums,
        Exec::default(),
    )
    .unwrap();
    let mut maxes = vec![0i16; n];
    kernels::reduce_axis(
        &unit,
        ReduceOp::Max,
        &out,
        1,
        m,
        n,
        &mut maxes,
        Exec::default(),
    )
    .unwrap();
    unit.mul(unit.encode(2.0), unit.encode(3.0));
    let c = unit.take_op_counts();
    // 3·5·7 MACs; 21 adds + 3 rows × 6 adds; 7 columns × 2 compares; one mul; two encodes.
    assert_eq!(
        c,
        lns_core::OpCounts {
            mac: 105,
            lns_add: 21 + 18,
            int_add: 1,
            compare: 14,
            convert: 2
        }
    );
}
