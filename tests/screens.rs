//! Nothing is cut off (issue 10 §3): every stage, with and without the lesson pane, at
//! 80×24, 100×30 and 120×40. A line that meets the right edge of its pane must end in a
//! whole word or in "…"; text that does not fit below says "+N more lines ↓".

use std::collections::HashSet;

use bert_tutor::text::masking::{Action as MaskAction, MaskedToken};
use bert_tutor::tui::action::Action;
use bert_tutor::tui::app::App;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

const SIZES: [(u16, u16); 3] = [(80, 24), (100, 30), (120, 40)];

fn draw(app: &App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t.backend().buffer().clone()
}

fn rows(buf: &Buffer) -> Vec<Vec<String>> {
    let a = buf.area;
    (0..a.height).map(|y| (0..a.width).map(|x| buf[(x, y)].symbol().to_string()).collect()).collect()
}

/// Borders, bars and plot glyphs: cells that are not text.
fn is_glyph(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c, '│' | '─' | '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '·' | '•' | '×' | '+')
            || ('\u{2580}'..='\u{259F}').contains(&c) // block elements: strips, bars
            || ('\u{2800}'..='\u{28FF}').contains(&c) // braille: the curves
    })
}

fn is_border(s: &str) -> bool {
    matches!(s, "│" | "┌" | "┐" | "└" | "┘" | "┤" | "├")
}

/// The words of the screen drawn so wide and tall that nothing is cut: the whole words a
/// smaller screen may end a line with.
fn whole_words(app: &App) -> HashSet<String> {
    let mut words = HashSet::new();
    for (w, h) in [(300, 90), (200, 60)] {
        for row in rows(&draw(app, w, h)) {
            let line: String = row.concat();
            words.extend(line.split(|c: char| c.is_whitespace() || is_border(&c.to_string())).map(str::to_string));
        }
    }
    words
}

/// Each run of text that touches the right edge of its pane (the cell before a border) and
/// ends neither in "…" nor in a whole word, or that reaches the screen's last column.
fn cut_words(buf: &Buffer, whole: &HashSet<String>) -> Vec<String> {
    let mut cuts = Vec::new();
    for (y, row) in rows(buf).iter().enumerate() {
        for x in 0..row.len() {
            let at_edge = x + 1 == row.len() || is_border(&row[x + 1]);
            let cell = &row[x];
            if !at_edge || cell == " " || cell.is_empty() || cell == "…" || is_glyph(cell) || is_border(cell) {
                continue;
            }
            let start = (0..=x).rev().take_while(|&i| row[i] != " " && !is_border(&row[i])).last().unwrap_or(x);
            let word: String = row[start..=x].concat();
            // The header and the key line are single lines with no border: they never
            // need the last column, so text there was cut, whatever the word.
            let screen_edge = x + 1 == row.len();
            if screen_edge || !whole.contains(&word) {
                cuts.push(format!("row {y}: …{word:?} | {}", row.concat().trim_end()));
            }
        }
    }
    cuts
}

fn check_every_stage(app: &mut App, what: &str) {
    let whole = whole_words(app);
    let mut failures = Vec::new();
    for stage in 0..bert_tutor::tui::app::Stage::ALL.len() {
        app.update(Action::GoStage(stage));
        let whole: HashSet<String> = whole.union(&whole_words(app)).cloned().collect();
        for (w, h) in SIZES {
            for cut in cut_words(&draw(app, w, h), &whole) {
                failures.push(format!("{what}, stage {} at {w}×{h}: {cut}", stage + 1));
            }
        }
    }
    assert!(failures.is_empty(), "lines cut inside a word:\n{}", failures.join("\n"));
}

fn app() -> App {
    App::bundled(0).unwrap()
}

#[test]
fn no_stage_cuts_a_word_without_the_lesson_pane() {
    check_every_stage(&mut app(), "no lesson");
}

#[test]
fn no_stage_cuts_a_word_under_the_lesson_pane() {
    let mut app = app();
    app.open_lesson(0, 1);
    check_every_stage(&mut app, "lesson 1 step 2");
    app.open_lesson(5, 0);
    check_every_stage(&mut app, "lesson 6 step 1");
}

