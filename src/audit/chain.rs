//! The hash-chained log itself: appending entries inside the caller's transaction, verifying
//! the chain, and what an entry says about whom.
use chrono::{DateTime, SubsecRound, Utc};
use entity::{audit_head, audit_log};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, QuerySelect, Set};
use sha2::{Digest, Sha256};

/// One thing that happened, as it is written to the log.
pub struct Entry<'a> {
    pub actor_id: Option<i32>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    /// What changed, in words; never passwords, tokens or a leaver's personal data.
    pub summary: &'a str,
}

/// Appends `entry` to the log within `txn`, chained to the previous entry by its hash. The
/// chain head row is locked (`FOR UPDATE` on PostgreSQL; SQLite write transactions are
/// already serialised), so concurrent writers still form a single chain.
pub async fn record(
    txn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    entry: Entry<'_>,
) -> Result<i64, DbErr> {
    append(txn, at, &[entry]).await
}

/// Records a step taken by `actor` on a leaver's record itself (a hold, an anonymisation, a
/// disclosure request), in `txn`.
pub async fn record_on_leaver(
    txn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    actor: i32,
    leaver_id: i32,
    action: &str,
    summary: &str,
) -> Result<i64, DbErr> {
    record(
        txn,
        at,
        Entry {
            actor_id: Some(actor),
            action,
            entity: "leaver",
            entity_id: Some(leaver_id.into()),
            summary,
        },
    )
    .await
}

/// The leavers an entry is about, read from the entry itself (`index` keeps them per person):
/// a leaver entry's own id; the people a list named (`…; leavers 3,5,8`, written by the read
/// audit); or the `leaver N;` that starts the summary of a change to something of theirs (a
/// consultation, an allowance, a plan…).
pub fn subjects_of(entity: &str, entity_id: Option<i64>, summary: &str) -> Vec<i32> {
    if entity == "leaver" {
        if let Some(id) = entity_id {
            return i32::try_from(id).into_iter().collect();
        }
        return summary
            .rsplit_once("; leavers ")
            .map(|(_, ids)| ids.split(',').filter_map(|i| i.parse().ok()).collect())
            .unwrap_or_default();
    }
    summary
        .strip_prefix("leaver ")
        .and_then(|rest| rest.split(';').next())
        .and_then(|id| id.parse().ok())
        .into_iter()
        .collect()
}

/// An entry's summary as shown to or about one person: a list page's entry names everyone on
/// it, and that list of other people is left out.
pub fn summary_for_one_person<'a>(
    entity: &str,
    entity_id: Option<i64>,
    summary: &'a str,
) -> &'a str {
    match (entity, entity_id, summary.rsplit_once("; leavers ")) {
        ("leaver", None, Some((route, _))) => route,
        _ => summary,
    }
}

/// Appends entries in order under one lock of the chain head, with multi-row inserts and one
/// update of the head: group commit writes a batch of page views this way. Returns the last
/// entry's id.
pub async fn append(
    txn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    entries: &[Entry<'_>],
) -> Result<i64, DbErr> {
    let head = lock_chain(txn).await?;
    if entries.is_empty() {
        return Ok(head.last_id);
    }
    // Stored timestamps keep microseconds on every backend; hash what is stored.
    let at = at.trunc_subsecs(6);
    let mut last_id = head.last_id;
    let mut last_hash = head.last_hash;
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let id = last_id + 1;
        let hash = entry_hash(&last_hash, id, at, entry);
        rows.push(audit_log::ActiveModel {
            id: Set(id),
            at: Set(at),
            actor_id: Set(entry.actor_id),
            action: Set(entry.action.to_string()),
            entity: Set(entry.entity.to_string()),
            entity_id: Set(entry.entity_id),
            summary: Set(entry.summary.to_string()),
            prev_hash: Set(last_hash),
            hash: Set(hash.clone()),
        });
        last_id = id;
        last_hash = hash;
    }
    // Nine values a row: 200 rows stay well under every backend's parameter limit.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<_> = rows.by_ref().take(200).collect();
        audit_log::Entity::insert_many(part)
            .exec_without_returning(txn)
            .await?;
    }
    audit_head::ActiveModel {
        id: Set(1),
        last_id: Set(last_id),
        last_hash: Set(last_hash),
    }
    .update(txn)
    .await?;
    Ok(last_id)
}

/// Locks the head of the chain for the rest of the transaction (`FOR UPDATE` on PostgreSQL;
/// SQLite write transactions hold the database lock already). Writers that check a rule
/// across rows call it first, so their check and write are serialised.
pub async fn lock_chain(txn: &impl ConnectionTrait) -> Result<audit_head::Model, DbErr> {
    audit_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::Custom("the audit chain head row is missing".into()))
}

