//! A person's whole record for a disclosure request: gathered as sections, written as a ZIP with
//! its printable page, and the deadline of a request.
use chrono::{Days, NaiveDate};
use entity::{
    allowances, audit_leavers, audit_log, consultation_topics, consultations, extensions, leavers,
    payments, plan_goals, plans,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Write;

/// The last day to answer a request made on `requested_on`.
pub fn due_on(requested_on: NaiveDate, days: u32) -> NaiveDate {
    requested_on + Days::new(days.into())
}

/// Everything held about one person, as JSON sections (section name, rows).
pub async fn record(
    db: &impl ConnectionTrait,
    l: &leavers::Model,
) -> Result<Vec<(&'static str, Vec<Value>)>, DbErr> {
    let consults = consultations::Entity::find()
        .filter(consultations::Column::LeaverId.eq(l.id))
        .order_by_asc(consultations::Column::HeldAt)
        .all(db)
        .await?;
    let ids: Vec<i32> = consults.iter().map(|c| c.id).collect();
    let topics = consultation_topics::Entity::find()
        .filter(consultation_topics::Column::ConsultationId.is_in(ids))
        .all(db)
        .await?;
    let allow = allowances::Entity::find()
        .filter(allowances::Column::LeaverId.eq(l.id))
        .all(db)
        .await?;
    let pays = payments::Entity::find()
        .filter(payments::Column::LeaverId.eq(l.id))
        .order_by_asc(payments::Column::Month)
        .all(db)
        .await?;
    let plan_rows = plans::Entity::find()
        .filter(plans::Column::LeaverId.eq(l.id))
        .all(db)
        .await?;
    let plan_ids: Vec<i32> = plan_rows.iter().map(|p| p.id).collect();
    let goals = plan_goals::Entity::find()
        .filter(plan_goals::Column::PlanId.is_in(plan_ids))
        .all(db)
        .await?;
    let exts = extensions::Entity::find()
        .filter(extensions::Column::LeaverId.eq(l.id))
        .all(db)
        .await?;
    let answers = entity::check_ins::Entity::find()
        .filter(entity::check_ins::Column::LeaverId.eq(l.id))
        .order_by_asc(entity::check_ins::Column::CreatedAt)
        .all(db)
        .await?;
    let proposals = entity::contact_proposals::Entity::find()
        .filter(entity::contact_proposals::Column::LeaverId.eq(l.id))
        .order_by_asc(entity::contact_proposals::Column::CreatedAt)
        .all(db)
        .await?;
    let access = audit_log::Entity::find()
        .filter(
            audit_log::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(audit_leavers::Column::AuditId)
                    .from(audit_leavers::Entity)
                    .and_where(audit_leavers::Column::LeaverId.eq(l.id))
                    .to_owned(),
            ),
        )
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await?;
    Ok(vec![
        ("person", vec![json!({
            "case_number": l.case_number, "family_name": l.family_name, "given_name": l.given_name,
            "family_name_kana": l.family_name_kana, "given_name_kana": l.given_name_kana,
            "date_of_birth": l.date_of_birth, "placement_type": l.placement_type.as_str(),
            "placement_ended_on": l.placement_ended_on, "living_situation": l.living_situation,
            "email": l.email, "phone": l.phone, "address": l.address, "contact_consent": l.contact_consent,
            "status": l.status.as_str(), "closed_on": l.closed_on, "closed_reason": l.closed_reason, "notes": l.notes,
            "support_starts_on": l.support_starts_on, "support_ends_on": l.support_ends_on,
            "language": l.language.as_str(),
        })]),
        ("consultations", consults.iter().map(|c| json!({
            "held_at": c.held_at, "status": c.status.as_str(), "channel": c.channel.as_str(),
            "topics": topics.iter().filter(|t| t.consultation_id == c.id).map(|t| t.topic.as_str()).collect::<Vec<_>>(),
            "summary": c.summary, "next_follow_up_on": c.next_follow_up_on,
            "response": c.response.map(|r| r.as_str()), "response_at": c.response_at,
        })).collect()),
        // What the person said through their link, and the contact details they proposed.
        ("check_ins", answers.iter().map(|a| json!({
            "at": a.created_at, "kind": a.kind.as_str(), "message": a.message,
            "appointment_at": consults.iter().find(|c| Some(c.id) == a.consultation_id).map(|c| c.held_at),
            "acknowledged_at": a.acknowledged_at,
        })).collect()),
        ("contact_proposals", proposals.iter().map(|p| json!({
            "at": p.created_at, "email": p.email, "phone": p.phone, "address": p.address,
            "status": p.status.as_str(), "decided_at": p.decided_at,
        })).collect()),
        ("allowances", allow.iter().map(|a| json!({
            "kind": a.kind.as_str(), "monthly_amount": a.monthly_amount, "start_month": a.start_month,
            "end_month": a.end_month, "reason": a.reason, "status": a.status.as_str(), "decision_note": a.decision_note,
        })).collect()),
        ("payments", pays.iter().map(|p| json!({
            "kind": p.kind.as_str(), "month": p.month, "amount": p.amount, "status": p.status.as_str(), "paid_on": p.paid_on,
        })).collect()),
        ("plans", plan_rows.iter().map(|p| json!({
            "number": p.number, "status": p.status.as_str(), "wishes": p.wishes, "started_on": p.started_on,
            "agreed_on": p.agreed_on, "review_on": p.review_on,
            "goals": goals.iter().filter(|g| g.plan_id == p.id).map(|g| json!({
                "domain": g.domain.as_str(), "goal": g.goal, "actions": g.actions, "target_on": g.target_on,
            })).collect::<Vec<_>>(),
        })).collect()),
        ("extensions", exts.iter().map(|e| json!({
            "new_end_on": e.new_end_on, "reason": e.reason.as_str(), "reason_detail": e.reason_detail,
            "review_on": e.review_on, "status": e.status.as_str(), "decided_at": e.decided_at,
        })).collect()),
        ("access_log", access.iter().map(|e| json!({
            "at": e.at, "actor_id": e.actor_id, "action": e.action, "entity": e.entity, "summary": crate::audit::chain::summary_for_one_person(&e.entity, e.entity_id, &e.summary),
        })).collect()),
    ])
}

/// The ZIP and its SHA-256.
pub fn zip(
    sections: &[(&'static str, Vec<Value>)],
    html: &str,
) -> anyhow::Result<(Vec<u8>, String)> {
    let record: serde_json::Map<String, Value> = sections
        .iter()
        .map(|(k, v)| (k.to_string(), Value::Array(v.clone())))
        .collect();
    let record_json = serde_json::to_vec_pretty(&Value::Object(record))?;
    let hash = |b: &[u8]| hex::encode(Sha256::digest(b));
    let manifest = json!({
        "counts": sections.iter().map(|(k, v)| (k.to_string(), json!(v.len()))).collect::<serde_json::Map<_, _>>(),
        "files": { "record.json": hash(&record_json), "record.html": hash(html.as_bytes()) },
    });
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default();
        w.start_file("record.json", options)?;
        w.write_all(&record_json)?;
        w.start_file("record.html", options)?;
        w.write_all(html.as_bytes())?;
        w.start_file("manifest.json", options)?;
        w.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
        w.finish()?;
    }
    let bytes = buf.into_inner();
    let sha = hash(&bytes);
    Ok((bytes, sha))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_counts_from_the_next_day() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(due_on(d, 14), NaiveDate::from_ymd_opt(2026, 12, 4).unwrap());
        assert_eq!(due_on(d, 1), NaiveDate::from_ymd_opt(2026, 11, 21).unwrap());
    }
}
