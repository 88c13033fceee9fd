//! The register through the API: care leavers (identity, support window, status and
//! coordinator; contact details only with `leavers:contact`) and consultations (metadata;
//! summaries only with `consultations:read`).
use chrono::{DateTime, NaiveDate, Utc};
use entity::{consultations, leavers};
use poem_openapi::{
    Object, OpenApi,
    param::{Header, Path, Query},
    payload::Json,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    api::caller::Token,
    api::paging::{self, one_response},
    api::problem::{FieldProblem, Problem},
    api::tokens::Scope,
};

/// A care leaver on the register.
#[derive(Object, Clone)]
pub struct Leaver {
    pub id: i32,
    pub case_number: String,
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub date_of_birth: NaiveDate,
    /// `active`, `lost_contact` or `closed`.
    pub status: String,
    pub support_starts_on: NaiveDate,
    pub support_ends_on: NaiveDate,
    pub coordinator_id: Option<i32>,
    pub closed_on: Option<NaiveDate>,
    /// Set when the record's personal data was erased after retention: the names and dates
    /// read are placeholders then.
    pub anonymised_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
    /// Only for tokens with `leavers:contact`.
    #[oai(skip_serializing_if_is_none)]
    pub contact: Option<Contact>,
}

/// How to reach a care leaver.
#[derive(Object, Clone)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Whether they agreed to be contacted by email.
    pub contact_consent: bool,
}

