//! Formats other than the two presets of the suite (8-, 12-, 20-, 24-bit, very small and
//! very large `frac`, other Δ strategies, a wide accumulator), operands on different
//! devices, and device strings.

use burn::tensor::activation::softmax;
use burn::tensor::module::conv2d;
use burn::tensor::ops::{ConvOptions, FloatTensorOps};
use burn::tensor::{
    Bool, DType, Distribution, FloatDType, Int, Tensor, TensorData, TensorPrimitive,
};
use burn_lns::{Lns, LnsConfig, LnsDevice, LnsTensor};

use crate::common::Rng;

/// Devices probed beyond the suite's two presets.
const FORMATS: &[&str] = &[
    "lns8",
    "8:3:pwl",
    "lns12",
    "lns12-pwl",
    "16:10:shift",
    "lns16:lut-small",
    "16:10:lut:acc=20:14",
    "lns8:acc=16:10",
    "20:14",
    "20:14:pwl",
    "24:16:exact",
    "6:1",
    "32:28",
];

fn dev(s: &str) -> LnsDevice {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn storage(d: &LnsDevice) -> DType {
    match d.format().bits() {
        0..=8 => DType::I8,
        9..=16 => DType::I16,
        _ => DType::I32,
    }
}

fn prim<const D: usize>(t: Tensor<Lns, D>) -> LnsTensor {
    t.into_primitive().tensor()
}

fn wrap<const D: usize>(p: LnsTensor) -> Tensor<Lns, D> {
    Tensor::from_primitive(TensorPrimitive::Float(p))
}

/// Exact decoded values (f64 interchange).
fn f64s<const D: usize>(t: Tensor<Lns, D>) -> Vec<f64> {
    t.cast(FloatDType::F64).into_data().to_vec::<f64>().unwrap()
}

/// Seeded values in `[lo, hi)` encoded on `d`.
fn input<const D: usize>(
    shape: [usize; D],
    seed: u64,
    lo: f32,
    hi: f32,
    d: &LnsDevice,
) -> Tensor<Lns, D> {
    let n: usize = shape.iter().product();
    let mut rng = Rng::new(seed);
    let v: Vec<f32> = (0..n).map(|_| rng.uniform(lo, hi)).collect();
    Tensor::from_data(TensorData::new(v, shape), d)
}

/// Relative size of one code step of `d`'s format, `2^(2^−frac) − 1`.
fn step(d: &LnsDevice) -> f64 {
    (2f64.powf(-(d.format().frac() as f64))).exp2() - 1.0
}

/// Relative error of one LNS addition on `d` (accumulator format): half a code step
/// for exact Δ, a step for tables, more for approximations.
fn add_err(d: &LnsDevice) -> f64 {
    let cfg = d.config();
    let acc = cfg.accumulator.unwrap_or(cfg.format);
    let s = (2f64.powf(-(acc.frac() as f64))).exp2() - 1.0;
    match cfg.delta {
        burn_lns::DeltaKind::Exact => 0.5 * s,
        burn_lns::DeltaKind::Lut => s,
        burn_lns::DeltaKind::Pwl => 4.0 * s + 2e-3,
        _ => 0.1,
    }
}

/// Relative error of one trip through `d`'s conversion unit (exp, log): none beyond
/// the rounding for exact units, the 16-segment interpolation of `pwl` (about 2.3e-4,
/// whatever the format), Mitchell's 6 % for `shift`.
fn conv_err(d: &LnsDevice) -> f64 {
    match d.config().delta {
        burn_lns::DeltaKind::Pwl => 3e-4,
        burn_lns::DeltaKind::Shift => 0.07,
        _ => 0.0,
    }
}

/// Checks `got[i]` against `want[i]` within `n_add` additions' error of `scale[i]`
/// plus one rounding of the result; each addition may also flush a partial result
/// below the format's smallest magnitude.
fn close(what: &str, d: &LnsDevice, want: &[f64], got: &[f64], scale: &[f64], n_add: f64) {
    assert_eq!(want.len(), got.len(), "{what} {d:?}: lengths");
    let f = d.format();
    for i in 0..want.len() {
        let tol = n_add * (add_err(d) * scale[i] + f.min_value())
            + step(d) * want[i].abs()
            + f.min_value();
        assert!(
            (want[i] - got[i]).abs() <= tol,
            "{what} on {d:?}[{i}]: want {} got {} (tol {tol})",
            want[i],
            got[i]
        );
    }
}

#[test]
fn every_format_keeps_its_storage_integer_through_arithmetic() {
    for s in FORMATS {
        let d = dev(s);
        let dt = storage(&d);
        let a = input([3, 4], 1, -2.0, 2.0, &d);
        let b = input([4, 5], 2, -2.0, 2.0, &d);
        let x = input([2, 3, 5, 5], 3, -1.0, 1.0, &d);
        let w = input([4, 3, 3, 3], 4, -0.5, 0.5, &d);
        let mask = a.clone().greater_elem(0.0);
        let outs: Vec<(&str, LnsTensor)> = vec![
            ("add", prim(a.clone() + a.clone())),
            ("matmul", prim(a.clone().matmul(b.clone()))),
            ("sum", prim(a.clone().sum())),
            ("mean_dim", prim(a.clone().mean_dim(1))),
            ("cumsum", prim(a.clone().cumsum(1))),
            ("exp", prim(a.clone().exp())),
            ("softmax", prim(softmax(a.clone(), 1))),
            ("sort", prim(a.clone().sort(1))),
            ("max_dim", prim(a.clone().max_dim(1))),
            (
                "mask_where",
                prim(a.clone().mask_where(mask.clone(), a.clone() * 2.0)),
            ),
            ("mask_fill", prim(a.clone().mask_fill(mask.clone(), 3.0))),
            ("int_float", prim(a.clone().int().float())),
            ("bool_float", prim(mask.float())),
            ("powf", prim(a.clone().abs().powf_scalar(1.5))),
            (
                "conv2d",
                prim(conv2d(
                    x,
                    w,
                    None,
                    ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
                )),
            ),
            (
                "random",
                prim(Tensor::<Lns, 2>::random([3, 3], Distribution::Default, &d)),
            ),
            ("zeros", prim(Tensor::<Lns, 2>::zeros([2, 2], &d))),
            ("ones", prim(Tensor::<Lns, 2>::ones([2, 2], &d))),
            ("full", prim(Tensor::<Lns, 2>::full([2, 2], 0.75, &d))),
        ];
        for (op, t) in outs {
            assert_eq!(t.code_tensor().dtype(), dt, "{op} on {s}");
            assert_eq!(t.device(), &d, "{op} on {s}");
        }
    }
}

#[test]
fn from_data_rounds_saturates_and_flushes_in_every_format() {
    let raw = [
        0.0f32,
        1.0,
        -1.0,
        3.0,
        0.3,
        -7.5,
        1e30,
        -1e30,
        1e-30,
        -1e-30,
        f32::MAX,
        f32::MIN_POSITIVE,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ];
    for s in FORMATS.iter().chain(&["4:0", "32:30", "lns32"]) {
        let d = dev(s);
        let f = d.format();
        let (max, min) = (f.max_value(), f.min_value());
        let t = Tensor::<Lns, 1>::from_data(TensorData::new(raw.to_vec(), [raw.len()]), &d);
        let got = f64s(t.clone());
        for (i, (&x, &g)) in raw.iter().zip(&got).enumerate() {
            let x = x as f64;
            let want = if x.is_nan() {
                0.0
            } else if x.abs() >= max {
                max.copysign(x)
            } else if x.abs() < min / 2f64.powf(0.5 / f.scale() as f64) {
                0.0
            } else {
                x
            };
            let tol = step(&d) * 0.5 * want.abs() * 1.0001;
            assert!(
                (g - want).abs() <= tol,
                "{s}[{i}]: {x} decoded as {g}, want {want}"
            );
        }
        // f32 read-back agrees with the f64 one.
        let g32 = t.into_data().to_vec::<f32>().unwrap();
        for (a, b) in g32.iter().zip(&got) {
            assert_eq!(*a, *b as f32, "{s}: f32 vs f64 decode");
        }
    }
}

#[test]
fn matmul_sum_cumsum_and_conv_agree_with_f64_in_every_format() {
    for s in FORMATS {
        let d = dev(s);
        let (m, k, n) = (5, 13, 7);
        // Magnitudes whose partial sums stay inside the format's range (32:28 ends at 16).
        let amp = (d.format().max_value() / (4.0 * 19.0)).sqrt().min(2.0) as f32;
        let a = input([m, k], 11, -amp, amp, &d);
        let b = input([k, n], 12, -amp, amp, &d);
        let (av, bv) = (f64s(a.clone()), f64s(b.clone()));
        let mut want = vec![0.0; m * n];
        let mut scale = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    want[i * n + j] += av[i * k + p] * bv[p * n + j];
                    scale[i * n + j] += (av[i * k + p] * bv[p * n + j]).abs();
                }
            }
        }
        let got = f64s(a.clone().matmul(b.clone()));
        close("matmul", &d, &want, &got, &scale, k as f64);

        // Sums and means along each axis and of everything.
        let sum0 = f64s(a.clone().sum_dim(0));
        let mean1 = f64s(a.clone().mean_dim(1));
        let total = f64s(a.clone().sum());
        let (mut w0, mut s0) = (vec![0.0; k], vec![0.0; k]);
        let (mut w1, mut s1) = (vec![0.0; m], vec![0.0; m]);
        for i in 0..m {
            for p in 0..k {
                w0[p] += av[i * k + p];
                s0[p] += av[i * k + p].abs();
                w1[i] += av[i * k + p] / k as f64;
                s1[i] += av[i * k + p].abs() / k as f64;
            }
        }
        close("sum_dim", &d, &w0, &sum0, &s0, m as f64);
        close("mean_dim", &d, &w1, &mean1, &s1, k as f64 + 1.0);
        let wt: f64 = av.iter().sum();
        let st: f64 = av.iter().map(|v| v.abs()).sum();
        close("sum", &d, &[wt], &total, &[st], (m * k) as f64);

        // Running sums along dim 1.
        let cs = f64s(a.clone().cumsum(1));
        let (mut wc, mut sc) = (vec![0.0; m * k], vec![0.0; m * k]);
        for i in 0..m {
            let (mut acc, mut abs) = (0.0, 0.0);
            for p in 0..k {
                acc += av[i * k + p];
                abs += av[i * k + p].abs();
                wc[i * k + p] = acc;
                sc[i * k + p] = abs;
            }
        }
        close("cumsum", &d, &wc, &cs, &sc, k as f64);

        // conv2d, 3×3, padding 1, two groups, with bias.
        let x = input([2, 4, 5, 6], 13, -amp, amp, &d);
        let w = input([6, 2, 3, 3], 14, -amp, amp, &d);
        let bias = input([6], 15, -amp, amp, &d);
        let (xv, wv, bv) = (f64s(x.clone()), f64s(w.clone()), f64s(bias.clone()));
        let got = f64s(conv2d(
            x,
            w,
            Some(bias),
            ConvOptions::new([1, 1], [1, 1], [1, 1], 2),
        ));
        let (h, wd) = (5usize, 6usize);
        let mut want = vec![];
        let mut scale = vec![];
        for ni in 0..2 {
            for (co, &b) in bv.iter().enumerate() {
                let g = co / 3;
                for y in 0..h {
                    for xx in 0..wd {
                        let (mut acc, mut abs) = (b, b.abs());
                        for ci in 0..2 {
                            for ky in 0..3 {
                                for kx in 0..3 {
                                    let (iy, ix) = (y as isize + ky - 1, xx as isize + kx - 1);
                                    if iy < 0 || ix < 0 || iy >= h as isize || ix >= wd as isize {
                                        continue;
                                    }
                                    let c = g * 2 + ci;
                                    let xi = ((ni * 4 + c) * h + iy as usize) * wd + ix as usize;
                                    let wi = ((co * 2 + ci) * 3 + ky as usize) * 3 + kx as usize;
                                    acc += xv[xi] * wv[wi];
                                    abs += (xv[xi] * wv[wi]).abs();
                                }
                            }
                        }
                        want.push(acc);
                        scale.push(abs);
                    }
                }
            }
        }
        close("conv2d", &d, &want, &got, &scale, 19.0);
    }
}

