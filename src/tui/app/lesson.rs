//! The app's side of lessons: the lessons menu, opening one, entering its steps (stage, highlight), noticing
//! the actions a step asks for, checking quiz answers against numbers computed from the
//! model in use, and saving progress after every change.

use super::inside::SpaceView;
use super::{App, Editing, Side};
use crate::lesson::progress::Progress;
use crate::lesson::runner::Run;
use crate::lesson::{Answer, Highlight, Quantity, QuizKind, TaskKind};
use crate::model::inspect::attention::{across, attentions, cls_to_b};
use crate::model::inspect::grad_flow::grad_flow;
use crate::text::corpus::IS_NEXT;
use tui_input::Input;

impl App {
    /// Opens lesson `index` (0-based) at step `step`.
    ///
    /// The lessons are written for the default pair, "my dog is cute" / "he likes playing":
    /// their text names it and their highlights point at its positions. So a lesson opened
    /// over another pair (typed with a / b, or drawn with n / N / x) puts the default pair
    /// back, and the message line says so; the learner's pair is not kept.
    pub fn open_lesson(&mut self, index: usize, step: usize) {
        let Some(lesson) = self.lessons.get(index).cloned() else { return };
        let restored = self.restore_default_pair();
        self.lesson = Some(Run::new(lesson, index + 1, step));
        self.enter_step();
        if restored && !self.message.as_ref().is_some_and(|m| m.error) {
            self.info(format!(
                "lesson {} uses the default pair, so yours was replaced (a / b edit it again)",
                index + 1
            ));
        }
    }

    /// Puts the default pair back if another one is showing; true if it did. The default
    /// sentences typed back by hand are the default pair too, and are no longer "your pair".
    fn restore_default_pair(&mut self) -> bool {
        let p = &self.pair;
        if p.a == crate::DEFAULT_A && p.b == crate::DEFAULT_B && p.label == IS_NEXT {
            self.pair.custom = false;
            return false;
        }
        self.replace_pair(crate::DEFAULT_A, crate::DEFAULT_B, IS_NEXT)
    }

    /// Where lesson `index` resumes: at the saved step if the learner stopped in it, else at
    /// its first step not completed (the first step when none, or all, are).
    pub fn resume_step(&self, index: usize) -> usize {
        if let Some((i, step)) = self.saved_position()
            && i == index
        {
            return step;
        }
        let lesson = &self.lessons[index];
        let p = self.progress.lessons.get(&lesson.id);
        lesson.steps.iter().position(|s| !p.is_some_and(|p| p.completed.contains(&s.id))).unwrap_or(0)
    }

    /// Lesson `index`'s progress: (steps completed that still exist, finished).
    pub fn lesson_progress(&self, index: usize) -> (usize, bool) {
        let lesson = &self.lessons[index];
        let Some(p) = self.progress.lessons.get(&lesson.id) else { return (0, false) };
        (lesson.steps.iter().filter(|s| p.completed.contains(&s.id)).count(), p.finished)
    }

    /// `L`: the lessons menu, on the lesson [`App::menu_start`] picks.
    pub fn open_lessons_menu(&mut self) {
        if self.lessons.is_empty() {
            return self.error("no lessons are installed");
        }
        self.menu = Some(self.menu_start().0);
    }

    /// Where the menu opens, and why, as its top line says: the open lesson, else the one
    /// saved progress stopped in, else the first unfinished one. Resuming is what `L` is
    /// most often pressed for, so the menu starts there rather than at the top, and says so
    /// (a learner counting ↓ presses from lesson 1 once opened the wrong lesson).
    pub fn menu_start(&self) -> (usize, &'static str) {
        let open = self.lesson.as_ref().map(|r| (r.number - 1, "the lesson that is open"));
        let saved = || self.saved_position().map(|(i, _)| (i, "where you stopped"));
        let first_unfinished =
            || (0..self.lessons.len()).find(|&i| !self.lesson_progress(i).1).map(|i| (i, "the next one to take"));
        open.or_else(saved).or_else(first_unfinished).unwrap_or((0, "the first"))
    }

    /// A digit in the menu: opens that lesson at once (1–9).
    pub fn menu_pick(&mut self, number: usize) {
        if (1..=self.lessons.len()).contains(&number) {
            self.menu = Some(number - 1);
            self.menu_open();
        } else {
            self.error(format!("there is no lesson {number}: {} lessons are installed", self.lessons.len()));
        }
    }

