//! Checkpoints in HF's layout: `config.json` (BertConfig keys), `model.safetensors` (HF
//! parameter names, Linear weights `[out, in]`), and the tokenizer beside them, so
//! `BertForPreTraining.from_pretrained(DIR)` loads what we save and we load what it saves.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::config::BertConfig;
use super::params::Params;
use crate::platform;
use crate::text::tokenize::BertTokenizer;

pub const CONFIG_FILE: &str = "config.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";

/// The files a checkpoint folder may hold: ours, and what HF's `save_pretrained` adds.
const CHECKPOINT_FILES: &[&str] = &[
    CONFIG_FILE,
    WEIGHTS_FILE,
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "generation_config.json",
    "pytorch_model.bin",
    "README.md",
];

/// Saves config, weights and (if given) tokenizer as the folder `dir`, all or nothing: every
/// file is written into a fresh temporary folder beside `dir` and synced to disk, then that
/// folder takes `dir`'s place in one rename (an atomic exchange when `dir` already exists, on
/// Linux; elsewhere two renames, see [`platform::replace_by_renames`]). An interrupted save
/// leaves the old checkpoint whole, or no folder if there was none, plus at most a
/// `.NAME.saving-*` folder beside it (and, off Linux, the old one in a `.NAME.old-*`). A `dir` that holds files a
/// checkpoint does not have is refused rather than replaced, so no other work is lost.
pub fn save(dir: &Path, cfg: &BertConfig, p: &Params, tok: Option<&BertTokenizer>) -> Result<()> {
    save_with(platform::replace_folder, dir, cfg, p, tok)
}

/// [`save`], with the last step, putting the finished folder in place, done by `replace`.
pub fn save_with(
    replace: Replace,
    dir: &Path,
    cfg: &BertConfig,
    p: &Params,
    tok: Option<&BertTokenizer>,
) -> Result<()> {
    refuse_foreign_files(dir)?;
    let shown = dir.display();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).with_context(|| {
        format!("cannot save to {shown}: cannot create the folder {} (is a part of the path a file?)", parent.display())
    })?;
    let name = dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "checkpoint".into());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.saving-"))
        .tempdir_in(&parent)
        .with_context(|| format!("cannot save {shown}: cannot create a temporary folder in {}", parent.display()))?;
    let json = serde_json::to_string_pretty(cfg)?;
    std::fs::write(staging.path().join(CONFIG_FILE), json).with_context(|| format!("cannot save {shown}"))?;
    std::fs::write(staging.path().join(WEIGHTS_FILE), tensor_bytes(&p.named_values())?)
        .with_context(|| format!("cannot save {shown}"))?;
    if let Some(tok) = tok {
        tok.save(staging.path())?;
    }
    platform::sync_folder(staging.path()).with_context(|| format!("cannot save {shown}: syncing to disk failed"))?;
    let staged = staging.keep();
    replace_folder(replace, &staged, dir).inspect_err(|_| {
        std::fs::remove_dir_all(&staged).ok();
    })
}

/// Refuses to replace a folder that holds anything a checkpoint does not.
fn refuse_foreign_files(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!("cannot save to {}: it is a file, not a folder; choose a folder name", dir.display());
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !CHECKPOINT_FILES.contains(&name.as_str()) {
            bail!(
                "cannot save to {}: it holds {name}, which is not part of a checkpoint; choose a new or empty folder",
                dir.display()
            );
        }
    }
    Ok(())
}

/// How a finished folder takes the old one's place: [`platform::replace_folder`] (an atomic
/// exchange on Linux), or the portable [`platform::replace_by_renames`], which the Linux
/// tests run too.
pub type Replace = fn(&Path, &Path) -> std::io::Result<()>;

/// Puts `staged` where `dir` is with `replace`, then syncs the parent folder's entries.
fn replace_folder(replace: Replace, staged: &Path, dir: &Path) -> Result<()> {
    replace(staged, dir)
        .with_context(|| format!("cannot save {}: cannot replace the old checkpoint", dir.display()))?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        platform::sync_dir(parent).ok();
    }
    Ok(())
}

/// A tensor by name: `(name, shape, row-major values)`.
pub type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// A safetensors file read back: name → (shape, values as f32).
pub type TensorMap = HashMap<String, (Vec<usize>, Vec<f32>)>;