#[test]
fn exp_log_and_softmax_agree_with_f64_in_every_format() {
    for s in FORMATS {
        let d = dev(s);
        let x = input([4, 6], 21, -2.0, 2.0, &d);
        let xv = f64s(x.clone());
        let e = f64s(x.clone().exp());
        let want: Vec<f64> = xv.iter().map(|v| v.exp()).collect();
        let scale: Vec<f64> = want.iter().map(|v| v.abs()).collect();
        // Two trips through the conversion unit; exp amplifies the error of reading its
        // argument by |x| ≤ 2.
        let conv = 4.0 * conv_err(&d) / add_err(&d);
        close("exp", &d, &want, &e, &scale, conv + 1e-9);
        let p = x.clone().abs().add_scalar(0.5);
        let pv = f64s(p.clone());
        let l = f64s(p.log());
        let want: Vec<f64> = pv.iter().map(|v| v.ln()).collect();
        // log near 1 is small: measure against the input's log scale.
        let scale: Vec<f64> = pv.iter().map(|_| 1.0).collect();
        close("log", &d, &want, &l, &scale, conv + 2.0);
        let sm = f64s(softmax(x, 1));
        let mut want = vec![];
        for r in 0..4 {
            let row = &xv[r * 6..r * 6 + 6];
            let mx = row.iter().cloned().fold(f64::MIN, f64::max);
            let z: f64 = row.iter().map(|v| (v - mx).exp()).sum();
            want.extend(row.iter().map(|v| (v - mx).exp() / z));
        }
        let scale = vec![1.0; want.len()];
        close("softmax", &d, &want, &sm, &scale, 10.0 + 10.0 * conv);
    }
}

