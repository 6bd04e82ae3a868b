//! GELU (exact and tanh forms), tanh, and dropout: element-wise forward and backward.
//! GELU's forward also returns its derivative, so backward is one product.

use ndarray::{Array2, ArrayView2, Zip};
use rand::{Rng, RngExt};

use super::config::Activation;
use super::fastmath::{exp, gelu_and_grad, simd_fn};

const SQRT_2_OVER_PI: f32 = 0.797_884_6;

impl Activation {
    /// HF `ACT2FN["gelu"]` = x Φ(x) with erf; `"gelu_new"` = the tanh approximation.
    /// Returns y and dy/dx.
    pub fn forward(self, x: ArrayView2<f32>) -> (Array2<f32>, Array2<f32>) {
        self.forward_in_place(x.as_standard_layout().into_owned())
    }

    /// y alone, without the derivative.
    pub fn values(self, x: ArrayView2<f32>) -> Array2<f32> {
        let mut y = x.as_standard_layout().into_owned();
        activate_values(self, y.as_slice_mut().expect("standard layout"));
        y
    }

    /// dy ← dy ⊙ act'(x), in place: the backward of `values`, from the forward's input.
    pub fn backward_in_place(self, dy: &mut Array2<f32>, x: ArrayView2<f32>) {
        let x = x.as_standard_layout();
        let dys = dy.as_slice_mut().expect("dy is in standard layout");
        times_derivative(self, dys, x.as_slice().expect("standard layout"));
    }

    /// [`Activation::forward`] writing y over x, which saves a copy of a (N, F) array.
    pub fn forward_in_place(self, x: Array2<f32>) -> (Array2<f32>, Array2<f32>) {
        let mut x = x.as_standard_layout().into_owned();
        let mut d = vec![0.0; x.len()];
        activate(self, x.as_slice_mut().expect("standard layout"), &mut d);
        let shape = x.dim();
        (x, Array2::from_shape_vec(shape, d).expect("shape"))
    }

    /// dy and the derivative from forward → dx = dy · gelu'(x).
    pub fn backward(dy: ArrayView2<f32>, deriv: ArrayView2<f32>) -> Array2<f32> {
        &dy * &deriv
    }
}

simd_fn! {
/// x ← act(x) and d ← act'(x), element by element.
fn activate(act: Activation, xs: &mut [f32], d: &mut [f32]) {
    let out = xs.iter_mut().zip(d.iter_mut());
    match act {
        // y = x Φ(x), y' = Φ(x) + x φ(x)
        Activation::Gelu => out.for_each(|(y, d)| (*y, *d) = gelu_and_grad(*y)),
        // y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³)
        Activation::GeluNew => out.for_each(|(y, d)| {
            let x = *y;
            let u = SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x);
            let t = 1.0 - 2.0 / (exp(2.0 * u) + 1.0);
            *y = 0.5 * x * (1.0 + t);
            *d = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044_715 * x * x);
        }),
    }
}
}

simd_fn! {
/// x ← act(x), element by element (the same arithmetic as `activate`, derivative left out).
fn activate_values(act: Activation, xs: &mut [f32]) {
    match act {
        Activation::Gelu => xs.iter_mut().for_each(|y| *y = gelu_and_grad(*y).0),
        Activation::GeluNew => xs.iter_mut().for_each(|y| {
            let x = *y;
            let u = SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x);
            let t = 1.0 - 2.0 / (exp(2.0 * u) + 1.0);
            *y = 0.5 * x * (1.0 + t);
        }),
    }
}
}

simd_fn! {
/// dy ← dy ⊙ act'(x), element by element (the derivative as `activate` computes it).
fn times_derivative(act: Activation, dy: &mut [f32], xs: &[f32]) {
    match act {
        Activation::Gelu => dy.iter_mut().zip(xs).for_each(|(d, &x)| *d *= gelu_and_grad(x).1),
        Activation::GeluNew => dy.iter_mut().zip(xs).for_each(|(d, &x)| {
            let u = SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x);
            let t = 1.0 - 2.0 / (exp(2.0 * u) + 1.0);
            *d *= 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044_715 * x * x);
        }),
    }
}
}

/// y = tanh(x) → dx = dy (1 − y²), from the forward output.
pub fn tanh_backward(dy: ArrayView2<f32>, y: ArrayView2<f32>) -> Array2<f32> {
    let mut dx = dy.to_owned();
    Zip::from(&mut dx).and(&y).for_each(|d, &y| *d *= 1.0 - y * y);
    dx
}

/// Inverted dropout: a mask of 0 or 1/(1−p), `None` when dropout is off.
pub type DropMask = Option<Array2<f32>>;

/// Draws a mask for `shape` when `rng` is given (training) and p > 0.
pub fn dropout_mask<R: Rng>(shape: (usize, usize), p: f32, rng: Option<&mut R>) -> DropMask {
    let rng = rng.filter(|_| p > 0.0)?;
    let mut mask = vec![0.0f32; shape.0 * shape.1];
    fill_dropout(&mut mask, p, rng);
    Some(Array2::from_shape_vec(shape, mask).expect("shape"))
}

/// Fills `mask` with 0 (probability p) or 1/(1−p), and returns it. Each 64-bit draw gives
/// four 16-bit uniforms, so p is resolved to 1/65536.
pub fn fill_dropout<'a, R: Rng>(mask: &'a mut [f32], p: f32, rng: &mut R) -> &'a [f32] {
    let keep = 1.0 / (1.0 - p);
    let threshold = (p * 65536.0).round() as u16;
    let mut bits = [0u64; 64];
    for chunk in mask.chunks_mut(4 * bits.len()) {
        let draws = &mut bits[..chunk.len().div_ceil(4)];
        draws.iter_mut().for_each(|b| *b = rng.random());
        uniforms_to_mask(draws, threshold, keep, chunk);
    }
    mask
}

simd_fn! {
/// The four 16-bit uniforms of each draw (low bits first) → 0 below `threshold`, else `keep`.
fn uniforms_to_mask(draws: &[u64], threshold: u16, keep: f32, mask: &mut [f32]) {
    let full = mask.len() / 4;
    for (m, &b) in mask.chunks_exact_mut(4).zip(&draws[..full]) {
        for (i, m) in m.iter_mut().enumerate() {
            *m = if ((b >> (16 * i)) as u16) < threshold { 0.0 } else { keep };
        }
    }
    let rest = &mut mask[4 * full..];
    for (i, m) in rest.iter_mut().enumerate() {
        *m = if ((draws[full] >> (16 * i)) as u16) < threshold { 0.0 } else { keep };
    }
}
}

/// x ← x ⊙ mask (forward and backward are the same product).
pub fn apply_dropout(x: &mut Array2<f32>, mask: &DropMask) {
    if let Some(m) = mask {
        *x *= m;
    }
}
