//! A fitted PWL table survives JSON (the file `lns fit-pwl` writes) bit for bit.

use lns_core::delta::{DeltaFn, PwlDelta, PwlTable};
use lns_core::fit::{FitSpec, Objective, fit_default};
use lns_core::{Arith, Format};

fn fitted(fmt: Format, segments: u32) -> PwlTable {
    let spec = FitSpec {
        objective: Objective::Max,
        seed: 11,
        iters: 200,
    };
    fit_default(fmt, segments, spec).unwrap().best.table
}

#[test]
fn fitted_tables_reload_from_json_with_identical_delta_and_add() {
    for (fmt, segments) in [(Format::LNS8, 4), (Format::LNS12, 8)] {
        let table = fitted(fmt, segments);
        let json = serde_json::to_string(&table).unwrap();
        let back: PwlTable = serde_json::from_str(&json).unwrap();
        assert_eq!(back, table);
        let (a, b) = (
            PwlDelta::new(table.clone()).unwrap(),
            PwlDelta::new(back.clone()).unwrap(),
        );
        for d in 0..a.support() + 8 {
            assert_eq!(a.plus(d), b.plus(d), "{fmt} Δ+({d})");
            if d > 0 {
                assert_eq!(a.minus(d), b.minus(d), "{fmt} Δ−({d})");
            }
        }
        let (ua, ub) = (
            Arith::with_pwl(table).unwrap(),
            Arith::with_pwl(back).unwrap(),
        );
        // Every pair for 8 bits; every a against a stride of b for 12 bits.
        let codes: Vec<i32> = fmt.all_codes().collect();
        let step = if fmt.bits() <= 8 { 1 } else { 37 };
        for &x in &codes {
            for &y in codes.iter().step_by(step) {
                assert_eq!(ua.add(x, y), ub.add(x, y), "{fmt} {x} + {y}");
                assert_eq!(ua.sub(x, y), ub.sub(x, y), "{fmt} {x} − {y}");
            }
        }
    }
}
