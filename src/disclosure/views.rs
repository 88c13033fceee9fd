//! `/leavers/{id}/disclosure` (admins): record a request, and export the person's record.
use askama::Template;
use chrono::NaiveDate;
use entity::{disclosures, leavers};
use poem::{
    IntoResponse, Response, handler,
    web::{Form, Path},
};
use serde::Deserialize;

use crate::{
    db,
    disclosure::{export::due_on, export::record, export::zip, queries},
    error::{AppError, AppResult},
    i18n::{Lang, Tr},
    web::forms::parse_date,
    web::{context::Ctx, render::render, render::render_refused, render::see_other},
};

pub struct RequestRow {
    pub id: i32,
    pub requested: String,
    pub due: String,
    pub status: String,
    pub open: bool,
    pub sha: String,
}

#[derive(Template)]
#[template(path = "disclosure/show.html")]
struct DisclosurePage<'a> {
    ctx: &'a Ctx,
    leaver_id: i32,
    leaver: String,
    rows: Vec<RequestRow>,
    requested_on: String,
    error: Option<&'static str>,
    /// (code, name, selected) for the language of the exported record.
    languages: Vec<(&'static str, String, bool)>,
}

/// The printable record, in the language chosen for the person (not necessarily the
/// admin's).
#[derive(Template)]
#[template(path = "disclosure/record.html")]
struct RecordHtml {
    tr: Tr,
    name: String,
    /// Each section's title and rows.
    sections: Vec<(String, Vec<Fields>)>,
}

/// One row of the record: its fields as (label, value).
type Fields = Vec<(String, String)>;

/// The catalog prefix of a section's own field labels.
fn field_prefix(section: &str) -> &'static str {
    match section {
        "person" => "leaver",
        "consultations" => "consultation",
        "allowances" => "allowance",
        "plans" => "plan",
        "extensions" => "extension",
        _ => "disclosure",
    }
}

/// A field's label in the record's language: the form's own label where there is one.
fn field_label(tr: &Tr, section: &str, key: &str) -> String {
    let key = key.replace('_', "-");
    [
        format!("{}-field-{key}", field_prefix(section)),
        format!("disclosure-field-{key}"),
    ]
    .into_iter()
    .find(|id| tr.has(id))
    .map(|id| tr.t(&id))
    .unwrap_or(key)
}

/// The catalog ids that may name a coded value of `key` (a placement, a status, a topic…).
fn code_ids(section: &str, key: &str, code: &str) -> Vec<String> {
    let code = code.replace('_', "-");
    let prefix = field_prefix(section);
    match key {
        "placement_type" => vec![format!("placement-{code}")],
        "status" => vec![
            format!("{prefix}-status-{code}"),
            format!("payment-status-{code}"),
            format!("proposal-status-{code}"),
        ],
        "channel" => vec![format!("channel-{code}")],
        "topics" | "domain" => vec![format!("topic-{code}")],
        "kind" if section == "check_ins" => vec![format!("check-in-kind-{code}")],
        "kind" => vec![format!("allowance-kind-{code}")],
        "response" => vec![format!("me-answer-{code}")],
        // Allowances' reasons are free text; only an extension's reason is a code.
        "reason" if section == "extensions" => vec![format!("extension-reason-{code}")],
        "action" => vec![format!("audit-action-{code}")],
        "entity" => vec![format!("audit-entity-{code}")],
        _ => Vec::new(),
    }
}

/// A stored value as the person reads it: codes in words, yes and no, lists joined.
fn field_value(
    tr: &Tr,
    tz: chrono_tz::Tz,
    section: &str,
    key: &str,
    value: &serde_json::Value,
) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "—".into(),
        Value::Array(items) if items.is_empty() => "—".into(),
        Value::Bool(true) => tr.t("disclosure-yes"),
        Value::Bool(false) => tr.t("disclosure-no"),
        // Who saw or changed the record, in the reader's words (this person is the subject).
        Value::String(s) if section == "access_log" && key == "summary" => {
            crate::audit::words::summary(tr, "", s, &Default::default())
        }
        Value::String(s) => {
            if let Some(id) = code_ids(section, key, s).into_iter().find(|id| tr.has(id)) {
                tr.t(&id)
            } else if let Ok(at) = chrono::DateTime::parse_from_rfc3339(s) {
                // Times in the team's time zone, dates in the reader's language.
                let local = at.with_timezone(&tz);
                format!("{} {}", tr.date(local.date_naive()), local.format("%H:%M"))
            } else if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                tr.date(day)
            } else {
                s.clone()
            }
        }
        Value::Array(items) => items
            .iter()
            .map(|i| field_value(tr, tz, section, key, i))
            .collect::<Vec<_>>()
            .join(match tr.lang {
                crate::i18n::Lang::En => ", ",
                crate::i18n::Lang::Ja => "、",
            }),
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}: {}",
                    field_label(tr, section, k),
                    field_value(tr, tz, section, k, v)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

