//! `e`: the screen as files. The stage on screen is drawn again, exactly as the last frame
//! (at [`App::screen`]'s size), into a fresh buffer, and written to [`App::export_dir`] as
//! `NN-<stage>.svg`, `.html` and `.txt`; on stage 8 the loss history goes with it, as
//! `08-training-loss.csv` and `08-training-loss.svg`. A file is never overwritten: when a
//! name is taken, the whole set gets the first free suffix `-2`, `-3`, …. Also what
//! `bert-tutor export` needs to set the app up before it draws.

use std::path::Path;

use anyhow::{Context, Result};
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::widgets::Widget;

use super::{App, Stage};
use crate::export::loss::{LossCurves, LossRow};
use crate::export::{html, loss, svg, text};
use crate::text::masking::MaskPlan;

/// Gives up looking for a free suffix after this many sets of one stage.
const MAX_SUFFIX: usize = 999;

impl App {
    /// Writes the screen as it is now to [`App::export_dir`]; the message says where.
    pub(super) fn export_screen(&mut self) {
        match self.write_export() {
            Ok(names) => {
                let stage = self.stage.index() + 1;
                self.info(format!("exported stage {stage} to {}/: {}", self.export_dir.display(), names.join(", ")))
            }
            Err(e) => self.error(format!("export failed: {e:#}")),
        }
    }

    /// The screen as the app draws it at `size`.
    pub fn draw_to_buffer(&self, size: Size) -> Buffer {
        let area = Rect::new(0, 0, size.width, size.height);
        let mut buf = Buffer::empty(area);
        self.render(area, &mut buf);
        buf
    }

    /// The files' name for the stage on screen: its number and name, `03-embeddings`.
    pub fn export_name(&self) -> String {
        format!("{:02}-{}", self.stage.index() + 1, self.stage.name())
    }

    /// The `<title>` of an exported figure.
    pub fn export_title(&self) -> String {
        let n = self.stage.index() + 1;
        format!("bert-tutor: stage {n}, {}, step {}", self.stage_title(self.stage), self.training.step)
    }

    /// The loss history, one row per held-out evaluation (see [`LossRow`]).
    pub fn loss_rows(&self) -> Vec<LossRow> {
        let t = &self.training;
        t.held_out
            .iter()
            .map(|e| LossRow {
                step: e.step,
                train: e.train,
                heldout_mlm_loss: e.stats.mlm_loss,
                mlm_top1: e.stats.mlm_accuracy,
                nsp_accuracy: e.stats.nsp_accuracy,
                task: e.task,
            })
            .collect()
    }

    /// Stage 8's curves for the plot: the running means over batches and the held-out losses.
    pub fn loss_curves(&self) -> LossCurves {
        let t = &self.training;
        LossCurves {
            train: t.batch_curve.clone(),
            held_out: t
                .held_out
                .iter()
                .map(|e| (e.step as f64, f64::from(e.stats.mlm_loss), f64::from(e.stats.nsp_loss), e.task))
                .collect(),
            head: self.head_name().to_string(),
            until: t.step,
            title: format!("bert-tutor: pre-training losses to step {}", t.step),
        }
    }

    /// Puts another pair on screen, as typing it would (it keeps the mask seed and counts as
    /// the learner's own pair); an empty sentence is an error.
    pub fn set_pair_text(&mut self, a: &str, b: &str) -> Result<()> {
        let pair = super::Pair::new(&self.tok, &self.cfg, &self.masker, a, b, self.pair.label, self.pair.mask_seed)?;
        self.set_pair(super::Pair { custom: true, ..pair });
        Ok(())
    }

    /// Masks exactly these positions (`[CLS]` is 0), each with `[MASK]`, as `m` would.
    pub fn fix_masks(&mut self, positions: &[usize]) -> Result<(), String> {
        let ids = &self.pair.encoded.ids;
        for &p in positions {
            if p >= ids.len() {
                return Err(format!("position {p} is out of range: the pair has positions 0 to {}", ids.len() - 1));
            }
            if self.masker.special.is_structural(ids[p]) {
                let token = &self.pair.encoded.tokens[p];
                return Err(format!("position {p} is {token}: special tokens are never masked; choose a word piece"));
            }
        }
        self.pair.plan = MaskPlan::from_positions(ids, positions, self.tok.special.mask);
        self.recompute();
        Ok(())
    }

    /// Writes the set of files; returns their names.
    fn write_export(&self) -> Result<Vec<String>> {
        let dir = &self.export_dir;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let buf = self.draw_to_buffer(self.screen);
        let title = self.export_title();
        let mut files = vec![
            (".svg", svg::render(&buf, &title)),
            (".html", html::render(&buf, &title)),
            (".txt", text::plain(&buf)),
        ];
        if self.stage == Stage::Training {
            files.push(("-loss.csv", loss::csv(&self.loss_rows())));
            files.push(("-loss.svg", loss::plot(&self.loss_curves()).map_err(anyhow::Error::msg)?));
        }
        let base = free_base(dir, &self.export_name(), &files)?;
        let mut names = Vec::new();
        for (tail, content) in &files {
            let name = format!("{base}{tail}");
            write_new(&dir.join(&name), content)?;
            names.push(name);
        }
        Ok(names)
    }
}

/// `name`, or `name-2`, `name-3`, …: the first for which none of the set's files exists.
fn free_base(dir: &Path, name: &str, files: &[(&str, String)]) -> Result<String> {
    (1..=MAX_SUFFIX)
        .map(|k| if k == 1 { name.to_string() } else { format!("{name}-{k}") })
        .find(|base| files.iter().all(|(tail, _)| !dir.join(format!("{base}{tail}")).exists()))
        .with_context(|| format!("{MAX_SUFFIX} exports of {name} are already in {}", dir.display()))
}

/// Creates `path` (never replacing a file) and writes `content` to it.
fn write_new(path: &Path, content: &str) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(content.as_bytes()).with_context(|| format!("cannot write {}", path.display()))
}