#[test]
fn order_ops_and_casts_are_exact_in_every_format() {
    for s in FORMATS.iter().chain(&["4:0", "lns32", "32:30"]) {
        let d = dev(s);
        let x = input([3, 8], 31, -3.0, 3.0, &d);
        let xv = f64s(x.clone());
        // Sort and argmax agree with sorting the decoded values.
        let sorted = f64s(x.clone().sort(1));
        let desc = f64s(x.clone().sort_descending(1));
        let am: Vec<i64> = x.clone().argmax(1).into_data().iter::<i64>().collect();
        for r in 0..3 {
            let mut row = xv[r * 8..r * 8 + 8].to_vec();
            row.sort_by(f64::total_cmp);
            // −0 and +0 are one value.
            let norm = |v: &[f64]| v.iter().map(|x| x + 0.0).collect::<Vec<_>>();
            assert_eq!(norm(&sorted[r * 8..r * 8 + 8]), norm(&row), "sort on {s}");
            row.reverse();
            assert_eq!(
                norm(&desc[r * 8..r * 8 + 8]),
                norm(&row),
                "sort desc on {s}"
            );
            let mx = row[0];
            assert_eq!(xv[r * 8 + am[r] as usize], mx, "argmax on {s}");
        }
        // Comparisons against a tensor and a scalar.
        let y = input([3, 8], 32, -3.0, 3.0, &d);
        let yv = f64s(y.clone());
        let gt: Vec<bool> = x.clone().greater(y.clone()).into_data().to_vec().unwrap();
        let le: Vec<bool> = x
            .clone()
            .lower_equal_elem(0.5)
            .into_data()
            .to_vec()
            .unwrap();
        for i in 0..24 {
            assert_eq!(gt[i], xv[i] > yv[i], "greater on {s}[{i}]");
        }
        let half = f64s(Tensor::<Lns, 1>::from_floats([0.5], &d))[0];
        for i in 0..24 {
            assert_eq!(le[i], xv[i] <= half, "lower_equal_elem on {s}[{i}]");
        }
        // int → float → int round-trips integers the format holds exactly enough.
        let max = d.format().max_value().min(1e6);
        let ints: Vec<i64> = (-40i64..=40)
            .filter(|v| (*v as f64).abs() < max && *v != 0)
            .filter(|v| {
                // An integer survives when it is the nearest integer of its own code.
                let c = f64s(Tensor::<Lns, 1>::from_floats([*v as f32], &d))[0];
                c.round() == *v as f64
            })
            .collect();
        let n = ints.len();
        let back: Vec<i64> =
            Tensor::<Lns, 1, Int>::from_data(TensorData::new(ints.clone(), [n]), &d)
                .float()
                .int()
                .into_data()
                .iter::<i64>()
                .collect();
        assert_eq!(back, ints, "int round trip on {s}");
        // bool → float → bool.
        let bools = vec![true, false, true, true, false];
        let back: Vec<bool> =
            Tensor::<Lns, 1, Bool>::from_data(TensorData::new(bools.clone(), [5]), &d)
                .float()
                .bool()
                .into_data()
                .to_vec()
                .unwrap();
        assert_eq!(back, bools, "bool round trip on {s}");
    }
}

