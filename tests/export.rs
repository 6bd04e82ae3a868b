//! Export: the SVG, HTML and text files are the screen. Each screen is drawn into ratatui's
//! `TestBackend` as `tests/tui.rs` draws it, and the exports of that same buffer are
//! checked against it: the SVG parses as SVG 1.1 and holds every non-blank cell's text, row
//! by row and in order, in the palette's colour of the cell; block elements became
//! rectangles; the `.txt` is the backend's own view of the buffer. Then the loss history
//! (CSV, plot) and the `e` key, which writes the files and never overwrites.

use bert_tutor::export::palette::{self, Rgb};
use bert_tutor::export::{html, loss, svg, text};
use bert_tutor::model::LossWeights;
use bert_tutor::train::worker::TrainEvent;
use bert_tutor::train::{EvalStats, StepStats};
use bert_tutor::tui::action::Action;
use bert_tutor::tui::app::{App, Stage};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn app() -> App {
    let mut app = App::bundled(0).unwrap();
    app.color = true;
    app
}

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t
}

fn stage_buffer(stage: Stage) -> (App, Terminal<TestBackend>) {
    let mut app = app();
    app.update(Action::GoStage(stage.index()));
    let t = draw(&app, 120, 40);
    (app, t)
}

/// `TestBackend`'s own text of each row (its `Display`: one quoted row per line, followed
/// by the cells hidden behind wide characters, if any), trailing spaces trimmed.
fn backend_rows(t: &Terminal<TestBackend>) -> Vec<String> {
    format!("{}", t.backend())
        .lines()
        .map(|line| {
            let line = line.split("\" Hidden by multi-width symbols:").next().unwrap();
            let inner = line.strip_prefix('"').unwrap();
            inner.strip_suffix('"').unwrap_or(inner).trim_end_matches(' ').to_string()
        })
        .collect()
}

/// Characters the SVG may draw as shapes: box drawing, block elements, braille.
fn drawn(c: char) -> bool {
    matches!(c as u32, 0x2500..=0x259F | 0x2800..=0x28FF | 0x23F8)
}

/// The `<text>` elements of an SVG: (row, first column, fill, text).
fn svg_texts(doc: &roxmltree::Document) -> Vec<(u32, u32, String, String)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let y: u32 = n.attribute("y").unwrap().parse().unwrap();
            let xs: Vec<u32> = n.attribute("x").unwrap().split(' ').map(|x| x.parse().unwrap()).collect();
            let text: String = n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect();
            assert!(xs.len() == 1 || xs.len() == text.chars().count(), "one x per character: {text:?}");
            (y / svg::CELL_H, xs[0] / svg::CELL_W, n.attribute("fill").unwrap_or_default().to_string(), text)
        })
        .collect()
}

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}"))
}

/// The SVG is XML with an `svg` root of version 1.1, and every row's text (all that is not
/// a space or drawn as a shape) is in its `<text>` elements, in order. Checked on every stage.
#[test]
fn the_svg_is_svg_1_1_and_holds_every_cells_text() {
    for stage in Stage::ALL {
        let (_, t) = stage_buffer(stage);
        let out = svg::render(t.backend().buffer(), "title");
        let doc = parse(&out);
        let root = doc.root_element();
        assert!(root.has_tag_name(("http://www.w3.org/2000/svg", "svg")), "root {:?}", root.tag_name());
        assert_eq!(root.attribute("version"), Some("1.1"));
        let mut texts = svg_texts(&doc);
        texts.sort_by_key(|t| (t.0, t.1));
        for (y, row) in backend_rows(&t).iter().enumerate() {
            let want: String = row.chars().filter(|c| !c.is_whitespace() && !drawn(*c)).collect();
            let got: String = texts
                .iter()
                .filter(|t| t.0 == y as u32)
                .flat_map(|t| t.3.chars())
                .filter(|c| !c.is_whitespace() && !drawn(*c))
                .collect();
            assert_eq!(got, want, "stage {}, row {y}: {row:?}", stage.index() + 1);
        }
    }
}

