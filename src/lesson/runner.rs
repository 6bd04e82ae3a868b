//! A lesson in progress: which step is showing, what the learner has done during it,
//! and the state of its quiz. The app feeds it events; it decides when a step may end.

use std::collections::HashSet;

use super::{Lesson, QuizKind, TaskKind};

/// Where a quiz stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QuizState {
    pub attempts: usize,
    pub correct: bool,
    /// The last answer and what the app said about it.
    pub feedback: Option<String>,
    /// The answer, once revealed after every hint was used.
    pub revealed: bool,
    /// The expected number when the answer field was opened: a live quantity (a loss)
    /// may move while the learner types, so either value is accepted.
    pub expected_at_open: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub lesson: Lesson,
    /// Its number in the list of lessons (1-based), for display.
    pub number: usize,
    pub step: usize,
    /// The training step when this step began (for "train N steps").
    pub start_step: usize,
    /// The event-like tasks (re-roll, toggle, edit, ...) the learner did during this step.
    pub done: HashSet<TaskKind>,
    pub quiz: QuizState,
    pub visible: bool,
}

impl Run {
    pub fn new(lesson: Lesson, number: usize, step: usize) -> Self {
        let step = step.min(lesson.steps.len().saturating_sub(1));
        Self { lesson, number, step, start_step: 0, done: HashSet::new(), quiz: QuizState::default(), visible: true }
    }

    pub fn current(&self) -> &super::Step {
        &self.lesson.steps[self.step]
    }

    pub fn is_last(&self) -> bool {
        self.step + 1 >= self.lesson.steps.len()
    }

    /// Whether the step's task is done, given what the app looks like now.
    pub fn task_done(&self, stage: super::stage::Stage, heads: super::stage::Heads, training_step: usize) -> bool {
        let Some(task) = &self.current().task else { return true };
        match task.kind {
            TaskKind::VisitStage(s) => stage == s,
            TaskKind::Heads(h) => heads == h,
            TaskKind::Train(n) => training_step >= self.start_step + n,
            kind => self.done.contains(&kind),
        }
    }

    /// Whether the quiz lets the learner go on: answered right, or revealed.
    pub fn quiz_done(&self) -> bool {
        self.current().quiz.is_none() || self.quiz.correct || self.quiz.revealed
    }

    /// Starts step `i`.
    pub fn go_to(&mut self, i: usize, training_step: usize) {
        self.step = i.min(self.lesson.steps.len() - 1);
        self.start_step = training_step;
        self.done.clear();
        self.quiz = QuizState::default();
    }

    /// Checks an answer against `expected` (computed by the app for number quizzes).
    /// Returns whether it was right; wrong answers unlock hints, then the answer.
    pub fn answer(&mut self, text: &str, expected: Option<f64>) -> bool {
        let at_open = self.quiz.expected_at_open;
        let Some(quiz) = self.current().quiz.clone() else { return false };
        let text = text.trim();
        let right = match (&quiz.kind, text.parse::<f64>()) {
            (QuizKind::Choice { answer, choices }, Ok(n))
                if n.fract() == 0.0 && n >= 1.0 && n as usize <= choices.len() =>
            {
                n as usize == *answer
            }
            (QuizKind::Choice { choices, .. }, _) => {
                self.quiz.feedback = Some(format!("type the number of a choice, 1 to {}", choices.len()));
                return false;
            }
            (QuizKind::Number { tolerance, .. }, Ok(x)) => {
                [expected, at_open].into_iter().flatten().any(|e| (x - e).abs() <= *tolerance + 1e-9)
            }
            (QuizKind::Number { .. }, Err(_)) => {
                self.quiz.feedback = Some(format!("\"{text}\" is not a number: type digits, like 0.69"));
                return false;
            }
        };
        self.quiz.attempts += 1;
        if right {
            self.quiz.correct = true;
            self.quiz.feedback = Some(format!("Right. {}", quiz.explanation));
        } else if self.quiz.attempts <= quiz.hints.len() {
            self.quiz.feedback = Some(format!("Not quite. Hint: {}", quiz.hints[self.quiz.attempts - 1]));
        } else {
            self.quiz.revealed = true;
            let answer = match (&quiz.kind, expected) {
                (QuizKind::Choice { answer, choices }, _) => format!("{answer}) {}", choices[answer - 1]),
                (QuizKind::Number { .. }, Some(e)) => format!("{e:.4}"),
                (QuizKind::Number { .. }, None) => "?".into(),
            };
            self.quiz.feedback = Some(format!("The answer is {answer}. {}", quiz.explanation));
        }
        right
    }
}
