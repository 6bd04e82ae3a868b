//! The terminal palette SVG and HTML exports are drawn in, in one place: a dark background
//! and the 16 ANSI colours of VS Code's integrated terminal (its "Dark+" theme), whose
//! colours stay apart on a dark background and on a projector. The app itself uses only
//! the 16 named colours (`tui::ui::theme`), so this table decides every colour of a figure.

use ratatui::buffer::Cell;
use ratatui::style::{Color, Modifier};

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Text in the terminal's default colour (`Color::Reset` as a foreground).
pub const DEFAULT_FG: Rgb = Rgb(0xcc, 0xcc, 0xcc);
/// The background (`Color::Reset` as a background).
pub const DEFAULT_BG: Rgb = Rgb(0x1e, 0x1e, 0x1e);

/// The 16 ANSI colours, in SGR order: black, red, green, yellow, blue, magenta, cyan, white
/// (ratatui's `Gray`), then their bright forms (`DarkGray`, `LightRed`, …, `White`).
pub const ANSI: [Rgb; 16] = [
    Rgb(0x00, 0x00, 0x00),
    Rgb(0xcd, 0x31, 0x31),
    Rgb(0x0d, 0xbc, 0x79),
    Rgb(0xe5, 0xe5, 0x10),
    Rgb(0x24, 0x72, 0xc8),
    Rgb(0xbc, 0x3f, 0xbc),
    Rgb(0x11, 0xa8, 0xcd),
    Rgb(0xe5, 0xe5, 0xe5),
    Rgb(0x66, 0x66, 0x66),
    Rgb(0xf1, 0x4c, 0x4c),
    Rgb(0x23, 0xd1, 0x8b),
    Rgb(0xf5, 0xf5, 0x43),
    Rgb(0x3b, 0x8e, 0xea),
    Rgb(0xd6, 0x70, 0xd6),
    Rgb(0x29, 0xb8, 0xdb),
    Rgb(0xff, 0xff, 0xff),
];

/// A named colour's place in [`ANSI`] (its SGR number minus 30, or minus 82 for the bright
/// ones), None for `Reset`, `Rgb` and `Indexed`.
pub fn ansi_index(c: Color) -> Option<u8> {
    Some(match c {
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Reset | Color::Rgb(..) | Color::Indexed(_) => return None,
    })
}

/// The colour `c` is drawn in; `reset` stands for `Color::Reset`. Indexed colours follow
/// xterm's 256-colour table (16–231 a 6×6×6 cube, 232–255 a grey ramp).
pub fn rgb(c: Color, reset: Rgb) -> Rgb {
    match c {
        Color::Reset => reset,
        Color::Rgb(r, g, b) => Rgb(r, g, b),
        Color::Indexed(i) if i < 16 => ANSI[i as usize],
        Color::Indexed(i) if i < 232 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let i = i - 16;
            Rgb(level(i / 36), level(i / 6 % 6), level(i % 6))
        }
        Color::Indexed(i) => {
            let v = 8 + 10 * (i - 232);
            Rgb(v, v, v)
        }
        named => ANSI[ansi_index(named).map_or(7, usize::from)],
    }
}

/// How a cell looks once the palette and reverse video are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Look {
    pub fg: Rgb,
    pub bg: Rgb,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub crossed: bool,
    pub hidden: bool,
}

impl Look {
    /// The CSS / SVG `text-decoration` value for underlined or crossed-out text, if any.
    pub fn decoration(&self) -> Option<&'static str> {
        match (self.underline, self.crossed) {
            (true, true) => Some("underline line-through"),
            (true, false) => Some("underline"),
            (false, true) => Some("line-through"),
            (false, false) => None,
        }
    }

    pub fn of(cell: &Cell) -> Look {
        let m = cell.modifier;
        let (mut fg, mut bg) = (rgb(cell.fg, DEFAULT_FG), rgb(cell.bg, DEFAULT_BG));
        if m.contains(Modifier::REVERSED) {
            std::mem::swap(&mut fg, &mut bg);
        }
        Look {
            fg,
            bg,
            bold: m.contains(Modifier::BOLD),
            dim: m.contains(Modifier::DIM),
            italic: m.contains(Modifier::ITALIC),
            underline: m.contains(Modifier::UNDERLINED),
            crossed: m.contains(Modifier::CROSSED_OUT),
            hidden: m.contains(Modifier::HIDDEN),
        }
    }
}

/// How much of its colour dim text keeps.
pub const DIM_OPACITY: f32 = 0.6;
