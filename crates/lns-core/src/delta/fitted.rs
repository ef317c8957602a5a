//! Breakpoints of the PWL Δ fitted per bitwidth with `lns fit-pwl --seed 1` (simulated
//! annealing over every code difference, least maximum error; see docs/hardware.md).
//! Slopes and intercepts are re-derived from the breakpoints by [`super::PwlTable::fit`],
//! so only the breakpoints are stored.

use crate::format::Format;

/// Fitted breakpoints of one format: Δ+ segment starts, the Δ− head, Δ− segment starts.
pub struct FittedBreakpoints {
    /// The format they were fitted for.
    pub format: Format,
    /// Starts of the Δ+ segments (the first is 0).
    pub plus: &'static [u32],
    /// Below this code difference Δ− uses the doubling identity.
    pub minus_head: u32,
    /// Starts of the Δ− segments (the first is `minus_head`).
    pub minus: &'static [u32],
}

/// The fitted tables shipped as defaults of [`super::DeltaKind::Pwl`].
pub const FITTED: &[FittedBreakpoints] = &[
    FittedBreakpoints {
        format: Format::new_unchecked(8, 3),
        plus: &[0, 8, 16, 32],
        minus_head: 13,
        minus: &[13, 19, 25, 26],
    },
    FittedBreakpoints {
        format: Format::new_unchecked(10, 4),
        plus: &[0, 13, 53, 77],
        minus_head: 26,
        minus: &[26, 32, 45, 53],
    },
    FittedBreakpoints {
        format: Format::new_unchecked(12, 5),
        plus: &[0, 27, 32, 67, 73, 103, 154, 155],
        minus_head: 30,
        minus: &[30, 42, 43, 44, 45, 63, 81, 134],
    },
    FittedBreakpoints {
        format: Format::new_unchecked(12, 6),
        plus: &[0, 28, 65, 72, 148, 192, 202, 317],
        minus_head: 49,
        minus: &[49, 58, 63, 83, 131, 171, 266, 314],
    },
    FittedBreakpoints {
        format: Format::new_unchecked(12, 7),
        plus: &[
            0, 58, 136, 204, 277, 341, 409, 477, 495, 614, 682, 719, 819, 887, 955, 1023,
        ],
        minus_head: 29,
        minus: &[
            29, 39, 49, 62, 77, 96, 110, 155, 174, 244, 290, 362, 451, 563, 702, 875,
        ],
    },
    FittedBreakpoints {
        format: Format::new_unchecked(14, 8),
        plus: &[
            0, 116, 269, 449, 605, 833, 1143, 1197, 1487, 1729, 1802, 1809, 1875, 2009, 2150, 2383,
        ],
        minus_head: 140,
        minus: &[
            140, 159, 181, 186, 211, 252, 293, 350, 468, 561, 710, 776, 890, 1019, 1077, 1568,
        ],
    },
    FittedBreakpoints {
        format: Format::new_unchecked(16, 10),
        plus: &[
            0, 139, 579, 945, 1379, 1928, 2294, 2662, 2835, 3103, 3651, 4159, 4222, 4888, 5353,
            5936, 6286, 6669, 6699, 6780, 7908, 8011, 8266, 8338, 8769, 9544, 10517, 10637, 10649,
            10816, 11085, 11416,
        ],
        minus_head: 277,
        minus: &[
            277, 320, 342, 359, 400, 460, 538, 641, 705, 706, 802, 930, 1051, 1176, 1332, 1503,
            1660, 1782, 2109, 2522, 2949, 3569, 4211, 4240, 4361, 4913, 5848, 7167, 7765, 7913,
            11571, 11623,
        ],
    },
];
