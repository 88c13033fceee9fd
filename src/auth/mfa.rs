//! The second factor (DESIGN 2.10): TOTP codes (RFC 6238: 30-second steps, 6 digits, one step
//! of drift either way) from `totp-rs`, a code never accepted twice, and ten single-use
//! recovery codes stored hashed. The secret is kept encrypted ([`super::secret_box`]).
use chrono::{DateTime, Utc};
use entity::{recovery_codes, users};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, Set, sea_query::Expr,
};
use totp_rs::{Builder, Totp};

use crate::{
    audit::chain::{self as audit, Entry},
    auth::secret_box::SecretBox,
    roles::Role,
};

/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show beside the account.
pub const ISSUER: &str = "Aftercare";

/// The TOTP of a secret, for an account.
pub fn totp(secret: &[u8], account: &str) -> Option<Totp> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_account_name(account.replace(':', " "))
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The step a code is good for at `unix_time` (this step or one either side), if it is newer
/// than `last_step` (a code accepted once is not accepted again).
pub fn accepted_step(
    totp: &Totp,
    code: &str,
    unix_time: u64,
    last_step: Option<i64>,
) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = i64::try_from(totp.check(&code, unix_time)?).ok()?;
    last_step.is_none_or(|last| step > last).then_some(step)
}

/// A new random secret (160 bits, as RFC 4226 recommends).
pub fn new_secret() -> anyhow::Result<Vec<u8>> {
    let mut secret = vec![0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
    Ok(secret)
}

/// A recovery code as typed: letters and digits only, lower case.
pub fn normalise_recovery_code(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Ten new recovery codes, `xxxxx-xxxxx` from an alphabet without look-alikes (about 50 bits
/// each).
pub fn new_recovery_codes() -> anyhow::Result<Vec<String>> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut out = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut bytes = [0u8; 10];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
        let chars: String = bytes
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect();
        out.push(format!("{}-{}", &chars[..5], &chars[5..]));
    }
    Ok(out)
}

/// Whether the account must use a second factor under the setting.
pub fn required(role: Role, required_roles: &[Role]) -> bool {
    required_roles.contains(&role)
}

/// The account's TOTP, if it is enrolled and its secret opens with the key.
pub fn enrolled_totp(u: &users::Model, secrets: &SecretBox) -> Option<Totp> {
    let secret = secrets.open(u.mfa_secret.as_deref()?)?;
    totp(&secret, &u.email)
}

/// The secret being enrolled (made now when there is none yet), stored encrypted until a code
/// confirms it. Returns it in clear, to show once.
pub async fn pending_secret(
    db: &impl ConnectionTrait,
    secrets: &SecretBox,
    u: &users::Model,
) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = u
        .mfa_pending_secret
        .as_deref()
        .and_then(|s| secrets.open(s))
    {
        return Ok(secret);
    }
    let secret = new_secret()?;
    users::Entity::update_many()
        .col_expr(
            users::Column::MfaPendingSecret,
            Expr::value(Some(secrets.seal(&secret)?)),
        )
        .filter(users::Column::Id.eq(u.id))
        .exec(db)
        .await?;
    Ok(secret)
}

/// New recovery codes and their hashes, made before any transaction opens (hashing is slow
/// on purpose, and must not hold the database's write lock).
pub async fn new_recovery_set() -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let codes = new_recovery_codes()?;
    let mut hashes = Vec::with_capacity(codes.len());
    for code in &codes {
        hashes.push(super::password::hash(normalise_recovery_code(code)).await?);
    }
    Ok((codes, hashes))
}

/// Replaces the account's recovery codes with these hashes.
async fn replace_recovery_codes(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_id: i32,
    hashes: &[String],
) -> Result<(), DbErr> {
    recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    recovery_codes::Entity::insert_many(hashes.iter().map(|hash| recovery_codes::ActiveModel {
        user_id: Set(user_id),
        code_hash: Set(hash.clone()),
        created_at: Set(now),
        ..Default::default()
    }))
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Confirms enrolment with the step of a valid code: the pending secret becomes the account's,
/// with the recovery codes given (hashed), and every session of the account ends (one signed
/// in with the password alone must not become a second-factor session). False when the account
/// was enrolled meanwhile. Audited.
pub async fn confirm(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    u: &users::Model,
    step: i64,
    recovery_hashes: &[String],
) -> Result<bool, DbErr> {
    let updated = users::Entity::update_many()
        .col_expr(
            users::Column::MfaSecret,
            Expr::value(u.mfa_pending_secret.clone()),
        )
        .col_expr(
            users::Column::MfaPendingSecret,
            Expr::value(Option::<String>::None),
        )
        .col_expr(users::Column::MfaEnrolledAt, Expr::value(Some(now)))
        .col_expr(users::Column::MfaLastStep, Expr::value(Some(step)))
        .col_expr(
            users::Column::SessionEpoch,
            Expr::col(users::Column::SessionEpoch).add(1),
        )
        .filter(users::Column::Id.eq(u.id))
        .filter(users::Column::MfaEnrolledAt.is_null())
        .filter(users::Column::MfaPendingSecret.eq(u.mfa_pending_secret.clone()))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(false);
    }
    replace_recovery_codes(txn, now, u.id, recovery_hashes).await?;
    record(txn, now, Some(u.id), u.id, "mfa_enrol", "").await?;
    Ok(true)
}

