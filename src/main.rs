//! The `aftercare` binary: parses the command line and hands over to the library.
use std::process::ExitCode;

use aftercare::{
    cli::{self, Cli, Outcome},
    config::Config,
};
use clap::Parser;

fn main() -> ExitCode {
    // A panic's message may quote what a user sent: log only where it happened. (Requests
    // that panic are answered with the error page and its request id.)
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(at, "internal error: a panic (its message is not logged)");
    }));
    let cli = Cli::parse();
    let config = match Config::from_environment() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("aftercare: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    aftercare::telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("aftercare: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(cli::run(cli, config));
    match &outcome {
        Outcome::Success => {}
        Outcome::Failed(m) | Outcome::Usage(m) => eprintln!("aftercare: {m}"),
    }
    ExitCode::from(outcome.code() as u8)
}
