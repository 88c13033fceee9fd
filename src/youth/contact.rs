//! The person's contact details through their link: they propose a new email address, phone
//! number or address, which waits for their coordinator to accept it from the leaver page;
//! consent to emails they give or withdraw at once. Every step is audited, and the audit
//! never keeps the values (only that they changed).
use chrono::{DateTime, Utc};
use entity::{contact_proposals, leavers};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};
use serde::Deserialize;

use crate::{
    audit::chain::{self as audit, Entry},
    users::forms::Email,
    web::forms::{FormErrors, has_forbidden_text_character},
    youth::me::BY_PERSON,
};

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ContactForm {
    pub email: String,
    pub phone: String,
    pub address: String,
    pub contact_consent: String,
}

/// What the person sent: the details they propose (only those that differ from the record)
/// and whether they agree to emails.
#[derive(Debug, PartialEq, Eq)]
pub struct ContactInput {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub consent: bool,
}

impl ContactInput {
    pub fn proposes_anything(&self) -> bool {
        self.email.is_some() || self.phone.is_some() || self.address.is_some()
    }
}

impl ContactForm {
    /// The form as the record stands.
    pub fn of(l: &leavers::Model) -> Self {
        ContactForm {
            email: l.email.clone().unwrap_or_default(),
            phone: l.phone.clone().unwrap_or_default(),
            address: l.address.clone().unwrap_or_default(),
            contact_consent: if l.contact_consent {
                "on".into()
            } else {
                String::new()
            },
        }
    }

    /// Every mistake at once. A field left as on the record proposes nothing; a field
    /// emptied is not a proposal either (the coordinator removes details, not the link).
    pub fn parse(&self, l: &leavers::Model, errors: &mut FormErrors) -> Option<ContactInput> {
        let differs =
            |new: &str, old: &Option<String>| !new.is_empty() && Some(new) != old.as_deref();
        let email = match self.email.trim() {
            "" => Some(None),
            raw => match Email::parse(raw) {
                Some(e) => Some(differs(e.as_str(), &l.email).then(|| e.as_str().to_string())),
                None => {
                    errors.add("email", "field-email-invalid");
                    None
                }
            },
        };
        let phone = match crate::web::forms::parse_phone(&self.phone) {
            Some(Some(p)) => Some(differs(&p, &l.phone).then_some(p)),
            Some(None) => Some(None),
            None => {
                errors.add("phone", "leaver-phone-invalid");
                None
            }
        };
        let address = self.address.trim().replace("\r\n", "\n");
        let address = if address.chars().count() > 300 || has_forbidden_text_character(&address) {
            errors.add("address", "leaver-text-too-long");
            None
        } else {
            Some(differs(&address, &l.address).then_some(address))
        };
        let consent = matches!(self.contact_consent.trim(), "on" | "true" | "1" | "yes");
        Some(ContactInput {
            email: email?,
            phone: phone?,
            address: address?,
            consent,
        })
    }
}

