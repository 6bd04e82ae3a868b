//! bert-tutor: parse the command line, run it, and turn any error into one line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    configure();
    let cli = bert_tutor::cmd::cli::Cli::parse();
    match bert_tutor::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // Usage errors exit 2, as clap's own do.
            if e.is::<bert_tutor::cmd::NotATerminal>() { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

/// Process-wide settings (see docs/PERFORMANCE.md for the speed ones). They are only sound
/// before any other thread exists, so they live here, the first thing `main` does, and
/// nowhere a library caller could reach them.
///
/// - `bert-tutor inspect | head` must end quietly when `head` closes the pipe, as Unix
///   tools do, not panic on the failed write: SIGPIPE gets its default action back.
/// - Training splits each batch across cores itself, so matrixmultiply's own thread pool
///   would only add wake-ups to small products: it gets one thread (unless the user set
///   `MATMUL_NUM_THREADS`).
/// - glibc returns large freed blocks to the OS and faults them back in on the next step;
///   raising the mmap and trim thresholds keeps a step's activations on the heap.
fn configure() {
    if std::env::var_os("MATMUL_NUM_THREADS").is_none() {
        // SAFETY: called at the start of main, before any thread exists.
        unsafe { std::env::set_var("MATMUL_NUM_THREADS", "1") };
    }
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any other thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}
