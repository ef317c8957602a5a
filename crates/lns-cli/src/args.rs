//! Value parsers for numeric options that have to be checked before any work starts.

use lns_zoo::optim::check_learning_rate;

/// Parses a count that must be at least 1 (`--batch`, `--epochs`, `--limit-train`).
///
/// # Errors
/// A message for clap when `text` is not a whole number or is 0.
pub fn positive_count(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number"))?;
    if n == 0 {
        return Err("must be at least 1".to_string());
    }
    Ok(n)
}

/// Parses a learning rate: a positive, finite number.
///
/// # Errors
/// A message for clap when `text` is not a number or the number is out of range.
pub fn learning_rate(text: &str) -> Result<f64, String> {
    let lr: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    check_learning_rate(lr).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_start_at_one() {
        assert_eq!(positive_count("1"), Ok(1));
        assert_eq!(positive_count("32"), Ok(32));
        assert_eq!(positive_count("0"), Err("must be at least 1".to_string()));
        assert!(positive_count("-1").is_err());
        assert!(positive_count("x").is_err());
    }

    #[test]
    fn learning_rates_are_positive_and_finite() {
        assert_eq!(learning_rate("0.03"), Ok(0.03));
        for bad in ["0", "-1", "nan", "NaN", "inf", "-inf", "x"] {
            assert!(learning_rate(bad).is_err(), "{bad} accepted");
        }
        assert!(
            learning_rate("nan")
                .unwrap_err()
                .contains("learning rate NaN")
        );
    }
}
