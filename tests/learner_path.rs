//! What a first-time learner tripped over (issue 24), each as a test of the app's state and
//! of the screen it draws: Esc never loses training, numbers that add up after `w`, scroll
//! that belongs to its stage, lessons that show their stage, a menu that says what it
//! selected, and screens that explain themselves at 80×24.

mod common;

use common::{app, press, shows};
use ratatui::crossterm::event::KeyCode;

/// Esc closes things and never quits; `q` after 400 unsaved steps asks; any other key stays;
/// `q` again quits.
#[test]
fn esc_never_quits_and_q_asks_before_losing_training() {
    let mut app = app();
    app.training.step = 400;
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert!(!app.quit && !app.confirm_quit, "Esc twice keeps the app");
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("q quits")), "Esc says how to quit");

    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit && app.confirm_quit, "400 unsaved steps: q asks");
    let s = shows(&app, 80, 24);
    assert!(s.contains("400 steps of training are not saved"), "{s}");
    assert!(s.contains("save to checkpoint/, then quit"), "{s}");
    press(&mut app, KeyCode::Esc);
    assert!(!app.quit && !app.confirm_quit, "Esc in the question stays");

    press(&mut app, KeyCode::Char('q'));
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit, "q twice quits");
}

/// Under the threshold, after a save, or with the quit question's `S` and no trainer: quitting
/// is immediate where nothing would be lost, and never happens when the save cannot be made.
#[test]
fn q_quits_at_once_when_nothing_would_be_lost() {
    let mut app = app();
    app.training.step = bert_tutor::tui::app::ASK_AFTER_STEPS;
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit, "at the threshold q quits at once");

    let mut app = self::app();
    app.training.step = 5000;
    app.training.saved_step = 4900;
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit, "100 steps since the last save: q quits at once");

    let mut app = self::app();
    app.training.step = 5000;
    press(&mut app, KeyCode::Char('q'));
    press(&mut app, KeyCode::Char('S'));
    assert!(!app.quit && !app.quit_after_save, "no trainer saved anything: the app stays");
    assert!(app.message.as_ref().is_some_and(|m| m.error), "and says why");
}

/// Scroll belongs to the stage it was made on: ↓ stops where the text ends, so ↑ answers at
/// the first press, and another stage opens at its top.
#[test]
fn scroll_stops_at_the_end_and_stays_with_its_stage() {
    use bert_tutor::tui::action::Action;
    let mut app = app();
    app.update(Action::EditB);
    for c in " and then he runs around the garden chasing birds until the sun goes down".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    app.update(Action::GoStage(0));
    press(&mut app, KeyCode::Tab);
    let first = shows(&app, 80, 24);
    assert!(first.contains("more lines ↓"), "the stage must overflow for this test:\n{first}");
    for _ in 0..30 {
        press(&mut app, KeyCode::Down);
        shows(&app, 80, 24); // a frame after every key, as the event loop draws
    }
    let bottom = app.scroll;
    assert!(bottom < 30 && bottom == app.scroll_room.get(), "↓ stopped at the end ({bottom})");
    press(&mut app, KeyCode::Up);
    let s = shows(&app, 80, 24);
    assert_eq!(app.scroll, bottom - 1, "one ↑ scrolls back one line");
    assert!(s.contains("more lines ↓ (↑↓ scroll)"), "{s}");

    press(&mut app, KeyCode::Char('9'));
    let s = shows(&app, 80, 24);
    assert_eq!(app.scroll, 0);
    assert!(!s.contains("lines above"), "stage 9 opens at its top:\n{s}");
}

/// A lesson reopened from the menu shows the stage its step talks about, not the stage the
/// learner wandered to while it was hidden.
#[test]
fn a_reopened_lesson_goes_back_to_its_stage() {
    let mut app = app();
    press(&mut app, KeyCode::Char('L'));
    for _ in 0..6 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    let stage = app.lesson.as_ref().unwrap().current().stage;
    press(&mut app, KeyCode::Esc); // hide the pane
    let elsewhere = if stage.index() == 5 { '7' } else { '6' };
    press(&mut app, KeyCode::Char(elsewhere));
    assert_ne!(app.stage, stage);
    press(&mut app, KeyCode::Char('L'));
    press(&mut app, KeyCode::Enter);
    assert!(app.lesson.as_ref().unwrap().visible);
    assert_eq!(app.stage, stage, "the lesson's stage is back on screen");
}

/// The menu says which lesson it opened on and why, and a digit opens that lesson at once
/// (counting ↓ presses from the wrong start once opened lesson 7 for 6).
#[test]
fn the_lessons_menu_says_where_it_starts_and_digits_open_a_lesson() {
    let mut app = app();
    press(&mut app, KeyCode::Char('L'));
    let s = shows(&app, 80, 24);
    assert!(s.contains("› opened on lesson 1, the next one to take"), "{s}");
    press(&mut app, KeyCode::Char('6'));
    assert_eq!(app.menu, None, "the menu closed");
    assert_eq!(app.lesson.as_ref().map(|r| r.number), Some(6));
    press(&mut app, KeyCode::Char('L'));
    let s = shows(&app, 80, 24);
    assert!(s.contains("› opened on lesson 6, the lesson that is open"), "{s}");
}

