//! The command line: `aftercare [serve|migrate|user create …]`.

/// `println!` that stops quietly when standard output is closed (`aftercare demo | head -1`)
/// instead of panicking on the broken pipe.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod accounts;
mod jobs;
mod records;
mod serve;

use accounts::*;
use jobs::*;
use records::*;
use serve::*;

use clap::{Parser, Subcommand, ValueEnum};

use crate::{config::Config, db};

#[derive(Parser)]
#[command(
    name = "aftercare",
    version,
    about = "Aftercare: support for young people leaving care"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web server (the default)
    Serve,
    /// Apply pending database migrations and exit
    Migrate,
    /// Manage staff accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import data from a file
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Load fictional demo data (coordinators and about 200 care leavers)
    Demo,
    /// A consistent, verified copy of the database (the server may run)
    Backup {
        /// The backup folder to create
        path: std::path::PathBuf,
    },
    /// Verify a backup and put it in place (the server must be stopped)
    Restore {
        /// The backup folder
        path: std::path::PathBuf,
    },
    /// List records past their retention date (changes nothing)
    Retention {
        /// The day to judge by (default: today)
        #[arg(long)]
        date: Option<String>,
    },
    /// The audit log
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Reports
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Run the reminder rules for a day now and send the emails
    Remind {
        /// The day to run for (default: today in the team's time zone)
        #[arg(long)]
        date: Option<String>,
        /// Print what would be sent, per recipient; send and record nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the JSON API's OpenAPI document (as served at /api/v1/openapi.json)
    Openapi,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exit 1 naming the first entry that does not match
    Verify,
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The fiscal-year report on standard output
    Annual {
        /// The calendar year the fiscal year starts in
        #[arg(long)]
        fy: i32,
        /// CSV (UTF-8 with BOM) instead of text
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import a register of care leavers from CSV (all rows or none, with a per-row report)
    Leavers {
        /// The CSV file (UTF-8 or Shift_JIS, header row with the field names)
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input when it is not a
    /// terminal; otherwise one is generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long, value_enum, default_value = "ja")]
        language: LangArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Coordinator,
    Finance,
    Admin,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LangArg {
    En,
    Ja,
}

/// How a command ended; the process exits with `code()`.
pub enum Outcome {
    Success,
    /// Failure at work (exit 1).
    Failed(String),
    /// Bad usage or configuration (exit 2).
    Usage(String),
}

impl Outcome {
    pub fn code(&self) -> i32 {
        match self {
            Outcome::Success => 0,
            Outcome::Failed(_) => 1,
            Outcome::Usage(_) => 2,
        }
    }
}

pub async fn run(cli: Cli, config: Config) -> Outcome {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => match db::connect_and_migrate(&config).await {
            Ok(_) => {
                out!("migrations applied");
                Outcome::Success
            }
            Err(e) => Outcome::Failed(format!("migration failed: {e}")),
        },
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    name,
                    role,
                    language,
                },
        } => create_user(config, &email, &name, role, language).await,
        Command::Import {
            command: ImportCommand::Leavers { file },
        } => import_leavers(config, &file).await,
        Command::Demo => demo(config).await,
        Command::Retention { date } => retention_list(config, date.as_deref()).await,
        Command::Backup { path } => {
            let result = async {
                let db = db::connect_and_migrate(&config).await?;
                crate::backup::backup(&config, &db, &path).await
            }
            .await;
            match result {
                Ok(m) => {
                    out!(
                        "backup written to {} (SHA-256 {})",
                        path.display(),
                        m.sha256
                    );
                    Outcome::Success
                }
                Err(e) => Outcome::Failed(format!("{e:#}")),
            }
        }
        Command::Restore { path } => match crate::backup::restore(&config, &path).await {
            Ok(Some(aside)) => {
                out!(
                    "restored {}; the previous database is kept as {}",
                    path.display(),
                    aside.display()
                );
                Outcome::Success
            }
            Ok(None) => {
                out!(
                    "restored {} into an empty data folder (there was no previous database)",
                    path.display()
                );
                Outcome::Success
            }
            Err(e) => Outcome::Failed(format!("{e:#}")),
        },
        Command::Audit {
            command: AuditCommand::Verify,
        } => audit_verify(config).await,
        Command::Report {
            command: ReportCommand::Annual { fy, csv },
        } => report(config, fy, csv).await,
        Command::Remind { date, dry_run } => remind(config, date.as_deref(), dry_run).await,
        Command::Openapi => {
            out!("{}", crate::api::spec::service().spec());
            Outcome::Success
        }
    }
}
