//! PNG plots of training curves and of a sweep's accuracy grid.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Size of every plot, pixels.
const SIZE: (u32, u32) = (1000, 650);
/// Line colours, in series order.
const COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(0, 0, 0),
];

/// One named curve.
pub struct Series {
    /// Legend text.
    pub name: String,
    /// `(x, y)` points; non-finite y values are skipped.
    pub points: Vec<(f64, f64)>,
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Where the legend of a line plot goes: away from where the curves end.
#[derive(Debug, Clone, Copy)]
pub enum Legend {
    /// Upper right corner (for falling curves such as losses).
    Top,
    /// Lower right corner (for rising curves such as accuracies).
    Bottom,
}

/// Draws `series` as lines with point markers into `path`. Where no font can be
/// loaded the plot is drawn without text rather than failing.
///
/// # Errors
/// If the image cannot be written.
pub fn lines(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    legend: Legend,
    series: &[Series],
) -> Result<()> {
    with_text_fallback(path, |root, text| {
        draw_lines(root, title, axes, legend, series, text)
    })
}

/// Draws a heat map of `values` (rows × columns, `None` for missing cells) with
/// each cell's value written in it.
///
/// # Errors
/// If the image cannot be written.
pub fn heatmap(
    path: &Path,
    title: &str,
    rows: &[String],
    columns: &[String],
    values: &[Vec<Option<f64>>],
) -> Result<()> {
    with_text_fallback(path, |root, text| {
        draw_heatmap(root, title, rows, columns, values, text)
    })
}

fn with_text_fallback(
    path: &Path,
    draw: impl Fn(&Area<'_>, bool) -> Result<(), String>,
) -> Result<()> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    if draw(&root, true).is_err() {
        draw(&root, false).map_err(|e| anyhow!("drawing {}: {e}", path.display()))?;
    }
    root.present()
        .map_err(|e| anyhow!("writing {}: {e}", path.display()))
}

fn finite(points: &[(f64, f64)]) -> impl Iterator<Item = (f64, f64)> + '_ {
    points
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
}

fn draw_lines(
    root: &Area<'_>,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    legend: Legend,
    series: &[Series],
    text: bool,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let all = || series.iter().flat_map(|s| finite(&s.points));
    let (mut x0, mut x1, mut y0, mut y1) = all().fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), (x, y)| (a.min(x), b.max(x), c.min(y), d.max(y)),
    );
    if !x0.is_finite() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    // A flat set of curves still gets a readable range around its value.
    let pad = if y1 - y0 > 1e-9 {
        (y1 - y0) * 0.05
    } else {
        (y1.abs() * 0.05).max(1.0)
    };
    let (y0, y1) = (y0 - pad, y1 + pad);
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let mut builder = ChartBuilder::on(root);
    builder.margin(15);
    if text {
        builder
            .caption(title, ("sans-serif", 22))
            .x_label_area_size(40)
            .y_label_area_size(60);
    }
    let mut chart = builder
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| err(&e))?;
    if text {
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .draw()
            .map_err(|e| err(&e))?;
    }
    for (s, &colour) in series.iter().zip(COLOURS.iter().cycle()) {
        let style = colour.stroke_width(2);
        let line = chart
            .draw_series(LineSeries::new(finite(&s.points), style))
            .map_err(|e| err(&e))?;
        if text {
            line.label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        }
        if s.points.len() <= 60 {
            chart
                .draw_series(finite(&s.points).map(|p| Circle::new(p, 4, colour.filled())))
                .map_err(|e| err(&e))?;
        }
    }
    if text {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(match legend {
                Legend::Top => SeriesLabelPosition::UpperRight,
                Legend::Bottom => SeriesLabelPosition::LowerRight,
            })
            .draw()
            .map_err(|e| err(&e))?;
    }
    Ok(())
}

fn draw_heatmap(
    root: &Area<'_>,
    title: &str,
    rows: &[String],
    columns: &[String],
    values: &[Vec<Option<f64>>],
    text: bool,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let known = || {
        values
            .iter()
            .flatten()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
    };
    let lo = known().fold(f64::INFINITY, f64::min);
    let hi = known().fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (n_rows, n_cols) = (rows.len().max(1), columns.len().max(1));
    let mut builder = ChartBuilder::on(root);
    builder.margin(20);
    if text {
        builder
            .caption(title, ("sans-serif", 22))
            .x_label_area_size(40)
            .y_label_area_size(90);
    }
    let mut chart = builder
        .build_cartesian_2d(0f64..n_cols as f64, 0f64..n_rows as f64)
        .map_err(|e| err(&e))?;
    if text {
        // Row 0 is drawn at the top.
        let reversed: Vec<String> = rows.iter().rev().cloned().collect();
        let col = |x: &f64| label_at(columns, *x);
        let row = |y: &f64| label_at(&reversed, *y);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("Δ strategy")
            .y_desc("format")
            .label_style(("sans-serif", 16))
            .x_labels(n_cols * 2 + 1)
            .y_labels(n_rows * 2 + 1)
            .x_label_formatter(&col)
            .y_label_formatter(&row)
            .draw()
            .map_err(|e| err(&e))?;
    }
    for (r, row) in values.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (x, y) = (c as f64, (n_rows - 1 - r) as f64);
            let fill = match value {
                Some(v) if v.is_finite() => heat((v - lo) / span),
                _ => RGBColor(200, 200, 200),
            };
            chart
                .draw_series([Rectangle::new(
                    [(x + 0.02, y + 0.02), (x + 0.98, y + 0.98)],
                    fill.filled(),
                )])
                .map_err(|e| err(&e))?;
            if text {
                let label = value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.2}"));
                chart
                    .draw_series([Text::new(
                        label,
                        (x + 0.4, y + 0.5),
                        ("sans-serif", 22).into_font().color(&BLACK),
                    )])
                    .map_err(|e| err(&e))?;
            }
        }
    }
    Ok(())
}

/// The label of the cell whose centre is at `v` (cells span `[i, i + 1)`), or
/// nothing between centres.
fn label_at(labels: &[String], v: f64) -> String {
    let i = v - 0.5;
    if (i - i.round()).abs() < 1e-6 && i >= 0.0 {
        labels.get(i.round() as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// A pale-yellow (0) to green (1) colour scale.
fn heat(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(255.0, 35.0), mix(245.0, 139.0), mix(200.0, 69.0))
}
