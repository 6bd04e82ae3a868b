//! The buffer as text: plain, and with SGR colour escapes for `cat` in a terminal.

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

use super::palette::ansi_index;
use super::{Glyph, rows};

/// The buffer's text: for each row, the symbols of its visible cells in order (a cell
/// hidden behind a wide character before it is skipped, as `TestBackend` shows it), with
/// trailing spaces trimmed; every row ends with `\n`, so there are exactly as many lines
/// as rows, blank ones included.
pub fn plain(buf: &Buffer) -> String {
    let mut out = String::new();
    for row in rows(buf) {
        out.push_str(&row_text(&row));
        out.push('\n');
    }
    out
}

fn row_text(row: &[Glyph]) -> String {
    let line: String = row.iter().map(|g| g.symbol()).collect();
    line.trim_end_matches(' ').to_string()
}

/// [`plain`] with SGR escapes before each change of colour or attribute, in the terminal's
/// own palette (the 16 named colours as 30–37 / 90–97 and 40–47 / 100–107; indexed and RGB
/// colours as 38;5 / 38;2). Each escape starts from a reset (`0`), and a styled row ends
/// with `ESC[0m`, so that removing every `ESC[…m` gives back [`plain`] exactly.
pub fn ansi(buf: &Buffer) -> String {
    let mut out = String::new();
    for row in rows(buf) {
        let keep = row_text(&row).len();
        let (mut used, mut current) = (0, String::from("0"));
        for g in &row {
            if used >= keep {
                break;
            }
            let sgr = sgr(g.cell);
            if sgr != current {
                out.push_str(&format!("\x1b[{sgr}m"));
                current = sgr;
            }
            out.push_str(g.symbol());
            used += g.symbol().len();
        }
        if current != "0" {
            out.push_str("\x1b[0m");
        }
        out.push('\n');
    }
    out
}

/// The SGR parameters of a cell, starting with a reset: `0` alone for a plain cell.
fn sgr(cell: &Cell) -> String {
    let mut codes = vec!["0".to_string()];
    for (m, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if cell.modifier.contains(m) {
            codes.push(code.into());
        }
    }
    codes.extend(color_code(cell.fg, 30));
    codes.extend(color_code(cell.bg, 40));
    codes.join(";")
}

/// `base` is 30 for the foreground, 40 for the background.
fn color_code(c: Color, base: u8) -> Option<String> {
    Some(match c {
        Color::Reset => return None,
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", base + 8),
        Color::Indexed(i) => format!("{};5;{i}", base + 8),
        named => {
            let i = ansi_index(named)?;
            if i < 8 { (base + i).to_string() } else { (base + 60 + i - 8).to_string() }
        }
    })
}