/// The text with the colour the theme gives it: in stage 2, "dog" is segment A (cyan) and
/// "likes" segment B (yellow); the cursor token "my" is reversed (dark text on a cyan box).
#[test]
fn the_svg_colours_are_the_themes() {
    let (_, t) = stage_buffer(Stage::Input);
    let buf = t.backend().buffer();
    let (dx, dy) = find(buf, "Input ", "dog");
    assert_eq!(buf[(dx, dy)].fg, Color::Cyan, "the theme's segment A");
    let out = svg::render(buf, "title");
    let doc = parse(&out);
    let texts = svg_texts(&doc);
    let fill_at = |x: u16, y: u16| {
        let t = texts.iter().find(|t| t.0 == u32::from(y) && t.1 == u32::from(x)).expect("a text there");
        t.2.clone()
    };
    assert_eq!(fill_at(dx, dy), "#11a8cd", "cyan in the palette");
    let (lx, ly) = find(buf, "Input ", "likes");
    assert_eq!(fill_at(lx, ly), "#e5e510", "yellow in the palette");
    let (mx, my) = find(buf, "Input ", "my");
    assert_eq!(fill_at(mx, my), palette::DEFAULT_BG.hex(), "reversed: the text takes the background");
    let under = doc.descendants().find(|n| {
        n.has_tag_name("rect")
            && n.attribute("x") == Some(&(u32::from(mx) * svg::CELL_W).to_string())
            && n.attribute("y") == Some(&(u32::from(my) * svg::CELL_H).to_string())
    });
    assert_eq!(under.and_then(|n| n.attribute("fill")), Some("#11a8cd"), "reversed: a cyan box behind it");
}

/// The cell where `text` starts in the first row that holds `row`.
fn find(buf: &Buffer, row: &str, text: &str) -> (u16, u16) {
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        if let Some(i) = line.find(row).and_then(|r| line[r..].find(text).map(|i| r + i)) {
            return (line[..i].chars().count() as u16, y);
        }
    }
    panic!("{text:?} after {row:?} is not on the screen");
}

/// Stage 3's heat strips (░▒▓█) become rectangles in the cell's colour, the shades at 25,
/// 50 and 75% opacity, and none of them is left as text.
#[test]
fn block_elements_become_rectangles() {
    let (_, t) = stage_buffer(Stage::Embeddings);
    let buf = t.backend().buffer();
    let out = svg::render(buf, "title");
    let doc = parse(&out);
    let rects: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("rect")).collect();
    let mut checked = 0;
    for (i, cell) in buf.content.iter().enumerate() {
        let opacity = match cell.symbol() {
            "░" => "0.25",
            "▒" => "0.5",
            "▓" => "0.75",
            _ => continue,
        };
        let (x, y) = ((i % 120) as u32 * svg::CELL_W, (i / 120) as u32 * svg::CELL_H);
        let fill = palette::rgb(cell.fg, palette::DEFAULT_FG).hex();
        let covers = |n: &roxmltree::Node| {
            let v = |a| n.attribute(a).and_then(|s: &str| s.parse::<f32>().ok()).unwrap_or(-1.0);
            v("x") <= x as f32 && v("x") + v("width") >= (x + svg::CELL_W) as f32 && v("y") == y as f32
        };
        assert!(
            rects
                .iter()
                .any(|n| covers(n) && n.attribute("fill") == Some(&fill) && n.attribute("opacity") == Some(opacity)),
            "no {fill} rectangle at {opacity} over cell {}",
            i
        );
        checked += 1;
    }
    assert!(checked > 100, "only {checked} shaded cells on stage 3");
    let texts = svg_texts(&doc);
    assert!(texts.iter().all(|t| !t.3.contains(['░', '▒', '▓', '█'])), "a block element left as text");
}

/// The `.txt` export is the buffer's text as `TestBackend` shows it, one line per row,
/// trailing spaces trimmed, on every stage; a wide character hides the cell after it.
#[test]
fn the_text_export_is_the_buffers_text() {
    for stage in Stage::ALL {
        let (_, t) = stage_buffer(stage);
        let want = backend_rows(&t).join("\n") + "\n";
        assert_eq!(text::plain(t.backend().buffer()), want, "stage {}", stage.index() + 1);
    }
    let mut app = app();
    app.set_pair_text("my 狗 is cute", "he likes playing").unwrap();
    let t = draw(&app, 120, 40);
    let plain = text::plain(t.backend().buffer());
    assert!(plain.contains("\"my 狗 is cute\""), "the wide character and the cell after it:\n{plain}");
    assert_eq!(plain, backend_rows(&t).join("\n") + "\n");
}

/// ANSI: the same text with SGR escapes; removing them gives the text back, and the named
/// colours are the terminal's (segment A's cyan is SGR 36).
#[test]
fn the_ansi_export_is_the_text_with_escapes() {
    let (_, t) = stage_buffer(Stage::Input);
    let buf = t.backend().buffer();
    let ansi = text::ansi(buf);
    let mut stripped = String::new();
    let mut rest = ansi.as_str();
    while let Some(i) = rest.find("\x1b[") {
        stripped.push_str(&rest[..i]);
        let end = rest[i..].find('m').expect("an SGR ends in m");
        rest = &rest[i + end + 1..];
    }
    stripped.push_str(rest);
    assert_eq!(stripped, text::plain(buf));
    assert!(ansi.contains("\x1b[0;36mdog"), "segment A in cyan");
}

