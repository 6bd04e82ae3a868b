//! Training is seeded and reproducible, and it learns: a few hundred steps on the bundled
//! corpus bring the held-out MLM loss well below its ln(V) start and held-out NSP accuracy
//! clear of chance.

use bert_tutor::train::{StepStats, TrainConfig, Trainer};
use bert_tutor::tui::app::App;

fn trainer(seed: u64) -> Trainer {
    let app = App::bundled(seed).unwrap();
    app.trainer(seed).unwrap()
}

/// The TUI's trainer with 16 pairs a batch instead of 32, to halve the test's time.
fn half_batch_trainer(seed: u64) -> Trainer {
    let app = App::bundled(seed).unwrap();
    let tcfg = TrainConfig { batch_size: 16, ..app.train_config(seed) };
    app.trainer_with(tcfg).unwrap()
}

fn run(t: &mut Trainer, steps: usize) -> Vec<StepStats> {
    (0..steps).map(|_| t.train_step().unwrap()).collect()
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let (a, b, c) = (run(&mut trainer(7), 5), run(&mut trainer(7), 5), run(&mut trainer(8), 5));
    assert_eq!(a, b, "same seed, same losses, step for step");
    assert_ne!(a, c, "another seed, another run");
}

/// The TUI's trainer (the recommended warm-up, peak and 128-token pairs) at 16 pairs a
/// batch, seed 0, 300 steps (under a minute): measured held-out MLM loss 7.605 → 6.215,
/// top-1 6.7%, NSP 68.0% over 976 pairs, so one standard error is 1.5 points. The NSP bound,
/// 60%, is 5 standard errors under the measurement and 6.7 over chance; the runs of
/// docs/TRAINING.md all reached 64–66% by step 500.
#[test]
fn losses_fall_within_a_few_hundred_steps() {
    let mut t = half_batch_trainer(0);
    let start = t.evaluate();
    let v = t.cfg.vocab_size as f32;
    assert!((start.mlm_loss - v.ln()).abs() < 0.1, "initial MLM {} vs ln V {}", start.mlm_loss, v.ln());
    assert!((start.nsp_loss - 2f32.ln()).abs() < 0.05, "initial NSP {}", start.nsp_loss);
    run(&mut t, 300);
    let end = t.evaluate();
    println!("held-out MLM loss {:.3} -> {:.3}, top-1 {:.1}%", start.mlm_loss, end.mlm_loss, 100.0 * end.mlm_accuracy);
    assert!(end.mlm_loss < start.mlm_loss - 1.0, "held-out MLM {} after 300 steps", end.mlm_loss);
    assert!(end.mlm_accuracy > 0.05, "held-out MLM top-1 {}", end.mlm_accuracy);
    println!("held-out NSP accuracy {:.1}% over {} pairs", 100.0 * end.nsp_accuracy, t.held_out_pairs());
    assert!(end.nsp_accuracy > 0.60, "held-out NSP accuracy {} after 300 steps", end.nsp_accuracy);
}
