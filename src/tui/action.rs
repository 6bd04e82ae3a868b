//! What the user can ask for, and the one place keys become [`Action`]s.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A user intent; `App::update` carries it out.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Quit,
    /// Esc: closes the lesson pane if one is showing, else quits.
    Escape,
    ToggleHelp,
    NextStage,
    PrevStage,
    GoStage(usize),
    Up,
    Down,
    FocusNext,
    TogglePause,
    StepOnce,
    LrUp,
    LrDown,
    CycleWeights,
    ResetWeights,
    Save,
    RerollMask,
    ToggleMask,
    CycleStrategy,
    /// The sentence objective: NSP → SOP → none.
    CycleTask,
    SwapB,
    NewPair {
        is_next: bool,
    },
    EditA,
    EditB,
    /// A key for the open text field.
    EditKey(KeyEvent),
    EditSubmit,
    EditCancel,
    LessonNext,
    LessonPrev,
    LessonAnswer,
    /// `L`: the lessons menu, with the current lesson selected.
    OpenLessonsMenu,
    MenuUp,
    MenuDown,
    /// Enter in the menu: opens the selected lesson where it stopped.
    MenuOpen,
    /// Esc or `L` in the menu: closes it, changing nothing.
    MenuClose,
    /// Stage 9: the previous / next attention head (layer by layer).
    PrevHead,
    NextHead,
    /// Stage 9: one head's map, or every head's as thumbnails.
    ToggleGrid,
    /// `e`: write the screen to files (SVG, HTML, text) in the export folder.
    Export,
    /// Presenter mode, `b`: blank the screen (a pause for talking); any key brings it back.
    Blank,
    /// A demo: the next / previous step (`Space` or `→`, `←`).
    DemoNext,
    DemoPrev,
    /// A demo: show or hide the speaker notes (`N`).
    ToggleNotes,
}

/// What has the keys: the text field, an overlay, or the screen under them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The stage itself; `present` (presenter mode) and `demo` (a demo is playing) change
    /// a few keys, see [`screen_key`].
    Screen {
        present: bool,
        demo: bool,
    },
    /// Presenter mode's blank screen: any key brings the screen back.
    Blanked,
    Editing,
    Help,
    LessonsMenu,
}

/// Maps a key press to an action; `mode` routes keys to the text field or an open overlay,
/// so that they never reach the stage beneath it. Only presses count (Windows also reports
/// releases).
pub fn from_key(key: KeyEvent, mode: Mode) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match mode {
        Mode::Editing => Some(match key.code {
            KeyCode::Enter => Action::EditSubmit,
            KeyCode::Esc => Action::EditCancel,
            _ => Action::EditKey(key),
        }),
        Mode::Help => match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            _ => Some(Action::ToggleHelp),
        },
        Mode::LessonsMenu => match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::MenuUp),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::MenuDown),
            KeyCode::Enter => Some(Action::MenuOpen),
            KeyCode::Esc | KeyCode::Char('L') => Some(Action::MenuClose),
            _ => None,
        },
        Mode::Blanked => Some(Action::Blank),
        Mode::Screen { present, demo } => screen_key(key.code, present, demo),
    }
}

