//! The device: an LNS arithmetic configuration.
//!
//! A [`LnsDevice`] names *how* numbers are stored and computed — the format, the Δ
//! strategy of addition, the accumulator format of dot products and (implied by Δ) the
//! log↔linear conversion unit. Devices with equal configurations are equal and share
//! one [`Arith`] (tables are built once per configuration and cached for the life of
//! the process), so a CLI can sweep formats at run time without recompiling.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use burn_backend::{DeviceId, DeviceOps};
use burn_std::device::Device;
use lns_core::kernels::{Exec, SimdLevel};
use lns_core::{Arith, Counts, DeltaKind, Format, LnsError, PwlTable};

/// `type_id` of every [`LnsDevice`]'s [`DeviceId`]; the index is its registry slot.
const LNS_DEVICE_TYPE: u16 = 0x4c4e; // "LN"

/// An arithmetic configuration: what a [`LnsDevice`] is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct LnsConfig {
    /// Operand and result format of every float tensor.
    pub format: Format,
    /// Δ strategy of additions (also picks the conversion unit: Mitchell for `Shift`,
    /// exact otherwise).
    pub delta: DeltaKind,
    /// Accumulator format of dot products and sums (`None`: the operand format).
    pub accumulator: Option<Format>,
    /// A PWL table replacing the format's default one (only with `delta = Pwl`).
    pub pwl: Option<CustomPwl>,
    /// The SIMD level of the GEMM kernels behind matmul and convolutions (`None`: the
    /// best level this CPU supports). Every level gives the same codes; forcing one is
    /// for bit-true checks and for timing a level. Written `:simd=LEVEL`.
    pub simd: Option<SimdLevel>,
}

/// Where a non-default PWL table of a configuration comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PwlSource {
    /// The format's unfitted table, [`PwlTable::uniform_for`] (written `pwl-uniform`):
    /// the starting point of `lns fit-pwl`, for comparing fitted against unfitted Δ.
    Uniform,
    /// A table read from a JSON file written by `lns fit-pwl --out` (`pwl=PATH`).
    File(PathBuf),
    /// A table handed over in code ([`LnsDevice::with_pwl_table`]).
    Given,
}

/// A PWL table that replaces the format's default, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomPwl {
    /// Where the table came from (also how the configuration prints).
    pub source: PwlSource,
    /// The table.
    pub table: PwlTable,
}

impl CustomPwl {
    /// The unfitted table of `format`.
    pub fn uniform(format: Format) -> CustomPwl {
        CustomPwl {
            source: PwlSource::Uniform,
            table: PwlTable::uniform_for(format),
        }
    }

    /// A table read from a JSON file (`lns fit-pwl --out`).
    ///
    /// # Errors
    /// Unreadable file or invalid JSON, naming the file.
    pub fn from_json(path: impl AsRef<Path>) -> Result<CustomPwl, LnsError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| LnsError::BadPwl(format!("cannot read {}: {e}", path.display())))?;
        let table: PwlTable = serde_json::from_str(&text)
            .map_err(|e| LnsError::BadPwl(format!("{}: {e}", path.display())))?;
        Ok(CustomPwl {
            source: PwlSource::File(path.to_path_buf()),
            table,
        })
    }
}

impl fmt::Display for CustomPwl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            PwlSource::Uniform => write!(f, "pwl-uniform"),
            PwlSource::File(path) => write!(f, "pwl={}", path.display()),
            PwlSource::Given => write!(f, "pwl(given)"),
        }
    }
}

impl LnsConfig {
    /// A configuration with the operand format as accumulator.
    pub fn new(format: Format, delta: DeltaKind) -> LnsConfig {
        LnsConfig {
            format,
            delta,
            accumulator: None,
            pwl: None,
            simd: None,
        }
    }

    /// The same configuration with its GEMM kernels forced to one SIMD level.
    pub fn with_simd(mut self, level: SimdLevel) -> LnsConfig {
        self.simd = Some(level);
        self
    }

