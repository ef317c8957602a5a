//! The Gaussian-logarithm corrections of LNS addition and their approximations.
//!
//! With `d = |Lx − Ly| ≥ 0` in code units (units of 2^−frac):
//! `Δ+(d) = 2^frac · log2(1 + 2^(−d/2^frac))` for operands of equal sign and
//! `Δ−(d) = 2^frac · log2(1 − 2^(−d/2^frac))` for opposite signs (d ≥ 1; d = 0 is an
//! exact zero handled by the adder). Strategies:
//! - [`ExactDelta`]: f64 evaluation rounded to nearest — the reference;
//! - [`LutDelta`]: a table over `d` (full resolution, coarse, or interpolated);
//! - [`PwlDelta`]: piece-wise linear with shift-add slopes;
//! - [`ShiftDelta`]: Mitchell's shift-only antilog/log, the cheapest.
//!
//! Every strategy is also materialized, for formats whose correction vanishes within
//! [`MAX_TABLE_LEN`] codes, into a [`DeltaTable`] holding its own outputs for every `d`;
//! kernels look values up there, so all strategies share one fast, bit-identical path.

mod error;
mod exact;
pub mod fitted;
mod lut;
mod pwl;
mod shift;
mod table;

use std::fmt;
use std::str::FromStr;

pub use error::{DeltaError, delta_error};
pub use exact::ExactDelta;
pub use lut::LutDelta;
pub use pwl::{PwlDelta, PwlSegment, PwlTable, SlopeTerm, default_breakpoints};
pub use shift::ShiftDelta;
pub use table::{DeltaTable, MAX_TABLE_LEN, PACKED_HEAD};

use crate::error::{LnsError, Result};
use crate::format::Format;

/// A Δ± implementation in code units.
pub trait DeltaFn: Send + Sync {
    /// `Δ+(d)` in code units (`0 ≤ Δ+ ≤ 2^frac`).
    fn plus(&self, d: u32) -> i32;
    /// `Δ−(d)` in code units for `d ≥ 1`, never below [`minus_floor`].
    fn minus(&self, d: u32) -> i32;
    /// A `d` from which both corrections are 0 for every larger `d` up to
    /// [`Format::largest_difference`]: for [`ExactDelta`] the smallest such `d`, or one
    /// past the largest difference in formats that span fewer octaves than Δ needs to
    /// round to 0 (the support ends where the differences do); for approximations an
    /// upper bound (a table's may run to the end of its last bucket).
    fn support(&self) -> u32;
}

/// The most negative Δ− any strategy returns: `log_min − log_max − 1`, small enough
/// that `max + Δ−` always flushes to zero, large enough to fit an i32.
pub const fn minus_floor(fmt: Format) -> i32 {
    fmt.log_min() - fmt.log_max() - 1
}

/// `Δ−(d)` for `d` below `threshold` by the doubling identity
/// `log2(1 − x) = log2(1 − x²) − log2(1 + x)`, i.e. `Δ−(d) = Δ−(2d) − Δ+(d)`, applied
/// until `d ≥ threshold`, where `tail` takes over. Avoids tabulating the singular head.
pub(crate) fn minus_by_doubling(
    fmt: Format,
    mut d: u32,
    threshold: u32,
    plus: impl Fn(u32) -> i32,
    tail: impl Fn(u32) -> i32,
) -> i32 {
    debug_assert!(d >= 1);
    let mut acc: i64 = 0;
    while d < threshold {
        acc -= plus(d) as i64;
        d <<= 1;
    }
    (acc + tail(d) as i64).max(minus_floor(fmt) as i64) as i32
}

/// Which Δ strategy, chosen at run time (e.g. from a CLI string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeltaKind {
    /// f64 evaluation, rounded: the reference.
    Exact,
    /// A table: full resolution where it fits in [`LutDelta::MAX_FULL_ENTRIES`], else
    /// interpolated.
    Lut,
    /// A small table with granularity of one log unit (`index = d >> frac`), as the
    /// 17-entry table of Sanyal et al. 2020.
    LutSmall,
    /// The default piece-wise-linear fit for the format.
    Pwl,
    /// Mitchell's shift-based approximation.
    Shift,
}

impl DeltaKind {
    /// All kinds, in documentation order.
    pub const ALL: [DeltaKind; 5] = [
        DeltaKind::Exact,
        DeltaKind::Lut,
        DeltaKind::LutSmall,
        DeltaKind::Pwl,
        DeltaKind::Shift,
    ];

