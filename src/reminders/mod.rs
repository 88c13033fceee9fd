//! The safety net: a scheduled job finds what needs attention and emails the right person —
//! one digest per recipient per run, each reminder exactly once (by key), through an outbox
//! that retries failed deliveries.
pub mod delivery;
pub mod email;
pub mod routing;
pub mod rules;
pub mod run;
pub mod select;
pub mod views;

use poem::{EndpointExt, Route, get, post};

use crate::web::{guard::ADMIN, guard::require};

/// Every path of **Email**: administrators only.
pub fn mount(route: Route) -> Route {
    route
        .at("/admin/reminders", get(views::list).with(require(ADMIN)))
        .at(
            "/admin/reminders/:id/retry",
            post(views::retry).with(require(ADMIN)),
        )
}

use chrono::{DateTime, NaiveDate, Utc};

use crate::i18n::Lang;
use rules::Rule;

pub use run::{RunReport, dry_run, evaluate, run_for_day};

/// Who receives a reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Recipient {
    User(i32),
    Leaver(i32),
}

/// What a reminder says, beyond its rule and record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    Date(NaiveDate),
    LastContact(Option<DateTime<Utc>>),
    Waiting {
        count: u64,
        oldest: Option<DateTime<Utc>>,
    },
    Appointment {
        at: DateTime<Utc>,
        channel: entity::consultations::Channel,
    },
}

/// One reminder, before it is sent.
#[derive(Clone, Debug)]
pub struct Item {
    pub rule: Rule,
    pub key: String,
    pub recipient: Recipient,
    /// The record the reminder is about (a leaver, an allowance, a consultation…).
    pub subject_id: i32,
    pub leaver_id: Option<i32>,
    pub case_number: String,
    pub name: String,
    pub detail: Detail,
}

/// Where a digest goes.
#[derive(Clone, Debug)]
pub struct Address {
    pub email: String,
    pub name: String,
    pub language: Lang,
}
