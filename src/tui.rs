//! Running the TUI: terminal set-up and restore, the trainer thread, and the loop that
//! drains the one event channel and redraws at a steady frame rate.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Result;
use ratatui::crossterm::event::Event as TermEvent;

use crate::action;
use crate::app::App;
use crate::event::{self, Event};
use crate::worker::{self, Command};

/// Time between frames: 20 frames a second, however fast training runs.
const FRAME: Duration = Duration::from_millis(50);

/// Runs until the user quits. `ratatui::init` installs a panic hook that restores the
/// terminal, and `restore` runs on every other way out.
pub fn run(mut app: App, trainer: crate::train::Trainer, running: bool) -> Result<()> {
    let (tx, rx) = mpsc::channel::<Event>();
    let (cmd_tx, cmd_rx) = mpsc::channel::<Command>();
    let stop = Arc::new(AtomicBool::new(false));
    let worker = worker::spawn(trainer, app.tok.clone(), cmd_rx, tx.clone(), running);
    let input = event::spawn_input(tx, stop.clone());
    app.set_commands(cmd_tx.clone());
    let mut terminal = ratatui::init();
    let result = (|| -> Result<()> {
        let mut next_frame = Instant::now();
        while !app.quit {
            if Instant::now() >= next_frame {
                terminal.draw(|f| f.render_widget(&app, f.area()))?;
                next_frame = Instant::now() + FRAME;
            }
            let wait = next_frame.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(e) => handle(&mut app, e),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            while let Ok(e) = rx.try_recv() {
                handle(&mut app, e);
            }
        }
        Ok(())
    })();
    ratatui::restore();
    stop.store(true, Ordering::Relaxed);
    cmd_tx.send(Command::Stop).ok();
    drop(rx);
    worker.join().ok();
    input.join().ok();
    result
}

fn handle(app: &mut App, e: Event) {
    match e {
        Event::Term(TermEvent::Key(key)) => {
            if let Some(a) = action::from_key(key, app.editing.is_some(), app.help) {
                app.update(a);
            }
        }
        Event::Term(_) => {} // a resize: the next frame lays out to the new size
        Event::Train(t) => app.on_train(t),
    }
}
