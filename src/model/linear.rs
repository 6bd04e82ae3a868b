//! The dense layer `y = x Wᵀ + b` (PyTorch `nn.Linear`), forward and backward.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, Axis};

use super::params::Linear;

impl Linear {
    /// x: (N, in) → y: (N, out)
    pub fn forward(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let mut y = self.b.broadcast((x.nrows(), self.w.nrows())).expect("b has one entry per output").to_owned();
        general_mat_mul(1.0, &x, &self.w.t(), 1.0, &mut y);
        y
    }

    /// dy: (N, out), x: the forward input (N, in) → dx: (N, in).
    /// Adds dW = dyᵀ x and db = Σ dy into `g`.
    pub fn backward(&self, dy: ArrayView2<f32>, x: ArrayView2<f32>, g: &mut Linear) -> Array2<f32> {
        general_mat_mul(1.0, &dy.t(), &x, 1.0, &mut g.w);
        g.b += &dy.sum_axis(Axis(0));
        dy.dot(&self.w)
    }
}
