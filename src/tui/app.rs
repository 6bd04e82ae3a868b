//! The TUI's state and the one place it changes: [`App::update`]. Rendering (`tui/ui.rs`)
//! only reads it.

pub mod demo;
mod edit;
mod export;
pub mod inside;
pub mod lesson;
pub mod pair;
mod quit;
mod setup;
pub mod training;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use rand::SeedableRng;
use rand::rngs::StdRng;
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::lesson::TaskKind;
pub use crate::lesson::stage::{Heads, Stage};
use crate::model::{BertConfig, Params};
use crate::text::corpus::Corpus;
use crate::text::masking::Masker;
use crate::text::tokenize::BertTokenizer;
use crate::train::worker::{Command, TrainEvent};
use crate::tui::action::{Action, Mode};
pub use pair::{Pair, PairView};
pub use quit::ASK_AFTER_STEPS;
pub use setup::TUI_SCHEDULE;
pub use training::Training;

/// Which pane the arrows move in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Tokens,
    Detail,
}

/// Which sentence the text field edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
    /// The answer to a lesson's quiz.
    Answer,
}

#[derive(Debug, Clone)]
pub struct Editing {
    pub side: Side,
    pub input: Input,
}

/// A line for the user: what happened, or what was wrong and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub text: String,
    pub error: bool,
}

pub struct App {
    pub tok: BertTokenizer,
    pub corpus: Arc<Corpus>,
    pub cfg: BertConfig,
    pub masker: Masker,
    pub params: Arc<Params>,
    pub pair: Pair,
    pub view: PairView,
    pub stage: Stage,
    pub cursor: usize,
    pub focus: Focus,
    /// How far the focused pane is scrolled (Tab, then ↑↓); 0 again on a stage change.
    pub scroll: usize,
    /// How far that pane could scroll when it was last drawn, which only the drawing knows
    /// (it depends on the terminal's size): ↓ stops there, so ↑ always answers at once.
    /// Written by the renderer, as ratatui's stateful widgets write their state.
    pub scroll_room: std::cell::Cell<usize>,
    /// Stage 9's head, counted layer by layer (layer · heads + head).
    pub head: usize,
    /// Stage 9 shows every head as a thumbnail.
    pub grid: bool,
    pub help: bool,
    /// The lessons menu, when open: the index of the selected lesson.
    pub menu: Option<usize>,
    pub editing: Option<Editing>,
    pub training: Training,
    pub message: Option<Message>,
    pub quit: bool,
    /// The quit question is showing: training since the last save would be lost.
    pub confirm_quit: bool,
    /// `S` in the quit question: quit once the trainer says the checkpoint is saved.
    pub quit_after_save: bool,
    pub color: bool,
    pub seed: u64,
    pub save_dir: PathBuf,
    pub lessons: Vec<crate::lesson::Lesson>,
    pub lesson: Option<crate::lesson::runner::Run>,
    pub progress: crate::lesson::progress::Progress,
    /// Where progress is saved; None keeps it in memory (tests).
    pub progress_path: Option<PathBuf>,
    /// Presenter mode (`--present`): big losses, less chrome, a high-contrast theme.
    pub present: bool,
    /// Presenter mode's blank screen (`b`).
    pub blank: bool,
    /// The demo being played (`bert-tutor demo`), if any.
    pub demo: Option<demo::Player>,
    /// Where `e` writes its files.
    pub export_dir: PathBuf,
    /// The size of the last frame drawn, which `e` exports at.
    pub screen: ratatui::layout::Size,
    rng: StdRng,
    commands: Option<Sender<Command>>,
}

impl App {
    /// The app on a pair; `commands` is the trainer's channel (None: no trainer, as in tests).
    pub fn new(
        tok: BertTokenizer,
        corpus: Arc<Corpus>,
        cfg: BertConfig,
        params: Arc<Params>,
        pair: Pair,
        seed: u64,
        commands: Option<Sender<Command>>,
    ) -> Self {
        let masker = Masker::for_tokenizer(&tok);
        let heads = Heads::default();
        let view = PairView::compute(&params, &cfg, &pair, tok.special.pad, heads.weights(), 0);
        let mut training = Training::default();
        training.heads = heads;
        training.peak_lr = TUI_SCHEDULE.peak;
        Self {
            tok,
            corpus,
            cfg,
            masker,
            params,
            pair,
            view,
            stage: Stage::Pieces,
            cursor: 1,
            focus: Focus::Tokens,
            scroll: 0,
            scroll_room: std::cell::Cell::new(usize::MAX),
            head: 0,
            grid: false,
            help: false,
            menu: None,
            editing: None,
            training,
            message: None,
            quit: false,
            confirm_quit: false,
            quit_after_save: false,
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            seed,
            save_dir: PathBuf::from("checkpoint"),
            lessons: Vec::new(),
            lesson: None,
            progress: Default::default(),
            progress_path: None,
            present: false,
            blank: false,
            demo: None,
            export_dir: PathBuf::from("bert-tutor-export"),
            screen: ratatui::layout::Size::new(120, 40),
            rng: StdRng::seed_from_u64(seed ^ 0x5eed),
            commands,
        }
    }

