//! What stages 9–11 show means what they say: the attention summaries read the map; the
//! two heads' gradients add up to both, and the split of the tied token table adds up; the PCA axes are orthonormal and find a planted direction;
//! nearest neighbours rank by cosine; the bundled categories are single pieces.
//! (Attention rows as distributions, and each head's loss leaving the other head at zero,
//! are tested against HF's numbers in `tests/fixture.rs`.)

mod common;

use bert_tutor::model::inspect::attention::{across, attentions, cls_to_b, top_keys};
use bert_tutor::model::inspect::grad_flow::{HeadChoice, grad_flow, head_grads};
use bert_tutor::model::inspect::space::{cosine, nearest, pca2};
use bert_tutor::model::{self, BertConfig, Grads, Params};
use bert_tutor::text::batch::Batch;
use bert_tutor::text::tokenize::BertTokenizer;
use bert_tutor::tui::action::Action;
use bert_tutor::tui::app::inside::{Inside, categories, parse_categories};
use bert_tutor::tui::app::{App, Stage};
use common::batch::padded_batch;
use ndarray::{Array1, Array2, Axis, array};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// vocab 30, hidden 8, 2 layers of 2 heads.
fn small() -> (BertConfig, Params) {
    let cfg = BertConfig {
        vocab_size: 30,
        hidden_size: 8,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        intermediate_size: 16,
        max_position_embeddings: 12,
        ..BertConfig::default()
    };
    let p = Params::init(&cfg, &mut StdRng::seed_from_u64(3));
    (cfg, p)
}

#[test]
fn top_keys_and_the_boundary_share_read_the_map() {
    let map = array![[0.1f32, 0.6, 0.3], [0.5, 0.25, 0.25], [0.2, 0.2, 0.6]];
    assert_eq!(top_keys(map.view(), 0, 2), vec![(1, 0.6), (2, 0.3)]);
    let segments = [0, 0, 1];
    assert!((across(map.view(), &segments, 0) - 0.3).abs() < 1e-6);
    assert!((across(map.view(), &segments, 2) - 0.4).abs() < 1e-6, "B's query looks back to A");
    let maps = vec![map.clone().into_shape_with_order((1, 1, 3, 3)).unwrap()];
    assert_eq!(cls_to_b(&maps, &segments), vec![across(map.view(), &segments, 0)]);
}

#[test]
fn the_two_heads_add_up_to_both() {
    let (cfg, p) = small();
    let batch = padded_batch();
    let [m, n, b] =
        [HeadChoice::Mlm, HeadChoice::Nsp, HeadChoice::Both].map(|h| head_grads(&p, &cfg, &batch, h.weights()));
    for (((name, tm), (_, tn)), (_, tb)) in m.grads.tensors().into_iter().zip(n.grads.tensors()).zip(b.grads.tensors())
    {
        let worst = tm.iter().zip(tn.iter()).zip(tb.iter()).map(|((x, y), z)| (x + y - z).abs()).fold(0.0f32, f32::max);
        let scale = tb.iter().map(|x| x.abs()).fold(1e-6f32, f32::max);
        assert!(worst <= 1e-5 * scale.max(1.0), "{name}: MLM + NSP differs from both by {worst}");
    }
}

/// The token table's gradient is the decoder's share plus the input lookup's; and the
/// per-position input gradient is exactly what each position's row of the (untied)
/// position table receives.
#[test]
fn the_tied_table_splits_and_the_input_rows_are_the_position_rows_gradient() {
    let (cfg, p) = small();
    let batch = padded_batch();
    let h = head_grads(&p, &cfg, &batch, HeadChoice::Mlm.weights());
    // The decoder share alone is a full MLM-head backward into a fresh Grads.
    let (out, cache) = model::forward(&p, &cfg, &batch, HeadChoice::Mlm.weights(), None::<&mut StdRng>);
    let mut heads_only = Grads::zeros(&cfg);
    model::backward_heads(&p, &cfg, &batch, HeadChoice::Mlm.weights(), &out, &cache, &mut heads_only);
    assert_eq!(h.word_from_decoder, heads_only.word);
    assert!(h.word_from_decoder.iter().any(|&x| x != 0.0));
    let input = &h.grads.word - &h.word_from_decoder;
    assert!(input.iter().any(|&x| x != 0.0), "the lookup share is not empty");
    let mut by_position = Array2::<f32>::zeros((batch.seq, cfg.hidden_size));
    for (n, row) in h.rows.axis_iter(Axis(0)).enumerate() {
        let mut r = by_position.row_mut(n % batch.seq);
        r += &row;
    }
    let worst = (&by_position - &h.grads.position.slice(ndarray::s![..batch.seq, ..]))
        .mapv(f32::abs)
        .fold(0.0f32, |a, &b| a.max(b));
    assert!(worst < 1e-6, "position rows differ from the summed input-row gradients by {worst}");
}

