//! What stages 9–11 show beyond the pair's own forward pass: every head's attention, where
//! each loss's gradient goes, and the token table as a map. It is computed only while one
//! of those stages is on screen (on each snapshot and each change of pair), so the other
//! stages, and training, never pay for it.

use std::sync::OnceLock;

use ndarray::{Array2, Array3, Axis};

use crate::model::inspect::attention::attentions;
use crate::model::inspect::grad_flow::{GradFlow, grad_flow};
use crate::model::inspect::space::{Clustering, Projection, clustering, nearest_many, pca2};
use crate::model::{BertConfig, Params};
use crate::text::batch::Batch;
use crate::text::tokenize::BertTokenizer;

use super::Stage;

/// The look-inside view of the stage on screen, if it is one of 9–11.
#[derive(Debug, Clone, Default)]
pub enum Inside {
    #[default]
    None,
    /// One (heads, T, T) map per layer: [head, query, key].
    Attention(Vec<Array3<f32>>),
    Gradients(GradFlow),
    Space(SpaceView),
}

impl Inside {
    /// The view `stage` needs, for a single-sequence batch (the model's input, masks and
    /// all) whose unmasked pieces are `pieces`; `previous` keeps the map's axes from flipping
    /// between snapshots.
    pub fn compute(
        stage: Stage,
        p: &Params,
        cfg: &BertConfig,
        batch: &Batch,
        pieces: &[u32],
        tok: &BertTokenizer,
        previous: &Inside,
    ) -> Inside {
        match stage {
            Stage::Attention => Inside::Attention(
                attentions(p, cfg, batch).into_iter().map(|m| m.index_axis_move(Axis(0), 0)).collect(),
            ),
            Stage::GradFlow => Inside::Gradients(grad_flow(p, cfg, batch)),
            Stage::Space => {
                let axes = match previous {
                    Inside::Space(s) => Some(&s.projection.axes),
                    _ => None,
                };
                Inside::Space(SpaceView::compute(p, tok, pieces, axes))
            }
            _ => Inside::None,
        }
    }

    /// Whether this is what `stage` draws (the stages 1–8 need nothing from here).
    pub fn is_for(&self, stage: Stage) -> bool {
        match stage {
            Stage::Attention => matches!(self, Inside::Attention(_)),
            Stage::GradFlow => matches!(self, Inside::Gradients(_)),
            Stage::Space => matches!(self, Inside::Space(_)),
            _ => true,
        }
    }
}

/// A word on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapPoint {
    pub id: u32,
    pub word: String,
    /// Its index in [`categories`], or None for a piece of the pair in no category.
    pub category: Option<usize>,
    pub xy: [f32; 2],
}

/// Stage 11: the category words and the pair's pieces on the first two principal axes of
/// the category words' rows, and each pair piece's nearest rows in the whole table.
#[derive(Debug, Clone)]
pub struct SpaceView {
    pub points: Vec<MapPoint>,
    pub projection: Projection,
    /// How many of the points the axes were fitted on (the category words, listed first).
    pub fitted: usize,
    /// For each distinct id of the pair: its 8 nearest pieces by cosine.
    pub neighbours: Vec<(u32, Vec<(String, f32)>)>,
    /// How far the category words cluster by category, against chance.
    pub clustering: Clustering,
}

impl SpaceView {
    pub fn compute(p: &Params, tok: &BertTokenizer, pair_ids: &[u32], previous: Option<&Array2<f32>>) -> Self {
        let mut points: Vec<MapPoint> = Vec::new();
        for (c, (_, words)) in categories().iter().enumerate() {
            for w in words {
                if let Some(id) = tok.token_id(w).filter(|&id| (id as usize) < p.word.nrows()) {
                    points.push(MapPoint { id, word: w.clone(), category: Some(c), xy: [0.0; 2] });
                }
            }
        }
        let fitted = points.len();
        let special = |id: u32| tok.special.is_structural(id) || id == tok.special.pad || id == tok.special.unk;
        for &id in pair_ids {
            if !special(id) && (id as usize) < p.word.nrows() && !points.iter().any(|q| q.id == id) {
                points.push(MapPoint { id, word: tok.token(id), category: None, xy: [0.0; 2] });
            }
        }
        let fit_rows = p.word.select(Axis(0), &points[..fitted].iter().map(|q| q.id as usize).collect::<Vec<_>>());
        let projection = pca2(fit_rows.view(), previous);
        let labels: Vec<usize> = points[..fitted].iter().filter_map(|q| q.category).collect();
        let clustering = clustering(fit_rows.view(), &labels);
        for q in &mut points {
            q.xy = projection.project(p.word.row(q.id as usize));
        }
        let mut ids: Vec<u32> = Vec::new();
        for &id in pair_ids {
            if (id as usize) < p.word.nrows() && !ids.contains(&id) {
                ids.push(id);
            }
        }
        let rows: Vec<usize> = ids.iter().map(|&id| id as usize).collect();
        let near = nearest_many(p.word.view(), &rows, 8, |i| special(i as u32) || tok.token(i as u32).starts_with('['));
        let neighbours = ids
            .into_iter()
            .zip(near)
            .map(|(id, near)| (id, near.into_iter().map(|(i, c)| (tok.token(i as u32), c)).collect()))
            .collect();
        Self { points, projection, fitted, neighbours, clustering }
    }
}

/// The bundled word categories (`assets/categories.toml`): (name, words), in file order.
pub fn categories() -> &'static [(String, Vec<String>)] {
    static CATEGORIES: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    CATEGORIES.get_or_init(|| parse_categories(include_str!("../../../assets/categories.toml")).unwrap_or_default())
}

/// Parses a categories file: one table per category, each with `words = [...]`.
pub fn parse_categories(text: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    #[derive(serde::Deserialize)]
    struct Category {
        words: Vec<String>,
    }
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    // toml's Table keeps keys sorted unless `preserve_order`; keep the file's order by
    // reading the headers' positions.
    let mut out: Vec<(usize, String, Vec<String>)> = Vec::new();
    for (name, v) in table {
        let c: Category = v.try_into().map_err(|e: toml::de::Error| format!("[{name}]: {e}"))?;
        let at = text.find(&format!("[{name}]")).unwrap_or(usize::MAX);
        out.push((at, name, c.words));
    }
    out.sort_by_key(|(at, _, _)| *at);
    Ok(out.into_iter().map(|(_, n, w)| (n, w)).collect())
}
