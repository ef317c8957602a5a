//! Shared machinery of the conformance suite: presets and their rounding unit, seeded
//! inputs already rounded to the preset (so both backends see the same numbers), and
//! the comparison of named outputs against burn-flex f32.
//!
//! **Tolerance model.** Inputs are first rounded to the preset and decoded exactly, so
//! `Flex` and `Lns` compute on identical values and a difference is the op's own error.
//! A float output `g` passes against the f32 result `w` when
//!
//! `|g − w| ≤ n · u · max(|w|, floor · max|w|)`
//!
//! where `u` is the relative error of one rounding of the preset plus one f32 rounding
//! (`u = 2^−(frac+1)·ln 2 + 2^−24`: 3.38e-4 for 16:10, 1.01e-7 for 32:23), `n` the
//! number of roundings the op is allowed (`Tol::n16`, `Tol::n32`; by default
//! `n32 = n16 + F32_NOISE`), and `floor` (default 0.05) the fraction of the output's
//! largest magnitude below which errors are measured absolutely (sums that cancel).
//! `Tol::EXACT` demands bit-equal f32 values; int and bool outputs are always compared
//! exactly. Run with `LNS_CONFORMANCE_REPORT=1 -- --nocapture` to print every case's
//! largest error without failing.

#![allow(dead_code)]

use burn::backend::Flex;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{BasicOps, DType, Tensor, TensorData, TensorKind};
use burn_lns::{Lns, LnsDevice};

/// The two presets every op is run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// 32:23 with exact Δ: the high-precision reference.
    Ref32,
    /// 16:10 with the full Δ table: the default training format.
    Lns16,
}

impl Preset {
    pub fn device(self) -> LnsDevice {
        match self {
            Preset::Ref32 => LnsDevice::lns32_ref(),
            Preset::Lns16 => LnsDevice::lns16(),
        }
    }

    /// Relative error of one rounding to the preset plus one f32 rounding.
    pub fn unit(self) -> f32 {
        let frac = self.device().format().frac() as i32;
        (2f64.powi(-(frac + 1)) * std::f64::consts::LN_2 + 2f64.powi(-24)) as f32
    }
}

/// How far an output may be from f32 (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct Tol {
    /// Roundings allowed on the 16:10 preset (0: exact).
    pub n16: f32,
    /// Roundings allowed on the 32:23 preset (0: exact).
    pub n32: f32,
    /// Fraction of the output's largest magnitude used as an absolute floor.
    pub floor: f32,
}

/// Extra units allowed on the 32:23 preset: its inputs are LNS values, not f32 values,
/// so burn-flex sees them rounded to f32 (up to half an f32 ulp away, which
/// cancellation and steep functions amplify), and the f32 reference has its own
/// rounding of the same size as the LNS one.
pub const F32_NOISE: f32 = 8.0;

impl Tol {
    pub const EXACT: Tol = Tol {
        n16: 0.0,
        n32: 0.0,
        floor: 0.0,
    };
    /// `n` roundings on 16:10, `n + F32_NOISE` on 32:23, floor 0.05.
    pub const fn n(n: f32) -> Tol {
        Tol {
            n16: n,
            n32: n + F32_NOISE,
            floor: 0.05,
        }
    }
    pub const fn with_floor(self, floor: f32) -> Tol {
        Tol { floor, ..self }
    }
    pub const fn with_n32(self, n32: f32) -> Tol {
        Tol { n32, ..self }
    }
    pub fn allowed(self, preset: Preset) -> f32 {
        match preset {
            Preset::Ref32 => self.n32,
            Preset::Lns16 => self.n16,
        }
    }
}

/// A named output of a case.
pub struct Out {
    pub label: String,
    pub data: TensorData,
}

/// Names an output tensor of any kind.
pub fn o<B: Backend, const D: usize, K: TensorKind<B> + BasicOps<B>>(
    label: impl Into<String>,
    t: Tensor<B, D, K>,
) -> Out {
    Out {
        label: label.into(),
        data: t.into_data(),
    }
}

/// SplitMix64: a tiny, seeded, portable generator for inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        let u = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * u
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Input factory of a case: seeded values rounded to the preset under test.
pub struct Q {
    pub preset: Preset,
}

impl Q {
    pub fn new(preset: Preset) -> Q {
        Q { preset }
    }