    /// How the kernels of this configuration run: the forced SIMD level (or the best
    /// detected one), in parallel over the current rayon pool.
    pub fn exec(&self) -> Exec {
        Exec {
            simd: self.simd.unwrap_or_else(SimdLevel::detect),
            parallel: true,
        }
    }

    /// The same configuration with a wider accumulator.
    pub fn with_accumulator(mut self, acc: Format) -> LnsConfig {
        self.accumulator = (acc != self.format).then_some(acc);
        self
    }

    /// Builds the arithmetic unit of this configuration.
    ///
    /// # Errors
    /// An accumulator narrower than the format, a malformed PWL table, or a SIMD level
    /// this CPU cannot run.
    pub fn build(&self) -> Result<Arith, LnsError> {
        if let Some(level) = self.simd.filter(|l| !l.is_available()) {
            return Err(LnsError::Parse {
                text: simd_name(level).to_string(),
                why: format!(
                    "this CPU cannot run the {} kernels (available: {})",
                    simd_name(level),
                    SimdLevel::available()
                        .into_iter()
                        .map(simd_name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        let base = match &self.pwl {
            Some(custom) => {
                if custom.table.format != self.format {
                    return Err(LnsError::BadPwl(format!(
                        "{custom}: the table is for format {} but the device format is {}",
                        custom.table.format, self.format
                    )));
                }
                Arith::with_pwl(custom.table.clone())?
            }
            None => Arith::new(self.format, self.delta),
        };
        match self.accumulator {
            Some(acc) => base.with_accumulator(acc),
            None => Ok(base),
        }
    }
}

impl fmt::Display for LnsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pwl {
            Some(custom) => write!(f, "{}:{custom}", self.format)?,
            None => write!(f, "{}:{}", self.format, self.delta)?,
        }
        if let Some(acc) = self.accumulator {
            write!(f, ":acc={acc}")?;
        }
        if let Some(level) = self.simd {
            write!(f, ":simd={}", simd_name(level))?;
        }
        Ok(())
    }
}

/// The name of a SIMD level in configuration strings.
fn simd_name(level: SimdLevel) -> &'static str {
    match level {
        SimdLevel::Scalar => "scalar",
        SimdLevel::Portable => "portable",
        SimdLevel::Avx2 => "avx2",
        SimdLevel::Avx512 => "avx512",
    }
}

/// Parses a SIMD level name (`scalar`, `portable`, `avx2`, `avx512`).
fn parse_simd(text: &str) -> Result<SimdLevel, LnsError> {
    [
        SimdLevel::Scalar,
        SimdLevel::Portable,
        SimdLevel::Avx2,
        SimdLevel::Avx512,
    ]
    .into_iter()
    .find(|l| text.eq_ignore_ascii_case(simd_name(*l)))
    .ok_or_else(|| LnsError::Parse {
        text: text.to_string(),
        why: "expected a SIMD level: scalar, portable, avx2 or avx512".to_string(),
    })
}

impl FromStr for LnsConfig {
    type Err = LnsError;

    /// Parses `FORMAT[:DELTA][:acc=FORMAT][:simd=LEVEL]`, where `FORMAT` is `BITS:FRAC`
    /// or a format name (`lns16`, `lns12`, `lns8`, `lns32`, …), `DELTA` one of `exact`,
    /// `lut`, `lut-small`, `pwl`, `shift` (default `lut`), or `pwl-uniform` (the
    /// format's unfitted PWL table) or `pwl=PATH` (a table from `lns fit-pwl --out`; the
    /// path must not contain `:`), and `LEVEL` one of `scalar`,
    /// `portable`, `avx2`, `avx512` (default: the best this CPU runs; every level gives
    /// the same codes). Device presets (`lns12-pwl`, `lns32-ref`, see
    /// [`LnsDevice::PRESETS`]) are accepted too, also with a `:simd=LEVEL` suffix.
    /// Names and keys are case-insensitive; `acc=` and `simd=` may each appear once,
    /// `simd=` anywhere after the format.
    /// Examples: `lns16`, `lns16:lut`, `12:6:pwl`, `12:6:pwl-uniform`,
    /// `12:6:pwl=fit12.json`, `16:10:lut:acc=20:14`, `lns16:simd=scalar`.
    fn from_str(text: &str) -> Result<Self, LnsError> {
        let err = |why: String| LnsError::Parse {
            text: text.to_string(),
            why,
        };
        // `simd=` may stand anywhere after the format: take it out, parse the rest.
        let tokens: Vec<&str> = text.split(':').collect();
        let is_simd = |t: &str| t.trim().to_ascii_lowercase().starts_with("simd=");
        if let Some(at) = tokens.iter().position(|t| is_simd(t)) {
            if tokens.iter().filter(|t| is_simd(t)).count() > 1 {
                return Err(err("simd= is given twice".to_string()));
            }
            let level = parse_simd(tokens[at].trim()[5..].trim())?;
            let rest: Vec<&str> = (tokens[..at].iter().chain(&tokens[at + 1..]))
                .copied()
                .collect();
            let cfg = LnsConfig::from_str(&rest.join(":"))?.with_simd(level);
            cfg.build()?;
            return Ok(cfg);
        }
        let trimmed = text.trim();
        let norm = trimmed.to_ascii_lowercase().replace('_', "-");
        if let Some((_, cfg)) = LnsDevice::PRESETS
            .iter()
            .map(|(n, c)| (n, c()))
            .find(|(n, _)| **n == norm)
        {
            return Ok(cfg);
        }
        let tokens: Vec<&str> = trimmed.split(':').map(str::trim).collect();
        let is_num = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
        let (format, mut rest) = if is_num(tokens[0]) {
            let frac = tokens
                .get(1)
                .ok_or_else(|| err("a numeric format needs BITS:FRAC, e.g. 16:10".to_string()))?;
            (
                Format::from_str(&format!("{}:{}", tokens[0], frac))?,
                &tokens[2..],
            )
        } else {
            (Format::from_str(tokens[0])?, &tokens[1..])
        };
        let mut cfg = LnsConfig::new(format, DeltaKind::Lut);
        let (mut seen_delta, mut seen_acc) = (false, false);
        while let Some((tok, tail)) = rest.split_first() {
            rest = tail;
            let key = tok.get(..4).map(str::to_ascii_lowercase);
            if let Some(acc) = tok.get(4..).filter(|_| key.as_deref() == Some("acc=")) {
                if seen_acc {
                    return Err(err("acc= is given twice".to_string()));
                }
                seen_acc = true;
                let acc_text = if is_num(acc) {
                    let (frac, tail) = rest
                        .split_first()
                        .ok_or_else(|| err("acc= needs BITS:FRAC or a format name".to_string()))?;
                    rest = tail;
                    format!("{acc}:{frac}")
                } else {
                    acc.to_string()
                };
                cfg = cfg.with_accumulator(Format::from_str(&acc_text)?);
            } else if !seen_delta {
                let lower = tok.to_ascii_lowercase();
                cfg.pwl = if lower == "pwl-uniform" {
                    Some(CustomPwl::uniform(format))
                } else if lower.starts_with("pwl=") {
                    Some(CustomPwl::from_json(&tok[4..])?)
                } else {
                    None
                };
                cfg.delta = match cfg.pwl {
                    Some(_) => DeltaKind::Pwl,
                    None => DeltaKind::from_str(tok)?,
                };
                seen_delta = true;
            } else {
                return Err(err(format!(
                    "unexpected `{tok}`; expected FORMAT[:DELTA][:acc=FORMAT]"
                )));
            }
        }
        cfg.build()?;
        Ok(cfg)
    }
}

/// A registered configuration with its arithmetic unit.
#[derive(Debug)]
struct DeviceState {
    config: LnsConfig,
    arith: Arith,
}

fn registry() -> &'static Mutex<Vec<Arc<DeviceState>>> {
    static REGISTRY: OnceLock<Mutex<Vec<Arc<DeviceState>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(Vec::new()))
}

