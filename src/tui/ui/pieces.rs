//! Stage 1: how WordPiece cuts each word of the pair.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::theme::{self, Theme};
use crate::tui::app::App;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![
        Line::from(format!(
            "The normalizer lowercases and strips accents; the pre-tokenizer splits on spaces and punctuation; \
             WordPiece then matches each word against the {}-piece vocabulary, longest piece first. \
             A piece that continues a word starts with ##.",
            app.tok.vocab_size()
        )),
        Line::default(),
    ];
    for (name, text, seg) in [("Sentence A", &app.pair.a, 0), ("Sentence B", &app.pair.b, 1)] {
        lines.push(Line::from(vec![
            Span::raw(format!("{name}: ")),
            Span::styled(format!("\"{text}\""), theme.segment(seg)),
        ]));
        match app.tok.words(text) {
            Ok(words) => lines.extend(words.iter().map(|(w, p)| word_line(app, theme, w, p, area.width))),
            Err(e) => lines.push(Line::from(Span::styled(format!("  {e:#}"), theme.fg(theme::BAD)))),
        }
        lines.push(Line::default());
    }
    super::fit::scrolled(lines, area, buf, super::stage_scroll(app), theme);
}

/// One word and its pieces, the reason cut (at a word) to `width` rather than wrapped.
fn word_line(app: &App, theme: Theme, word: &str, pieces: &[String], width: u16) -> Line<'static> {
    let why = if pieces.len() == 1 && pieces[0] == "[UNK]" {
        "no piece matches: [UNK]".to_string()
    } else if pieces.len() == 1 {
        format!("whole word in the vocabulary (id {})", app.tok.token_id(&pieces[0]).unwrap_or(0))
    } else {
        "split into pieces, longest first".to_string()
    };
    let line = Line::from(vec![
        Span::raw(format!("  {} → ", super::tokens::pad(word, 12))),
        Span::styled(
            format!("{:<20}", pieces.join(" ")),
            theme.bold(if pieces.len() > 1 { theme::RANDOM } else { theme::GOOD }),
        ),
        Span::styled(why, theme.dim()),
    ]);
    super::fit::line(line, width as usize)
}