/// The HTML page is a `<pre>` of the buffer's text in styled spans, the same palette.
#[test]
fn the_html_export_has_the_text_and_the_palette() {
    let (_, t) = stage_buffer(Stage::Input);
    let page = html::render(t.backend().buffer(), "stage 2");
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<pre>"));
    assert!(page.contains("<span style=\"color:#11a8cd\">dog</span>"), "segment A in the palette's cyan");
    assert!(page.contains("[CLS]") && page.contains("&quot;my dog is cute&quot;"));
}

/// An evaluation's training columns are the mean of the steps since the evaluation before.
#[test]
fn the_csv_has_one_row_per_evaluation_with_the_mean_training_loss() {
    let mut app = app();
    let eval = |mlm_loss| EvalStats { mlm_loss, mlm_accuracy: 0.25, nsp_accuracy: 0.5, nsp_loss: 0.7 };
    app.on_train(TrainEvent::Eval { step: 0, stats: eval(7.5) });
    for step in 1..=250 {
        let s = step as f32;
        app.on_train(TrainEvent::Step(StepStats {
            step,
            mlm_loss: s,
            nsp_loss: 1.0,
            total_loss: s + 1.0,
            lr: s * 1e-5,
            grad_norm: 1.0,
            ..Default::default()
        }));
    }
    app.on_train(TrainEvent::Eval { step: 250, stats: eval(6.0) });
    let csv = loss::csv(&app.loss_rows());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "step,train MLM,train NSP,total,held-out MLM loss,MLM top-1,NSP accuracy,learning rate,MLM weight,NSP weight,sentence task"
    );
    assert_eq!(lines.len(), 3, "a header and two evaluations:\n{csv}");
    assert_eq!(lines[1], "0,,,,7.5,0.25,0.5,,,,nsp");
    assert_eq!(lines[2], "250,125.5,1,126.5,6,0.25,0.5,0.0025,1,1,nsp");

    // `w` to MLM only at step 300: the next row covers the steps since, with their weights,
    // so that its total is the weighted sum of its columns.
    let mlm_only = LossWeights { mlm: 1.0, nsp: 0.0 };
    for step in 251..=500 {
        let weights = if step <= 300 { LossWeights::default() } else { mlm_only };
        let total = 2.0 + weights.nsp;
        let s = StepStats { step, mlm_loss: 2.0, nsp_loss: 1.0, total_loss: total, weights, ..Default::default() };
        app.on_train(TrainEvent::Step(s));
    }
    app.on_train(TrainEvent::Eval { step: 500, stats: eval(5.0) });
    let csv = loss::csv(&app.loss_rows());
    assert_eq!(csv.lines().nth(3), Some("500,2,1,2,5,0.25,0.5,0,1,0,nsp"), "{csv}");
}

/// The plot is SVG with the curves' names in its legend and its axes named.
#[test]
fn the_loss_plot_is_svg_with_a_legend() {
    let mut app = app();
    app.on_train(TrainEvent::Eval { step: 0, stats: EvalStats { mlm_loss: 7.6, nsp_loss: 0.7, ..Default::default() } });
    for step in 1..=100 {
        let l = 8.0 - step as f32 / 100.0;
        let s = StepStats {
            step,
            mlm_loss: l,
            nsp_loss: 0.69,
            total_loss: l + 0.69,
            lr: 1e-3,
            grad_norm: 1.0,
            ..Default::default()
        };
        app.on_train(TrainEvent::Step(s));
    }
    let plot = loss::plot(&app.loss_curves()).unwrap();
    let doc = parse(&plot);
    assert!(doc.root_element().has_tag_name("svg"));
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect();
    for label in [
        "training MLM (running mean)",
        "training NSP (running mean)",
        "training total (running mean)",
        "held-out MLM",
        "held-out NSP",
        "step",
        "loss (nats)",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label:?} not in {texts:?}");
    }
    let lines = doc.descendants().filter(|n| n.has_tag_name("polyline")).count();
    assert!(lines >= 3, "the three training curves are lines: {lines}");
}

