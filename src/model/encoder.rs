//! One post-LN encoder layer (HF `BertLayer`): attention block, then feed-forward block.

use ndarray::Array2;
use rand::Rng;

use super::attention::{self, AttentionCache, Shape};
use super::config::BertConfig;
use super::feed_forward::{self, FeedForwardCache};
use super::params::LayerParams;

#[derive(Debug, Clone, Default)]
pub struct LayerCache {
    pub attention: AttentionCache,
    pub ffn: FeedForwardCache,
}

/// x: (B·T, H) → (B·T, H)
pub fn forward<R: Rng>(
    l: &LayerParams,
    cfg: &BertConfig,
    shape: Shape,
    x: Array2<f32>,
    mut rng: Option<&mut R>,
) -> (Array2<f32>, LayerCache) {
    let (h, attention) = attention::forward(l, cfg, shape, x, rng.as_deref_mut());
    let (y, ffn) = feed_forward::forward(l, cfg, h, rng);
    (y, LayerCache { attention, ffn })
}

/// dy: (B·T, H) → dx: (B·T, H)
pub fn backward(
    l: &LayerParams,
    cfg: &BertConfig,
    shape: Shape,
    dy: Array2<f32>,
    c: &LayerCache,
    g: &mut LayerParams,
) -> Array2<f32> {
    let dh = feed_forward::backward(l, cfg, dy, &c.ffn, g);
    attention::backward(l, cfg, shape, dh, &c.attention, g)
}