/// The Burn device of [`crate::Lns`]: an LNS arithmetic configuration.
///
/// Cheap to clone. Equal configurations give equal devices sharing one [`Arith`] and
/// one set of exception counters.
#[derive(Clone)]
pub struct LnsDevice {
    index: u16,
    state: Arc<DeviceState>,
}

impl LnsDevice {
    /// Named device presets accepted by [`FromStr`] (`_` and `-` are interchangeable).
    #[allow(clippy::type_complexity)]
    pub const PRESETS: [(&'static str, fn() -> LnsConfig); 9] = [
        ("lns16", || LnsConfig::new(Format::LNS16, DeltaKind::Lut)),
        ("lns16-exact", || {
            LnsConfig::new(Format::LNS16, DeltaKind::Exact)
        }),
        ("lns16-pwl", || {
            LnsConfig::new(Format::LNS16, DeltaKind::Pwl)
        }),
        ("lns12", || LnsConfig::new(Format::LNS12, DeltaKind::Lut)),
        ("lns12-pwl", || {
            LnsConfig::new(Format::LNS12, DeltaKind::Pwl)
        }),
        ("lns8", || LnsConfig::new(Format::LNS8, DeltaKind::Lut)),
        ("lns32", || LnsConfig::new(Format::LNS32, DeltaKind::Lut)),
        ("lns32-ref", || {
            LnsConfig::new(Format::LNS32, DeltaKind::Exact)
        }),
        ("lns16-shift", || {
            LnsConfig::new(Format::LNS16, DeltaKind::Shift)
        }),
    ];

    /// The device of a configuration, building its arithmetic unit on first use.
    ///
    /// # Errors
    /// An accumulator narrower than the format, or a PWL table for another format.
    pub fn new(config: LnsConfig) -> Result<LnsDevice, LnsError> {
        let mut reg = registry().lock().expect("LNS device registry poisoned");
        if let Some(i) = reg.iter().position(|s| s.config == config) {
            return Ok(LnsDevice {
                index: i as u16,
                state: reg[i].clone(),
            });
        }
        assert!(
            reg.len() < u16::MAX as usize,
            "more than 65535 distinct LNS configurations in one process"
        );
        let arith = config.build()?;
        let state = Arc::new(DeviceState { config, arith });
        reg.push(state.clone());
        Ok(LnsDevice {
            index: (reg.len() - 1) as u16,
            state,
        })
    }

    fn preset(config: LnsConfig) -> LnsDevice {
        LnsDevice::new(config).expect("presets are valid configurations")
    }

    /// 16:10 with the full Δ table (the default).
    pub fn lns16() -> LnsDevice {
        Self::preset(LnsConfig::new(Format::LNS16, DeltaKind::Lut))
    }
    /// 16:10 with exact (f64, rounded) Δ.
    pub fn lns16_exact() -> LnsDevice {
        Self::preset(LnsConfig::new(Format::LNS16, DeltaKind::Exact))
    }
    /// 12:6 with the default piece-wise-linear Δ.
    pub fn lns12_pwl() -> LnsDevice {
        Self::preset(LnsConfig::new(Format::LNS12, DeltaKind::Pwl))
    }
    /// 12:6 with the Δ table.
    pub fn lns12() -> LnsDevice {
        Self::preset(LnsConfig::new(Format::LNS12, DeltaKind::Lut))
    }
    /// 8:3 with the Δ table.
    pub fn lns8() -> LnsDevice {
        Self::preset(LnsConfig::new(Format::LNS8, DeltaKind::Lut))
    }
    /// 32:23 with exact Δ: the high-precision reference.
    pub fn lns32_ref() -> LnsDevice {
        Self::preset(LnsConfig::new(Format::LNS32, DeltaKind::Exact))
    }

    /// A device whose Δ is a fitted PWL table (`lns fit-pwl`'s output).
    ///
    /// # Errors
    /// A malformed table.
    pub fn with_pwl_table(table: PwlTable) -> Result<LnsDevice, LnsError> {
        LnsDevice::with_custom_pwl(CustomPwl {
            source: PwlSource::Given,
            table,
        })
    }

    /// A device from a fitted PWL table stored as JSON (the same as the configuration
    /// string `BITS:FRAC:pwl=PATH`).
    ///
    /// # Errors
    /// Unreadable file, invalid JSON or a malformed table.
    pub fn from_pwl_json(path: impl AsRef<Path>) -> Result<LnsDevice, LnsError> {
        LnsDevice::with_custom_pwl(CustomPwl::from_json(path)?)
    }

    fn with_custom_pwl(custom: CustomPwl) -> Result<LnsDevice, LnsError> {
        LnsDevice::new(LnsConfig {
            format: custom.table.format,
            delta: DeltaKind::Pwl,
            accumulator: None,
            pwl: Some(custom),
            simd: None,
        })
    }

    /// The same device with a wider accumulator for dot products and sums.
    ///
    /// # Errors
    /// An accumulator with fewer integer or fractional bits than the format.
    pub fn with_accumulator(&self, acc: Format) -> Result<LnsDevice, LnsError> {
        LnsDevice::new(self.config().clone().with_accumulator(acc))
    }

    /// The same device with its GEMM kernels (matmul, convolutions) forced to one SIMD
    /// level; every level gives the same codes.
    ///
    /// # Errors
    /// A level this CPU cannot run.
    pub fn with_simd(&self, level: SimdLevel) -> Result<LnsDevice, LnsError> {
        LnsDevice::new(self.config().clone().with_simd(level))
    }

    /// How this device's kernels run (see [`LnsConfig::exec`]).
    pub fn exec(&self) -> Exec {
        self.state.config.exec()
    }

    /// The configuration.
    pub fn config(&self) -> &LnsConfig {
        &self.state.config
    }
    /// The operand format.
    pub fn format(&self) -> Format {
        self.state.config.format
    }
    /// The arithmetic unit shared by every tensor on this device.
    pub fn arith(&self) -> &Arith {
        &self.state.arith
    }
    /// Saturations, flushes and NaN inputs counted so far on this device.
    pub fn counts(&self) -> Counts {
        self.state.arith.counts()
    }
    /// Returns the counts so far and resets them.
    pub fn take_counts(&self) -> Counts {
        self.state.arith.take_counts()
    }
}

impl Default for LnsDevice {
    /// [`LnsDevice::lns16`].
    fn default() -> Self {
        LnsDevice::lns16()
    }
}

impl PartialEq for LnsDevice {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}
impl Eq for LnsDevice {}

impl std::hash::Hash for LnsDevice {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.index.hash(state);
    }
}

