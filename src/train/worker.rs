//! The trainer thread behind the TUI (the pattern of bottom's `create_collection_thread`):
//! it owns the model, takes [`Command`]s on one channel, and sends [`TrainEvent`]s (stats,
//! held-out accuracies, weight snapshots) back into the UI's single event channel. It ends
//! when told to stop or when the UI's receiver is gone.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::model::{LossWeights, Params, checkpoint};
use crate::platform;
use crate::text::corpus::SentenceTask;
use crate::text::tokenize::BertTokenizer;
use crate::train::{EvalStats, StepStats, Trainer, TrainerState};

/// What the UI asks of the trainer.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Pause,
    Resume,
    /// One step, while paused.
    Step,
    /// Multiply the peak learning rate.
    ScaleLr(f32),
    SetWeights(LossWeights),
    /// Train the `[CLS]` head on another sentence objective (new pairs, same weights).
    SetTask(SentenceTask),
    /// Fresh initial weights from this seed, step 0.
    Reset(u64),
    /// Set the peak learning rate.
    SetPeakLr(f32),
    /// Train exactly `steps` steps (Pause and Resume hold and continue them; `paused` waits
    /// for a Resume before the first), then pause, keep the state as `mark` and report
    /// [`TrainEvent::Marked`]. A demo step's training.
    Train {
        steps: usize,
        mark: usize,
        paused: bool,
    },
    /// Keep the state as `mark` now and report [`TrainEvent::Marked`].
    Mark(usize),
    /// Go back to the state kept as `mark` (dropping later marks and any training under
    /// way), pause, and report [`TrainEvent::Restored`] after its snapshot.
    Restore(usize),
    Save(PathBuf),
    /// Fault injection: makes the trainer thread panic, so tests and the soak script can
    /// check that the screen survives it.
    #[doc(hidden)]
    Crash,
    Stop,
}

/// What the trainer reports.
#[derive(Debug, Clone)]
pub enum TrainEvent {
    Step(StepStats),
    Eval {
        step: usize,
        stats: EvalStats,
    },
    /// The current weights, for the UI's own forward pass of the displayed pair.
    Snapshot {
        step: usize,
        params: Arc<Params>,
    },
    /// Running or paused, and the peak learning rate.
    Status {
        running: bool,
        peak_lr: f32,
    },
    Saved {
        step: usize,
        dir: PathBuf,
    },
    /// A save failed, or a step went non-finite (the weights are back at the last good
    /// step and training is paused): the message says which and what to do.
    Failed(String),
    /// The trainer thread panicked and is gone; the message is the panic's.
    Crashed(String),
    /// The state is kept as this mark: everything it trained has been reported.
    Marked(usize),
    /// Back at this mark; the snapshot before this report holds its weights.
    Restored(usize),
}

/// How often snapshots and held-out evaluations go out.
const SNAPSHOT_EVERY: Duration = Duration::from_millis(200);
pub const EVAL_EVERY_STEPS: usize = 250;
/// During a [`Command::Train`] snapshots go out every this many steps instead, so that the
/// steps the screen samples (this pair's loss curve) are the same on every run of a demo.
pub const TRAIN_SNAPSHOT_STEPS: usize = 2;

/// Starts the trainer thread; the handle joins it after `Command::Stop`. Its reports go out
/// on `events` as whatever the receiver's event type makes of a [`TrainEvent`], so the
/// screen can merge them into its one channel without the trainer knowing the screen.
pub fn spawn<E: From<TrainEvent> + Send + 'static>(
    mut trainer: Trainer,
    tok: BertTokenizer,
    commands: Receiver<Command>,
    events: Sender<E>,
    running: bool,
) -> JoinHandle<()> {
    let thread = std::thread::Builder::new().name(THREAD_NAME.into());
    let report = events.clone();
    let body = move || {
        yield_to_the_screen();
        let mut w = Worker { running, last_snapshot: Instant::now() - SNAPSHOT_EVERY, budget: None, marks: Vec::new() };
        let send = |e: TrainEvent| events.send(E::from(e)).is_ok();
        if !send(TrainEvent::Status { running, peak_lr: trainer.tcfg.schedule.peak }) {
            return;
        }
        send(TrainEvent::Eval { step: trainer.step, stats: trainer.evaluate() });
        loop {
            let cmd = if w.running {
                match commands.try_recv() {
                    Ok(c) => Some(c),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return,
                }
            } else {
                match commands.recv() {
                    Ok(c) => Some(c),
                    Err(_) => return,
                }
            };
            let step_once = match cmd {
                Some(Command::Stop) => return,
                Some(c) => w.apply(c, &mut trainer, &tok, &send),
                None => true,
            };
            if step_once && !w.step(&mut trainer, &send) {
                return;
            }
        }
    };
    thread
        .spawn(move || {
            if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
                let why = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                report.send(E::from(TrainEvent::Crashed(why))).ok();
            }
        })
        .expect("the OS can start one more thread")
}

/// The trainer gives way to the screen ([`platform::lower_this_thread`]), and so do the step
/// threads it starts. Training keeps both cores when the screen is idle, but a frame or a key
/// no longer waits for a time slice: on Linux, `bench --ui` measured a frame p99 of 4.9-5.6 ms
/// at nice 0, where drawing any stage alone takes at most 1.2 ms.
fn yield_to_the_screen() {
    platform::lower_this_thread();
}

/// The trainer thread's name: the TUI's panic hook tells its panics from the screen's by it.
pub const THREAD_NAME: &str = "trainer";

struct Worker {
    running: bool,
    last_snapshot: Instant,
    /// A [`Command::Train`] under way: (steps left, its mark).
    budget: Option<(usize, usize)>,
    /// States kept by [`Command::Mark`] and [`Command::Train`], by mark.
    marks: Vec<(usize, TrainerState)>,
}

