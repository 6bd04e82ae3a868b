//! The lessons' predictions about the live model, checked in a scripted run of the TUI's
//! own trainer and schedule at the steps the lessons name (issue 25): a lesson sentence
//! that says what the learner will see fails here when the model stops doing it.

use std::sync::Arc;

use bert_tutor::model::inspect::attention::{attentions, cls_to_b};
use bert_tutor::train::Trainer;
use bert_tutor::train::worker::TrainEvent;
use bert_tutor::tui::app::App;
use bert_tutor::tui::app::inside::SpaceView;

/// Trains to `step` and shows the weights to the app, as a trainer snapshot does.
fn train_to(app: &mut App, trainer: &mut Trainer, step: usize) {
    while trainer.step < step {
        trainer.train_step().unwrap();
    }
    app.on_train(TrainEvent::Snapshot { step, params: Arc::new(trainer.params.clone()) });
}

fn draw(app: &App) -> ratatui::Terminal<ratatui::backend::TestBackend> {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t
}

fn clustering(app: &App) -> f32 {
    let view = SpaceView::compute(&app.params, &app.tok, &app.pair.encoded.ids, None);
    view.clustering.same
}

#[test]
fn the_lessons_predictions_hold_in_a_scripted_run() {
    let mut app = App::bundled(0).unwrap();
    let mut trainer = app.trainer(0).unwrap();

    // Lesson 11, best-head: "In a fresh model the figures sit close together, near 45%."
    let batch = app.pair.batch(app.tok.special.pad);
    let fresh = cls_to_b(&attentions(&app.params, &app.cfg, &batch), &app.pair.encoded.segments);
    assert!(fresh.iter().all(|&f| (0.35..=0.55).contains(&f)), "lesson 11: CLS→B of a fresh model {fresh:?}");
    let spread = fresh.iter().fold(0f32, |m, &f| m.max(f)) - fresh.iter().fold(1f32, |m, &f| m.min(f));
    assert!(spread < 0.1, "lesson 11: 'close together' {fresh:?}");

    // Lesson 5, watch: early on "don't expect p for [the masked piece] to rise yet"; the
    // head guesses the common pieces first.
    let p_fresh: Vec<f32> = app.view.outputs.mlm_token_losses.iter().map(|l| (-l).exp()).collect();
    let before = clustering(&app);
    train_to(&mut app, &mut trainer, 300);
    let after_300 = clustering(&app);
    // Lesson 13, train-and-watch: "In 300 steps expect little." Stage 11 says so too.
    app.update(bert_tutor::tui::action::Action::GoStage(10));
    let s = format!("{}", draw(&app).backend());
    assert!(s.contains("no clusters yet"), "lesson 13: stage 11 at step 300:\n{s}");

    train_to(&mut app, &mut trainer, 500);
    // Lesson 1, watch-it-learn: "By step 500 its NSP accuracy is usually above 50%".
    let e = trainer.evaluate();
    assert!(e.nsp_accuracy > 0.5, "lesson 1: held-out NSP accuracy at step 500: {}", e.nsp_accuracy);
    let p_500: Vec<f32> = app.view.outputs.mlm_token_losses.iter().map(|l| (-l).exp()).collect();
    assert!(p_500.iter().all(|&p| p < 0.05), "lesson 5: p(true piece) {p_fresh:?} → {p_500:?} at step 500");
    let common = [".", "the", "a", ",", "and", "to", "of", "was", "is", "he", "she", "i"];
    for top in &app.view.top {
        let first = app.tok.token(top[0].0);
        assert!(common.contains(&first.as_str()), "lesson 5: the first guess at step 500 is {first:?}");
    }
    eprintln!(
        "lesson predictions: CLS→B fresh {fresh:?}; clustering {before:.2} → {after_300:.2} (300 steps); \
         NSP acc {:.3} at 500; p(true) {p_fresh:?} → {p_500:?}",
        e.nsp_accuracy
    );
}
