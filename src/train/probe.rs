//! Linear probes: how much a frozen model's `[CLS]` vector knows about a task it was not
//! trained on. A logistic regression is fitted on features from training documents and
//! scored on held-out documents, so the probe never sees the pairs it is graded on.
//!
//! `compare` uses it to fill ALBERT's Table 5 for tasks a model had no head for (the
//! probing method of Alain & Bengio, "Understanding intermediate layers using linear
//! classifier probes", 2016).

use ndarray::{Array1, Array2, Axis};

use crate::model::{self, BertConfig, LossWeights, Params};
use crate::text::batch::Batch;

/// The final hidden state at `[CLS]` for every sequence of the batches, with the labels.
/// Evaluation mode (no dropout); the model is only read.
pub fn cls_features(p: &Params, cfg: &BertConfig, batches: &[Batch]) -> (Array2<f32>, Vec<u32>) {
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for batch in batches {
        let (_, cache) = model::forward(p, cfg, batch, LossWeights::default(), None::<&mut rand::rngs::StdRng>);
        rows.push(cache.nsp.cls);
        labels.extend_from_slice(&batch.nsp_labels);
    }
    let views: Vec<_> = rows.iter().map(|r| r.view()).collect();
    let x = if views.is_empty() {
        Array2::zeros((0, cfg.hidden_size))
    } else {
        ndarray::concatenate(Axis(0), &views).expect("same width")
    };
    (x, labels)
}

/// A fitted binary logistic regression on standardised features.
#[derive(Debug, Clone)]
pub struct Probe {
    mean: Array1<f32>,
    scale: Array1<f32>,
    w: Array1<f32>,
    b: f32,
}

/// Pairs a probe is fitted on (from training documents only).
pub const PROBE_PAIRS: usize = 2048;

/// Full-batch Adam steps; enough for a 64–256-wide linear model to converge.
pub const PROBE_STEPS: usize = 300;
const LR: f32 = 0.05;
const L2: f32 = 1e-3;

impl Probe {
    /// Fits P(label 1 | x) = σ(w·z + b), z the standardised x, by `steps` of Adam on the
    /// mean log loss plus a small L2 penalty on w.
    pub fn fit(x: &Array2<f32>, labels: &[u32], steps: usize) -> Self {
        let n = x.nrows().max(1) as f32;
        let mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(x.ncols()));
        let std = x.var_axis(Axis(0), 0.0).mapv(|v| 1.0 / (v.sqrt() + 1e-6));
        let mut probe = Probe { mean, scale: std, w: Array1::zeros(x.ncols()), b: 0.0 };
        let z = probe.standardise(x);
        let y: Array1<f32> = labels.iter().map(|&l| l as f32).collect();
        let (mut m, mut v) = (Array1::<f32>::zeros(x.ncols() + 1), Array1::<f32>::zeros(x.ncols() + 1));
        for t in 1..=steps {
            // d(mean log loss)/d logit = σ(logit) − y
            let err = probe.logits_of(&z).mapv(sigmoid) - &y;
            let mut g = Array1::zeros(x.ncols() + 1);
            g.slice_mut(ndarray::s![..x.ncols()]).assign(&(z.t().dot(&err) / n + &probe.w * L2));
            g[x.ncols()] = err.sum() / n;
            m = &m * 0.9 + &g * 0.1;
            v = &v * 0.999 + &g.mapv(|g| g * g) * 0.001;
            let (c1, c2) = (1.0 - 0.9f32.powi(t as i32), 1.0 - 0.999f32.powi(t as i32));
            let step = (&m / c1) / ((&v / c2).mapv(f32::sqrt) + 1e-8) * LR;
            probe.w -= &step.slice(ndarray::s![..x.ncols()]);
            probe.b -= step[x.ncols()];
        }
        probe
    }

    fn standardise(&self, x: &Array2<f32>) -> Array2<f32> {
        (x - &self.mean) * &self.scale
    }

    fn logits_of(&self, z: &Array2<f32>) -> Array1<f32> {
        z.dot(&self.w) + self.b
    }

    /// The predicted label (1 when σ > 0.5) of every row.
    pub fn predict(&self, x: &Array2<f32>) -> Vec<u32> {
        self.logits_of(&self.standardise(x)).iter().map(|&l| u32::from(l > 0.0)).collect()
    }

    /// The share of rows predicted right.
    pub fn accuracy(&self, x: &Array2<f32>, labels: &[u32]) -> f32 {
        let hits = self.predict(x).iter().zip(labels).filter(|(a, b)| a == b).count();
        hits as f32 / labels.len().max(1) as f32
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}