    /// The name used in strings and tables.
    pub const fn name(self) -> &'static str {
        match self {
            DeltaKind::Exact => "exact",
            DeltaKind::Lut => "lut",
            DeltaKind::LutSmall => "lut-small",
            DeltaKind::Pwl => "pwl",
            DeltaKind::Shift => "shift",
        }
    }

    /// Builds this strategy for a format.
    pub fn build(self, fmt: Format) -> Delta {
        match self {
            DeltaKind::Exact => Delta::new(DeltaImpl::Exact(ExactDelta::new(fmt)), self),
            DeltaKind::Lut => Delta::new(DeltaImpl::Lut(LutDelta::auto(fmt)), self),
            DeltaKind::LutSmall => {
                Delta::new(DeltaImpl::Lut(LutDelta::coarse(fmt, fmt.frac())), self)
            }
            DeltaKind::Pwl => Delta::new(DeltaImpl::Pwl(PwlDelta::default_for(fmt)), self),
            DeltaKind::Shift => Delta::new(DeltaImpl::Shift(ShiftDelta::new(fmt)), self),
        }
    }
}

impl fmt::Display for DeltaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DeltaKind {
    type Err = LnsError;
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.trim().to_ascii_lowercase();
        DeltaKind::ALL
            .into_iter()
            .find(|k| k.name() == lower)
            .ok_or_else(|| LnsError::Parse {
                text: s.to_string(),
                why: "unknown Δ strategy; expected one of exact, lut, lut-small, pwl, shift".into(),
            })
    }
}

/// The concrete strategy behind a [`Delta`].
#[derive(Debug, Clone)]
pub enum DeltaImpl {
    /// See [`ExactDelta`].
    Exact(ExactDelta),
    /// See [`LutDelta`].
    Lut(LutDelta),
    /// See [`PwlDelta`].
    Pwl(PwlDelta),
    /// See [`ShiftDelta`].
    Shift(ShiftDelta),
}

impl DeltaFn for DeltaImpl {
    fn plus(&self, d: u32) -> i32 {
        match self {
            DeltaImpl::Exact(x) => x.plus(d),
            DeltaImpl::Lut(x) => x.plus(d),
            DeltaImpl::Pwl(x) => x.plus(d),
            DeltaImpl::Shift(x) => x.plus(d),
        }
    }
    fn minus(&self, d: u32) -> i32 {
        match self {
            DeltaImpl::Exact(x) => x.minus(d),
            DeltaImpl::Lut(x) => x.minus(d),
            DeltaImpl::Pwl(x) => x.minus(d),
            DeltaImpl::Shift(x) => x.minus(d),
        }
    }
    fn support(&self) -> u32 {
        match self {
            DeltaImpl::Exact(x) => x.support(),
            DeltaImpl::Lut(x) => x.support(),
            DeltaImpl::Pwl(x) => x.support(),
            DeltaImpl::Shift(x) => x.support(),
        }
    }
}

/// A Δ strategy built for one format, with its materialized table where one fits.
#[derive(Debug, Clone)]
pub struct Delta {
    kind: DeltaKind,
    imp: DeltaImpl,
    table: Option<DeltaTable>,
}

impl Delta {
    /// Wraps a strategy, materializing its table when its support is small enough.
    pub fn new(imp: DeltaImpl, kind: DeltaKind) -> Delta {
        let table = DeltaTable::materialize(&imp);
        Delta { kind, imp, table }
    }

    /// A PWL strategy from a fitted table (e.g. loaded from JSON).
    pub fn from_pwl(table: PwlTable) -> Result<Delta> {
        Ok(Delta::new(
            DeltaImpl::Pwl(PwlDelta::new(table)?),
            DeltaKind::Pwl,
        ))
    }

    /// Which kind of strategy this is.
    pub fn kind(&self) -> DeltaKind {
        self.kind
    }

    /// The strategy itself.
    pub fn strategy(&self) -> &DeltaImpl {
        &self.imp
    }

    /// The materialized table, if the format is small enough to have one.
    pub fn table(&self) -> Option<&DeltaTable> {
        self.table.as_ref()
    }
}

impl DeltaFn for Delta {
    #[inline]
    fn plus(&self, d: u32) -> i32 {
        match &self.table {
            Some(t) => t.plus(d),
            None => self.imp.plus(d),
        }
    }
    #[inline]
    fn minus(&self, d: u32) -> i32 {
        match &self.table {
            Some(t) => t.minus(d),
            None => self.imp.minus(d),
        }
    }
    fn support(&self) -> u32 {
        self.imp.support()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_name_and_reject_unknown_names() {
        for k in DeltaKind::ALL {
            assert_eq!(k.name().parse::<DeltaKind>().unwrap(), k);
        }
        assert!("PWL".parse::<DeltaKind>().is_ok());
        let err = "linear".parse::<DeltaKind>().unwrap_err().to_string();
        assert!(err.contains("exact, lut"), "{err}");
    }

    #[test]
    fn doubling_identity_matches_exact_minus() {
        let fmt = Format::LNS16;
        let exact = ExactDelta::new(fmt);
        for d in 1..300u32 {
            let via = minus_by_doubling(fmt, d, 256, |x| exact.plus(x), |x| exact.minus(x));
            // Each doubling step adds at most one rounding of half a code.
            let steps = (256f64 / d as f64).log2().ceil().max(0.0) as i32;
            assert!(
                (via - exact.minus(d)).abs() <= steps / 2 + 1,
                "d={d}: {via} vs {}",
                exact.minus(d)
            );
        }
    }
}
