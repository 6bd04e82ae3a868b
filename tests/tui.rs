//! The TUI's screens, drawn into ratatui's `TestBackend` and compared with committed insta
//! snapshots: every stage at 120×40 and 80×24, seeded (weights, mask) and with no trainer
//! thread, so each frame is deterministic. Colours that carry meaning are asserted on cells.

use bert_tutor::tui::action::Action;
use bert_tutor::tui::app::App;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn app() -> App {
    let mut app = App::bundled(0).unwrap();
    app.color = true;
    app
}

/// Snapshots hold layout. The numbers of a random initialisation, heat-strip shades, bar
/// lengths and the near-tied top-5 pieces are redacted, so that a change of initialisation
/// or of fast math does not rewrite them all; what the numbers mean is asserted by
/// `the_numbers_on_screen_are_the_models` and the tests after it.
fn snapshot(name: &str, t: &Terminal<TestBackend>) {
    insta::with_settings!({filters => vec![
        (r"-?\d+\.\d+(e[-+]?\d+)?", "[n]"),
        (r"[░▒▓█·]+", "▒"),
        (r"(│ {3}\d\. )\S+", "${1}[piece]"),
    ]}, {
        insta::assert_snapshot!(name, t.backend());
    });
}

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t
}

/// The cell where `text` starts on the screen.
fn find(buf: &Buffer, text: &str) -> (u16, u16) {
    let area = buf.area;
    for y in 0..area.height {
        let line: String = (0..area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        if let Some(i) = line.find(text) {
            let x = line[..i].chars().count() as u16;
            return (x, y);
        }
    }
    panic!("{text:?} is not on the screen");
}

#[test]
fn every_stage_at_both_sizes() {
    let mut app = app();
    for stage in 0..bert_tutor::tui::app::Stage::ALL.len() {
        app.update(Action::GoStage(stage));
        for (w, h) in [(120, 40), (80, 24)] {
            let t = draw(&app, w, h);
            snapshot(&format!("stage{}_{w}x{h}", stage + 1), &t);
        }
    }
}

/// The sizes the sweep draws: every height from 1 to 60 at the widths where layouts
/// change, and every seventh width from 1 to 200 at the heights where they change.
fn sweep() -> Vec<(u16, u16)> {
    let mut sizes = Vec::new();
    for w in [1, 59, 60, 79, 80, 81, 120, 200] {
        sizes.extend((1..=60).map(|h| (w, h)));
    }
    for h in [16, 24, 40] {
        sizes.extend((1..=200).step_by(7).map(|w| (w, h)));
    }
    sizes
}

/// A no-panic test, and only that: every stage, with and without the lesson pane (at the
/// step with the longest text, which leaves the stage the fewest rows), with the token list
/// and with the detail pane focused, draws at every size of [`sweep`] without panicking.
/// Tests keep debug overflow checks, so a row count that underflows fails here. What each
/// stage shows is checked by the snapshots and the tests of each stage.
#[test]
fn no_stage_panics_at_any_size() {
    let mut app = app();
    let mut t = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let sizes = sweep();
    let (longest, step) = (0..app.lessons.len())
        .flat_map(|i| (0..app.lessons[i].steps.len()).map(move |k| (i, k)))
        .max_by_key(|&(i, k)| app.lessons[i].steps[k].text.len())
        .unwrap();
    for lesson in [false, true] {
        if lesson {
            app.open_lesson(longest, step);
        }
        for stage in 0..bert_tutor::tui::app::Stage::ALL.len() {
            app.update(Action::GoStage(stage));
            for _focus in 0..2 {
                for &(w, h) in &sizes {
                    t.backend_mut().resize(w, h);
                    let frame = t.draw(|f| f.render_widget(&app, f.area())).unwrap();
                    assert_eq!((frame.area.width, frame.area.height), (w, h));
                }
                app.update(Action::FocusNext);
            }
        }
    }
}

/// The numbers the learner reads are the model's: stage 7's losses and sum, and the side
/// pane's, against the pair's forward pass, under each setting of the loss weights.
#[test]
fn the_numbers_on_screen_are_the_models() {
    let mut app = app();
    app.update(Action::GoStage(6));
    for _ in 0..3 {
        let o = app.view.outputs.clone();
        let w = app.training.heads.weights();
        let screen = draw(&app, 120, 40).backend().to_string();
        assert!(screen.contains(&format!("= {:.4}", o.mlm_loss)), "MLM loss {}:\n{screen}", o.mlm_loss);
        assert!(screen.contains(&format!("−log P(IsNext) = {:.4}", o.nsp_loss)), "{screen}");
        let sum =
            format!("total = {:.1}·{:.4} + {:.1}·{:.4} = {:.4}", w.mlm, o.mlm_loss, w.nsp, o.nsp_loss, o.total_loss);
        assert!(screen.contains(&sum), "{sum}:\n{screen}");
        assert!((o.total_loss - (w.mlm * o.mlm_loss + w.nsp * o.nsp_loss)).abs() < 1e-5);
        let token_sum: f32 = o.mlm_token_losses.iter().sum::<f32>() / o.mlm_token_losses.len() as f32;
        assert!((token_sum - o.mlm_loss).abs() < 1e-5, "the MLM loss is the mean of the token losses");
        for (name, v) in [("MLM", o.mlm_loss), ("NSP", o.nsp_loss), ("total", o.total_loss)] {
            let line = format!("{name:<7}{v:>6.3}");
            assert!(screen.contains(&line), "side pane {line:?}:\n{screen}");
        }
        app.update(Action::CycleWeights);
    }
}

/// The last batch's sum on stage 7 writes its weights in: with NSP off it reads
/// `1·a (MLM) + 0·b (NSP) = a`, not a sum that seems to drop a term.
#[test]
fn the_last_batch_sum_shows_its_weights() {
    use bert_tutor::model::LossWeights;
    use bert_tutor::train::StepStats;
    use bert_tutor::train::worker::TrainEvent;
    let mut app = app();
    app.update(Action::GoStage(6));
    app.update(Action::CycleWeights); // MLM only, from the next batch on
    // The batch in flight when `w` was pressed trained with both heads: its sum says so.
    let both = LossWeights { mlm: 1.0, nsp: 1.0 };
    let s =
        StepStats { step: 11, mlm_loss: 3.7, nsp_loss: 0.7, total_loss: 4.4, lr: 1e-3, grad_norm: 1.0, weights: both };
    app.on_train(TrainEvent::Step(s));
    let screen = draw(&app, 120, 40).backend().to_string();
    assert!(screen.contains("Last training batch (step 11): 1·3.700 (MLM) + 1·0.700 (NSP) = 4.400"), "{screen}");
    let mlm_only = LossWeights { mlm: 1.0, nsp: 0.0 };
    let s = StepStats { step: 12, mlm_loss: 3.621, nsp_loss: 0.662, total_loss: 3.621, weights: mlm_only, ..s };
    app.on_train(TrainEvent::Step(s));
    let screen = draw(&app, 120, 40).backend().to_string();
    assert!(screen.contains("Last training batch (step 12): 1·3.621 (MLM) + 0·0.662 (NSP) = 3.621"), "{screen}");
}

/// Stage 6 prints P(IsNext) and P(NotNext) from the NSP head's softmax, and they add to 1.
#[test]
fn the_nsp_probabilities_on_screen_add_to_one() {
    let mut app = app();
    app.update(Action::GoStage(5));
    let probs = app.view.outputs.nsp_probs.row(0).to_owned();
    assert!((probs.sum() - 1.0).abs() < 1e-6);
    let screen = draw(&app, 120, 40).backend().to_string();
    for (name, p) in ["P(IsNext)  ", "P(NotNext) "].iter().zip(probs.iter()) {
        assert!(screen.contains(&format!("{name}{p:.4}")), "{name}{p:.4} not on screen:\n{screen}");
    }
}

#[test]
fn help_overlay_lists_the_keys() {
    let mut app = app();
    app.update(Action::ToggleHelp);
    let t = draw(&app, 120, 40);
    snapshot("help_120x40", &t);
}

#[test]
fn a_small_terminal_gets_a_message_not_a_crash() {
    let t = draw(&app(), 60, 15);
    let (_, y) = find(t.backend().buffer(), "enlarge the terminal to 80×24");
    assert_eq!(y, 0);
}

#[test]
fn segments_and_mask_actions_are_coloured() {
    let mut app = app();
    app.update(Action::GoStage(1));
    let t = draw(&app, 120, 40);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "Input      [CLS]");
    assert_eq!(buf[(x + 11, y)].fg, Color::Cyan, "segment A tokens are cyan");
    let (xh, yh) = find(buf, "he likes");
    assert_eq!(buf[(xh, yh)].fg, Color::Yellow, "segment B tokens are yellow");

    app.update(Action::GoStage(3));
    let t = draw(&app, 120, 40);
    let buf = t.backend().buffer();
    let (xm, ym) = find(buf, "[MASK]");
    assert_eq!(buf[(xm, ym)].fg, Color::Red, "a [MASK] replacement is red");
}