/// A pair cut to the model's 128 positions says so on the message line when the edit is
/// applied, not only at the bottom of stage 2.
#[test]
fn a_truncated_pair_says_so_when_applied() {
    let mut app = app();
    press(&mut app, KeyCode::Char('b'));
    let long = " and then".repeat(80);
    for c in long.chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    let m = app.message.as_ref().expect("a message");
    assert!(m.text.contains("too long") && m.text.contains("128 positions"), "{}", m.text);
    let s = shows(&app, 80, 24);
    assert!(s.contains("too long"), "on screen:\n{s}");
}

/// Stage 11 explains itself at both sizes with a sentence chosen by the numbers; at 80×24
/// no label runs into the next one, the cursor's piece is labelled, and the scroll hint is
/// whole. The header keeps the first words of A and B at 80 columns.
#[test]
fn stage_11_explains_itself_and_its_labels_stay_apart() {
    use bert_tutor::tui::app::Stage;
    let mut app = app();
    press(&mut app, KeyCode::Left); // stage 1 → 11
    assert_eq!(app.stage, Stage::Space);
    let big = shows(&app, 120, 40);
    assert!(big.contains("Words used alike drift together"), "{big}");
    assert!(big.contains("no clusters yet"), "an untrained table has no clusters:\n{big}");
    let s = shows(&app, 80, 24);
    assert!(s.contains("words used alike drift together") && s.contains("clusters yet"), "{s}");
    let marks = ['●', '■', '▲', '◆', '★', '✚', '▼', '○', '◇'];
    for line in s.lines().skip(3) {
        let chars: Vec<char> = line.chars().collect();
        for w in chars.windows(2) {
            assert!(!(w[0].is_alphanumeric() && marks.contains(&w[1])), "labels run together: {line:?}");
        }
    }
    let cursor = &app.pair.encoded.tokens[app.cursor];
    assert!(s.contains(&format!("◇{cursor}")), "the cursor's piece ({cursor}) is labelled:\n{s}");
    let hint = s.lines().find(|l| l.contains("more ↓")).expect("the side column overflows at 80×24");
    assert!(hint.contains("(Tab, ↓)"), "{hint}");
    let header = s.lines().next().unwrap();
    assert!(header.contains("A: \"my dog") && header.contains("B: \"he likes"), "{header}");
}

/// Stage 9's column labels mark a cut word with "…" ("li…" for "likes"), never as a shorter
/// piece that reads as a word ("cut" for "cute", "lik" for "likes").
#[test]
fn stage_9_column_labels_mark_cut_words() {
    let mut app = app();
    press(&mut app, KeyCode::Char('9'));
    let s = shows(&app, 120, 40);
    let header = s.lines().find(|l| l.contains("CLS")).expect("the map's header row");
    assert!(header.contains("li…") && header.contains("pl…"), "{header}");
    assert!(!header.contains("lik ") && !header.contains("pla "), "{header}");
}

/// Stage 8 gives the sentence head a panel on its own 0–1 scale, with its held-out
/// accuracy, so that its fall from 0.69 is not a flat line under the MLM's 0–10.
#[test]
fn stage_8_gives_the_sentence_head_its_own_scale_and_accuracy() {
    use bert_tutor::train::worker::TrainEvent;
    use bert_tutor::train::{EvalStats, StepStats};
    let mut app = app();
    press(&mut app, KeyCode::Char('8'));
    let eval = |nsp_loss, nsp_accuracy| EvalStats { mlm_loss: 6.0, nsp_loss, mlm_accuracy: 0.1, nsp_accuracy };
    app.on_train(TrainEvent::Eval { step: 0, stats: eval(0.69, 0.5) });
    for step in 1..=500 {
        let nsp_loss = 0.69 - 0.08 * step as f32 / 500.0;
        app.on_train(TrainEvent::Step(StepStats {
            step,
            mlm_loss: 6.0,
            nsp_loss,
            total_loss: 6.0 + nsp_loss,
            ..Default::default()
        }));
        if step % 250 == 0 {
            app.on_train(TrainEvent::Eval { step, stats: eval(nsp_loss, 0.5 + 0.24 * step as f32 / 500.0) });
        }
    }
    for (w, h) in [(120, 40), (80, 24)] {
        let s = shows(&app, w, h);
        assert!(s.contains("NSP loss · acc"), "{w}×{h}: the panel is there:\n{s}");
        assert!(s.contains("▪ NSP acc 74%"), "{w}×{h}: its held-out accuracy:\n{s}");
        let panel: Vec<&str> = s.lines().skip_while(|l| !l.contains("NSP loss · acc")).collect();
        assert!(panel.iter().any(|l| l.contains("│0.5│")), "{w}×{h}: a 0–1 scale:\n{s}");
        assert!(panel.iter().any(|l| l.contains('▪')), "{w}×{h}: accuracy points on it:\n{s}");
    }
}
