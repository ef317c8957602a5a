//! Tensor-level kernels over packed codes, built on `lns_core`'s scalar arithmetic and
//! slice kernels. Every output that sums several terms does so in one canonical order
//! (documented per kernel), so results do not depend on threads or SIMD level.

pub(crate) mod conv;
pub(crate) mod deform;
pub(crate) mod matmul;
pub(crate) mod pool;
pub(crate) mod resample;
pub(crate) mod scatter;

use burn_backend::TensorMetadata;
use burn_backend::ops::IntTensorOps;
use burn_flex::{Flex, FlexTensor};
use burn_std::Shape;
use lns_core::arith;
use lns_core::convert::{is_zero, recode};
use lns_core::kernels::{BinaryOp, ReduceOp};
use lns_core::{CodeStorage, ConvUnit, Counts, Format, OpCounts};
use rayon::prelude::*;

use crate::device::LnsDevice;
use crate::tensor::{LnsTensor, contiguous, flex_from_vec, with_storage};

/// Elements per parallel task of elementwise loops.
pub(crate) const CHUNK: usize = 1 << 14;

/// Adds per-task counts.
pub(crate) fn sum_counts(mut a: Counts, b: Counts) -> Counts {
    a += b;
    a
}

/// Moves a tensor to another device: re-encodes every code in the other format (exact
/// when the target has at least the fractional and integer bits, otherwise rounded to
/// nearest and saturated/flushed, counted on the target).
pub(crate) fn to_device(t: LnsTensor, device: &LnsDevice) -> LnsTensor {
    if &t.device == device {
        return t;
    }
    let (from, to) = (t.format(), device.format());
    let codes = t.codes();
    let mut counts = Counts::default();
    let out: Vec<i32> = codes
        .into_iter()
        .map(|c| recode(from, to, c, &mut counts))
        .collect();
    device.arith().record(counts);
    LnsTensor::from_codes_i32(out, t.shape(), device.clone(), t.dtype)
}

/// `f(code)` for every element, in parallel chunks; the result has `t`'s device.
pub(crate) fn map(t: &LnsTensor, f: impl Fn(i32, &mut Counts) -> i32 + Sync) -> LnsTensor {
    let shape = t.shape();
    let flex = with_storage!(t.format().storage(), C => {
        let src = contiguous::<C>(&t.codes);
        let mut out = vec![C::default(); src.len()];
        let counts = out
            .par_chunks_mut(CHUNK)
            .zip(src.par_chunks(CHUNK))
            .map(|(o, s)| {
                let mut cnt = Counts::default();
                for (o, s) in o.iter_mut().zip(s) {
                    *o = C::narrow(f(s.widen(), &mut cnt));
                }
                cnt
            })
            .reduce(Counts::default, sum_counts);
        t.device.arith().record(counts);
        flex_from_vec(out, shape)
    });
    t.with_codes(flex)
}

/// The shape both operands broadcast to.
///
/// # Panics
/// If a dimension differs and neither side is 1.
pub(crate) fn broadcast_shape(a: &Shape, b: &Shape) -> Shape {
    let rank = a.num_dims().max(b.num_dims());
    let dim = |s: &Shape, i: usize| {
        let off = rank - s.num_dims();
        if i < off { 1 } else { s[i - off] }
    };
    let dims: Vec<usize> = (0..rank)
        .map(|i| {
            let (x, y) = (dim(a, i), dim(b, i));
            match (x, y) {
                _ if x == y => x,
                (1, _) => y,
                (_, 1) => x,
                _ => panic!("cannot broadcast shapes {a:?} and {b:?}: dimension {i} is {x} vs {y}"),
            }
        })
        .collect();
    Shape::from(dims)
}

/// A code tensor viewed with `shape` (zero-copy broadcast through burn-flex's expand).
pub(crate) fn expand_to(codes: FlexTensor, shape: &Shape) -> FlexTensor {
    let s = codes.shape();
    if &s == shape {
        return codes;
    }
    let codes = if s.num_dims() < shape.num_dims() {
        let mut dims = vec![1; shape.num_dims() - s.num_dims()];
        dims.extend(s.iter().copied());
        codes.reshape(Shape::from(dims))
    } else {
        codes
    };
    Flex::int_expand(codes, shape.clone())
}

