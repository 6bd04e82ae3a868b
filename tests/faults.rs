//! Faults while the TUI runs, driven through the app and a real trainer thread: a learning
//! rate that makes the loss non-finite, a trainer thread that panics, and a state folder
//! that cannot be written. In each the screen keeps drawing and says what happened.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use bert_tutor::text::data::PairConfig;
use bert_tutor::train::TrainConfig;
use bert_tutor::train::worker::{self, Command, TrainEvent};
use bert_tutor::tui::action::Action;
use bert_tutor::tui::app::App;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The app and a running trainer thread on small, quick pairs with `peak` as learning rate.
fn app_with_trainer(peak: f32) -> (App, mpsc::Receiver<TrainEvent>, mpsc::Sender<Command>) {
    let mut app = App::bundled(0).unwrap();
    let tui = app.train_config(0);
    let tcfg = TrainConfig {
        batch_size: 4,
        pair: PairConfig { max_seq_length: 32, ..tui.pair },
        schedule: bert_tutor::train::optim::Schedule { peak, warmup: 0, ..tui.schedule },
        ..tui
    };
    let trainer = app.trainer_with(tcfg).unwrap();
    let (tx, rx) = mpsc::channel::<TrainEvent>();
    let (cmd_tx, cmd_rx) = mpsc::channel();
    worker::spawn(trainer, app.tok.clone(), cmd_rx, tx, true);
    app.set_commands(cmd_tx.clone());
    (app, rx, cmd_tx)
}

/// Feeds the trainer's reports to the app until `done` holds for one of them (or 60 s pass).
fn pump(app: &mut App, rx: &mpsc::Receiver<TrainEvent>, done: impl Fn(&TrainEvent) -> bool) -> Vec<TrainEvent> {
    let start = Instant::now();
    let mut seen = Vec::new();
    while start.elapsed() < Duration::from_secs(60) {
        let Ok(e) = rx.recv_timeout(Duration::from_millis(100)) else { continue };
        let stop = done(&e);
        seen.push(e.clone());
        app.on_train(e);
        if stop {
            // What the trainer sent right after (status, snapshot) belongs to the same moment.
            while let Ok(e) = rx.recv_timeout(Duration::from_millis(300)) {
                app.on_train(e);
            }
            return seen;
        }
    }
    panic!("the awaited report never came; saw {} reports", seen.len());
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t.backend().to_string()
}

fn all_finite(app: &App) -> bool {
    app.params.tensors().iter().all(|(_, t)| t.iter().all(|x| x.is_finite()))
}

#[test]
fn a_non_finite_loss_pauses_restores_good_weights_and_says_why() {
    let (mut app, rx, cmd) = app_with_trainer(1e30);
    pump(&mut app, &rx, |e| matches!(e, TrainEvent::Failed(_)));
    let msg = app.message.clone().expect("the screen says why");
    assert!(msg.error, "{msg:?}");
    assert!(msg.text.contains("NaN or infinite") && msg.text.contains("weights restored to step 0"), "{msg:?}");
    assert!(msg.text.contains("R for fresh weights"), "{msg:?}");
    assert!(!app.training.running, "training paused");
    assert!(all_finite(&app), "the screen shows the restored weights, not the diverged ones");
    assert!(screen(&app, 120, 40).contains("⏸ paused"));
    // R gives fresh weights and the trainer answers with a step-0 snapshot.
    app.update(Action::ResetWeights);
    pump(&mut app, &rx, |e| matches!(e, TrainEvent::Snapshot { step: 0, .. }));
    assert!(all_finite(&app));
    cmd.send(Command::Stop).ok();
}

#[test]
fn a_trainer_panic_leaves_a_usable_screen_that_says_so() {
    let (mut app, rx, cmd) = app_with_trainer(1e-3);
    pump(&mut app, &rx, |e| matches!(e, TrainEvent::Snapshot { .. }));
    cmd.send(Command::Crash).unwrap();
    pump(&mut app, &rx, |e| matches!(e, TrainEvent::Crashed(_)));
    let msg = app.message.clone().unwrap();
    assert!(msg.error && msg.text.contains("trainer thread crashed"), "{msg:?}");
    assert!(msg.text.contains("fault injected"), "the panic's own message is shown: {msg:?}");
    assert!(!app.training.running);
    assert!(all_finite(&app));
    // Every stage still draws from the last snapshot, and keys still work.
    for stage in 0..bert_tutor::tui::app::Stage::ALL.len() {
        app.update(Action::GoStage(stage));
        let s = screen(&app, 120, 40);
        assert!(s.contains("✖ trainer stopped"), "stage {}:\n{s}", stage + 1);
    }
    app.update(Action::RerollMask);
    app.update(Action::TogglePause);
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("trainer thread has stopped")));
    app.update(Action::ResetWeights);
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("trainer thread has stopped")));
}

#[test]
fn a_state_folder_that_cannot_be_written_gives_one_line_and_the_app_goes_on() {
    let mut app = App::bundled(0).unwrap();
    // A folder cannot be made inside a file, on any system and not even by root.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    app.progress_path = Some(file.join("bert-tutor").join("progress.json"));
    app.open_lesson(0, 0);
    app.update(Action::LessonNext);
    let msg = app.message.clone().expect("the failed save is reported");
    assert!(
        msg.error && msg.text.starts_with(&format!("cannot save lesson progress to {}", file.display())),
        "{msg:?}"
    );
    assert_eq!(msg.text.lines().count(), 1);
    assert_eq!(app.lesson.as_ref().map(|r| r.step), Some(1), "the lesson moved on regardless");
    assert!(screen(&app, 80, 24).contains("step 2/"));
}

/// Issue 10 §4: pausing sends the final weights, so the pair's numbers (side pane "this
/// pair, step N") belong to the step the header shows, without pressing `.`.
#[test]
fn pausing_shows_the_pair_at_the_final_step() {
    let (mut app, rx, cmd) = app_with_trainer(1e-3);
    pump(&mut app, &rx, |e| matches!(e, TrainEvent::Step(s) if s.step >= 3));
    app.update(Action::TogglePause);
    pump(&mut app, &rx, |e| matches!(e, TrainEvent::Status { running: false, .. }));
    assert!(!app.training.running);
    assert!(app.training.step >= 3);
    assert_eq!(app.view.step, app.training.step, "the pair is recomputed from the paused weights");
    let s = screen(&app, 120, 40);
    assert!(s.contains(&format!("this pair, step {}", app.training.step)), "{s}");
    cmd.send(Command::Stop).ok();
}
