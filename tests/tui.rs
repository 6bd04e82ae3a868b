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
    for stage in 0..8 {
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

/// No size panics: every stage, with and without the lesson pane (at the step with the
/// longest text, which leaves the stage the fewest rows), with the token list and with the
/// detail pane focused, at every size of [`sweep`]. Tests keep debug overflow checks, so a
/// row count that underflows fails here.
#[test]
fn every_stage_draws_at_every_size() {
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
        for stage in 0..8 {
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
    use bert_tutor::train::StepStats;
    use bert_tutor::train::worker::TrainEvent;
    let mut app = app();
    app.update(Action::GoStage(6));
    app.update(Action::CycleWeights); // MLM only
    let s = StepStats { step: 12, mlm_loss: 3.621, nsp_loss: 0.662, total_loss: 3.621, lr: 1e-3, grad_norm: 1.0 };
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
/// count or the pair: the sentences are what get cut, with "…".
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
        for must in ["⏸ paused", "step 123456", "MLM + NSP", "peak lr"] {
            assert!(header.contains(must), "{w} wide: {must:?} missing from {header:?}");
        }
        if w >= 100 {
            assert!(header.contains('…') && header.trim_end().ends_with("(IsNext)"), "{header:?}");
        }
    }
}

/// Every stage number is on the tab bar at every width from 80 up, and the current stage is
/// named (issue: at 80×24 the tabs used to lose stages 6–8).
#[test]
fn the_tab_bar_always_shows_every_stage_number() {
    let mut app = app();
    for stage in 0..8 {
        app.update(Action::GoStage(stage));
        for w in [80, 100, 120] {
            let t = draw(&app, w, 24);
            let buf = t.backend().buffer();
            let tabs: String = (0..w).map(|x| buf[(x, 1)].symbol().to_string()).collect();
            for n in 1..=8 {
                assert!(tabs.contains(&format!(" {n} ")), "{w} wide, stage {}: no {n} in {tabs:?}", stage + 1);
            }
            let title = app.stage_title(bert_tutor::tui::app::Stage::ALL[stage]);
            assert!(tabs.contains(title), "{w} wide: the current stage is not named in {tabs:?}");
        }
    }
}
