//! **My account**'s sessions (DESIGN 2.10): where the user is signed in (device, address,
//! started, last seen, this one), and ending one or all the others. Sessions are rows of the
//! session store, keyed by a digest of their id; the digest names a session here (it cannot be
//! turned back into a cookie).
use chrono::{DateTime, Utc};
use entity::sessions;
use poem::{Request, Response, handler, web::Path};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::{
    audit::chain::{self as audit, Entry},
    auth::{
        login::{SESSION_CLIENT, SESSION_DEVICE},
        tokens::sha256_hex,
    },
    db,
    error::{AppError, AppResult},
    web::{context::Ctx, context::SESSION_EPOCH, render::see_other},
};

/// One session as the account page lists it.
pub struct SessionRow {
    pub id: String,
    pub device: String,
    pub client: String,
    pub started: String,
    pub last_seen: String,
    pub current: bool,
}

/// The digest of this request's session id (its row's key), if it has one.
pub fn current_key(req: &Request) -> Option<String> {
    crate::web::client::cookie(req, "aftercare_session").map(|v| sha256_hex(&v))
}

/// A browser and system in words, from a `User-Agent`.
pub fn describe_device(user_agent: &str) -> Option<String> {
    let found = woothee::parser::Parser::new().parse(user_agent)?;
    let name = found.name.trim();
    let os = found.os.trim();
    match (name, os) {
        ("UNKNOWN", "UNKNOWN") | ("", "") => None,
        (n, "UNKNOWN" | "") => Some(n.to_string()),
        ("UNKNOWN" | "", o) => Some(o.to_string()),
        (n, o) => Some(format!("{n} · {o}")),
    }
}

/// The user's live sessions (of their current session epoch), most recently used first.
async fn live(
    db: &impl ConnectionTrait,
    user_id: i32,
    epoch: i32,
) -> Result<Vec<(sessions::Model, serde_json::Value)>, DbErr> {
    Ok(sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .order_by_desc(sessions::Column::LastSeenAt)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|s| {
            let data: serde_json::Value = serde_json::from_str(&s.data).ok()?;
            (data.get(SESSION_EPOCH).and_then(serde_json::Value::as_i64) == Some(epoch.into()))
                .then_some((s, data))
        })
        .collect())
}

/// The rows for the account page.
pub async fn rows(ctx: &Ctx, req: &Request) -> AppResult<Vec<SessionRow>> {
    let user = ctx.user()?;
    let current = current_key(req);
    let text = |data: &serde_json::Value, key: &str| {
        data.get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok(live(&ctx.app.db, user.id, user.session_epoch)
        .await?
        .into_iter()
        .map(|(s, data)| SessionRow {
            current: current.as_deref() == Some(s.id_hash.as_str()),
            device: describe_device(&text(&data, SESSION_DEVICE))
                .unwrap_or_else(|| ctx.t("sessions-unknown-device")),
            client: text(&data, SESSION_CLIENT),
            started: ctx.datetime(&s.created_at),
            last_seen: ctx.datetime(&s.last_seen_at),
            id: s.id_hash,
        })
        .collect())
}

async fn end(
    ctx: &Ctx,
    now: DateTime<Utc>,
    user_id: i32,
    keys: Vec<String>,
    summary: &str,
    raise_epoch: bool,
) -> AppResult<()> {
    use sea_orm::{ExprTrait, sea_query::Expr};
    let txn = db::begin_write(&ctx.app.db).await?;
    if raise_epoch {
        entity::users::Entity::update_many()
            .col_expr(
                entity::users::Column::SessionEpoch,
                Expr::col(entity::users::Column::SessionEpoch).add(1),
            )
            .filter(entity::users::Column::Id.eq(user_id))
            .exec(&txn)
            .await?;
    }
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::IdHash.is_in(keys))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        Entry {
            actor_id: Some(user_id),
            action: "session_end",
            entity: "user",
            entity_id: Some(user_id.into()),
            summary,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `POST /account/sessions/{id}/end`: ends one of the user's other sessions (this one is
/// ended by signing out).
#[handler]
pub async fn end_one(ctx: &Ctx, req: &Request, Path(id): Path<String>) -> AppResult<Response> {
    let user = ctx.user()?;
    let sessions = live(&ctx.app.db, user.id, user.session_epoch).await?;
    if current_key(req).as_deref() == Some(id.as_str())
        || !sessions.iter().any(|(s, _)| s.id_hash == id)
    {
        return Err(AppError::NotFound);
    }
    end(ctx, ctx.now(), user.id, vec![id], "one", false).await?;
    ctx.flash_success("sessions-ended-one");
    Ok(see_other("/account#sessions"))
}

/// `POST /account/sessions/end-others`: every session of the user but this one. The account's
/// session epoch is raised (so a request of another session still in flight cannot bring it
/// back), and this session goes on under a new id.
#[handler]
pub async fn end_others(ctx: &Ctx, req: &Request) -> AppResult<Response> {
    let user = ctx.user()?;
    let current = current_key(req);
    let now = ctx.now();
    let others: Vec<String> = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user.id))
        .all(&ctx.app.db)
        .await?
        .into_iter()
        .map(|s| s.id_hash)
        .filter(|k| Some(k) != current.as_ref())
        .collect();
    let count = others.len();
    end(ctx, now, user.id, others, &format!("others: {count}"), true).await?;
    crate::auth::login::start_session(ctx, user.id, user.session_epoch + 1);
    ctx.flash_success("sessions-ended-others");
    Ok(see_other("/account#sessions"))
}

#[cfg(test)]
mod tests {
    use super::describe_device;

    #[test]
    fn a_browser_and_its_system_are_named() {
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(
            describe_device(firefox).as_deref(),
            Some("Firefox · Windows 10")
        );
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert!(describe_device(iphone).unwrap().contains("iPhone"));
        assert_eq!(describe_device(""), None);
    }
}
