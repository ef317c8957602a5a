//! `FloatTensorOps` for [`Lns`]: every op on packed codes (see `docs/ops.md`).

use burn_backend::ops::{BoolTensorOps, FloatTensorOps, IntTensorOps};
use burn_backend::tensor::{BoolTensor, Device, FloatTensor, IndexingUpdateOp, IntTensor};
use burn_backend::{Distribution, ExecutionError, Scalar, TensorData, TensorMetadata};
use burn_flex::{Flex, FlexDevice, FlexTensor};
use burn_std::{BoolDType, FloatDType, IntDType, Shape, Slice};
use lns_core::kernels::{BinaryOp, ReduceOp, UnaryOp};
use num_traits::ToPrimitive;

use crate::backend::Lns;
use crate::kernels::{self, CumOp, matmul::matmul, scatter};
use crate::tensor::{
    LnsPlainTensor, LnsTensor, decode_data, encode_data, encode_values, flex_from_vec, with_storage,
};

/// The value of a scalar as f64.
pub(crate) fn scalar_f64(s: Scalar) -> f64 {
    s.to_f64().expect("scalar has an f64 value")
}

/// The code of a scalar in a tensor's format (rounded like any encoding, counted).
pub(crate) fn scalar_code(t: &LnsTensor, s: Scalar) -> i32 {
    t.device.arith().encode(scalar_f64(s))
}

/// The integer `c` encodes, if it is the code of one (`encode(round(v)) == c`).
///
/// Most integers are not LNS values (the code of 3 decodes to 2.9999968 in 16:10, that of
/// 6 to 5.99773), so truncating or flooring the decoded value of an encoded integer
/// lands one below it. `into_int`, `floor`, `ceil`, `round` and `trunc` therefore treat
/// such a code as the integer it encodes; every other code is used as its value.
pub(crate) fn integer_of(fmt: lns_core::Format, c: i32) -> Option<f64> {
    let v = lns_core::convert::decode(fmt, c);
    let r = v.round();
    let mut scratch = lns_core::Counts::default();
    (r != v && lns_core::convert::encode(fmt, r, &mut scratch) == c).then_some(r)
}

/// The value of code `c` for ops that treat integers as integers: an encoded integer as
/// that integer (`integer_of`), any other code through the conversion unit.
fn operand(fmt: lns_core::Format, cu: lns_core::ConvUnit, c: i32) -> f64 {
    integer_of(fmt, c).unwrap_or_else(|| cu.to_linear(fmt, c))
}

/// `a mod b` with the sign of `b` (Burn's `remainder`, Python's `%`).
fn floored_remainder(a: f64, b: f64) -> f64 {
    ((a % b) + b) % b
}

/// An integer exponent within i32 with its parity kept: beyond ±2^31 every power but
/// that of ±1 saturates or flushes anyway, and the parity gives the sign of a negative
/// base's power.
fn exponent_i32(n: i64) -> i32 {
    let clamped = n.clamp(i64::from(i32::MIN), i64::from(i32::MAX));
    let kept = if (n - clamped) % 2 == 0 {
        clamped
    } else {
        clamped - clamped.signum()
    };
    i32::try_from(kept).expect("clamped into i32")
}

/// `f` of each element through the conversion unit, encoded integers read as integers
/// (`integer_of`).
fn rounding(t: &LnsTensor, f: impl Fn(f64) -> f64 + Sync) -> LnsTensor {
    let fmt = t.format();
    let cu = t.device.arith().conv();
    // Two conversions per element, as every conversion-unit op.
    t.device.arith().record_ops(lns_core::OpCounts {
        convert: 2 * t.shape().num_elements() as u64,
        ..lns_core::OpCounts::default()
    });
    kernels::map(t, |c, cnt| cu.to_log(fmt, f(operand(fmt, cu, c)), cnt))
}

/// Normalizes the interchange dtype (`Flex32` reads and writes as f32).
pub(crate) fn interchange(dtype: FloatDType) -> FloatDType {
    match dtype {
        FloatDType::Flex32 => FloatDType::F32,
        d => d,
    }
}

