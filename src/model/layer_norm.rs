//! LayerNorm over the hidden axis, forward and backward (llm.c `layernorm_forward` /
//! `layernorm_backward`; HF uses `nn.LayerNorm(hidden, eps=layer_norm_eps)`).

use ndarray::{Array1, Array2, ArrayView2, Axis, Zip};

use super::params::Norm;

/// What backward needs: the normalised input and 1/σ per row.
#[derive(Debug, Clone, Default)]
pub struct NormCache {
    pub xhat: Array2<f32>,
    pub rstd: Array1<f32>,
}

impl Norm {
    /// x: (N, H) → y = γ (x − μ)/√(σ² + eps) + β: (N, H)
    pub fn forward(&self, x: ArrayView2<f32>, eps: f64) -> (Array2<f32>, NormCache) {
        let h = x.ncols() as f32;
        let mut xhat = x.to_owned();
        let mut rstd = Array1::zeros(x.nrows());
        for (mut row, r) in xhat.axis_iter_mut(Axis(0)).zip(rstd.iter_mut()) {
            let mean = row.sum() / h;
            row -= mean;
            let var = row.iter().map(|v| v * v).sum::<f32>() / h;
            *r = (1.0 / (f64::from(var) + eps).sqrt()) as f32;
            row *= *r;
        }
        let y = &xhat * &self.g + &self.b;
        (y, NormCache { xhat, rstd })
    }

    /// dy: (N, H) → dx: (N, H); adds dγ = Σ dy·x̂ and dβ = Σ dy into `g`.
    pub fn backward(&self, dy: ArrayView2<f32>, c: &NormCache, g: &mut Norm) -> Array2<f32> {
        g.g += &(&dy * &c.xhat).sum_axis(Axis(0));
        g.b += &dy.sum_axis(Axis(0));
        let h = dy.ncols() as f32;
        let mut dx = &dy * &self.g; // dnorm
        Zip::from(dx.rows_mut()).and(c.xhat.rows()).and(&c.rstd).for_each(|mut d, xh, &r| {
            let mean_d = d.sum() / h;
            let mean_dx = d.iter().zip(xh).map(|(a, b)| a * b).sum::<f32>() / h;
            Zip::from(&mut d).and(&xh).for_each(|d, &x| *d = r * (*d - mean_d - x * mean_dx));
        });
        dx
    }
}
