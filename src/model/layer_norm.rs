//! LayerNorm over the hidden axis, forward and backward (llm.c `layernorm_forward` /
//! `layernorm_backward`; HF uses `nn.LayerNorm(hidden, eps=layer_norm_eps)`).

use ndarray::{Array1, Array2, ArrayView2};

use super::fastmath::{dot, simd_fn, sum};
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
        let x = x.as_standard_layout();
        let (n, h) = x.dim();
        let mut xhat = vec![0.0; n * h];
        let mut y = vec![0.0; n * h];
        let mut rstd = vec![0.0; n];
        let (g, b) = (self.g.as_slice().expect("γ is contiguous"), self.b.as_slice().expect("β is contiguous"));
        norm_rows(x.as_slice().expect("standard layout"), g, b, eps, &mut xhat, &mut y, &mut rstd);
        let shape = (n, h);
        let y = Array2::from_shape_vec(shape, y).expect("shape");
        (y, NormCache { xhat: Array2::from_shape_vec(shape, xhat).expect("shape"), rstd: Array1::from(rstd) })
    }

    /// dy: (N, H) → dx: (N, H); adds dγ = Σ dy·x̂ and dβ = Σ dy into `g`.
    pub fn backward(&self, dy: ArrayView2<f32>, c: &NormCache, g: &mut Norm) -> Array2<f32> {
        let dy = dy.as_standard_layout();
        let (n, h) = dy.dim();
        let mut dx = vec![0.0; n * h];
        norm_backward_rows(
            dy.as_slice().expect("standard layout"),
            c.xhat.as_slice().expect("x̂ is contiguous"),
            c.rstd.as_slice().expect("1/σ is contiguous"),
            self.g.as_slice().expect("γ is contiguous"),
            g.g.as_slice_mut().expect("dγ is contiguous"),
            g.b.as_slice_mut().expect("dβ is contiguous"),
            &mut dx,
        );
        Array2::from_shape_vec((n, h), dx).expect("shape")
    }
}

simd_fn! {
/// Row by row: μ, σ², x̂ = (x − μ)/√(σ² + eps), y = γ x̂ + β. Slices are row-major (N, H).
fn norm_rows(x: &[f32], g: &[f32], b: &[f32], eps: f64, xhat: &mut [f32], y: &mut [f32], rstd: &mut [f32]) {
    let h = g.len();
    let rows = x.chunks_exact(h).zip(xhat.chunks_exact_mut(h)).zip(y.chunks_exact_mut(h)).zip(rstd.iter_mut());
    for (((x, xh), y), r) in rows {
        let mean = sum(x) / h as f32;
        xh.iter_mut().zip(x).for_each(|(d, &x)| *d = x - mean);
        let var = sum_sq(xh) / h as f32;
        *r = (1.0 / (f64::from(var) + eps).sqrt()) as f32;
        let rs = *r;
        xh.iter_mut().zip(y.iter_mut()).zip(g.iter().zip(b)).for_each(|((xh, y), (&g, &b))| {
            *xh *= rs;
            *y = g * *xh + b;
        });
    }
}
}

simd_fn! {
/// Row by row: dx = (1/σ)(dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂)) with dx̂ = dy ⊙ γ; adds
/// Σ dy ⊙ x̂ into dγ and Σ dy into dβ.
fn norm_backward_rows(dy: &[f32], xhat: &[f32], rstd: &[f32], g: &[f32], dg: &mut [f32], db: &mut [f32], dx: &mut [f32]) {
    let h = g.len();
    let rows = dy.chunks_exact(h).zip(xhat.chunks_exact(h)).zip(dx.chunks_exact_mut(h)).zip(rstd);
    for (((dy, xh), dx), &r) in rows {
        dg.iter_mut().zip(dy.iter().zip(xh)).for_each(|(d, (&dy, &x))| *d += dy * x);
        db.iter_mut().zip(dy).for_each(|(d, &dy)| *d += dy);
        dx.iter_mut().zip(dy.iter().zip(g)).for_each(|(d, (&dy, &g))| *d = dy * g);
        let mean_d = sum(dx) / h as f32;
        let mean_dx = dot(dx, xh) / h as f32;
        dx.iter_mut().zip(xh).for_each(|(d, &x)| *d = r * (*d - mean_d - x * mean_dx));
    }
}
}

/// Σ x², with eight running sums so it vectorises.
#[inline(always)]
fn sum_sq(xs: &[f32]) -> f32 {
    dot(xs, xs)
}
