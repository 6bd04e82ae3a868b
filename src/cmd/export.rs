//! `bert-tutor export`: a stage (or every stage) drawn as the TUI draws it, to SVG, HTML,
//! text or ANSI text, with no terminal. The app is built as the TUI builds it, trains
//! `--steps` steps first on a pinned thread count (so the same flags give the same bytes
//! on a machine), its reports fed in as the trainer thread would send them: a held-out
//! evaluation at step 0 and every `EVAL_EVERY_STEPS` steps, and the final weights.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use ratatui::layout::Size;

use crate::cmd::cli::{ExportArgs, Inputs};
use crate::export::{html, loss, svg, text};
use crate::lesson::stage::Stage;
use crate::train::TrainConfig;
use crate::train::worker::{EVAL_EVERY_STEPS, TrainEvent};
use crate::tui::action::Action;
use crate::tui::app::App;

/// The largest screen `--size` accepts, columns and rows.
const MAX_SIZE: u16 = 1000;

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Html,
    Txt,
    Ansi,
}

impl Format {
    fn parse(name: &str) -> Option<Format> {
        Some(match name.to_ascii_lowercase().as_str() {
            "svg" => Format::Svg,
            "html" | "htm" => Format::Html,
            "txt" | "text" => Format::Txt,
            "ansi" => Format::Ansi,
            _ => return None,
        })
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Html => "html",
            Format::Txt => "txt",
            Format::Ansi => "ansi",
        }
    }
}

pub fn run(inputs: &Inputs, args: &ExportArgs, present: bool) -> Result<()> {
    let stages = stages(args)?;
    let size = parse_size(&args.size)?;
    let format = format(args)?;
    let mask = args.mask.as_deref().map(parse_mask).transpose()?;
    if args.all && args.out.is_none() {
        bail!("--all writes one file per stage: give a folder with --out DIR");
    }
    let mut app = super::tui::build(inputs)?;
    app.present = present;
    if args.a.is_some() || args.b.is_some() {
        let a = args.a.as_deref().unwrap_or(crate::DEFAULT_A);
        let b = args.b.as_deref().unwrap_or(crate::DEFAULT_B);
        app.set_pair_text(a, b).context("--a / --b")?;
    }
    if let Some(positions) = mask {
        app.fix_masks(&positions).map_err(|e| anyhow!("--mask {e}"))?;
    }
    train(&mut app, inputs.seed, args.steps)?;
    match &args.out {
        Some(dir) if args.all => write_all(&mut app, &stages, size, format, dir),
        out => {
            app.update(Action::GoStage(stages[0].index()));
            let figure = render(&app, size, format);
            match out {
                Some(path) => write(path, &figure),
                None => {
                    print!("{figure}");
                    Ok(())
                }
            }
        }
    }
}

/// Trains `steps` steps, feeding the app what the trainer thread would report.
pub fn train(app: &mut App, seed: u64, steps: usize) -> Result<()> {
    let tcfg = TrainConfig { threads: crate::train::REPEATABLE_THREADS, ..app.train_config(seed) };
    let mut trainer = app.trainer_with(tcfg)?;
    app.on_train(TrainEvent::Eval { step: 0, stats: trainer.evaluate() });
    for _ in 0..steps {
        let stats = trainer.train_step().with_context(|| format!("training stopped at step {}", trainer.step))?;
        app.on_train(TrainEvent::Step(stats));
        if trainer.step.is_multiple_of(EVAL_EVERY_STEPS) {
            app.on_train(TrainEvent::Eval { step: trainer.step, stats: trainer.evaluate() });
        }
    }
    app.on_train(TrainEvent::Snapshot { step: trainer.step, params: Arc::new(trainer.params.clone()) });
    // How fast this machine trained is not part of the figure.
    app.training.steps_per_sec = None;
    Ok(())
}