#[test]
fn grad_flow_groups_cover_every_parameter_once() {
    let (cfg, p) = small();
    let batch = padded_batch();
    let one = Batch {
        batch: 1,
        seq: 6,
        ids: batch.ids[..6].to_vec(),
        segments: batch.segments[..6].to_vec(),
        attention: vec![true; 6],
        mlm_rows: vec![1, 4],
        mlm_labels: vec![13, 6],
        nsp_labels: vec![0],
    };
    let flow = grad_flow(&p, &cfg, &one);
    let names: Vec<&str> = flow.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "token table",
            "position table",
            "segment table",
            "embedding LayerNorm",
            "layer 1 attention",
            "layer 1 FFN",
            "layer 2 attention",
            "layer 2 FFN",
            "MLM transform",
            "MLM decoder bias",
            "pooler",
            "NSP classifier"
        ]
    );
    let mlm = head_grads(&p, &cfg, &one, HeadChoice::Mlm.weights()).grads;
    let total: f64 = flow.groups.iter().map(|g| f64::from(g.mlm).powi(2)).sum();
    let direct = f64::from(mlm.global_norm()).powi(2);
    assert!((total - direct).abs() <= 1e-4 * direct, "groups {total} vs global norm² {direct}");
    assert_eq!(flow.tokens.len(), 6);
    assert_eq!(flow.word_decoder[1], 0.0, "NSP never reaches the decoder");
}

#[test]
fn pca_axes_are_orthonormal_and_find_a_planted_direction() {
    // 200 points spread mostly along u, less along v, a little noise elsewhere.
    let h = 6;
    let u = Array1::from(vec![0.6f32, 0.8, 0.0, 0.0, 0.0, 0.0]);
    let v = Array1::from(vec![0.0f32, 0.0, 0.0, 1.0, 0.0, 0.0]);
    let mut rng = StdRng::seed_from_u64(1);
    let rows = Array2::from_shape_fn((200, h), |_| 0.01 * bert_tutor::model::params::standard_normal(&mut rng));
    let mut rows = rows;
    for (i, mut r) in rows.axis_iter_mut(Axis(0)).enumerate() {
        let (a, b) = ((i as f32 * 0.37).sin() * 3.0, (i as f32 * 1.3).cos());
        r.scaled_add(a, &u);
        r.scaled_add(b, &v);
        r += 5.0; // an offset the mean removes
    }
    let proj = pca2(rows.view(), None);
    let a = &proj.axes;
    for i in 0..2 {
        assert!((a.row(i).dot(&a.row(i)) - 1.0).abs() < 1e-5, "axis {i} is not unit length");
    }
    assert!(a.row(0).dot(&a.row(1)).abs() < 1e-5, "the axes are not orthogonal");
    assert!(a.row(0).dot(&u).abs() > 0.999, "PC1 {:?} is not u", a.row(0));
    assert!(a.row(1).dot(&v).abs() > 0.999, "PC2 {:?} is not v", a.row(1));
    assert!(proj.explained[0] > proj.explained[1] && proj.explained[0] + proj.explained[1] <= 1.0 + 1e-6);
    // Seeded with flipped axes, the signs follow them: the map does not mirror.
    let flipped = -&proj.axes;
    let again = pca2(rows.view(), Some(&flipped));
    assert!(again.axes.row(0).dot(&flipped.row(0)) > 0.999 && again.axes.row(1).dot(&flipped.row(1)) > 0.999);
}

#[test]
fn nearest_ranks_by_cosine_and_skips_what_it_is_told() {
    let table = array![[1.0f32, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0], [10.0, 1.5]];
    let near = nearest(table.view(), 0, 3, |i| i == 4);
    let ids: Vec<usize> = near.iter().map(|n| n.0).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert!((near[0].1 - cosine(table.view(), 0, 1)).abs() < 1e-6);
    assert!((cosine(table.view(), 0, 3) + 1.0).abs() < 1e-6);
}

#[test]
fn the_bundled_categories_are_single_pieces_of_the_vocabulary() {
    let tok = BertTokenizer::bundled().unwrap();
    let cats = categories();
    assert!(cats.len() >= 5 && cats.len() <= 8, "the screen has 8 marks");
    assert_eq!(cats[0].0, "animals", "file order is kept");
    for (name, words) in cats {
        for w in words {
            assert!(tok.token_id(w).is_some(), "[{name}] {w} is not one piece of the bundled vocabulary");
        }
    }
    assert!(parse_categories("[a]\nwords = 3").is_err());
}

