//! Saved progress: which steps of which lessons are done, the answers given, and where
//! the learner stopped. One small JSON file in the XDG state directory
//! (`$XDG_STATE_HOME/bert-tutor/progress.json`, `BERT_TUTOR_STATE_DIR` overrides it),
//! rewritten whole each time: written to a temporary file beside it, synced, then renamed
//! over the old one. A damaged file is moved aside, never overwritten; progress recorded
//! against an older version of a lesson is reset for that lesson only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::Lesson;

/// What [`Progress::load_or_recover`] found: the progress, where to save it (None: nowhere),
/// and a note for the learner when something was wrong.
#[derive(Debug)]
pub struct Recovered {
    pub progress: Progress,
    pub path: Option<PathBuf>,
    pub note: Option<String>,
}

/// The progress file's format version; a file with a higher one is from a newer bert-tutor.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The file format ([`FORMAT_VERSION`]).
    pub version: u32,
    /// Where the learner was: (lesson id, step id).
    pub current: Option<(String, String)>,
    pub lessons: BTreeMap<String, LessonProgress>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// The lesson's `version` when this was recorded (0: recorded before versions were kept,
    /// taken to be version 1).
    #[serde(default)]
    pub version: u32,
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
            Ok(text) => Self::parse(&text).with_context(|| {
                format!(
                    "progress file {} is damaged: remove it or run `bert-tutor lesson --reset-progress`",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read progress file {}", path.display())),
        }
    }

    fn parse(text: &str) -> Result<Self> {
        let p: Self = serde_json::from_str(text)?;
        if p.version > FORMAT_VERSION {
            anyhow::bail!("it has format version {}, newer than this bert-tutor reads ({FORMAT_VERSION})", p.version);
        }
        Ok(p)
    }

    /// Reads progress for the TUI, which must start whatever the file holds. A damaged file
    /// is renamed to `progress.json.bad-<unix seconds>` and progress starts fresh; the note
    /// says so. If the file can be neither read nor moved aside, progress is kept in memory
    /// only (`Recovered::path` is None) so that the file is never overwritten.
    pub fn load_or_recover(path: &Path) -> Recovered {
        let err = match Self::load(path) {
            Ok(progress) => return Recovered { progress, path: Some(path.to_path_buf()), note: None },
            Err(e) => e,
        };
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let aside = PathBuf::from(format!("{}.bad-{secs}", path.display()));
        let first = format!("{err:#}").split(": ").last().unwrap_or_default().to_string();
        match std::fs::rename(path, &aside) {
            Ok(()) => Recovered {
                progress: Self::default(),
                path: Some(path.to_path_buf()),
                note: Some(format!(
                    "lesson progress could not be read ({first}); it was moved to {} and progress starts fresh",
                    aside.display()
                )),
            },
            Err(_) => Recovered {
                progress: Self::default(),
                path: None,
                note: Some(format!(
                    "cannot read lesson progress {} ({first}); this session's progress will not be saved",
                    path.display()
                )),
            },
        }
    }

    /// Writes the whole file: a temporary file in the same folder, synced, renamed over it.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let cannot = || format!("cannot save lesson progress to {}", path.display());
        std::fs::create_dir_all(dir).with_context(cannot)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(cannot)?;
        let json = serde_json::to_string_pretty(&Self { version: FORMAT_VERSION, ..self.clone() })?;
        std::io::Write::write_all(&mut tmp, json.as_bytes()).with_context(cannot)?;
        tmp.as_file().sync_all().with_context(cannot)?;
        tmp.persist(path).map_err(|e| anyhow::anyhow!("{}: {}", cannot(), e.error))?;
        Ok(())
    }

    /// The progress of `lesson`, recorded against its current version.
    pub fn lesson_mut(&mut self, lesson: &Lesson) -> &mut LessonProgress {
        let p = self.lessons.entry(lesson.id.clone()).or_default();
        p.version = lesson.version;
        p
    }

    /// Drops the progress of every lesson whose file changed version since it was recorded
    /// (its steps may have changed meaning), and returns their titles for a note.
    pub fn reset_changed(&mut self, lessons: &[Lesson]) -> Vec<String> {
        let mut reset = Vec::new();
        for l in lessons {
            let Some(p) = self.lessons.get(&l.id) else { continue };
            if p.version.max(1) != l.version {
                self.lessons.remove(&l.id);
                if self.current.as_ref().is_some_and(|(id, _)| *id == l.id) {
                    self.current = Some((l.id.clone(), l.steps[0].id.clone()));
                }
                reset.push(l.title.clone());
            }
        }
        reset
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
