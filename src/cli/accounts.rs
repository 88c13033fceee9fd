//! `aftercare user create`.
use std::io::{IsTerminal, Read};

use crate::{
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

use super::*;

pub(super) async fn create_user(
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
