//! Choosing a training backend with one string: `flex`, `ndarray` or an LNS device.

use std::fmt;
use std::str::FromStr;

use anyhow::{Error, anyhow};
use burn_lns::LnsDevice;

/// A backend to train on, chosen at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum BackendSpec {
    /// burn-flex, f32.
    Flex,
    /// burn-ndarray, f32.
    NdArray,
    /// burn-lns with this arithmetic configuration.
    Lns(LnsDevice),
}

impl FromStr for BackendSpec {
    type Err = Error;

    /// `flex`, `ndarray`, `f32` (= `flex`), or an LNS device string such as `lns16`,
    /// `16:10:lut-small`, `12:6:pwl` or `16:10:lut:acc=20:14`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "flex" | "f32" => Ok(Self::Flex),
            "ndarray" => Ok(Self::NdArray),
            "" => Err(anyhow!("empty backend name")),
            _ => text.parse::<LnsDevice>().map(Self::Lns).map_err(|e| {
                anyhow!(
                    "bad backend {text:?}: expected `flex`, `ndarray` or an LNS device \
                     (FORMAT[:DELTA][:acc=FORMAT], e.g. lns16, 12:6:pwl, 16:10:lut-small): {e}"
                )
            }),
        }
    }
}

impl fmt::Display for BackendSpec {
    /// The string [`FromStr`] parses back into the same backend.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flex => f.write_str("flex"),
            Self::NdArray => f.write_str("ndarray"),
            Self::Lns(device) => write!(f, "{}", device.config()),
        }
    }
}

/// Splits `a,b,c` into its non-empty, trimmed items.
///
/// Commas inside an LNS device string never occur, so a plain split is enough.
pub fn split_list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_devices_parse_and_print_back() {
        for text in [
            "flex",
            "ndarray",
            "16:10:lut",
            "12:6:pwl",
            "16:10:lut-small",
        ] {
            let spec: BackendSpec = text.parse().unwrap();
            assert_eq!(spec.to_string().parse::<BackendSpec>().unwrap(), spec);
        }
        assert_eq!(
            "lns16".parse::<BackendSpec>().unwrap().to_string(),
            "16:10:lut"
        );
    }

    #[test]
    fn bad_backend_says_what_is_expected() {
        let e = "cuda".parse::<BackendSpec>().unwrap_err().to_string();
        assert!(e.contains("bad backend \"cuda\""), "{e}");
        assert!(e.contains("`flex`, `ndarray`"), "{e}");
        assert!(split_list(" , ").is_empty());
    }
}