/// Writes named f32 tensors `(name, shape, values)` as a safetensors file, all or nothing: a
/// temporary file beside `path`, synced, then renamed over it.
pub fn write_tensors(path: &Path, tensors: &[NamedTensor]) -> Result<()> {
    let data = tensor_bytes(tensors)?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp =
        tempfile::NamedTempFile::new_in(parent).with_context(|| format!("cannot write {}", path.display()))?;
    std::io::Write::write_all(&mut tmp, &data).with_context(|| format!("cannot write {}", path.display()))?;
    tmp.as_file().sync_all().with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path).map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

/// Named f32 tensors as safetensors bytes, with HF's `{"format": "pt"}` metadata
/// (transformers refuses files without it).
fn tensor_bytes(tensors: &[NamedTensor]) -> Result<Vec<u8>> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(n, s, v)| (n.clone(), s.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect()))
        .collect();
    let views = bytes
        .iter()
        .map(|(n, s, b)| Ok((n.clone(), TensorView::new(Dtype::F32, s.clone(), b)?)))
        .collect::<Result<Vec<_>, safetensors::SafeTensorError>>()?;
    let meta = HashMap::from([("format".to_string(), "pt".to_string())]);
    Ok(safetensors::serialize(views, Some(meta))?)
}

/// Reads `dir/config.json` and checks it.
pub fn load_config(dir: &Path) -> Result<BertConfig> {
    let path = dir.join(CONFIG_FILE);
    let bytes = std::fs::read(&path).with_context(|| format!("checkpoint {}: cannot read it", path.display()))?;
    parse_config(&bytes, &path.display().to_string())
}

/// Loads a checkpoint folder: config and weights (HF names; old `gamma`/`beta` names
/// accepted; the tied decoder and extra buffers such as `position_ids` ignored).
pub fn load(dir: &Path) -> Result<(BertConfig, Params)> {
    let cfg = load_config(dir)?;
    let path = dir.join(WEIGHTS_FILE);
    let shown = path.display().to_string();
    let bytes = std::fs::read(&path).with_context(|| format!("checkpoint {shown}: cannot read it"))?;
    let p = parse_weights(&cfg, &bytes, &shown)?;
    Ok((cfg, p))
}

/// [`load`] from the two files' contents (`config.json`, `model.safetensors`), as read.
pub fn load_from_bytes(config_json: &[u8], weights: &[u8]) -> Result<(BertConfig, Params)> {
    let cfg = parse_config(config_json, CONFIG_FILE)?;
    let p = parse_weights(&cfg, weights, WEIGHTS_FILE)?;
    Ok((cfg, p))
}

/// A `config.json`'s contents, parsed and checked; `shown` names the file in errors.
fn parse_config(bytes: &[u8], shown: &str) -> Result<BertConfig> {
    let cfg: BertConfig =
        serde_json::from_slice(bytes).map_err(|e| anyhow!("checkpoint {shown}: not a valid BERT config ({e})"))?;
    cfg.validate().with_context(|| format!("checkpoint {shown}"))?;
    Ok(cfg)
}

/// A `model.safetensors`'s contents as the parameters `cfg` needs; `shown` names the file.
fn parse_weights(cfg: &BertConfig, bytes: &[u8], shown: &str) -> Result<Params> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| anyhow!("checkpoint {shown}: not a valid safetensors file ({e})"))?;
    // Every parameter comes from a tensor of the file, so a file holding fewer values than
    // the config's shape needs is refused before that shape is allocated: the parameter cap
    // alone allows millions of tiny layers, whose bookkeeping takes gigabytes.
    let held: u128 = file.iter().map(|(_, v)| v.shape().iter().map(|&d| d as u128).product::<u128>()).sum();
    let needed = cfg.parameter_count();
    if held < needed {
        bail!(
            "checkpoint {shown}: it holds {held} values, the config needs {needed}: the files do not belong together"
        );
    }
    let mut p = Params::zeros(cfg);
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
    Ok(p)
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
        .filter(|(_, v)| matches!(v.dtype(), Dtype::F32 | Dtype::F64 | Dtype::F16 | Dtype::BF16 | Dtype::I64))
        .map(|(n, v)| Ok((n, (v.shape().to_vec(), to_f32(&v)?))))
        .collect()
}

fn to_f32(v: &TensorView) -> Result<Vec<f32>> {
    let d = v.data();
    Ok(match v.dtype() {
        Dtype::F32 => d.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        Dtype::F64 => d.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32).collect(),
        Dtype::F16 => d.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
        Dtype::BF16 => d.chunks_exact(2).map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32()).collect(),
        Dtype::I64 => d.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")) as f32).collect(),
        other => bail!("dtype {other:?} is not supported: save the weights as float32, float16 or bfloat16"),
    })
}
