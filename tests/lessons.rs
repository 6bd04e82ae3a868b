//! Lessons: the files are valid (`lesson --check`), the checker reports each kind of
//! problem as file:line, every lesson can be walked through the TUI end to end (tasks
//! done, quizzes answered with numbers computed from the model, and every screen text a
//! step points at found on its screen), and progress is saved.

use std::path::{Path, PathBuf};
use std::process::Command;

use bert_tutor::lesson::progress::Progress;
use bert_tutor::lesson::{QuizKind, TaskKind};
use bert_tutor::train::worker::TrainEvent;
use bert_tutor::tui::action::Action;
use bert_tutor::tui::app::{App, Heads, Stage};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bert-tutor"));
    c.env("BERT_TUTOR_STATE_DIR", temp("state"));
    c
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bert-tutor-lessons-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn the_lesson_files_pass_the_check() {
    let out = bin().args(["lesson", "--check", "--dir", "lessons"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("all valid"), "{stdout}");
    let bundled = bert_tutor::lesson::load_bundled().unwrap();
    assert!(bundled.len() >= 8, "at least 8 lessons, found {}", bundled.len());
}

#[test]
fn the_checker_reports_each_problem_with_file_and_line() {
    let dir = temp("bad");
    let good = std::fs::read_to_string("lessons/01-why-pretrain.toml").unwrap();
    std::fs::write(dir.join("01-a.toml"), &good).unwrap();
    std::fs::write(dir.join("02-dup.toml"), &good).unwrap(); // the same lesson id again
    let bad = r#"id = "broken"
title = "Broken"
version = 1
summary = "x"

[[steps]]
id = "one"
stage = "maskig"
text = "t"

[[steps]]
id = "one"
stage = "input"
text = "t"
highlight = { token = 11 }

[[steps]]
id = "three"
stage = "sum"
text = "t"
on_screen = ["total = ", ""]
[steps.quiz]
kind = "number"
question = "q"
tolerance = 0.1
explanation = "e"
"#;
    std::fs::write(dir.join("03-broken.toml"), bad).unwrap();
    let out = bin().args(["lesson", "--check", "--dir", dir.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let f = |name: &str| dir.join(name).display().to_string();
    assert!(err.contains(&format!("{}:1: duplicate lesson id", f("02-dup.toml"))), "{err}");
    assert!(err.contains(&format!("{}:8: unknown stage \"maskig\"", f("03-broken.toml"))), "{err}");
    assert!(err.contains(&format!("{}:12: duplicate step id \"one\"", f("03-broken.toml"))), "{err}");
    assert!(
        err.contains(&format!(
            "{}:15: highlight token 11 is outside the pair's positions 0 to 10",
            f("03-broken.toml")
        )),
        "{err}"
    );
    assert!(err.contains("needs answer or answer_from"), "{err}");
    assert!(err.contains(&format!("{}:21: an on_screen text is empty", f("03-broken.toml"))), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

fn key(c: char) -> Action {
    Action::EditKey(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// Draws the app at 80×24 (where a lesson pane leaves the stage only a few rows, which
/// once underflowed a row count in a debug build) and returns the 120×40 screen.
fn draw(app: &App) -> String {
    let mut small = Terminal::new(TestBackend::new(80, 24)).unwrap();
    small.draw(|f| f.render_widget(app, f.area())).unwrap();
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t.backend().to_string()
}

/// The rows of a drawn screen above the lesson pane: the header, the tabs and the stage,
/// where the texts a step points at must be (the pane repeats the step's own words).
fn above_lesson_pane(screen: &str) -> &str {
    let pane = screen.find("┌ Lesson ").expect("a lesson pane on the screen");
    &screen[..screen[..pane].rfind('\n').unwrap_or(0)]
}

/// Carries out a step's task the way a learner would, through actions.
fn do_task(app: &mut App, trainer: &mut bert_tutor::train::Trainer, kind: TaskKind) {
    match kind {
        TaskKind::VisitStage(s) => app.update(Action::GoStage(s.index())),
        TaskKind::RerollMask => app.update(Action::RerollMask),
        TaskKind::ToggleMask => {
            app.cursor = 1;
            app.update(Action::ToggleMask);
        }
        TaskKind::CycleStrategy => app.update(Action::CycleStrategy),
        TaskKind::EditPair => {
            app.update(Action::EditB);
            for c in " today".chars() {
                app.update(key(c));
            }
            app.update(Action::EditSubmit);
        }
        TaskKind::NewPair => app.update(Action::NewPair { is_next: true }),
        TaskKind::SwapB => app.update(Action::SwapB),
        TaskKind::ChangeHead => app.update(Action::NextHead),
        TaskKind::AttentionGrid => app.update(Action::ToggleGrid),
        TaskKind::Heads(h) => {
            for _ in 0..3 {
                if app.training.heads != h {
                    app.update(Action::CycleWeights);
                }
            }
        }
        TaskKind::SentenceTask(t) => {
            for _ in 0..3 {
                app.update(Action::CycleTask);
                if app.pair.task == t {
                    break;
                }
            }
        }
        TaskKind::Train(n) => {
            trainer.tcfg.weights = app.training.heads.weights();
            if trainer.tcfg.pair.task != app.pair.task {
                trainer.set_task(app.pair.task);
            }
            for _ in 0..n {
                app.on_train(TrainEvent::Step(trainer.train_step().unwrap()));
            }
            let params = std::sync::Arc::new(trainer.params.clone());
            app.on_train(TrainEvent::Snapshot { step: trainer.step, params });
        }
    }
}

fn answer(app: &mut App, text: &str) {
    app.update(Action::LessonAnswer);
    for c in text.chars() {
        app.update(key(c));
    }
    app.update(Action::EditSubmit);
}

/// Every step of every lesson, through the app's own actions: the stage it names is drawn,
/// each text its `on_screen` lists is on the 120×40 screen above the lesson pane, its task
/// must be done and its quiz answered before `]` moves on, and the progress file says so.
#[test]
fn every_lesson_walks_through_the_tui_and_progress_is_saved() {
    let state = temp("walk");
    let path = state.join("progress.json");
    let mut app = App::bundled(0).unwrap();
    app.progress_path = Some(path.clone());
    // The walk-through only needs the app to see training steps: 32-token pairs keep its
    // 1,850 steps quick (the TUI's own trainer reads 128-token pairs).
    let tui = app.train_config(0);
    let pair = bert_tutor::text::data::PairConfig { max_seq_length: 32, ..tui.pair };
    let tcfg = bert_tutor::train::TrainConfig { pair, ..tui };
    let mut trainer = app.trainer_with(tcfg).unwrap();
    let total_steps: usize = app.lessons.iter().map(|l| l.steps.len()).sum();
    let mut pointed_at = 0;
    for i in 0..app.lessons.len() {
        app.open_lesson(i, 0);
        let n = app.lessons[i].steps.len();
        for k in 0..n {
            let step = app.lesson.as_ref().unwrap().current().clone();
            assert_eq!(app.stage, step.stage, "lesson {} step {}", app.lessons[i].id, step.id);
            let screen = draw(&app);
            let stage = above_lesson_pane(&screen);
            for text in &step.on_screen {
                assert!(
                    stage.contains(text.as_str()),
                    "lesson {} step {}: its text points at \"{text}\", which is not on the screen above the lesson \
                     pane:\n{screen}",
                    app.lessons[i].id,
                    step.id
                );
            }
            pointed_at += step.on_screen.len();
            assert!(screen.contains(&format!("step {}/{n}", k + 1)), "lesson {} step {}:\n{screen}", i + 1, k + 1);
            if let Some(task) = &step.task {
                app.update(Action::LessonNext);
                assert!(
                    app.message.as_ref().is_some_and(|m| m.error && m.text.starts_with("first:")),
                    "{}:{} lets the learner skip its task",
                    app.lessons[i].id,
                    step.id
                );
                do_task(&mut app, &mut trainer, task.kind);
            }
            if let Some(quiz) = &step.quiz {
                app.update(Action::LessonNext);
                assert!(app.message.as_ref().is_some_and(|m| m.error), "{} skips its quiz", step.id);
                let expected = app.expected_answer().unwrap();
                let text = match quiz.kind {
                    QuizKind::Choice { answer, .. } => answer.to_string(),
                    QuizKind::Number { .. } => format!("{expected:.4}"),
                };
                answer(&mut app, &text);
                assert!(app.lesson.as_ref().unwrap().quiz.correct, "{}:{} rejects {text}", app.lessons[i].id, step.id);
            }
            app.update(Action::LessonNext);
        }
        assert!(app.lesson.is_none(), "lesson {} did not finish", i + 1);
        assert!(app.message.as_ref().is_some_and(|m| m.text.contains("complete")));
    }
    assert!(pointed_at >= 40, "only {pointed_at} on_screen texts across the lessons: were they dropped?");
    let saved = Progress::load(&path).unwrap();
    let n = app.lessons.len();
    assert_eq!(saved.summary(&app.lessons), format!("{n}/{n} lessons, {total_steps}/{total_steps} steps"));
    assert!(!path.with_extension("json.tmp").exists(), "the temporary file was renamed away");
    std::fs::remove_dir_all(state).ok();
}

#[test]
fn a_wrong_answer_gives_a_hint_then_the_answer() {
    let mut app = App::bundled(0).unwrap();
    let (li, si) = app
        .lessons
        .iter()
        .enumerate()
        .find_map(|(li, l)| {
            l.steps.iter().position(|s| s.quiz.as_ref().is_some_and(|q| !q.hints.is_empty())).map(|si| (li, si))
        })
        .expect("a quiz with hints");
    app.open_lesson(li, si);
    let quiz = app.lesson.as_ref().unwrap().current().quiz.clone().unwrap();
    let hints = quiz.hints.len();
    let wrong = match quiz.kind {
        QuizKind::Choice { answer, ref choices } => (answer % choices.len() + 1).to_string(),
        QuizKind::Number { .. } => "999".to_string(),
    };
    answer(&mut app, &wrong);
    let run = app.lesson.as_ref().unwrap();
    assert!(!run.quiz.correct);
    assert!(run.quiz.feedback.as_deref().unwrap().starts_with("Not quite. Hint:"), "{:?}", run.quiz.feedback);
    for _ in 0..hints {
        answer(&mut app, &wrong);
    }
    let run = app.lesson.as_ref().unwrap();
    assert!(run.quiz.revealed && run.quiz.feedback.as_deref().unwrap().starts_with("The answer is"));
    app.update(Action::LessonNext); // a revealed answer lets the learner go on
    assert!(app.message.as_ref().is_none_or(|m| !m.error));
}

#[test]
fn number_answers_come_from_the_model_in_use() {
    let mut app = App::bundled(0).unwrap();
    use bert_tutor::lesson::Quantity;
    assert!((app.quantity(Quantity::LnVocab) - (app.cfg.vocab_size as f64).ln()).abs() < 1e-12);
    assert_eq!(app.quantity(Quantity::NumTokens), 11.0);
    let before = app.quantity(Quantity::TotalLoss);
    assert!((before - f64::from(app.view.outputs.total_loss)).abs() < 1e-9);
    app.update(Action::RerollMask);
    assert_ne!(before, app.quantity(Quantity::TotalLoss), "a new mask, a new loss");
    app.update(Action::CycleWeights); // MLM only
    assert_eq!(app.training.heads, Heads::MlmOnly);
    assert!((app.quantity(Quantity::TotalLoss) - app.quantity(Quantity::MlmLoss)).abs() < 1e-6);
    let _ = Stage::ALL;
}

/// The quantities of stages 9–11 are numbers on the bundled app (untrained weights, the
/// default pair), the same whichever stage is on screen, and the ones the stage that prints
/// them computed: the head's crossing share, the decoder's gradient on the token table as
/// printed (two significant figures), the top of the nearest list.
#[test]
fn the_look_inside_quantities_are_finite_on_any_stage() {
    use bert_tutor::lesson::Quantity;
    use bert_tutor::model::inspect::attention::across;
    use bert_tutor::tui::app::inside::Inside;
    let mut app = App::bundled(0).unwrap();
    let inside =
        [Quantity::ClsToBBestHead, Quantity::AttentionAcross, Quantity::MlmDecoderGrad, Quantity::NearestCosine];
    let on = |app: &App| inside.map(|q| app.quantity(q));
    app.cursor = 2; // dog
    let first = on(&app);
    for (q, v) in inside.iter().zip(first) {
        assert!(v.is_finite(), "{q:?} = {v}");
    }
    assert!((0.0..=100.0).contains(&first[1]), "a percentage: {}", first[1]);
    let printed: f64 = format!("{:.1e}", first[2]).parse().unwrap();
    assert!(first[2] > 0.0 && printed == first[2], "a norm as printed: {}", first[2]);
    assert!((-1.0..=1.0).contains(&first[3]), "a cosine: {}", first[3]);
    for s in [Stage::Attention, Stage::GradFlow, Stage::Space] {
        app.update(Action::GoStage(s.index()));
        assert_eq!(on(&app), first, "on stage {}", s.name());
        let shown = match &app.view.inside {
            Inside::Attention(maps) => {
                100.0 * f64::from(across(maps[0].index_axis(ndarray::Axis(0), 0), &app.pair.encoded.segments, 2))
            }
            Inside::Gradients(flow) => format!("{:.1e}", flow.word_decoder[0]).parse().unwrap(),
            Inside::Space(view) => {
                f64::from(view.neighbours.iter().find(|(id, _)| *id == app.pair.encoded.ids[2]).unwrap().1[0].1)
            }
            Inside::None => panic!("stage {} computed nothing to show", s.name()),
        };
        assert!((shown - first[s.index() - Stage::Attention.index() + 1]).abs() < 1e-4, "{} shows {shown}", s.name());
    }
}

/// A lesson step on stage 9–11 computes what that stage draws, even with training paused
/// (the view of another stage would leave it blank).
#[test]
fn a_lesson_step_on_a_look_inside_stage_has_its_view() {
    let mut app = App::bundled(0).unwrap();
    for (i, lesson) in app.lessons.clone().iter().enumerate() {
        for (k, step) in lesson.steps.iter().enumerate() {
            if step.stage.index() >= Stage::Attention.index() {
                app.open_lesson(i, k);
                assert!(app.view.inside.is_for(step.stage), "{}:{}", lesson.id, step.id);
                app.update(Action::GoStage(0));
            }
        }
    }
}

/// `cls_to_b_best_head` numbers the grid of stage 9 from 1 (L1 H1) to layers × heads, layer
/// by layer, and names the head with the largest share of [CLS]'s attention on sentence B.
#[test]
fn the_best_cls_head_is_the_argmax_of_cls_to_b() {
    use bert_tutor::lesson::Quantity;
    use bert_tutor::model::inspect::attention::{attentions, cls_to_b};
    let app = App::bundled(0).unwrap();
    let best = app.quantity(Quantity::ClsToBBestHead);
    let n = app.cfg.num_hidden_layers * app.cfg.num_attention_heads;
    assert_eq!(n, 8);
    assert!(best.fract() == 0.0 && (1.0..=n as f64).contains(&best), "{best}");
    let batch = app.pair.batch(app.tok.special.pad);
    let shares = cls_to_b(&attentions(&app.params, &app.cfg, &batch), &app.pair.encoded.segments);
    assert_eq!(shares.len(), n);
    let top = shares.iter().copied().fold(f32::MIN, f32::max);
    assert_eq!(shares[best as usize - 1], top, "head {best} of {shares:?}");
    assert_eq!(shares.iter().position(|&s| s == top), Some(best as usize - 1), "the first of any tie");
}

#[test]
fn listing_and_reset_progress() {
    let out = bin().args(["lesson"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("Progress: 0/"), "{stdout}");
    // Every column lines up, long titles (lessons 12 and 13) and two-digit counts included.
    use unicode_width::UnicodeWidthStr;
    let rows: Vec<&str> = stdout.lines().filter(|l| l.contains(" steps ")).collect();
    assert_eq!(rows.len(), 13, "{stdout}");
    for column in [" 0/", "("] {
        let at: Vec<usize> = rows.iter().map(|r| r[..r.find(column).unwrap()].width()).collect();
        assert!(at.iter().all(|&a| a == at[0]), "{column:?} at columns {at:?}:\n{stdout}");
    }
    let out = bin().args(["lesson", "--reset-progress"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("lesson progress cleared"));
    let out = bin().args(["lesson", "99"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: there is no lesson 99"));
    let _ = Path::new("lessons");
}

/// A number quiz's tolerance matches what its question asks for: "N decimals" accepts
/// both roundings of the true value (half a unit in the last place) and nothing coarser,
/// so "0.7" is refused where "2 decimals" of ln 2 = 0.693 is asked.
#[test]
fn number_quiz_tolerances_match_the_decimals_asked_for() {
    let mut checked = 0;
    for lesson in bert_tutor::lesson::load_bundled().unwrap() {
        for step in &lesson.steps {
            let Some(quiz) = &step.quiz else { continue };
            let QuizKind::Number { tolerance, .. } = quiz.kind else { continue };
            for n in 1..=4 {
                if quiz.question.contains(&format!("{n} decimals")) {
                    let unit = 10f64.powi(-n);
                    assert!(
                        (0.5 * unit..=0.6 * unit).contains(&tolerance),
                        "{}:{} asks for {n} decimals but accepts ±{tolerance}",
                        lesson.id,
                        step.id
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 8, "only {checked} quizzes ask for decimals");
}
