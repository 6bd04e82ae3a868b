//! Inputs the fuzz targets (`fuzz/`) found or reached that once misbehaved, kept as tests.

use bert_tutor::model::checkpoint;

/// The `checkpoint_load` input (config part, weights part) that allocated millions of tiny
/// layers: 3.67M layers of width 4 pass the 400M-parameter cap, and `Params::zeros` took
/// over 4 GB of bookkeeping before noticing the weights file holds no tensor at all. Two
/// guards stop it now: the layer cap in `validate`, and, for a config within every cap, the
/// count of values the weights file holds, checked before anything is allocated.
#[test]
fn millions_of_tiny_layers_are_refused_before_allocating() {
    let config: &[u8] = br#"{"vocab_size": 1, "hidden_size": 4, "num_attention_heads": 4, "intermediate_size": 1, "num_hidden_layers": 3669722, "max_position_embeddings": 8, "type_vocab_size": 2}"#;
    let weights: &[u8] = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ";
    let e = format!("{:#}", checkpoint::load_from_bytes(config, weights).unwrap_err());
    assert!(e.contains("num_hidden_layers 3669722"), "{e}");
    let within = String::from_utf8(config.to_vec()).unwrap().replace("3669722", "90");
    let e = format!("{:#}", checkpoint::load_from_bytes(within.as_bytes(), weights).unwrap_err());
    assert!(e.contains("holds 0 values"), "{e}");
}

/// The same refusal for the real fixture's weights under a config that needs more than
/// they hold; the fixture itself still loads from bytes as from its folder.
#[test]
fn weights_smaller_than_the_config_are_refused() {
    let dir = std::path::Path::new("tests/fixtures/tiny_bert");
    let config = std::fs::read(dir.join(checkpoint::CONFIG_FILE)).unwrap();
    let weights = std::fs::read(dir.join(checkpoint::WEIGHTS_FILE)).unwrap();
    let (cfg, params) = checkpoint::load_from_bytes(&config, &weights).unwrap();
    let (cfg2, params2) = checkpoint::load(dir).unwrap();
    assert_eq!(cfg, cfg2);
    assert_eq!(params.word, params2.word);
    let bigger = String::from_utf8(config).unwrap().replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 20");
    let e = format!("{:#}", checkpoint::load_from_bytes(bigger.as_bytes(), &weights).unwrap_err());
    assert!(e.contains("the files do not belong together"), "{e}");
}