/// A stage under the lesson pane that does not fit says so on its last row, rather than
/// ending in the middle of a sentence (stage 6's sentence about held-out accuracy).
#[test]
fn a_stage_under_the_lesson_pane_says_what_is_below() {
    let mut app = app();
    app.open_lesson(5, 0);
    app.update(Action::GoStage(5));
    let s = screen(&draw(&app, 80, 24));
    assert!(s.contains("more lines ↓ (Esc hides the lesson pane)"), "{s}");
}

/// Presenter mode (`--present`): the stage in its frame, the labels over the big numbers
/// and the bottom line, with and without the lesson pane.
#[test]
fn no_stage_cuts_a_word_in_presenter_mode() {
    let mut app = app();
    app.present = true;
    check_every_stage(&mut app, "presenter mode");
    app.open_lesson(5, 0);
    check_every_stage(&mut app, "presenter mode, lesson 6 step 1");
}

#[test]
fn a_long_pair_cuts_no_word_either() {
    let mut app = app();
    append(
        &mut app,
        Action::EditA,
        "the old farmer walked slowly across the muddy field before breakfast every morning",
    );
    check_every_stage(&mut app, "long pair");
}

/// The check itself fails on a cut word: a header cut at a fixed width by the terminal.
#[test]
fn the_check_catches_a_cut_word() {
    let app = app();
    let whole = whole_words(&app);
    let mut buf = draw(&app, 80, 24);
    // Write a word that runs into the right border of the stage, as a clipped line would.
    let y = 5;
    for (i, c) in "gra".chars().enumerate() {
        buf[(76 + i as u16, y)].set_symbol(&c.to_string());
    }
    assert!(!cut_words(&buf, &whole).is_empty());
}

/// Opens a sentence for editing (`edit`: EditA or EditB), types `text` after it, applies.
fn append(app: &mut App, edit: Action, text: &str) {
    app.update(edit);
    for c in text.chars() {
        app.update(Action::EditKey(key(c)));
    }
    app.update(Action::EditSubmit);
}

fn key(c: char) -> ratatui::crossterm::event::KeyEvent {
    ratatui::crossterm::event::KeyEvent::new(
        ratatui::crossterm::event::KeyCode::Char(c),
        ratatui::crossterm::event::KeyModifiers::NONE,
    )
}

fn screen(buf: &Buffer) -> String {
    rows(buf).iter().map(|r| r.concat()).collect::<Vec<_>>().join("\n")
}

/// Stage 5 lists every masked position at 80×24, giving each fewer guesses when many are
/// chosen, rather than dropping positions off the bottom.
#[test]
fn stage_5_lists_every_masked_position_at_80x24() {
    let mut app = app();
    app.update(Action::GoStage(4));
    let masked: Vec<usize> = app.pair.plan.masked.iter().map(|m| m.position).collect();
    for pos in [2, 3, 7, 8] {
        if !masked.contains(&pos) {
            app.cursor = pos;
            app.update(Action::ToggleMask);
        }
    }
    assert!(app.pair.plan.masked.len() >= 4);
    let s = screen(&draw(&app, 80, 24));
    for m in &app.pair.plan.masked {
        assert!(s.contains(&format!("position {:>2}:", m.position)), "position {} missing:\n{s}", m.position);
    }
}

/// Text taller than its pane ends in "+N more lines ↓"; Tab then ↓ scrolls to the rest.
#[test]
fn a_stage_taller_than_the_screen_says_more_and_scrolls() {
    let mut app = app();
    append(
        &mut app,
        Action::EditB,
        " and then he runs around the garden chasing birds until the sun goes down over the hills",
    );
    app.update(Action::GoStage(0));
    let s = screen(&draw(&app, 80, 24));
    assert!(s.contains("more lines ↓"), "{s}");
    assert!(!s.contains("→ hills"), "the last word's pieces are below the fold:\n{s}");
    app.update(Action::FocusNext);
    for _ in 0..40 {
        app.update(Action::Down);
    }
    let s = screen(&draw(&app, 80, 24));
    assert!(s.contains("lines above"), "{s}");
    assert!(s.contains("→ hills"), "{s}");
}