fn unary(t: LnsTensor, op: UnaryOp) -> LnsTensor {
    let shape = t.shape();
    let flex = with_storage!(t.format().storage(), C => {
        let a = crate::tensor::contiguous::<C>(&t.codes);
        let mut out = vec![C::default(); a.len()];
        lns_core::kernels::unary(t.device.arith(), op, &a, &mut out)
            .expect("lengths agree by construction");
        flex_from_vec(out, shape)
    });
    t.with_codes(flex)
}

fn plain(t: FlexTensor, like: &LnsTensor) -> LnsPlainTensor {
    LnsPlainTensor::new(t, like.device.clone())
}

fn cmp(
    lhs: LnsTensor,
    rhs: LnsTensor,
    f: fn(FlexTensor, FlexTensor, BoolDType) -> FlexTensor,
    out: BoolDType,
) -> LnsPlainTensor {
    let rhs = kernels::to_device(rhs, &lhs.device);
    plain(f(kernels::keys(&lhs), kernels::keys(&rhs), out), &lhs)
}

/// A comparison of every element with a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Versus {
    Equal,
    NotEqual,
    Greater,
    GreaterEqual,
    Lower,
    LowerEqual,
}

/// Compares every element of `lhs` with the scalar `rhs` on order keys. The scalar is
/// its code (rounded like any scalar operand, ±∞ saturated to ±max), except where it is
/// not a value of that code: a NaN compares false (`NotEqual`: true), and a nonzero
/// scalar that the format flushes to zero lies strictly between zero and the smallest
/// code of its sign (`x > 1e-6` is false for zeros, `x == 1e-6` false everywhere).
fn cmp_elem(lhs: LnsTensor, rhs: Scalar, op: Versus, out: BoolDType) -> LnsPlainTensor {
    let fmt = lhs.format();
    let (value, code) = (scalar_f64(rhs), scalar_code(&lhs, rhs));
    let keys = kernels::keys(&lhs);
    let constant = |holds: bool| {
        let f = if holds {
            Flex::int_equal
        } else {
            Flex::int_not_equal
        };
        f(keys.clone(), keys.clone(), out)
    };
    let key = |k: i32| Scalar::Int(i64::from(k));
    let result = if value.is_nan() {
        constant(op == Versus::NotEqual)
    } else if value != 0.0 && kernels::code_is_zero(fmt, code) {
        // Between the keys `below` and `below + 1` (key 0 is zero, ±1 the smallest codes).
        let below = if value > 0.0 { 0 } else { -1 };
        match op {
            Versus::Equal => constant(false),
            Versus::NotEqual => constant(true),
            Versus::Greater | Versus::GreaterEqual => {
                Flex::int_greater_elem(keys.clone(), key(below), out)
            }
            Versus::Lower | Versus::LowerEqual => {
                Flex::int_lower_equal_elem(keys.clone(), key(below), out)
            }
        }
    } else {
        let k = key(kernels::key_of(fmt, code));
        let f = match op {
            Versus::Equal => Flex::int_equal_elem,
            Versus::NotEqual => Flex::int_not_equal_elem,
            Versus::Greater => Flex::int_greater_elem,
            Versus::GreaterEqual => Flex::int_greater_equal_elem,
            Versus::Lower => Flex::int_lower_elem,
            Versus::LowerEqual => Flex::int_lower_equal_elem,
        };
        f(keys.clone(), k, out)
    };
    plain(result, &lhs)
}

fn index_values(t: &LnsPlainTensor) -> Vec<i64> {
    kernels::int_values(&t.tensor)
}

impl FloatTensorOps<Lns> for Lns {
    fn float_from_data(data: TensorData, device: &Device<Lns>) -> FloatTensor<Lns> {
        encode_data(data, device)
    }

    fn float_random(
        shape: Shape,
        distribution: Distribution,
        device: &Device<Lns>,
        dtype: FloatDType,
    ) -> FloatTensor<Lns> {
        let samples = Flex::float_random(shape.clone(), distribution, &FlexDevice, FloatDType::F64);
        let values = crate::tensor::contiguous::<f64>(&samples);
        encode_values(&values, shape, device, interchange(dtype))
    }

