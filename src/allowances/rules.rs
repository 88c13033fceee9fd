//! Allowance rules (DESIGN 2.4): kinds, months, whole yen, and the request state machine with
//! separation of duties.

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use crate::{clock::Month, i18n::Yen, roles::Role};

/// Housing or living: stored by the entity, with its names.
pub use entity::allowances::Kind;

/// The monthly cap of each kind, in whole yen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    pub housing: Yen,
    pub living: Yen,
}

impl Caps {
    pub fn of(&self, kind: Kind) -> Yen {
        match kind {
            Kind::Housing => self.housing,
            Kind::Living => self.living,
        }
    }
}

/// Whole yen as typed: digits with optional `¥` and thousands separators (full-width too).
/// Fractions, signs and zero are refused.
pub fn parse_yen(raw: &str) -> Option<Yen> {
    let s: String = raw.trim().nfkc().collect();
    let s = s
        .trim_start_matches(['¥', '￥', '\\'])
        .replace([',', '，'], "");
    let s = s.strip_suffix('円').unwrap_or(&s).trim();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) || s.len() > 12 {
        return None;
    }
    s.parse::<i64>().ok().filter(|v| *v > 0).map(Yen)
}

/// The first month that has no day inside the support window, if any. A month counts as
/// inside when any of its days is.
pub fn first_month_outside(
    start: Month,
    end: Month,
    window_start: NaiveDate,
    window_end: NaiveDate,
) -> Option<Month> {
    start
        .through(end)
        .into_iter()
        .find(|m| m.last_day() < window_start || m.first_day() > window_end)
}

