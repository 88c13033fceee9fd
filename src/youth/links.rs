//! Personal links and the sessions they open: a link's token is random (256 bits) and kept
//! only as a digest; a new link revokes the person's earlier ones; closing, anonymising or a
//! coordinator's "revoke" ends every link of the person and the sessions they opened.
use chrono::{DateTime, Duration, Utc};
use entity::{check_ins, contact_proposals, youth_links, youth_sessions};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, Set, sea_query::Expr,
};

use crate::{
    audit::chain::{self as audit, Entry},
    auth::tokens::{random_hex, sha256_hex},
    db,
};

/// How long a session opened by a link lasts without being used.
pub const IDLE: Duration = Duration::minutes(30);

/// The person's full link for a token.
pub fn link_url(base_url: &str, token: &str) -> String {
    format!("{}/y/{token}", base_url.trim_end_matches('/'))
}

/// A link just made: the token is shown or sent once and never stored.
pub struct Issued {
    pub link: youth_links::Model,
    pub token: String,
}

/// Who a new link comes from: a coordinator's new link also ends the pages open with the old
/// one; one the person asked for (or the `check_in` rule sent) leaves an open page alone, so
/// that nobody who knows their address can sign them out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Issuer {
    Staff,
    PersonOrRule,
}

/// Makes a new link for the person, revoking their earlier ones, with its audit entry.
pub async fn issue(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    days: u32,
    actor: Option<i32>,
    leaver_id: i32,
    handed_over: youth_links::HandedOver,
    issuer: Issuer,
) -> Result<Issued, DbErr> {
    match issuer {
        Issuer::Staff => {
            end_links(txn, now, leaver_id).await?;
        }
        Issuer::PersonOrRule => {
            revoke_links(txn, now, leaver_id).await?;
        }
    }
    let token = random_hex(32);
    let link = youth_links::ActiveModel {
        leaver_id: Set(leaver_id),
        token_hash: Set(sha256_hex(&token)),
        handed_over: Set(handed_over),
        created_by: Set(actor),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(days.into())),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let summary = format!(
        "leaver {leaver_id}; {}; until {}",
        handed_over.as_str(),
        link.expires_at.format("%Y-%m-%d")
    );
    audit::record(
        txn,
        now,
        Entry {
            actor_id: actor,
            action: "create",
            entity: "youth_link",
            entity_id: Some(link.id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok(Issued { link, token })
}

/// Ends the person's links and the sessions they opened (no audit entry: the caller's step
/// records why). Returns how many links were still open.
pub async fn end_links(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    leaver_id: i32,
) -> Result<u64, DbErr> {
    youth_sessions::Entity::delete_many()
        .filter(youth_sessions::Column::LeaverId.eq(leaver_id))
        .exec(txn)
        .await?;
    revoke_links(txn, now, leaver_id).await
}

/// Revokes the person's links (the pages open with them stay open until idle). Returns how
/// many were still open.
async fn revoke_links(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    leaver_id: i32,
) -> Result<u64, DbErr> {
    Ok(youth_links::Entity::update_many()
        .col_expr(youth_links::Column::RevokedAt, Expr::value(Some(now)))
        .filter(youth_links::Column::LeaverId.eq(leaver_id))
        .filter(youth_links::Column::RevokedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected)
}

/// A coordinator's "revoke": ends the person's links, audited. False when none was open.
pub async fn revoke(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    leaver_id: i32,
) -> Result<bool, DbErr> {
    let ended = end_links(txn, now, leaver_id).await?;
    if ended > 0 {
        audit::record_on_leaver(txn, now, actor, leaver_id, "revoke_link", "").await?;
    }
    Ok(ended > 0)
}

/// The person's link in force, if any (not revoked, not expired).
pub async fn current(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    leaver_id: i32,
) -> Result<Option<youth_links::Model>, DbErr> {
    youth_links::Entity::find()
        .filter(youth_links::Column::LeaverId.eq(leaver_id))
        .filter(youth_links::Column::RevokedAt.is_null())
        .filter(youth_links::Column::ExpiresAt.gt(now))
        .order_by_desc(youth_links::Column::Id)
        .one(db)
        .await
}

/// The link a token opens, if it is in force and its person's record is open.
pub async fn open_link(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    token: &str,
) -> Result<Option<youth_links::Model>, DbErr> {
    // A token of another shape names no link (and is not hashed for nothing).
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let sql = "SELECT k.* FROM youth_links k JOIN leavers l ON l.id = k.leaver_id \
               WHERE k.token_hash = ? AND k.revoked_at IS NULL AND k.expires_at > ? \
               AND l.status <> 'closed' AND l.anonymised_on IS NULL";
    let statement = db::statement(
        db.get_database_backend(),
        sql,
        vec![sha256_hex(&token.to_ascii_lowercase()).into(), now.into()],
    );
    youth_links::Model::find_by_statement(statement)
        .one(db)
        .await
}

/// Starts a session for the link's person; returns the id for the cookie.
pub async fn start_session(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    link: &youth_links::Model,
) -> Result<String, DbErr> {
    let id = random_hex(32);
    youth_sessions::ActiveModel {
        id_hash: Set(sha256_hex(&id)),
        link_id: Set(link.id),
        leaver_id: Set(link.leaver_id),
        created_at: Set(now),
        last_seen_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(id)
}

#[derive(FromQueryResult)]
struct Live {
    leaver_id: i32,
    last_seen_at: DateTime<Utc>,
}

/// The person a session cookie belongs to, while the link that opened it has not expired,
/// the record is open and the session was used within [`IDLE`]; its last use is written back
/// at most once a minute. (Ending a link on purpose deletes its sessions: see [`end_links`].)
pub async fn session_person(
    db: &sea_orm::DatabaseConnection,
    now: DateTime<Utc>,
    id: &str,
) -> Result<Option<i32>, DbErr> {
    let key = sha256_hex(id);
    let sql = "SELECT s.leaver_id, s.last_seen_at FROM youth_sessions s \
               JOIN youth_links k ON k.id = s.link_id JOIN leavers l ON l.id = s.leaver_id \
               WHERE s.id_hash = ? AND k.expires_at > ? \
               AND l.status <> 'closed' AND l.anonymised_on IS NULL";
    let statement = db::statement(
        db.get_database_backend(),
        sql,
        vec![key.clone().into(), now.into()],
    );
    let Some(live) = Live::find_by_statement(statement).one(db).await? else {
        return Ok(None);
    };
    if now - live.last_seen_at >= IDLE {
        end_session(db, id).await?;
        return Ok(None);
    }
    if now - live.last_seen_at >= Duration::minutes(1) {
        youth_sessions::Entity::update_many()
            .col_expr(youth_sessions::Column::LastSeenAt, Expr::value(now))
            .filter(youth_sessions::Column::IdHash.eq(key))
            .exec(db)
            .await?;
    }
    Ok(Some(live.leaver_id))
}

/// Ends one session (signing out, or idle too long).
pub async fn end_session(db: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    youth_sessions::Entity::delete_many()
        .filter(youth_sessions::Column::IdHash.eq(sha256_hex(id)))
        .exec(db)
        .await?;
    Ok(())
}

/// Anonymising: ends the person's links and erases what they wrote (check-in messages) and
/// the contact details they proposed.
pub async fn erase_person(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    leaver_id: i32,
) -> Result<(), DbErr> {
    end_links(txn, now, leaver_id).await?;
    check_ins::Entity::update_many()
        .col_expr(
            check_ins::Column::Message,
            Expr::value(Option::<String>::None),
        )
        .filter(check_ins::Column::LeaverId.eq(leaver_id))
        .exec(txn)
        .await?;
    contact_proposals::Entity::delete_many()
        .filter(contact_proposals::Column::LeaverId.eq(leaver_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Deletes sessions idle past [`IDLE`] and requests for new links too old to count.
pub async fn sweep(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), DbErr> {
    youth_sessions::Entity::delete_many()
        .filter(youth_sessions::Column::LastSeenAt.lt(now - IDLE))
        .exec(db)
        .await?;
    entity::link_requests::Entity::delete_many()
        .filter(entity::link_requests::Column::At.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}