    fn float_zeros(shape: Shape, device: &Device<Lns>, dtype: FloatDType) -> FloatTensor<Lns> {
        kernels::filled(shape, device.format().zero(), device, interchange(dtype))
    }

    fn float_ones(shape: Shape, device: &Device<Lns>, dtype: FloatDType) -> FloatTensor<Lns> {
        kernels::filled(shape, device.format().one(), device, interchange(dtype))
    }

    fn float_full(
        shape: Shape,
        fill_value: Scalar,
        device: &Device<Lns>,
        dtype: FloatDType,
    ) -> FloatTensor<Lns> {
        let code = device.arith().encode(scalar_f64(fill_value));
        kernels::filled(shape, code, device, interchange(dtype))
    }

    async fn float_into_data(tensor: FloatTensor<Lns>) -> Result<TensorData, ExecutionError> {
        let dtype = tensor.dtype;
        Ok(decode_data(&tensor, dtype))
    }

    fn float_device(tensor: &FloatTensor<Lns>) -> Device<Lns> {
        tensor.device.clone()
    }

    fn float_to_device(tensor: FloatTensor<Lns>, device: &Device<Lns>) -> FloatTensor<Lns> {
        kernels::to_device(tensor, device)
    }

    /// Truncates toward zero, except that a code which *is* the encoding of an integer
    /// converts to that integer (`integer_of`).
    fn float_into_int(tensor: FloatTensor<Lns>, out_dtype: IntDType) -> IntTensor<Lns> {
        let fmt = tensor.format();
        let values: Vec<f64> = tensor
            .codes()
            .into_iter()
            .map(|c| integer_of(fmt, c).unwrap_or_else(|| lns_core::convert::decode(fmt, c)))
            .collect();
        let f = flex_from_vec(values, tensor.shape());
        plain(Flex::float_into_int(f, out_dtype), &tensor)
    }

    fn float_empty(shape: Shape, device: &Device<Lns>, dtype: FloatDType) -> FloatTensor<Lns> {
        Self::float_zeros(shape, device, dtype)
    }

    fn float_repeat_dim(tensor: FloatTensor<Lns>, dim: usize, times: usize) -> FloatTensor<Lns> {
        let codes = Flex::int_repeat_dim(tensor.codes.clone(), dim, times);
        tensor.with_codes(codes)
    }

    fn float_add(lhs: FloatTensor<Lns>, rhs: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::binary(lhs, rhs, BinaryOp::Add)
    }

    fn float_add_scalar(lhs: FloatTensor<Lns>, rhs: Scalar) -> FloatTensor<Lns> {
        let s = scalar_code(&lhs, rhs);
        kernels::binary_scalar(&lhs, BinaryOp::Add, s)
    }

    fn float_clamp_min(tensor: FloatTensor<Lns>, min: Scalar) -> FloatTensor<Lns> {
        let s = scalar_code(&tensor, min);
        kernels::binary_scalar(&tensor, BinaryOp::Max, s)
    }

    fn float_clamp_max(tensor: FloatTensor<Lns>, max: Scalar) -> FloatTensor<Lns> {
        let s = scalar_code(&tensor, max);
        kernels::binary_scalar(&tensor, BinaryOp::Min, s)
    }

    fn float_clamp(tensor: FloatTensor<Lns>, min: Scalar, max: Scalar) -> FloatTensor<Lns> {
        Self::float_clamp_min(Self::float_clamp_max(tensor, max), min)
    }

    fn float_sub(lhs: FloatTensor<Lns>, rhs: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::binary(lhs, rhs, BinaryOp::Sub)
    }

    fn float_sub_scalar(lhs: FloatTensor<Lns>, rhs: Scalar) -> FloatTensor<Lns> {
        let s = scalar_code(&lhs, rhs);
        kernels::binary_scalar(&lhs, BinaryOp::Sub, s)
    }

    fn float_mul(lhs: FloatTensor<Lns>, rhs: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::binary(lhs, rhs, BinaryOp::Mul)
    }

