//! What Linux, macOS and Windows do differently, in one place: syncing files and folders to
//! disk, putting a finished folder where an old one stands, and a thread giving way to the
//! screen. The rest of the crate calls these and holds no `cfg(target_os)` of its own. Each
//! portable fallback is a plain function that the Linux tests run too (`tests/hardening.rs`).
//! A leaf: it imports nothing from the crate.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Flushes one file's contents to disk. Windows flushes only a handle opened for writing
/// (`FlushFileBuffers` on a read-only one is "access denied"); Unix syncs any descriptor.
pub fn sync_file(path: &Path) -> io::Result<()> {
    let file = if cfg!(windows) { File::options().write(true).open(path)? } else { File::open(path)? };
    file.sync_all()
}

/// Flushes a folder's list of entries, so that a rename into it survives a crash. Windows
/// cannot open a folder as a file, and its file system journals renames itself: nothing to do.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(windows) { Ok(()) } else { File::open(dir)?.sync_all() }
}

/// Every file in `dir` (not its subfolders), then the folder's own entry list.
pub fn sync_folder(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() {
            sync_file(&path)?;
        }
    }
    sync_dir(dir)
}

/// Puts the folder `staged` where the folder `dir` is, replacing it, and removes the old
/// contents. On Linux one `renameat2(RENAME_EXCHANGE)` swaps the two, so `dir` is never
/// missing; elsewhere (and on Linux file systems without it) [`replace_by_renames`].
pub fn replace_folder(staged: &Path, dir: &Path) -> io::Result<()> {
    if std::fs::rename(staged, dir).is_ok() {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    match exchange(staged, dir) {
        Ok(()) => {
            std::fs::remove_dir_all(staged).ok(); // now holds the old checkpoint
            return Ok(());
        }
        Err(e) if !matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => return Err(e),
        Err(_) => {} // this file system cannot exchange: rename instead
    }
    replace_by_renames(staged, dir)
}

/// Swaps two paths in one atomic step (Linux 3.15+).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: two valid NUL-terminated paths; renameat2 reads them and touches nothing else.
    let rc =
        unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// How many times [`replace_by_renames`] tries the rename before giving up: each failure
/// moves aside whatever another save put at the name meanwhile.
const RENAME_TRIES: usize = 64;

/// The portable [`replace_folder`]: the old `dir` moves into a fresh, uniquely named folder
/// beside it (`.NAME.old-XXXXXX`), then `staged` takes its name, then the old one is removed.
/// When another save puts a folder at `dir` in between, that one is moved aside too and the
/// rename tried again (the last save wins, as with the exchange). When `staged` cannot take
/// the name, the newest folder moved aside goes back. Not atomic: a crash between the two
/// renames leaves no `dir`, and the old checkpoint whole in `.NAME.old-*`.
pub fn replace_by_renames(staged: &Path, dir: &Path) -> io::Result<()> {
    let name = dir.file_name().map_or_else(|| "folder".into(), |n| n.to_string_lossy().to_string());
    let holder = tempfile::Builder::new().prefix(&format!(".{name}.old-")).tempdir_in(parent(dir))?;
    let mut aside: Vec<PathBuf> = Vec::new();
    let mut last = None;
    for _ in 0..RENAME_TRIES {
        match std::fs::rename(staged, dir) {
            Ok(()) => return Ok(()), // `holder` goes, with every old folder in it
            Err(e) => last = Some(e),
        }
        let place = holder.path().join(aside.len().to_string());
        if std::fs::rename(dir, &place).is_ok() {
            aside.push(place);
        }
    }
    if let Some(newest) = aside.last() {
        std::fs::rename(newest, dir).ok();
    }
    Err(last.unwrap_or_else(|| io::Error::other("the folder kept changing")))
}

/// The folder `path` is in (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

thread_local! {
    static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The calling thread gives way to the screen: it runs when the screen's threads do not need
/// the core. Linux: nice 10 (`setpriority` on a thread id; threads it starts inherit it).
/// macOS: the utility QoS class (`pthread_set_qos_class_self_np`), the class Apple names for
/// long work a user watches. Windows: `THREAD_PRIORITY_BELOW_NORMAL`. On macOS and Windows a
/// new thread does not inherit this, so threads that do the same work call
/// [`match_priority`]. Best effort: a refusal leaves the priority as it was.
pub fn lower_this_thread() {
    LOWERED.set(true);
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority reads no memory of ours; `who` 0 is the calling thread on Linux.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
    #[cfg(target_vendor = "apple")]
    // SAFETY: changes only the calling thread's QoS class; reads no memory of ours.
    unsafe {
        libc::pthread_set_qos_class_self_np(libc::qos_class_t::QOS_CLASS_UTILITY, 0);
    }
    #[cfg(windows)]
    // SAFETY: GetCurrentThread is a pseudo-handle for the calling thread, valid without closing.
    unsafe {
        use windows_sys::Win32::System::Threading::{
            GetCurrentThread, SetThreadPriority, THREAD_PRIORITY_BELOW_NORMAL,
        };
        SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL);
    }
}

/// Whether [`lower_this_thread`] ran on the calling thread.
pub fn this_thread_lowered() -> bool {
    LOWERED.get()
}

/// Lowers the calling thread's priority when `lowered` (its creator's [`this_thread_lowered`]).
pub fn match_priority(lowered: bool) {
    if lowered {
        lower_this_thread();
    }
}
