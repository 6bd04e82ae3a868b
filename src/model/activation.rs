//! GELU (exact and tanh forms), tanh, and dropout: element-wise forward and backward.

use ndarray::{Array2, ArrayView2, Zip};
use rand::{Rng, RngExt};

use super::config::Activation;

const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const INV_SQRT_2: f32 = std::f32::consts::FRAC_1_SQRT_2;
const INV_SQRT_2PI: f32 = 0.398_942_3;

impl Activation {
    /// HF `ACT2FN["gelu"]` = x Φ(x) with erf; `"gelu_new"` = the tanh approximation.
    pub fn forward(self, x: ArrayView2<f32>) -> Array2<f32> {
        match self {
            Activation::Gelu => x.mapv(|x| 0.5 * x * (1.0 + libm::erff(x * INV_SQRT_2))),
            Activation::GeluNew => x.mapv(|x| {
                let t = (SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x)).tanh();
                0.5 * x * (1.0 + t)
            }),
        }
    }

    /// dy and the forward input x → dx = dy · gelu'(x).
    pub fn backward(self, dy: ArrayView2<f32>, x: ArrayView2<f32>) -> Array2<f32> {
        let mut dx = dy.to_owned();
        Zip::from(&mut dx).and(&x).for_each(|d, &x| *d *= self.derivative(x));
        dx
    }

    fn derivative(self, x: f32) -> f32 {
        match self {
            // Φ(x) + x φ(x)
            Activation::Gelu => 0.5 * (1.0 + libm::erff(x * INV_SQRT_2)) + x * INV_SQRT_2PI * (-0.5 * x * x).exp(),
            Activation::GeluNew => {
                let inner = SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x);
                let t = inner.tanh();
                let dinner = SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044_715 * x * x);
                0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dinner
            }
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
    let keep = 1.0 / (1.0 - p);
    Some(Array2::from_shape_simple_fn(shape, || if rng.random::<f32>() < p { 0.0 } else { keep }))
}

/// x ← x ⊙ mask (forward and backward are the same product).
pub fn apply_dropout(x: &mut Array2<f32>, mask: &DropMask) {
    if let Some(m) = mask {
        *x *= m;
    }
}