    /// `n` seeded values in `[lo, hi)`, rounded to the preset (exactly representable in
    /// both backends).
    pub fn values(&self, n: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
        let mut rng = Rng::new(seed);
        let raw: Vec<f32> = (0..n).map(|_| rng.uniform(lo, hi)).collect();
        self.round(raw)
    }

    /// Rounds f32 values to the preset and decodes them exactly.
    pub fn round(&self, raw: Vec<f32>) -> Vec<f32> {
        let n = raw.len();
        let t = Tensor::<Lns, 1>::from_data(TensorData::new(raw, [n]), &self.preset.device());
        t.into_data().to_vec::<f32>().unwrap()
    }

    /// A float tensor of seeded values in `[lo, hi)`.
    pub fn range<B: Backend, const D: usize>(
        &self,
        shape: [usize; D],
        seed: u64,
        lo: f32,
        hi: f32,
        device: &B::Device,
    ) -> Tensor<B, D> {
        let n = shape.iter().product();
        Tensor::from_data(TensorData::new(self.values(n, seed, lo, hi), shape), device)
    }

    /// A float tensor of seeded values in `[-2, 2)`.
    pub fn t<B: Backend, const D: usize>(
        &self,
        shape: [usize; D],
        seed: u64,
        device: &B::Device,
    ) -> Tensor<B, D> {
        self.range(shape, seed, -2.0, 2.0, device)
    }

    /// A float tensor of given (rounded) values.
    pub fn of<B: Backend, const D: usize>(
        &self,
        values: Vec<f32>,
        shape: [usize; D],
        device: &B::Device,
    ) -> Tensor<B, D> {
        Tensor::from_data(TensorData::new(self.round(values), shape), device)
    }
}

/// The largest error of `got` against `want` in units of `u` (relative to
/// `max(|w|, floor·max|w|)`), or `None` when shapes or kinds differ or an exact
/// comparison fails.
fn float_error(want: &[f32], got: &[f32], floor: f32) -> f32 {
    let scale = want.iter().fold(0f32, |m, v| m.max(v.abs()));
    want.iter()
        .zip(got)
        .map(|(w, g)| {
            if w == g {
                return 0.0;
            }
            let denom = w.abs().max(floor * scale).max(f32::MIN_POSITIVE);
            (w - g).abs() / denom
        })
        .fold(0f32, f32::max)
}

fn is_float(d: DType) -> bool {
    matches!(d, DType::F64 | DType::F32 | DType::F16 | DType::BF16)
}

fn is_bool(d: DType) -> bool {
    matches!(d, DType::Bool(_))
}

/// Compares two lists of named outputs: floats within `tol`, ints and bools exactly.
/// Returns the largest float error seen, in units of `unit`.
pub fn compare_outputs(
    case: &str,
    want: Vec<Out>,
    got: Vec<Out>,
    allowed: f32,
    floor: f32,
    unit: f32,
) -> Result<f32, String> {
    if want.len() != got.len() {
        return Err(format!("{case}: {} outputs vs {}", want.len(), got.len()));
    }
    let mut worst = 0f32;
    let mut failures = Vec::new();
    for (w, g) in want.into_iter().zip(got) {
        let label = format!("{case}/{}", w.label);
        if w.data.shape != g.data.shape {
            failures.push(format!(
                "{label}: shape {:?} vs {:?}",
                w.data.shape, g.data.shape
            ));
            continue;
        }
        let (wd, gd) = (w.data.dtype, g.data.dtype);
        if is_float(wd) != is_float(gd) || is_bool(wd) != is_bool(gd) {
            failures.push(format!("{label}: kind {wd:?} vs {gd:?}"));
            continue;
        }
        if is_bool(wd) {
            let (a, b) = (
                w.data.to_vec::<bool>().unwrap(),
                g.data.to_vec::<bool>().unwrap(),
            );
            if a != b {
                failures.push(format!("{label}: bools differ\n flex {a:?}\n lns  {b:?}"));
            }
            continue;
        }
        if !is_float(wd) {
            let a: Vec<i64> = w.data.iter::<i64>().collect();
            let b: Vec<i64> = g.data.iter::<i64>().collect();
            if a != b {
                failures.push(format!("{label}: ints differ\n flex {a:?}\n lns  {b:?}"));
            }
            continue;
        }
        let a: Vec<f32> = w.data.iter::<f32>().collect();
        let b: Vec<f32> = g.data.iter::<f32>().collect();
        if allowed == 0.0 {
            if let Some(i) = (0..a.len()).find(|&i| a[i].to_bits() != b[i].to_bits()) {
                failures.push(format!(
                    "{label}[{i}]: not exact: flex {} lns {}",
                    a[i], b[i]
                ));
            }
            continue;
        }
        let e = float_error(&a, &b, floor) / unit;
        worst = worst.max(e);
        if (e > allowed || e.is_nan()) && std::env::var_os("LNS_CONFORMANCE_REPORT").is_none() {
            let i = (0..a.len())
                .max_by(|&i, &j| {
                    let d = |k: usize| (a[k] - b[k]).abs();
                    d(i).total_cmp(&d(j))
                })
                .unwrap();
            failures.push(format!(
                "{label}: error {e:.2} u > {allowed} u (worst abs diff at [{i}]: flex {} lns {})",
                a[i], b[i]
            ));
        }
    }
    if failures.is_empty() {
        Ok(worst)
    } else {
        Err(failures.join("\n"))
    }
}