    fn float_mul_scalar(lhs: FloatTensor<Lns>, rhs: Scalar) -> FloatTensor<Lns> {
        let s = scalar_code(&lhs, rhs);
        kernels::binary_scalar(&lhs, BinaryOp::Mul, s)
    }

    fn float_div(lhs: FloatTensor<Lns>, rhs: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::binary(lhs, rhs, BinaryOp::Div)
    }

    fn float_div_scalar(lhs: FloatTensor<Lns>, rhs: Scalar) -> FloatTensor<Lns> {
        let s = scalar_code(&lhs, rhs);
        kernels::binary_scalar(&lhs, BinaryOp::Div, s)
    }

    fn float_remainder(lhs: FloatTensor<Lns>, rhs: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear2(lhs, rhs, operand, floored_remainder)
    }

    fn float_remainder_scalar(lhs: FloatTensor<Lns>, rhs: Scalar) -> FloatTensor<Lns> {
        // The divisor as given: encoding it would scale its rounding by the quotient.
        let b = scalar_f64(rhs);
        rounding(&lhs, |a| floored_remainder(a, b))
    }

    fn float_matmul(lhs: FloatTensor<Lns>, rhs: FloatTensor<Lns>) -> FloatTensor<Lns> {
        matmul(lhs, rhs)
    }

    fn float_cross(lhs: FloatTensor<Lns>, rhs: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        let rhs = kernels::to_device(rhs, &lhs.device);
        let comp = |t: &LnsTensor, i: usize| t.with_codes(t.codes.narrow(dim, i, 1));
        let term = |i: usize, j: usize| {
            let a = kernels::binary(comp(&lhs, i), comp(&rhs, j), BinaryOp::Mul);
            let b = kernels::binary(comp(&lhs, j), comp(&rhs, i), BinaryOp::Mul);
            kernels::binary(a, b, BinaryOp::Sub)
        };
        Self::float_cat(vec![term(1, 2), term(2, 0), term(0, 1)], dim)
    }

    fn float_neg(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        unary(tensor, UnaryOp::Neg)
    }

    fn float_recip(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        unary(tensor, UnaryOp::Recip)
    }

    fn float_swap_dims(tensor: FloatTensor<Lns>, dim1: usize, dim2: usize) -> FloatTensor<Lns> {
        let codes = Flex::int_swap_dims(tensor.codes.clone(), dim1, dim2);
        tensor.with_codes(codes)
    }

    fn float_permute(tensor: FloatTensor<Lns>, axes: &[usize]) -> FloatTensor<Lns> {
        let codes = Flex::int_permute(tensor.codes.clone(), axes);
        tensor.with_codes(codes)
    }

    fn float_flip(tensor: FloatTensor<Lns>, axes: &[usize]) -> FloatTensor<Lns> {
        let codes = Flex::int_flip(tensor.codes.clone(), axes);
        tensor.with_codes(codes)
    }

    fn float_reshape(tensor: FloatTensor<Lns>, shape: Shape) -> FloatTensor<Lns> {
        tensor.reshaped(shape)
    }

    fn float_gather(
        dim: usize,
        tensor: FloatTensor<Lns>,
        indices: IntTensor<Lns>,
    ) -> FloatTensor<Lns> {
        let codes = Flex::int_gather(dim, tensor.codes.clone(), indices.tensor);
        tensor.with_codes(codes)
    }

    fn float_scatter_add(
        dim: usize,
        tensor: FloatTensor<Lns>,
        indices: IntTensor<Lns>,
        value: FloatTensor<Lns>,
    ) -> FloatTensor<Lns> {
        scatter::scatter_add(dim, tensor, &index_values(&indices), value)
    }

    fn float_scatter_nd(
        data: FloatTensor<Lns>,
        indices: IntTensor<Lns>,
        values: FloatTensor<Lns>,
        reduction: IndexingUpdateOp,
    ) -> FloatTensor<Lns> {
        let values = kernels::to_device(values, &data.device);
        if matches!(reduction, IndexingUpdateOp::Assign) {
            let codes =
                Flex::int_scatter_nd(data.codes.clone(), indices.tensor, values.codes, reduction);
            return data.with_codes(codes);
        }
        let shape: Vec<usize> = indices.tensor.shape().iter().copied().collect();
        scatter::scatter_nd(data, &index_values(&indices), &shape, values, reduction)
    }