impl fmt::Debug for LnsDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LnsDevice({})", self.state.config)
    }
}

impl fmt::Display for LnsDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lns {}", self.state.config)
    }
}

impl FromStr for LnsDevice {
    type Err = LnsError;
    /// See [`LnsConfig::from_str`] for the syntax.
    fn from_str(text: &str) -> Result<Self, LnsError> {
        LnsDevice::new(text.parse()?)
    }
}

impl Device for LnsDevice {
    /// The device registered under `index_id` in this process.
    ///
    /// # Panics
    /// For an id that no [`LnsDevice`] of this process was given.
    fn from_id(id: DeviceId) -> Self {
        let reg = registry().lock().expect("LNS device registry poisoned");
        let state = reg
            .get(id.index_id as usize)
            .filter(|_| id.type_id == LNS_DEVICE_TYPE)
            .unwrap_or_else(|| panic!("{id} is not an LNS device of this process"))
            .clone();
        LnsDevice {
            index: id.index_id,
            state,
        }
    }

    fn to_id(&self) -> DeviceId {
        DeviceId::new(LNS_DEVICE_TYPE, self.index)
    }
}

impl DeviceOps for LnsDevice {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_parse_to_configurations() {
        let c: LnsConfig = "lns16".parse().unwrap();
        assert_eq!(c, LnsConfig::new(Format::LNS16, DeltaKind::Lut));
        let c: LnsConfig = "12:6:pwl".parse().unwrap();
        assert_eq!(c, LnsConfig::new(Format::LNS12, DeltaKind::Pwl));
        let c: LnsConfig = "16:10:lut:acc=20:14".parse().unwrap();
        assert_eq!(c.accumulator, Some(Format::new(20, 14).unwrap()));
        let c: LnsConfig = "lns16:exact:acc=lns32".parse().unwrap();
        assert_eq!(c.accumulator, Some(Format::LNS32));
        let c: LnsConfig = "LNS12_PWL".parse().unwrap();
        assert_eq!(c, LnsConfig::new(Format::LNS12, DeltaKind::Pwl));
        assert_eq!(
            "lns32-ref".parse::<LnsConfig>().unwrap().delta,
            DeltaKind::Exact
        );
    }