/// Runs a case on burn-flex f32 and on `Lns` with `preset`, compares, and prints the
/// largest error (visible with `--nocapture`).
pub fn check(
    case: &str,
    preset: Preset,
    tol: Tol,
    flex: fn(&Q, &<Flex as burn::tensor::backend::BackendTypes>::Device) -> Vec<Out>,
    lns: fn(&Q, &LnsDevice) -> Vec<Out>,
) {
    let q = Q::new(preset);
    let want = flex(&q, &Default::default());
    let got = lns(&q, &preset.device());
    let allowed = tol.allowed(preset);
    match compare_outputs(case, want, got, allowed, tol.floor, preset.unit()) {
        Ok(worst) => {
            eprintln!("conformance {preset:?} {case}: max error {worst:.2} u (allowed {allowed})")
        }
        Err(e) => panic!("{preset:?}:\n{e}"),
    }
}

/// Defines one module per case with a test per preset: the f32 result of burn-flex and
/// the LNS result must agree within the case's tolerance (`exact` cases: equal values).
///
/// ```ignore
/// cases! {
///     add: Tol::n(2.0) => |q, d| vec![o("plain", q.t::<B, 2>([4, 5], 1, d) + …)];
/// }
/// ```
/// Inside a case `B` is the backend type and `q` the input factory (see [`Q`]).
macro_rules! cases {
    ($($name:ident : $tol:expr => |$q:ident, $d:ident| $body:expr;)*) => {$(
        #[allow(non_snake_case, unused_imports)]
        mod $name {
            use super::*;
            fn run<B: burn::tensor::backend::Backend>($q: &$crate::common::Q, $d: &B::Device) -> Vec<$crate::common::Out> {
                $body
            }
            #[test]
            fn lns32_ref_agrees_with_f32() {
                $crate::common::check(stringify!($name), $crate::common::Preset::Ref32, $tol, run::<burn::backend::Flex>, run::<burn_lns::Lns>);
            }
            #[test]
            fn lns16_agrees_with_f32() {
                $crate::common::check(stringify!($name), $crate::common::Preset::Lns16, $tol, run::<burn::backend::Flex>, run::<burn_lns::Lns>);
            }
        }
    )*};
}
pub(crate) use cases;

/// `Σ y·w` for seeded `w` of `y`'s shape: a loss whose gradient elements all differ.
pub fn weighted<B: AutodiffBackend, const D: usize>(
    q: &Q,
    y: Tensor<B, D>,
    seed: u64,
    d: &B::Device,
) -> Tensor<B, 1> {
    let w = q.t::<B, D>(y.dims(), seed, d);
    (y * w).sum()
}

/// Like [`cases!`] for gradients: one module per case with a test per preset, the body
/// run on `Autodiff<Flex>` and on `Autodiff<Lns>` (`B` is the autodiff backend type).
///
/// ```ignore
/// grad_cases! {
///     relu: Tol::n(4.0) => |q, d| {
///         let x = q.t::<B, 2>([4, 6], 1, d).require_grad();
///         let g = weighted(q, relu(x.clone()), 2, d).backward();
///         vec![o("x", x.grad(&g).unwrap())]
///     };
/// }
/// ```
macro_rules! grad_cases {
    ($($name:ident : $tol:expr => |$q:ident, $d:ident| $body:expr;)*) => {$(
        mod $name {
            use super::*;
            fn run<B: burn::tensor::backend::AutodiffBackend>($q: &$crate::common::Q, $d: &B::Device) -> Vec<$crate::common::Out> {
                $body
            }
            #[test]
            fn lns32_ref_gradients_agree_with_f32() {
                $crate::common::check(stringify!($name), $crate::common::Preset::Ref32, $tol, run::<burn::backend::Autodiff<burn::backend::Flex>>, run::<burn::backend::Autodiff<burn_lns::Lns>>);
            }
            #[test]
            fn lns16_gradients_agree_with_f32() {
                $crate::common::check(stringify!($name), $crate::common::Preset::Lns16, $tol, run::<burn::backend::Autodiff<burn::backend::Flex>>, run::<burn::backend::Autodiff<burn_lns::Lns>>);
            }
        }
    )*};
}
pub(crate) use grad_cases;

