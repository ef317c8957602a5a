//! The arithmetic unit: a format, its Δ strategy, the accumulator of dot products,
//! the conversion unit, and counters of exceptional events.

use std::sync::{Arc, OnceLock};

use crate::convert::{decode, encode, try_encode};
use crate::convunit::ConvUnit;
use crate::delta::{Delta, DeltaKind, PwlTable};
use crate::error::{LnsError, Result};
use crate::format::Format;
use crate::tally::{Counts, OpCounts, SharedCounts, SharedOpCounts};
use crate::trace::{OpSegment, OpTrace};
use crate::{arith, convert};

/// Everything that defines how numbers are computed: shared, immutable, cheap to clone.
///
/// Dot products (and so matmul and conv) multiply in the operand format, accumulate in
/// `acc_format` with `acc_delta`, and round the result back to `format` at the end.
#[derive(Debug, Clone)]
pub struct Arith {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    format: Format,
    delta: Delta,
    acc_format: Format,
    acc_delta: Delta,
    conv: ConvUnit,
    counts: SharedCounts,
    ops: SharedOpCounts,
    trace: OpTrace,
    f32_values: F32Values,
}

/// [`Arith::f32_values`], built on first use (its `Debug` does not list them).
#[derive(Default)]
struct F32Values(OnceLock<Option<Box<[f32]>>>);

impl std::fmt::Debug for F32Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let built = self.0.get().is_some();
        f.debug_struct("F32Values").field("built", &built).finish()
    }
}

impl Arith {
    /// A unit computing in `format` with the Δ strategy `kind`, accumulating in the
    /// operand format.
    pub fn new(format: Format, kind: DeltaKind) -> Arith {
        let delta = kind.build(format);
        Arith::from_parts(
            format,
            delta.clone(),
            format,
            delta,
            ConvUnit::for_delta(kind),
        )
    }

    /// The same unit with a wider accumulator for dot products.
    ///
    /// # Errors
    /// [`LnsError::Parse`] if the accumulator has fewer fractional or integer bits than
    /// the operand format (products must widen exactly).
    pub fn with_accumulator(&self, acc: Format) -> Result<Arith> {
        let f = self.format();
        let int_bits = |x: Format| x.bits() - x.frac();
        if acc.frac() < f.frac() || int_bits(acc) < int_bits(f) {
            return Err(LnsError::Parse {
                text: acc.to_string(),
                why: format!(
                    "an accumulator must have at least the fractional and integer bits of the operand format {f}"
                ),
            });
        }
        let acc_delta = if acc == f {
            self.delta().clone()
        } else {
            self.delta().kind().build(acc)
        };
        Ok(Arith::from_parts(
            f,
            self.delta().clone(),
            acc,
            acc_delta,
            self.conv(),
        ))
    }

    /// A unit whose Δ is a fitted PWL table (accumulating in the table's format).
    ///
    /// # Errors
    /// [`LnsError::BadPwl`] if the table is malformed.
    pub fn with_pwl(table: PwlTable) -> Result<Arith> {
        let format = table.format;
        let delta = Delta::from_pwl(table)?;
        Ok(Arith::from_parts(
            format,
            delta.clone(),
            format,
            delta,
            ConvUnit::for_delta(DeltaKind::Pwl),
        ))
    }

    fn from_parts(
        format: Format,
        delta: Delta,
        acc_format: Format,
        acc_delta: Delta,
        conv: ConvUnit,
    ) -> Arith {
        Arith {
            inner: Arc::new(Inner {
                format,
                delta,
                acc_format,
                acc_delta,
                conv,
                counts: SharedCounts::default(),
                ops: SharedOpCounts::default(),
                trace: OpTrace::default(),
                f32_values: F32Values::default(),
            }),
        }
    }

