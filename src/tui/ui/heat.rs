//! A vector as a strip of cells: the shade gives the size of each value, the colour its
//! sign (red positive, blue negative).

use ratatui::text::Span;

use super::theme::{NEGATIVE, POSITIVE, Theme};

const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];

/// `values` scaled by `scale` (the largest |v| shown alongside), one cell per value.
pub fn strip<'a>(values: impl Iterator<Item = f32>, scale: f32, theme: Theme) -> Vec<Span<'a>> {
    values
        .map(|v| {
            let x = if scale > 0.0 { (v / scale).clamp(-1.0, 1.0) } else { 0.0 };
            let level = ((x.abs() * 4.0).round() as usize).min(4);
            let c = if x >= 0.0 { POSITIVE } else { NEGATIVE };
            Span::styled(SHADES[level].to_string(), theme.fg(c))
        })
        .collect()
}

/// A horizontal bar of `width` cells filled to `fraction`.
pub fn bar(fraction: f32, width: usize) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * width as f32).round() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "·".repeat(width - filled))
}
