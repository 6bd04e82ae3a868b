//! A one-line progress bar on stderr for the long commands (`train`, `compare`): a bar,
//! steps done, a message and the time left, redrawn at most 10 times a second. It draws
//! only when stderr is a terminal; lines printed through it appear above it. The line is
//! cleared through crossterm, which sends `\x1b[2K` where the terminal takes escape codes and
//! calls the console API in a Windows console that does not (and turns VT mode on where it can).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use ratatui::crossterm::queue;
use ratatui::crossterm::terminal::{Clear, ClearType};

pub struct Progress {
    total: usize,
    done: usize,
    message: String,
    start: Instant,
    drawn: Option<Instant>,
    on: bool,
}

const WIDTH: usize = 40;
const REDRAW: Duration = Duration::from_millis(100);

impl Progress {
    /// A bar for `total` steps; silent unless stderr is a terminal.
    pub fn new(total: usize) -> Self {
        Self::with_terminal(total, std::io::stderr().is_terminal())
    }

    fn with_terminal(total: usize, on: bool) -> Self {
        Self { total, done: 0, message: String::new(), start: Instant::now(), drawn: None, on }
    }

    pub fn set(&mut self, done: usize, message: impl Into<String>) {
        self.done = done;
        self.message = message.into();
        if self.on && self.drawn.is_none_or(|t| t.elapsed() >= REDRAW) {
            self.draw();
        }
    }

    pub fn inc(&mut self, message: impl Into<String>) {
        self.set(self.done + 1, message);
    }

    /// Prints `line` on stdout, above the bar.
    pub fn println(&mut self, line: &str) {
        self.clear();
        println!("{line}");
        if self.on {
            self.draw();
        }
    }

    /// Removes the bar (at the end, or before an error message).
    pub fn clear(&mut self) {
        if self.on {
            redraw(&mut std::io::stderr(), "").ok();
        }
    }

    fn draw(&mut self) {
        self.drawn = Some(Instant::now());
        redraw(&mut std::io::stderr(), &self.render()).ok();
    }

    /// The bar's text: `████····  120/1700 steps  MLM 6.012  NSP 0.688  ETA 2m 10s`.
    fn render(&self) -> String {
        let fraction = if self.total == 0 { 1.0 } else { (self.done as f64 / self.total as f64).min(1.0) };
        let filled = (fraction * WIDTH as f64).round() as usize;
        let eta = match self.done {
            0 => "…".to_string(),
            d => {
                let left = self.start.elapsed().as_secs_f64() * (self.total.saturating_sub(d)) as f64 / d as f64;
                let s = left.round() as u64;
                if s >= 60 { format!("{}m {:02}s", s / 60, s % 60) } else { format!("{s}s") }
            }
        };
        format!(
            "{}{}  {}/{} steps  {}  ETA {eta}",
            "█".repeat(filled),
            "·".repeat(WIDTH - filled),
            self.done,
            self.total,
            self.message
        )
    }
}

/// Clears the line `out` is on and writes `text` there.
fn redraw(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    write!(out, "\r")?;
    queue!(out, Clear(ClearType::CurrentLine))?;
    write!(out, "{text}")?;
    out.flush()
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_steps_done() {
        let mut p = Progress::with_terminal(100, false);
        assert!(p.render().starts_with(&"·".repeat(WIDTH)));
        assert!(p.render().contains("0/100 steps") && p.render().ends_with("ETA …"));
        p.set(50, "MLM 6.012");
        let r = p.render();
        assert!(r.starts_with(&format!("{}{}", "█".repeat(20), "·".repeat(20))), "{r}");
        assert!(r.contains("50/100 steps  MLM 6.012  ETA "), "{r}");
        p.set(100, "");
        assert!(p.render().starts_with(&"█".repeat(WIDTH)));
    }

    #[test]
    fn a_redraw_returns_to_the_line_start_and_clears_it() {
        let mut out = Vec::new();
        redraw(&mut out, "bar").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\r\x1b[2Kbar");
    }
}