    /// ↑ / ↓ in the menu, wrapping round at either end as the token cursor does.
    pub fn menu_move(&mut self, by: isize) {
        let n = self.lessons.len() as isize;
        if let Some(i) = &mut self.menu
            && n > 0
        {
            *i = (*i as isize + by).rem_euclid(n) as usize;
        }
    }

    /// Enter in the menu: the lesson already open is shown again as it was (its task and
    /// quiz state kept), on the stage its step is about; another one opens where it stopped
    /// ([`App::resume_step`]).
    pub fn menu_open(&mut self) {
        let Some(i) = self.menu.take() else { return };
        match &mut self.lesson {
            Some(run) if run.number == i + 1 => {
                run.visible = true;
                let stage = run.current().stage;
                self.go_stage(stage.index());
            }
            _ => self.open_lesson(i, self.resume_step(i)),
        }
    }

    /// Where saved progress says the learner was: (lesson index, step index), if that
    /// lesson is still installed (a step that no longer exists counts as the first).
    pub fn saved_position(&self) -> Option<(usize, usize)> {
        let (lesson, step) = self.progress.current.as_ref()?;
        let i = self.lessons.iter().position(|l| &l.id == lesson)?;
        Some((i, self.lessons[i].step_index(step).unwrap_or(0)))
    }

    /// Shows the current step: its stage, its highlight, and records where we are.
    fn enter_step(&mut self) {
        let step_now = self.training.step;
        let Some(run) = &mut self.lesson else { return };
        run.go_to(run.step, step_now);
        let step = run.current().clone();
        let (lesson_id, step_id) = (run.lesson.id.clone(), step.id.clone());
        // As ← → and the digits do, so that a stage 9–11 computes what it shows.
        self.go_stage(step.stage.index());
        if let Some(Highlight::Token(t)) = step.highlight {
            self.cursor = t.min(self.pair.encoded.ids.len() - 1);
        }
        self.progress.current = Some((lesson_id, step_id));
        self.save_progress();
    }

    /// What the open lesson step, or else the demo step on screen, points at, if anything.
    pub fn highlight(&self) -> Option<Highlight> {
        self.lesson.as_ref().filter(|r| r.visible).and_then(|r| r.current().highlight).or_else(|| self.demo_highlight())
    }

    /// `]`: on to the next step once its task and quiz are done.
    pub fn lesson_next(&mut self) {
        let (stage, heads, step) = (self.stage, self.training.heads, self.training.step);
        let Some(run) = &mut self.lesson else { return self.info("no lesson is open: press L") };
        let current = run.current().clone();
        if !run.task_done(stage, heads, step) {
            let task = current.task.expect("a task that is not done exists");
            return self.error(format!("first: {}", task.say.unwrap_or_else(|| task.kind.instruction())));
        }
        if !run.quiz_done() {
            return self.error("answer the quiz first: press A, type your answer, press Enter");
        }
        let lesson = run.lesson.clone();
        let last = run.is_last();
        let next = run.step + 1;
        let number = run.number;
        let p = self.progress.lesson_mut(&lesson);
        p.completed.insert(current.id);
        if last {
            p.finished = true;
            let summary = self.progress.summary(&self.lessons);
            self.progress.current = self.lessons.get(number).map(|l| (l.id.clone(), l.steps[0].id.clone()));
            self.save_progress();
            let after = match self.lessons.get(number) {
                Some(l) => format!("next: lesson {} \"{}\" (press L)", number + 1, l.title),
                None => "that was the last lesson".into(),
            };
            self.lesson = None;
            self.info(format!("Lesson {number} complete ({summary}); {after}"));
        } else if let Some(run) = &mut self.lesson {
            run.step = next;
            self.enter_step();
        }
    }

    /// `[`: back one step.
    pub fn lesson_prev(&mut self) {
        if let Some(run) = &mut self.lesson
            && run.step > 0
        {
            run.step -= 1;
            self.enter_step();
        }
    }

    /// `A`: opens the answer field when the step has a quiz.
    pub fn lesson_answer(&mut self) {
        match &self.lesson {
            Some(run) if run.current().quiz.is_some() => {
                let expected = self.expected_answer();
                if let Some(run) = &mut self.lesson {
                    run.quiz.expected_at_open = expected;
                }
                self.editing = Some(Editing { side: Side::Answer, input: Input::default() })
            }
            Some(_) => self.info("this step has no quiz: press ] to go on"),
            None => self.info("no lesson is open: press L"),
        }
    }

