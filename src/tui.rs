//! The screen: app state and the one place it changes (`app`), keys to actions (`action`),
//! the one event channel (`event`), one pure view per stage (`ui`), and below, the loop that
//! sets up and restores the terminal, runs the trainer thread and redraws at a steady rate.

pub mod action;
pub mod app;
pub mod event;
pub mod record;
pub mod ui;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use anyhow::Result;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::Event as TermEvent;

use crate::train::worker::{self, Command};
use app::App;
use event::Event;

/// Time between frames: 20 frames a second, however fast training runs.
const FRAME: Duration = Duration::from_millis(50);

/// What the loop measured: each draw's duration, when each key's redraw finished, and how
/// long each snapshot from the trainer took to take in (the pair's forward pass, and the
/// look-inside numbers while stages 9–11 are shown).
#[derive(Debug, Default)]
pub struct LoopStats {
    pub draws: Vec<Duration>,
    pub key_redraws: Vec<Instant>,
    pub snapshots: Vec<Duration>,
}

/// Runs until the user quits or a termination signal arrives. `ratatui::try_init` installs
/// a panic hook that restores the terminal; a panic of the trainer thread is left to the
/// worker, which reports it on screen, so the hook skips it. `restore` runs on every other
/// way out, and lesson progress is saved once more on the way. With `record`, the screen is
/// also written to that file as an asciicast (see [`record`]).
pub fn run(mut app: App, trainer: crate::train::Trainer, running: bool, record: Option<&Path>) -> Result<()> {
    let (tx, rx) = mpsc::channel::<Event>();
    let (cmd_tx, cmd_rx) = mpsc::channel::<Command>();
    let stop = Arc::new(AtomicBool::new(false));
    // The recording file first: a path that cannot be written stops here, before the screen.
    let recorder = match record {
        Some(path) => {
            let (w, h) = ratatui::crossterm::terminal::size().unwrap_or((120, 40));
            Some(record::Recorder::create(std::io::stdout(), path, w, h)?)
        }
        None => None,
    };
    let mut terminal = ratatui::try_init().map_err(|e| anyhow::anyhow!("cannot start the terminal screen: {e}"))?;
    let screen_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some(worker::THREAD_NAME) {
            screen_hook(info);
        }
    }));
    let signal_tx = tx.clone();
    // Only one handler per process; if one is already set, Ctrl-C still arrives as a key.
    ctrlc::set_handler(move || {
        signal_tx.send(Event::Signal).ok();
    })
    .ok();
    let worker = worker::spawn(trainer, app.tok.clone(), cmd_rx, tx.clone(), running);
    let input = event::spawn_input(tx, stop.clone());
    app.set_commands(cmd_tx.clone());
    let result = match recorder {
        Some(r) => match Terminal::new(ratatui::backend::CrosstermBackend::new(r)) {
            Ok(mut recorded) => event_loop(&mut recorded, &mut app, &rx, None, None),
            Err(e) => Err(anyhow::anyhow!("cannot start the recording: {e}")),
        },
        None => event_loop(&mut terminal, &mut app, &rx, None, None),
    };
    app.save_progress();
    ratatui::restore();
    stop.store(true, Ordering::Relaxed);
    cmd_tx.send(Command::Stop).ok();
    drop(rx);
    worker.join().ok();
    input.join().ok();
    result
}

/// Drains the event channel and redraws: every [`FRAME`], and at once after a key so a
/// keystroke reaches the screen without waiting for the next frame. Stops when the app
/// quits, the channel closes, or `deadline` passes. `stats`, when given, records every
/// draw (the benchmark's use; a normal session keeps none, so nothing grows with time).
pub fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    rx: &Receiver<Event>,
    deadline: Option<Instant>,
    mut stats: Option<&mut LoopStats>,
) -> Result<()> {
    let mut next_frame = Instant::now();
    let mut key_pending = false;
    while !app.quit && deadline.is_none_or(|d| Instant::now() < d) {
        if key_pending || Instant::now() >= next_frame {
            let start = Instant::now();
            let frame = |f: &mut ratatui::Frame| {
                app.screen = f.area().as_size(); // what `e` exports at
                f.render_widget(&*app, f.area());
            };
            terminal.draw(frame).map_err(|e| anyhow::anyhow!("cannot draw: {e}"))?;
            let end = Instant::now();
            if let Some(stats) = stats.as_deref_mut() {
                stats.draws.push(end - start);
                if key_pending {
                    stats.key_redraws.push(end);
                }
            }
            key_pending = false;
            next_frame = end + FRAME;
        }
        let wait = next_frame.saturating_duration_since(Instant::now());
        match rx.recv_timeout(wait) {
            Ok(e) => key_pending |= timed(app, e, stats.as_deref_mut()),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        while let Ok(e) = rx.try_recv() {
            key_pending |= timed(app, e, stats.as_deref_mut());
        }
    }
    Ok(())
}

/// [`handle`], recording how long a snapshot took.
fn timed(app: &mut App, e: Event, stats: Option<&mut LoopStats>) -> bool {
    let snapshot = matches!(e, Event::Train(worker::TrainEvent::Snapshot { .. }));
    let start = Instant::now();
    let key = handle(app, e);
    if let Some(stats) = stats.filter(|_| snapshot) {
        stats.snapshots.push(start.elapsed());
    }
    key
}

/// Applies one event; true if it was a key (which deserves an immediate redraw).
fn handle(app: &mut App, e: Event) -> bool {
    match e {
        Event::Term(TermEvent::Key(key)) => {
            if let Some(a) = action::from_key(key, app.key_mode()) {
                app.update(a);
            }
            true
        }
        Event::Term(_) => false, // a resize: the next frame lays out to the new size
        Event::Signal => {
            app.quit = true;
            false
        }
        Event::Train(t) => {
            app.on_train(t);
            false
        }
    }
}
