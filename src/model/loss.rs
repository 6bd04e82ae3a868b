//! Softmax cross-entropy, row by row: the MLM loss over masked positions and the 2-way
//! NSP loss (HF `BertForPreTraining.forward`: `CrossEntropyLoss`, mean over rows).

use ndarray::{Array1, Array2, Axis};

use super::fastmath::{exp, max, simd_fn, sum};

simd_fn! {
/// Per-row losses −log softmax(logits)[label], and the softmax probabilities.
pub fn cross_entropy(logits: &Array2<f32>, labels: &[u32]) -> (Array1<f32>, Array2<f32>) {
    let mut probs = logits.as_standard_layout().into_owned();
    let mut losses = Array1::zeros(labels.len());
    for ((mut row, &label), loss) in probs.axis_iter_mut(Axis(0)).zip(labels).zip(losses.iter_mut()) {
        let row = row.as_slice_mut().expect("standard layout");
        let max = max(row);
        let shifted = row[label as usize] - max;
        row.iter_mut().for_each(|x| *x = exp(*x - max));
        let sum = sum(row);
        // −log softmax[label] = log Σ e^(x − max) − (x_label − max)
        *loss = sum.ln() - shifted;
        let inv = 1.0 / sum;
        row.iter_mut().for_each(|x| *x *= inv);
    }
    (losses, probs)
}
}

/// d(mean loss · weight)/d logits = weight · (p − onehot) / rows.
pub fn cross_entropy_backward(probs: &Array2<f32>, labels: &[u32], weight: f32) -> Array2<f32> {
    let scale = if labels.is_empty() { 0.0 } else { weight / labels.len() as f32 };
    let mut d = probs * scale;
    for (mut row, &label) in d.axis_iter_mut(Axis(0)).zip(labels) {
        row[label as usize] -= scale;
    }
    d
}

/// The mean of per-row losses; 0 when nothing was masked (HF would give NaN there).
pub fn mean(losses: &Array1<f32>) -> f32 {
    if losses.is_empty() { 0.0 } else { losses.iter().map(|&x| f64::from(x)).sum::<f64>() as f32 / losses.len() as f32 }
}

/// The `k` largest entries as (index, value), largest first: a head's top predictions.
pub fn top_k(values: &[f32], k: usize) -> Vec<(u32, f32)> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_unstable_by(|&a, &b| values[b].total_cmp(&values[a]));
    order.into_iter().take(k).map(|i| (i as u32, values[i])).collect()
}
