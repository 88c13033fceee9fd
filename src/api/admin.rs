//! `/admin/api-tokens`: administrators issue API tokens (name, scopes, expiry; the secret is
//! shown once, on the page that answers the form) and revoke them.
use askama::Template;
use chrono::{Days, NaiveDate};
use entity::api_tokens;
use poem::{
    Response, handler,
    web::{Form, Path},
};
use sea_orm::SqlErr;

use crate::{
    api::tokens::{self, NewToken, Scope},
    db,
    error::{AppError, AppResult},
    web::{
        context::Ctx,
        forms::{FormErrors, has_hidden_character, parse_date},
        render::{render, render_refused, see_other},
    },
};

/// The furthest a token's expiry may be set.
pub const MAX_DAYS: u64 = 730;

#[derive(Default)]
pub struct TokenForm {
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_on: String,
}

impl TokenForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> TokenForm {
        let mut form = TokenForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "name" => form.name = v,
                "scopes" => form.scopes.push(v),
                "expires_on" => form.expires_on = v,
                _ => {}
            }
        }
        form
    }

    /// The token asked for, or every problem with the form at once.
    fn parse(&self, today: NaiveDate) -> Result<(String, Vec<Scope>, NaiveDate), FormErrors> {
        let mut errors = FormErrors::default();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.add("name", "api-token-name-required");
        } else if name.chars().count() > 100 || has_hidden_character(&name) {
            errors.add("name", "api-token-name-invalid");
        }
        let mut scopes: Vec<Scope> = self.scopes.iter().filter_map(|s| Scope::parse(s)).collect();
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() || scopes.len() != self.scopes.len() {
            errors.add("scopes", "api-token-scopes-required");
        }
        let expires = parse_date(&self.expires_on);
        match expires {
            None if self.expires_on.trim().is_empty() => {
                errors.add("expires_on", "api-token-expires-required")
            }
            None => errors.add("expires_on", "api-token-expires-invalid"),
            Some(d) if d <= today || d > today + Days::new(MAX_DAYS) => {
                errors.add("expires_on", "api-token-expires-range")
            }
            Some(_) => {}
        }
        match (errors.any(), expires) {
            (false, Some(d)) => Ok((name, scopes, d)),
            _ => Err(errors),
        }
    }
}

pub struct Row {
    pub id: i32,
    pub name: String,
    pub scopes: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub state: String,
    pub live: bool,
}

pub struct ScopeChoice {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "api/tokens.html")]
struct TokensPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<Row>,
    form: TokenForm,
    scopes: Vec<ScopeChoice>,
    errors: FormErrors,
    /// The new token's name and secret, shown this once.
    issued: Option<(String, String)>,
    max_date: String,
}

async fn page<'a>(
    ctx: &'a Ctx,
    form: TokenForm,
    errors: FormErrors,
    issued: Option<(String, String)>,
) -> AppResult<TokensPage<'a>> {
    let now = ctx.now();
    let rows = tokens::all(&ctx.app.db)
        .await?
        .into_iter()
        .map(|t: api_tokens::Model| {
            let live = t.revoked_at.is_none() && t.expires_at > now;
            let state = match (t.revoked_at, live) {
                (Some(at), _) => ctx.t_with("api-token-revoked-on", &[("at", &ctx.datetime(&at))]),
                (None, true) => ctx.t("api-token-live"),
                (None, false) => ctx.t("api-token-expired"),
            };
            Row {
                id: t.id,
                scopes: tokens::scopes_of(&t)
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                created: ctx.datetime(&t.created_at),
                // The last day it works, as it was chosen.
                expires: ctx.tr.date(
                    (t.expires_at - chrono::Duration::seconds(1))
                        .with_timezone(&ctx.app.config.time_zone)
                        .date_naive(),
                ),
                last_used: t
                    .last_used_at
                    .map(|at| ctx.datetime(&at))
                    .unwrap_or_else(|| ctx.t("api-token-never-used")),
                name: t.name,
                state,
                live,
            }
        })
        .collect();
    let scopes = Scope::ALL
        .into_iter()
        .map(|s| ScopeChoice {
            value: s.as_str(),
            label: ctx.t(&s.message_id()),
            checked: form.scopes.iter().any(|x| x == s.as_str()),
        })
        .collect();
    Ok(TokensPage {
        rows,
        scopes,
        form,
        errors,
        issued,
        max_date: (ctx.today() + Days::new(MAX_DAYS)).to_string(),
        ctx,
    })
}