#[test]
fn random_distributions_stay_in_range_in_every_format() {
    for s in FORMATS {
        let d = dev(s);
        let u = f64s(Tensor::<Lns, 1>::random(
            [4000],
            Distribution::Uniform(-1.0, 3.0),
            &d,
        ));
        let tol = step(&d) * 3.0;
        assert!(
            u.iter().all(|v| *v >= -1.0 - tol && *v <= 3.0 + tol),
            "uniform on {s}: {:?}",
            u.iter()
                .cloned()
                .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)))
        );
        let mean = u.iter().sum::<f64>() / u.len() as f64;
        assert!(
            (mean - 1.0).abs() < 0.1 + 2.0 * step(&d),
            "uniform mean on {s}: {mean}"
        );
        let nrm = f64s(Tensor::<Lns, 1>::random(
            [4000],
            Distribution::Normal(2.0, 0.5),
            &d,
        ));
        let mean = nrm.iter().sum::<f64>() / nrm.len() as f64;
        assert!(
            (mean - 2.0).abs() < 0.05 + step(&d),
            "normal mean on {s}: {mean}"
        );
    }
}

// ---------------------------------------------------------------------------------
// Operands on different devices.

/// The devices paired with a 16:10 left operand.
const OTHERS: &[&str] = &["lns8", "20:14", "lns32-ref", "6:1", "lns12-pwl"];

