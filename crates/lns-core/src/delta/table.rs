//! Any Δ strategy materialized as two flat tables: the kernels' fast path.

use super::{DeltaFn, DeltaImpl};

/// Largest support (in code differences) that is materialized into a table.
pub const MAX_TABLE_LEN: u32 = 1 << 20;

/// The outputs of one Δ strategy for every code difference below its support, so
/// that `plus(d) = plus_table[min(d, len − 1)]` (the last entry is 0). Δ−(0) holds the
/// 0; the adder discards it (opposite signs with d = 0 give an exact zero).
#[derive(Debug, Clone)]
pub struct DeltaTable {
    plus: Vec<i32>,
    minus: Vec<i32>,
}

impl DeltaTable {
    /// Tabulates a strategy, or `None` when its support exceeds [`MAX_TABLE_LEN`].
    pub fn materialize(delta: &DeltaImpl) -> Option<DeltaTable> {
        let support = delta.support();
        if support > MAX_TABLE_LEN {
            return None;
        }
        let plus = (0..=support)
            .map(|d| if d == support { 0 } else { delta.plus(d) })
            .collect();
        let minus = (0..=support)
            .map(|d| {
                if d == 0 || d == support {
                    0
                } else {
                    delta.minus(d)
                }
            })
            .collect();
        Some(DeltaTable { plus, minus })
    }

    /// Entries per sign (support + 1).
    pub fn len(&self) -> usize {
        self.plus.len()
    }

    /// Never empty: there is always the final zero entry.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The Δ+ column.
    pub fn plus_slice(&self) -> &[i32] {
        &self.plus
    }

    /// The Δ− column.
    pub fn minus_slice(&self) -> &[i32] {
        &self.minus
    }

    /// Highest valid index.
    #[inline(always)]
    pub fn last(&self) -> u32 {
        self.plus.len() as u32 - 1
    }
}

impl DeltaFn for DeltaTable {
    #[inline(always)]
    fn plus(&self, d: u32) -> i32 {
        self.plus[d.min(self.last()) as usize]
    }
    #[inline(always)]
    fn minus(&self, d: u32) -> i32 {
        self.minus[d.min(self.last()) as usize]
    }
    fn support(&self) -> u32 {
        self.last()
    }
}
