//! Any bytes as a checkpoint: the first 2 bytes (little-endian) are the length of the
//! `config.json` part, the rest is `model.safetensors`. Loading returns Ok or Err, never
//! panics, and never allocates for a shape the config check should have refused.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let n = u16::from_le_bytes([data[0], data[1]]) as usize;
    let rest = &data[2..];
    let (config, weights) = rest.split_at(n.min(rest.len()));
    if let Ok((cfg, params)) = bert_tutor::model::checkpoint::load_from_bytes(config, weights) {
        assert!(cfg.validate().is_ok());
        assert_eq!(params.num_parameters() as u128, cfg.parameter_count());
    }
});