    fn float_gather_nd(data: FloatTensor<Lns>, indices: IntTensor<Lns>) -> FloatTensor<Lns> {
        let codes = Flex::int_gather_nd(data.codes.clone(), indices.tensor);
        data.with_codes(codes)
    }

    fn float_select(
        tensor: FloatTensor<Lns>,
        dim: usize,
        indices: IntTensor<Lns>,
    ) -> FloatTensor<Lns> {
        let codes = Flex::int_select(tensor.codes.clone(), dim, indices.tensor);
        tensor.with_codes(codes)
    }

    fn float_select_add(
        tensor: FloatTensor<Lns>,
        dim: usize,
        indices: IntTensor<Lns>,
        value: FloatTensor<Lns>,
    ) -> FloatTensor<Lns> {
        scatter::select_add(tensor, dim, &index_values(&indices), value)
    }

    fn float_slice(tensor: FloatTensor<Lns>, slices: &[Slice]) -> FloatTensor<Lns> {
        let codes = Flex::int_slice(tensor.codes.clone(), slices);
        tensor.with_codes(codes)
    }

    fn float_slice_assign(
        tensor: FloatTensor<Lns>,
        slices: &[Slice],
        value: FloatTensor<Lns>,
    ) -> FloatTensor<Lns> {
        let value = kernels::to_device(value, &tensor.device);
        let codes = Flex::int_slice_assign(tensor.codes.clone(), slices, value.codes);
        tensor.with_codes(codes)
    }

    fn float_mask_where(
        tensor: FloatTensor<Lns>,
        mask: BoolTensor<Lns>,
        value: FloatTensor<Lns>,
    ) -> FloatTensor<Lns> {
        let value = kernels::to_device(value, &tensor.device);
        let codes = Flex::int_mask_where(tensor.codes.clone(), mask.tensor, value.codes);
        tensor.with_codes(codes)
    }

    fn float_mask_fill(
        tensor: FloatTensor<Lns>,
        mask: BoolTensor<Lns>,
        value: Scalar,
    ) -> FloatTensor<Lns> {
        let code = scalar_code(&tensor, value);
        let codes =
            Flex::int_mask_fill(tensor.codes.clone(), mask.tensor, Scalar::Int(code as i64));
        tensor.with_codes(codes)
    }

    fn float_equal(
        lhs: FloatTensor<Lns>,
        rhs: FloatTensor<Lns>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp(lhs, rhs, Flex::int_equal, out_dtype)
    }

    fn float_not_equal(
        lhs: FloatTensor<Lns>,
        rhs: FloatTensor<Lns>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp(lhs, rhs, Flex::int_not_equal, out_dtype)
    }

    fn float_equal_elem(
        lhs: FloatTensor<Lns>,
        rhs: Scalar,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp_elem(lhs, rhs, Versus::Equal, out_dtype)
    }

    fn float_not_equal_elem(
        lhs: FloatTensor<Lns>,
        rhs: Scalar,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp_elem(lhs, rhs, Versus::NotEqual, out_dtype)
    }

    fn float_greater(
        lhs: FloatTensor<Lns>,
        rhs: FloatTensor<Lns>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp(lhs, rhs, Flex::int_greater, out_dtype)
    }

    fn float_greater_elem(
        lhs: FloatTensor<Lns>,
        rhs: Scalar,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp_elem(lhs, rhs, Versus::Greater, out_dtype)
    }

    fn float_greater_equal(
        lhs: FloatTensor<Lns>,
        rhs: FloatTensor<Lns>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp(lhs, rhs, Flex::int_greater_equal, out_dtype)
    }

    fn float_greater_equal_elem(
        lhs: FloatTensor<Lns>,
        rhs: Scalar,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp_elem(lhs, rhs, Versus::GreaterEqual, out_dtype)
    }

    fn float_lower(
        lhs: FloatTensor<Lns>,
        rhs: FloatTensor<Lns>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp(lhs, rhs, Flex::int_lower, out_dtype)
    }