    #[test]
    fn pwl_uniform_names_the_unfitted_table_and_prints_back() {
        let c: LnsConfig = "12:6:pwl-uniform:acc=16:10".parse().unwrap();
        assert_eq!(c.delta, DeltaKind::Pwl);
        assert_eq!(c.pwl, Some(CustomPwl::uniform(Format::LNS12)));
        assert_ne!(
            c.pwl.as_ref().unwrap().table,
            lns_core::PwlTable::default_for(Format::LNS12),
            "12:6 ships a fitted default, so the unfitted table differs"
        );
        assert_eq!(c.to_string(), "12:6:pwl-uniform:acc=16:10");
        assert_eq!(c.to_string().parse::<LnsConfig>().unwrap(), c);
        let fitted: LnsConfig = "12:6:pwl".parse().unwrap();
        assert_ne!(LnsDevice::new(c).unwrap(), LnsDevice::new(fitted).unwrap());
    }

    #[test]
    fn pwl_path_loads_a_json_table_and_rejects_a_table_of_another_format() {
        let dir = std::env::temp_dir().join(format!("burn-lns-pwl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t12.json");
        let table = lns_core::PwlTable::uniform_for(Format::LNS12);
        std::fs::write(&path, serde_json::to_string(&table).unwrap()).unwrap();
        let text = format!("12:6:pwl={}", path.display());
        let c: LnsConfig = text.parse().unwrap();
        assert_eq!(c.pwl.as_ref().unwrap().table, table);
        assert_eq!(c.to_string(), text);
        let device = LnsDevice::from_pwl_json(&path).unwrap();
        assert_eq!(device.config().pwl.as_ref().unwrap().table, table);

        let e = format!("16:10:pwl={}", path.display())
            .parse::<LnsConfig>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("t12.json") && e.contains("12:6"), "{e}");
        let e = "12:6:pwl=/nonexistent/t.json"
            .parse::<LnsConfig>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/t.json"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_strings_say_why() {
        for bad in [
            "16",
            "16:10:linear",
            "16:10:lut:exact",
            "16:10:acc=12:6",
            "x",
        ] {
            let e = bad.parse::<LnsConfig>().unwrap_err().to_string();
            assert!(!e.is_empty(), "{bad}");
        }
        let e = "16:10:linear".parse::<LnsConfig>().unwrap_err().to_string();
        assert!(e.contains("exact, lut"), "{e}");
    }