/// SHA-256 over the previous hash and every field of the entry, hex encoded.
pub fn entry_hash(prev_hash: &str, id: i64, at: DateTime<Utc>, e: &Entry<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        prev_hash.to_string(),
        id.to_string(),
        at.timestamp_micros().to_string(),
        e.actor_id.map(|a| a.to_string()).unwrap_or_default(),
        e.action.to_string(),
        e.entity.to_string(),
        e.entity_id.map(|a| a.to_string()).unwrap_or_default(),
        e.summary.to_string(),
    ] {
        h.update(part.len().to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Where the chain breaks: the first entry whose links or hash do not match.
#[derive(Debug, PartialEq, Eq)]
pub struct Broken {
    pub id: i64,
    pub problem: &'static str,
}

/// Walks the whole chain in order; the number of entries when intact.
pub async fn verify(db: &impl ConnectionTrait) -> Result<Result<u64, Broken>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let mut prev = "0".repeat(64);
    let mut expected_id = 1i64;
    let mut last_id = 0i64;
    loop {
        let batch = audit_log::Entity::find()
            .filter(audit_log::Column::Id.gt(last_id))
            .order_by_asc(audit_log::Column::Id)
            .limit(1000)
            .all(db)
            .await?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            if e.id != expected_id {
                return Ok(Err(Broken {
                    id: expected_id,
                    problem: "entry missing",
                }));
            }
            if e.prev_hash != prev {
                return Ok(Err(Broken {
                    id: e.id,
                    problem: "does not follow the previous entry",
                }));
            }
            let entry = Entry {
                actor_id: e.actor_id,
                action: &e.action,
                entity: &e.entity,
                entity_id: e.entity_id,
                summary: &e.summary,
            };
            if entry_hash(&e.prev_hash, e.id, e.at, &entry) != e.hash {
                return Ok(Err(Broken {
                    id: e.id,
                    problem: "content does not match its hash",
                }));
            }
            prev = e.hash.clone();
            expected_id += 1;
            last_id = e.id;
        }
    }
    let head = audit_head::Entity::find_by_id(1).one(db).await?;
    match head {
        Some(h) if h.last_id == last_id && h.last_hash == prev => Ok(Ok(last_id as u64)),
        _ => Ok(Err(Broken {
            id: last_id + 1,
            problem: "the chain head does not match the last entry",
        })),
    }
}

/// Describes changed fields as `field: before → after`, one per change, for the summary.
pub fn describe_changes(changes: &[(&str, String, String)]) -> String {
    changes
        .iter()
        .filter(|(_, before, after)| before != after)
        .map(|(field, before, after)| format!("{field}: {before} → {after}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {

    use super::*;
    use chrono::TimeZone;

    fn entry(summary: &str) -> Entry<'_> {
        Entry {
            actor_id: Some(1),
            action: "update",
            entity: "user",
            entity_id: Some(2),
            summary,
        }
    }

    #[test]
    fn subjects_come_from_the_entry() {
        assert_eq!(subjects_of("leaver", Some(7), "/leavers/7"), [7]);
        assert_eq!(
            subjects_of("leaver", None, "/leavers; leavers 3,5,8"),
            [3, 5, 8]
        );
        assert!(subjects_of("leaver", None, "/leavers").is_empty());
        assert_eq!(
            subjects_of("allowance", Some(3), "leaver 12; status: a → b"),
            [12]
        );
        assert!(subjects_of("user", Some(3), "role: coordinator → finance").is_empty());
        assert!(subjects_of("plan", Some(3), "leaver x; version 1").is_empty());
        assert!(subjects_of("payment", Some(3), "allowance 4; leaver 5;").is_empty());
        assert_eq!(
            summary_for_one_person("leaver", None, "/leavers; leavers 3,5,8"),
            "/leavers"
        );
        assert_eq!(
            summary_for_one_person("plan", Some(1), "leaver 3; x; leavers 4"),
            "leaver 3; x; leavers 4"
        );
    }

    #[test]
    fn the_hash_covers_every_field_and_the_previous_hash() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 1, 2, 3).unwrap();
        let base = entry_hash("00", 5, at, &entry("a"));
        assert_eq!(base.len(), 64);
        assert_eq!(base, entry_hash("00", 5, at, &entry("a")));
        assert_ne!(base, entry_hash("01", 5, at, &entry("a")));
        assert_ne!(base, entry_hash("00", 6, at, &entry("a")));
        assert_ne!(
            base,
            entry_hash("00", 5, at + chrono::Duration::microseconds(1), &entry("a"))
        );
        assert_ne!(base, entry_hash("00", 5, at, &entry("b")));
        // Field boundaries count: moving text between fields changes the hash.
        let shifted = Entry {
            action: "updat",
            entity: "euser",
            ..entry("a")
        };
        assert_ne!(base, entry_hash("00", 5, at, &shifted));
    }

    #[test]
    fn unchanged_fields_are_left_out_of_the_summary() {
        let s = describe_changes(&[
            ("role", "coordinator".into(), "admin".into()),
            ("name", "A".into(), "A".into()),
            ("language", "en".into(), "ja".into()),
        ]);
        assert_eq!(s, "role: coordinator → admin; language: en → ja");
    }
}
