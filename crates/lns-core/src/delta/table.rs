//! Any Δ strategy materialized as two flat tables: the kernels' fast path.

use std::sync::OnceLock;

use super::{DeltaFn, DeltaImpl};

/// Differences whose Δ− a packed table ([`DeltaTable::packed_bytes`]) holds as i16.
pub const PACKED_HEAD: usize = 32;

/// Largest support (in code differences) that is materialized into a table.
pub const MAX_TABLE_LEN: u32 = 1 << 20;

/// The outputs of one Δ strategy for every code difference below its support, so
/// that `plus(d) = plus_table[min(d, len − 1)]` (the last entry is 0). Δ−(0) holds the
/// 0; the adder discards it (opposite signs with d = 0 give an exact zero).
#[derive(Debug, Clone)]
pub struct DeltaTable {
    plus: Vec<i32>,
    minus: Vec<i32>,
    step_drop: u32,
    /// Largest `|entry|` of either column.
    largest: u32,
    /// Largest entry of either column, or 0 where none is positive.
    rise: i32,
    /// [`DeltaTable::interleaved`] for scales 0 and 1, built on first use.
    interleaved: [OnceLock<Vec<i32>>; 2],
    /// [`DeltaTable::interleaved_halves`], built on first use.
    halves: OnceLock<Option<Vec<i32>>>,
    /// [`DeltaTable::bucket_halves`], built on first use.
    bucket_halves: OnceLock<Option<Vec<i32>>>,
    /// [`DeltaTable::packed_bytes`], built on first use.
    packed_bytes: OnceLock<Option<Vec<i32>>>,
}

impl DeltaTable {
    /// Tabulates a strategy, or `None` when its support exceeds [`MAX_TABLE_LEN`].
    pub fn materialize(delta: &DeltaImpl) -> Option<DeltaTable> {
        let support = delta.support();
        if support > MAX_TABLE_LEN {
            return None;
        }
        let plus: Vec<i32> = (0..=support)
            .map(|d| if d == support { 0 } else { delta.plus(d) })
            .collect();
        let minus: Vec<i32> = (0..=support)
            .map(|d| {
                if d == 0 || d == support {
                    0
                } else {
                    delta.minus(d)
                }
            })
            .collect();
        let step_drop = step_drop(&plus, &minus);
        let largest = plus.iter().chain(&minus).map(|v| v.unsigned_abs()).max();
        let rise = plus.iter().chain(&minus).copied().max().unwrap_or(0).max(0);
        Some(DeltaTable {
            plus,
            minus,
            step_drop,
            largest: largest.unwrap_or(0),
            rise,
            interleaved: Default::default(),
            halves: OnceLock::new(),
            bucket_halves: OnceLock::new(),
            packed_bytes: OnceLock::new(),
        })
    }

    /// The largest magnitude of any entry, in code units.
    pub fn largest(&self) -> u32 {
        self.largest
    }

    /// The most any correction raises a sum, in code units: the largest entry of either
    /// column (Δ+(0) = 1 for exact tables), or 0. A sum `max(x, y) + Δ` exceeds the
    /// larger term by at most this much.
    pub fn rise(&self) -> i32 {
        self.rise
    }

    /// Both columns in one slice, so that one gather serves both: entry
    /// `2·d + opposite` holds Δ+(d) (`opposite = 0`) or Δ−(d) shifted left by `scale`
    /// (0, or 1 for the kernels that add corrections to codes `2·L + s`). Built once
    /// per scale.
    ///
    /// # Panics
    /// If `scale > 1`.
    pub fn interleaved(&self, scale: u32) -> &[i32] {
        assert!(scale <= 1, "interleaved tables exist for scales 0 and 1");
        self.interleaved[scale as usize].get_or_init(|| {
            self.plus
                .iter()
                .zip(&self.minus)
                .flat_map(|(&p, &m)| [p << scale, m << scale])
                .collect()
        })
    }

    /// [`DeltaTable::interleaved`] at scale 1 with i16 entries, two per i32 word (entry
    /// `2·d + opposite` in the low (`opposite = 0`) or high half of word `d`), and a
    /// final zero word, so that a 4-byte read at any entry stays inside: half the bytes,
    /// for kernels that gather 16-bit entries. `None` where a doubled entry does not
    /// fit i16. Built once.
    pub fn interleaved_halves(&self) -> Option<&[i32]> {
        self.halves
            .get_or_init(|| {
                let doubled = self.interleaved(1);
                let fits = doubled.iter().all(|&e| i16::try_from(e).is_ok());
                fits.then(|| {
                    doubled
                        .chunks_exact(2)
                        .map(|w| word(w[0] as u16, w[1] as u16))
                        .chain([0])
                        .collect()
                })
            })
            .as_deref()
    }

