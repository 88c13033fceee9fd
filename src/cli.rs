//! The command line: `aftercare [serve|migrate|user create …]`.
use std::io::{IsTerminal, Read};

/// `println!` that stops quietly when standard output is closed (`aftercare demo | head -1`)
/// instead of panicking on the broken pipe.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

use clap::{Parser, Subcommand, ValueEnum};

use crate::{
    app::Application,
    auth::password,
    clock::Clock,
    config::Config,
    db,
    i18n::Lang,
    roles::Role,
    users::{
        forms::{Email, UserDetails, parse_name},
        queries::{self, ChangeError},
    },
};

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
    }
}

async fn import_leavers(config: Config, file: &std::path::Path) -> Outcome {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return Outcome::Usage(format!("cannot read {}: {e}", file.display())),
    };
    let result = async {
        let db = db::connect_and_migrate(&config).await?;
        let now = Clock::system().now();
        let today = now.with_timezone(&config.time_zone).date_naive();
        // Stored windows follow this run's settings before any record is added.
        crate::leavers::queries::refresh_windows(&db, &config.window_rules, now).await?;
        crate::leavers::import::import(&db, now, today, None, &bytes, &config.window_rules).await
    }
    .await;
    match result {
        Ok(crate::leavers::import::Outcome::Imported(n)) => {
            out!("imported {n} records");
            Outcome::Success
        }
        Ok(crate::leavers::import::Outcome::Rejected(errors)) => {
            let tr = crate::i18n::Catalogs::load().map(|c| c.translator(Lang::En));
            for e in &errors {
                let message = tr.as_ref().map(|t| t.t(e.message_id)).unwrap_or_default();
                eprintln!(
                    "row {}, {}: {message}",
                    e.line,
                    if e.field.is_empty() { "-" } else { &e.field }
                );
            }
            Outcome::Failed(format!(
                "{} problems found; nothing was imported",
                errors.len()
            ))
        }
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

async fn retention_list(config: Config, date: Option<&str>) -> Outcome {
    let day = match date.map(crate::web::forms::parse_date) {
        None => Clock::system()
            .now()
            .with_timezone(&config.time_zone)
            .date_naive(),
        Some(Some(d)) => d,
        Some(None) => return Outcome::Usage("--date: not a date as YYYY-MM-DD".into()),
    };
    let result = async {
        let db = db::connect_and_migrate(&config).await?;
        Ok::<_, anyhow::Error>(crate::retention::due(&db, day, config.retention_years).await?)
    }
    .await;
    match result {
        Ok(due) => {
            out!("{} records past their retention date on {day}", due.len());
            for l in due {
                let until = crate::retention::retention_date(&l, config.retention_years)
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                let hold = l
                    .legal_hold
                    .map(|h| format!(" (legal hold: {h})"))
                    .unwrap_or_default();
                out!("  {}  kept until {until}{hold}", l.case_number);
            }
            Outcome::Success
        }
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

async fn audit_verify(config: Config) -> Outcome {
    let result = async {
        let db = db::connect_and_migrate(&config).await?;
        Ok::<_, anyhow::Error>(crate::audit::verify(&db).await?)
    }
    .await;
    match result {
        Ok(Ok(n)) => {
            out!("audit chain intact: {n} entries");
            Outcome::Success
        }
        Ok(Err(broken)) => Outcome::Failed(format!(
            "audit chain broken at entry {}: {}",
            broken.id, broken.problem
        )),
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

async fn report(config: Config, fy: i32, csv: bool) -> Outcome {
    if !(2000..=2100).contains(&fy) {
        return Outcome::Usage(format!("--fy: a year from 2000 to 2100, not {fy}"));
    }
    let result: anyhow::Result<()> = async {
        let state = Application::open(config, Clock::system()).await?;
        let r = crate::reports::annual(&state, fy).await?;
        let tr = state.catalogs.translator(Lang::Ja);
        let min = state.config.report_min_cell.into();
        use std::io::Write;
        if csv {
            let bytes = crate::reports::views::csv_bytes(&r, &tr, min)?;
            // A reader that stopped early (`| head`) is not an error.
            match std::io::stdout().write_all(&bytes) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
                _ => {}
            }
        } else {
            for [section, item, value] in crate::reports::views::rows(&r, &tr, min) {
                out!("{section}\t{item}\t{value}");
            }
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Outcome::Success,
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

async fn remind(config: Config, date: Option<&str>, dry_run: bool) -> Outcome {
    let day = match date {
        None => None,
        Some(raw) => match crate::web::forms::parse_date(raw) {
            Some(d) => Some(d),
            None => return Outcome::Usage(format!("--date: not a date as YYYY-MM-DD: {raw}")),
        },
    };
    let result: anyhow::Result<Outcome> = async {
        let state = Application::open(config, Clock::system()).await?;
        let day = day.unwrap_or_else(|| state.clock.today(state.config.time_zone));
        if dry_run {
            let plan = crate::reminders::dry_run(&state, day).await?;
            out!(
                "dry run for {day}: {} emails would be sent (nothing sent or recorded)",
                plan.len()
            );
            for (to, items) in plan {
                out!("to {} <{}> ({} reminders)", to.name, to.email, items.len());
                for i in items {
                    out!("  - {} {} {}", i.rule.as_str(), i.case_number, i.name);
                }
            }
            return Ok(Outcome::Success);
        }
        let report = crate::reminders::run_for_day(&state, day).await?;
        let holder = format!("cli-{}", crate::auth::tokens::random_hex(4));
        let deliver = || crate::reminders::delivery::deliver_due(&state, &holder);
        let mut delivered = deliver().await?;
        // Another process holds delivery: if it crashed, its lease lapses within
        // LEASE_TTL; if it is alive, it sends these emails itself.
        let patience = crate::reminders::delivery::LEASE_TTL + chrono::Duration::seconds(5);
        let started = std::time::Instant::now();
        while let Some((other, until)) = &delivered.held_by {
            if started.elapsed() > patience.to_std().unwrap_or_default() {
                break;
            }
            if started.elapsed().as_secs() == 0 {
                out!(
                    "delivery is held by {other} until {until}: waiting for it to finish or lapse"
                );
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            delivered = deliver().await?;
        }
        out!(
            "{day}: {} reminders in {} emails; sent {}, to retry {}, failed {}; {} emails waiting",
            report.reminders,
            report.emails,
            delivered.sent,
            delivered.retrying,
            delivered.failed,
            delivered.waiting
        );
        if let Some((other, until)) = &delivered.held_by {
            out!(
                "delivery is still held by {other} (until {until}, renewed while it works): \
                 it sends the waiting emails"
            );
        }
        Ok(Outcome::Success)
    }
    .await;
    result.unwrap_or_else(|e| Outcome::Failed(format!("{e:#}")))
}

async fn demo(config: Config) -> Outcome {
    let result = async {
        let db = db::connect_and_migrate(&config).await?;
        let now = Clock::system().now();
        let today = now.with_timezone(&config.time_zone).date_naive();
        crate::leavers::queries::refresh_windows(&db, &config.window_rules, now).await?;
        crate::demo::load(&db, now, today, &config.window_rules).await
    }
    .await;
    match result {
        Ok(loaded) => {
            out!("loaded {} fictional care leavers", loaded.leavers);
            out!("demo accounts (passwords shown once):");
            for (email, password) in loaded.accounts {
                out!("  {email}  {password}");
            }
            Outcome::Success
        }
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

async fn serve(config: Config) -> Outcome {
    let base_url = config.base_url.clone();
    // Held while serving, so that `restore` refuses to swap the database under us.
    let _serving = match crate::backup::hold_while_serving(&config) {
        Ok(f) => f,
        Err(e) => return Outcome::Failed(format!("{e:#}")),
    };
    let app = match Application::build(config, Clock::system()).await {
        Ok(app) => app,
        Err(e) => return Outcome::Failed(format!("cannot start: {e:#}")),
    };
    // The setup link comes first: whoever waits for "listening on" has it already.
    if let Some(token) = app.setup_token() {
        tracing::warn!(
            "no account exists yet: create the first administrator at {base_url}/setup?token={token}"
        );
    }
    tracing::info!(address = %app.local_addr(), "listening on http://{}", app.local_addr());
    match app.run_until(shutdown_signal()).await {
        Ok(()) => Outcome::Success,
        Err(e) => Outcome::Failed(format!("server stopped: {e:#}")),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

async fn create_user(
    config: Config,
    email: &str,
    name: &str,
    role: RoleArg,
    language: LangArg,
) -> Outcome {
    let Some(email) = Email::parse(email) else {
        return Outcome::Usage(format!("--email: not an email address: {email}"));
    };
    let Some(name) = parse_name(name) else {
        return Outcome::Usage("--name: give 1 to 100 characters".into());
    };
    let details = UserDetails {
        name,
        email,
        role: match role {
            RoleArg::Coordinator => Role::Coordinator,
            RoleArg::Finance => Role::Finance,
            RoleArg::Admin => Role::Admin,
        },
        language: match language {
            LangArg::En => Lang::En,
            LangArg::Ja => Lang::Ja,
        },
    };
    let piped = if std::io::stdin().is_terminal() {
        String::new()
    } else {
        let mut input = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut input) {
            return Outcome::Failed(format!("cannot read the password from standard input: {e}"));
        }
        input.lines().next().unwrap_or("").to_string()
    };
    // A terminal, or nothing on standard input: make a password and show it once.
    let (password, generated) = if piped.is_empty() {
        (password::generate(), true)
    } else {
        let pw = piped;
        if let Err(id) =
            password::check_policy(&pw, &[details.name.as_str(), details.email.as_str()])
        {
            let why = match id {
                "field-password-too-long" => "must have at most 256 characters",
                "field-password-too-short" => "must have at least 12 characters",
                "field-password-weak" => {
                    "is too easy to guess (a common word, a pattern, or the account's own name \
                     or email address): try a phrase of three or four unrelated words"
                }
                _ => "must not contain control or invisible characters",
            };
            return Outcome::Usage(format!("the password on standard input {why}"));
        }
        (pw, false)
    };
    let result: anyhow::Result<Result<i32, ChangeError>> = async {
        let db = db::connect_and_migrate(&config).await?;
        let hash = password::hash(password.clone()).await?;
        let txn = db::begin_write(&db).await?;
        let created =
            queries::create(&txn, Clock::system().now(), None, "create", &details, hash).await;
        if created.is_ok() {
            txn.commit().await?;
        }
        Ok(created.map(|u| u.id))
    }
    .await;
    match result {
        Ok(Ok(id)) => {
            out!(
                "created {} account {} (id {id})",
                details.role.as_str(),
                details.email.as_str()
            );
            if generated {
                out!("password (shown once): {password}");
            }
            Outcome::Success
        }
        Ok(Err(ChangeError::EmailTaken)) => Outcome::Failed(format!(
            "an account with {} already exists",
            details.email.as_str()
        )),
        Ok(Err(e)) => Outcome::Failed(e.to_string()),
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}
