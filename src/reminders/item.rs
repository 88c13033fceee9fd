//! A reminder before it is sent: what it says, who receives it, and where the digest goes.
use super::rules::Rule;
use crate::i18n::Lang;
use chrono::{DateTime, NaiveDate, Utc};

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
    /// What a young person said through their link, and when.
    Answer {
        kind: entity::check_ins::Kind,
        at: DateTime<Utc>,
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