/// The keys of the screen itself, with no text field or overlay open. In presenter mode `b`
/// blanks the screen (`B` edits sentence B instead); in a demo `Space`, `→` and `←` step
/// through it, `p` pauses training and `N` shows the speaker notes.
fn screen_key(code: KeyCode, present: bool, demo: bool) -> Option<Action> {
    if present && code == KeyCode::Char('b') {
        return Some(Action::Blank);
    }
    if demo {
        match code {
            KeyCode::Char(' ') | KeyCode::Right => return Some(Action::DemoNext),
            KeyCode::Left => return Some(Action::DemoPrev),
            KeyCode::Char('N') => return Some(Action::ToggleNotes),
            KeyCode::Char('p') => return Some(Action::TogglePause),
            _ => {}
        }
    }
    Some(match code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Esc => Action::Escape,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Right | KeyCode::Char('l') => Action::NextStage,
        KeyCode::Left | KeyCode::Char('h') => Action::PrevStage,
        KeyCode::Char(c @ '1'..='9') => Action::GoStage(c as usize - '1' as usize),
        KeyCode::Char('0') => Action::GoStage(9),
        KeyCode::Char('<') | KeyCode::Char(',') => Action::PrevHead,
        KeyCode::Char('>') => Action::NextHead,
        KeyCode::Char('g') => Action::ToggleGrid,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Tab | KeyCode::BackTab => Action::FocusNext,
        KeyCode::Char(' ') => Action::TogglePause,
        KeyCode::Char('.') => Action::StepOnce,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::LrUp,
        KeyCode::Char('-') => Action::LrDown,
        KeyCode::Char('w') => Action::CycleWeights,
        KeyCode::Char('R') => Action::ResetWeights,
        KeyCode::Char('S') => Action::Save,
        KeyCode::Char('r') => Action::RerollMask,
        KeyCode::Char('m') | KeyCode::Enter => Action::ToggleMask,
        KeyCode::Char('t') => Action::CycleStrategy,
        KeyCode::Char('x') => Action::SwapB,
        KeyCode::Char('o') => Action::CycleTask,
        KeyCode::Char('n') => Action::NewPair { is_next: true },
        KeyCode::Char('N') => Action::NewPair { is_next: false },
        KeyCode::Char('a') => Action::EditA,
        KeyCode::Char('b') | KeyCode::Char('B') => Action::EditB,
        KeyCode::Char('e') => Action::Export,
        KeyCode::Char(']') => Action::LessonNext,
        KeyCode::Char('[') => Action::LessonPrev,
        KeyCode::Char('A') => Action::LessonAnswer,
        KeyCode::Char('L') => Action::OpenLessonsMenu,
        _ => return None,
    })
}

/// Every key, for the help screen: (keys, what they do).
pub const KEY_HELP: &[(&str, &str)] = &[
    ("← → / h l", "previous / next stage"),
    ("1 … 9, 0", "jump to stages 1–10 (0 is 10); ← from stage 1 wraps round to 11"),
    ("< > / ,", "stage 9: previous / next attention head (layer by layer)"),
    ("g", "stage 9: every layer × head at once"),
    ("↑ ↓ / k j", "move the token cursor (or scroll the focused detail pane)"),
    ("Tab", "switch focus between the token list and the detail pane"),
    ("a / b", "edit sentence A / B (Enter applies, Esc cancels; B too)"),
    ("b", "presenter mode (--present): blank the screen; any key returns"),
    ("n / N", "draw a new pair from the corpus: IsNext / NotNext (SOP: InOrder / Swapped)"),
    ("x", "swap B between its real next sentence and a random one (SOP: swap A and B)"),
    ("o", "sentence objective: NSP (BERT) → SOP (ALBERT) → none (RoBERTa)"),
    ("r", "re-roll the mask with a new seed"),
    ("m / Enter", "mask or unmask the token under the cursor"),
    ("t", "masking rule: BERT fixed count → whole-word → HF Bernoulli"),
    ("Space", "pause / resume training"),
    (".", "one training step (while paused)"),
    ("+ / -", "double / halve the learning rate"),
    ("w", "loss weights: MLM + NSP → MLM only → NSP only"),
    ("R", "reset the weights to a fresh initialisation"),
    ("S", "save a checkpoint (HF layout) to ./checkpoint"),
    ("e", "export this screen to ./bert-tutor-export/ (SVG, HTML, text)"),
    ("L", "lessons menu (↑↓ Enter); a lesson resumes where it stopped"),
    ("] / [", "next / previous lesson step"),
    ("A", "answer the step's quiz (type it, Enter)"),
    ("Space / → / ←", "in a demo (bert-tutor demo): next step / next step / previous step"),
    ("p / N", "in a demo: pause or resume the step's training / speaker notes"),
    ("?", "this help (any key closes it)"),
    ("q / Esc", "quit (Esc first hides the lesson pane; L brings it back)"),
];