/// The first mask a newcomer sees is the common case: every chosen piece became [MASK].
#[test]
fn the_first_mask_shows_mask_tokens() {
    let app = app();
    assert!(!app.pair.plan.masked.is_empty());
    assert!(app.pair.plan.masked.iter().all(|m: &MaskedToken| m.action == MaskAction::Mask), "{:?}", app.pair.plan);
}

/// The text field scrolls: typing past the width keeps the end of the text and the cursor
/// in view, with "…" for the part scrolled out on the left; Home brings the start back.
#[test]
fn the_edit_line_scrolls_with_the_cursor() {
    let mut app = app();
    app.update(Action::EditA);
    let text = " and the cat sat on the mat while the rain fell on the roof of the little house";
    for c in text.chars() {
        app.update(Action::EditKey(key(c)));
    }
    let rows = rows(&draw(&app, 80, 24));
    let field = rows[22].concat();
    assert!(field.contains("little house"), "the end of the text is in view: {field:?}");
    assert!(field.contains("edit A › …"), "the scrolled-out start is marked: {field:?}");
    assert!(!field.contains("my dog"), "{field:?}");
    app.update(Action::EditKey(ratatui::crossterm::event::KeyEvent::new(
        ratatui::crossterm::event::KeyCode::Home,
        ratatui::crossterm::event::KeyModifiers::NONE,
    )));
    let field = rows_of(&app)[22].clone();
    assert!(field.contains("my dog is cute"), "Home scrolls back to the start: {field:?}");
    assert!(!field.contains("little house"), "{field:?}");
}

fn rows_of(app: &App) -> Vec<String> {
    rows(&draw(app, 80, 24)).iter().map(|r| r.concat()).collect()
}

/// A message longer than the screen is wide takes a second row instead of being cut.
#[test]
fn a_long_message_wraps_instead_of_being_cut() {
    let mut app = app();
    let text = "could not save to /home/student/a/rather/long/folder/name/checkpoint: permission denied; \
                choose another folder with --out or free some space, then press S again";
    app.message = Some(bert_tutor::tui::app::Message { text: text.into(), error: true });
    let rows = rows_of(&app);
    assert!(rows[20].contains("✗ could not save"), "{}", rows.join("\n"));
    assert!(rows[22].trim_end().ends_with("press S again"), "{}", rows.join("\n"));
    assert!(rows[23].contains("q quit"), "the key line stays: {}", rows.join("\n"));
}

/// Stage 6 tells a pair from a held-out document from a training pair and from one the
/// learner typed, looking the sentences up in the corpus (an index built once, so a frame
/// does not scan the corpus).
#[test]
fn stage_6_says_where_the_pair_comes_from() {
    use bert_tutor::train::EvalStats;
    use bert_tutor::train::worker::TrainEvent;
    let mut app = app();
    app.update(Action::GoStage(5));
    let stats = EvalStats { mlm_loss: 5.8, nsp_loss: 0.64, mlm_accuracy: 0.15, nsp_accuracy: 0.612 };
    app.on_train(TrainEvent::Eval { step: 500, stats });
    let said = |app: &App| screen(&draw(app, 120, 40)).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(said(&app).contains("The model trains on this pair's text"), "{}", said(&app));
    // Draw pairs until one comes from a held-out document (about 1 in 10 does).
    let held_out = (0..400).find(|_| {
        app.update(Action::NewPair { is_next: true });
        app.corpus.document_of(&app.pair.a).is_some_and(|d| app.corpus.is_held_out(d))
    });
    assert!(held_out.is_some(), "no held-out pair in 400 draws");
    assert!(said(&app).contains("This pair comes from a held-out document"), "{}", said(&app));
    append(&mut app, Action::EditB, " and more");
    assert!(said(&app).contains("The model never trained on this pair"), "{}", said(&app));
}