/// Whether two month ranges share a month.
pub fn overlaps(a: (Month, Month), b: (Month, Month)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// A request's status: stored by the entity, with its names.
pub use entity::allowances::Status;

/// The register's rules about a request's status.
pub trait StatusRules {
    /// Submitted and approved requests are live: they block overlapping requests.
    fn is_live(&self) -> bool;
}

impl StatusRules for Status {
    fn is_live(&self) -> bool {
        matches!(self, Status::Submitted | Status::Approved)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Submit,
    Withdraw,
    Approve,
    Reject,
    Stop,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Submit,
        Action::Withdraw,
        Action::Approve,
        Action::Reject,
        Action::Stop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Withdraw => "withdraw",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Stop => "stop",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Who asks for a transition.
#[derive(Clone, Copy, Debug)]
pub struct Actor {
    pub id: i32,
    pub role: Role,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The request is not in a status this action applies to.
    WrongStatus,
    /// Only finance decides; only coordinators and admins request.
    WrongRole,
    /// Nobody decides on their own request (separation of duties).
    OwnRequest,
    /// Only the requester withdraws.
    NotRequester,
    /// Rejecting and stopping need a note.
    NoteRequired,
}

/// The one place the allowance state machine lives.
pub fn transition(
    from: Status,
    action: Action,
    actor: Actor,
    requested_by: Option<i32>,
    note: Option<&str>,
) -> Result<Status, Refusal> {
    let keeper = matches!(actor.role, Role::Coordinator | Role::Admin);
    let finance = actor.role == Role::Finance;
    let own = requested_by == Some(actor.id);
    let has_note = note.is_some_and(|n| !n.trim().is_empty());
    let (needed, to) = match action {
        Action::Submit => (Status::Draft, Status::Submitted),
        Action::Withdraw => (Status::Submitted, Status::Withdrawn),
        Action::Approve => (Status::Submitted, Status::Approved),
        Action::Reject => (Status::Submitted, Status::Rejected),
        Action::Stop => (Status::Approved, Status::Stopped),
    };
    match action {
        Action::Submit | Action::Withdraw if !keeper => return Err(Refusal::WrongRole),
        Action::Withdraw if !own => return Err(Refusal::NotRequester),
        Action::Approve | Action::Reject | Action::Stop if !finance => {
            return Err(Refusal::WrongRole);
        }
        Action::Approve | Action::Reject | Action::Stop if own => return Err(Refusal::OwnRequest),
        _ => {}
    }
    if from != needed {
        return Err(Refusal::WrongStatus);
    }
    if matches!(action, Action::Reject | Action::Stop) && !has_note {
        return Err(Refusal::NoteRequired);
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    fn d(y: i32, mo: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, day).unwrap()
    }

    #[test]
    fn yen_is_whole_and_positive() {
        assert_eq!(parse_yen("50000"), Some(Yen(50_000)));
        assert_eq!(parse_yen("¥50,000"), Some(Yen(50_000)));
        assert_eq!(parse_yen("５００００円"), Some(Yen(50_000)));
        for bad in ["0", "-1", "1.5", "5e4", "", "abc", "1234567890123"] {
            assert_eq!(parse_yen(bad), None, "{bad}");
        }
    }

    #[test]
    fn months_must_touch_the_support_window() {
        let (start, end) = (d(2026, 4, 16), d(2027, 3, 31));
        assert_eq!(
            first_month_outside(m("2026-04"), m("2027-03"), start, end),
            None
        );
        assert_eq!(
            first_month_outside(m("2026-03"), m("2026-05"), start, end),
            Some(m("2026-03"))
        );
        assert_eq!(
            first_month_outside(m("2027-01"), m("2027-04"), start, end),
            Some(m("2027-04"))
        );
    }

    #[test]
    fn overlap_of_month_ranges() {
        assert!(overlaps(
            (m("2026-04"), m("2026-09")),
            (m("2026-09"), m("2027-03"))
        ));
        assert!(!overlaps(
            (m("2026-04"), m("2026-08")),
            (m("2026-09"), m("2027-03"))
        ));
        assert!(overlaps(
            (m("2026-04"), m("2027-03")),
            (m("2026-06"), m("2026-06"))
        ));
    }

    const COORDINATOR: Actor = Actor {
        id: 1,
        role: Role::Coordinator,
    };
    const FINANCE: Actor = Actor {
        id: 2,
        role: Role::Finance,
    };

    #[test]
    fn every_allowed_transition() {
        use Status::*;
        assert_eq!(
            transition(Draft, Action::Submit, COORDINATOR, Some(1), None),
            Ok(Submitted)
        );
        assert_eq!(
            transition(Submitted, Action::Withdraw, COORDINATOR, Some(1), None),
            Ok(Withdrawn)
        );
        assert_eq!(
            transition(Submitted, Action::Approve, FINANCE, Some(1), None),
            Ok(Approved)
        );
        assert_eq!(
            transition(Submitted, Action::Reject, FINANCE, Some(1), Some("no")),
            Ok(Rejected)
        );
        assert_eq!(
            transition(Approved, Action::Stop, FINANCE, Some(1), Some("moved")),
            Ok(Stopped)
        );
    }

    #[test]
    fn every_refused_transition() {
        use Status::*;
        for from in Status::ALL {
            for action in Action::ALL {
                let allowed = matches!(
                    (from, action),
                    (Draft, Action::Submit)
                        | (
                            Submitted,
                            Action::Withdraw | Action::Approve | Action::Reject
                        )
                        | (Approved, Action::Stop)
                );
                let actor = if matches!(action, Action::Submit | Action::Withdraw) {
                    COORDINATOR
                } else {
                    FINANCE
                };
                let result = transition(from, action, actor, Some(1), Some("note"));
                assert_eq!(result.is_ok(), allowed, "{from:?} {action:?}");
                if !allowed {
                    assert_eq!(result, Err(Refusal::WrongStatus));
                }
            }
        }
    }

    #[test]
    fn separation_of_duties_and_roles() {
        use Status::*;
        let finance_requester = Actor {
            id: 1,
            role: Role::Finance,
        };
        assert_eq!(
            transition(Submitted, Action::Approve, finance_requester, Some(1), None),
            Err(Refusal::OwnRequest)
        );
        assert_eq!(
            transition(
                Submitted,
                Action::Reject,
                finance_requester,
                Some(1),
                Some("x")
            ),
            Err(Refusal::OwnRequest)
        );
        assert_eq!(
            transition(Submitted, Action::Approve, COORDINATOR, Some(5), None),
            Err(Refusal::WrongRole)
        );
        let admin = Actor {
            id: 9,
            role: Role::Admin,
        };
        assert_eq!(
            transition(Submitted, Action::Approve, admin, Some(5), None),
            Err(Refusal::WrongRole)
        );
        assert_eq!(
            transition(Draft, Action::Submit, FINANCE, Some(1), None),
            Err(Refusal::WrongRole)
        );
        let colleague = Actor {
            id: 7,
            role: Role::Coordinator,
        };
        assert_eq!(
            transition(Submitted, Action::Withdraw, colleague, Some(1), None),
            Err(Refusal::NotRequester)
        );
        assert_eq!(
            transition(Submitted, Action::Reject, FINANCE, Some(1), Some("  ")),
            Err(Refusal::NoteRequired)
        );
        assert_eq!(
            transition(Approved, Action::Stop, FINANCE, Some(1), None),
            Err(Refusal::NoteRequired)
        );
    }
}