#[test]
fn no_color_leaves_cells_uncoloured() {
    let mut app = app();
    app.color = false;
    app.update(Action::GoStage(3));
    let t = draw(&app, 120, 40);
    let buf = t.backend().buffer();
    let (xm, ym) = find(buf, "[MASK]");
    assert_eq!(buf[(xm, ym)].fg, Color::Reset);
}

#[test]
fn editing_a_sentence_retokenizes_everything() {
    let mut app = app();
    app.update(Action::GoStage(1));
    app.update(Action::EditB);
    for _ in 0..20 {
        app.update(Action::EditKey(key(ratatui::crossterm::event::KeyCode::Backspace)));
    }
    for c in "she is sleeping".chars() {
        app.update(Action::EditKey(key(ratatui::crossterm::event::KeyCode::Char(c))));
    }
    app.update(Action::EditSubmit);
    assert_eq!(app.pair.b, "she is sleeping");
    assert_eq!(app.pair.encoded.tokens.last().map(String::as_str), Some("[SEP]"));
    let t = draw(&app, 120, 40);
    snapshot("edited_pair_120x40", &t);
}

#[test]
fn an_empty_sentence_is_refused_with_a_message() {
    let mut app = app();
    app.update(Action::EditA);
    for _ in 0..20 {
        app.update(Action::EditKey(key(ratatui::crossterm::event::KeyCode::Backspace)));
    }
    app.update(Action::EditSubmit);
    assert_eq!(app.pair.a, bert_tutor::DEFAULT_A, "the pair is unchanged");
    let t = draw(&app, 120, 40);
    find(t.backend().buffer(), "sentence A is empty");
}

