//! The `check_in` rule (DESIGN 2.9): a consenting person gets "How are you doing?" with a new
//! link when they are `check_in_before_days` before their contact cadence lapses, at most once
//! per cadence period. Last contact is the later of their last held consultation and their
//! last self-reported contact (support start when there is neither). Each request is its own
//! email, recorded under an exactly-once key like every reminder.
use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{leavers, reminders, reminders::RecipientKind, youth_links::HandedOver};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    Set, sea_query::OnConflict,
};

use crate::{
    app::state::AppState,
    audit::chain::{self as audit, Entry},
    db,
    i18n::Lang,
    reminders::{
        delivery,
        item::Address,
        rules::{Rule, key},
    },
    youth::{email, links, links::link_url},
};

/// The day the cadence lapses, when `today` falls in the `before_days` leading up to it
/// (inclusive at both ends, and never on the day of the contact itself); `None` otherwise.
pub fn due(
    last_contact: NaiveDate,
    cadence_days: u32,
    before_days: u32,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let lapse = last_contact.checked_add_days(Days::new(cadence_days.into()))?;
    let from = lapse
        .checked_sub_days(Days::new(before_days.into()))?
        .max(last_contact.succ_opt()?);
    (from <= today && today <= lapse).then_some(lapse)
}

#[derive(FromQueryResult)]
struct Candidate {
    id: i32,
    given_name: String,
    email: Option<String>,
    language: Lang,
    contact_every_days: Option<i32>,
    support_starts_on: NaiveDate,
    last_held_at: Option<DateTime<Utc>>,
    last_self_report_at: Option<DateTime<Utc>>,
}

/// The requests due on `day`: (person, key).
async fn select(
    db: &impl ConnectionTrait,
    state: &AppState,
    day: NaiveDate,
) -> Result<Vec<(Candidate, String)>, DbErr> {
    let tz = state.config.time_zone;
    let people = leavers::Entity::find()
        .select_only()
        .columns([
            leavers::Column::Id,
            leavers::Column::GivenName,
            leavers::Column::Email,
            leavers::Column::Language,
            leavers::Column::ContactEveryDays,
            leavers::Column::SupportStartsOn,
            leavers::Column::LastHeldAt,
            leavers::Column::LastSelfReportAt,
        ])
        .filter(leavers::Column::Status.eq(leavers::Status::Active))
        .filter(leavers::Column::ContactConsent.eq(true))
        .filter(leavers::Column::Email.is_not_null())
        .filter(leavers::Column::AnonymisedOn.is_null())
        .filter(leavers::Column::SupportStartsOn.lte(day))
        .filter(leavers::Column::SupportEndsOn.gte(day))
        .into_model::<Candidate>()
        .all(db)
        .await?;
    Ok(people
        .into_iter()
        .filter_map(|p| {
            let last = p.last_held_at.max(p.last_self_report_at);
            let last_day = last
                .map(|t| t.with_timezone(&tz).date_naive())
                .unwrap_or(p.support_starts_on);
            let cadence = u32::try_from(crate::attention::contact_cadence(
                &state.config,
                p.contact_every_days,
            ))
            .ok()?;
            let lapse = due(last_day, cadence, state.config.check_in_before_days, day)?;
            let key = key(
                Rule::CheckIn,
                &format!("leaver:{}", p.id),
                &lapse.to_string(),
            );
            Some((p, key))
        })
        .collect())
}

/// Sends the check-in requests due on `day` that were not sent before; returns how many.
pub async fn run(state: &AppState, day: NaiveDate) -> anyhow::Result<usize> {
    let mut sent = 0;
    for (person, key) in select(&state.db, state, day).await? {
        let Some(address) = person.email.clone() else {
            continue;
        };
        match send_one(state, day, &person, &address, &key).await {
            Ok(true) => sent += 1,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %format!("{e:#}"), "check-in request not queued"),
        }
    }
    Ok(sent)
}

/// One request in one transaction: its key first (a key already on record sends nothing),
/// then a new link, the email and the audit entries.
async fn send_one(
    state: &AppState,
    day: NaiveDate,
    person: &Candidate,
    address: &str,
    key: &str,
) -> anyhow::Result<bool> {
    let now = state.clock.now();
    let txn = db::begin_write(&state.db).await?;
    let inserted = reminders::Entity::insert(reminders::ActiveModel {
        key: Set(key.to_string()),
        rule: Set(Rule::CheckIn.as_str().to_string()),
        recipient_kind: Set(RecipientKind::Leaver),
        recipient_id: Set(person.id),
        subject_id: Set(person.id),
        run_date: Set(day),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(reminders::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    let outbox_id = request(
        &txn,
        state,
        now,
        day,
        person.id,
        &person.given_name,
        person.language,
        address,
        None,
    )
    .await?;
    reminders::Entity::update_many()
        .col_expr(
            reminders::Column::OutboxId,
            sea_orm::sea_query::Expr::value(Some(outbox_id)),
        )
        .filter(reminders::Column::Key.eq(key))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(true)
}

/// Sends "How are you doing?" with a new link to the person (the rule, or a coordinator from
/// the leaver page), with its audit entries; returns the email's outbox id.
#[allow(clippy::too_many_arguments)]
pub async fn request(
    txn: &impl ConnectionTrait,
    state: &AppState,
    now: DateTime<Utc>,
    day: NaiveDate,
    leaver_id: i32,
    given_name: &str,
    language: Lang,
    address: &str,
    actor: Option<i32>,
) -> anyhow::Result<i32> {
    let issued = links::issue(
        txn,
        now,
        state.config.youth_link_days,
        actor,
        leaver_id,
        HandedOver::Email,
        if actor.is_some() {
            links::Issuer::Staff
        } else {
            links::Issuer::PersonOrRule
        },
    )
    .await?;
    let url = format!(
        "{}?next=check-in",
        link_url(&state.config.base_url, &issued.token)
    );
    let message = email::render(state, language, given_name, email::Purpose::CheckIn, &url)?;
    let to = Address {
        email: address.to_string(),
        name: given_name.to_string(),
        language,
    };
    let outbox_id = delivery::enqueue_with_link(txn, now, day, &to, &message).await?;
    audit::record(
        txn,
        now,
        Entry {
            actor_id: actor,
            action: "enqueue",
            entity: "email",
            entity_id: Some(outbox_id.into()),
            summary: &format!("leaver {leaver_id}; rules: check_in"),
        },
    )
    .await?;
    Ok(outbox_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn due_in_the_days_before_the_cadence_lapses_and_not_outside_them() {
        // Last contact 1 October, every 56 days: lapses 26 November; asked from 19 November.
        let last = d("2026-10-01");
        assert_eq!(due(last, 56, 7, d("2026-11-18")), None);
        assert_eq!(due(last, 56, 7, d("2026-11-19")), Some(d("2026-11-26")));
        assert_eq!(due(last, 56, 7, d("2026-11-26")), Some(d("2026-11-26")));
        assert_eq!(
            due(last, 56, 7, d("2026-11-27")),
            None,
            "lapsed: escalation's turn"
        );
        // Asked on the day it lapses when no days before are set apart.
        assert_eq!(due(last, 56, 0, d("2026-11-25")), None);
        assert_eq!(due(last, 56, 0, d("2026-11-26")), Some(d("2026-11-26")));
        // A lead longer than the cadence starts the day after the last contact.
        assert_eq!(due(last, 7, 30, d("2026-10-01")), None);
        assert_eq!(due(last, 7, 30, d("2026-10-02")), Some(d("2026-10-08")));
    }
}
