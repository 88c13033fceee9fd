//! The clock the application asks for "now" and "today"; tests replace it with one they move.
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

#[derive(Clone)]
pub struct Clock(Arc<Source>);

enum Source {
    System,
    Manual(Mutex<DateTime<Utc>>),
}

impl Clock {
    pub fn system() -> Self {
        Clock(Arc::new(Source::System))
    }

    /// A clock that stands still at `start` until moved with `set` or `advance`.
    pub fn manual(start: DateTime<Utc>) -> Self {
        Clock(Arc::new(Source::Manual(Mutex::new(start))))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Source::System => Utc::now(),
            Source::Manual(t) => *t.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// The calendar date in the team's time zone.
    pub fn today(&self, tz: Tz) -> NaiveDate {
        self.now().with_timezone(&tz).date_naive()
    }

    /// Moves a manual clock; a system clock ignores it.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Source::Manual(t) = &*self.0 {
            *t.lock().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.set(self.now() + by);
    }
}

/// Midnight at the start of `day` in the team's time zone.
pub fn start_of(day: chrono::NaiveDate, tz: chrono_tz::Tz) -> chrono::DateTime<chrono::Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight");
    chrono::TimeZone::from_local_datetime(&tz, &midnight)
        .earliest()
        .unwrap_or_else(|| {
            chrono::TimeZone::from_utc_datetime(&chrono::Utc, &midnight).with_timezone(&tz)
        })
        .with_timezone(&chrono::Utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn today_is_taken_in_the_team_time_zone() {
        // 15:30 UTC is already the next day in Tokyo.
        let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 3, 31, 15, 30, 0).unwrap());
        assert_eq!(
            clock.today(chrono_tz::Asia::Tokyo),
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
        );
        assert_eq!(
            clock.today(chrono_tz::UTC),
            NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
        );
        clock.advance(chrono::Duration::hours(1));
        assert_eq!(clock.now().to_rfc3339(), "2026-03-31T16:30:00+00:00");
    }
}