#[derive(Object)]
pub struct LeaverPage {
    pub items: Vec<Leaver>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A consultation or an appointment.
#[derive(Object, Clone)]
pub struct Consultation {
    pub id: i32,
    pub leaver_id: i32,
    pub held_at: DateTime<Utc>,
    /// `planned`, `held`, `missed` or `cancelled`.
    pub status: String,
    pub channel: String,
    pub next_follow_up_on: Option<NaiveDate>,
    pub recorded_by: Option<i32>,
    pub updated_at: DateTime<Utc>,
    /// Only for tokens with `consultations:read`.
    #[oai(skip_serializing_if_is_none)]
    pub summary: Option<String>,
}

#[derive(Object)]
pub struct ConsultationPage {
    pub items: Vec<Consultation>,
    pub next_cursor: Option<String>,
}

one_response!(LeaverResponse, Leaver);
one_response!(ConsultationResponse, Consultation);

fn leaver(l: leavers::Model, with_contact: bool) -> Leaver {
    Leaver {
        contact: with_contact.then(|| Contact {
            email: l.email.clone(),
            phone: l.phone.clone(),
            address: l.address.clone(),
            contact_consent: l.contact_consent,
        }),
        id: l.id,
        case_number: l.case_number,
        family_name: l.family_name,
        given_name: l.given_name,
        family_name_kana: l.family_name_kana,
        given_name_kana: l.given_name_kana,
        date_of_birth: l.date_of_birth,
        status: l.status.as_str().into(),
        support_starts_on: l.support_starts_on,
        support_ends_on: l.support_ends_on,
        coordinator_id: l.coordinator_id,
        closed_on: l.closed_on,
        anonymised_on: l.anonymised_on,
        updated_at: l.updated_at,
    }
}

fn consultation(c: consultations::Model, with_summary: bool) -> Consultation {
    Consultation {
        summary: if with_summary { c.summary } else { None },
        id: c.id,
        leaver_id: c.leaver_id,
        held_at: c.held_at,
        status: c.status.as_str().into(),
        channel: c.channel.as_str().into(),
        next_follow_up_on: c.next_follow_up_on,
        recorded_by: c.recorded_by,
        updated_at: c.updated_at,
    }
}

/// A filter that names one of a closed list of codes: the code it names, or (when it names
/// none of them) a problem for its field added to `problems`, so that every one is reported.
pub fn code_filter<T: Copy>(
    field: &str,
    raw: Option<&str>,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    problems: &mut Vec<FieldProblem>,
) -> Option<T> {
    let raw = raw?.trim();
    let found = all.iter().copied().find(|x| name(*x) == raw);
    if found.is_none() {
        let allowed: Vec<&str> = all.iter().map(|x| name(*x)).collect();
        problems.push(FieldProblem {
            field: field.into(),
            code: "api-invalid-code".into(),
            detail: format!("One of: {}.", allowed.join(", ")),
        });
    }
    found
}

pub struct RegisterApi;

// One argument per query parameter: the API's description is generated from them.
#[allow(clippy::too_many_arguments)]
#[OpenApi(tag = "crate::api::tags::Tag::Register")]
impl RegisterApi {
    /// Care leavers, by id, a page at a time (scope `leavers:read`).
    #[oai(path = "/leavers", method = "get", operation_id = "listLeavers")]
    async fn leavers(
        &self,
        Token(caller): Token,
        /// `active`, `lost_contact` or `closed`.
        status: Query<Option<String>>,
        /// Only this coordinator's caseload.
        coordinator_id: Query<Option<i32>>,
        /// Only people whose support ends within this many days.
        ends_within_days: Query<Option<u32>>,
        /// The `next_cursor` of the previous page (none for the first).
        cursor: Query<Option<String>>,
        /// Items a page holds: 50 unless asked, at most 200.
        limit: Query<Option<u64>>,
    ) -> Result<Json<LeaverPage>, Problem> {
        caller.require(Scope::LeaversRead)?;
        let mut problems = Vec::new();
        let status = code_filter(
            "status",
            status.0.as_deref(),
            &leavers::Status::ALL,
            leavers::Status::as_str,
            &mut problems,
        );
        if !problems.is_empty() {
            return Err(Problem::invalid(problems));
        }
        let limit = paging::limit(limit.0);
        let mut q = leavers::Entity::find().order_by_asc(leavers::Column::Id);
        if let Some(after) = paging::after(cursor.0.as_deref())? {
            q = q.filter(leavers::Column::Id.gt(after));
        }
        if let Some(s) = status {
            q = q.filter(leavers::Column::Status.eq(s));
        }
        if let Some(c) = coordinator_id.0 {
            q = q.filter(leavers::Column::CoordinatorId.eq(c));
        }
        if let Some(days) = ends_within_days.0 {
            let today = caller.state.clock.today(caller.state.config.time_zone);
            let until = today + chrono::Days::new(days.min(36_600).into());
            q = q
                .filter(leavers::Column::SupportEndsOn.gte(today))
                .filter(leavers::Column::SupportEndsOn.lte(until));
        }
        let rows = q.limit(limit + 1).all(&caller.state.db).await?;
        let (rows, next_cursor) = paging::split(rows, limit, |l| l.id);
        caller
            .record("GET /api/v1/leavers", rows.iter().map(|l| l.id).collect())
            .await?;
        let contact = caller.has(Scope::LeaversContact);
        Ok(Json(LeaverPage {
            items: rows.into_iter().map(|l| leaver(l, contact)).collect(),
            next_cursor,
        }))
    }

