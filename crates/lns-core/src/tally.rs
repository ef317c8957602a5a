//! Counters of the exceptional events of the arithmetic: saturation, flush to zero, NaN.

use std::sync::atomic::{AtomicU64, Ordering};

/// A sink for exceptional events. `()` ignores them at no cost; [`Counts`] counts them.
pub trait Tally {
    /// A result above the largest magnitude was saturated to ±max.
    fn saturated(&mut self);
    /// A non-zero result below the smallest magnitude was flushed to zero.
    fn flushed(&mut self);
    /// A NaN input was encoded as zero.
    fn nan(&mut self);
}

impl Tally for () {
    #[inline(always)]
    fn saturated(&mut self) {}
    #[inline(always)]
    fn flushed(&mut self) {}
    #[inline(always)]
    fn nan(&mut self) {}
}

/// Plain counts of exceptional events, local to one thread or one kernel call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Results saturated to ±max.
    pub saturated: u64,
    /// Non-zero results flushed to zero.
    pub flushed: u64,
    /// NaN inputs encoded as zero.
    pub nan: u64,
}

impl Tally for Counts {
    #[inline(always)]
    fn saturated(&mut self) {
        self.saturated += 1;
    }
    #[inline(always)]
    fn flushed(&mut self) {
        self.flushed += 1;
    }
    #[inline(always)]
    fn nan(&mut self) {
        self.nan += 1;
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, rhs: Counts) {
        self.saturated += rhs.saturated;
        self.flushed += rhs.flushed;
        self.nan += rhs.nan;
    }
}

/// Shared counters that kernels add their local [`Counts`] to once per call.
#[derive(Debug, Default)]
pub struct SharedCounts {
    saturated: AtomicU64,
    flushed: AtomicU64,
    nan: AtomicU64,
}

impl SharedCounts {
    /// Adds a batch of local counts.
    pub fn add(&self, c: Counts) {
        if c != Counts::default() {
            self.saturated.fetch_add(c.saturated, Ordering::Relaxed);
            self.flushed.fetch_add(c.flushed, Ordering::Relaxed);
            self.nan.fetch_add(c.nan, Ordering::Relaxed);
        }
    }

    /// The counts so far.
    pub fn get(&self) -> Counts {
        Counts {
            saturated: self.saturated.load(Ordering::Relaxed),
            flushed: self.flushed.load(Ordering::Relaxed),
            nan: self.nan.load(Ordering::Relaxed),
        }
    }

    /// Returns the counts so far and resets them to zero.
    pub fn take(&self) -> Counts {
        Counts {
            saturated: self.saturated.swap(0, Ordering::Relaxed),
            flushed: self.flushed.swap(0, Ordering::Relaxed),
            nan: self.nan.swap(0, Ordering::Relaxed),
        }
    }
}

/// Operations by the hardware unit that performs them, for cost models.
///
/// A multiply-accumulate counts once in `mac` (it is one integer add of logs plus one
/// LNS addition); the other fields count operations outside dot products.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpCounts {
    /// Multiply-accumulates of dot products (matmul, conv): `int_add + lns_add` each.
    pub mac: u64,
    /// LNS additions/subtractions with a Δ evaluation (elementwise, sums).
    pub lns_add: u64,
    /// Integer adds/subtracts/shifts of logs: multiply, divide, reciprocal, square root,
    /// integer powers, products.
    pub int_add: u64,
    /// Comparisons: max, min, compare, clamp, argmax.
    pub compare: u64,
    /// Log↔linear conversions: exp, log and the activations built on them, and
    /// encode/decode at the edges.
    pub convert: u64,
}

impl std::ops::Sub for OpCounts {
    type Output = OpCounts;

    /// Field-wise difference of two running totals (`self` is the later one).
    fn sub(self, r: OpCounts) -> OpCounts {
        OpCounts {
            mac: self.mac - r.mac,
            lns_add: self.lns_add - r.lns_add,
            int_add: self.int_add - r.int_add,
            compare: self.compare - r.compare,
            convert: self.convert - r.convert,
        }
    }
}

impl std::ops::AddAssign for OpCounts {
    fn add_assign(&mut self, r: OpCounts) {
        self.mac += r.mac;
        self.lns_add += r.lns_add;
        self.int_add += r.int_add;
        self.compare += r.compare;
        self.convert += r.convert;
    }
}

/// Shared [`OpCounts`], added to once per kernel call (from its sizes, not per element).
#[derive(Debug, Default)]
pub struct SharedOpCounts {
    fields: [AtomicU64; 5],
}

impl SharedOpCounts {
    /// Adds a batch of counts.
    pub fn add(&self, c: OpCounts) {
        for (f, v) in self
            .fields
            .iter()
            .zip([c.mac, c.lns_add, c.int_add, c.compare, c.convert])
        {
            if v != 0 {
                f.fetch_add(v, Ordering::Relaxed);
            }
        }
    }

    /// The counts so far; with `reset`, also sets them back to zero.
    pub fn read(&self, reset: bool) -> OpCounts {
        let v: Vec<u64> = self
            .fields
            .iter()
            .map(|f| {
                if reset {
                    f.swap(0, Ordering::Relaxed)
                } else {
                    f.load(Ordering::Relaxed)
                }
            })
            .collect();
        OpCounts {
            mac: v[0],
            lns_add: v[1],
            int_add: v[2],
            compare: v[3],
            convert: v[4],
        }
    }
}