    fn float_lower_elem(
        lhs: FloatTensor<Lns>,
        rhs: Scalar,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp_elem(lhs, rhs, Versus::Lower, out_dtype)
    }

    fn float_lower_equal(
        lhs: FloatTensor<Lns>,
        rhs: FloatTensor<Lns>,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp(lhs, rhs, Flex::int_lower_equal, out_dtype)
    }

    fn float_lower_equal_elem(
        lhs: FloatTensor<Lns>,
        rhs: Scalar,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        cmp_elem(lhs, rhs, Versus::LowerEqual, out_dtype)
    }

    fn float_sum(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::reduce_all(&tensor, ReduceOp::Sum)
    }

    fn float_sum_dim(tensor: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        kernels::reduce_dim(&tensor, dim, ReduceOp::Sum)
    }

    fn float_prod(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::reduce_all(&tensor, ReduceOp::Prod)
    }

    fn float_prod_dim(tensor: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        kernels::reduce_dim(&tensor, dim, ReduceOp::Prod)
    }

    fn float_mean(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::reduce_all(&tensor, ReduceOp::Mean)
    }

    fn float_mean_dim(tensor: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        kernels::reduce_dim(&tensor, dim, ReduceOp::Mean)
    }

    fn float_cumsum(tensor: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        kernels::cumulative(&tensor, dim, CumOp::Sum)
    }

    fn float_cumprod(tensor: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        kernels::cumulative(&tensor, dim, CumOp::Prod)
    }

    fn float_cummin(tensor: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        kernels::cumulative(&tensor, dim, CumOp::Min)
    }

    fn float_cummax(tensor: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        kernels::cumulative(&tensor, dim, CumOp::Max)
    }

    fn float_cast(tensor: FloatTensor<Lns>, dtype: FloatDType) -> FloatTensor<Lns> {
        LnsTensor {
            dtype: interchange(dtype),
            ..tensor
        }
    }