/// Applies what the person sent: consent at once, details as a proposal (replacing an
/// earlier one still waiting). Returns whether anything changed.
pub async fn submit(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    l: &leavers::Model,
    input: &ContactInput,
) -> Result<bool, DbErr> {
    let mut changed = false;
    if input.consent != l.contact_consent {
        leavers::Entity::update_many()
            .col_expr(leavers::Column::ContactConsent, Expr::value(input.consent))
            .col_expr(
                leavers::Column::Version,
                Expr::col(leavers::Column::Version).add(1),
            )
            .col_expr(leavers::Column::UpdatedAt, Expr::value(now))
            .filter(leavers::Column::Id.eq(l.id))
            .exec(txn)
            .await?;
        let summary = format!(
            "contact_consent: {} → {}; {BY_PERSON}",
            l.contact_consent, input.consent
        );
        audit::record(
            txn,
            now,
            Entry {
                actor_id: None,
                action: "update",
                entity: "leaver",
                entity_id: Some(l.id.into()),
                summary: &summary,
            },
        )
        .await?;
        changed = true;
    }
    if input.proposes_anything() {
        contact_proposals::Entity::delete_many()
            .filter(contact_proposals::Column::LeaverId.eq(l.id))
            .filter(contact_proposals::Column::Status.eq(contact_proposals::Status::Waiting))
            .exec(txn)
            .await?;
        let saved = contact_proposals::ActiveModel {
            leaver_id: Set(l.id),
            email: Set(input.email.clone()),
            phone: Set(input.phone.clone()),
            address: Set(input.address.clone()),
            created_at: Set(now),
            status: Set(contact_proposals::Status::Waiting),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        audit::record(
            txn,
            now,
            Entry {
                actor_id: None,
                action: "propose",
                entity: "contact_proposal",
                entity_id: Some(saved.id.into()),
                summary: &format!("leaver {}; fields: {}; {BY_PERSON}", l.id, fields(&saved)),
            },
        )
        .await?;
        changed = true;
    }
    Ok(changed)
}

/// The names of the fields a proposal changes.
fn fields(p: &contact_proposals::Model) -> String {
    [
        ("email", p.email.is_some()),
        ("phone", p.phone.is_some()),
        ("address", p.address.is_some()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(name, _)| *name)
    .collect::<Vec<_>>()
    .join(", ")
}

/// The person's proposal waiting for their coordinator, if any.
pub async fn waiting(
    db: &impl ConnectionTrait,
    leaver_id: i32,
) -> Result<Option<contact_proposals::Model>, DbErr> {
    contact_proposals::Entity::find()
        .filter(contact_proposals::Column::LeaverId.eq(leaver_id))
        .filter(contact_proposals::Column::Status.eq(contact_proposals::Status::Waiting))
        .order_by_desc(contact_proposals::Column::Id)
        .one(db)
        .await
}

/// A coordinator accepts (the details go on the record) or declines a waiting proposal.
/// `None` when it is no longer waiting.
pub async fn decide(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: i32,
    id: i32,
    accept: bool,
) -> Result<Option<i32>, DbErr> {
    let Some(p) = contact_proposals::Entity::find_by_id(id)
        .filter(contact_proposals::Column::Status.eq(contact_proposals::Status::Waiting))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    // A closed or anonymised record takes no new details.
    let open = leavers::Entity::find_by_id(p.leaver_id)
        .filter(leavers::Column::Status.ne(leavers::Status::Closed))
        .filter(leavers::Column::AnonymisedOn.is_null())
        .one(txn)
        .await?;
    if open.is_none() {
        return Ok(None);
    }
    let status = if accept {
        contact_proposals::Status::Accepted
    } else {
        contact_proposals::Status::Declined
    };
    let updated = contact_proposals::Entity::update_many()
        .col_expr(contact_proposals::Column::Status, Expr::value(status))
        .col_expr(contact_proposals::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(
            contact_proposals::Column::DecidedBy,
            Expr::value(Some(actor)),
        )
        .filter(contact_proposals::Column::Id.eq(id))
        .filter(contact_proposals::Column::Status.eq(contact_proposals::Status::Waiting))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(None);
    }
    if accept {
        let mut update = leavers::Entity::update_many()
            .col_expr(
                leavers::Column::Version,
                Expr::col(leavers::Column::Version).add(1),
            )
            .col_expr(leavers::Column::UpdatedAt, Expr::value(now));
        if let Some(email) = &p.email {
            update = update.col_expr(leavers::Column::Email, Expr::value(Some(email.clone())));
        }
        if let Some(phone) = &p.phone {
            update = update.col_expr(leavers::Column::Phone, Expr::value(Some(phone.clone())));
        }
        if let Some(address) = &p.address {
            update = update.col_expr(leavers::Column::Address, Expr::value(Some(address.clone())));
        }
        update
            .filter(leavers::Column::Id.eq(p.leaver_id))
            .exec(txn)
            .await?;
    }
    audit::record(
        txn,
        now,
        Entry {
            actor_id: Some(actor),
            action: if accept { "accept" } else { "decline" },
            entity: "contact_proposal",
            entity_id: Some(id.into()),
            summary: &format!("leaver {}; fields: {}", p.leaver_id, fields(&p)),
        },
    )
    .await?;
    Ok(Some(p.leaver_id))
}
