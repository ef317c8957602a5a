//! The scalar reference: one output at a time, in the canonical order.

use crate::arith::{add, div_by_count, mul};
use crate::code::CodeStorage;
use crate::convert::recode;
use crate::delta::DeltaFn;
use crate::tally::Tally;
use crate::unit::Arith;

/// The canonical dot product of two code sequences (widened to i32):
/// `acc ← acc + up(a_k)·up(b_k)` for `k = 0..K` in the accumulator format, then
/// rounded to the operand format.
pub fn dot_codes(
    arith: &Arith,
    a: impl IntoIterator<Item = i32>,
    b: impl IntoIterator<Item = i32>,
    t: &mut impl Tally,
) -> i32 {
    divided_dot_codes(arith, a, b, 0, t)
}

/// [`dot_codes`] divided by a count before the rounding: the accumulator's sum, divided
/// by `log_n` ([`crate::arith::count_log`] in the accumulator's fraction; 0 for none)
/// with [`div_by_count`] in the accumulator format, then rounded to the operand format.
pub(crate) fn divided_dot_codes(
    arith: &Arith,
    a: impl IntoIterator<Item = i32>,
    b: impl IntoIterator<Item = i32>,
    log_n: i64,
    t: &mut impl Tally,
) -> i32 {
    match arith.acc_delta().table() {
        Some(table) => dot_with(arith, table, a, b, log_n, t),
        None => dot_with(arith, arith.acc_delta(), a, b, log_n, t),
    }
}

fn dot_with(
    arith: &Arith,
    delta: &impl DeltaFn,
    a: impl IntoIterator<Item = i32>,
    b: impl IntoIterator<Item = i32>,
    log_n: i64,
    t: &mut impl Tally,
) -> i32 {
    let (f, af) = (arith.format(), arith.acc_format());
    let mut acc = af.zero();
    for (x, y) in a.into_iter().zip(b) {
        let p = mul(af, recode(f, af, x, t), recode(f, af, y, t), t);
        acc = add(af, delta, acc, p, t);
    }
    if log_n != 0 {
        acc = div_by_count(af, acc, log_n, t);
    }
    recode(af, f, acc, t)
}

/// The canonical dot product of two equally long code slices.
///
/// # Panics
/// If the lengths differ.
pub fn dot<C: CodeStorage>(arith: &Arith, a: &[C], b: &[C]) -> C {
    assert_eq!(a.len(), b.len(), "dot: operand lengths differ");
    arith.record_ops(crate::OpCounts {
        mac: a.len() as u64,
        ..Default::default()
    });
    let mut t = crate::Counts::default();
    let r = dot_codes(
        arith,
        a.iter().map(|c| c.widen()),
        b.iter().map(|c| c.widen()),
        &mut t,
    );
    arith.record(t);
    C::narrow(r)
}