/// A binary float op of the backend.
type BinaryPrim = fn(LnsTensor, LnsTensor) -> LnsTensor;

fn moved_to<const D: usize>(t: Tensor<Lns, D>, d: &LnsDevice) -> Tensor<Lns, D> {
    wrap(Lns::float_to_device(prim(t), d))
}

#[test]
fn binary_ops_with_an_operand_of_another_format_convert_it_first() {
    let l = LnsDevice::lns16();
    for s in OTHERS {
        let r = dev(s);
        let a = input([3, 4], 41, -2.0, 2.0, &l);
        let b = input([3, 4], 42, -2.0, 2.0, &r);
        // What every op must equal: rhs moved to lhs's device first.
        let bl = moved_to(b.clone(), &l);
        let pairs: Vec<(&str, BinaryPrim)> = vec![
            ("add", Lns::float_add),
            ("sub", Lns::float_sub),
            ("mul", Lns::float_mul),
            ("div", Lns::float_div),
            ("powf", Lns::float_powf),
            ("atan2", Lns::float_atan2),
            ("remainder", Lns::float_remainder),
            ("matmul", |a, b| {
                Lns::float_matmul(a, Lns::float_swap_dims(b, 0, 1))
            }),
            ("cross", |a, b| {
                let s = burn::tensor::Shape::new([4, 3]);
                Lns::float_cross(
                    Lns::float_reshape(a, s.clone()),
                    Lns::float_reshape(b, s),
                    1,
                )
            }),
            ("cat", |a, b| Lns::float_cat(vec![a, b], 0)),
        ];
        for (op, f) in pairs {
            let got = f(prim(a.clone()), prim(b.clone()));
            let want = f(prim(a.clone()), prim(bl.clone()));
            assert_eq!(got.device(), &l, "{op} lns16 with {s}: device");
            assert_eq!(got.code_tensor().dtype(), DType::I16, "{op} with {s}");
            assert_eq!(got.codes(), want.codes(), "{op} lns16 with {s}");
        }
        // Comparisons.
        let cmp = |x: LnsTensor, y: LnsTensor| -> Vec<bool> {
            let t: Tensor<Lns, 2, Bool> =
                Tensor::from_primitive(Lns::float_greater(x, y, burn::tensor::BoolDType::Native));
            t.into_data().to_vec().unwrap()
        };
        assert_eq!(
            cmp(prim(a.clone()), prim(b.clone())),
            cmp(prim(a.clone()), prim(bl.clone())),
            "greater lns16 with {s}"
        );
    }
}