    /// Connects the trainer thread's command channel.
    /// A demo waiting for the trainer starts its first step.
    pub fn set_commands(&mut self, tx: Sender<Command>) {
        self.commands = Some(tx);
        self.begin_demo();
    }

    fn send(&mut self, c: Command) {
        if self.training.crashed || self.commands.as_ref().is_some_and(|tx| tx.send(c).is_err()) {
            self.error("the trainer thread has stopped; restart bert-tutor to train again");
        }
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), error: false });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), error: true });
    }

    /// What has the keys now, for [`crate::tui::action::from_key`].
    pub fn key_mode(&self) -> Mode {
        match (&self.editing, self.help, self.menu) {
            _ if self.confirm_quit => Mode::ConfirmQuit,
            _ if self.blank => Mode::Blanked,
            (Some(_), _, _) => Mode::Editing,
            (None, true, _) => Mode::Help,
            (None, false, Some(_)) => Mode::LessonsMenu,
            (None, false, None) => Mode::Screen { present: self.present, demo: self.demo.is_some() },
        }
    }

    /// Carries out one action.
    pub fn update(&mut self, action: Action) {
        if !matches!(action, Action::EditKey(_)) {
            self.message = None;
        }
        let n = self.pair.encoded.ids.len();
        match action {
            Action::Quit => self.ask_to_quit(),
            Action::QuitNow => self.quit = true,
            Action::SaveAndQuit => self.save_and_quit(),
            Action::StayOpen => self.stay_open(),
            Action::Escape => match &mut self.lesson {
                Some(run) if run.visible => run.visible = false,
                _ => self.info("Esc closes a text field, a menu, the help or the lesson pane; q quits"),
            },
            Action::ToggleHelp => self.help = !self.help,
            Action::NextStage => self.go_stage((self.stage.index() + 1) % Stage::ALL.len()),
            Action::PrevStage => self.go_stage((self.stage.index() + Stage::ALL.len() - 1) % Stage::ALL.len()),
            Action::GoStage(i) => self.go_stage(i.min(Stage::ALL.len() - 1)),
            Action::Up if self.focus == Focus::Detail => {
                self.scroll = self.scroll.min(self.scroll_room.get()).saturating_sub(1)
            }
            Action::Down if self.focus == Focus::Detail => {
                self.scroll = (self.scroll + 1).min(self.scroll_room.get())
            }
            Action::Up => self.cursor = (self.cursor + n - 1) % n,
            Action::Down => self.cursor = (self.cursor + 1) % n,
            Action::FocusNext => self.focus = if self.focus == Focus::Tokens { Focus::Detail } else { Focus::Tokens },
            Action::TogglePause if self.demo.as_ref().is_some_and(|p| p.settled()) => self.info(
                "this step has done its training: → goes on (free training would change the numbers the next steps show)",
            ),
            Action::TogglePause => {
                let c = if self.training.running { Command::Pause } else { Command::Resume };
                self.send(c);
            }
            Action::StepOnce if self.training.running => self.info("pause first (Space), then . steps once"),
            Action::StepOnce => self.send(Command::Step),
            Action::LrUp => self.send(Command::ScaleLr(2.0)),
            Action::LrDown => self.send(Command::ScaleLr(0.5)),
            Action::CycleWeights => {
                self.training.heads = self.training.heads.next();
                self.send(Command::SetWeights(self.training.heads.weights()));
                self.info(format!("training loss: {}", self.loss_label()));
                self.recompute();
            }
            Action::ResetWeights if self.training.crashed => {
                self.error("the trainer thread has stopped; restart bert-tutor to train again")
            }
            Action::ResetWeights => {
                self.seed = self.seed.wrapping_add(1);
                self.send(Command::Reset(self.seed));
                self.training.clear();
                self.training.awaiting_reset = self.commands.is_some();
                if let Some(run) = &mut self.lesson {
                    run.start_step = 0; // "train N steps" now counts from the fresh start
                }
                self.info(format!("weights reset to a fresh initialisation (seed {})", self.seed));
            }
            Action::Save => {
                let dir = self.save_dir.clone();
                self.send(Command::Save(dir));
            }
            Action::RerollMask => {
                let seed = self.pair.mask_seed.wrapping_add(1);
                self.pair.remask(&self.masker, seed);
                self.recompute();
                self.info(format!("new mask (seed {seed})"));
                self.lesson_saw(TaskKind::RerollMask);
            }
            Action::ToggleMask => match self.pair.toggle(self.cursor, &self.masker) {
                Ok(()) => {
                    self.recompute();
                    self.lesson_saw(TaskKind::ToggleMask);
                }
                Err(e) => self.error(e),
            },
            Action::CycleStrategy => {
                self.masker.strategy = self.masker.strategy.next();
                let seed = self.pair.mask_seed;
                self.pair.remask(&self.masker, seed);
                self.recompute();
                self.info(format!("masking rule: {}", self.masker.strategy.label()));
                self.lesson_saw(TaskKind::CycleStrategy);
            }
            Action::SwapB => {
                if self.swap_b() {
                    self.lesson_saw(TaskKind::SwapB);
                }
            }
            Action::CycleTask => self.set_task(self.pair.task.next()),
            Action::NewPair { is_next } => {
                let (a, b, label) = self.corpus.pair_text_for(self.pair.task, is_next, &mut self.rng);
                if self.replace_pair(&a, &b, label) {
                    self.lesson_saw(TaskKind::NewPair);
                }
            }
            Action::LessonNext => self.lesson_next(),
            Action::LessonPrev => self.lesson_prev(),
            Action::LessonAnswer => self.lesson_answer(),
            Action::OpenLessonsMenu => self.open_lessons_menu(),
            Action::MenuUp => self.menu_move(-1),
            Action::MenuDown => self.menu_move(1),
            Action::MenuOpen => self.menu_open(),
            Action::MenuPick(n) => self.menu_pick(n),
            Action::MenuClose => self.menu = None,
            Action::PrevHead | Action::NextHead if self.stage != Stage::Attention => {
                self.info("< and > choose the attention head on stage 9 (press 9)")
            }
            Action::PrevHead | Action::NextHead => {
                let n = self.cfg.num_hidden_layers * self.cfg.num_attention_heads;
                let d = if action == Action::NextHead { 1 } else { n - 1 };
                self.head = (self.head + d) % n;
                self.lesson_saw(TaskKind::ChangeHead);
            }
            Action::ToggleGrid if self.stage != Stage::Attention => {
                self.info("g shows every attention head on stage 9 (press 9)")
            }
            Action::ToggleGrid => {
                self.grid = !self.grid;
                if self.grid {
                    self.lesson_saw(TaskKind::AttentionGrid);
                }
            }
            Action::EditA | Action::EditB => {
                let side = if action == Action::EditA { Side::A } else { Side::B };
                let text = if side == Side::A { self.pair.a.clone() } else { self.pair.b.clone() };
                self.editing = Some(Editing { side, input: Input::new(text) });
            }
            Action::EditKey(key) => {
                if let Some(e) = &mut self.editing
                    && let Some(req) = to_input_request(&ratatui::crossterm::event::Event::Key(key))
                {
                    e.input.handle(req);
                }
            }
            Action::EditCancel => self.editing = None,
            Action::EditSubmit => self.submit_edit(),
            Action::Export => self.export_screen(),
            Action::Blank => self.blank = !self.blank,
            Action::DemoNext => self.demo_next(),
            Action::DemoPrev => self.demo_prev(),
            Action::ToggleNotes => self.toggle_notes(),
            Action::Refused(why) => self.error(why),
        }
    }

    /// Shows stage `i`; a look-inside stage (9–11) computes its view on arrival, as it is
    /// not kept up to date while another stage is shown.
    fn go_stage(&mut self, i: usize) {
        if self.stage != Stage::ALL[i] {
            // A stage opens at its top: scrolled stage 2 must not leave stage 9 scrolled.
            self.scroll = 0;
            self.scroll_room.set(usize::MAX);
        }
        self.stage = Stage::ALL[i];
        if !self.view.inside.is_for(self.stage) {
            self.recompute();
        }
    }

    /// A report from the trainer thread.
    pub fn on_train(&mut self, e: TrainEvent) {
        // Going back in a demo: what the abandoned training still reports is dropped.
        if self.demo_drops_reports() {
            match e {
                TrainEvent::Failed(_) | TrainEvent::Crashed(_) | TrainEvent::Restored(_) => {}
                _ => return,
            }
        }
        // After a reset, reports still in flight from the old weights are dropped until
        // the trainer's step-0 snapshot of the new ones arrives.
        if self.training.awaiting_reset {
            match &e {
                TrainEvent::Snapshot { step: 0, .. } => self.training.awaiting_reset = false,
                TrainEvent::Step(_) | TrainEvent::Eval { .. } | TrainEvent::Snapshot { .. } => return,
                _ => {}
            }
        }
        match e {
            TrainEvent::Step(s) => self.training.on_step(s),
            TrainEvent::Eval { step, stats } => self.training.on_eval(step, self.pair.task, stats),
            TrainEvent::Snapshot { step, params } => {
                self.params = params;
                self.training.step = step;
                self.recompute();
            }
            TrainEvent::Status { running, peak_lr } => {
                self.training.running = running;
                self.training.peak_lr = peak_lr;
            }
            TrainEvent::Saved { step, dir } => self.saved(step, &dir),
            TrainEvent::Failed(why) => {
                self.training.running = false;
                self.quit_after_save = false; // a failed save must not quit
                self.error(why);
            }
            TrainEvent::Marked(mark) => self.demo_marked(mark),
            TrainEvent::Restored(mark) => self.demo_restored(mark),
            TrainEvent::Crashed(why) => {
                self.training.running = false;
                self.training.crashed = true;
                self.commands = None;
                self.error(format!(
                    "the trainer thread crashed ({why}); the stages show its last weights: restart bert-tutor to train again"
                ));
            }
        }
    }
}
