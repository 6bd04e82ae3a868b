//! `bert-tutor bench --ui`: what the TUI costs training, and how fast it answers.
//! Trains the default model headless for a while, then again with the real event loop
//! drawing the 120×40 screen (into ratatui's off-screen `TestBackend`, so no terminal
//! I/O is timed) while a key arrives every 250 ms. Both halves include the held-out
//! evaluations the trainer thread runs (at the start and every 250 steps).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use crate::cmd::cli::Inputs;
use crate::train::worker::{self, Command};
use crate::tui::event::Event;
use crate::tui::{LoopStats, event_loop};

pub fn run(seconds: f64, stage: Option<u16>, as_json: bool) -> Result<()> {
    let inputs = Inputs::default();
    let span = Duration::from_secs_f64(seconds.max(1.0));

    let app = super::tui::build(&inputs)?;
    let mut trainer = app.trainer(0)?;
    // The same work the trainer thread does beside its steps: a held-out evaluation at the
    // start and every EVAL_EVERY_STEPS steps, so the two halves differ only by the TUI.
    let start = Instant::now();
    trainer.evaluate();
    while start.elapsed() < span {
        trainer.train_step()?;
        if trainer.step.is_multiple_of(worker::EVAL_EVERY_STEPS) {
            trainer.evaluate();
        }
    }
    let headless = trainer.step as f64 / start.elapsed().as_secs_f64();

    let mut app = super::tui::build(&inputs)?;
    let trainer = app.trainer(0)?;
    let (tx, rx) = mpsc::channel::<Event>();
    let (cmd_tx, cmd_rx) = mpsc::channel::<Command>();
    if let Some(s) = stage {
        app.update(crate::tui::action::Action::GoStage(usize::from(s) - 1));
    }
    // Keys step through the stages, or with --stage move its cursor (the query, the piece).
    let code = if stage.is_some() { KeyCode::Down } else { KeyCode::Right };
    let worker = worker::spawn(trainer, app.tok.clone(), cmd_rx, tx.clone(), true);
    app.set_commands(cmd_tx.clone());
    let sent: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let deadline = Instant::now() + span;
    let keys = {
        let sent = sent.clone();
        std::thread::spawn(move || {
            while Instant::now() + Duration::from_millis(300) < deadline {
                std::thread::sleep(Duration::from_millis(250));
                sent.lock().expect("not poisoned").push(Instant::now());
                let key = KeyEvent::new(code, KeyModifiers::NONE);
                if tx.send(Event::Term(TermEvent::Key(key))).is_err() {
                    return;
                }
            }
        })
    };
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut stats = LoopStats::default();
    let ui_start = Instant::now();
    event_loop(&mut terminal, &mut app, &rx, Some(deadline), Some(&mut stats))?;
    let with_ui = app.training.step as f64 / ui_start.elapsed().as_secs_f64();
    cmd_tx.send(Command::Stop).ok();
    keys.join().ok();
    worker.join().ok();

    let sent = sent.lock().expect("not poisoned");
    let latency: Vec<Duration> =
        sent.iter().zip(&stats.key_redraws).map(|(s, d)| d.saturating_duration_since(*s)).collect();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (d50, d99) = (ms(percentile(&stats.draws, 0.50)), ms(percentile(&stats.draws, 0.99)));
    let (k50, k99) = (ms(percentile(&latency, 0.50)), ms(percentile(&latency, 0.99)));
    let (s50, s99) = (ms(percentile(&stats.snapshots, 0.50)), ms(percentile(&stats.snapshots, 0.99)));
    let open = match stage {
        Some(s) => format!("stage {s} open"),
        None => "stepping through the stages".to_string(),
    };
    let ratio = with_ui / headless;
    if as_json {
        let out = json!({
            "headless_steps_per_sec": headless, "tui_steps_per_sec": with_ui, "tui_over_headless": ratio,
            "frames": stats.draws.len(), "draw_ms_p50": d50, "draw_ms_p99": d99,
            "keys": latency.len(), "key_to_screen_ms_p50": k50, "key_to_screen_ms_p99": k99,
            "stage": stage, "snapshots": stats.snapshots.len(), "snapshot_ms_p50": s50, "snapshot_ms_p99": s99,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "training headless: {headless:.1} steps/s; with the TUI ({open}): {with_ui:.1} steps/s ({:.0}%)",
            100.0 * ratio
        );
        println!("frame draw at 120×40 over {} frames: p50 {d50:.2} ms, p99 {d99:.2} ms", stats.draws.len());
        println!("key to screen over {} keys: p50 {k50:.2} ms, p99 {k99:.2} ms", latency.len());
        println!("taking in a snapshot over {}: p50 {s50:.2} ms, p99 {s99:.2} ms", stats.snapshots.len());
    }
    Ok(())
}

/// The q-quantile of some durations (0 for none).
fn percentile(xs: &[Duration], q: f64) -> Duration {
    let mut v = xs.to_vec();
    v.sort_unstable();
    v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or_default()
}
