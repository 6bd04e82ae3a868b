//! Presenter mode (`--present`, issue 13 §1): snapshots of its layout at 120×40 and 80×24,
//! and, in tests of their own, what they cannot hold: the big numbers are the model's, the
//! theme uses named colours only (none under NO_COLOR), `b` blanks and any key restores,
//! every stage draws at every size, and the overlays and messages still show.

use bert_tutor::tui::action::{Action, from_key};
use bert_tutor::tui::app::{App, Message, Stage};
use bert_tutor::tui::ui::present::{Presenter, scores};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::widgets::Widget;
use tui_big_text::{BigText, PixelSize};

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn app() -> App {
    let mut app = App::bundled(0).unwrap();
    app.color = true;
    app.present = true;
    app
}

fn draw(app: &App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t.backend().buffer().clone()
}

fn draw_presenter(p: Presenter, w: u16, h: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    p.render(buf.area, &mut buf);
    buf
}

fn rows(buf: &Buffer) -> Vec<String> {
    let a = buf.area;
    (0..a.height).map(|y| (0..a.width).map(|x| buf[(x, y)].symbol()).collect()).collect()
}

fn screen(buf: &Buffer) -> String {
    rows(buf).join("\n")
}

/// The filters of tests/tui.rs `snapshot`, after one more: a row of big digits (the 4×4
/// quadrant characters) becomes "[big digits]", so that a change of initialisation does not
/// rewrite the band; `the_big_numbers_are_the_models` checks what it shows.
fn snapshot(name: &str, buf: &Buffer) {
    let text = rows(buf).iter().map(|r| format!("{r:?}")).collect::<Vec<_>>().join("\n");
    insta::with_settings!({filters => vec![
        (r#""[^"\n]*[▖▗▘▙▚▛▜▝▞▟▀▄▌▐][^"\n]*""#, "\"[big digits]\""),
        (r"-?\d+\.\d+(e[-+]?\d+)?", "[n]"),
        (r"[░▒▓█·]+", "▒"),
        (r"(│ {3}\d\. )\S+", "${1}[piece]"),
    ]}, {
        insta::assert_snapshot!(name, text);
    });
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn press(app: &mut App, c: KeyCode) {
    if let Some(a) = from_key(key(c), app.key_mode()) {
        app.update(a);
    }
}

#[test]
fn presenter_mode_at_both_sizes() {
    let mut app = app();
    for stage in [1, 3, 6, 8] {
        app.update(Action::GoStage(stage - 1));
        for (w, h) in SIZES {
            snapshot(&format!("present_stage{stage}_{w}x{h}"), &draw(&app, w, h));
        }
    }
}

#[test]
fn the_blank_screen_at_both_sizes() {
    let mut app = app();
    app.update(Action::Blank);
    for (w, h) in SIZES {
        snapshot(&format!("present_blank_{w}x{h}"), &draw(&app, w, h));
    }
}

/// A demo step's caption in its band, and the speaker notes beside the stage.
#[test]
fn a_caption_and_notes_at_both_sizes() {
    let mut app = app();
    app.update(Action::GoStage(6));
    let caption = "MLM loss + NSP loss = total\nBERT trains both heads on their sum";
    let notes = "Point at the total. Ask: which head dominates early on? (MLM: ln(vocab) is about 8, ln 2 is 0.69.)";
    for (w, h) in SIZES {
        let p = Presenter { app: &app, caption: Some(caption), notes: Some(notes) };
        snapshot(&format!("present_caption_notes_{w}x{h}"), &draw_presenter(p, w, h));
    }
}

/// The rows `text` takes in the band's big digits at `pixel`, trimmed of blank edges.
fn big(text: &str, pixel: PixelSize, w: u16, h: u16) -> Vec<String> {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    BigText::builder().pixel_size(pixel).lines(vec![text.to_string().into()]).build().render(buf.area, &mut buf);
    rows(&buf).into_iter().map(|r| r.trim_end().to_string()).filter(|r| !r.trim().is_empty()).collect()
}

/// Whether `block` appears on the screen, its rows one under another from the same column.
fn contains_block(buf: &Buffer, block: &[String]) -> bool {
    let chars = |s: &String| s.chars().collect::<Vec<char>>();
    let screen: Vec<Vec<char>> = rows(buf).iter().map(chars).collect();
    let block: Vec<Vec<char>> = block.iter().map(chars).collect();
    screen.windows(block.len()).any(|win| {
        (0..win[0].len()).any(|x| win.iter().zip(&block).all(|(r, b)| r.get(x..x + b.len()) == Some(b.as_slice())))
    })
}

/// The big numbers are the pair's own losses and P(IsNext) from `app.view` (what stages
/// 6 and 7 print), with three decimals at 120 columns and two at 80, under each setting of
/// the loss weights; and their digits, drawn big, are on the screen.
#[test]
fn the_big_numbers_are_the_models() {
    let mut app = app();
    for _ in 0..3 {
        let o = app.view.outputs.clone();
        let s = scores::scores(&app);
        let values: Vec<f32> = s.iter().map(|s| s.value).collect();
        assert_eq!(values, [o.mlm_loss, o.nsp_loss, o.total_loss, o.nsp_probs[[0, 0]]]);
        let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
        let total = format!("total: {}", app.loss_label());
        assert_eq!(labels, ["MLM loss", "NSP loss", total.as_str(), "P(IsNext)"]);
        for ((w, h), d) in SIZES.into_iter().zip([3, 2]) {
            let expected: Vec<String> = values.iter().map(|v| format!("{v:.d$}")).collect();
            assert_eq!(scores::shown(&app, Rect::new(0, 0, w, h)), expected, "at {w}×{h}");
            let buf = draw(&app, w, h);
            let text = screen(&buf);
            for label in &labels {
                assert!(text.contains(label), "{label} at {w}×{h}:\n{text}");
            }
            for number in &expected {
                let glyphs = big(number, PixelSize::Quadrant, 40, 8);
                assert!(contains_block(&buf, &glyphs), "{number} not drawn big at {w}×{h}:\n{text}");
            }
        }
        app.update(Action::CycleWeights);
    }
}

/// A number the screen cannot show is not silently shown wrong: the big digits of another
/// loss are not found (the check above can fail).
#[test]
fn the_digit_check_can_fail() {
    let app = app();
    let wrong = format!("{:.3}", app.view.outputs.mlm_loss + 0.5);
    assert!(!contains_block(&draw(&app, 120, 40), &big(&wrong, PixelSize::Quadrant, 40, 8)));
}

/// Under SOP the band names the SOP head and P(InOrder); under task none there is no
/// sentence head: MLM and the total only, and a line saying why.
#[test]
fn the_band_follows_the_sentence_task() {
    let mut app = app();
    app.update(Action::CycleTask);
    let text = screen(&draw(&app, 120, 40));
    assert!(text.contains("SOP loss") && text.contains("P(InOrder)"), "{text}");
    app.update(Action::CycleTask);
    let s = scores::scores(&app);
    assert_eq!(s.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), ["MLM loss", "total: MLM only (task none)"]);
    assert_eq!(s[1].value, app.view.outputs.total_loss);
    for (w, h) in SIZES {
        let text = screen(&draw(&app, w, h));
        assert!(text.contains("no NSP"), "{text}");
        assert!(!text.contains("P(IsNext)") && !text.contains("NSP loss"), "{text}");
    }
}

/// Every cell of every stage, at both sizes, with the help and the lessons menu open too:
/// named ANSI colours only, and no dark grey text, which a projector washes out.
#[test]
fn presenter_mode_uses_named_colours_only() {
    let mut app = app();
    let mut bad = Vec::new();
    for overlay in [None, Some(Action::ToggleHelp), Some(Action::OpenLessonsMenu)] {
        if let Some(a) = overlay.clone() {
            app.update(a);
        }
        for stage in 0..Stage::ALL.len() {
            app.update(Action::GoStage(stage));
            for (w, h) in SIZES {
                let buf = draw(&app, w, h);
                for cell in buf.content() {
                    let dark = cell.fg == Color::DarkGray && !cell.symbol().trim().is_empty();
                    if matches!(cell.fg, Color::Rgb(..) | Color::Indexed(_))
                        || matches!(cell.bg, Color::Rgb(..) | Color::Indexed(_))
                        || dark
                    {
                        bad.push(format!("stage {} at {w}×{h}: {:?} on {:?}", stage + 1, cell.fg, cell.bg));
                    }
                }
            }
        }
        app.help = false;
        app.menu = None;
    }
    bad.dedup();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// NO_COLOR (`app.color` false): no cell has a colour, and no text is faint (DIM), in any
/// stage; emphasis is bold and reversed video only.
#[test]
fn no_color_gives_no_colour_cells() {
    let mut app = app();
    app.color = false;
    for stage in 0..Stage::ALL.len() {
        app.update(Action::GoStage(stage));
        for (w, h) in SIZES {
            let buf = draw(&app, w, h);
            for cell in buf.content() {
                assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "stage {} at {w}×{h}", stage + 1);
                assert!(!cell.modifier.contains(Modifier::DIM), "stage {} at {w}×{h}: faint text", stage + 1);
            }
        }
    }
    assert!(
        draw(&app, 120, 40).content().iter().any(|c| c.modifier.contains(Modifier::BOLD)),
        "the emphasis is still there"
    );
}

/// `b` blanks the screen: nothing on it but the hint in the corner. Any key, `q` included,
/// brings it back (and does nothing else); `B` still edits sentence B. Outside presenter
/// mode `b` edits B as before.
#[test]
fn b_blanks_and_any_key_restores() {
    let mut app = app();
    app.update(Action::GoStage(2));
    let before = screen(&draw(&app, 120, 40));
    press(&mut app, KeyCode::Char('b'));
    assert!(app.blank);
    let blank = screen(&draw(&app, 120, 40));
    assert_eq!(blank.split_whitespace().collect::<Vec<_>>(), ["any", "key", "returns"], "{blank}");
    for k in [KeyCode::Char('q'), KeyCode::Char('3'), KeyCode::Esc, KeyCode::Right] {
        press(&mut app, k);
        assert!(!app.blank && !app.quit, "{k:?} brings the screen back and does nothing else");
        assert_eq!(app.stage, Stage::Embeddings);
        assert_eq!(screen(&draw(&app, 120, 40)), before);
        press(&mut app, KeyCode::Char('b'));
    }
    press(&mut app, KeyCode::Char('b'));
    press(&mut app, KeyCode::Char('B'));
    assert!(app.editing.is_some(), "B edits sentence B in presenter mode");
    let mut normal = App::bundled(0).unwrap();
    press(&mut normal, KeyCode::Char('b'));
    assert!(!normal.blank && normal.editing.is_some(), "outside presenter mode b edits B");
}

/// An error that arrives while the screen is blank is shown on it: the key that brings the
/// screen back clears messages, so it would otherwise never be read.
#[test]
fn an_error_shows_on_the_blank_screen_and_in_presenter_mode() {
    let mut app = app();
    let text = "the trainer thread crashed (out of memory)";
    app.message = Some(Message { text: text.into(), error: true });
    for (w, h) in SIZES {
        assert!(screen(&draw(&app, w, h)).contains(text), "at {w}×{h}");
    }
    app.blank = true;
    for (w, h) in SIZES {
        let s = screen(&draw(&app, w, h));
        assert!(s.contains(text) && s.contains("any key returns"), "at {w}×{h}:\n{s}");
    }
}

/// `?` and `L` open their overlays over the presenter's screen, and the help names `b`.
#[test]
fn help_and_the_lessons_menu_still_open() {
    let mut app = app();
    press(&mut app, KeyCode::Char('?'));
    let s = screen(&draw(&app, 120, 40));
    assert!(s.contains("keys (any key closes)"), "{s}");
    assert!(s.contains("blank the screen"), "{s}");
    press(&mut app, KeyCode::Char('x'));
    assert!(!app.help);
    press(&mut app, KeyCode::Char('L'));
    assert!(app.menu.is_some());
    let s = screen(&draw(&app, 80, 24));
    assert!(s.contains("Enter open"), "{s}");
}

/// The bottom line names the stage by number and name, with the step and training state.
#[test]
fn the_bottom_line_names_the_stage() {
    let mut app = app();
    app.update(Action::GoStage(2));
    for (w, h) in SIZES {
        let buf = draw(&app, w, h);
        let last = rows(&buf).pop().unwrap();
        assert!(last.starts_with(" 3 / 11 · Embedding rows"), "{last:?}");
        assert!(last.contains("step 0 · ⏸ paused"), "{last:?}");
        let s = screen(&buf);
        assert!(!s.contains("q quit") && !s.contains("live losses"), "no key line, no side pane:\n{s}");
    }
}

/// A caption longer than two lines ends in "…" on its second, at a word.
#[test]
fn a_long_caption_takes_two_lines_at_most() {
    use bert_tutor::tui::ui::present::caption_lines;
    let long = "the three embeddings, token, segment and position, are added row by row and then normalised, \
                before the first encoder layer sees them at all; the sum is what every head and every loss \
                downstream is computed from";
    let lines = caption_lines(long, 80);
    assert_eq!(lines.len(), 2);
    let last = lines[1].to_string();
    assert!(last.ends_with('…') && last.chars().count() <= 76, "{last:?}");
    assert_eq!(caption_lines("one line", 80).len(), 1);
}

/// No size panics: every stage in presenter mode, blank or not, with a caption and notes or
/// without, at every height from 1 to 60 at the widths where layouts change and every
/// seventh width at 16, 24 and 40 rows (tests keep overflow checks on).
#[test]
fn every_stage_draws_in_presenter_mode_at_every_size() {
    let mut app = app();
    let mut sizes: Vec<(u16, u16)> = Vec::new();
    for w in [1, 59, 79, 80, 81, 120, 200] {
        sizes.extend((1..=60).map(|h| (w, h)));
    }
    for h in [16, 24, 40] {
        sizes.extend((1..=200).step_by(7).map(|w| (w, h)));
    }
    for stage in 0..Stage::ALL.len() {
        app.update(Action::GoStage(stage));
        for &(w, h) in &sizes {
            draw(&app, w, h);
            let p = Presenter { app: &app, caption: Some("a caption\nof two lines"), notes: Some("notes") };
            draw_presenter(p, w, h);
        }
    }
    app.blank = true;
    for &(w, h) in &sizes {
        draw(&app, w, h);
    }
}