    /// `(Δ+, Δ−)` of each bucket `0 .. step_buckets` of [`DeltaTable::step_drop`]: the
    /// values at the bucket's first code difference (Δ−(0) is never read; bucket 0's Δ−
    /// is the one at d = 1).
    pub fn bucket_corrections(&self) -> impl Iterator<Item = (i32, i32)> + '_ {
        (0..self.step_buckets()).map(move |i| {
            let first = i << self.step_drop;
            (self.plus(first), self.minus(first.max(1)))
        })
    }

    /// [`DeltaTable::interleaved_halves`] with one entry per bucket of
    /// [`DeltaTable::step_drop`] instead of one per code difference: entry
    /// `2·i + opposite` holds the doubled Δ+ or Δ− at bucket `i`'s first difference
    /// (bucket 0's Δ− is the one at d = 1; Δ−(0) is never read). Buckets past the last
    /// repeat it up to `max(32, 2^⌈log2 buckets⌉)` buckets, so that a read past the last
    /// bucket within that power of two gives what clamping the bucket would (the kernels
    /// that permute registers of 32 buckets rely on it). No final zero word. `None`
    /// where a doubled entry does not fit i16. Built once.
    pub fn bucket_halves(&self) -> Option<&[i32]> {
        self.bucket_halves
            .get_or_init(|| {
                let buckets = self.bucket_corrections().collect::<Vec<_>>();
                let last = *buckets.last().expect("at least one bucket");
                let words = buckets.len().next_power_of_two().max(32);
                let doubled = |v: i32| i16::try_from(2 * v).ok().map(|h| h as u16);
                buckets
                    .into_iter()
                    .chain(std::iter::repeat(last))
                    .take(words)
                    .map(|(plus, minus)| Some(word(doubled(plus)?, doubled(minus)?)))
                    .collect()
            })
            .as_deref()
    }

    /// Both columns at one byte per code difference, for kernels that read tables of up
    /// to 512 entries per sign from registers: i16 entry `2·m + opposite` holds Δ+
    /// (`opposite = 0`) or Δ− of differences `2m` (low byte) and `2m + 1` (high byte) as
    /// i8, undoubled; the entries are padded with zeros to a power of two of at least
    /// 64, and followed by [`PACKED_HEAD`] i16 entries: the doubled Δ− of differences
    /// below it, whose bytes hold 0 (their magnitudes need not fit a byte). i16 entries
    /// two per i32 word, like [`DeltaTable::interleaved_halves`]. `None` for more than
    /// 512 entries per sign, or where a Δ+ entry, a Δ− entry from [`PACKED_HEAD`] on or a
    /// doubled head entry does not fit its type. Built once.
    pub fn packed_bytes(&self) -> Option<&[i32]> {
        self.packed_bytes
            .get_or_init(|| {
                let n = self.len();
                if n > 512 {
                    return None;
                }
                let byte = |v: i32| i8::try_from(v).ok().map(|b| b as u8 as u16);
                let entry = |d: usize, opposite: bool| -> Option<u16> {
                    match (d < n, opposite) {
                        (false, _) => Some(0),
                        (true, false) => byte(self.plus[d]),
                        (true, true) if d < PACKED_HEAD => Some(0),
                        (true, true) => byte(self.minus[d]),
                    }
                };
                let pairs = n.div_ceil(2);
                let entries = (2 * pairs).next_power_of_two().max(64);
                let mut halves = Vec::with_capacity(entries + PACKED_HEAD);
                for i in 0..entries {
                    let (m, opposite) = (i / 2, i % 2 == 1);
                    halves.push(entry(2 * m, opposite)? | (entry(2 * m + 1, opposite)? << 8));
                }
                for d in 0..PACKED_HEAD as u32 {
                    halves.push(i16::try_from(2 * self.minus(d)).ok()? as u16);
                }
                Some(halves.chunks_exact(2).map(|w| word(w[0], w[1])).collect())
            })
            .as_deref()
    }

    /// The largest `k` for which both columns are step functions of `d >> k`: constant
    /// on every bucket `[i·2^k, (i+1)·2^k)` (Δ−(0), which the adder never reads, does
    /// not count). Coarse tables (`lut-small`) have `k = frac`; full-resolution ones 0.
    pub fn step_drop(&self) -> u32 {
        self.step_drop
    }

    /// Buckets of `2^step_drop` code differences up to and including the last entry.
    pub fn step_buckets(&self) -> u32 {
        (self.last() >> self.step_drop) + 1
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

/// The smallest number of trailing zero bits among the code differences where a column
/// changes value: every change point is a multiple of `2^k` exactly when both columns
/// are step functions of `d >> k`.
fn step_drop(plus: &[i32], minus: &[i32]) -> u32 {
    let changes = |col: &[i32], from: usize| {
        (from..col.len())
            .filter(|&d| col[d] != col[d - 1])
            .map(|d| d.trailing_zeros())
            .min()
    };
    // Δ−(0) is never read, so Δ− can only change from d = 2 on.
    let k = changes(plus, 1).into_iter().chain(changes(minus, 2)).min();
    k.unwrap_or(31).min(31)
}

/// Two i16 table entries in one i32 word, the first in the low half (as a 4-byte read
/// at the first entry sees them).
fn word(low: u16, high: u16) -> i32 {
    i32::from(low) | (i32::from(high) << 16)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DeltaKind, Format};

    fn table(fmt: Format, kind: DeltaKind) -> DeltaTable {
        kind.build(fmt).table().expect("small support").clone()
    }

    #[test]
    fn coarse_table_is_a_step_function_of_one_bucket_per_log_unit() {
        let t = table(Format::LNS16, DeltaKind::LutSmall);
        assert_eq!(t.step_drop(), 10);
        assert_eq!(t.step_buckets(), 13);
        for d in 1..t.len() as u32 {
            let first = (d >> 10) << 10;
            assert_eq!(t.plus(d), t.plus(first), "Δ+({d})");
            assert_eq!(t.minus(d), t.minus(first.max(1)), "Δ−({d})");
        }
    }

    #[test]
    fn halves_hold_every_doubled_entry_at_its_index_and_end_in_a_zero_word() {
        let t = table(Format::LNS16, DeltaKind::Lut);
        let doubled = t.interleaved(1);
        let words = t.interleaved_halves().expect("16:10 doubles fit i16");
        assert_eq!(words.len(), doubled.len() / 2 + 1);
        assert_eq!(words[words.len() - 1], 0);
        for (i, &entry) in doubled.iter().enumerate() {
            let half = (words[i / 2] >> (16 * (i % 2))) as i16;
            assert_eq!(i32::from(half), entry, "entry {i}");
        }
        // Δ+(0) = 2^14 doubles to 2^15, past i16.
        let wide = table(Format::new(24, 14).unwrap(), DeltaKind::Lut);
        assert!(wide.interleaved_halves().is_none());
    }

    #[test]
    fn bucket_halves_hold_each_buckets_doubled_corrections_and_repeat_the_last() {
        let t = table(Format::LNS16, DeltaKind::LutSmall);
        let words = t.bucket_halves().expect("16:10 doubles fit i16");
        // 13 buckets, padded to 32.
        assert_eq!(words.len(), 32);
        for (i, &word) in words.iter().enumerate() {
            let first = (i.min(12) as u32) << 10;
            assert_eq!(
                i32::from(word as i16),
                2 * t.plus(first),
                "Δ+ of bucket {i}"
            );
            assert_eq!(
                i32::from((word >> 16) as i16),
                2 * t.minus(first.max(1)),
                "Δ− of bucket {i}"
            );
        }
        // 12:6's full table has one bucket per difference: 484 of them, padded to 512.
        let full = table(Format::new(12, 6).unwrap(), DeltaKind::Lut);
        assert_eq!(full.step_buckets(), 484);
        assert_eq!(full.bucket_halves().map(<[i32]>::len), Some(512));
        let wide = table(Format::new(24, 14).unwrap(), DeltaKind::LutSmall);
        assert!(wide.bucket_halves().is_none());
    }

    #[test]
    fn packed_bytes_hold_every_correction_at_its_difference_and_the_doubled_head() {
        let t = table(Format::LNS12, DeltaKind::Pwl);
        let words = t
            .packed_bytes()
            .expect("12:6 corrections fit a byte past the head");
        let halves: Vec<u16> = words
            .iter()
            .flat_map(|&w| [w as u16, (w >> 16) as u16])
            .collect();
        // 484 entries per sign: 242 pairs of differences per sign, 484 i16 entries,
        // padded to 512, then the head.
        assert_eq!(t.len(), 484);
        assert_eq!(halves.len(), 512 + PACKED_HEAD);
        for d in 0..512u32 {
            let entry = |opposite: usize| halves[2 * (d as usize / 2) + opposite];
            let byte = |e: u16| i32::from((e >> (8 * (d % 2))) as u8 as i8);
            let (plus, minus) = if d < 484 {
                (t.plus(d), t.minus(d))
            } else {
                (0, 0)
            };
            assert_eq!(byte(entry(0)), plus, "Δ+({d})");
            if d as usize >= PACKED_HEAD {
                assert_eq!(byte(entry(1)), minus, "Δ−({d})");
            }
        }
        for d in 0..PACKED_HEAD {
            let head = i32::from(halves[512 + d] as i16);
            assert_eq!(head, 2 * t.minus(d as u32), "doubled head Δ−({d})");
        }
        // 16:10's tables hold more than 512 entries per sign.
        assert!(
            table(Format::LNS16, DeltaKind::Lut)
                .packed_bytes()
                .is_none()
        );
    }

    #[test]
    fn full_resolution_table_has_no_buckets() {
        assert_eq!(table(Format::LNS16, DeltaKind::Lut).step_drop(), 0);
        assert_eq!(table(Format::LNS12, DeltaKind::Pwl).step_drop(), 0);
    }
}