/// `lhs op rhs` with broadcasting, through `lns_core::kernels::binary`.
pub(crate) fn binary(lhs: LnsTensor, rhs: LnsTensor, op: BinaryOp) -> LnsTensor {
    let rhs = to_device(rhs, &lhs.device);
    let arith = lhs.device.arith().clone();
    let (ls, rs) = (lhs.shape(), rhs.shape());
    let out_shape = broadcast_shape(&ls, &rs);
    let n = out_shape.num_elements();
    let flex = with_storage!(lhs.format().storage(), C => {
        let mut out = vec![C::default(); n];
        if rs.num_elements() == 1 && ls == out_shape {
            let a = contiguous::<C>(&lhs.codes);
            let s = contiguous::<C>(&rhs.codes)[0].widen();
            lns_core::kernels::binary_scalar(&arith, op, &a, s, &mut out, lhs.device.exec())
                .expect("lengths agree by construction");
        } else {
            let a = expand_to(lhs.codes.clone(), &out_shape);
            let b = expand_to(rhs.codes, &out_shape);
            let (a, b) = (contiguous::<C>(&a), contiguous::<C>(&b));
            lns_core::kernels::binary(&arith, op, &a, &b, &mut out, lhs.device.exec())
                .expect("lengths agree by construction");
        }
        flex_from_vec(out, out_shape)
    });
    lhs.with_codes(flex)
}

/// `f(a, b)` elementwise with broadcasting, for operations without a slice kernel.
pub(crate) fn zip(
    lhs: LnsTensor,
    rhs: LnsTensor,
    f: impl Fn(i32, i32, &mut Counts) -> i32 + Sync,
) -> LnsTensor {
    let rhs = to_device(rhs, &lhs.device);
    let out_shape = broadcast_shape(&lhs.shape(), &rhs.shape());
    let flex = with_storage!(lhs.format().storage(), C => {
        let a = expand_to(lhs.codes.clone(), &out_shape);
        let b = expand_to(rhs.codes, &out_shape);
        let (a, b) = (contiguous::<C>(&a), contiguous::<C>(&b));
        let mut out = vec![C::default(); out_shape.num_elements()];
        let counts = out
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(ci, o)| {
                let mut cnt = Counts::default();
                let base = ci * CHUNK;
                for (i, o) in o.iter_mut().enumerate() {
                    *o = C::narrow(f(a[base + i].widen(), b[base + i].widen(), &mut cnt));
                }
                cnt
            })
            .reduce(Counts::default, sum_counts);
        lhs.device.arith().record(counts);
        flex_from_vec(out, out_shape)
    });
    lhs.with_codes(flex)
}

/// Counts one comparison per element of `t`.
pub(crate) fn count_compares(t: &LnsTensor) {
    t.device.arith().record_ops(OpCounts {
        compare: t.shape().num_elements() as u64,
        ..OpCounts::default()
    });
}

/// The value order of codes as an I32 burn-flex tensor (`lns_core::arith::order_key`,
/// which fits an i32 for every format up to 32 bits). Both zero codes map to 0.
pub(crate) fn keys(t: &LnsTensor) -> FlexTensor {
    let fmt = t.format();
    // Keys exist to be compared.
    count_compares(t);
    let keys: Vec<i32> = t
        .codes()
        .into_iter()
        .map(|c| arith::order_key(fmt, c) as i32)
        .collect();
    flex_from_vec(keys, t.shape())
}

/// The order key of one code.
pub(crate) fn key_of(fmt: Format, code: i32) -> i32 {
    arith::order_key(fmt, code) as i32
}

/// The code of an order key (inverse of [`keys`] on canonical codes).
pub(crate) fn code_of_key(fmt: Format, key: i32) -> i32 {
    if key == 0 {
        return fmt.zero();
    }
    let m = key.unsigned_abs() as i64;
    let log = (m + fmt.log_zero() as i64) as i32;
    lns_core::code::pack(log, i32::from(key < 0))
}

/// Codes from an I32 tensor of order keys.
pub(crate) fn from_keys(keys: FlexTensor, like: &LnsTensor) -> LnsTensor {
    let fmt = like.format();
    let shape = keys.shape();
    let k = contiguous::<i32>(&keys);
    let codes: Vec<i32> = k.iter().map(|&k| code_of_key(fmt, k)).collect();
    LnsTensor::from_codes_i32(codes, shape, like.device.clone(), like.dtype)
}