/// New recovery codes for an enrolled account (the old ones stop working). Audited.
pub async fn regenerate(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_id: i32,
    recovery_hashes: &[String],
) -> Result<(), DbErr> {
    replace_recovery_codes(txn, now, user_id, recovery_hashes).await?;
    record(txn, now, Some(user_id), user_id, "mfa_recovery_codes", "").await
}

/// Records that a code of `step` was used: no code of it or before is accepted again. False
/// when another request used it (or a later one) first.
pub async fn use_step(txn: &impl ConnectionTrait, user_id: i32, step: i64) -> Result<bool, DbErr> {
    let updated = users::Entity::update_many()
        .col_expr(users::Column::MfaLastStep, Expr::value(Some(step)))
        .filter(users::Column::Id.eq(user_id))
        .filter(
            sea_orm::Condition::any()
                .add(users::Column::MfaLastStep.is_null())
                .add(users::Column::MfaLastStep.lt(step)),
        )
        .exec(txn)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// The unused recovery code of the account that `raw` is, and how many unused ones it has:
/// checked before any transaction opens (each check is a slow hash).
pub async fn find_recovery_code(
    db: &impl ConnectionTrait,
    user_id: i32,
    raw: &str,
) -> Result<Option<(i32, usize)>, DbErr> {
    let code = normalise_recovery_code(raw);
    if code.len() != 10 {
        return Ok(None);
    }
    let unused = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .all(db)
        .await?;
    for c in &unused {
        if super::password::verify(code.clone(), Some(c.code_hash.clone())).await {
            return Ok(Some((c.id, unused.len())));
        }
    }
    Ok(None)
}

/// Spends a recovery code found by [`find_recovery_code`]: returns how many remain, or `None`
/// when another request spent it first. Audited.
pub async fn spend_recovery_code(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    user_id: i32,
    (id, unused): (i32, usize),
) -> Result<Option<usize>, DbErr> {
    let updated = recovery_codes::Entity::update_many()
        .col_expr(recovery_codes::Column::UsedAt, Expr::value(Some(now)))
        .filter(recovery_codes::Column::Id.eq(id))
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(None);
    }
    let left = unused - 1;
    record(
        txn,
        now,
        Some(user_id),
        user_id,
        "mfa_recovery_used",
        &format!("left: {left}"),
    )
    .await?;
    Ok(Some(left))
}

/// An administrator resets another account's second factor: it must enrol again at its next
/// sign-in, and its sessions end. Audited.
pub async fn reset(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    user_id: i32,
) -> Result<(), DbErr> {
    let none = Option::<String>::None;
    users::Entity::update_many()
        .col_expr(users::Column::MfaSecret, Expr::value(none.clone()))
        .col_expr(users::Column::MfaPendingSecret, Expr::value(none))
        .col_expr(
            users::Column::MfaEnrolledAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            users::Column::SessionEpoch,
            Expr::col(users::Column::SessionEpoch).add(1),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user_id))
        .exec(txn)
        .await?;
    recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    record(txn, now, Some(actor), user_id, "mfa_reset", "").await
}

async fn record(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: Option<i32>,
    user_id: i32,
    action: &str,
    summary: &str,
) -> Result<(), DbErr> {
    audit::record(
        txn,
        now,
        Entry {
            actor_id: actor,
            action,
            entity: "user",
            entity_id: Some(user_id.into()),
            summary,
        },
    )
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Totp {
        totp(b"12345678901234567890", "a@example.jp").unwrap()
    }

    #[test]
    fn a_code_is_good_for_its_step_and_one_either_side_and_only_once() {
        let t = sample();
        let now = 1_800_000_015u64;
        let step = (now / 30) as i64;
        let code = |at: u64| t.generate(at).to_string();
        assert_eq!(accepted_step(&t, &code(now), now, None), Some(step));
        assert_eq!(
            accepted_step(&t, &code(now - 30), now, None),
            Some(step - 1)
        );
        assert_eq!(
            accepted_step(&t, &code(now + 30), now, None),
            Some(step + 1)
        );
        assert_eq!(
            accepted_step(&t, &code(now - 60), now, None),
            None,
            "two steps late"
        );
        assert_eq!(
            accepted_step(&t, &code(now + 60), now, None),
            None,
            "two steps early"
        );
        // Replayed, or older than the last code used: refused.
        assert_eq!(accepted_step(&t, &code(now), now, Some(step)), None);
        assert_eq!(
            accepted_step(&t, &code(now - 30), now, Some(step - 1)),
            None
        );
        assert_eq!(
            accepted_step(&t, &code(now), now, Some(step - 1)),
            Some(step)
        );
        // Spaces are forgiven; anything but six digits is not a code.
        let spaced = format!("{} {}", &code(now)[..3], &code(now)[3..]);
        assert_eq!(accepted_step(&t, &spaced, now, None), Some(step));
        assert_eq!(accepted_step(&t, "12345", now, None), None);
        assert_eq!(accepted_step(&t, "abcdef", now, None), None);
    }

    #[test]
    fn the_rfc_6238_test_vector_holds() {
        // RFC 6238 appendix B, SHA-1, time 59: 94287082 (its last six digits).
        assert_eq!(sample().generate(59).to_string(), "287082");
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_typed_forgivingly() {
        let codes = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-')
        );
        assert_eq!(normalise_recovery_code(" ABCDE-fghjk "), "abcdefghjk");
    }

    #[test]
    fn the_setting_names_who_needs_a_second_factor() {
        let default = [Role::Admin, Role::Finance];
        assert!(required(Role::Admin, &default) && required(Role::Finance, &default));
        assert!(!required(Role::Coordinator, &default));
        assert!(!required(Role::Admin, &[]));
    }
}
