//! `bert-tutor lesson`: the list with progress, `lesson N` to open one in the TUI,
//! `--check` to validate the files, `--reset-progress` to start over.

use anyhow::{Result, bail};

use crate::cmd::cli::{Inputs, LessonArgs};
use crate::lesson::progress::Progress;
use crate::lesson::{self, Lesson};

/// `present`: open the lesson in presenter mode (`--present`).
pub fn run(inputs: &Inputs, args: &LessonArgs, present: bool, record: Option<&std::path::Path>) -> Result<()> {
    let lessons = match &args.dir {
        Some(dir) => lesson::load_dir(dir)?,
        None => lesson::load_bundled()?,
    };
    if args.check {
        let steps: usize = lessons.iter().map(|l| l.steps.len()).sum();
        let quizzes = lessons.iter().flat_map(|l| &l.steps).filter(|s| s.quiz.is_some()).count();
        println!("{} lessons, {steps} steps, {quizzes} quizzes: all valid", lessons.len());
        return Ok(());
    }
    let path = Progress::default_path();
    if args.reset_progress {
        if let Some(p) = &path {
            Progress::default().save(p)?;
            println!("lesson progress cleared ({})", p.display());
        }
        if args.lesson.is_none() {
            return Ok(());
        }
    }
    match &args.lesson {
        None => {
            print!("{}", listing(&lessons, &list_progress(path.as_deref(), &lessons)));
            Ok(())
        }
        Some(which) => {
            let index = find(&lessons, which)?;
            super::require_terminal()?;
            let mut app = super::tui::build(inputs)?;
            app.present = present;
            // The lessons first: saved progress is checked against their versions.
            app.lessons = lessons;
            super::tui::attach_progress(&mut app);
            app.open_lesson(index, app.resume_step(index));
            super::tui::launch(app, inputs.seed, record)
        }
    }
}

/// Saved progress as the TUI would find it: a damaged file is moved aside (a note on stderr
/// says where) and progress starts fresh; a lesson whose version changed counts as not begun.
fn list_progress(path: Option<&std::path::Path>, lessons: &[Lesson]) -> Progress {
    let Some(path) = path else { return Progress::default() };
    let mut found = Progress::load_or_recover(path);
    if let Some(note) = found.note {
        eprintln!("note: {note}");
    }
    found.progress.reset_changed(lessons);
    found.progress
}

/// A lesson by number (1-based) or id.
fn find(lessons: &[Lesson], which: &str) -> Result<usize> {
    if let Ok(n) = which.parse::<usize>() {
        if (1..=lessons.len()).contains(&n) {
            return Ok(n - 1);
        }
        bail!("there is no lesson {n}: choose 1 to {} (bert-tutor lesson lists them)", lessons.len());
    }
    lessons
        .iter()
        .position(|l| l.id == which)
        .ok_or_else(|| anyhow::anyhow!("there is no lesson \"{which}\": `bert-tutor lesson` lists them"))
}

/// The lessons with a mark for each: ✓ finished, ▸ begun, · not started. The columns are
/// as wide as their longest entry (in terminal cells), so that they line up for any titles.
pub fn listing(lessons: &[Lesson], progress: &Progress) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out =
        String::from("Lessons (open one with `bert-tutor lesson N`; in the TUI, L opens the lessons menu)\n\n");
    let title_w = lessons.iter().map(|l| l.title.width()).max().unwrap_or(0);
    let count_w = lessons.iter().map(|l| format!("{0:>2}/{0} steps", l.steps.len()).len()).max().unwrap_or(0);
    for (i, l) in lessons.iter().enumerate() {
        let p = progress.lessons.get(&l.id);
        let done = p.map_or(0, |p| l.steps.iter().filter(|s| p.completed.contains(&s.id)).count());
        let mark = match p {
            Some(p) if p.finished => "✓",
            Some(_) if done > 0 => "▸",
            _ => "·",
        };
        let pad = " ".repeat(title_w - l.title.width());
        let count = format!("{done:>2}/{} steps", l.steps.len());
        out.push_str(&format!(" {mark} {:>2}. {}{pad}  {count:<count_w$}  ({})\n", i + 1, l.title, l.id));
    }
    out.push_str(&format!("\nProgress: {}\n", progress.summary(lessons)));
    if let Some((l, s)) = &progress.current {
        out.push_str(&format!("Continue: lesson \"{l}\", step \"{s}\"\n"));
    }
    out
}