impl Worker {
    /// Carries out a command; returns whether a training step should follow it.
    fn apply(
        &mut self,
        cmd: Command,
        t: &mut Trainer,
        tok: &BertTokenizer,
        send: &impl Fn(TrainEvent) -> bool,
    ) -> bool {
        match cmd {
            Command::Pause | Command::Resume => {
                self.running = cmd == Command::Resume;
                send(TrainEvent::Status { running: self.running, peak_lr: t.tcfg.schedule.peak });
                // On pause, the final weights go out at once, so that every number on the
                // screen belongs to the step the header shows.
                if !self.running {
                    self.snapshot(t, send);
                }
                self.running
            }
            Command::Step => true,
            Command::ScaleLr(f) => {
                t.tcfg.schedule.peak = (t.tcfg.schedule.peak * f).clamp(1e-6, 1.0);
                send(TrainEvent::Status { running: self.running, peak_lr: t.tcfg.schedule.peak });
                self.running
            }
            Command::SetWeights(w) => {
                t.tcfg.weights = w;
                self.running
            }
            Command::SetTask(task) => {
                t.set_task(task);
                send(TrainEvent::Eval { step: t.step, stats: t.evaluate() });
                self.running
            }
            Command::Reset(seed) => {
                t.reset(Params::init(&t.cfg, &mut StdRng::seed_from_u64(seed)));
                self.snapshot(t, send);
                send(TrainEvent::Eval { step: 0, stats: t.evaluate() });
                self.running
            }
            Command::Save(dir) => {
                match checkpoint::save(&dir, &t.cfg, &t.params, Some(tok)) {
                    Ok(()) => send(TrainEvent::Saved { step: t.step, dir }),
                    Err(e) => send(TrainEvent::Failed(format!("could not save: {e:#}"))),
                };
                self.running
            }
            Command::SetPeakLr(lr) => {
                t.tcfg.schedule.peak = lr.clamp(1e-6, 1.0);
                send(TrainEvent::Status { running: self.running, peak_lr: t.tcfg.schedule.peak });
                self.running
            }
            Command::Train { steps: 0, mark, .. } => {
                self.keep(t, mark, send);
                self.running
            }
            Command::Train { steps, mark, paused } => {
                self.budget = Some((steps, mark));
                self.running = !paused;
                send(TrainEvent::Status { running: self.running, peak_lr: t.tcfg.schedule.peak });
                self.running
            }
            Command::Mark(mark) => {
                self.keep(t, mark, send);
                self.running
            }
            Command::Restore(mark) => {
                if let Some(i) = self.marks.iter().position(|(m, _)| *m == mark) {
                    t.set_state(&self.marks[i].1);
                    self.marks.truncate(i + 1);
                }
                self.budget = None;
                self.running = false;
                send(TrainEvent::Status { running: false, peak_lr: t.tcfg.schedule.peak });
                self.snapshot(t, send);
                send(TrainEvent::Restored(mark));
                false
            }
            Command::Crash => panic!("fault injected by Command::Crash"),
            Command::Stop => false,
        }
    }

    /// One training step and whatever reports are due; false when the UI is gone.
    fn step(&mut self, t: &mut Trainer, send: &impl Fn(TrainEvent) -> bool) -> bool {
        match t.train_step() {
            Ok(stats) => {
                if !send(TrainEvent::Step(stats)) {
                    return false;
                }
            }
            Err(e) => {
                // `train_step` has put the last good weights back: show them, and pause.
                self.running = false;
                let why = format!(
                    "{e:#} (peak lr {:.1e}); weights restored to step {} and training paused: press - to lower the learning rate and Space to resume, or R for fresh weights",
                    t.tcfg.schedule.peak, t.step
                );
                return send(TrainEvent::Failed(why))
                    && send(TrainEvent::Status { running: false, peak_lr: t.tcfg.schedule.peak })
                    && self.snapshot(t, send);
            }
        }
        if t.step.is_multiple_of(EVAL_EVERY_STEPS) {
            send(TrainEvent::Eval { step: t.step, stats: t.evaluate() });
        }
        if let Some((left, mark)) = self.budget {
            if left > 1 {
                self.budget = Some((left - 1, mark));
            } else {
                self.budget = None;
                self.running = false;
                // A demo's step ends with a held-out evaluation of its own, so that its
                // curves and loss CSV have a row per step, not only one per 250 steps.
                if !t.step.is_multiple_of(EVAL_EVERY_STEPS) {
                    send(TrainEvent::Eval { step: t.step, stats: t.evaluate() });
                }
                return send(TrainEvent::Status { running: false, peak_lr: t.tcfg.schedule.peak })
                    && self.snapshot(t, send)
                    && self.keep(t, mark, send);
            }
        }
        let due = match self.budget {
            Some(_) => t.step.is_multiple_of(TRAIN_SNAPSHOT_STEPS),
            None => self.last_snapshot.elapsed() >= SNAPSHOT_EVERY,
        };
        if !self.running || due {
            return self.snapshot(t, send);
        }
        true
    }

    /// Keeps the state as `mark`, replacing an older one of that mark, and says so.
    fn keep(&mut self, t: &mut Trainer, mark: usize, send: &impl Fn(TrainEvent) -> bool) -> bool {
        self.marks.retain(|(m, _)| *m != mark);
        self.marks.push((mark, t.state()));
        send(TrainEvent::Marked(mark))
    }

    fn snapshot(&mut self, t: &Trainer, send: &impl Fn(TrainEvent) -> bool) -> bool {
        self.last_snapshot = Instant::now();
        send(TrainEvent::Snapshot { step: t.step, params: Arc::new(t.params.clone()) })
    }
}
