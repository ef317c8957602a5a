//! Golden test vectors for RTL: generation, a text format, a parser and a checker.
//!
//! A vector set is a [`VectorHeader`] (serializable; written as JSON by `lns vectors`)
//! and a body of one vector per line: the input codes followed by the output code,
//! separated by single spaces, each in hexadecimal with a fixed width of
//! `⌈bits/4⌉` digits. A code is `2·L + s` (sign in the lowest bit, the most negative
//! `L` reserved for zero) as a two's-complement integer of `bits` bits, i.e. the
//! `bits` low bits of the packed code. Per operation ([`VectorOp`]):
//!
//! | op | fields | output |
//! |---|---|---|
//! | `add` | `a b out` | `a + b` |
//! | `sub` | `a b out` | `a − b` |
//! | `mul` | `a b out` | `a · b` |
//! | `mac` | `acc a b out` | `acc + a·b`: one step of the canonical dot product |
//! | `dot` | `a0 … a(K−1) b0 … b(K−1) out` | the canonical K-long dot product |
//!
//! Outputs are those of the scalar reference ([`crate::arith`],
//! [`crate::kernels::dot_codes`]) for the header's format and Δ strategy, with the
//! accumulator in the operand format.

use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::arith;
use crate::code::pack;
use crate::delta::{DeltaImpl, DeltaKind, PwlTable};
use crate::error::{LnsError, Result};
use crate::format::Format;
use crate::kernels::dot_codes;
use crate::reference::SplitMix64;
use crate::unit::Arith;

/// Formats of at most this many bits can be enumerated exhaustively (all pairs).
pub const EXHAUSTIVE_MAX_BITS: u32 = 8;

/// The packing rule, stated in every header.
pub const PACKING: &str = "code = 2*L + s (s = sign in bit 0, L = two's-complement log with \
     `frac` fractional bits, L = -2^(bits-2) is zero), written as the `bits` low bits of the \
     two's-complement code in hex";

/// An operation covered by a vector set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VectorOp {
    /// `a + b`.
    Add,
    /// `a − b`.
    Sub,
    /// `a · b`.
    Mul,
    /// `acc + a·b`, one multiply-accumulate step.
    Mac,
    /// A K-long canonical dot product.
    Dot,
}

impl VectorOp {
    /// All operations.
    pub const ALL: [VectorOp; 5] = [
        VectorOp::Add,
        VectorOp::Sub,
        VectorOp::Mul,
        VectorOp::Mac,
        VectorOp::Dot,
    ];

    /// The name used in strings and headers.
    pub const fn name(self) -> &'static str {
        match self {
            VectorOp::Add => "add",
            VectorOp::Sub => "sub",
            VectorOp::Mul => "mul",
            VectorOp::Mac => "mac",
            VectorOp::Dot => "dot",
        }
    }

    /// Field names of one vector (`k` is the dot length).
    pub fn fields(self, k: u32) -> Vec<String> {
        let names: &[&str] = match self {
            VectorOp::Add | VectorOp::Sub | VectorOp::Mul => &["a", "b", "out"],
            VectorOp::Mac => &["acc", "a", "b", "out"],
            VectorOp::Dot => {
                return (0..k)
                    .map(|i| format!("a{i}"))
                    .chain((0..k).map(|i| format!("b{i}")))
                    .chain(std::iter::once("out".to_string()))
                    .collect();
            }
        };
        names.iter().map(|s| s.to_string()).collect()
    }
}