    /// Checks the typed answer and saves it.
    pub(super) fn submit_answer(&mut self, text: &str) {
        let expected = self.expected_answer();
        let Some(run) = &mut self.lesson else { return };
        run.answer(text, expected);
        let (lesson, step) = (run.lesson.clone(), run.current().id.clone());
        self.progress.lesson_mut(&lesson).answers.insert(step, text.trim().to_string());
        self.save_progress();
    }

    /// The number a quiz expects, computed now from the model and pair in use.
    pub fn expected_answer(&self) -> Option<f64> {
        let quiz = self.lesson.as_ref()?.current().quiz.as_ref()?;
        match quiz.kind {
            QuizKind::Number { answer: Answer::Fixed(x), .. } => Some(x),
            QuizKind::Number { answer: Answer::From(q), .. } => Some(self.quantity(q)),
            QuizKind::Choice { answer, .. } => Some(answer as f64),
        }
    }

    pub fn quantity(&self, q: Quantity) -> f64 {
        let o = &self.view.outputs;
        let e = &self.pair.encoded;
        match q {
            Quantity::LnVocab => (self.cfg.vocab_size as f64).ln(),
            Quantity::Ln2 => 2f64.ln(),
            Quantity::VocabSize => self.cfg.vocab_size as f64,
            Quantity::NumTokens => e.ids.len() as f64,
            Quantity::SegmentBTokens => e.segments.iter().filter(|&&s| s == 1).count() as f64,
            Quantity::MaskCount => self.masker.count_to_predict(e.ids.len()) as f64,
            Quantity::HiddenSize => self.cfg.hidden_size as f64,
            Quantity::NumLayers => self.cfg.num_hidden_layers as f64,
            Quantity::NumHeads => self.cfg.num_attention_heads as f64,
            Quantity::MlmLoss => f64::from(o.mlm_loss),
            Quantity::NspLoss => f64::from(o.nsp_loss),
            Quantity::TotalLoss => f64::from(o.total_loss),
            Quantity::PIsNext => f64::from(o.nsp_probs[[0, 0]]),
            Quantity::ClsToBBestHead
            | Quantity::AttentionAcross
            | Quantity::MlmDecoderGrad
            | Quantity::NearestCosine => self.inside_quantity(q),
        }
    }

    /// The quantities of stages 9–11, computed here from the weights and pair in use (not
    /// read from the view, which holds only the stage on screen), as those stages compute
    /// and print them.
    fn inside_quantity(&self, q: Quantity) -> f64 {
        let batch = self.pair.batch(self.tok.special.pad);
        let segments = &self.pair.encoded.segments;
        let cursor = self.cursor.min(segments.len() - 1);
        match q {
            Quantity::ClsToBBestHead => {
                let shares = cls_to_b(&attentions(&self.params, &self.cfg, &batch), segments);
                // The first of any tie, counted from 1 as the grid is.
                let best = (0..shares.len()).fold(0, |best, i| if shares[i] > shares[best] { i } else { best });
                (best + 1) as f64
            }
            Quantity::AttentionAcross => {
                let maps = attentions(&self.params, &self.cfg, &batch);
                let heads = self.cfg.num_attention_heads;
                let t = segments.len();
                let map = maps[self.head / heads].slice(ndarray::s![0, self.head % heads, ..t, ..t]);
                100.0 * f64::from(across(map, segments, cursor))
            }
            Quantity::MlmDecoderGrad => {
                // Rounded as stage 10 prints it (`{:.1e}`), whatever its size: an absolute
                // tolerance could not fit a norm that grows from about 6 to over 20.
                let g = grad_flow(&self.params, &self.cfg, &batch).word_decoder[0];
                format!("{g:.1e}").parse().unwrap_or(f64::NAN)
            }
            Quantity::NearestCosine => {
                let id = self.pair.encoded.ids[cursor];
                let view = SpaceView::compute(&self.params, &self.tok, &[id], None);
                view.neighbours.first().and_then(|(_, near)| near.first()).map_or(f64::NAN, |(_, c)| f64::from(*c))
            }
            _ => self.quantity(q),
        }
    }

    /// Notes something a task may be waiting for.
    pub(super) fn lesson_saw(&mut self, done: TaskKind) {
        if let Some(run) = &mut self.lesson {
            run.done.insert(done);
        }
    }

    /// Writes lesson progress to its file (if it has one); a failure becomes the message.
    pub fn save_progress(&mut self) {
        let Some(path) = self.progress_path.clone() else { return };
        if let Err(e) = self.progress.save(&path) {
            self.error(format!("{e:#}"));
        }
    }

    /// Resets saved progress (the `--reset-progress` flag).
    pub fn reset_progress(&mut self) {
        self.progress = Progress::default();
        self.save_progress();
    }
}
