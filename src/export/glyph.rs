//! Which characters the SVG draws as shapes rather than text, and their geometry in
//! fractions of a cell: block elements (the heat strips' ░▒▓█, halves, eighths and
//! quadrants), box-drawing lines (light, heavy and rounded; the borders and chart axes),
//! and braille dots (the charts' curves). A font may lack these or draw them a little off
//! the cell; as shapes they tile exactly.

/// A filled rectangle inside a cell: x0, y0, x1, y1 as fractions of the cell (0 is the
/// left or top edge).
pub type Part = (f32, f32, f32, f32);

/// How a character is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// As text.
    Text,
    /// Filled rectangles in the foreground colour at `opacity` (the shades ░▒▓ are █ at
    /// 25, 50 and 75%).
    Block { parts: Vec<Part>, opacity: f32 },
    /// Lines from the cell's centre to the middle of its edges, each with a weight
    /// (0 none, 1 light, 2 heavy): up, right, down, left.
    Lines([u8; 4]),
    /// Braille dots: bit i of the pattern is dot i + 1 (Unicode's numbering).
    Braille(u8),
}

/// The shape of a cell's symbol.
pub fn shape(symbol: &str) -> Shape {
    let mut chars = symbol.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else { return Shape::Text };
    if let Some(s) = block(c) {
        return s;
    }
    if let Some(w) = lines(c) {
        return Shape::Lines(w);
    }
    match c as u32 {
        0x2800 => Shape::Text, // the blank pattern: nothing to draw
        p @ 0x2801..=0x28FF => Shape::Braille((p - 0x2800) as u8),
        _ => Shape::Text,
    }
}

fn full(opacity: f32) -> Option<Shape> {
    Some(Shape::Block { parts: vec![(0.0, 0.0, 1.0, 1.0)], opacity })
}

fn part(p: Part) -> Option<Shape> {
    Some(Shape::Block { parts: vec![p], opacity: 1.0 })
}

fn block(c: char) -> Option<Shape> {
    let eighth = |n: u32| n as f32 / 8.0;
    match c {
        '█' => full(1.0),
        '░' => full(0.25),
        '▒' => full(0.5),
        '▓' => full(0.75),
        '▀' => part((0.0, 0.0, 1.0, 0.5)),
        // The header's pause sign: few monospace fonts have it.
        '⏸' => Some(Shape::Block { parts: vec![(0.2, 0.25, 0.4, 0.8), (0.6, 0.25, 0.8, 0.8)], opacity: 1.0 }),
        '▔' => part((0.0, 0.0, 1.0, 0.125)),
        '▐' => part((0.5, 0.0, 1.0, 1.0)),
        '▕' => part((0.875, 0.0, 1.0, 1.0)),
        // ▁▂▃▄▅▆▇: the lower 1/8 … 7/8.
        '\u{2581}'..='\u{2587}' => part((0.0, 1.0 - eighth(c as u32 - 0x2580), 1.0, 1.0)),
        // ▉▊▋▌▍▎▏: the left 7/8 … 1/8.
        '\u{2589}'..='\u{258F}' => part((0.0, 0.0, eighth(0x2590 - c as u32), 1.0)),
        '\u{2596}'..='\u{259F}' => {
            // Quadrants: bits up-left, up-right, down-left, down-right.
            let bits = [0b0010, 0b0001, 0b1000, 0b1011, 0b1001, 0b1110, 0b1101, 0b0100, 0b0110, 0b0111]
                [(c as u32 - 0x2596) as usize];
            let quads = [(0.0, 0.0, 0.5, 0.5), (0.5, 0.0, 1.0, 0.5), (0.0, 0.5, 0.5, 1.0), (0.5, 0.5, 1.0, 1.0)];
            let parts = (0..4).filter(|i| bits & (0b1000 >> i) != 0).map(|i| quads[i]).collect();
            Some(Shape::Block { parts, opacity: 1.0 })
        }
        _ => None,
    }
}

/// Box-drawing characters: (up, right, down, left) weights.
fn lines(c: char) -> Option<[u8; 4]> {
    Some(match c {
        '─' => [0, 1, 0, 1],
        '│' => [1, 0, 1, 0],
        '┌' | '╭' => [0, 1, 1, 0],
        '┐' | '╮' => [0, 0, 1, 1],
        '└' | '╰' => [1, 1, 0, 0],
        '┘' | '╯' => [1, 0, 0, 1],
        '├' => [1, 1, 1, 0],
        '┤' => [1, 0, 1, 1],
        '┬' => [0, 1, 1, 1],
        '┴' => [1, 1, 0, 1],
        '┼' => [1, 1, 1, 1],
        '━' => [0, 2, 0, 2],
        '┃' => [2, 0, 2, 0],
        '┏' => [0, 2, 2, 0],
        '┓' => [0, 0, 2, 2],
        '┗' => [2, 2, 0, 0],
        '┛' => [2, 0, 0, 2],
        '┣' => [2, 2, 2, 0],
        '┫' => [2, 0, 2, 2],
        '┳' => [0, 2, 2, 2],
        '┻' => [2, 2, 0, 2],
        '╋' => [2, 2, 2, 2],
        '╴' => [0, 0, 0, 1],
        '╵' => [1, 0, 0, 0],
        '╶' => [0, 1, 0, 0],
        '╷' => [0, 0, 1, 0],
        _ => return None,
    })
}

/// Braille dot `i` (0–7, Unicode's dots 1–8) as (column, row) in the cell's 2 × 4 grid.
pub fn braille_dot(i: u8) -> (u8, u8) {
    match i {
        0..=2 => (0, i),
        3..=5 => (1, i - 3),
        6 => (0, 3),
        _ => (1, 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighths_and_quadrants_have_their_size() {
        assert_eq!(shape("▁"), Shape::Block { parts: vec![(0.0, 0.875, 1.0, 1.0)], opacity: 1.0 });
        assert_eq!(shape("▄"), Shape::Block { parts: vec![(0.0, 0.5, 1.0, 1.0)], opacity: 1.0 });
        assert_eq!(shape("▏"), Shape::Block { parts: vec![(0.0, 0.0, 0.125, 1.0)], opacity: 1.0 });
        assert_eq!(shape("▌"), Shape::Block { parts: vec![(0.0, 0.0, 0.5, 1.0)], opacity: 1.0 });
        let Shape::Block { parts, .. } = shape("▟") else { panic!("a block") };
        assert_eq!(parts, vec![(0.5, 0.0, 1.0, 0.5), (0.0, 0.5, 0.5, 1.0), (0.5, 0.5, 1.0, 1.0)]);
        assert_eq!(shape("▒"), Shape::Block { parts: vec![(0.0, 0.0, 1.0, 1.0)], opacity: 0.5 });
    }

    #[test]
    fn braille_lines_and_text() {
        assert_eq!(shape("⣀"), Shape::Braille(0xC0));
        assert_eq!((braille_dot(6), braille_dot(7)), ((0, 3), (1, 3)));
        assert_eq!(shape("┼"), Shape::Lines([1, 1, 1, 1]));
        assert_eq!(shape("a"), Shape::Text);
        assert_eq!(shape("⠀"), Shape::Text);
        assert_eq!(shape("é"), Shape::Text);
    }
}