#[test]
fn indexed_writes_with_values_of_another_format_convert_them_first() {
    let l = LnsDevice::lns16();
    for s in OTHERS {
        let r = dev(s);
        let a = input([4, 5], 51, -2.0, 2.0, &l);
        let v = input([4, 5], 52, -2.0, 2.0, &r);
        let vl = moved_to(v.clone(), &l);
        let idx = Tensor::<Lns, 2, Int>::from_data(
            TensorData::new(
                vec![
                    0i64, 2, 1, 3, 0, 1, 1, 0, 2, 4, 3, 2, 0, 1, 4, 4, 3, 2, 1, 0,
                ],
                [4, 5],
            ),
            &l,
        );
        let sel = Tensor::<Lns, 1, Int>::from_data(TensorData::new(vec![3i64, 0], [2]), &l);
        let mask = a.clone().greater_elem(0.0);
        let v2 = || v.clone().slice([0..2, 0..5]);
        let v2l = || vl.clone().slice([0..2, 0..5]);
        let cases: Vec<(&str, Tensor<Lns, 2>, Tensor<Lns, 2>)> = vec![
            (
                "mask_where",
                a.clone().mask_where(mask.clone(), v.clone()),
                a.clone().mask_where(mask.clone(), vl.clone()),
            ),
            (
                "scatter_add",
                wrap(Lns::float_scatter_add(
                    1,
                    prim(a.clone()),
                    idx.clone().into_primitive(),
                    prim(v.clone()),
                )),
                wrap(Lns::float_scatter_add(
                    1,
                    prim(a.clone()),
                    idx.clone().into_primitive(),
                    prim(vl.clone()),
                )),
            ),
            (
                "select_add",
                wrap(Lns::float_select_add(
                    prim(a.clone()),
                    0,
                    sel.clone().into_primitive(),
                    prim(v2()),
                )),
                wrap(Lns::float_select_add(
                    prim(a.clone()),
                    0,
                    sel.clone().into_primitive(),
                    prim(v2l()),
                )),
            ),
            (
                "slice_assign",
                a.clone().slice_assign([1..3, 0..5], v2()),
                a.clone().slice_assign([1..3, 0..5], v2l()),
            ),
        ];
        for (op, got, want) in cases {
            let (gp, wp) = (prim(got), prim(want));
            assert_eq!(gp.device(), &l, "{op} with {s}");
            assert_eq!(gp.code_tensor().dtype(), DType::I16, "{op} with {s}");
            assert_eq!(gp.codes(), wp.codes(), "{op} lns16 with values on {s}");
        }
    }
}

