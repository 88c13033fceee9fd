//! Keeping the stored support windows in step with the window settings.
use chrono::{DateTime, NaiveDate, Utc};
use entity::leavers;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr};

use crate::{
    audit::chain::{self as audit, Entry},
    leavers::window::{WindowRules, effective_support_end, support_window},
};

const WINDOW_RULES_KEY: &str = "support_window_rules";

/// Recomputes every stored support window when the window settings changed since the last
/// start (so lists and reminders use the rules in force). Returns how many records changed.
pub async fn refresh_windows(
    db: &sea_orm::DatabaseConnection,
    rules: &WindowRules,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    use crate::auth::secrets;
    let fingerprint = rules.fingerprint();
    if secrets::get(db, WINDOW_RULES_KEY).await?.as_deref() == Some(fingerprint.as_str()) {
        return Ok(0);
    }
    let txn = crate::db::begin_write(db).await?;
    let rows: Vec<(i32, NaiveDate, NaiveDate, NaiveDate, NaiveDate)> = leavers::Entity::find()
        .select_only()
        .columns([
            leavers::Column::Id,
            leavers::Column::DateOfBirth,
            leavers::Column::PlacementEndedOn,
            leavers::Column::SupportStartsOn,
            leavers::Column::SupportEndsOn,
        ])
        // An anonymised record keeps the window it had: its birth date is only the month now.
        .filter(leavers::Column::AnonymisedOn.is_null())
        .into_tuple()
        .all(&txn)
        .await?;
    let extended = crate::extensions::ends::latest_approved_ends(&txn).await?;
    let mut changed = 0u64;
    for (id, dob, ended, starts, ends) in rows {
        let w = support_window(dob, ended, rules);
        let new_end = effective_support_end(&w, extended.get(&id).copied());
        if (w.start, new_end) != (starts, ends) {
            leavers::Entity::update_many()
                .col_expr(leavers::Column::SupportStartsOn, Expr::value(w.start))
                .col_expr(leavers::Column::SupportEndsOn, Expr::value(new_end))
                .filter(leavers::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            changed += 1;
        }
    }
    secrets::put(&txn, WINDOW_RULES_KEY, fingerprint.clone(), now).await?;
    if changed > 0 {
        let summary = format!("support windows recomputed for {changed} records ({fingerprint})");
        audit::record(
            &txn,
            now,
            Entry {
                actor_id: None,
                action: "recompute",
                entity: "leaver",
                entity_id: None,
                summary: &summary,
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(changed)
}
