//! The consultation form parsed into checked values, every field error collected.
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use unicode_normalization::UnicodeNormalization;

use crate::{
    consultations::rules::{self, Channel, Refusal, Status, Topic},
    web::forms::FormErrors,
    web::forms::parse_date,
};

/// Field names: `held_at`, `status`, `channel`, `topics` (repeated), `summary`,
/// `next_follow_up_on`, `version`.
#[derive(Clone, Debug, Default)]
pub struct ConsultationForm {
    pub held_at: String,
    pub status: String,
    pub channel: String,
    pub topics: Vec<String>,
    pub summary: String,
    pub next_follow_up_on: String,
    pub version: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConsultationInput {
    pub held_at: DateTime<Utc>,
    pub status: Status,
    pub channel: Channel,
    pub topics: Vec<Topic>,
    pub summary: Option<String>,
    pub next_follow_up_on: Option<NaiveDate>,
}

pub const SUMMARY_MAX_CHARS: usize = 20_000;

/// `YYYY-MM-DDTHH:MM` (what a date-and-time input sends; a space or seconds also work),
/// read in the team's time zone.
pub fn parse_local_datetime(raw: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let s: String = raw.trim().nfkc().collect();
    let s = s.replace(' ', "T").replace('/', "-");
    // Four-digit years only (chrono would take a sign or more digits).
    // `get`, not indexing: the input may hold multi-byte characters anywhere.
    let year_digits = s
        .get(..4)
        .is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit()));
    if s.len() < 16 || !year_digits || s.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&s, f).ok())?;
    // Minutes are what the form shows: seconds would read as a move on the next save.
    let naive = naive.with_second(0)?;
    if !(1900..=2200).contains(&naive.year()) {
        return None;
    }
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The value a date-and-time input shows for `at`.
pub fn local_input_value(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

impl ConsultationForm {
    /// Reads the posted fields; `topics` may repeat.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = ConsultationForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "held_at" => form.held_at = v,
                "status" => form.status = v,
                "channel" => form.channel = v,
                "topics" => form.topics.push(v),
                "summary" => form.summary = v,
                "next_follow_up_on" => form.next_follow_up_on = v,
                "version" => form.version = v,
                _ => {}
            }
        }
        form
    }

    pub fn version(&self) -> Option<i32> {
        self.version.trim().parse().ok()
    }

    pub fn has_topic(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| t == topic)
    }

    /// Checks the fields and the status rules. `before` is the stored status and time when
    /// editing.
    pub fn parse(
        &self,
        tz: Tz,
        now: DateTime<Utc>,
        before: Option<(Status, DateTime<Utc>)>,
        errors: &mut FormErrors,
    ) -> Option<ConsultationInput> {
        let held_at = if self.held_at.trim().is_empty() {
            errors.add("held_at", "consultation-held-at-required");
            None
        } else {
            let parsed = parse_local_datetime(&self.held_at, tz);
            if parsed.is_none() {
                errors.add("held_at", "consultation-held-at-invalid");
            }
            parsed
        };
        let status = Status::parse(&self.status);
        if status.is_none() {
            errors.add("status", "consultation-status-invalid");
        }
        let channel = Channel::parse(&self.channel);
        if channel.is_none() {
            errors.add("channel", "consultation-channel-invalid");
        }
        let mut topics = Vec::new();
        for raw in &self.topics {
            match Topic::parse(raw) {
                Some(t) if !topics.contains(&t) => topics.push(t),
                Some(_) => {}
                None => errors.add("topics", "consultation-topic-invalid"),
            }
        }
        topics.sort();
        let summary = self.summary.trim().replace("\r\n", "\n");
        if summary.chars().count() > SUMMARY_MAX_CHARS
            || crate::web::forms::has_forbidden_text_character(&summary)
        {
            errors.add("summary", "leaver-text-too-long");
        }
        let summary = (!summary.is_empty()).then_some(summary);
        let next_follow_up_on = match self.next_follow_up_on.trim() {
            "" => Some(None),
            raw => match parse_date(raw) {
                None => {
                    errors.add("next_follow_up_on", "leaver-date-invalid");
                    None
                }
                Some(d) if held_at.is_some_and(|h| d < h.with_timezone(&tz).date_naive()) => {
                    errors.add("next_follow_up_on", "consultation-follow-up-before");
                    None
                }
                Some(d) => Some(Some(d)),
            },
        };
        if let (Some(held_at), Some(to)) = (held_at, status) {
            let change = rules::Change {
                before,
                to,
                held_at,
                summary: summary.as_deref(),
                now,
            };
            match rules::check(&change) {
                Ok(()) => {}
                Err(Refusal::NotAllowed) => errors.add("status", "consultation-status-not-allowed"),
                Err(Refusal::HeldInFuture) => errors.add("held_at", "consultation-held-in-future"),
                Err(Refusal::PlannedInPast) => {
                    errors.add("held_at", "consultation-planned-in-past")
                }
                Err(Refusal::SummaryRequired) => {
                    errors.add("summary", "consultation-summary-required")
                }
            }
        }
        if !errors.is_empty() {
            return None;
        }
        Some(ConsultationInput {
            held_at: held_at?,
            status: status?,
            channel: channel?,
            topics,
            summary,
            next_follow_up_on: next_follow_up_on?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        // 2026-11-25 12:00 in Tokyo.
        Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap()
    }

    fn form(pairs: &[(&str, &str)]) -> ConsultationForm {
        ConsultationForm::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn multi_byte_characters_anywhere_are_refused_not_a_panic() {
        for raw in [
            "\u{200F}\u{200E}2026-11-20T10:00",
            "xx\u{3042}2026-11-20T10:00",
            "\u{FFFD}2026-11-20T10:00",
            "202\u{3042}-11-20T10:00:00",
            "2026\u{3042}11-20T10:00",
            "\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}\u{3042}",
        ] {
            assert!(
                parse_local_datetime(raw, chrono_tz::Asia::Tokyo).is_none(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn times_are_read_in_the_team_time_zone() {
        let at = parse_local_datetime("2026-11-25T09:30", chrono_tz::Asia::Tokyo).unwrap();
        assert_eq!(at, Utc.with_ymd_and_hms(2026, 11, 25, 0, 30, 0).unwrap());
        assert_eq!(
            local_input_value(at, chrono_tz::Asia::Tokyo),
            "2026-11-25T09:30"
        );
        assert!(parse_local_datetime("2026-11-31T09:30", chrono_tz::Asia::Tokyo).is_none());
        assert!(parse_local_datetime("yesterday", chrono_tz::Asia::Tokyo).is_none());
        assert!(parse_local_datetime("-5000-01-01T10:00", chrono_tz::Asia::Tokyo).is_none());
        assert!(parse_local_datetime("10000-01-01T10:00", chrono_tz::Asia::Tokyo).is_none());
        assert!(parse_local_datetime("1800-01-01T10:00", chrono_tz::Asia::Tokyo).is_none());
        let with_seconds =
            parse_local_datetime("2026-11-25T09:30:45", chrono_tz::Asia::Tokyo).unwrap();
        assert_eq!(with_seconds, at, "seconds are dropped");
    }

    #[test]
    fn a_held_consultation_with_topics() {
        let f = form(&[
            ("held_at", "2026-11-25T10:00"),
            ("status", "held"),
            ("channel", "phone"),
            ("topics", "work"),
            ("topics", "housing"),
            ("topics", "work"),
            ("summary", "Rent is late"),
            ("next_follow_up_on", "2026-12-01"),
        ]);
        let mut e = FormErrors::default();
        let input = f
            .parse(chrono_tz::Asia::Tokyo, now(), None, &mut e)
            .unwrap();
        assert_eq!(input.topics, [Topic::Housing, Topic::Work]);
        assert_eq!(
            input.next_follow_up_on,
            NaiveDate::from_ymd_opt(2026, 12, 1)
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let f = form(&[
            ("held_at", "2026-11-26T10:00"),
            ("status", "held"),
            ("channel", "fax"),
            ("topics", "gossip"),
            ("next_follow_up_on", "2026-11-20"),
        ]);
        let mut e = FormErrors::default();
        assert!(
            f.parse(chrono_tz::Asia::Tokyo, now(), None, &mut e)
                .is_none()
        );
        assert_eq!(e.get("held_at"), Some("consultation-held-in-future"));
        assert_eq!(e.get("channel"), Some("consultation-channel-invalid"));
        assert_eq!(e.get("topics"), Some("consultation-topic-invalid"));
        assert_eq!(
            e.get("next_follow_up_on"),
            Some("consultation-follow-up-before")
        );
        let f = form(&[
            ("held_at", "2026-11-25T10:00"),
            ("status", "held"),
            ("channel", "phone"),
        ]);
        let mut e = FormErrors::default();
        assert!(
            f.parse(chrono_tz::Asia::Tokyo, now(), None, &mut e)
                .is_none()
        );
        assert_eq!(e.get("summary"), Some("consultation-summary-required"));
    }
}