/// `e` writes NN-<stage>.svg, .html and .txt into the export folder, as the screen is drawn
/// at its size, and the message names the folder; again, it adds -2 rather than overwrite.
/// On stage 8 the loss CSV and plot come too.
#[test]
fn e_writes_the_screen_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app();
    app.export_dir = dir.path().join("figures");
    app.screen = ratatui::layout::Size::new(100, 30);
    app.update(Action::GoStage(Stage::Input.index()));
    app.update(Action::Export);
    let message = app.message.clone().expect("a message");
    assert!(!message.error && message.text.contains(&app.export_dir.display().to_string()), "{message:?}");
    let txt = std::fs::read_to_string(app.export_dir.join("02-input.txt")).unwrap();
    app.message = None; // the screen as it was when `e` was pressed
    assert_eq!(txt, text::plain(&app.draw_to_buffer(app.screen)));
    assert_eq!(txt.lines().count(), 30, "drawn at the screen's size");
    for name in ["02-input.svg", "02-input.html"] {
        assert!(app.export_dir.join(name).is_file(), "{name}");
    }
    app.update(Action::Export);
    assert!(app.export_dir.join("02-input-2.svg").is_file(), "{:?}", app.message);
    assert_eq!(std::fs::read_to_string(app.export_dir.join("02-input.txt")).unwrap(), txt, "the first is kept");
    app.update(Action::GoStage(Stage::Training.index()));
    app.update(Action::Export);
    for name in ["08-training.svg", "08-training-loss.csv", "08-training-loss.svg"] {
        assert!(app.export_dir.join(name).is_file(), "{name}: {:?}", app.message);
    }
}

/// A folder that cannot be made gives one error line, and the app goes on.
#[test]
fn an_unwritable_export_folder_is_an_error_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let mut app = app();
    app.export_dir = file.join("figures");
    app.update(Action::Export);
    let message = app.message.clone().expect("a message");
    assert!(message.error && message.text.contains("a-file"), "{message:?}");
    assert!(!message.text.contains('\n'));
    let rows = backend_rows(&draw(&app, 120, 40));
    let start: String = message.text.chars().take(30).collect();
    assert!(rows.iter().any(|r| r.contains(&start)), "the message is on screen: {start:?} not in\n{}", rows.join("\n"));
}

/// A colour of the palette that a named colour maps to, for the record of the test above.
#[test]
fn named_colours_map_to_the_documented_palette() {
    assert_eq!(palette::rgb(Color::Cyan, Rgb(0, 0, 0)), Rgb(0x11, 0xa8, 0xcd));
    assert_eq!(palette::rgb(Color::Reset, Rgb(1, 2, 3)), Rgb(1, 2, 3));
    assert_eq!(palette::rgb(Color::Indexed(196), Rgb(0, 0, 0)), Rgb(255, 0, 0));
    assert_eq!(palette::rgb(Color::Indexed(232), Rgb(0, 0, 0)), Rgb(8, 8, 8));
}

/// After `o` switches NSP to SOP, each CSV row names its task and the plot draws one
/// held-out series per task, never one line joining both tasks' scores.
#[test]
fn exports_keep_each_rows_sentence_task() {
    let mut app = app();
    let eval = |nsp_loss| EvalStats { mlm_loss: 7.0, nsp_loss, mlm_accuracy: 0.1, nsp_accuracy: 0.6 };
    app.on_train(TrainEvent::Eval { step: 0, stats: eval(0.7) });
    let step = |app: &mut App, step| {
        let s = StepStats { step, mlm_loss: 7.0, nsp_loss: 0.7, total_loss: 7.7, ..Default::default() };
        app.on_train(TrainEvent::Step(s));
    };
    (1..=250).for_each(|s| step(&mut app, s));
    app.on_train(TrainEvent::Eval { step: 250, stats: eval(0.6) });
    app.update(Action::CycleTask); // NSP → SOP
    app.on_train(TrainEvent::Eval { step: 250, stats: eval(0.69) });
    (251..=500).for_each(|s| step(&mut app, s));
    app.on_train(TrainEvent::Eval { step: 500, stats: eval(0.65) });
    let csv = loss::csv(&app.loss_rows());
    let tasks: Vec<&str> = csv.lines().skip(1).map(|l| l.rsplit(',').next().unwrap()).collect();
    assert_eq!(tasks, ["nsp", "nsp", "sop", "sop"], "{csv}");
    let plot = loss::plot(&app.loss_curves()).unwrap();
    for label in ["held-out NSP", "held-out SOP", "training NSP → SOP (running mean)"] {
        assert!(plot.contains(label), "{label:?} is not in the plot's legend");
    }
}
