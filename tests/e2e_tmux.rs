//! The real binary in a real terminal: tmux runs `bert-tutor`, keys are sent, and the
//! screen is read back. Steps through the stages, edits sentence B, and quits; the exit
//! status must be 0 and the terminal back to the shell. Skipped (with a note) without tmux.

use std::process::Command;
use std::time::{Duration, Instant};

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        Command::new("tmux").args(["kill-session", "-t", &self.0]).output().ok();
    }
}

impl Session {
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.0];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.0]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until `text` is on the screen, or fails showing the screen.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "{text:?} never appeared; the screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn steps_through_the_stages_edits_the_pair_and_quits_cleanly() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux is not installed: skipping the end-to-end test (.ci/run installs it)");
        return;
    }
    let name = format!("bert-tutor-e2e-{}", std::process::id());
    let bin = env!("CARGO_BIN_EXE_bert-tutor");
    let shell = format!("{bin} --seed 3; echo EXIT=$?; sleep 60");
    let ok = Command::new("tmux")
        .args(["new-session", "-d", "-s", &name, "-x", "120", "-y", "40", &shell])
        .status()
        .unwrap();
    assert!(ok.success());
    let s = Session(name);

    let first = s.wait_for("1. Text to pieces");
    assert!(first.contains("play ##ing"), "{first}");
    for (key, title) in [("Right", "2. The input"), ("Right", "3. Embedding rows"), ("Right", "4. Mask selection")] {
        s.keys(&[key]);
        s.wait_for(title);
    }
    for (key, title) in [("5", "5. MLM head"), ("6", "6. NSP head"), ("7", "7. The sum"), ("8", "8. Training")] {
        s.keys(&[key]);
        s.wait_for(title);
    }
    s.wait_for("held-out");
    s.keys(&["?"]);
    s.wait_for("keys (any key closes)");
    s.keys(&["Escape"]);
    s.keys(&["2"]);
    s.wait_for("2. The input");

    s.keys(&["b"]);
    s.wait_for("edit B");
    for _ in 0..20 {
        s.keys(&["BSpace"]);
    }
    s.keys(&["-l", "she is sleeping"]);
    s.keys(&["Enter"]);
    let edited = s.wait_for("B: \"she is sleeping\"");
    assert!(edited.contains("she is  sleeping") || edited.contains("she is sleeping"), "{edited}");

    s.keys(&["q"]);
    let after = s.wait_for("EXIT=");
    assert!(after.contains("EXIT=0"), "bert-tutor did not exit cleanly:\n{after}");
    assert!(!after.contains("1 Text to pieces"), "the TUI is still on the screen after quitting:\n{after}");
}
