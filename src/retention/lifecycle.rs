//! A closed record's life after support: when it is due for anonymisation, legal holds that
//! keep it, and anonymising it.
use crate::audit::chain as audit;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use entity::{
    allowances, consultations, extensions, leavers, outbox, plan_goals, plans, reminders,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};

/// Why a record may be held: stored by the entity, with its names.
pub use entity::leavers::HoldReason;

/// The day after which the record may be anonymised: `years` after the later of the support
/// end and closing. A record that was never closed has no such day: it is never due.
pub fn retention_date(l: &leavers::Model, years: u32) -> Option<NaiveDate> {
    retention_date_of(l.support_ends_on, l.closed_on, years)
}

fn retention_date_of(
    support_ends_on: NaiveDate,
    closed_on: Option<NaiveDate>,
    years: u32,
) -> Option<NaiveDate> {
    let closed_on = closed_on?;
    Some(closed_on.max(support_ends_on) + Months::new(12 * years))
}

fn is_due(l: &leavers::Model, years: u32, today: NaiveDate) -> bool {
    retention_date(l, years).is_some_and(|d| d < today)
}

/// Records past their retention date on `today` and not yet anonymised (held ones included,
/// marked by their hold), oldest first.
pub async fn due(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    years: u32,
) -> Result<Vec<leavers::Model>, DbErr> {
    let mut out: Vec<leavers::Model> = leavers::Entity::find()
        .filter(leavers::Column::AnonymisedOn.is_null())
        .filter(leavers::Column::ClosedOn.is_not_null())
        .order_by_asc(leavers::Column::SupportEndsOn)
        .all(db)
        .await?
        .into_iter()
        .filter(|l| is_due(l, years, today))
        .collect();
    out.sort_by_key(|l| retention_date(l, years));
    Ok(out)
}

async fn record(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    action: &str,
    id: i32,
    summary: &str,
) -> Result<(), DbErr> {
    audit::record_on_leaver(txn, now, actor, id, action, summary)
        .await
        .map(|_| ())
}

pub async fn place_hold(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor: i32,
    id: i32,
    reason: HoldReason,
) -> Result<(), DbErr> {
    leavers::Entity::update_many()
        .col_expr(leavers::Column::LegalHold, Expr::value(Some(reason)))
        .col_expr(leavers::Column::LegalHoldSince, Expr::value(Some(today)))
        .filter(leavers::Column::Id.eq(id))
        .exec(txn)
        .await?;
    record(
        txn,
        now,
        actor,
        "hold",
        id,
        &format!("legal hold: {}", reason.as_str()),
    )
    .await
}

/// Why a legal hold ends (said in the audit log, like the reason it was placed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseReason {
    /// The matter it was kept for is settled.
    Settled,
    /// The request or claim was withdrawn.
    Withdrawn,
    /// It was placed by mistake.
    Mistake,
}

impl ReleaseReason {
    pub const ALL: [ReleaseReason; 3] = [
        ReleaseReason::Settled,
        ReleaseReason::Withdrawn,
        ReleaseReason::Mistake,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseReason::Settled => "settled",
            ReleaseReason::Withdrawn => "withdrawn",
            ReleaseReason::Mistake => "mistake",
        }
    }

    pub fn parse(s: &str) -> Option<ReleaseReason> {
        ReleaseReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
    }

    pub fn message_id(self) -> String {
        format!("hold-release-reason-{}", self.as_str())
    }
}

pub async fn release_hold(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    id: i32,
    reason: ReleaseReason,
) -> Result<(), DbErr> {
    leavers::Entity::update_many()
        .col_expr(
            leavers::Column::LegalHold,
            Expr::value(Option::<HoldReason>::None),
        )
        .col_expr(
            leavers::Column::LegalHoldSince,
            Expr::value(Option::<NaiveDate>::None),
        )
        .filter(leavers::Column::Id.eq(id))
        .exec(txn)
        .await?;
    record(
        txn,
        now,
        actor,
        "release",
        id,
        &format!("legal hold released: {}", reason.as_str()),
    )
    .await
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    NotFound,
    Held,
    AlreadyAnonymised,
    NotDue,
}

