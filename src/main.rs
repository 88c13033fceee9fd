//! The `aftercare` binary: parses the command line and hands over to the library.
use std::process::ExitCode;

use aftercare::{
    cli::{self, Cli, Outcome},
    config::Config,
};
use clap::Parser;

fn main() -> ExitCode {
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