#[test]
fn toggling_a_mask_by_hand_changes_the_mlm_head() {
    let mut app = app();
    let before = app.pair.plan.masked.len();
    app.update(Action::GoStage(3));
    app.cursor = 7; // "likes"
    app.update(Action::ToggleMask);
    assert_eq!(app.pair.plan.masked.len(), before + 1);
    assert_eq!(app.view.outputs.mlm_token_losses.len(), before + 1);
    app.cursor = 0; // [CLS] refuses
    app.update(Action::ToggleMask);
    assert!(app.message.as_ref().is_some_and(|m| m.error && m.text.contains("never masked")));
}

fn key(code: ratatui::crossterm::event::KeyCode) -> ratatui::crossterm::event::KeyEvent {
    ratatui::crossterm::event::KeyEvent::new(code, ratatui::crossterm::event::KeyModifiers::NONE)
}

#[test]
fn the_lesson_pane_at_both_sizes() {
    let mut app = app();
    app.open_lesson(0, 1); // lesson 1, step 2: a quiz
    for (w, h) in [(120, 40), (80, 24)] {
        let t = draw(&app, w, h);
        snapshot(&format!("lesson1_step2_{w}x{h}"), &t);
    }
}

/// The text of the whole screen, row by row.
fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `o` cycles NSP → SOP → none → NSP; under SOP stage 6 is the SOP head with InOrder /
/// Swapped, and `x` swaps A and B and flips the label.
#[test]
fn o_switches_the_sentence_task_and_stage_6_follows() {
    use bert_tutor::text::corpus::SentenceTask;
    let mut app = app();
    app.update(Action::GoStage(5));
    assert_eq!(app.pair.task, SentenceTask::Nsp);
    app.update(Action::CycleTask);
    assert_eq!(app.pair.task, SentenceTask::Sop);
    let t = draw(&app, 120, 40);
    snapshot("stage6_sop_120x40", &t);
    let s = screen(&t);
    for text in ["6 SOP head", "MLM + SOP", "P(InOrder)", "SOP loss = −log P(InOrder)", "(InOrder)"] {
        assert!(s.contains(text), "{text:?} missing:\n{s}");
    }
    let (a, b) = (app.pair.a.clone(), app.pair.b.clone());
    app.update(Action::SwapB);
    assert_eq!((app.pair.a.clone(), app.pair.b.clone(), app.pair.label_name()), (b.clone(), a.clone(), "Swapped"));
    let p_swapped = app.view.outputs.nsp_probs[[0, 1]];
    let loss = app.view.outputs.nsp_loss;
    assert!((loss + p_swapped.ln()).abs() < 1e-5, "the SOP loss is −log P(Swapped): {loss} vs {p_swapped}");
    // none: the swapped pair is put back in order, and the total is the MLM loss alone.
    app.update(Action::CycleTask);
    assert_eq!(app.pair.task, SentenceTask::None);
    assert_eq!((app.pair.a.clone(), app.pair.b.clone(), app.pair.label_name()), (a, b, "IsNext"));
    let o = &app.view.outputs;
    assert!((o.total_loss - o.mlm_loss).abs() < 1e-6, "task none: total {} = MLM {}", o.total_loss, o.mlm_loss);
    app.update(Action::GoStage(6));
    let s = screen(&draw(&app, 120, 40));
    assert!(s.contains("MLM only (task none)"), "stage 7 names the loss:\n{s}");
    app.update(Action::GoStage(5));
    app.update(Action::CycleTask);
    assert_eq!(app.pair.task, SentenceTask::Nsp);
    let o = &app.view.outputs;
    assert!((o.total_loss - o.mlm_loss - o.nsp_loss).abs() < 1e-5, "NSP: total = MLM + NSP again");
}