impl fmt::Display for VectorOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for VectorOp {
    type Err = LnsError;
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.trim().to_ascii_lowercase();
        VectorOp::ALL
            .into_iter()
            .find(|o| o.name() == lower)
            .ok_or_else(|| LnsError::Parse {
                text: s.to_string(),
                why: "unknown operation; expected one of add, sub, mul, mac, dot".into(),
            })
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct VectorSpec {
    /// The format of every code.
    pub format: Format,
    /// The Δ strategy of add, sub, mac and dot.
    pub strategy: DeltaKind,
    /// A fitted PWL table to use instead of the default one (`strategy` must be `pwl`).
    pub pwl: Option<PwlTable>,
    /// The operation.
    pub op: VectorOp,
    /// Vectors to draw (ignored when `exhaustive`).
    pub count: u64,
    /// Dot-product length (`dot` only).
    pub k: u32,
    /// Seed of the random operands.
    pub seed: u64,
    /// Enumerate operands instead of drawing them (formats ≤ [`EXHAUSTIVE_MAX_BITS`]).
    pub exhaustive: bool,
}

/// Describes a vector file (written as JSON beside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorHeader {
    /// The format of every code.
    pub format: Format,
    /// The Δ strategy.
    pub strategy: DeltaKind,
    /// The PWL table behind `strategy = pwl` (default or fitted), so the set is
    /// self-contained.
    pub pwl: Option<PwlTable>,
    /// The operation.
    pub op: VectorOp,
    /// Number of vectors (lines).
    pub count: u64,
    /// Dot-product length (1 for the other operations).
    pub k: u32,
    /// Seed of the random operands.
    pub seed: u64,
    /// Whether the operands were enumerated rather than drawn.
    pub exhaustive: bool,
    /// Width of a code in bits (`bits` of the format).
    pub code_bits: u32,
    /// Hex digits per code: `⌈code_bits/4⌉`.
    pub hex_digits: u32,
    /// The packing rule ([`PACKING`]).
    pub packing: String,
    /// Names of the fields of one line, inputs first, `out` last.
    pub fields: Vec<String>,
    /// The body's file name, relative to the header.
    pub data_file: String,
}

impl VectorHeader {
    /// The arithmetic unit the vectors were computed with.
    ///
    /// # Errors
    /// [`LnsError::BadPwl`] for a malformed table, [`LnsError::Parse`] if a table is
    /// given for a strategy other than `pwl` or is for another format.
    pub fn arith(&self) -> Result<Arith> {
        arith_for(self.format, self.strategy, self.pwl.clone())
    }
}

fn arith_for(format: Format, strategy: DeltaKind, pwl: Option<PwlTable>) -> Result<Arith> {
    match pwl {
        None => Ok(Arith::new(format, strategy)),
        Some(t) if strategy == DeltaKind::Pwl && t.format == format => Arith::with_pwl(t),
        Some(t) => Err(LnsError::Parse {
            text: format!("PWL table for {}", t.format),
            why: format!("a PWL table needs strategy pwl and format {format}"),
        }),
    }
}

/// A header and its vectors (`header.fields.len()` codes per vector, output last).
#[derive(Debug, Clone, PartialEq)]
pub struct VectorSet {
    /// The description.
    pub header: VectorHeader,
    /// All codes, vector after vector.
    pub codes: Vec<i32>,
}

impl VectorSet {
    /// The vectors, each `header.fields.len()` codes long.
    pub fn vectors(&self) -> impl Iterator<Item = &[i32]> {
        self.codes.chunks_exact(self.header.fields.len())
    }

    /// The body: one line per vector, fixed-width hex codes separated by spaces.
    pub fn to_text(&self) -> String {
        let fmt = self.header.format;
        let mut s = String::with_capacity(self.codes.len() * (self.header.hex_digits as usize + 1));
        for v in self.vectors() {
            for (i, &c) in v.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                let _ = write!(s, "{}", to_hex(fmt, c));
            }
            s.push('\n');
        }
        s
    }

    /// Reads a body written by [`VectorSet::to_text`] (blank lines are skipped).
    ///
    /// # Errors
    /// [`LnsError::Parse`] naming the line of a malformed vector, or when the number
    /// of vectors differs from `header.count`.
    pub fn parse(header: VectorHeader, text: &str) -> Result<VectorSet> {
        let fmt = header.format;
        let width = header.fields.len();
        let bad = |line: usize, why: String| LnsError::Parse {
            text: format!("line {line}"),
            why,
        };
        let mut codes = Vec::new();
        let mut count = 0u64;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() != width {
                return Err(bad(
                    n + 1,
                    format!("{} fields instead of {width}", fields.len()),
                ));
            }
            for f in fields {
                codes.push(from_hex(fmt, f).map_err(|e| bad(n + 1, e.to_string()))?);
            }
            count += 1;
        }
        if count != header.count {
            return Err(bad(
                count as usize,
                format!("{count} vectors but the header says {}", header.count),
            ));
        }
        Ok(VectorSet { header, codes })
    }
}

/// The `bits` low bits of a code as `⌈bits/4⌉` hex digits.
pub fn to_hex(fmt: Format, code: i32) -> String {
    let mask = u32::MAX >> (32 - fmt.bits());
    format!(
        "{:0w$x}",
        code as u32 & mask,
        w = fmt.bits().div_ceil(4) as usize
    )
}