    /// The operand and result format.
    pub fn format(&self) -> Format {
        self.inner.format
    }
    /// Δ for additions in the operand format.
    pub fn delta(&self) -> &Delta {
        &self.inner.delta
    }
    /// The accumulator format of dot products.
    pub fn acc_format(&self) -> Format {
        self.inner.acc_format
    }
    /// Δ for additions in the accumulator format.
    pub fn acc_delta(&self) -> &Delta {
        &self.inner.acc_delta
    }
    /// The log↔linear conversion unit.
    pub fn conv(&self) -> ConvUnit {
        self.inner.conv
    }
    /// Saturations, flushes and NaNs counted so far by operations on this unit (and its
    /// clones).
    pub fn counts(&self) -> Counts {
        self.inner.counts.get()
    }
    /// Returns the counts so far and resets them.
    pub fn take_counts(&self) -> Counts {
        self.inner.counts.take()
    }
    /// Adds a kernel's local counts to the shared counters.
    pub fn record(&self, c: Counts) {
        self.inner.counts.add(c);
    }

    /// Operations performed so far by kernels and scalar methods on this unit (and its
    /// clones), by hardware unit.
    pub fn op_counts(&self) -> OpCounts {
        self.inner.ops.read(false)
    }
    /// Returns the operation counts so far and resets them.
    pub fn take_op_counts(&self) -> OpCounts {
        let taken = self.inner.ops.read(true);
        self.inner.trace.rebase(taken);
        taken
    }

    /// Starts splitting the operation counts into segments (see [`crate::trace`]); the
    /// first segment, named `label`, holds what is counted before the first
    /// [`Arith::begin_segment`].
    pub fn start_trace(&self, label: &str) {
        self.inner.trace.start(label, self.op_counts());
    }

    /// Opens a new segment named `label()` if a trace is recording: backends call it
    /// when a layer operation (matmul, convolution, pooling) starts.
    pub fn begin_segment(&self, label: impl FnOnce() -> String) {
        if self.inner.trace.is_recording() {
            self.inner.trace.begin(label, self.op_counts());
        }
    }

    /// Stops the trace and returns its non-empty segments in order.
    pub fn finish_trace(&self) -> Vec<OpSegment> {
        self.inner.trace.finish(self.op_counts())
    }
    /// Adds operations performed outside this crate's kernels (e.g. a conversion unit
    /// driven by a backend).
    pub fn record_ops(&self, c: OpCounts) {
        self.inner.ops.add(c);
    }

