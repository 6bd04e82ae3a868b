//! What the screen says is true (issue 22): a demo refuses the keys that would change its
//! run, `x` draws B from another document as stage 6 says, the help names only keys that do
//! what it says in the mode at hand, and stage 10's sentences follow its numbers.

mod common;

use bert_tutor::demo::{Demo, DemoStep};
use bert_tutor::tui::action::{Action, key_help};
use common::{app, press, shows};
use ratatui::crossterm::event::KeyCode;

/// In a demo every key that would change the model, its training or the pair is refused
/// with a message; looking around stays free.
#[test]
fn a_demo_refuses_keys_that_change_its_run() {
    let mut app = app();
    let d = Demo { title: "t".into(), seed: 1, steps: vec![DemoStep::default()], path: "t.toml".into() };
    app.start_demo(d);
    let state = |app: &bert_tutor::tui::app::App| {
        let p = &app.pair;
        (
            p.a.clone(),
            p.b.clone(),
            p.plan.clone(),
            p.task,
            app.training.heads,
            app.training.peak_lr,
            app.masker.strategy,
        )
    };
    let before = state(&app);
    for c in ['.', '+', '-', 'w', 'R', 'o', 'n', 'x', 'a', 'b', 'r', 't', 'm', 'L', ']', '[', 'A'] {
        press(&mut app, KeyCode::Char(c));
        let m = app.message.as_ref().unwrap_or_else(|| panic!("{c:?}: no message"));
        assert!(m.error && m.text.starts_with("in a demo, keys that change"), "{c:?}: {}", m.text);
        assert!(app.editing.is_none() && app.menu.is_none() && app.lesson.is_none(), "{c:?} opened something");
    }
    assert_eq!(state(&app), before, "nothing changed");
    press(&mut app, KeyCode::Char('9'));
    press(&mut app, KeyCode::Char('>'));
    assert_eq!((app.stage.index(), app.head), (8, 1), "stages and heads stay free");
}

/// `x` swaps B for a sentence of another document, never A's own, as BERT's data draws it.
/// On a corpus of two documents, a draw from any document would pick A's own half the time.
#[test]
fn x_draws_b_from_another_document() {
    use bert_tutor::text::corpus::Corpus;
    let mut app = app();
    let text = "the cat sat down.\nthe dog ran off.\nthe bird sang.\n\nmy sister is here.\nher brother is not.\nthey like tea.\n";
    app.corpus = std::sync::Arc::new(Corpus::parse(text, "two.txt", &app.tok).unwrap());
    let doc_of =
        |app: &bert_tutor::tui::app::App, s: &str| app.corpus.text.iter().position(|d| d.iter().any(|x| x == s));
    for _ in 0..40 {
        app.update(Action::NewPair { is_next: true });
        let home = doc_of(&app, &app.pair.a).expect("a corpus pair's A is in the corpus");
        app.update(Action::SwapB);
        let docs: Vec<usize> =
            app.corpus.text.iter().enumerate().filter(|(_, d)| d.contains(&app.pair.b)).map(|(i, _)| i).collect();
        assert!(!docs.is_empty() && !docs.contains(&home), "B {:?} came from A's document {home}", app.pair.b);
    }
}

/// The help lists `a / b` only where b edits B (not in presenter mode, where b blanks), and
/// `n / N` and the other keys that change the run only outside a demo (N shows the notes
/// there).
#[test]
fn the_help_names_keys_only_where_they_do_that() {
    let keys = |present, demo| key_help(present, demo).map(|(k, _)| k).collect::<Vec<_>>();
    assert!(keys(false, false).contains(&"a / b"));
    assert!(!keys(true, false).contains(&"a / b") && keys(true, false).contains(&"a / B"));
    for k in ["n / N", "x", "w", "+ / -", "r / t", "a / b"] {
        assert!(!keys(false, true).contains(&k) && !keys(true, true).contains(&k), "{k} listed in a demo");
    }
    assert!(keys(true, true).contains(&"b"), "presenter mode in a demo: b blanks");
}

/// Stage 10 says the shared layers get gradient from both losses only when they do: with no
/// piece masked the MLM loss sends nothing, and the screen says so instead.
#[test]
fn stage_10_says_both_only_when_both_send_gradient() {
    let mut app = app();
    press(&mut app, KeyCode::Char('0'));
    let s = shows(&app, 120, 40);
    assert!(s.contains("is shared, and gets gradient from"), "{s}");
    for position in app.pair.plan.masked.iter().map(|m| m.position).collect::<Vec<_>>() {
        app.cursor = position;
        press(&mut app, KeyCode::Char('m'));
    }
    assert!(app.pair.plan.masked.is_empty());
    let s = shows(&app, 120, 40);
    assert!(!s.contains("is shared, and gets gradient from"), "{s}");
    assert!(s.contains("No piece is masked"), "{s}");
}