/// Parses a hex code of at most `bits` bits and sign-extends it.
///
/// # Errors
/// [`LnsError::Parse`] if the text is not hex or has bits above `bits`.
pub fn from_hex(fmt: Format, text: &str) -> Result<i32> {
    let bad = |why: &str| LnsError::Parse {
        text: text.to_string(),
        why: why.to_string(),
    };
    let v = u32::from_str_radix(text, 16).map_err(|_| bad("not a hex number"))?;
    let shift = 32 - fmt.bits();
    if shift > 0 && v >> fmt.bits() != 0 {
        return Err(bad(&format!("more than {} bits", fmt.bits())));
    }
    Ok(((v << shift) as i32) >> shift)
}

/// The output of one vector's inputs under `unit` (see the module table).
///
/// # Panics
/// If `inputs` does not have the length of `op`'s inputs.
pub fn reference_output(unit: &Arith, op: VectorOp, inputs: &[i32]) -> i32 {
    let fmt = unit.format();
    let t = &mut ();
    match (op, inputs) {
        (VectorOp::Add, &[a, b]) => arith::add(fmt, unit.delta(), a, b, t),
        (VectorOp::Sub, &[a, b]) => arith::sub(fmt, unit.delta(), a, b, t),
        (VectorOp::Mul, &[a, b]) => arith::mul(fmt, a, b, t),
        (VectorOp::Mac, &[acc, a, b]) => {
            arith::add(fmt, unit.acc_delta(), acc, arith::mul(fmt, a, b, t), t)
        }
        (VectorOp::Dot, ab) => {
            let (a, b) = ab.split_at(ab.len() / 2);
            dot_codes(unit, a.iter().copied(), b.iter().copied(), t)
        }
        _ => panic!("{op}: wrong number of inputs ({})", inputs.len()),
    }
}

/// Generates a vector set.
///
/// Random operands: each code has a uniform log `L ∈ [log_zero, log_max]` (the
/// bottom value is zero) and a random sign; for `add`, `sub` and `mac`, one vector
/// in four instead puts the second addend within ±4 log units of the first, at a
/// log-uniform distance (`d = ⌊2^(u·log2(4·2^frac + 1))⌋ − 1`, `u` uniform), so that
/// `d = 0, 1, 2, …` and cancellation (Δ−'s head) are well covered. Dot-product
/// operands have `L` in the middle half of the range, so products rarely saturate.
/// Exhaustive sets enumerate every canonical code (zero once): all pairs for the
/// binary operations; for `mac` every `(acc, a)` pair with `b` the
/// `(i + j) mod n`-th code, which covers every pair of the three operands.
///
/// # Errors
/// [`LnsError::Parse`] for an exhaustive set of a format wider than
/// [`EXHAUSTIVE_MAX_BITS`] or of `dot`, a `dot` with `k = 0`, or a PWL table that does
/// not match; [`LnsError::BadPwl`] for a malformed table.
pub fn generate(spec: &VectorSpec) -> Result<VectorSet> {
    let fmt = spec.format;
    let unit = arith_for(fmt, spec.strategy, spec.pwl.clone())?;
    let k = if spec.op == VectorOp::Dot { spec.k } else { 1 };
    let refuse = |why: String| {
        Err(LnsError::Parse {
            text: format!("{} vectors for {fmt}", spec.op),
            why,
        })
    };
    if k == 0 {
        return refuse("a dot product needs k ≥ 1".into());
    }
    if spec.exhaustive && (fmt.bits() > EXHAUSTIVE_MAX_BITS || spec.op == VectorOp::Dot) {
        return refuse(format!(
            "exhaustive sets are only for add, sub, mul and mac on formats of at most \
             {EXHAUSTIVE_MAX_BITS} bits"
        ));
    }
    let inputs = if spec.exhaustive {
        exhaustive_inputs(fmt, spec.op)
    } else {
        random_inputs(fmt, spec.op, k, spec.count, spec.seed)
    };
    let n_in = spec.op.fields(k).len() - 1;
    let mut codes = Vec::with_capacity(inputs.len() / n_in * (n_in + 1));
    for v in inputs.chunks_exact(n_in) {
        codes.extend_from_slice(v);
        codes.push(reference_output(&unit, spec.op, v));
    }
    let pwl = match unit.delta().strategy() {
        DeltaImpl::Pwl(p) => Some(p.table().clone()),
        _ => None,
    };
    let header = VectorHeader {
        format: fmt,
        strategy: spec.strategy,
        pwl,
        op: spec.op,
        count: (inputs.len() / n_in) as u64,
        k,
        seed: spec.seed,
        exhaustive: spec.exhaustive,
        code_bits: fmt.bits(),
        hex_digits: fmt.bits().div_ceil(4),
        packing: PACKING.to_string(),
        fields: spec.op.fields(k),
        data_file: "vectors.hex".to_string(),
    };
    Ok(VectorSet { header, codes })
}