/// `(outer, len, inner)` of a reduction along `dim`.
pub(crate) fn split_at_dim(shape: &Shape, dim: usize) -> (usize, usize, usize) {
    let outer = shape.iter().take(dim).product();
    let inner = shape.iter().skip(dim + 1).product();
    (outer, shape[dim], inner)
}

/// Folds `dim` (kept with size 1) with `lns_core::kernels::reduce_axis`: index order,
/// sums in the accumulator format.
pub(crate) fn reduce_dim(t: &LnsTensor, dim: usize, op: ReduceOp) -> LnsTensor {
    let shape = t.shape();
    let (outer, len, inner) = split_at_dim(&shape, dim);
    let mut out_dims: Vec<usize> = shape.iter().copied().collect();
    out_dims[dim] = 1;
    let flex = with_storage!(t.format().storage(), C => {
        let x = contiguous::<C>(&t.codes);
        let mut out = vec![C::default(); outer * inner];
        lns_core::kernels::reduce_axis(
            t.device.arith(),
            op,
            &x,
            outer,
            len,
            inner,
            &mut out,
            t.device.exec(),
        )
            .unwrap_or_else(|e| panic!("{op:?} along dim {dim} of {shape:?}: {e}"));
        flex_from_vec(out, Shape::from(out_dims))
    });
    t.with_codes(flex)
}

/// Folds every element into a one-element tensor of shape `[1]`.
pub(crate) fn reduce_all(t: &LnsTensor, op: ReduceOp) -> LnsTensor {
    let n = t.shape().num_elements();
    let flat = t.reshaped(Shape::from(vec![n]));
    reduce_dim(&flat, 0, op)
}

/// Which running fold [`cumulative`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CumOp {
    /// Running sum in the accumulator format, each prefix rounded once.
    Sum,
    /// Running product.
    Prod,
    /// Running maximum.
    Max,
    /// Running minimum.
    Min,
}

/// Running folds along `dim`, in index order.
pub(crate) fn cumulative(t: &LnsTensor, dim: usize, op: CumOp) -> LnsTensor {
    let shape = t.shape();
    let (outer, len, inner) = split_at_dim(&shape, dim);
    let arith = t.device.arith().clone();
    let (f, af) = (arith.format(), arith.acc_format());
    let codes = t.codes();
    let mut out = vec![0i32; codes.len()];
    let counts = out
        .par_chunks_mut((len * inner).max(1))
        .zip(codes.par_chunks((len * inner).max(1)))
        .map(|(o, x)| {
            let mut cnt = Counts::default();
            for i in 0..inner {
                let mut acc = match op {
                    CumOp::Sum => af.zero(),
                    CumOp::Prod => f.one(),
                    _ => x.get(i).copied().unwrap_or(f.zero()),
                };
                for k in 0..len {
                    let v = x[k * inner + i];
                    o[k * inner + i] = match op {
                        CumOp::Sum => {
                            let up = recode(f, af, v, &mut cnt);
                            acc = arith::add(af, arith.acc_delta(), acc, up, &mut cnt);
                            recode(af, f, acc, &mut cnt)
                        }
                        CumOp::Prod => {
                            acc = arith::mul(f, acc, v, &mut cnt);
                            acc
                        }
                        CumOp::Max => {
                            acc = arith::max(f, acc, v);
                            acc
                        }
                        CumOp::Min => {
                            acc = arith::min(f, acc, v);
                            acc
                        }
                    };
                }
            }
            cnt
        })
        .reduce(Counts::default, sum_counts);
    arith.record(counts);
    let _ = outer;
    LnsTensor::from_codes_i32(out, shape, t.device.clone(), t.dtype)
}

/// Whether a code is zero (either sign bit).
pub(crate) fn code_is_zero(fmt: Format, c: i32) -> bool {
    is_zero(fmt, c)
}

/// A tensor filled with one code.
pub(crate) fn filled(
    shape: Shape,
    code: i32,
    device: &LnsDevice,
    dtype: burn_std::FloatDType,
) -> LnsTensor {
    let flex = with_storage!(device.format().storage(), C => {
        flex_from_vec(vec![C::narrow(code); shape.num_elements()], shape)
    });
    LnsTensor::new(flex, device.clone(), dtype)
}

