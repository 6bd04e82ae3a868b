//! The UI's one event channel: terminal input and trainer reports arrive on it, in order.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

use ratatui::crossterm::event as term;

use crate::train::worker::TrainEvent;

#[derive(Debug, Clone)]
pub enum Event {
    /// A key, a resize, a paste: whatever the terminal sent.
    Term(term::Event),
    Train(TrainEvent),
    /// SIGTERM, SIGHUP or SIGINT from outside the terminal: quit as `q` would.
    Signal,
}

impl From<TrainEvent> for Event {
    fn from(e: TrainEvent) -> Self {
        Event::Train(e)
    }
}

/// Reads terminal events into `tx` until `stop` is set or the receiver is gone.
pub fn spawn_input(tx: Sender<Event>, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match term::poll(Duration::from_millis(50)) {
                Ok(true) => match term::read() {
                    Ok(e) => {
                        if tx.send(Event::Term(e)).is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                },
                Ok(false) => {}
                Err(_) => return,
            }
        }
    })
}