fn exhaustive_inputs(fmt: Format, op: VectorOp) -> Vec<i32> {
    let all: Vec<i32> = fmt.all_codes().collect();
    let n = all.len();
    let mut v = Vec::with_capacity(n * n * 3);
    for (i, &x) in all.iter().enumerate() {
        for (j, &y) in all.iter().enumerate() {
            v.extend_from_slice(&[x, y]);
            if op == VectorOp::Mac {
                v.push(all[(i + j) % n]);
            }
        }
    }
    v
}

fn random_inputs(fmt: Format, op: VectorOp, k: u32, count: u64, seed: u64) -> Vec<i32> {
    let mut rng = SplitMix64(seed);
    let (lo, hi) = (fmt.log_zero() as i64, fmt.log_max() as i64);
    let code_in = |rng: &mut SplitMix64, lo: i64, hi: i64| {
        let l = lo + (rng.next_u64() % (hi - lo + 1) as u64) as i64;
        if l == fmt.log_zero() as i64 {
            fmt.zero()
        } else {
            pack(l as i32, (rng.next_u64() & 1) as i32)
        }
    };
    // A code whose L is within ±4 log units of `center`, the distance log-uniform so
    // that differences of 0, 1, 2, … codes are all frequent.
    let near_log2 = ((4 * fmt.scale() + 1) as f64).log2();
    let near_code = |rng: &mut SplitMix64, center: i64| {
        let m = (rng.next_f64() * near_log2).exp2() as i64 - 1;
        let l = if rng.next_u64() & 1 == 1 {
            center - m
        } else {
            center + m
        };
        let l = l.clamp(lo + 1, hi);
        pack(l as i32, (rng.next_u64() & 1) as i32)
    };
    let mut v = Vec::new();
    for _ in 0..count {
        match op {
            VectorOp::Add | VectorOp::Sub => {
                let a = code_in(&mut rng, lo, hi);
                let b = if rng.next_u64().is_multiple_of(4) {
                    near_code(&mut rng, (a >> 1) as i64)
                } else {
                    code_in(&mut rng, lo, hi)
                };
                v.extend_from_slice(&[a, b]);
            }
            VectorOp::Mul => {
                let (a, b) = (code_in(&mut rng, lo, hi), code_in(&mut rng, lo, hi));
                v.extend_from_slice(&[a, b]);
            }
            VectorOp::Mac => {
                let acc = code_in(&mut rng, lo, hi);
                let a = code_in(&mut rng, lo, hi);
                let b = if rng.next_u64().is_multiple_of(4) {
                    // Aim the product a·b at acc: Lb ≈ Lacc − La.
                    near_code(&mut rng, (acc >> 1) as i64 - (a >> 1) as i64)
                } else {
                    code_in(&mut rng, lo, hi)
                };
                v.extend_from_slice(&[acc, a, b]);
            }
            VectorOp::Dot => {
                for _ in 0..2 * k {
                    v.push(code_in(&mut rng, lo / 2, hi / 2));
                }
            }
        }
    }
    v
}

/// A vector whose stored output differs from the reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// 1-based vector number (= line number of the body when it has no blank lines).
    pub vector: u64,
    /// The output in the file.
    pub stored: i32,
    /// The reference output.
    pub expected: i32,
}

/// Result of [`check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Vectors checked.
    pub checked: u64,
    /// Mismatching vectors (all of them).
    pub mismatches: Vec<Mismatch>,
}