/// The header keeps the state, the step and the loss weights whatever the width, the step
/// count or the pair: the sentences are what get cut, with "…". At 80 columns the facts go
/// in short so that the first words of A and B still show.
#[test]
fn the_header_keeps_state_step_and_weights() {
    use bert_tutor::train::StepStats;
    use bert_tutor::train::worker::TrainEvent;
    let mut app = app();
    let long = "a very long sentence that a learner typed to see what happens to the header line";
    app.pair.a = long.into();
    app.pair.b = long.into();
    app.on_train(TrainEvent::Step(StepStats { step: 123_456, ..Default::default() }));
    for w in [80, 100, 120] {
        let t = draw(&app, w, 40);
        let buf = t.backend().buffer();
        let header: String = (0..w).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        let (state, lr) = if w >= 120 { ("⏸ paused", "peak lr") } else { ("⏸ step", "│ peak ") };
        for must in [state, "step 123456", "MLM + NSP", lr, "A: \"a very", "B: \"a very"] {
            assert!(header.contains(must), "{w} wide: {must:?} missing from {header:?}");
        }
        assert!(header.contains('…') && header.trim_end().ends_with("(IsNext)"), "{header:?}");
    }
}

/// Every stage number is on the tab bar at every width from 80 up, and the current stage is
/// named (issue: at 80×24 the tabs used to lose stages 6–8).
#[test]
fn the_tab_bar_always_shows_every_stage_number() {
    let mut app = app();
    for stage in 0..bert_tutor::tui::app::Stage::ALL.len() {
        app.update(Action::GoStage(stage));
        for w in [80, 100, 120] {
            let t = draw(&app, w, 24);
            let buf = t.backend().buffer();
            let tabs: String = (0..w).map(|x| buf[(x, 1)].symbol().to_string()).collect();
            for n in 1..=bert_tutor::tui::app::Stage::ALL.len() {
                assert!(tabs.contains(&format!(" {n} ")), "{w} wide, stage {}: no {n} in {tabs:?}", stage + 1);
            }
            let title = app.stage_title(bert_tutor::tui::app::Stage::ALL[stage]);
            assert!(tabs.contains(title), "{w} wide: the current stage is not named in {tabs:?}");
        }
    }
}

/// A key pressed the way the event loop presses it: through `from_key` in the app's mode.
fn press(app: &mut App, code: ratatui::crossterm::event::KeyCode) {
    if let Some(a) = bert_tutor::tui::action::from_key(key(code), app.key_mode()) {
        app.update(a);
    }
}

/// Progress for the menu tests: lesson 1 finished, lesson 2 stopped at step 4 with steps 1
/// and 2 done (the saved place), lesson 6 with its first two steps done.
fn with_progress(app: &mut App) {
    let lessons = app.lessons.clone();
    let p = app.progress.lesson_mut(&lessons[0]);
    p.completed.extend(lessons[0].steps.iter().map(|s| s.id.clone()));
    p.finished = true;
    app.progress.lesson_mut(&lessons[1]).completed.extend(lessons[1].steps[..2].iter().map(|s| s.id.clone()));
    app.progress.lesson_mut(&lessons[5]).completed.extend(lessons[5].steps[..2].iter().map(|s| s.id.clone()));
    app.progress.current = Some((lessons[1].id.clone(), lessons[1].steps[3].id.clone()));
}

/// The row of the screen that holds `text`.
fn row_with(s: &str, text: &str) -> String {
    s.lines().find(|l| l.contains(text)).unwrap_or_else(|| panic!("{text:?} is not on the screen:\n{s}")).to_string()
}

/// `L` opens a menu of every lesson: number, title, steps, ✓ finished, ▸ in progress with
/// the steps done, no mark when not started; the saved lesson is selected.
#[test]
fn the_lessons_menu_lists_every_lesson_with_its_progress() {
    use ratatui::crossterm::event::KeyCode;
    let mut app = app();
    with_progress(&mut app);
    press(&mut app, KeyCode::Char('L'));
    assert_eq!(app.menu, Some(1), "the saved lesson is selected");
    assert!(app.lesson.is_none(), "L opens the menu, not a lesson");
    let s = screen(&draw(&app, 120, 40));
    for (i, l) in app.lessons.iter().enumerate() {
        let row = row_with(&s, &format!("{:>2}. {}", i + 1, l.title));
        let n = l.steps.len();
        let (mark, steps) = match i {
            0 => ("✓", format!("{n} steps")),
            1 => ("▸", format!("2/{n} steps")),
            5 => ("▸", format!("2/{n} steps")),
            _ => (" ", format!("{n} steps")),
        };
        assert!(row.contains(&format!("{mark} {:>2}. ", i + 1)), "lesson {}: {row:?}", i + 1);
        assert!(row.contains(&format!(" {steps} ")), "lesson {}: {row:?}", i + 1);
    }
    assert!(s.contains("↑↓ choose  Enter open  1–9 open that lesson  Esc close"), "{s}");
    assert!(s.contains(&app.progress.summary(&app.lessons)), "{s}");
}