async fn page<'a>(
    ctx: &'a Ctx,
    l: &leavers::Model,
    requested_on: String,
    error: Option<&'static str>,
) -> AppResult<DisclosurePage<'a>> {
    let rows = queries::for_leaver(&ctx.app.db, l.id)
        .await?
        .into_iter()
        .map(|d| RequestRow {
            id: d.id,
            requested: ctx.tr.date(d.requested_on),
            due: ctx.tr.date(d.due_on),
            status: ctx.t(&d.status.message_id()),
            open: d.status == disclosures::Status::Open,
            sha: d.export_sha256.unwrap_or_default(),
        })
        .collect();
    Ok(DisclosurePage {
        ctx,
        leaver_id: l.id,
        leaver: format!("{} {} ({})", l.family_name, l.given_name, l.case_number),
        rows,
        requested_on,
        error,
        languages: Lang::ALL
            .iter()
            .map(|lang| {
                (
                    lang.as_str(),
                    ctx.t(&format!("language-{}", lang.as_str())),
                    *lang == Lang::Ja,
                )
            })
            .collect(),
    })
}

async fn load(ctx: &Ctx, id: i32) -> AppResult<leavers::Model> {
    crate::leavers::queries::get(&ctx.app.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[handler]
pub async fn show(ctx: &Ctx, Path(id): Path<i32>) -> AppResult<Response> {
    let l = crate::leavers::page::load_for_page(ctx, id).await?;
    render(&page(ctx, &l, ctx.today().to_string(), None).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DisclosureForm {
    action: String,
    requested_on: String,
    disclosure_id: String,
    language: String,
}

/// A request of this person's, by the id a form sent.
async fn find_request(ctx: &Ctx, leaver_id: i32, raw_id: &str) -> AppResult<disclosures::Model> {
    let id = raw_id
        .trim()
        .parse::<i32>()
        .map_err(|_| AppError::NotFound)?;
    queries::find(&ctx.app.db, leaver_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[handler]
pub async fn post(
    ctx: &Ctx,
    Path(id): Path<i32>,
    Form(f): Form<DisclosureForm>,
) -> AppResult<Response> {
    let l = load(ctx, id).await?;
    let actor = ctx.user()?.id;
    if f.action == "done" {
        // Answered another way (a refusal, a partial answer, records sent on paper): the
        // request leaves the dashboard.
        let request = find_request(ctx, l.id, &f.disclosure_id).await?;
        let txn = db::begin_write(&ctx.app.db).await?;
        if queries::mark_done(&txn, ctx.now(), ctx.today(), actor, &request).await? {
            txn.commit().await?;
            ctx.flash_success("disclosure-marked-done");
        }
        return Ok(see_other(&format!("/leavers/{}/disclosure", l.id)));
    }
    if f.action == "export" {
        let request = find_request(ctx, l.id, &f.disclosure_id).await?;
        // The access log in the export is read from the per-person index: bring it up to date.
        crate::audit::index::catch_up(&ctx.app.db, &ctx.app.clock).await?;
        let sections = record(&ctx.app.db, &l).await?;
        // The record is the young person's: Japanese unless another language is chosen.
        let lang = Lang::parse(&f.language).unwrap_or(Lang::Ja);
        let tr = ctx.app.catalogs.translator(lang);
        let tz = ctx.app.config.time_zone;
        let html = RecordHtml {
            name: format!("{} {}", l.family_name, l.given_name),
            sections: sections
                .iter()
                .map(|(k, rows)| {
                    (
                        tr.t(&format!("disclosure-section-{}", k.replace('_', "-"))),
                        rows.iter()
                            .map(|row| match row {
                                serde_json::Value::Object(fields) => fields
                                    .iter()
                                    .map(|(f, v)| {
                                        (field_label(&tr, k, f), field_value(&tr, tz, k, f, v))
                                    })
                                    .collect(),
                                other => vec![(String::new(), field_value(&tr, tz, k, "", other))],
                            })
                            .collect(),
                    )
                })
                .collect(),
            tr,
        }
        .render()?;
        let (bytes, sha) = zip(&sections, &html).map_err(AppError::Internal)?;
        let txn = db::begin_write(&ctx.app.db).await?;
        queries::record_export(&txn, ctx.now(), ctx.today(), actor, &request, &sha).await?;
        txn.commit().await?;
        return Ok(bytes
            .with_content_type("application/zip")
            .with_header(
                "Content-Disposition",
                format!("attachment; filename=\"disclosure-{}.zip\"", request.id),
            )
            .into_response());
    }
    let recorded_on = l
        .created_at
        .with_timezone(&ctx.app.config.time_zone)
        .date_naive();
    let problem = match parse_date(&f.requested_on) {
        Some(d) if d > ctx.today() => Some("disclosure-date-invalid"),
        Some(d) if d < recorded_on => Some("disclosure-date-before-record"),
        Some(_) => None,
        None => Some("disclosure-date-invalid"),
    };
    let (Some(requested_on), None) = (parse_date(&f.requested_on), problem) else {
        let p = page(ctx, &l, f.requested_on.clone(), problem).await?;
        return render_refused(&p, &AppError::invalid());
    };
    let due = due_on(requested_on, ctx.app.config.disclosure_days);
    let txn = db::begin_write(&ctx.app.db).await?;
    if queries::open(&txn, ctx.now(), actor, l.id, requested_on, due)
        .await?
        .is_none()
    {
        drop(txn);
        let p = page(
            ctx,
            &l,
            f.requested_on.clone(),
            Some("disclosure-duplicate"),
        )
        .await?;
        return render_refused(&p, &AppError::invalid());
    }
    txn.commit().await?;
    ctx.flash_success("disclosure-recorded");
    Ok(see_other(&format!("/leavers/{}/disclosure", l.id)))
}
