//! Property tests for the 16- and 32-bit formats against the f64 oracle.

use lns_core::arith::{add, mul, sub};
use lns_core::convert::{decode, decode_f32, encode};
use lns_core::reference::{log_error_ulps, real_add, real_mul, real_sub, rounded};
use lns_core::{DeltaKind, Format};
use proptest::prelude::*;

/// Any valid non-zero code of `fmt`, or zero.
fn code(fmt: Format) -> impl Strategy<Value = i32> {
    prop_oneof![
        1 => Just(fmt.zero()),
        20 => (fmt.log_min()..=fmt.log_max(), 0..=1i32).prop_map(|(l, s)| 2 * l + s),
    ]
}

/// Codes within 2^±20 of one, where no sum saturates or flushes.
fn moderate_code(fmt: Format) -> impl Strategy<Value = i32> {
    let lim = 20 * fmt.scale() as i32;
    (-lim..=lim, 0..=1i32).prop_map(|(l, s)| 2 * l + s)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn lns16_exact_add_sub_mul_are_correctly_rounded(a in code(Format::LNS16), b in code(Format::LNS16)) {
        let f = Format::LNS16;
        let exact = DeltaKind::Exact.build(f);
        prop_assert_eq!(add(f, &exact, a, b, &mut ()), rounded(f, real_add(f, a, b)));
        prop_assert_eq!(sub(f, &exact, a, b, &mut ()), rounded(f, real_sub(f, a, b)));
        prop_assert_eq!(mul(f, a, b, &mut ()), rounded(f, real_mul(f, a, b)));
    }

    #[test]
    fn lns16_lut_add_equals_exact(a in code(Format::LNS16), b in code(Format::LNS16)) {
        let f = Format::LNS16;
        let (exact, lut) = (DeltaKind::Exact.build(f), DeltaKind::Lut.build(f));
        prop_assert_eq!(add(f, &lut, a, b, &mut ()), add(f, &exact, a, b, &mut ()));
    }

    /// At 23 fractional bits the f64 oracle's own error after cancellation can reach a
    /// few hundredths of a code unit, so the property is "within half a unit" plus that
    /// slack rather than bit equality.
    #[test]
    fn lns32_exact_add_is_within_half_an_ulp(a in moderate_code(Format::LNS32), b in moderate_code(Format::LNS32)) {
        let f = Format::LNS32;
        let exact = DeltaKind::Exact.build(f);
        let got = add(f, &exact, a, b, &mut ());
        let real = real_add(f, a, b);
        if real != 0.0 {
            prop_assert!(log_error_ulps(f, got, real) <= 0.5 + 0.05, "{} vs {}", decode(f, got), real);
        }
        prop_assert_eq!(mul(f, a, b, &mut ()), rounded(f, real_mul(f, a, b)));
    }

    /// Formats whose range ends before Δ falls below half a unit (at ≥ 28 fraction
    /// bits the search for that point once overflowed u32 and lost Δ entirely): sums of
    /// two positive numbers that cannot saturate stay within half a unit of the real sum.
    #[test]
    fn exact_add_is_within_half_an_ulp_on_formats_whose_range_ends_before_delta_vanishes(
        which in 0..4usize,
        x in 0.0..1.0f64,
        y in 0.0..1.0f64,
    ) {
        let f = [(16, 12), (32, 28), (32, 29), (32, 30)].map(|(b, q)| Format::new(b, q).unwrap())[which];
        let exact = DeltaKind::Exact.build(f);
        // Logs up to one octave below the largest: the sum cannot saturate.
        let (lo, hi) = (f64::from(f.log_min()), f64::from(f.log_max()) - f.scale() as f64);
        let log = |t: f64| (lo + t * (hi - lo)) as i32;
        let (a, b) = (2 * log(x), 2 * log(y));
        let got = add(f, &exact, a, b, &mut ());
        prop_assert!(log_error_ulps(f, got, real_add(f, a, b)) <= 0.5 + 0.01, "{f}: {a} + {b} gave {got}");
    }

    #[test]
    fn lns32_interpolated_lut_add_is_within_three_ulps(a in moderate_code(Format::LNS32), b in moderate_code(Format::LNS32)) {
        let f = Format::LNS32;
        let lut = DeltaKind::Lut.build(f);
        let real = real_add(f, a, b);
        let got = add(f, &lut, a, b, &mut ());
        if real != 0.0 && (a >> 1).abs_diff(b >> 1) > f.scale() as u32 {
            prop_assert!(log_error_ulps(f, got, real) <= 3.0);
        }
    }

    /// f32 → LNS16 → f32 lands within half an LNS ulp (in the log) plus f32's own
    /// rounding of the decoded value.
    #[test]
    fn f32_round_trip_through_lns16_is_within_half_an_ulp(e in -15.9f32..15.9, negative: bool) {
        let f = Format::LNS16;
        let x = if negative { -e.exp2() } else { e.exp2() };
        let back = decode_f32(f, encode(f, x as f64, &mut ()));
        let err_ulps = (back as f64 / x as f64).log2().abs() * f.scale() as f64;
        prop_assert!(err_ulps <= 0.5 + 1e-3, "{x} → {back}: {err_ulps} ulps");
    }

    /// LNS32's ulp (2^(2^−23) − 1 ≈ 8.3e−8) is finer than f32's half-ulp (≈ 6e−8 relative), so
    /// the round trip is within half an LNS ulp plus half an f32 ulp.
    #[test]
    fn f32_round_trip_through_lns32_is_within_half_an_ulp_plus_f32_rounding(x in prop::num::f32::NORMAL) {
        let f = Format::LNS32;
        let back = decode_f32(f, encode(f, x as f64, &mut ()));
        let rel = ((back as f64 - x as f64) / x as f64).abs();
        let bound = (0.5 / f.scale() as f64).exp2() - 1.0 + f32::EPSILON as f64 / 2.0;
        prop_assert!(rel <= bound * (1.0 + 1e-9), "{x} → {back}: rel {rel:e} > {bound:e}");
    }
}