/// ↓ and Enter open lesson 6 at its first step not done; k and j move too.
#[test]
fn the_lessons_menu_opens_lesson_6_at_the_right_step() {
    use ratatui::crossterm::event::KeyCode;
    let mut app = app();
    with_progress(&mut app);
    press(&mut app, KeyCode::Char('L'));
    for _ in 0..4 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.menu, Some(5));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.menu, None, "Enter closes the menu");
    let run = app.lesson.as_ref().expect("lesson 6 is open");
    assert_eq!((run.number, run.step), (6, 2), "lesson 6 at step 3, its first not done");
    assert!(run.visible);
    assert_eq!(app.stage, run.current().stage, "the stage follows the step");
    assert_eq!(app.progress.current.as_ref().map(|(l, _)| l.as_str()), Some(app.lessons[5].id.as_str()));
    let s = screen(&draw(&app, 120, 40));
    assert!(s.contains(&format!("step 3/{}", app.lessons[5].steps.len())), "{s}");
}

/// The lesson saved progress stopped in resumes at that step, even past steps not done;
/// the open lesson, hidden with Esc, comes back as it was.
#[test]
fn a_lesson_in_progress_resumes_where_it_stopped() {
    use ratatui::crossterm::event::KeyCode;
    let mut app = app();
    with_progress(&mut app);
    press(&mut app, KeyCode::Char('L'));
    press(&mut app, KeyCode::Enter);
    let run = app.lesson.as_ref().unwrap();
    assert_eq!((run.number, run.step), (2, 3), "lesson 2 at its saved step 4");
    press(&mut app, KeyCode::Esc);
    assert!(!app.lesson.as_ref().unwrap().visible, "Esc hides the pane");
    assert!(!app.quit);
    app.lesson.as_mut().unwrap().quiz.attempts = 1; // state of the step in progress
    press(&mut app, KeyCode::Char('L'));
    assert_eq!(app.menu, Some(1), "the open lesson is selected");
    press(&mut app, KeyCode::Enter);
    let run = app.lesson.as_ref().unwrap();
    assert!(run.visible && run.step == 3 && run.quiz.attempts == 1, "shown again as it was");
}

/// Esc (or L) closes the menu and changes nothing; the stage gets no key while it is open;
/// q still quits.
#[test]
fn esc_closes_the_lessons_menu_without_opening_a_lesson() {
    use ratatui::crossterm::event::KeyCode;
    let mut app = app();
    let (stage, plan, cursor) = (app.stage, app.pair.plan.clone(), app.cursor);
    press(&mut app, KeyCode::Char('L'));
    assert_eq!(app.menu, Some(0), "no progress: lesson 1 is selected");
    for c in [KeyCode::Right, KeyCode::Char('n'), KeyCode::Char('m'), KeyCode::Char('r'), KeyCode::Char('?')] {
        press(&mut app, c);
    }
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.menu, None);
    assert!(app.lesson.is_none() && !app.quit && !app.help);
    assert_eq!((app.stage, &app.pair.plan, app.cursor), (stage, &plan, cursor), "the stage saw no key");
    assert!(!screen(&draw(&app, 120, 40)).contains("Enter open"), "the menu is gone");
    press(&mut app, KeyCode::Char('L'));
    press(&mut app, KeyCode::Char('L'));
    assert_eq!(app.menu, None, "L closes it too");
    assert!(app.lesson.is_none());
    press(&mut app, KeyCode::Char('L'));
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit, "q quits from the menu");
}

/// A lesson opened over the learner's own pair puts the default pair back and says so; on
/// the default pair it says nothing.
#[test]
fn opening_a_lesson_over_a_custom_pair_restores_the_default_pair() {
    use ratatui::crossterm::event::KeyCode;
    let mut app = app();
    press(&mut app, KeyCode::Char('b'));
    for c in " today".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert!(app.pair.custom && app.pair.b == "he likes playing today");
    press(&mut app, KeyCode::Char('L'));
    for _ in 0..2 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.lesson.as_ref().map(|r| r.number), Some(3));
    assert_eq!((app.pair.a.as_str(), app.pair.b.as_str()), (bert_tutor::DEFAULT_A, bert_tutor::DEFAULT_B));
    assert!(!app.pair.custom && app.pair.is_next());
    assert_eq!(app.pair.encoded.ids.len(), 11, "the default pair's tokens");
    let m = app.message.clone().expect("a message says so");
    assert!(!m.error && m.text.contains("lesson 3 uses the default pair") && m.text.contains("a / b"), "{m:?}");
    assert!(screen(&draw(&app, 80, 24)).contains("lesson 3 uses the default pair"), "the line fits at 80×24");
    // A pair drawn from the corpus is replaced too; the default pair is left alone, silently.
    app.update(Action::NewPair { is_next: false });
    app.open_lesson(5, 0);
    assert_eq!(app.pair.b, bert_tutor::DEFAULT_B);
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("lesson 6 uses the default pair")));
    app.message = None;
    app.open_lesson(6, 0);
    assert!(app.message.is_none(), "{:?}", app.message);
}