/// The snapshots redact shades, so the shades are asserted here: stage 9's map row q, key k
/// is the shade of the attention of q to k (not k to q: a transposed map fails), for every
/// row of the head on screen.
#[test]
fn stage_9_shades_are_the_attention_weights_row_by_row() {
    use bert_tutor::tui::app::inside::Inside;
    let mut app = app();
    // An untrained head spreads its attention evenly (a map that reads the same either way
    // round): larger query and key weights make every head's attention peaked, and uneven.
    let mut p = (*app.params).clone();
    p.layers[0].query.w *= 12.0;
    p.layers[0].key.w *= 12.0;
    let snapshot = bert_tutor::train::worker::TrainEvent::Snapshot { step: 0, params: std::sync::Arc::new(p) };
    app.on_train(snapshot);
    press(&mut app, KeyCode::Char('9'));
    press(&mut app, KeyCode::Char('>'));
    press(&mut app, KeyCode::Char('>')); // layer 1, head 3
    let Inside::Attention(maps) = &app.view.inside else { panic!("stage 9 has its maps") };
    let heads = app.cfg.num_attention_heads;
    let map = maps[app.head / heads].index_axis(ndarray::Axis(0), app.head % heads).to_owned();
    let t = map.nrows();
    let transposed_differs = (0..t).any(|q| (0..t).any(|k| (map[[q, k]] - map[[k, q]]).abs() > 0.2));
    assert!(transposed_differs, "this head's map must not be symmetric for the test to mean anything");
    let shade = |w: f32| ['·', '░', '▒', '▓', '█'][[0.05, 0.15, 0.3, 0.5].iter().filter(|&&s| w >= s).count()];
    let s = shows(&app, 100, 40); // no side pane, whose bars use the same glyphs
    let tokens = &app.pair.encoded.tokens;
    let mut rows = s.lines().skip_while(|l| !l.contains("CLS MSK"));
    for q in 0..t {
        let label = format!("{q:>2} {}", tokens[q]);
        let row = rows
            .find(|l| l.trim_start_matches('│').starts_with(&format!("{q:>2} ")))
            .unwrap_or_else(|| panic!("row {label}:\n{s}"));
        let cells: Vec<char> = row.chars().filter(|c| "·░▒▓█".contains(*c)).collect();
        let fill = cells.len() / t;
        assert!(fill >= 1 && cells.len() == fill * t, "row {q}: {row}");
        let drawn: String = cells.iter().step_by(fill).collect();
        let expected: String = (0..t).map(|k| shade(map[[q, k]])).collect();
        assert_eq!(drawn, expected, "row {q} ({label}): {row}");
    }
}

/// Stage 10's bars are drawn to the norms: a larger gradient norm never has a shorter bar,
/// and "0 (none)" is exactly a zero.
#[test]
fn stage_10_bars_follow_the_norms() {
    use bert_tutor::tui::app::inside::Inside;
    let mut app = app();
    press(&mut app, KeyCode::Char('0'));
    let Inside::Gradients(flow) = &app.view.inside else { panic!("stage 10 has its norms") };
    let s = shows(&app, 100, 40);
    for (column, norm) in
        [(0usize, (|g: &bert_tutor::model::inspect::grad_flow::GroupNorms| g.mlm) as fn(&_) -> f32), (1, |g| g.nsp)]
    {
        let mut drawn: Vec<(f32, usize)> = Vec::new();
        for g in &flow.groups {
            let row = s.lines().find(|l| l.trim_start_matches('│').starts_with(&format!("{:<20}", g.name))).unwrap();
            let rest = &row.trim_start_matches('│')[20..];
            let part = if column == 0 {
                rest.split("  ").next().unwrap().to_string()
            } else {
                rest.split("  ").filter(|p| !p.trim().is_empty()).nth(1).unwrap_or_default().to_string()
            };
            if norm(g) == 0.0 {
                assert!(part.contains("0 (none)"), "{}: {row}", g.name);
            } else {
                drawn.push((norm(g), part.chars().filter(|&c| c == '█').count()));
            }
        }
        drawn.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(drawn.windows(2).all(|w| w[0].1 <= w[1].1), "column {column}: bars out of order {drawn:?}");
        assert!(drawn.first().unwrap().1 < drawn.last().unwrap().1, "column {column}: every bar alike");
    }
}

/// Stage 3's heat strips are the vectors' values: the cell of token i, column c, dimension
/// d has the shade of |value| / (that column's largest |value|), in quarters.
#[test]
fn stage_3_strips_are_the_table_rows_values() {
    let mut app = app();
    press(&mut app, KeyCode::Char('3'));
    let s = shows(&app, 100, 40);
    let lines: Vec<Vec<char>> = s.lines().map(|l| l.chars().collect()).collect();
    let header = s.lines().find(|l| l.contains("token   id")).expect("the column names");
    let at = |name: &str| {
        header
            .chars()
            .collect::<String>()
            .match_indices(name)
            .map(|(i, _)| header[..i].chars().count())
            .collect::<Vec<_>>()
    };
    let dims = at("segment")[0] - at("token")[1] - 3;
    let r = &app.view.rows;
    let cols = [&r.token, &r.segment, &r.position, &r.sum, &r.normed];
    let e = &app.pair.encoded;
    let (mut checked, mut below) = (0, 0);
    for i in 0..e.ids.len() {
        // Rows come in token order; the two [SEP] rows read alike, so each search starts
        // under the row before.
        let prefix = format!("{:<9}{:>5}  ", e.tokens[i], e.ids[i]);
        let (y, x0) = s
            .lines()
            .enumerate()
            .skip(below)
            .find_map(|(y, l)| l.find(&prefix).map(|x| (y, l[..x].chars().count() + prefix.chars().count())))
            .unwrap_or_else(|| panic!("token {i} row:\n{s}"));
        below = y + 1;
        for (c, a) in cols.iter().enumerate() {
            let scale = a.iter().fold(0f32, |m, v| m.max(v.abs()));
            for d in 0..dims {
                let level = ((a[[i, d]] / scale).abs() * 4.0).round() as usize;
                let expected = [' ', '░', '▒', '▓', '█'][level.min(4)];
                assert_eq!(lines[y][x0 + c * (dims + 3) + d], expected, "token {i} column {c} dim {d}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 11 * 5 * 8, "{checked}");
}