    /// Encodes `x` (see [`convert::encode`]), counting exceptional events.
    pub fn encode(&self, x: f64) -> i32 {
        self.record_ops(OpCounts {
            convert: 1,
            ..OpCounts::default()
        });
        self.counted(|t| encode(self.format(), x, t))
    }
    /// Encodes a finite `x`.
    ///
    /// # Errors
    /// [`LnsError::NotFinite`] for NaN and ±∞.
    pub fn try_encode(&self, x: f64) -> Result<i32> {
        let mut t = Counts::default();
        let r = try_encode(self.format(), x, &mut t);
        self.record(t);
        r
    }
    /// The value of a code.
    pub fn decode(&self, code: i32) -> f64 {
        decode(self.format(), code)
    }
    /// Largest format whose codes [`Arith::f32_values`] tabulates (256 KiB of f32).
    pub const F32_TABLE_BITS: u32 = 16;
    /// [`convert::decode_f32`] of every code of a format of at most
    /// [`Self::F32_TABLE_BITS`] bits, indexed by `code − zero` (the zero code is the
    /// smallest), so that decoding a tensor is one lookup per code; built once, on first
    /// use. `None` for wider formats.
    pub fn f32_values(&self) -> Option<&[f32]> {
        let fmt = self.format();
        self.inner
            .f32_values
            .0
            .get_or_init(|| {
                (fmt.bits() <= Self::F32_TABLE_BITS).then(|| {
                    (fmt.zero()..=fmt.max_code() + 1)
                        .map(|code| convert::decode_f32(fmt, code))
                        .collect()
                })
            })
            .as_deref()
    }
    /// `a + b` (see [`arith::add`]).
    pub fn add(&self, a: i32, b: i32) -> i32 {
        self.record_ops(OpCounts {
            lns_add: 1,
            ..OpCounts::default()
        });
        self.counted(|t| arith::add(self.format(), self.delta(), a, b, t))
    }
    /// `a − b`.
    pub fn sub(&self, a: i32, b: i32) -> i32 {
        self.record_ops(OpCounts {
            lns_add: 1,
            ..OpCounts::default()
        });
        self.counted(|t| arith::sub(self.format(), self.delta(), a, b, t))
    }
    /// `a · b`.
    pub fn mul(&self, a: i32, b: i32) -> i32 {
        self.record_ops(OpCounts {
            int_add: 1,
            ..OpCounts::default()
        });
        self.counted(|t| arith::mul(self.format(), a, b, t))
    }
    /// `a / b`.
    pub fn div(&self, a: i32, b: i32) -> i32 {
        self.record_ops(OpCounts {
            int_add: 1,
            ..OpCounts::default()
        });
        self.counted(|t| arith::div(self.format(), a, b, t))
    }
    /// `√a`.
    pub fn sqrt(&self, a: i32) -> i32 {
        self.record_ops(OpCounts {
            int_add: 1,
            ..OpCounts::default()
        });
        self.counted(|t| arith::sqrt(self.format(), a, t))
    }
    /// `a^n`.
    pub fn powi(&self, a: i32, n: i32) -> i32 {
        self.record_ops(OpCounts {
            int_add: 1,
            ..OpCounts::default()
        });
        self.counted(|t| arith::powi(self.format(), a, n, t))
    }
    /// Re-encodes an accumulator code in the operand format.
    pub fn acc_to_operand(&self, code: i32) -> i32 {
        self.counted(|t| convert::recode(self.acc_format(), self.format(), code, t))
    }

    fn counted(&self, f: impl FnOnce(&mut Counts) -> i32) -> i32 {
        let mut t = Counts::default();
        let r = f(&mut t);
        self.record(t);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_values_hold_the_decoded_value_of_every_code_of_formats_up_to_16_bits() {
        for fmt in [
            Format::LNS8,
            Format::LNS12,
            Format::LNS16,
            Format::new(16, 4).unwrap(),
        ] {
            let unit = Arith::new(fmt, DeltaKind::Lut);
            let values = unit.f32_values().expect("a table up to 16 bits");
            assert_eq!(values.len(), 1 << fmt.bits(), "{fmt}");
            for code in fmt.zero()..=fmt.max_code() + 1 {
                let v = values[(code - fmt.zero()) as usize];
                assert_eq!(
                    v.to_bits(),
                    convert::decode_f32(fmt, code).to_bits(),
                    "{fmt} {code}"
                );
            }
        }
        let wide = Format::new(20, 12).unwrap();
        assert!(Arith::new(wide, DeltaKind::Lut).f32_values().is_none());
    }

    #[test]
    fn accumulator_must_widen_exactly() {
        let a = Arith::new(Format::LNS16, DeltaKind::Lut);
        assert!(a.with_accumulator(Format::new(20, 12).unwrap()).is_ok());
        assert!(a.with_accumulator(Format::new(16, 11).unwrap()).is_err());
        assert!(a.with_accumulator(Format::LNS12).is_err());
    }

    #[test]
    fn counters_see_every_scalar_event_and_reset_on_take() {
        let a = Arith::new(Format::LNS8, DeltaKind::Exact);
        let big = a.encode(200.0);
        a.mul(big, big);
        a.encode(1e-9);
        a.encode(f64::NAN);
        assert_eq!(
            a.take_counts(),
            Counts {
                saturated: 1,
                flushed: 1,
                nan: 1
            }
        );
        assert_eq!(a.counts(), Counts::default());
    }
}