/// The menu at both sizes, in colour and under NO_COLOR (where no cell is coloured).
#[test]
fn the_lessons_menu_at_both_sizes() {
    let mut app = app();
    with_progress(&mut app);
    app.update(Action::OpenLessonsMenu);
    for (w, h) in [(120, 40), (80, 24)] {
        let t = draw(&app, w, h);
        snapshot(&format!("lessons_menu_{w}x{h}"), &t);
    }
    app.color = false;
    let t = draw(&app, 80, 24);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "↑↓ choose");
    for row in 0..buf.area.height {
        for col in 0..buf.area.width {
            let c = &buf[(col, row)];
            assert!(c.fg == Color::Reset && c.bg == Color::Reset, "NO_COLOR: a coloured cell at {col},{row}");
        }
    }
    assert!(y > 0 && x > 0);
}

/// More lessons than rows: the list scrolls to keep the selection in view, says how many
/// are left out ("+N more ↓"), and cuts long titles at a word with "…".
#[test]
fn a_long_lessons_menu_scrolls_at_80x24() {
    use ratatui::crossterm::event::KeyCode;
    let mut app = app();
    let extra: Vec<_> = (0..20)
        .map(|i| {
            let mut l = app.lessons[i % app.lessons.len()].clone();
            l.id = format!("extra-{i}");
            l.title = format!("Extra lesson {i} with a title far too long to fit in the menu at all widths");
            l
        })
        .collect();
    app.lessons.extend(extra);
    let n = app.lessons.len();
    press(&mut app, KeyCode::Char('L'));
    let s = screen(&draw(&app, 80, 24));
    assert!(s.contains(&format!(" 1. {}", app.lessons[0].title)), "{s}");
    let more = s.lines().find_map(|l| l.split("+").nth(1).filter(|r| r.contains("more ↓"))).expect(&s);
    let shown = n - more.split_whitespace().next().unwrap().parse::<usize>().unwrap();
    assert!(shown >= 5 && shown < n, "{shown} of {n}:\n{s}");
    assert!(s.contains("Extra lesson 0 with a title far too long to fit in…"), "cut at a word:\n{s}");
    for _ in 0..n - 1 {
        press(&mut app, KeyCode::Down);
    }
    let s = screen(&draw(&app, 80, 24));
    assert!(s.contains(&format!("{n}. Extra lesson 19")), "the last lesson, selected, is in view:\n{s}");
    assert!(s.contains(&format!("↑ {} more", n - shown)) && !s.contains("more ↓"), "{s}");
    press(&mut app, KeyCode::Down);
    assert_eq!(app.menu, Some(0), "↓ on the last lesson wraps round to the first");
}

/// Trains the app's view of training to `until` steps: a running-mean MLM loss falling from
/// 6 by `slope` per step (NSP 0.65), and a held-out evaluation every 250 steps with the MLM
/// losses of `held_mlm` (step 0 first) and NSP accuracy 61.2%.
fn with_history(app: &mut App, held_mlm: &[f32], slope: f32) {
    use bert_tutor::train::worker::TrainEvent;
    use bert_tutor::train::{EvalStats, StepStats};
    let eval = |mlm_loss: f32| EvalStats { mlm_loss, nsp_loss: 0.66, mlm_accuracy: 0.148, nsp_accuracy: 0.612 };
    app.on_train(TrainEvent::Eval { step: 0, stats: eval(held_mlm[0]) });
    for step in 1..=250 * (held_mlm.len() - 1) {
        let mlm_loss = 6.0 + slope * step as f32;
        let s = StepStats {
            step,
            mlm_loss,
            nsp_loss: 0.65,
            total_loss: mlm_loss + 0.65,
            lr: 1e-3,
            grad_norm: 0.5,
            ..Default::default()
        };
        app.on_train(TrainEvent::Step(s));
        if step % 250 == 0 {
            app.on_train(TrainEvent::Eval { step, stats: eval(held_mlm[step / 250]) });
        }
    }
}

