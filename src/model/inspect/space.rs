//! The token table as a map: a 2-D PCA of chosen rows (power iteration on their covariance,
//! deflated for the second axis) and cosine nearest neighbours over the whole table.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

/// The first two principal axes of a set of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub mean: Array1<f32>,
    /// (2, H), orthonormal rows.
    pub axes: Array2<f32>,
    /// The share of the rows' variance each axis explains.
    pub explained: [f32; 2],
}

impl Projection {
    /// A row's (x, y) on the map.
    pub fn project(&self, row: ArrayView1<f32>) -> [f32; 2] {
        let c = &row - &self.mean;
        [self.axes.row(0).dot(&c), self.axes.row(1).dot(&c)]
    }
}

/// PCA of `rows` (N, H) to two axes. `previous` axes, when given, seed the iteration and fix
/// each axis's sign (an eigenvector's sign is arbitrary; keeping it stops the map from
/// mirroring between snapshots as the model trains).
pub fn pca2(rows: ArrayView2<f32>, previous: Option<&Array2<f32>>) -> Projection {
    let (n, h) = rows.dim();
    let mean = rows.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(h));
    let centred = &rows - &mean;
    let mut cov = centred.t().dot(&centred) / (n.max(1) as f32);
    let total = cov.diag().sum().max(f32::MIN_POSITIVE);
    let mut axes = Array2::zeros((2, h));
    let mut explained = [0.0; 2];
    #[allow(clippy::needless_range_loop)] // k is the axis: it picks rows of three arrays
    for k in 0..2 {
        let start = previous.map(|p| p.row(k).to_owned()).filter(|v| v.dot(v) > 0.0);
        let mut v = start.unwrap_or_else(|| Array1::from_shape_fn(h, |i| 1.0 + i as f32 / h as f32));
        for _ in 0..200 {
            let mut next = cov.dot(&v);
            for j in 0..k {
                let a = axes.row(j);
                let along = a.dot(&next);
                next.scaled_add(-along, &a); // stay orthogonal to the axes found
            }
            let len = next.dot(&next).sqrt();
            if len < 1e-20 {
                break; // no variance left in this direction
            }
            next /= len;
            // Converged when the direction stops moving (|1 − cos| below f32's reach).
            let settled = (next.dot(&v) - 1.0).abs() < 1e-6;
            v = next;
            if settled {
                break;
            }
        }
        let len = v.dot(&v).sqrt().max(f32::MIN_POSITIVE);
        v /= len;
        if let Some(p) = previous
            && p.row(k).dot(&v) < 0.0
        {
            v.mapv_inplace(|x| -x);
        }
        let lambda = v.dot(&cov.dot(&v));
        explained[k] = (lambda / total).clamp(0.0, 1.0);
        // deflate, so the next axis is the next direction of largest variance
        let outer = v.view().insert_axis(Axis(1)).dot(&v.view().insert_axis(Axis(0)));
        cov.scaled_add(-lambda, &outer);
        axes.row_mut(k).assign(&v);
    }
    Projection { mean, axes, explained }
}

/// The `k` rows of `table` most similar to row `id` by cosine, largest first, leaving out
/// `id` itself and the rows `skip` rejects (special tokens, say).
pub fn nearest(table: ArrayView2<f32>, id: usize, k: usize, skip: impl Fn(usize) -> bool) -> Vec<(usize, f32)> {
    nearest_many(table, &[id], k, skip).pop().unwrap_or_default()
}

