//! API tokens (DESIGN 3.4): an administrator issues one with a name, scopes and an expiry; its
//! secret is shown once and only its SHA-256 is kept. Issuing and revoking are audited writes;
//! a revoked or expired token opens nothing from the next request on.
use chrono::{DateTime, Utc};
use entity::api_tokens;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, sea_query::Expr,
};

use crate::{
    audit::chain::{self as audit, Entry},
    auth::tokens::{random_hex, sha256_hex},
};

/// What a token may do. A token is never given a step of the separation of duties (approving
/// an allowance or deciding anything): there is no scope for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    LeaversRead,
    LeaversContact,
    ConsultationsRead,
    AllowancesRead,
    PaymentsRead,
    PaymentsWrite,
    ReportsRead,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::LeaversRead,
        Scope::LeaversContact,
        Scope::ConsultationsRead,
        Scope::AllowancesRead,
        Scope::PaymentsRead,
        Scope::PaymentsWrite,
        Scope::ReportsRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::LeaversRead => "leavers:read",
            Scope::LeaversContact => "leavers:contact",
            Scope::ConsultationsRead => "consultations:read",
            Scope::AllowancesRead => "allowances:read",
            Scope::PaymentsRead => "payments:read",
            Scope::PaymentsWrite => "payments:write",
            Scope::ReportsRead => "reports:read",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Catalog id of what the scope allows.
    pub fn message_id(self) -> String {
        format!("api-scope-{}", self.as_str().replace(':', "-"))
    }
}

/// The scopes stored on a token (unknown names are ignored: they open nothing).
pub fn scopes_of(token: &api_tokens::Model) -> Vec<Scope> {
    token.scopes.split(',').filter_map(Scope::parse).collect()
}

/// What the secret of every token starts with, so that a leaked one is recognised.
pub const PREFIX: &str = "aftercare_";

/// What is needed to issue a token.
pub struct NewToken<'a> {
    pub name: &'a str,
    pub scopes: &'a [Scope],
    /// The last day it works (in the city's time zone)…
    pub last_day: chrono::NaiveDate,
    /// …and so the moment it stops.
    pub expires_at: DateTime<Utc>,
}

/// Issues a token; returns its row and its secret, which is not kept.
pub async fn issue(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    admin: i32,
    new: NewToken<'_>,
) -> Result<(api_tokens::Model, String), DbErr> {
    let secret = format!("{PREFIX}{}", random_hex(32));
    let scopes: Vec<&str> = new.scopes.iter().map(|s| s.as_str()).collect();
    let token = api_tokens::ActiveModel {
        name: Set(new.name.to_string()),
        scopes: Set(scopes.join(",")),
        secret_hash: Set(sha256_hex(&secret)),
        created_by: Set(admin),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let summary = format!("scopes: {}; last day {}", scopes.join(" "), new.last_day);
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(admin),
            action: "create",
            entity: "api_token",
            entity_id: Some(token.id.into()),
            summary: &summary,
        },
    )
    .await?;
    Ok((token, secret))
}

/// Revokes a token at once; false when it was already revoked (nothing is written).
pub async fn revoke(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    admin: i32,
    id: i32,
) -> Result<bool, DbErr> {
    let done = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(Some(now)))
        .filter(api_tokens::Column::Id.eq(id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    if done.rows_affected != 1 {
        return Ok(false);
    }
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(admin),
            action: "revoke",
            entity: "api_token",
            entity_id: Some(id.into()),
            summary: "",
        },
    )
    .await?;
    Ok(true)
}

/// The live token whose secret this is (not revoked, not expired).
pub async fn authenticate(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    secret: &str,
) -> Result<Option<api_tokens::Model>, DbErr> {
    if !secret.starts_with(PREFIX) || secret.len() != PREFIX.len() + 64 {
        return Ok(None);
    }
    let found = api_tokens::Entity::find()
        .filter(api_tokens::Column::SecretHash.eq(sha256_hex(secret)))
        .one(db)
        .await?;
    Ok(found.filter(|t| t.revoked_at.is_none() && t.expires_at > now))
}

/// Notes when a token was last used, at most once a minute (not an audited change: the calls
/// themselves are audited).
pub async fn touch(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    token: &api_tokens::Model,
) -> Result<(), DbErr> {
    if token
        .last_used_at
        .is_some_and(|t| now - t < chrono::Duration::minutes(1))
    {
        return Ok(());
    }
    api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::LastUsedAt, Expr::value(Some(now)))
        .filter(api_tokens::Column::Id.eq(token.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Every token, newest first.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<api_tokens::Model>, DbErr> {
    api_tokens::Entity::find()
        .order_by_desc(api_tokens::Column::Id)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_back_as_written() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("allowances:approve"), None);
        assert_eq!(Scope::parse(""), None);
        assert_eq!(
            Scope::PaymentsWrite.message_id(),
            "api-scope-payments-write"
        );
    }
}