    #[test]
    fn equal_configurations_are_equal_devices_sharing_one_unit() {
        let a = LnsDevice::lns16();
        let b: LnsDevice = "16:10:lut".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a, LnsDevice::default());
        assert!(Arc::ptr_eq(&a.state, &b.state));
        assert_ne!(a, LnsDevice::lns8());
        assert_eq!(LnsDevice::from_id(a.to_id()), a);
    }

    #[test]
    fn a_simd_suffix_forces_the_gemm_level_and_is_part_of_the_identity() {
        let c: LnsConfig = "lns16:simd=scalar".parse().unwrap();
        assert_eq!(c.simd, Some(SimdLevel::Scalar));
        assert_eq!(c.exec().simd, SimdLevel::Scalar);
        let c: LnsConfig = "16:10:lut:acc=20:14:simd=Portable".parse().unwrap();
        assert_eq!(c.simd, Some(SimdLevel::Portable));
        assert_eq!(c.accumulator, Some(Format::new(20, 14).unwrap()));
        let c: LnsConfig = "lns32-ref:simd=scalar".parse().unwrap();
        assert_eq!(c.delta, DeltaKind::Exact);
        assert_eq!(
            LnsConfig::new(Format::LNS16, DeltaKind::Lut).exec().simd,
            SimdLevel::detect()
        );
        let forced: LnsDevice = "lns16:simd=scalar".parse().unwrap();
        assert_ne!(forced, LnsDevice::lns16());
        assert_eq!(
            forced,
            LnsDevice::lns16().with_simd(SimdLevel::Scalar).unwrap()
        );
        assert_eq!(
            forced.config().to_string().parse::<LnsDevice>().unwrap(),
            forced
        );
        let e = "lns16:simd=sse9"
            .parse::<LnsConfig>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("avx2"), "{e}");
        if !SimdLevel::Avx512.is_available() {
            let e = "lns16:simd=avx512"
                .parse::<LnsConfig>()
                .unwrap_err()
                .to_string();
            assert!(e.contains("cannot run"), "{e}");
        }
    }

    /// `simd=` was read as everything after it, so `16:10:simd=scalar:acc=20:14` was
    /// refused with "expected a SIMD level" for `scalar:acc=20:14`.
    #[test]
    fn simd_may_stand_before_other_keys_and_an_error_names_its_own_token() {
        let want: LnsConfig = "16:10:lut:acc=20:14:simd=scalar".parse().unwrap();
        for text in [
            "16:10:simd=scalar:lut:acc=20:14",
            "16:10:lut:SIMD=Scalar:acc=20:14",
        ] {
            assert_eq!(text.parse::<LnsConfig>().unwrap(), want, "{text}");
        }
        let preset: LnsConfig = "lns12-pwl:simd=portable".parse().unwrap();
        assert_eq!(preset.simd, Some(SimdLevel::Portable));
        let e = "16:10:simd=sse9:acc=20:14"
            .parse::<LnsConfig>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("`sse9`") || e.contains("\"sse9\""), "{e}");
        assert!(!e.contains("acc"), "{e}");
    }

    /// `acc=` was matched case-sensitively while names, Δ and `simd=` are not, so
    /// `16:10:exact:ACC=20:14` was refused; a second `acc=` or `simd=` silently replaced
    /// the first.
    #[test]
    fn keys_are_case_insensitive_and_given_at_most_once() {
        let c: LnsConfig = "16:10:Exact:ACC=20:14".parse().unwrap();
        assert_eq!(c.accumulator, Some(Format::new(20, 14).unwrap()));
        assert_eq!(c.to_string(), "16:10:exact:acc=20:14");
        for twice in [
            "16:10:lut:acc=20:14:acc=24:16",
            "16:10:acc=20:14:lut:ACC=20:14",
            "lns16:simd=scalar:simd=portable",
            "lns16:SIMD=scalar:simd=scalar",
        ] {
            let e = twice.parse::<LnsConfig>().unwrap_err().to_string();
            assert!(e.contains("given twice"), "{twice}: {e}");
        }
    }

    #[test]
    fn display_round_trips() {
        let d: LnsDevice = "16:10:lut:acc=20:14".parse().unwrap();
        let text = d.config().to_string();
        assert_eq!(text.parse::<LnsDevice>().unwrap(), d);
    }
}
