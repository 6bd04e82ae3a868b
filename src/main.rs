//! bert-tutor: parse the command line, run it, and turn any error into one line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    bert_tutor::process::configure();
    let cli = bert_tutor::cmd::cli::Cli::parse();
    match bert_tutor::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