#[test]
fn conv2d_with_weights_of_another_format_converts_them_first() {
    let l = LnsDevice::lns16();
    for s in OTHERS {
        let r = dev(s);
        let x = input([1, 2, 4, 4], 61, -1.0, 1.0, &l);
        let w = input([3, 2, 3, 3], 62, -1.0, 1.0, &r);
        let b = input([3], 63, -1.0, 1.0, &r);
        let o = ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
        let got = prim(conv2d(x.clone(), w.clone(), Some(b.clone()), o.clone()));
        let want = prim(conv2d(x, moved_to(w, &l), Some(moved_to(b, &l)), o));
        assert_eq!(got.code_tensor().dtype(), DType::I16, "{s}");
        assert_eq!(
            got.codes(),
            want.codes(),
            "conv2d lns16 with weights on {s}"
        );
    }
}

// ---------------------------------------------------------------------------------
// Device strings.

#[test]
fn malformed_device_strings_are_typed_errors_that_say_why() {
    for bad in [
        "",
        ":",
        "::",
        "0:0",
        "3:0",
        "33:10",
        "16:15",
        "16:16",
        "16:-1",
        "-16:10",
        "16:10:",
        "16:10::lut",
        "16:10:lut:",
        "16:10:lut:acc=",
        "16:10:lut:acc=20",
        "16:10:lut:acc=12:6",
        "16:10:lut:acc=16:8",
        "16:10:lut:acc=lns8",
        "16:10:lut:acc=20:14:acc=24:16",
        "16:10:lut:lut",
        "16:10:pwl:exact",
        "16:10:simd=",
        "16:10:simd=scalar:simd=portable",
        "16:10:simd=scalar:acc=20",
        "lns16:bogus",
        "lns99",
        "99999999999:1",
        "16:99999999999",
        "16:10:acc=99999999999:3",
        "16:10:lut:acc=33:20",
        "16 10",
        "16:10:lut extra",
        "lns16-pwl:exact",
        "🦀",
        "16:10:🦀",
        "16:10:simd=🦀",
    ] {
        let r = std::panic::catch_unwind(|| bad.parse::<LnsConfig>());
        let r = r.unwrap_or_else(|_| panic!("`{bad}` panicked"));
        let e = r.expect_err(&format!("`{bad}` parsed"));
        assert!(!e.to_string().is_empty(), "`{bad}`");
    }
}

#[test]
fn device_strings_accept_whitespace_and_any_case_and_print_back() {
    for (text, canonical) in [
        ("16:10", "16:10:lut"),
        (" 16 : 10 : LUT ", "16:10:lut"),
        ("LNS8", "8:3:lut"),
        ("lns12_pwl", "12:6:pwl"),
        ("16:10:Exact:ACC=20:14", "16:10:exact:acc=20:14"),
        ("16:10:lut:acc=lns32", "16:10:lut:acc=32:23"),
        ("16:10:acc=20:14:lut", "16:10:lut:acc=20:14"),
        ("16:10:lut:acc=16:10", "16:10:lut"),
        ("lns16:SIMD=Scalar", "16:10:lut:simd=scalar"),
        ("6:1:lut-small", "6:1:lut-small"),
        ("32:28:shift", "32:28:shift"),
        ("4:0", "4:0:lut"),
        ("32:30:exact", "32:30:exact"),
        ("12:6:pwl-uniform", "12:6:pwl-uniform"),
    ] {
        let c: LnsConfig = text
            .parse()
            .unwrap_or_else(|e| panic!("`{text}` did not parse: {e}"));
        assert_eq!(c.to_string(), canonical, "`{text}`");
        let again: LnsConfig = c.to_string().parse().unwrap();
        assert_eq!(again, c, "`{text}` round trip");
        let d = LnsDevice::new(c.clone()).unwrap();
        assert_eq!(d.config().to_string().parse::<LnsDevice>().unwrap(), d);
    }
}