/// Erases the personal data of one leaver and of everything recorded about them, including
/// the emails that named them. Keeps year and month of birth, placement type, dates,
/// consultation channels and topics, allowance kinds, months and amounts, and payments.
/// The record is read under the audit chain's lock, so a legal hold placed at the same
/// moment is always seen.
pub async fn anonymise(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor: i32,
    id: i32,
    years: u32,
) -> Result<Result<(), Refused>, DbErr> {
    // The row lock makes a legal hold placed at the same moment wait or be seen; it is taken
    // before the chain lock, in the order of every other writer.
    let Some(l) = leavers::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
    else {
        return Ok(Err(Refused::NotFound));
    };
    let l = &l;
    if l.legal_hold.is_some() {
        return Ok(Err(Refused::Held));
    }
    if l.anonymised_on.is_some() {
        return Ok(Err(Refused::AlreadyAnonymised));
    }
    if !is_due(l, years, today) {
        return Ok(Err(Refused::NotDue));
    }
    let dob = l.date_of_birth.with_day(1).unwrap_or(l.date_of_birth);
    let none = Option::<String>::None;
    leavers::Entity::update_many()
        .col_expr(
            leavers::Column::CaseNumber,
            Expr::value(format!("ANON-{}", l.id)),
        )
        .col_expr(leavers::Column::FamilyName, Expr::value("—"))
        .col_expr(leavers::Column::GivenName, Expr::value("—"))
        .col_expr(leavers::Column::FamilyNameKana, Expr::value(none.clone()))
        .col_expr(leavers::Column::GivenNameKana, Expr::value(none.clone()))
        .col_expr(leavers::Column::DateOfBirth, Expr::value(dob))
        .col_expr(leavers::Column::LivingSituation, Expr::value(none.clone()))
        .col_expr(leavers::Column::Email, Expr::value(none.clone()))
        .col_expr(leavers::Column::Phone, Expr::value(none.clone()))
        .col_expr(leavers::Column::Address, Expr::value(none.clone()))
        .col_expr(leavers::Column::ContactConsent, Expr::value(false))
        .col_expr(leavers::Column::ClosedReason, Expr::value(none.clone()))
        .col_expr(leavers::Column::Notes, Expr::value(none.clone()))
        .col_expr(leavers::Column::SortKey, Expr::value("~"))
        .col_expr(
            leavers::Column::SearchKey,
            Expr::value(format!("anon-{}", l.id)),
        )
        .col_expr(leavers::Column::AnonymisedOn, Expr::value(Some(today)))
        .col_expr(leavers::Column::UpdatedAt, Expr::value(now))
        .filter(leavers::Column::Id.eq(l.id))
        .exec(txn)
        .await?;
    // The person's own words through their link, and the contact details they proposed.
    crate::youth::links::erase_person(txn, now, l.id).await?;
    consultations::Entity::update_many()
        .col_expr(consultations::Column::Summary, Expr::value(none.clone()))
        .filter(consultations::Column::LeaverId.eq(l.id))
        .exec(txn)
        .await?;
    let plan_ids: Vec<i32> = plans::Entity::find()
        .filter(plans::Column::LeaverId.eq(l.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    plans::Entity::update_many()
        .col_expr(plans::Column::Wishes, Expr::value(""))
        .filter(plans::Column::LeaverId.eq(l.id))
        .exec(txn)
        .await?;
    if !plan_ids.is_empty() {
        plan_goals::Entity::update_many()
            .col_expr(plan_goals::Column::Goal, Expr::value(""))
            .col_expr(plan_goals::Column::Actions, Expr::value(none.clone()))
            .filter(plan_goals::Column::PlanId.is_in(plan_ids.clone()))
            .exec(txn)
            .await?;
    }
    allowances::Entity::update_many()
        .col_expr(allowances::Column::Reason, Expr::value(""))
        .col_expr(allowances::Column::DecisionNote, Expr::value(none.clone()))
        .filter(allowances::Column::LeaverId.eq(l.id))
        .exec(txn)
        .await?;
    extensions::Entity::update_many()
        .col_expr(extensions::Column::ReasonDetail, Expr::value(none.clone()))
        .col_expr(extensions::Column::DecisionNote, Expr::value(none))
        .filter(extensions::Column::LeaverId.eq(l.id))
        .exec(txn)
        .await?;
    erase_emails(txn, l, &plan_ids).await?;
    record(txn, now, actor, "anonymise", l.id, "personal fields erased").await?;
    Ok(Ok(()))
}

/// Reminder rules whose subject is the leaver themselves.
const LEAVER_RULES: [&str; 6] = [
    "follow_up_due",
    "follow_up_overdue",
    "no_contact",
    "support_ending",
    "plan_missing",
    "contact_escalation",
];

/// Emails about the person: the digests that carried reminders about their record, their
/// allowances, plans and appointments, and any email that names them or went to their
/// address. Sent ones lose their bodies and error text; one not sent yet is withdrawn and
/// its reminders are released, so the next run sends the others' items again without them.
async fn erase_emails(
    txn: &impl ConnectionTrait,
    l: &leavers::Model,
    plan_ids: &[i32],
) -> Result<(), DbErr> {
    let allowance_ids: Vec<i32> = allowances::Entity::find()
        .filter(allowances::Column::LeaverId.eq(l.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let consultation_ids: Vec<i32> = consultations::Entity::find()
        .filter(consultations::Column::LeaverId.eq(l.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let about = |rules: Vec<&str>, ids: Vec<i32>| {
        Condition::all()
            .add(reminders::Column::Rule.is_in(rules))
            .add(reminders::Column::SubjectId.is_in(ids))
    };
    let mut emails: Vec<i32> = reminders::Entity::find()
        .filter(
            Condition::any()
                .add(about(LEAVER_RULES.to_vec(), vec![l.id]))
                .add(about(vec!["allowance_ending"], allowance_ids))
                .add(about(vec!["plan_review_due"], plan_ids.to_vec()))
                .add(about(vec!["appointment"], consultation_ids)),
        )
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|r| r.outbox_id)
        .collect();
    let mut named = Condition::any()
        .add(outbox::Column::BodyText.contains(format!("{} {}", l.family_name, l.given_name)));
    if let Some(email) = &l.email {
        named = named.add(outbox::Column::ToAddress.eq(email.clone()));
    }
    emails.extend(
        outbox::Entity::find()
            .filter(named)
            .all(txn)
            .await?
            .into_iter()
            .map(|e| e.id),
    );
    emails.sort_unstable();
    emails.dedup();
    if emails.is_empty() {
        return Ok(());
    }
    // Waiting or given up: withdrawn. One being sent right now is left to its sender, and
    // loses its text like a sent one.
    let unsent: Vec<i32> = outbox::Entity::find()
        .filter(outbox::Column::Id.is_in(emails.clone()))
        .filter(outbox::Column::Status.is_in([outbox::Status::Pending, outbox::Status::Failed]))
        .all(txn)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    if !unsent.is_empty() {
        reminders::Entity::delete_many()
            .filter(reminders::Column::OutboxId.is_in(unsent.clone()))
            .exec(txn)
            .await?;
        outbox::Entity::delete_many()
            .filter(outbox::Column::Id.is_in(unsent))
            .exec(txn)
            .await?;
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::BodyText, Expr::value(""))
        .col_expr(outbox::Column::BodyHtml, Expr::value(""))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<HoldReason>::None),
        )
        .filter(outbox::Column::Id.is_in(emails.clone()))
        .exec(txn)
        .await?;
    // Emails that went to the person themselves (at this address or an earlier one).
    let mut own: Vec<i32> = reminders::Entity::find()
        .filter(reminders::Column::RecipientKind.eq(reminders::RecipientKind::Leaver))
        .filter(reminders::Column::RecipientId.eq(l.id))
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|r| r.outbox_id)
        .collect();
    if let Some(email) = &l.email {
        own.extend(
            outbox::Entity::find()
                .filter(outbox::Column::Id.is_in(emails))
                .filter(outbox::Column::ToAddress.eq(email.clone()))
                .all(txn)
                .await?
                .into_iter()
                .map(|e| e.id),
        );
    }
    if !own.is_empty() {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::ToAddress, Expr::value("—"))
            .filter(outbox::Column::Id.is_in(own))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// After erasing, old page versions must not linger in SQLite's write-ahead log either.
pub async fn flush_erased(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::retention_date_of;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_open_record_is_never_due() {
        assert_eq!(retention_date_of(d("1997-03-31"), None, 5), None);
    }

    #[test]
    fn the_clock_starts_at_the_later_of_support_end_and_closing() {
        // Closed before the support ended: the support end counts.
        assert_eq!(
            retention_date_of(d("2021-03-31"), Some(d("2020-01-10")), 5),
            Some(d("2026-03-31"))
        );
        // Closed after it: closing counts.
        assert_eq!(
            retention_date_of(d("2021-03-31"), Some(d("2022-06-30")), 5),
            Some(d("2027-06-30"))
        );
        // 29 February keeps to the end of February.
        assert_eq!(
            retention_date_of(d("2024-02-29"), Some(d("2024-02-29")), 1),
            Some(d("2025-02-28"))
        );
    }
}
