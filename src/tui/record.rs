//! `--record FILE.cast`: the session as an asciicast v2 file (asciinema's format), so a demo
//! can be shared and replayed with asciinema's own player (`asciinema play FILE.cast`).
//!
//! The screen's output goes through [`Recorder`], which passes every byte to the terminal
//! and, at each flush (once per drawn frame), appends what was written since as one
//! `[seconds, "o", text]` event. The format: <https://docs.asciinema.org/manual/asciicast/v2/>.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

/// A writer that is the terminal and a recording of it.
pub struct Recorder<W: Write> {
    out: W,
    cast: BufWriter<File>,
    start: Instant,
    /// Bytes written since the last flush: a frame's escape sequences and text.
    pending: Vec<u8>,
}

impl<W: Write> Recorder<W> {
    /// Creates `path` and writes the header for a `width`×`height` terminal.
    pub fn create(out: W, path: &Path, width: u16, height: u16) -> io::Result<Self> {
        let file = File::create(path)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot create the recording {}: {e}", path.display())))?;
        let mut cast = BufWriter::new(file);
        writeln!(cast, "{}", header(width, height))?;
        Ok(Self { out, cast, start: Instant::now(), pending: Vec::new() })
    }
}

/// The first line of an asciicast v2 file.
pub fn header(width: u16, height: u16) -> String {
    let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    serde_json::json!({
        "version": 2,
        "width": width,
        "height": height,
        "timestamp": timestamp,
        "title": "bert-tutor",
        "env": { "TERM": std::env::var("TERM").unwrap_or_else(|_| "xterm-256color".into()) },
    })
    .to_string()
}

/// One output event line: `[seconds, "o", text]`.
pub fn event(seconds: f64, text: &str) -> String {
    serde_json::json!([(seconds * 1e6).round() / 1e6, "o", text]).to_string()
}

impl<W: Write> Write for Recorder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.pending.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()?;
        // A frame ends on a whole character; should one ever be split, its bytes wait
        // for the next flush instead of being mangled.
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) => e.valid_up_to(),
        };
        if whole > 0 {
            let text = String::from_utf8_lossy(&self.pending[..whole]).into_owned();
            writeln!(self.cast, "{}", event(self.start.elapsed().as_secs_f64(), &text))?;
            self.cast.flush()?;
            self.pending.drain(..whole);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recording_is_a_header_then_one_event_per_flush() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.cast");
        let mut screen = Vec::new();
        {
            let mut r = Recorder::create(&mut screen, &path, 80, 24).unwrap();
            r.write_all("\x1b[1;1Hé".as_bytes()).unwrap();
            r.flush().unwrap();
            r.write_all(&"█".as_bytes()[..2]).unwrap(); // half a character
            r.flush().unwrap();
            r.write_all(&"█".as_bytes()[2..]).unwrap();
            r.flush().unwrap();
        }
        assert_eq!(screen, "\x1b[1;1Hé█".as_bytes(), "the terminal gets every byte");
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["version"], 2);
        assert_eq!((lines[0]["width"].as_u64(), lines[0]["height"].as_u64()), (Some(80), Some(24)));
        let events: Vec<&str> = lines[1..].iter().map(|e| e[2].as_str().unwrap()).collect();
        assert_eq!(events, ["\x1b[1;1Hé", "█"], "a split character waits for the next flush");
        assert!(lines[1..].iter().all(|e| e[1] == "o" && e[0].as_f64().unwrap() >= 0.0));
    }
}