/// Means and average pools sum in the accumulator and divide there before rounding once:
/// on LNS8 (largest value 234.75) with a 16:10 accumulator, 300 twos (sum 600) average
/// to 2, so does a 16×16 pool of twos, and a 16×16 pool's gradient shares (0.5/256,
/// below LNS8's smallest value) add up in the accumulator instead of flushing one by one.
#[test]
fn means_and_average_pools_divide_in_a_wide_accumulator() {
    use burn::backend::Autodiff;
    use burn::tensor::module::avg_pool2d;
    let d = dev("lns8:acc=16:10");
    let x = Tensor::<Lns, 2>::full([3, 300], 2.0, &d);
    assert_eq!(f64s(x.clone().mean()), vec![2.0]);
    assert_eq!(f64s(x.mean_dim(1)), vec![2.0; 3]);
    let x = Tensor::<Lns, 4>::full([1, 1, 16, 16], 2.0, &d);
    assert_eq!(
        f64s(avg_pool2d(x, [16, 16], [16, 16], [0, 0], true, false)),
        vec![2.0]
    );

    let x = Tensor::<Autodiff<Lns>, 4>::from_inner(Tensor::full([1, 1, 31, 31], 1.0, &d))
        .require_grad();
    let y = avg_pool2d(x.clone(), [16, 16], [1, 1], [0, 0], true, false);
    let grads = (y * 0.5).sum().backward();
    let dx = f64s(x.grad(&grads).expect("x takes part"));
    // The centre input lies in all 256 windows: 256 shares of 0.5/256.
    let centre = dx[15 * 31 + 15];
    assert!((centre - 0.5).abs() < 0.03, "centre gradient {centre}");
}

/// An average pool's divisor logs are computed once per window, not per output, but the
/// op counts still charge one conversion per output, forward and backward (with the
/// adds and the divides the pool performs).
#[test]
fn average_pools_charge_one_conversion_per_output() {
    use burn::tensor::module::avg_pool2d;
    use burn::tensor::ops::ModuleOps;
    // A format no other test uses: the unit's op counts are this test's alone.
    let d = dev("15:9");
    let x = Tensor::<Lns, 4>::full([2, 3, 5, 5], 1.5, &d);
    let grad = Tensor::<Lns, 4>::full([2, 3, 3, 3], 0.25, &d);
    let arith = d.arith();
    arith.take_op_counts();
    // 3×3 windows, stride 2, padding 1: 3×3 outputs per plane, 54 in all.
    let y = avg_pool2d(x.clone(), [3, 3], [2, 2], [1, 1], true, false);
    let forward = arith.take_op_counts();
    assert_eq!((forward.convert, forward.int_add), (54, 54));
    let centre = f64s(y)[4];
    assert!(
        (centre - 1.5).abs() < 1e-2,
        "the centre window's mean {centre}"
    );
    arith.take_op_counts();
    let dx = Lns::avg_pool2d_backward(
        x.into_primitive().tensor(),
        grad.into_primitive().tensor(),
        [3, 3],
        [2, 2],
        [1, 1],
        true,
        false,
    );
    assert_eq!(
        burn::tensor::TensorMetadata::shape(&dx),
        burn::tensor::Shape::new([2, 3, 5, 5])
    );
    assert_eq!(arith.take_op_counts().convert, 54);
}