/// [`nearest`] for several rows at once: the table's norms are computed once, and `skip`
/// is asked only about the best candidates, in order, until `k` pass.
pub fn nearest_many(
    table: ArrayView2<f32>,
    ids: &[usize],
    k: usize,
    skip: impl Fn(usize) -> bool,
) -> Vec<Vec<(usize, f32)>> {
    let norms: Vec<f32> = table.rows().into_iter().map(|r| r.dot(&r).sqrt().max(1e-12)).collect();
    ids.iter()
        .map(|&id| {
            let dots = table.dot(&table.row(id));
            let mut order: Vec<(usize, f32)> =
                dots.iter().enumerate().map(|(i, d)| (i, d / (norms[id] * norms[i]))).collect();
            let by_cosine = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
            // Only the best few need sorting: partition them out first (k + 16 leaves room
            // for the row itself and skipped pieces; if more are skipped, sort them all).
            let room = (k + 16).min(order.len());
            if room < order.len() {
                order.select_nth_unstable_by(room, by_cosine);
            }
            let mut best = order[..room].to_vec();
            best.sort_unstable_by(by_cosine);
            let found: Vec<(usize, f32)> = best.into_iter().filter(|&(i, _)| i != id && !skip(i)).take(k).collect();
            if found.len() == k.min(order.len().saturating_sub(1)) {
                return found;
            }
            order.sort_unstable_by(by_cosine);
            order.into_iter().filter(|&(i, _)| i != id && !skip(i)).take(k).collect()
        })
        .collect()
}

/// cos(row a, row b).
pub fn cosine(table: ArrayView2<f32>, a: usize, b: usize) -> f32 {
    let (x, y) = (table.row(a), table.row(b));
    x.dot(&y) / (x.dot(&x).sqrt() * y.dot(&y).sqrt()).max(1e-12)
}

/// How clustered labelled rows are: the share whose nearest other row (by cosine, in all
/// dimensions) has the same label, and that share's value by chance (labels shuffled:
/// Σ n_c (n_c − 1) / (N (N − 1))). A table that has learned its categories scores well
/// above chance; a random one scores about chance.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Clustering {
    pub same: f32,
    pub chance: f32,
}

pub fn clustering(rows: ArrayView2<f32>, labels: &[usize]) -> Clustering {
    let n = rows.nrows();
    if n < 2 || labels.len() != n {
        return Clustering::default();
    }
    let norms: Vec<f32> = rows.rows().into_iter().map(|r| r.dot(&r).sqrt().max(1e-12)).collect();
    let gram = rows.dot(&rows.t());
    let mut same = 0;
    for i in 0..n {
        let nearest = (0..n)
            .filter(|&j| j != i)
            .max_by(|&a, &b| (gram[[i, a]] / norms[a]).total_cmp(&(gram[[i, b]] / norms[b])).then(b.cmp(&a)))
            .expect("n ≥ 2");
        same += usize::from(labels[nearest] == labels[i]);
    }
    let mut sizes = std::collections::HashMap::new();
    for &l in labels {
        *sizes.entry(l).or_insert(0usize) += 1;
    }
    let pairs: usize = sizes.values().map(|&c| c * (c - 1)).sum();
    Clustering { same: same as f32 / n as f32, chance: pairs as f32 / (n * (n - 1)) as f32 }
}

#[cfg(test)]
mod clustering_tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn two_tight_groups_score_one_and_chance_counts_pairs() {
        let rows = array![[1.0, 0.1], [1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 1.0], [0.1, 0.9]];
        let c = clustering(rows.view(), &[0, 0, 0, 1, 1, 1]);
        assert_eq!(c.same, 1.0);
        assert!((c.chance - 12.0 / 30.0).abs() < 1e-6, "{c:?}");
        // The same rows with the labels crossed: every nearest row has the other label.
        let c = clustering(rows.view(), &[0, 1, 0, 1, 0, 1]);
        assert!(c.same < 0.5, "{c:?}");
    }

    #[test]
    fn random_rows_score_near_chance() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let n = 400;
        let rows = Array2::from_shape_fn((n, 64), |_| rng.random::<f32>() - 0.5);
        let labels: Vec<usize> = (0..n).map(|i| i % 8).collect();
        let c = clustering(rows.view(), &labels);
        assert!((c.same - c.chance).abs() < 0.08, "{c:?}");
    }
}