/// The look-inside views are computed only while their stage is shown.
#[test]
fn the_extra_numbers_are_computed_only_on_their_stage() {
    let mut app = App::bundled(0).unwrap();
    assert!(matches!(app.view.inside, Inside::None));
    app.update(Action::RerollMask);
    assert!(matches!(app.view.inside, Inside::None), "stage 1 computes none of it");
    for (i, stage) in [(8, Stage::Attention), (9, Stage::GradFlow), (10, Stage::Space)] {
        app.update(Action::GoStage(i));
        assert_eq!(app.stage, stage);
        assert!(app.view.inside.is_for(stage) && !matches!(app.view.inside, Inside::None));
    }
    app.update(Action::GoStage(0));
    app.update(Action::RerollMask);
    assert!(matches!(app.view.inside, Inside::None), "back on stage 1 the next recompute drops it");
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    let buf = t.backend().buffer();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>() + "\n").collect()
}

/// Stage 9's focus line names the query's strongest keys with the weights the model gives,
/// for the head chosen with `>`.
#[test]
fn stage_9_reads_the_models_attention() {
    let mut app = App::bundled(0).unwrap();
    app.update(Action::GoStage(8));
    app.update(Action::NextHead); // layer 1, head 2
    app.update(Action::Down); // query 2, "dog"
    let batch = app.pair.batch(app.tok.special.pad);
    let maps = attentions(&app.params, &app.cfg, &batch);
    let map = maps[0].slice(ndarray::s![0, 1, .., ..]);
    let (k, w) = top_keys(map, 2, 1)[0];
    let s = screen(&app, 120, 40);
    assert!(s.contains("Layer 1 of 2, head 2 of 4"), "{s}");
    let input = app.tok.token(app.pair.plan.input_ids[k]); // a masked key reads as [MASK]
    let expected = format!("2 dog (layer 1 head 2) attends most to: {k} {input} {w:.2}");
    assert!(s.contains(&expected), "{expected:?} not in\n{s}");
    let cross = format!("{:.0}% of its attention goes across the boundary", 100.0 * across(map, &batch.segments, 2));
    assert!(s.contains(&cross), "{cross:?} not in\n{s}");
    app.update(Action::ToggleGrid);
    let s = screen(&app, 120, 40);
    for (i, share) in cls_to_b(&maps, &batch.segments).into_iter().enumerate() {
        let (l, h) = (i / 4 + 1, i % 4 + 1);
        assert!(s.contains(&format!("L{l} H{h}")), "thumbnail L{l} H{h} missing");
        assert!(s.contains(&format!("CLS→B {:.0}%", 100.0 * share)), "L{l} H{h}'s share {share} missing\n{s}");
    }
}

/// Stage 10 prints each group's norms as the model computes them, and "0 (none)" exactly
/// where a loss does not reach.
#[test]
fn stage_10_prints_the_models_gradient_norms() {
    let mut app = App::bundled(0).unwrap();
    app.update(Action::GoStage(9));
    let batch = app.pair.batch(app.tok.special.pad);
    let flow = grad_flow(&app.params, &app.cfg, &batch);
    let s = screen(&app, 120, 60);
    let row = |name: &str| {
        s.lines().find(|l| l.contains(&format!("│{name} "))).unwrap_or_else(|| panic!("no {name} row\n{s}")).to_string()
    };
    let g = |name: &str| flow.groups.iter().find(|g| g.name == name).unwrap().clone();
    let tt = row("token table");
    assert!(
        tt.contains(&format!("{:.1e}", g("token table").mlm)) && tt.contains(&format!("{:.1e}", g("token table").nsp)),
        "{tt}"
    );
    let pooler = row("pooler");
    assert!(pooler.contains("0 (none)") && pooler.contains(&format!("{:.1e}", g("pooler").nsp)), "{pooler}");
    let transform = row("MLM transform");
    assert!(
        transform.contains(&format!("{:.1e}", g("MLM transform").mlm)) && transform.contains("0 (none)"),
        "{transform}"
    );
    assert!(s.contains("The pooler and the NSP classifier get nothing from MLM"));
}

/// Stage 11 lists the cursor piece's nearest rows by cosine, as computed from the table.
#[test]
fn stage_11_lists_the_models_nearest_neighbours() {
    let mut app = App::bundled(0).unwrap();
    app.update(Action::GoStage(10));
    app.update(Action::Down); // "dog"
    let id = app.pair.encoded.ids[2] as usize;
    let tok = &app.tok;
    let near = nearest(app.params.word.view(), id, 8, |i| tok.token(i as u32).starts_with('['));
    let s = screen(&app, 120, 40);
    assert!(s.contains("nearest to dog"), "{s}");
    for (i, c) in near.iter().take(3) {
        let line = format!("{c:>+6.2}  {}", tok.token(*i as u32));
        assert!(s.contains(&line), "{line:?} not in\n{s}");
    }
    // The legend's "● animals" does not count: the map itself marks animal pieces with ●.
    let marked = ["●dog", "●cat", "●bird", "●sheep", "●fish", "●rabbit"].iter().filter(|a| s.contains(*a)).count();
    assert!(marked >= 3, "the map marks the animals ({marked} of 6)\n{s}");
}