/// Stage 6 puts the held-out NSP accuracy of the latest evaluation beside this pair's
/// P(IsNext), says why the two differ (the default pair's sentences are training text),
/// and the side pane does the same; under SOP the same is said of P(InOrder), and under
/// `none` the head is said to be untrained.
#[test]
fn stage_6_shows_the_held_out_accuracy_beside_p_is_next() {
    use bert_tutor::train::EvalStats;
    use bert_tutor::train::worker::TrainEvent;
    let mut app = app();
    app.update(Action::GoStage(5));
    let stats = EvalStats { mlm_loss: 5.8, nsp_loss: 0.64, mlm_accuracy: 0.15, nsp_accuracy: 0.6123 };
    app.on_train(TrainEvent::Eval { step: 1000, stats });
    let acc = format!("{:.1}%", 100.0 * stats.nsp_accuracy);
    assert_eq!(acc, "61.2%");
    for (w, h) in [(80, 24), (120, 40)] {
        let s = screen(&draw(&app, w, h));
        let p = format!("P(IsNext)  {:.4}", app.view.outputs.nsp_probs[[0, 0]]);
        let row = row_with(&s, &p);
        assert!(row.contains(&format!("held-out accuracy {acc}")), "{w}×{h}: not beside P(IsNext): {row:?}");
        let said = s.lines().map(|l| l.trim_matches(|c| c == '│' || c == ' ')).collect::<Vec<_>>().join(" ");
        assert!(said.contains("The model trains on this pair's text"), "{w}×{h}: said to be trained on:\n{s}");
        assert!(said.contains(&format!("held-out accuracy {acc} (step 1000)")), "{w}×{h}:\n{s}");
    }
    let s = screen(&draw(&app, 120, 40));
    assert!(s.contains(&format!("NSP acc {acc}, held-out")), "side pane:\n{s}");

    app.update(Action::CycleTask); // SOP: a new held-out set, evaluated again
    let sop = EvalStats { nsp_accuracy: 0.734, ..stats };
    app.on_train(TrainEvent::Eval { step: 1000, stats: sop });
    let s = screen(&draw(&app, 120, 40));
    let row = row_with(&s, &format!("P(InOrder) {:.4}", app.view.outputs.nsp_probs[[0, 0]]));
    assert!(row.contains("held-out accuracy 73.4%") && s.contains("SOP acc 73.4%, held-out"), "{s}");

    app.update(Action::CycleTask); // none
    let s = screen(&draw(&app, 120, 40));
    assert!(s.contains("trains no sentence head") && s.contains("NSP head not trained"), "{s}");
    assert!(!s.contains("held-out accuracy"), "no accuracy is claimed for an untrained head:\n{s}");
}

/// Stage 8 warns that the model memorises when the held-out MLM loss has stayed above its
/// best for the last two evaluations while the training loss fell, with the numbers; the
/// side pane shows the mark. A falling held-out loss raises no warning.
#[test]
fn stage_8_warns_when_the_held_out_loss_rises_while_training_falls() {
    let mut app = app();
    app.update(Action::GoStage(7));
    with_history(&mut app, &[7.6, 5.2, 4.34, 4.40, 4.53], -0.001);
    for (w, h) in [(80, 24), (120, 40)] {
        let s = screen(&draw(&app, w, h));
        assert!(s.contains("⚠ memorising") && s.contains("4.34 (step 500)") && s.contains("4.53"), "{w}×{h}:\n{s}");
    }
    let s = screen(&draw(&app, 120, 40));
    assert!(s.contains("the model is learning the training text, not the language"), "{s}");
    assert!(s.contains("⚠ memorising (stage 8)"), "side pane:\n{s}");

    let mut app = self::app();
    app.update(Action::GoStage(7));
    with_history(&mut app, &[7.6, 5.2, 4.9, 4.8, 4.7], -0.001);
    for (w, h) in [(80, 24), (120, 40)] {
        let s = screen(&draw(&app, w, h));
        assert!(!s.contains("memorising"), "{w}×{h}: a falling held-out loss is not memorising:\n{s}");
        assert!(s.contains("◆ MLM 4.700") && s.contains("◇ NSP 0.660"), "{w}×{h}: held-out losses in the legend:\n{s}");
    }
}