/// Reads any int tensor as i64 values in logical order.
pub(crate) fn int_values(t: &FlexTensor) -> Vec<i64> {
    contiguous::<i64>(&int_values_i64(t)).into_owned()
}

/// An int tensor as i64, sharing its buffer where it already is (read it with
/// [`contiguous`] to avoid the copy of [`int_values`]).
pub(crate) fn int_values_i64(t: &FlexTensor) -> FlexTensor {
    Flex::int_cast(t.clone(), burn_std::IntDType::I64)
}

/// `t op s` for one code `s`, through `lns_core::kernels::binary_scalar`.
pub(crate) fn binary_scalar(t: &LnsTensor, op: BinaryOp, s: i32) -> LnsTensor {
    let shape = t.shape();
    let flex = with_storage!(t.format().storage(), C => {
        let a = contiguous::<C>(&t.codes);
        let mut out = vec![C::default(); a.len()];
        lns_core::kernels::binary_scalar(t.device.arith(), op, &a, s, &mut out, t.device.exec())
            .expect("lengths agree by construction");
        flex_from_vec(out, shape)
    });
    t.with_codes(flex)
}

/// `f` through the conversion unit: `to_log(f(to_linear(x)))`, one rounding.
pub(crate) fn via_linear(t: &LnsTensor, f: impl Fn(f64) -> f64 + Sync) -> LnsTensor {
    let fmt = t.format();
    let cu = t.device.arith().conv();
    // Two conversions per element: to linear and back.
    t.device.arith().record_ops(OpCounts {
        convert: 2 * t.shape().num_elements() as u64,
        ..OpCounts::default()
    });
    map(t, |c, cnt| cu.to_log(fmt, f(cu.to_linear(fmt, c)), cnt))
}

/// A code's value through the conversion unit: how [`via_linear2`] reads its operands
/// unless an op reads them otherwise.
pub(crate) fn linear(fmt: Format, cu: ConvUnit, c: i32) -> f64 {
    cu.to_linear(fmt, c)
}

/// A binary `f` through the conversion unit, with broadcasting; `read` gives an
/// operand's value ([`linear`], or a rule of the op's own).
pub(crate) fn via_linear2(
    lhs: LnsTensor,
    rhs: LnsTensor,
    read: impl Fn(Format, ConvUnit, i32) -> f64 + Sync,
    f: impl Fn(f64, f64) -> f64 + Sync,
) -> LnsTensor {
    let fmt = lhs.format();
    let cu = lhs.device.arith().conv();
    // Three conversions per output: both operands to linear, the result back.
    let outputs = broadcast_shape(&lhs.shape(), &rhs.shape()).num_elements() as u64;
    lhs.device.arith().record_ops(OpCounts {
        convert: 3 * outputs,
        ..OpCounts::default()
    });
    zip(lhs, rhs, |a, b, cnt| {
        cu.to_log(fmt, f(read(fmt, cu, a), read(fmt, cu, b)), cnt)
    })
}

/// `a^y` for a real exponent `y`: the log is scaled, `L·y`, rounded once; a negative
/// base keeps its sign for odd integer `y`, is positive for even `y` and has no real
/// power otherwise (NaN → zero, counted). `0^y` is 0 (y > 0), 1 (y = 0), saturated
/// (y < 0).
pub(crate) fn powf_code(fmt: Format, a: i32, y: f64, cnt: &mut Counts) -> i32 {
    use lns_core::code::{log_of, sign_of};
    use lns_core::tally::Tally;
    if y.is_nan() {
        cnt.nan();
        return fmt.zero();
    }
    if is_zero(fmt, a) {
        return if y > 0.0 {
            fmt.zero()
        } else if y == 0.0 {
            fmt.one()
        } else {
            cnt.saturated();
            fmt.max_code()
        };
    }
    let neg = sign_of(a) == 1;
    let is_int = y.fract() == 0.0;
    if neg && !is_int {
        cnt.nan();
        return fmt.zero();
    }
    let sign = i32::from(neg && (y % 2.0).abs() == 1.0);
    let l = (log_of(a) as f64 * y).round();
    let l = l.clamp(i64::MIN as f64 / 4.0, i64::MAX as f64 / 4.0) as i64;
    lns_core::convert::clamp_log(fmt, l, sign, cnt)
}