/// `GET /admin/api-tokens`.
#[handler]
pub async fn list(ctx: &Ctx) -> AppResult<Response> {
    let form = TokenForm {
        expires_on: (ctx.today() + Days::new(365)).to_string(),
        ..Default::default()
    };
    render(&page(ctx, form, FormErrors::default(), None).await?)
}

/// `POST /admin/api-tokens`: issues a token and shows its secret once.
#[handler]
pub async fn create(ctx: &Ctx, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let admin = ctx.user()?.id;
    let form = TokenForm::from_pairs(pairs);
    let (name, scopes, expires_on) = match form.parse(ctx.today()) {
        Ok(ok) => ok,
        Err(errors) => {
            return render_refused(&page(ctx, form, errors, None).await?, &AppError::invalid());
        }
    };
    // The token works until the end of its last day, in the city's time zone.
    let expires_at = crate::clock::start_of(expires_on + Days::new(1), ctx.app.config.time_zone);
    let txn = db::begin_write(&ctx.app.db).await?;
    let issued = tokens::issue(
        &txn,
        ctx.now(),
        admin,
        NewToken {
            name: &name,
            scopes: &scopes,
            last_day: expires_on,
            expires_at,
        },
    )
    .await;
    let (token, secret) = match issued {
        Ok(ok) => ok,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            drop(txn);
            let mut errors = FormErrors::default();
            errors.add("name", "api-token-name-taken");
            return render_refused(&page(ctx, form, errors, None).await?, &AppError::invalid());
        }
        Err(e) => return Err(e.into()),
    };
    txn.commit().await?;
    let fresh = TokenForm {
        expires_on: (ctx.today() + Days::new(365)).to_string(),
        ..Default::default()
    };
    render(
        &page(
            ctx,
            fresh,
            FormErrors::default(),
            Some((token.name, secret)),
        )
        .await?,
    )
}

/// `POST /admin/api-tokens/{id}/revoke`: the token opens nothing from the next call on.
#[handler]
pub async fn revoke(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let admin = ctx.user()?.id;
    let txn = db::begin_write(&ctx.app.db).await?;
    let done = tokens::revoke(&txn, ctx.now(), admin, id).await?;
    txn.commit().await?;
    if done {
        ctx.flash_success("api-token-revoked");
    }
    Ok(see_other("/admin/api-tokens"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, scopes: &[&str], expires: &str) -> TokenForm {
        TokenForm {
            name: name.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_on: expires.into(),
        }
    }

    #[test]
    fn every_problem_at_once_and_the_expiry_bounds() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let e = form("", &[], "").parse(today).unwrap_err();
        let fields: Vec<_> = e.fields().copied().collect();
        assert_eq!(fields, ["name", "scopes", "expires_on"]);
        let bad_scope = form(
            "finance",
            &["payments:read", "allowances:approve"],
            "2027-01-01",
        );
        assert_eq!(
            bad_scope.parse(today).unwrap_err().get("scopes"),
            Some("api-token-scopes-required")
        );
        for (day, ok) in [
            ("2026-11-28", false),
            ("2026-11-29", true),
            ("2028-11-27", true),
            ("2028-11-28", false),
        ] {
            let r = form("finance", &["payments:write"], day).parse(today);
            assert_eq!(r.is_ok(), ok, "{day}");
        }
    }
}