/// Outputs of a unary float op on several layouts of the same kind of input: a
/// contiguous `[4, 6]`, a transposed view, a sliced view, a flipped view, an expanded
/// row, a permuted 3-D view (reshaped back), an empty tensor and a `[1, 1]` tensor.
pub fn unary_views<B: Backend>(
    q: &Q,
    d: &B::Device,
    (lo, hi): (f32, f32),
    f: impl Fn(Tensor<B, 2>) -> Tensor<B, 2>,
) -> Vec<Out> {
    let base = q.range::<B, 2>([4, 6], 101, lo, hi, d);
    let tr = q.range::<B, 2>([6, 4], 102, lo, hi, d).transpose();
    let sl = q.range::<B, 2>([6, 9], 103, lo, hi, d).slice([1..5, 2..8]);
    let fl = q.range::<B, 2>([4, 6], 104, lo, hi, d).flip([0, 1]);
    let ex = q.range::<B, 2>([1, 6], 105, lo, hi, d).expand([4, 6]);
    let pe = q
        .range::<B, 3>([2, 6, 2], 106, lo, hi, d)
        .permute([0, 2, 1])
        .reshape([4, 6]);
    let empty = q.range::<B, 2>([0, 6], 107, lo, hi, d);
    let one = q.range::<B, 2>([1, 1], 108, lo, hi, d);
    vec![
        o("contiguous", f(base)),
        o("transposed", f(tr)),
        o("sliced", f(sl)),
        o("flipped", f(fl)),
        o("expanded", f(ex)),
        o("permuted", f(pe)),
        o("empty", f(empty)),
        o("size1", f(one)),
    ]
}

/// Outputs of a binary float op on several layouts and broadcasts: same shapes, a
/// transposed left operand, a sliced right operand, row and column broadcasting,
/// `[1, 1]` against `[4, 6]`, an expanded operand, 3-D batch broadcasting, and empty
/// operands. `a` ranges over `ra`, `b` over `rb`.
pub fn binary_views<B: Backend>(
    q: &Q,
    d: &B::Device,
    ra: (f32, f32),
    rb: (f32, f32),
    f: impl Fn(Tensor<B, 3>, Tensor<B, 3>) -> Tensor<B, 3>,
) -> Vec<Out> {
    let a = |shape: [usize; 3], seed| q.range::<B, 3>(shape, seed, ra.0, ra.1, d);
    let b = |shape: [usize; 3], seed| q.range::<B, 3>(shape, seed, rb.0, rb.1, d);
    vec![
        o("same_shape", f(a([2, 4, 6], 201), b([2, 4, 6], 202))),
        o(
            "transposed_lhs",
            f(a([2, 6, 4], 203).swap_dims(1, 2), b([2, 4, 6], 204)),
        ),
        o(
            "sliced_rhs",
            f(
                a([2, 4, 6], 205),
                b([3, 5, 8], 206).slice([1..3, 0..4, 2..8]),
            ),
        ),
        o("row_broadcast", f(a([2, 4, 6], 207), b([1, 1, 6], 208))),
        o("column_broadcast", f(a([2, 4, 1], 209), b([2, 4, 6], 210))),
        o("both_broadcast", f(a([2, 1, 6], 211), b([1, 4, 1], 212))),
        o("scalar_like", f(a([1, 1, 1], 213), b([2, 4, 6], 214))),
        o(
            "expanded_lhs",
            f(a([1, 4, 6], 215).expand([2, 4, 6]), b([2, 4, 6], 216)),
        ),
        o(
            "permuted_both",
            f(
                a([6, 2, 4], 217).permute([1, 2, 0]),
                b([4, 6, 2], 218).permute([2, 0, 1]),
            ),
        ),
        o("empty", f(a([2, 0, 6], 219), b([2, 0, 6], 220))),
    ]
}
