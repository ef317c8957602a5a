//! Elementwise kernels: each output depends on one element of each input, so any
//! split across threads or lanes is bit-identical to the scalar loop.

use rayon::prelude::*;

use crate::arith;
use crate::code::CodeStorage;
use crate::delta::DeltaFn;
use crate::error::{LnsError, Result};
use crate::format::Format;
use crate::tally::{Counts, OpCounts, Tally};
use crate::unit::Arith;

/// Elements per parallel task.
const CHUNK: usize = 1 << 14;

/// A binary arithmetic operation on two codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a + b` via Δ±.
    Add,
    /// `a − b` via Δ±.
    Sub,
    /// `a · b`, an integer add.
    Mul,
    /// `a / b`, an integer subtract.
    Div,
    /// The larger value.
    Max,
    /// The smaller value.
    Min,
}

impl BinaryOp {
    /// The hardware operations of `n` applications.
    pub fn ops(self, n: usize) -> OpCounts {
        let n = n as u64;
        match self {
            BinaryOp::Add | BinaryOp::Sub => OpCounts {
                lns_add: n,
                ..OpCounts::default()
            },
            BinaryOp::Mul | BinaryOp::Div => OpCounts {
                int_add: n,
                ..OpCounts::default()
            },
            BinaryOp::Max | BinaryOp::Min => OpCounts {
                compare: n,
                ..OpCounts::default()
            },
        }
    }

    #[inline(always)]
    fn apply(self, fmt: Format, delta: &impl DeltaFn, a: i32, b: i32, t: &mut impl Tally) -> i32 {
        match self {
            BinaryOp::Add => arith::add(fmt, delta, a, b, t),
            BinaryOp::Sub => arith::sub(fmt, delta, a, b, t),
            BinaryOp::Mul => arith::mul(fmt, a, b, t),
            BinaryOp::Div => arith::div(fmt, a, b, t),
            BinaryOp::Max => arith::max(fmt, a, b),
            BinaryOp::Min => arith::min(fmt, a, b),
        }
    }
}

/// A unary operation that is exact (or a single rounding) in the log domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `−a`.
    Neg,
    /// `|a|`.
    Abs,
    /// `√a` (L/2, ties to even).
    Sqrt,
    /// `1/a`.
    Recip,
    /// `a^n` for an integer n.
    Powi(i32),
}

impl UnaryOp {
    /// The hardware operations of `n` applications (sign changes are free).
    pub fn ops(self, n: usize) -> OpCounts {
        match self {
            UnaryOp::Neg | UnaryOp::Abs => OpCounts::default(),
            UnaryOp::Sqrt | UnaryOp::Recip | UnaryOp::Powi(_) => OpCounts {
                int_add: n as u64,
                ..OpCounts::default()
            },
        }
    }

    #[inline(always)]
    fn apply(self, fmt: Format, a: i32, t: &mut impl Tally) -> i32 {
        match self {
            UnaryOp::Neg => arith::neg(fmt, a),
            UnaryOp::Abs => arith::canonical(fmt, arith::abs(a)),
            UnaryOp::Sqrt => arith::sqrt(fmt, a, t),
            UnaryOp::Recip => arith::recip(fmt, a, t),
            UnaryOp::Powi(n) => arith::powi(fmt, a, n, t),
        }
    }
}

fn run_chunks<C: CodeStorage>(
    arith: &Arith,
    out: &mut [C],
    body: impl Fn(usize, &mut [C], &mut Counts) + Sync,
) {
    let counts = if out.len() > CHUNK {
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(i, dst)| {
                let mut t = Counts::default();
                body(i * CHUNK, dst, &mut t);
                t
            })
            .reduce(Counts::default, |mut x, y| {
                x += y;
                x
            })
    } else {
        let mut t = Counts::default();
        body(0, out, &mut t);
        t
    };
    arith.record(counts);
}

/// `out[i] = a[i] op b[i]`.
///
/// # Errors
/// [`LnsError::Shape`] if the three lengths differ.
pub fn binary<C: CodeStorage>(
    arith: &Arith,
    op: BinaryOp,
    a: &[C],
    b: &[C],
    out: &mut [C],
) -> Result<()> {
    if a.len() != b.len() || a.len() != out.len() {
        return Err(LnsError::Shape(format!(
            "{op:?}: lengths {}, {} and output {}",
            a.len(),
            b.len(),
            out.len()
        )));
    }
    apply_binary(arith, op, a, |i| b[i].widen(), out);
    Ok(())
}

/// `out[i] = a[i] op rhs(i)`, with Δ dispatched once (table or strategy).
fn apply_binary<C: CodeStorage>(
    arith: &Arith,
    op: BinaryOp,
    a: &[C],
    rhs: impl Fn(usize) -> i32 + Sync,
    out: &mut [C],
) {
    arith.record_ops(op.ops(out.len()));
    match arith.delta().table() {
        Some(d) => apply_binary_with(arith, d, op, a, rhs, out),
        None => apply_binary_with(arith, arith.delta(), op, a, rhs, out),
    }
}

fn apply_binary_with<C: CodeStorage>(
    arith: &Arith,
    delta: &impl DeltaFn,
    op: BinaryOp,
    a: &[C],
    rhs: impl Fn(usize) -> i32 + Sync,
    out: &mut [C],
) {
    let fmt = arith.format();
    run_chunks(arith, out, |s, dst, t| {
        for (i, o) in dst.iter_mut().enumerate() {
            *o = C::narrow(op.apply(fmt, delta, a[s + i].widen(), rhs(s + i), t));
        }
    });
}

/// `out[i] = a[i] op s` for one code `s`.
///
/// # Errors
/// [`LnsError::Shape`] if the lengths differ.
pub fn binary_scalar<C: CodeStorage>(
    arith: &Arith,
    op: BinaryOp,
    a: &[C],
    s: i32,
    out: &mut [C],
) -> Result<()> {
    if a.len() != out.len() {
        return Err(LnsError::Shape(format!(
            "{op:?}: length {} and output {}",
            a.len(),
            out.len()
        )));
    }
    apply_binary(arith, op, a, |_| s, out);
    Ok(())
}

/// `out[i] = op(a[i])`.
///
/// # Errors
/// [`LnsError::Shape`] if the lengths differ.
pub fn unary<C: CodeStorage>(arith: &Arith, op: UnaryOp, a: &[C], out: &mut [C]) -> Result<()> {
    if a.len() != out.len() {
        return Err(LnsError::Shape(format!(
            "{op:?}: length {} and output {}",
            a.len(),
            out.len()
        )));
    }
    arith.record_ops(op.ops(out.len()));
    let fmt = arith.format();
    run_chunks(arith, out, |st, dst, t| {
        for (i, o) in dst.iter_mut().enumerate() {
            *o = C::narrow(op.apply(fmt, a[st + i].widen(), t));
        }
    });
    Ok(())
}
