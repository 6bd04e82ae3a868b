//! What the user can ask for, and the one place keys become [`Action`]s.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A user intent; `App::update` carries it out.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `q` or Ctrl-C: quits, or first asks when training that is not saved would be lost.
    Quit,
    /// In the quit question: quit without saving.
    QuitNow,
    /// In the quit question: save to the checkpoint folder, then quit.
    SaveAndQuit,
    /// In the quit question: stay.
    StayOpen,
    /// Esc: closes what is open (the lesson pane); never quits, so that pressing it to close
    /// things cannot lose training.
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
    /// A digit in the menu: opens lesson 1–9 at once.
    MenuPick(usize),
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
    /// A key the mode does not allow, with why (see [`policy`]).
    Refused(&'static str),
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
    /// "Quit and lose N steps?": q (or Ctrl-C) quits, S saves first, any other key stays.
    ConfirmQuit,
}

/// Maps a key press to an action; `mode` routes keys to the text field or an open overlay,
/// so that they never reach the stage beneath it. Only presses count (Windows also reports
/// releases).
pub fn from_key(key: KeyEvent, mode: Mode) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
    if mode == Mode::ConfirmQuit {
        return Some(match key.code {
            KeyCode::Char('q') => Action::QuitNow,
            _ if ctrl_c => Action::QuitNow,
            KeyCode::Char('S') => Action::SaveAndQuit,
            _ => Action::StayOpen,
        });
    }
    if ctrl_c {
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
            KeyCode::Char(c @ '1'..='9') => Some(Action::MenuPick(c as usize - '0' as usize)),
            KeyCode::Esc | KeyCode::Char('L') => Some(Action::MenuClose),
            _ => None,
        },
        Mode::Blanked => Some(Action::Blank),
        Mode::ConfirmQuit => None, // answered above
        Mode::Screen { present, demo } => screen_key(key.code, present, demo).map(|a| policy(a, demo)),
    }
}

/// What a demo refuses: every key that would change the model, its training or the pair.
/// A demo replays exactly; one stray `.` (a training step) would make every later
/// caption's numbers wrong. Looking around (stages, heads, help, export, notes) is free.
const DEMO_REFUSES: &str =
    "in a demo, keys that change the model or the pair are off, so that each step shows what its caption says";

/// The one place a mode's key policy lives: the screen's keys, as [`screen_key`] mapped
/// them, allowed or refused (the editing field, the overlays and the quit question take
/// every key for themselves in [`from_key`]).
fn policy(action: Action, demo: bool) -> Action {
    let changes_the_run = matches!(
        action,
        Action::StepOnce
            | Action::LrUp
            | Action::LrDown
            | Action::CycleWeights
            | Action::ResetWeights
            | Action::CycleTask
            | Action::NewPair { .. }
            | Action::SwapB
            | Action::EditA
            | Action::EditB
            | Action::RerollMask
            | Action::ToggleMask
            | Action::CycleStrategy
            | Action::OpenLessonsMenu
            | Action::LessonNext
            | Action::LessonPrev
            | Action::LessonAnswer
    );
    if demo && changes_the_run { Action::Refused(DEMO_REFUSES) } else { action }
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

/// When a line of the help applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// Outside a demo (inside one, ← → and Space step through it, and the keys that
    /// change the run are off).
    NoDemo,
    Demo,
    /// Neither presenter mode nor a demo.
    Plain,
    /// Presenter mode outside a demo; presenter mode in a demo.
    PresentNoDemo,
    PresentDemo,
}

/// Every key, for the help screen: (keys, what they do, when). Kept to 22 lines in any mode,
/// so that the overlay fits an 80×24 screen, and to 60 columns of text, so each line fits.
pub const KEY_HELP: &[(&str, &str, When)] = &[
    ("← → / h l", "previous / next stage", When::NoDemo),
    ("1 … 9, 0", "stages 1–10 (0 is 10); ← from stage 1 goes round to 11", When::Always),
    ("↑ ↓ / k j", "move the token cursor (or scroll the focused pane)", When::Always),
    ("Tab", "focus: the token list or the detail pane", When::Always),
    ("a / b", "edit sentence A / B (Enter applies, Esc cancels)", When::Plain),
    ("a / B", "edit sentence A / B (b: blank the screen)", When::PresentNoDemo),
    ("b", "blank the screen; any key brings it back", When::PresentDemo),
    ("n / N", "new pair from the corpus: IsNext / NotNext (SOP: order)", When::NoDemo),
    ("x", "B ⇄ a random sentence (SOP: swap A and B)", When::NoDemo),
    ("o", "sentence task: NSP (BERT) → SOP (ALBERT) → none (RoBERTa)", When::NoDemo),
    ("r / t", "re-roll the mask / masking rule (fixed, whole-word, HF)", When::NoDemo),
    ("m / Enter", "mask or unmask the token under the cursor", When::NoDemo),
    ("Space / .", "pause / resume training; one step while paused", When::NoDemo),
    ("+ / -", "double / halve the learning rate", When::NoDemo),
    ("w", "loss weights: MLM + NSP → MLM only → NSP only", When::NoDemo),
    ("R / S", "fresh initial weights / save a checkpoint to ./checkpoint", When::NoDemo),
    ("S", "save a checkpoint of the model to ./checkpoint", When::Demo),
    ("e", "export this screen to ./bert-tutor-export/ (SVG, HTML, text)", When::Always),
    ("< > , / g", "stage 9: previous / next head / every head at once", When::Always),
    ("L", "lessons menu (↑↓ Enter); a lesson resumes where it stopped", When::NoDemo),
    ("] [ / A", "next / previous lesson step / answer its quiz", When::NoDemo),
    ("Space → / ←", "demo: next step / previous step, exactly as it was", When::Demo),
    ("p / N", "demo: pause or resume the step's training / speaker notes", When::Demo),
    ("the rest", "off in a demo: keys that change the model or the pair", When::Demo),
    ("?", "this help (any key closes it)", When::Always),
    ("q", "quit (asks first when unsaved training would be lost)", When::Always),
    ("Esc", "close: a text field, a menu, the help, the lesson pane", When::Always),
];

/// The help lines that apply in presenter mode or not, in a demo or not.
pub fn key_help(present: bool, demo: bool) -> impl Iterator<Item = (&'static str, &'static str)> {
    KEY_HELP
        .iter()
        .filter(move |(_, _, when)| match when {
            When::Always => true,
            When::NoDemo => !demo,
            When::Demo => demo,
            When::Plain => !present && !demo,
            When::PresentNoDemo => present && !demo,
            When::PresentDemo => present && demo,
        })
        .map(|&(k, what, _)| (k, what))
}
