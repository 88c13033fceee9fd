//! The reminder rules of DESIGN 2.5: what each one is about, who receives it, and the key
//! that makes each reminder go out exactly once.
use chrono::NaiveDate;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    FollowUpDue,
    FollowUpOverdue,
    NoContact,
    AllowanceEnding,
    SupportEnding,
    ApprovalsWaiting,
    Appointment,
    PlanMissing,
    PlanReviewDue,
    ContactEscalation,
    ExtensionWaiting,
    /// "How are you doing?" to the young person (its own email, not a digest: see
    /// `youth::check_in_rule`).
    CheckIn,
    /// What a young person said through their link that still waits for someone ("I can't
    /// come", "please call me", "I need help", "please contact me"): once each, in the next
    /// digest of their coordinator.
    YouthAnswer,
}

impl Rule {
    pub const ALL: [Rule; 13] = [
        Rule::FollowUpDue,
        Rule::FollowUpOverdue,
        Rule::NoContact,
        Rule::AllowanceEnding,
        Rule::SupportEnding,
        Rule::ApprovalsWaiting,
        Rule::Appointment,
        Rule::PlanMissing,
        Rule::PlanReviewDue,
        Rule::ContactEscalation,
        Rule::ExtensionWaiting,
        Rule::CheckIn,
        Rule::YouthAnswer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::FollowUpDue => "follow_up_due",
            Rule::FollowUpOverdue => "follow_up_overdue",
            Rule::NoContact => "no_contact",
            Rule::AllowanceEnding => "allowance_ending",
            Rule::SupportEnding => "support_ending",
            Rule::ApprovalsWaiting => "approvals_waiting",
            Rule::Appointment => "appointment",
            Rule::PlanMissing => "plan_missing",
            Rule::PlanReviewDue => "plan_review_due",
            Rule::ContactEscalation => "contact_escalation",
            Rule::ExtensionWaiting => "extension_waiting",
            Rule::CheckIn => "check_in",
            Rule::YouthAnswer => "youth_answer",
        }
    }

    pub fn message_id(self) -> String {
        format!("reminder-rule-{}", self.as_str().replace('_', "-"))
    }
}

/// How many days before a follow-up it is announced (`follow_up_lead_days`).
pub const DEFAULT_FOLLOW_UP_LEAD_DAYS: u32 = 1;
/// An overdue follow-up is repeated at most this often.
pub const OVERDUE_REPEAT_DAYS: i64 = 7;
/// An approved allowance is announced this many days before its last day.
pub const ALLOWANCE_ENDING_DAYS: u64 = 30;
/// Support ending is announced within 90 days, and again within 30.
pub const SUPPORT_ENDING_FIRST: i64 = 90;
pub const SUPPORT_ENDING_SECOND: i64 = 30;

/// Which overdue reminder `today` belongs to: the first on the day after the due date, then
/// one per 7-day period; `None` before the due date has passed.
pub fn overdue_period(due: NaiveDate, today: NaiveDate) -> Option<i64> {
    let days_over = (today - due).num_days();
    (days_over >= 1).then(|| (days_over - 1) / OVERDUE_REPEAT_DAYS)
}

/// Which support-ending reminder applies `today`: 90 (ends in 31–90 days) or 30 (ends in
/// 0–30 days); `None` otherwise.
pub fn support_ending_stage(end: NaiveDate, today: NaiveDate) -> Option<i64> {
    let left = (end - today).num_days();
    match left {
        0..=SUPPORT_ENDING_SECOND => Some(SUPPORT_ENDING_SECOND),
        l if l > SUPPORT_ENDING_SECOND && l <= SUPPORT_ENDING_FIRST => Some(SUPPORT_ENDING_FIRST),
        _ => None,
    }
}

/// An active leaver without an agreed plan is flagged this many days after support starts.
pub const PLAN_MISSING_DAYS: u64 = 30;
/// A plan's review is announced this many days ahead (and while it is overdue).
pub const PLAN_REVIEW_LEAD_DAYS: u64 = 14;

/// The key of a reminder: rule, subject and due date or period.
pub fn key(rule: Rule, subject: &str, period: &str) -> String {
    format!("{}|{subject}|{period}", rule.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn overdue_repeats_at_most_weekly() {
        let due = d(2026, 11, 10);
        assert_eq!(overdue_period(due, d(2026, 11, 10)), None);
        assert_eq!(overdue_period(due, d(2026, 11, 11)), Some(0));
        assert_eq!(overdue_period(due, d(2026, 11, 17)), Some(0));
        assert_eq!(overdue_period(due, d(2026, 11, 18)), Some(1));
        assert_eq!(overdue_period(due, d(2026, 11, 25)), Some(2));
    }

    #[test]
    fn support_ending_at_90_then_30_days() {
        let end = d(2027, 3, 31);
        assert_eq!(support_ending_stage(end, end - chrono::Days::new(91)), None);
        assert_eq!(
            support_ending_stage(end, end - chrono::Days::new(90)),
            Some(90)
        );
        assert_eq!(
            support_ending_stage(end, end - chrono::Days::new(31)),
            Some(90)
        );
        assert_eq!(
            support_ending_stage(end, end - chrono::Days::new(30)),
            Some(30)
        );
        assert_eq!(support_ending_stage(end, end), Some(30));
        assert_eq!(support_ending_stage(end, end + chrono::Days::new(1)), None);
    }

    #[test]
    fn keys_name_rule_subject_and_period() {
        assert_eq!(
            key(Rule::FollowUpOverdue, "leaver:3", "2026-11-10/w1"),
            "follow_up_overdue|leaver:3|2026-11-10/w1"
        );
    }
}