    /// One care leaver (scope `leavers:read`; contact details with `leavers:contact`).
    #[oai(path = "/leavers/:id", method = "get", operation_id = "getLeaver")]
    async fn leaver(
        &self,
        Token(caller): Token,
        id: Path<i32>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<LeaverResponse, Problem> {
        caller.require(Scope::LeaversRead)?;
        let l = leavers::Entity::find_by_id(id.0)
            .one(&caller.state.db)
            .await?
            .ok_or_else(Problem::not_found)?;
        caller
            .record("GET /api/v1/leavers/{id}", vec![l.id])
            .await?;
        let item = leaver(l, caller.has(Scope::LeaversContact));
        Ok(LeaverResponse::of(item, if_none_match.0.as_deref()))
    }

    /// Consultations and appointments, by id, a page at a time (scope `leavers:read` or
    /// `consultations:read`; summaries only with `consultations:read`).
    #[oai(
        path = "/consultations",
        method = "get",
        operation_id = "listConsultations"
    )]
    async fn consultations(
        &self,
        Token(caller): Token,
        /// Only this care leaver's.
        leaver_id: Query<Option<i32>>,
        /// `planned`, `held`, `missed` or `cancelled`.
        status: Query<Option<String>>,
        /// Held (or planned) on or after this day.
        from: Query<Option<NaiveDate>>,
        /// Held (or planned) on or before this day.
        to: Query<Option<NaiveDate>>,
        /// The `next_cursor` of the previous page (none for the first).
        cursor: Query<Option<String>>,
        /// Items a page holds: 50 unless asked, at most 200.
        limit: Query<Option<u64>>,
    ) -> Result<Json<ConsultationPage>, Problem> {
        let summaries = caller.has(Scope::ConsultationsRead);
        if !summaries {
            caller.require(Scope::LeaversRead)?;
        }
        let mut problems = Vec::new();
        let status = code_filter(
            "status",
            status.0.as_deref(),
            &consultations::Status::ALL,
            consultations::Status::as_str,
            &mut problems,
        );
        let tz = caller.state.config.time_zone;
        for (field, day) in [("from", from.0), ("to", to.0)] {
            if day.is_some_and(|d| !(1900..=2200).contains(&chrono::Datelike::year(&d))) {
                problems.push(FieldProblem {
                    field: field.into(),
                    code: "api-invalid-date".into(),
                    detail: "A day from 1900 to 2200.".into(),
                });
            }
        }
        if !problems.is_empty() {
            return Err(Problem::invalid(problems));
        }
        let start_of = |d: NaiveDate| crate::clock::start_of(d, tz);
        let limit = paging::limit(limit.0);
        let mut q = consultations::Entity::find().order_by_asc(consultations::Column::Id);
        if let Some(after) = paging::after(cursor.0.as_deref())? {
            q = q.filter(consultations::Column::Id.gt(after));
        }
        if let Some(l) = leaver_id.0 {
            q = q.filter(consultations::Column::LeaverId.eq(l));
        }
        if let Some(s) = status {
            q = q.filter(consultations::Column::Status.eq(s));
        }
        if let Some(t) = from.0.map(start_of) {
            q = q.filter(consultations::Column::HeldAt.gte(t));
        }
        if let Some(t) = to.0.and_then(|d| d.succ_opt()).map(start_of) {
            q = q.filter(consultations::Column::HeldAt.lt(t));
        }
        let rows = q.limit(limit + 1).all(&caller.state.db).await?;
        let (rows, next_cursor) = paging::split(rows, limit, |c| c.id);
        caller
            .record(
                "GET /api/v1/consultations",
                rows.iter().map(|c| c.leaver_id).collect(),
            )
            .await?;
        Ok(Json(ConsultationPage {
            items: rows
                .into_iter()
                .map(|c| consultation(c, summaries))
                .collect(),
            next_cursor,
        }))
    }

    /// One consultation (scope `leavers:read` or `consultations:read`).
    #[oai(
        path = "/consultations/:id",
        method = "get",
        operation_id = "getConsultation"
    )]
    async fn consultation(
        &self,
        Token(caller): Token,
        id: Path<i32>,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> Result<ConsultationResponse, Problem> {
        let summaries = caller.has(Scope::ConsultationsRead);
        if !summaries {
            caller.require(Scope::LeaversRead)?;
        }
        let c = consultations::Entity::find_by_id(id.0)
            .one(&caller.state.db)
            .await?
            .ok_or_else(Problem::not_found)?;
        caller
            .record("GET /api/v1/consultations/{id}", vec![c.leaver_id])
            .await?;
        Ok(ConsultationResponse::of(
            consultation(c, summaries),
            if_none_match.0.as_deref(),
        ))
    }
}