    fn float_exp(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::exp)
    }

    fn float_log(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::ln)
    }

    fn float_log1p(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::ln_1p)
    }

    /// An exponent whose code encodes an integer is that integer (`integer_of`), as
    /// in `powi`: the code of 3 decodes to 2.9999968 (16:10), of which no negative base
    /// has a real power, yet `(−2)^3 = −8` and the gradient `y·x^(y−1)` of a negative
    /// base with an integer `y` are real.
    fn float_powf(lhs: FloatTensor<Lns>, rhs: FloatTensor<Lns>) -> FloatTensor<Lns> {
        let fmt = lhs.format();
        let cu = lhs.device.arith().conv();
        kernels::zip(lhs, rhs, |a, b, cnt| {
            kernels::powf_code(fmt, a, operand(fmt, cu, b), cnt)
        })
    }

    /// Integer exponents are used exactly, `L·n` (one rounding, sign from the parity of
    /// `n`), not rounded into the float format first: Burn's default (`powf` of
    /// `int_into_float(rhs)`) turned 3 into the nearest code of 3 (not an integer in
    /// 16:10), so a negative base gave 0 instead of `x³`.
    fn float_powi(lhs: FloatTensor<Lns>, rhs: IntTensor<Lns>) -> FloatTensor<Lns> {
        let fmt = lhs.format();
        let out_shape = kernels::broadcast_shape(&lhs.shape(), &rhs.shape());
        let base = lhs.with_codes(kernels::expand_to(lhs.codes.clone(), &out_shape));
        let exps = kernels::int_values(&kernels::expand_to(rhs.tensor, &out_shape));
        let mut cnt = lns_core::Counts::default();
        let out: Vec<i32> = base
            .codes()
            .into_iter()
            .zip(exps)
            .map(|(a, n)| kernels::powf_code(fmt, a, n as f64, &mut cnt))
            .collect();
        lhs.device.arith().record(cnt);
        LnsTensor::from_codes_i32(out, out_shape, lhs.device.clone(), lhs.dtype)
    }

    fn float_powi_scalar(lhs: FloatTensor<Lns>, rhs: Scalar) -> FloatTensor<Lns> {
        let n = rhs.to_i64().expect("integer exponent");
        unary(lhs, UnaryOp::Powi(exponent_i32(n)))
    }

    fn float_powf_scalar_impl(tensor: FloatTensor<Lns>, value: Scalar) -> FloatTensor<Lns> {
        let fmt = tensor.format();
        let y = scalar_f64(value);
        kernels::map(&tensor, |a, cnt| kernels::powf_code(fmt, a, y, cnt))
    }

    fn float_sqrt(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        unary(tensor, UnaryOp::Sqrt)
    }

    fn float_abs(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        unary(tensor, UnaryOp::Abs)
    }

    fn float_cos(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::cos)
    }

    fn float_sin(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::sin)
    }

    fn float_tan(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::tan)
    }

    fn float_cosh(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::cosh)
    }

    fn float_sinh(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::sinh)
    }

    fn float_tanh(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::tanh)
    }

    fn float_acos(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::acos)
    }

    fn float_acosh(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::acosh)
    }

    fn float_asin(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::asin)
    }

    fn float_asinh(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::asinh)
    }

    fn float_atan(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::atan)
    }

    fn float_atanh(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, f64::atanh)
    }

    fn float_atan2(lhs: FloatTensor<Lns>, rhs: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear2(lhs, rhs, kernels::linear, f64::atan2)
    }

    fn float_round(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        rounding(&tensor, f64::round_ties_even)
    }

    fn float_floor(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        rounding(&tensor, f64::floor)
    }

    fn float_ceil(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        rounding(&tensor, f64::ceil)
    }

    fn float_trunc(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        rounding(&tensor, f64::trunc)
    }

    fn float_erf(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::via_linear(&tensor, libm::erf)
    }

    fn float_cat(tensors: Vec<FloatTensor<Lns>>, dim: usize) -> FloatTensor<Lns> {
        let first = tensors.first().expect("cat of no tensors").clone();
        let codes = tensors
            .into_iter()
            .map(|t| kernels::to_device(t, &first.device).codes)
            .collect();
        first.with_codes(Flex::int_cat(codes, dim))
    }

    fn float_argmax(tensor: FloatTensor<Lns>, dim: usize, out_dtype: IntDType) -> IntTensor<Lns> {
        let idx = Flex::int_argmax(kernels::keys(&tensor), dim);
        plain(Flex::int_cast(idx, out_dtype), &tensor)
    }

    fn float_argtopk(
        tensor: FloatTensor<Lns>,
        dim: usize,
        k: usize,
        out_dtype: IntDType,
    ) -> IntTensor<Lns> {
        let idx = Flex::int_argsort(kernels::keys(&tensor), dim, true);
        let idx = idx.narrow(dim, 0, k);
        plain(Flex::int_cast(idx, out_dtype), &tensor)
    }

    fn float_argmin(tensor: FloatTensor<Lns>, dim: usize, out_dtype: IntDType) -> IntTensor<Lns> {
        let idx = Flex::int_argmin(kernels::keys(&tensor), dim);
        plain(Flex::int_cast(idx, out_dtype), &tensor)
    }

    fn float_max(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::reduce_all(&tensor, ReduceOp::Max)
    }

    fn float_max_dim(tensor: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        kernels::reduce_dim(&tensor, dim, ReduceOp::Max)
    }

    fn float_max_dim_with_indices(
        tensor: FloatTensor<Lns>,
        dim: usize,
        out_dtype: IntDType,
    ) -> (FloatTensor<Lns>, IntTensor<Lns>) {
        let (keys, idx) = Flex::int_max_dim_with_indices(kernels::keys(&tensor), dim);
        (
            kernels::from_keys(keys, &tensor),
            plain(Flex::int_cast(idx, out_dtype), &tensor),
        )
    }

    fn float_min(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::reduce_all(&tensor, ReduceOp::Min)
    }

    fn float_min_dim(tensor: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        kernels::reduce_dim(&tensor, dim, ReduceOp::Min)
    }

    fn float_min_dim_with_indices(
        tensor: FloatTensor<Lns>,
        dim: usize,
        out_dtype: IntDType,
    ) -> (FloatTensor<Lns>, IntTensor<Lns>) {
        let (keys, idx) = Flex::int_min_dim_with_indices(kernels::keys(&tensor), dim);
        (
            kernels::from_keys(keys, &tensor),
            plain(Flex::int_cast(idx, out_dtype), &tensor),
        )
    }

    fn float_max_abs(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        kernels::reduce_all(&unary(tensor, UnaryOp::Abs), ReduceOp::Max)
    }

    fn float_max_abs_dim(tensor: FloatTensor<Lns>, dim: usize) -> FloatTensor<Lns> {
        kernels::reduce_dim(&unary(tensor, UnaryOp::Abs), dim, ReduceOp::Max)
    }

    fn float_any(tensor: FloatTensor<Lns>, out_dtype: BoolDType) -> BoolTensor<Lns> {
        plain(Flex::int_any(kernels::keys(&tensor), out_dtype), &tensor)
    }

    fn float_any_dim(
        tensor: FloatTensor<Lns>,
        dim: usize,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        plain(
            Flex::int_any_dim(kernels::keys(&tensor), dim, out_dtype),
            &tensor,
        )
    }

    fn float_all(tensor: FloatTensor<Lns>, out_dtype: BoolDType) -> BoolTensor<Lns> {
        plain(Flex::int_all(kernels::keys(&tensor), out_dtype), &tensor)
    }

    fn float_all_dim(
        tensor: FloatTensor<Lns>,
        dim: usize,
        out_dtype: BoolDType,
    ) -> BoolTensor<Lns> {
        plain(
            Flex::int_all_dim(kernels::keys(&tensor), dim, out_dtype),
            &tensor,
        )
    }

    fn float_sign(tensor: FloatTensor<Lns>) -> FloatTensor<Lns> {
        let fmt = tensor.format();
        kernels::map(&tensor, |a, _| {
            if kernels::code_is_zero(fmt, a) {
                fmt.zero()
            } else {
                fmt.one() | (a & 1)
            }
        })
    }

    fn float_expand(tensor: FloatTensor<Lns>, shape: Shape) -> FloatTensor<Lns> {
        let codes = Flex::int_expand(tensor.codes.clone(), shape);
        tensor.with_codes(codes)
    }

    fn float_sort(tensor: FloatTensor<Lns>, dim: usize, descending: bool) -> FloatTensor<Lns> {
        let keys = Flex::int_sort(kernels::keys(&tensor), dim, descending);
        kernels::from_keys(keys, &tensor)
    }

    fn float_sort_with_indices(
        tensor: FloatTensor<Lns>,
        dim: usize,
        descending: bool,
        out_dtype: IntDType,
    ) -> (FloatTensor<Lns>, IntTensor<Lns>) {
        let (keys, idx) = Flex::int_sort_with_indices(kernels::keys(&tensor), dim, descending);
        (
            kernels::from_keys(keys, &tensor),
            plain(Flex::int_cast(idx, out_dtype), &tensor),
        )
    }

    fn float_argsort(
        tensor: FloatTensor<Lns>,
        dim: usize,
        descending: bool,
        out_dtype: IntDType,
    ) -> IntTensor<Lns> {
        let idx = Flex::int_argsort(kernels::keys(&tensor), dim, descending);
        plain(Flex::int_cast(idx, out_dtype), &tensor)
    }

    fn float_unfold(
        tensor: FloatTensor<Lns>,
        dim: usize,
        size: usize,
        step: usize,
    ) -> FloatTensor<Lns> {
        let codes = Flex::int_unfold(tensor.codes.clone(), dim, size, step);
        tensor.with_codes(codes)
    }

    fn float_is_nan(tensor: FloatTensor<Lns>, out_dtype: BoolDType) -> BoolTensor<Lns> {
        plain(
            Flex::bool_zeros(tensor.shape(), &FlexDevice, out_dtype),
            &tensor,
        )
    }

    fn float_is_inf(tensor: FloatTensor<Lns>, out_dtype: BoolDType) -> BoolTensor<Lns> {
        plain(
            Flex::bool_zeros(tensor.shape(), &FlexDevice, out_dtype),
            &tensor,
        )
    }
}
