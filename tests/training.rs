//! Training is seeded and reproducible, and it learns: a few hundred steps on the bundled
//! corpus bring the held-out MLM loss well below its ln(V) start.

use bert_tutor::cli::Inputs;
use bert_tutor::train::{StepStats, Trainer};

fn trainer(seed: u64) -> Trainer {
    let app = bert_tutor::cmd::tui::build(&Inputs { seed, ..Inputs::default() }).unwrap();
    bert_tutor::cmd::tui::trainer_for(&app, seed).unwrap()
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

#[test]
fn losses_fall_within_a_few_hundred_steps() {
    let mut t = trainer(0);
    let start = t.evaluate();
    let v = t.cfg.vocab_size as f32;
    assert!((start.mlm_loss - v.ln()).abs() < 0.1, "initial MLM {} vs ln V {}", start.mlm_loss, v.ln());
    assert!((start.nsp_loss - 2f32.ln()).abs() < 0.05, "initial NSP {}", start.nsp_loss);
    run(&mut t, 400);
    let end = t.evaluate();
    println!("held-out MLM loss {:.3} -> {:.3}, top-1 {:.1}%", start.mlm_loss, end.mlm_loss, 100.0 * end.mlm_accuracy);
    assert!(end.mlm_loss < start.mlm_loss - 1.0, "held-out MLM {} after 400 steps", end.mlm_loss);
    assert!(end.mlm_accuracy > 0.05, "held-out MLM top-1 {}", end.mlm_accuracy);
}