/// Recomputes every vector's output with the reference for the header's unit.
///
/// # Errors
/// As [`VectorHeader::arith`]; [`LnsError::Parse`] if the fields do not match the
/// header's operation.
pub fn check(set: &VectorSet) -> Result<CheckReport> {
    let h = &set.header;
    let unit = h.arith()?;
    if h.fields != h.op.fields(h.k) {
        return Err(LnsError::Parse {
            text: h.fields.join(" "),
            why: format!("fields do not match operation {} with k = {}", h.op, h.k),
        });
    }
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for (i, v) in set.vectors().enumerate() {
        let (inputs, out) = v.split_at(v.len() - 1);
        let expected = reference_output(&unit, h.op, inputs);
        if expected != out[0] {
            mismatches.push(Mismatch {
                vector: i as u64 + 1,
                stored: out[0],
                expected,
            });
        }
        checked += 1;
    }
    Ok(CheckReport {
        checked,
        mismatches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::{BinaryOp, Exec, SimdLevel, binary};

    fn spec(format: Format, strategy: DeltaKind, op: VectorOp) -> VectorSpec {
        VectorSpec {
            format,
            strategy,
            pwl: None,
            op,
            count: 500,
            k: 16,
            seed: 9,
            exhaustive: false,
        }
    }

    fn round_trip(set: &VectorSet) -> VectorSet {
        VectorSet::parse(set.header.clone(), &set.to_text()).unwrap()
    }

    #[test]
    fn hex_codes_have_fixed_width_and_sign_extend_back() {
        for fmt in [
            Format::LNS8,
            Format::new(10, 4).unwrap(),
            Format::LNS12,
            Format::LNS16,
            Format::LNS32,
        ] {
            for c in [fmt.zero(), fmt.max_code() + 1, fmt.one(), -3, 5] {
                let h = to_hex(fmt, c);
                assert_eq!(h.len() as u32, fmt.bits().div_ceil(4), "{fmt} {c}");
                assert_eq!(from_hex(fmt, &h).unwrap(), c, "{fmt} {h}");
            }
        }
        // Zero of 16:10 is 2·(−2^14) = −32768 = 0x8000; −1 (L = −1, s = 1) is 0xffff.
        assert_eq!(to_hex(Format::LNS16, Format::LNS16.zero()), "8000");
        assert_eq!(to_hex(Format::LNS16, -1), "ffff");
        assert!(from_hex(Format::LNS8, "1ff").is_err());
        assert!(from_hex(Format::LNS8, "zz").is_err());
    }

    #[test]
    fn exhaustive_8_bit_sets_parse_back_and_match_the_scalar_and_simd_kernels() {
        let fmt = Format::LNS8;
        for kind in [DeltaKind::Exact, DeltaKind::Lut, DeltaKind::Pwl] {
            for (op, bop) in [
                (VectorOp::Add, BinaryOp::Add),
                (VectorOp::Sub, BinaryOp::Sub),
                (VectorOp::Mul, BinaryOp::Mul),
            ] {
                let set = generate(&VectorSpec {
                    exhaustive: true,
                    ..spec(fmt, kind, op)
                })
                .unwrap();
                assert_eq!(set.header.count, 255 * 255);
                let back = round_trip(&set);
                assert_eq!(back, set);
                assert!(check(&back).unwrap().mismatches.is_empty());
                // An independent path: the (SIMD, threaded) elementwise kernel, with
                // the same event counts on every level.
                let unit = set.header.arith().unwrap();
                let a: Vec<i8> = set.vectors().map(|v| v[0] as i8).collect();
                let b: Vec<i8> = set.vectors().map(|v| v[1] as i8).collect();
                let stored: Vec<i8> = set.vectors().map(|v| v[2] as i8).collect();
                unit.take_counts();
                let mut events = Vec::new();
                for simd in SimdLevel::available() {
                    let mut out = vec![0i8; a.len()];
                    let exec = Exec {
                        simd,
                        parallel: true,
                    };
                    binary(&unit, bop, &a, &b, &mut out, exec).unwrap();
                    let first_miss = out.iter().zip(&stored).position(|(o, s)| o != s);
                    assert_eq!(
                        first_miss, None,
                        "{kind} {op} {simd:?}: first differing pair"
                    );
                    events.push(unit.take_counts());
                }
                assert!(
                    events.windows(2).all(|w| w[0] == w[1]),
                    "{kind} {op}: {events:?}"
                );
            }
        }
    }

    #[test]
    fn exhaustive_mac_covers_every_operand_pair_and_chains_into_the_canonical_dot() {
        let fmt = Format::LNS8;
        let set = generate(&VectorSpec {
            exhaustive: true,
            ..spec(fmt, DeltaKind::Lut, VectorOp::Mac)
        })
        .unwrap();
        let back = round_trip(&set);
        assert!(check(&back).unwrap().mismatches.is_empty());
        let mut ab = std::collections::HashSet::new();
        for v in set.vectors() {
            ab.insert((v[1], v[2]));
        }
        assert_eq!(ab.len(), 255 * 255);
        // Chaining MAC steps from zero reproduces the canonical dot product.
        let unit = set.header.arith().unwrap();
        let dots = generate(&spec(fmt, DeltaKind::Lut, VectorOp::Dot)).unwrap();
        for v in dots.vectors() {
            let (a, b) = v[..32].split_at(16);
            let chained = a.iter().zip(b).fold(fmt.zero(), |acc, (&x, &y)| {
                reference_output(&unit, VectorOp::Mac, &[acc, x, y])
            });
            assert_eq!(chained, v[32]);
        }
    }

    #[test]
    fn random_sets_round_trip_and_check_for_every_op_and_width() {
        for fmt in [Format::LNS8, Format::LNS12, Format::LNS16, Format::LNS32] {
            for op in VectorOp::ALL {
                let set = generate(&spec(fmt, DeltaKind::Lut, op)).unwrap();
                assert_eq!(set.header.count, 500);
                let back = round_trip(&set);
                assert_eq!(back, set);
                assert_eq!(check(&back).unwrap().checked, 500);
                assert!(check(&back).unwrap().mismatches.is_empty(), "{fmt} {op}");
            }
        }
    }

    #[test]
    fn generation_is_reproducible_and_covers_cancellation() {
        let s = spec(Format::LNS16, DeltaKind::Pwl, VectorOp::Sub);
        let (a, b) = (generate(&s).unwrap(), generate(&s).unwrap());
        assert_eq!(a, b);
        let count_d = |max_d: i32| {
            a.vectors()
                .filter(|v| ((v[0] >> 1) - (v[1] >> 1)).abs() <= max_d)
                .count()
        };
        let zeros = a
            .vectors()
            .filter(|v| v[0] == v[1] && v[2] == Format::LNS16.zero())
            .count();
        // 500 vectors, a quarter of them near: d = 0 and d ≤ 4 must both show up.
        assert!(
            count_d(0) >= 3 && count_d(4) >= 15 && zeros >= 1,
            "d=0: {}, d≤4: {}, zeros: {zeros}",
            count_d(0),
            count_d(4)
        );
    }

    #[test]
    fn corrupted_outputs_and_malformed_lines_are_reported() {
        let set = generate(&spec(Format::LNS12, DeltaKind::Lut, VectorOp::Add)).unwrap();
        let mut bad = set.clone();
        bad.codes[2 + 3 * 7] ^= 2;
        let r = check(&bad).unwrap();
        assert_eq!(r.mismatches.len(), 1);
        assert_eq!(r.mismatches[0].vector, 8);
        let text = set.to_text().replacen('\n', " 000\n", 1);
        let err = VectorSet::parse(set.header.clone(), &text).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let short: String = set
            .to_text()
            .lines()
            .skip(1)
            .map(|l| l.to_string() + "\n")
            .collect();
        assert!(VectorSet::parse(set.header.clone(), &short).is_err());
    }

    #[test]
    fn impossible_requests_are_refused() {
        let wide = VectorSpec {
            exhaustive: true,
            ..spec(Format::LNS12, DeltaKind::Lut, VectorOp::Add)
        };
        assert!(
            generate(&wide)
                .unwrap_err()
                .to_string()
                .contains("at most 8 bits")
        );
        let no_k = VectorSpec {
            k: 0,
            ..spec(Format::LNS8, DeltaKind::Lut, VectorOp::Dot)
        };
        assert!(generate(&no_k).is_err());
        let mismatched = VectorSpec {
            pwl: Some(PwlTable::default_for(Format::LNS12)),
            ..spec(Format::LNS8, DeltaKind::Pwl, VectorOp::Add)
        };
        assert!(generate(&mismatched).is_err());
    }

    #[test]
    fn a_fitted_pwl_table_travels_in_the_header() {
        let fmt = Format::LNS12;
        let mut table = PwlTable::default_for(fmt);
        table.plus[1].intercept += 1;
        let set = generate(&VectorSpec {
            pwl: Some(table.clone()),
            ..spec(fmt, DeltaKind::Pwl, VectorOp::Add)
        })
        .unwrap();
        assert_eq!(set.header.pwl.as_ref(), Some(&table));
        assert!(check(&set).unwrap().mismatches.is_empty());
    }
}
