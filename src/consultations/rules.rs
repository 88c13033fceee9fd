//! Consultation rules: statuses and the changes allowed between them, channels and topics.
use chrono::{DateTime, Utc};

/// A consultation's status: stored by the entity, with its names.
pub use entity::consultations::Status;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The move between these statuses is not allowed (a cancelled record stays cancelled).
    NotAllowed,
    /// A held or missed consultation cannot lie in the future.
    HeldInFuture,
    /// A newly planned (or moved) appointment must lie in the future.
    PlannedInPast,
    /// A held consultation needs its summary.
    SummaryRequired,
}

/// The rules about a consultation's status.
pub trait StatusRules: Sized {
    /// Statuses a consultation in `from` may take (`None`: a new one).
    fn choices(from: Option<Self>) -> Vec<Self>;
}

impl StatusRules for Status {
    fn choices(from: Option<Status>) -> Vec<Status> {
        match from {
            None => vec![Status::Planned, Status::Held, Status::Missed],
            Some(Status::Planned) => Status::ALL.to_vec(),
            Some(Status::Held) => vec![Status::Held, Status::Cancelled],
            Some(Status::Missed) => vec![Status::Missed, Status::Held, Status::Cancelled],
            Some(Status::Cancelled) => vec![Status::Cancelled],
        }
    }
}

/// What is being saved, for the rules to check.
pub struct Change<'a> {
    /// The stored status and time; `None` when recording a new consultation.
    pub before: Option<(Status, DateTime<Utc>)>,
    pub to: Status,
    pub held_at: DateTime<Utc>,
    pub summary: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// Checks a new consultation or an edit against the rules; the first refusal found.
pub fn check(change: &Change<'_>) -> Result<(), Refusal> {
    let from = change.before.map(|(s, _)| s);
    if from == Some(Status::Cancelled) || !Status::choices(from).contains(&change.to) {
        return Err(Refusal::NotAllowed);
    }
    match change.to {
        Status::Held | Status::Missed if change.held_at > change.now => Err(Refusal::HeldInFuture),
        Status::Planned => {
            let moved = change.before.is_none_or(|(_, at)| at != change.held_at);
            if moved && change.held_at <= change.now {
                Err(Refusal::PlannedInPast)
            } else {
                Ok(())
            }
        }
        Status::Held if change.summary.is_none_or(|s| s.trim().is_empty()) => {
            Err(Refusal::SummaryRequired)
        }
        _ => Ok(()),
    }
}

/// How a consultation was held, and what it was about: stored by the entities, with names.
pub use entity::{consultation_topics::Topic, consultations::Channel};

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap()
    }

    fn change(
        before: Option<(Status, DateTime<Utc>)>,
        to: Status,
        at: DateTime<Utc>,
    ) -> Change<'static> {
        Change {
            before,
            to,
            held_at: at,
            summary: Some("talked about rent"),
            now: now(),
        }
    }

    #[test]
    fn held_and_missed_cannot_be_in_the_future() {
        let later = now() + Duration::minutes(1);
        assert_eq!(
            check(&change(None, Status::Held, later)),
            Err(Refusal::HeldInFuture)
        );
        assert_eq!(
            check(&change(None, Status::Missed, later)),
            Err(Refusal::HeldInFuture)
        );
        assert_eq!(check(&change(None, Status::Held, now())), Ok(()));
    }

    #[test]
    fn a_new_appointment_must_be_in_the_future_but_may_stay_where_it_was() {
        assert_eq!(
            check(&change(None, Status::Planned, now())),
            Err(Refusal::PlannedInPast)
        );
        assert_eq!(
            check(&change(None, Status::Planned, now() + Duration::hours(1))),
            Ok(())
        );
        let past = now() - Duration::days(1);
        // Editing an appointment whose time has passed, without moving it, is allowed…
        assert_eq!(
            check(&change(
                Some((Status::Planned, past)),
                Status::Planned,
                past
            )),
            Ok(())
        );
        // …moving it into the past is not.
        let earlier = past - Duration::days(1);
        assert_eq!(
            check(&change(
                Some((Status::Planned, past)),
                Status::Planned,
                earlier
            )),
            Err(Refusal::PlannedInPast)
        );
    }

    #[test]
    fn transitions() {
        let past = now() - Duration::days(1);
        assert_eq!(
            check(&change(Some((Status::Planned, past)), Status::Held, past)),
            Ok(())
        );
        assert_eq!(
            check(&change(Some((Status::Planned, past)), Status::Missed, past)),
            Ok(())
        );
        assert_eq!(
            check(&change(Some((Status::Held, past)), Status::Cancelled, past)),
            Ok(())
        );
        assert_eq!(
            check(&change(
                Some((Status::Held, past)),
                Status::Planned,
                now() + Duration::days(1)
            )),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            check(&change(
                Some((Status::Cancelled, past)),
                Status::Cancelled,
                past
            )),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            check(&change(None, Status::Cancelled, past)),
            Err(Refusal::NotAllowed)
        );
    }

    #[test]
    fn a_held_consultation_needs_a_summary() {
        let c = Change {
            summary: Some("  "),
            ..change(None, Status::Held, now())
        };
        assert_eq!(check(&c), Err(Refusal::SummaryRequired));
        let c = Change {
            summary: None,
            ..change(None, Status::Missed, now())
        };
        assert_eq!(check(&c), Ok(()));
    }

    #[test]
    fn codes_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
        }
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(*t));
        }
        assert_eq!(Topic::DailyLiving.message_id(), "topic-daily-living");
        assert_eq!(Channel::HomeVisit.message_id(), "channel-home-visit");
    }
}
