//! Checkpoints in HF's layout: `config.json` (BertConfig keys), `model.safetensors` (HF
//! parameter names, Linear weights `[out, in]`), and the tokenizer beside them, so
//! `BertForPreTraining.from_pretrained(DIR)` loads what we save and we load what it saves.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::config::BertConfig;
use super::params::Params;
use crate::text::tokenize::BertTokenizer;

pub const CONFIG_FILE: &str = "config.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";

/// Saves config, weights and (if given) tokenizer into `dir`, each written to a temporary
/// file first and renamed, so an interrupted save never leaves a half-written checkpoint.
pub fn save(dir: &Path, cfg: &BertConfig, p: &Params, tok: Option<&BertTokenizer>) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create checkpoint folder {}", dir.display()))?;
    let json = serde_json::to_string_pretty(cfg)?;
    write_atomic(&dir.join(CONFIG_FILE), json.as_bytes())?;
    write_tensors(&dir.join(WEIGHTS_FILE), &p.named_values())?;
    if let Some(tok) = tok {
        tok.save(dir)?;
    }
    Ok(())
}

/// A tensor by name: `(name, shape, row-major values)`.
pub type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// A safetensors file read back: name → (shape, values as f32).
pub type TensorMap = HashMap<String, (Vec<usize>, Vec<f32>)>;

/// Writes named f32 tensors `(name, shape, values)` as safetensors, with HF's
/// `{"format": "pt"}` metadata (transformers refuses files without it).
pub fn write_tensors(path: &Path, tensors: &[NamedTensor]) -> Result<()> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(n, s, v)| (n.clone(), s.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect()))
        .collect();
    let views = bytes
        .iter()
        .map(|(n, s, b)| Ok((n.clone(), TensorView::new(Dtype::F32, s.clone(), b)?)))
        .collect::<Result<Vec<_>, safetensors::SafeTensorError>>()?;
    let meta = HashMap::from([("format".to_string(), "pt".to_string())]);
    let data = safetensors::serialize(views, Some(meta))?;
    write_atomic(path, &data)
}

fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, data).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Reads `dir/config.json` and checks it.
pub fn load_config(dir: &Path) -> Result<BertConfig> {
    let path = dir.join(CONFIG_FILE);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("checkpoint {}: cannot read it", path.display()))?;
    let cfg: BertConfig = serde_json::from_str(&text)
        .map_err(|e| anyhow!("checkpoint {}: not a valid BERT config ({e})", path.display()))?;
    cfg.validate().with_context(|| format!("checkpoint {}", path.display()))?;
    Ok(cfg)
}

/// Loads a checkpoint folder: config and weights (HF names; old `gamma`/`beta` names
/// accepted; the tied decoder and extra buffers such as `position_ids` ignored).
pub fn load(dir: &Path) -> Result<(BertConfig, Params)> {
    let cfg = load_config(dir)?;
    let path = dir.join(WEIGHTS_FILE);
    let shown = path.display().to_string();
    let bytes = std::fs::read(&path).with_context(|| format!("checkpoint {shown}: cannot read it"))?;
    let file = SafeTensors::deserialize(&bytes)
        .map_err(|e| anyhow!("checkpoint {shown}: not a valid safetensors file ({e})"))?;
    let mut p = Params::zeros(&cfg);
    for (name, mut dst) in p.tensors_mut() {
        let view = find(&file, &name).ok_or_else(|| anyhow!("checkpoint {shown}: tensor {name} is missing"))?;
        if view.shape() != dst.shape() {
            bail!("checkpoint {shown}: tensor {name} has shape {:?}, the config needs {:?}", view.shape(), dst.shape());
        }
        let values = to_f32(&view).with_context(|| format!("checkpoint {shown}: tensor {name}"))?;
        for (d, v) in dst.iter_mut().zip(values) {
            *d = v;
        }
    }
    Ok((cfg, p))
}

/// The tensor under its HF name, or under the old TF-port LayerNorm names.
fn find<'a>(file: &SafeTensors<'a>, name: &str) -> Option<TensorView<'a>> {
    let old = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
    file.tensor(name).or_else(|_| file.tensor(&old)).ok()
}

/// Reads every tensor of a safetensors file as f32 values with their shapes.
pub fn read_tensors(path: &Path) -> Result<TensorMap> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file = SafeTensors::deserialize(&bytes)
        .map_err(|e| anyhow!("{}: not a valid safetensors file ({e})", path.display()))?;
    file.tensors()
        .into_iter()
        .filter(|(_, v)| matches!(v.dtype(), Dtype::F32 | Dtype::F64 | Dtype::BF16 | Dtype::I64))
        .map(|(n, v)| Ok((n, (v.shape().to_vec(), to_f32(&v)?))))
        .collect()
}

fn to_f32(v: &TensorView) -> Result<Vec<f32>> {
    let d = v.data();
    Ok(match v.dtype() {
        Dtype::F32 => d.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        Dtype::F64 => d.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32).collect(),
        Dtype::BF16 => {
            d.chunks_exact(2).map(|c| f32::from_bits(u32::from(u16::from_le_bytes([c[0], c[1]])) << 16)).collect()
        }
        Dtype::I64 => d.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")) as f32).collect(),
        other => bail!("dtype {other:?} is not supported: save the weights as float32"),
    })
}
