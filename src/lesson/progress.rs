//! Saved progress: which steps of which lessons are done, the answers given, and where
//! the learner stopped. One small JSON file in the XDG state directory
//! (`$XDG_STATE_HOME/bert-tutor/progress.json`, `BERT_TUTOR_STATE_DIR` overrides it),
//! rewritten whole each time: written to a temporary file, then renamed over the old one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::Lesson;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub version: u32,
    /// Where the learner was: (lesson id, step id).
    pub current: Option<(String, String)>,
    pub lessons: BTreeMap<String, LessonProgress>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonProgress {
    pub completed: BTreeSet<String>,
    pub finished: bool,
    /// The answer given to each quiz, by step id.
    pub answers: BTreeMap<String, String>,
}

impl Progress {
    /// The progress file's path, or None when no home directory can be found.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("BERT_TUTOR_STATE_DIR") {
            return Some(PathBuf::from(dir).join("progress.json"));
        }
        let dirs = directories::ProjectDirs::from("", "", "bert-tutor")?;
        let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
        Some(dir.join("progress.json"))
    }

    /// Reads progress; a missing file is a fresh start.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| {
                format!(
                    "progress file {} is damaged: remove it or run `bert-tutor lesson --reset-progress`",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read progress file {}", path.display())),
        }
    }

    /// Writes the whole file atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(&Self { version: 1, ..self.clone() })?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    }

    pub fn lesson_mut(&mut self, id: &str) -> &mut LessonProgress {
        self.lessons.entry(id.to_string()).or_default()
    }

    /// "3/9 lessons, 41/97 steps", counting only steps that still exist.
    pub fn summary(&self, lessons: &[Lesson]) -> String {
        let total_steps: usize = lessons.iter().map(|l| l.steps.len()).sum();
        let (mut done_lessons, mut done_steps) = (0, 0);
        for l in lessons {
            if let Some(p) = self.lessons.get(&l.id) {
                done_lessons += usize::from(p.finished);
                done_steps += l.steps.iter().filter(|s| p.completed.contains(&s.id)).count();
            }
        }
        format!("{done_lessons}/{} lessons, {done_steps}/{total_steps} steps", lessons.len())
    }
}
