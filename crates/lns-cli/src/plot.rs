//! PNG plots of Δ± (exact against approximations) and of their errors.

use std::path::Path;

use anyhow::{Result, anyhow};
use lns_core::Format;
use lns_core::delta::{DeltaFn, ExactDelta};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Image size in pixels.
const SIZE: (u32, u32) = (1200, 1050);
/// At most this many points per curve (code differences are strided beyond).
const MAX_POINTS: u32 = 20_000;
/// Colours of the approximations, in order (the exact curve is black).
const COLOURS: [RGBColor; 4] = [BLUE, RED, GREEN, MAGENTA];

/// The y unit of the error panel.
const ERROR_UNIT: &str = "ulps";

/// One curve: its name and the `(x, y)` points.
type Curve = (String, RGBColor, Vec<(f64, f64)>);

/// Draws three panels into `path`: Δ+ and Δ− in log2 units against `d / 2^frac`
/// (exact in black, each approximation in colour), and the error
/// `Δ − Δreal` of each approximation in ulps (Δ+ solid colour, Δ− pale).
///
/// Returns whether text (titles, axes, legends) could be drawn: when no font can be
/// loaded the plot is redrawn without text rather than failing.
///
/// # Errors
/// If the image cannot be drawn or written.
pub fn plot_delta(path: &Path, fmt: Format, approx: &[(&str, &dyn DeltaFn)]) -> Result<bool> {
    let panels = curves(fmt, approx);
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    let with_text = match draw(&root, fmt, &panels, true) {
        Ok(()) => true,
        Err(_) => {
            draw(&root, fmt, &panels, false)?;
            false
        }
    };
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(with_text)
}

/// The curves of the three panels.
fn curves(fmt: Format, approx: &[(&str, &dyn DeltaFn)]) -> [Vec<Curve>; 3] {
    let support = ExactDelta::new(fmt).support() + 1;
    let stride = support.div_ceil(MAX_POINTS).max(1);
    let scale = fmt.scale() as f64;
    let ds = |first: u32| (first..support).step_by(stride as usize);
    let x = |d: u32| d as f64 / scale;
    let exact_plus = |d| ExactDelta::plus_real(fmt, d);
    let exact_minus = |d| ExactDelta::minus_real(fmt, d);
    let mut plus = vec![(
        "exact".to_string(),
        BLACK,
        ds(0).map(|d| (x(d), exact_plus(d) / scale)).collect(),
    )];
    let mut minus = vec![(
        "exact".to_string(),
        BLACK,
        ds(1).map(|d| (x(d), exact_minus(d) / scale)).collect(),
    )];
    let mut error = Vec::new();
    for (&(name, f), &c) in approx.iter().zip(COLOURS.iter().cycle()) {
        let p = |d| f.plus(d) as f64;
        let m = |d| f.minus(d) as f64;
        plus.push((
            name.to_string(),
            c,
            ds(0).map(|d| (x(d), p(d) / scale)).collect(),
        ));
        minus.push((
            name.to_string(),
            c,
            ds(1).map(|d| (x(d), m(d) / scale)).collect(),
        ));
        error.push((
            format!("{name} Δ+"),
            c,
            ds(0).map(|d| (x(d), p(d) - exact_plus(d))).collect(),
        ));
        error.push((
            format!("{name} Δ−"),
            pale(c),
            ds(1).map(|d| (x(d), m(d) - exact_minus(d))).collect(),
        ));
    }
    [plus, minus, error]
}

fn pale(c: RGBColor) -> RGBColor {
    let mix = |v: u8| ((v as u16 + 2 * 255) / 3) as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

fn draw(
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
    fmt: Format,
    panels: &[Vec<Curve>; 3],
    with_text: bool,
) -> Result<()> {
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let areas = root.split_evenly((3, 1));
    let titles = [
        format!("Δ+(d) = log2(1 + 2^−d), format {fmt}"),
        format!("Δ−(d) = log2(1 − 2^−d), format {fmt}"),
        "error Δ − Δreal (ulps)".to_string(),
    ];
    let y_units = ["log2 units", "log2 units", ERROR_UNIT];
    for ((area, curves), (title, unit)) in areas.iter().zip(panels).zip(titles.iter().zip(y_units))
    {
        panel(area, curves, title, unit, with_text).map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

fn panel(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    curves: &[Curve],
    title: &str,
    y_unit: &str,
    with_text: bool,
) -> Result<(), DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>> {
    let pts = || curves.iter().flat_map(|c| c.2.iter());
    let x_max = pts().map(|p| p.0).fold(0f64, f64::max).max(1e-9);
    // Δ panels follow the exact curve (an approximation may floor Δ− far below it);
    // the error panel shows every point.
    let (y_lo, y_hi) = if y_unit == ERROR_UNIT {
        y_range(curves)
    } else {
        y_range(&curves[..1])
    };
    let mut b = ChartBuilder::on(area);
    b.margin(12);
    if with_text {
        b.caption(title, ("sans-serif", 20))
            .x_label_area_size(35)
            .y_label_area_size(60);
    }
    let mut chart = b.build_cartesian_2d(0f64..x_max, y_lo..y_hi)?;
    if with_text {
        chart
            .configure_mesh()
            .x_desc("d (log2 units)")
            .y_desc(y_unit)
            .draw()?;
    }
    for (name, colour, points) in curves {
        let clamped = points.iter().map(|&(x, y)| (x, y.clamp(y_lo, y_hi)));
        let s = chart.draw_series(LineSeries::new(clamped, colour.stroke_width(2)))?;
        if with_text {
            let c = *colour;
            s.label(name.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2)));
        }
    }
    if with_text {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()?;
    }
    Ok(())
}

/// A y range covering every finite point of `curves` (and 0), with 5 % headroom.
fn y_range(curves: &[Curve]) -> (f64, f64) {
    let ys = curves.iter().flat_map(|c| c.2.iter().map(|p| p.1));
    let (lo, hi) = ys
        .filter(|y| y.is_finite())
        .fold((0f64, 0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let pad = ((hi - lo) * 0.05).max(1e-3);
    (lo - pad, hi + pad)
}