/// The stage on screen as `format`.
fn render(app: &App, size: Size, format: Format) -> String {
    let buf = app.draw_to_buffer(size);
    match format {
        Format::Svg => svg::render(&buf, &app.export_title()),
        Format::Html => html::render(&buf, &app.export_title()),
        Format::Txt => text::plain(&buf),
        Format::Ansi => text::ansi(&buf),
    }
}

/// Every stage into `dir` as `NN-<name>.<ext>`, with the loss history and its plot.
fn write_all(app: &mut App, stages: &[Stage], size: Size, format: Format, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for &stage in stages {
        app.update(Action::GoStage(stage.index()));
        let name = format!("{}.{}", app.export_name(), format.extension());
        write(&dir.join(name), &render(app, size, format))?;
    }
    let base = format!("{:02}-{}", Stage::Training.index() + 1, Stage::Training.name());
    write(&dir.join(format!("{base}-loss.csv")), &loss::csv(&app.loss_rows()))?;
    write(&dir.join(format!("{base}-loss.svg")), &loss::plot(&app.loss_curves()).map_err(anyhow::Error::msg)?)?;
    println!("wrote {} stages, {base}-loss.csv and {base}-loss.svg to {}", stages.len(), dir.display());
    Ok(())
}

fn write(path: &Path, content: &str) -> Result<()> {
    std::fs::write(path, content).with_context(|| format!("cannot write {}", path.display()))
}

/// `--stage` or `--all`.
fn stages(args: &ExportArgs) -> Result<Vec<Stage>> {
    match (&args.stage, args.all) {
        (Some(_), true) => bail!("--stage and --all: give one of them"),
        (None, true) => Ok(Stage::ALL.to_vec()),
        (None, false) => bail!("which stage? give --stage NAME (or 1-11), or --all"),
        (Some(s), false) => Ok(vec![parse_stage(s)?]),
    }
}

/// A stage by number (1–11) or by name.
pub fn parse_stage(s: &str) -> Result<Stage> {
    let by_number = s.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).and_then(|i| Stage::ALL.get(i).copied());
    by_number.or_else(|| Stage::from_name(&s.to_ascii_lowercase())).ok_or_else(|| {
        let names: Vec<&str> = Stage::ALL.iter().map(|s| s.name()).collect();
        anyhow!("--stage {s} is not a stage: give 1-11 or a name ({})", names.join(", "))
    })
}

/// `COLSxROWS`, at least the 80×24 the screen is made for.
pub fn parse_size(s: &str) -> Result<Size> {
    let parsed =
        s.split_once(['x', 'X', '×']).and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)));
    let Some((w, h)) = parsed else { bail!("--size {s}: give columns x rows, e.g. 120x40") };
    let (min_w, min_h) = (crate::tui::ui::MIN_WIDTH, crate::tui::ui::MIN_HEIGHT);
    if w < min_w || h < min_h {
        bail!("--size {s} is smaller than the {min_w}x{min_h} the screen is made for");
    }
    if w > MAX_SIZE || h > MAX_SIZE {
        bail!("--size {s} is larger than {MAX_SIZE}x{MAX_SIZE}");
    }
    Ok(Size::new(w, h))
}

/// `--format`, else `--out`'s extension (for one stage), else SVG.
fn format(args: &ExportArgs) -> Result<Format> {
    if let Some(f) = &args.format {
        return Format::parse(f).ok_or_else(|| anyhow!("--format {f} is not a format: give svg, html, txt or ansi"));
    }
    let from_out = args.out.as_deref().filter(|_| !args.all).and_then(Path::extension);
    Ok(from_out.and_then(|e| Format::parse(&e.to_string_lossy())).unwrap_or(Format::Svg))
}

/// `3,8`: positions counting `[CLS]` as 0.
fn parse_mask(s: &str) -> Result<Vec<usize>> {
    s.split(',')
        .map(|p| p.trim().parse().map_err(|_| anyhow!("--mask {s}: give positions separated by commas, e.g. 3,8")))
        .collect()
}