/// With NO_COLOR the curves differ by their marks, not by colour: MLM •, NSP ×, total +,
/// held-out MLM ◆ and NSP ◇, each drawn in the chart and shown in the legend; the y axis
/// has labels between 0 and its top. With colour, the marks keep their colours.
#[test]
fn without_colour_each_curve_has_its_own_mark() {
    let mut app = app();
    app.color = false;
    app.update(Action::GoStage(7));
    with_history(&mut app, &[7.6, 6.0, 5.5, 5.2, 5.0], -0.0005);
    let t = draw(&app, 120, 40);
    let buf = t.backend().buffer();
    let s = screen(&t);
    for legend in ["• MLM", "× NSP", "+ total", "◆ MLM", "◇ NSP", "∘ this pair"] {
        assert!(s.contains(legend), "{legend:?} not in the legend:\n{s}");
    }
    let (_, chart_top) = find(buf, "│loss");
    let drawn = |mark: &str| {
        (chart_top..buf.area.height - 3)
            .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
            .filter(|&p| buf[p].symbol() == mark)
            .count()
    };
    for mark in ["•", "×", "+", "◆", "◇"] {
        assert!(drawn(mark) > 0, "no {mark} drawn in the chart:\n{s}");
    }
    let body = (2..buf.area.height - 2).flat_map(|y| (0..buf.area.width).map(move |x| (x, y)));
    assert!(body.into_iter().all(|p| buf[p].fg == Color::Reset), "NO_COLOR leaves the stage and side pane uncoloured");
    let labels: Vec<String> = (chart_top..buf.area.height)
        .filter_map(|y| {
            let row: String = (1..6).map(|x| buf[(x, y)].symbol().to_string()).collect();
            let label = row.split('│').next()?.trim().to_string();
            (!label.is_empty()).then_some(label)
        })
        .collect();
    assert!(labels.len() >= 3, "y-axis labels {labels:?}:\n{s}");

    app.color = true;
    let t = draw(&app, 120, 40);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "◆ MLM");
    assert_eq!(buf[(x, y)].fg, Color::Blue, "the held-out MLM mark is coloured");
    let (x, y) = find(buf, "── MLM");
    assert_eq!(buf[(x, y)].fg, Color::LightBlue, "the MLM curve's legend is coloured");
}

/// At 80×24 every text line of stage 8 (before the chart) either ends inside the stage or
/// ends in "…": none runs into the border with a cut word, even with a 6-digit step, a
/// memorising warning and SOP's longer names.
#[test]
fn stage_8_text_at_80x24_never_ends_in_a_cut_word() {
    use bert_tutor::train::StepStats;
    use bert_tutor::train::worker::TrainEvent;
    for task in 0..3 {
        let mut app = app();
        app.update(Action::GoStage(7));
        for _ in 0..task {
            app.update(Action::CycleTask); // NSP, then SOP, then none
        }
        with_history(&mut app, &[7.6, 5.2, 4.34, 4.40, 4.53], -0.001);
        let s = StepStats {
            step: 123_456,
            mlm_loss: 4.1,
            nsp_loss: 0.6,
            total_loss: 4.7,
            lr: 1.234e-3,
            grad_norm: 12.5,
            ..Default::default()
        };
        app.on_train(TrainEvent::Step(s));
        let t = draw(&app, 80, 24);
        let buf = t.backend().buffer();
        let (_, chart_top) = find(buf, "│loss");
        let rows: Vec<String> =
            (3..chart_top).map(|y| (1..79).map(|x| buf[(x, y)].symbol().to_string()).collect()).collect();
        // The warning may wrap: its rows, joined, must hold the whole of one of its sentences.
        let warning: Vec<&String> =
            rows.iter().skip_while(|r| !r.starts_with('⚠')).take_while(|r| !r.starts_with(['─', '•'])).collect();
        let joined = warning.iter().map(|r| r.trim_end()).collect::<Vec<_>>().join(" ");
        assert!(
            joined.ends_with("the training text, not the language") || joined.ends_with("training loss fell"),
            "the warning is cut: {joined:?}\n{}",
            screen(&t)
        );
        for row in rows.iter().filter(|r| !warning.contains(r)) {
            let last = row.chars().last().unwrap();
            assert!(last == ' ' || last == '…', "a row runs into the border: {row:?}\n{}", screen(&t));
        }
        assert!(rows.len() - warning.len() >= 4, "{}", screen(&t));
        let s = screen(&t);
        for must in ["step 123456", "held-out (unseen documents), step 1000", "⚠ memorising"] {
            assert!(s.contains(must), "{must:?} missing:\n{s}");
        }
    }
}

/// The `?` overlay lists every key that applies, each line whole, on an 80×24 screen: in
/// presenter mode or not, in a demo or not.
#[test]
fn help_fits_the_smallest_screen_in_every_mode() {
    use unicode_width::UnicodeWidthStr;
    let demo = bert_tutor::demo::load_bundled().unwrap().remove(0);
    for (present, in_demo) in [(false, false), (true, false), (false, true), (true, true)] {
        let lines: Vec<_> = bert_tutor::tui::action::key_help(present, in_demo).collect();
        assert!(lines.len() <= 22, "{} lines (present {present}, demo {in_demo})", lines.len());
        for (k, what) in &lines {
            assert!(1 + k.width().max(12) + what.width() <= 74, "{k} {what}: too wide for 80 columns");
        }
        let mut app = app();
        app.present = present;
        if in_demo {
            app.start_demo(demo.clone());
        }
        app.update(Action::ToggleHelp);
        let t = draw(&app, 80, 24);
        let screen = format!("{}", t.backend());
        for (k, what) in &lines {
            assert!(screen.contains(&format!(" {k:<12}{what}")), "{k} {what} missing:\n{screen}");
        }
        assert_eq!(screen.contains("blank the screen"), present);
        assert_eq!(screen.contains("demo: next step"), in_demo);
    }
}
