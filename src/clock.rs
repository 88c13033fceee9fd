//! The clock the application asks for "now" and "today" (tests replace it with one they
//! move), and the calendar helpers: the start of a local day, a calendar month.
use std::{
    fmt,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use unicode_normalization::UnicodeNormalization;

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

/// A calendar month, `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    pub fn parse(raw: &str) -> Option<Month> {
        let s: String = raw.trim().nfkc().collect();
        let s = s.replace('/', "-");
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return None;
        }
        NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1).map(Month)
    }

    pub fn of(day: NaiveDate) -> Month {
        Month(day.with_day(1).expect("day 1 exists"))
    }

    pub fn from_first_day(day: NaiveDate) -> Month {
        Month::of(day)
    }

    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().0 - Days::new(1)
    }

    pub fn next(self) -> Month {
        Month(self.0 + Months::new(1))
    }

    /// Every month from `self` to `last`, inclusive.
    pub fn through(self, last: Month) -> Vec<Month> {
        let mut out = Vec::new();
        let mut m = self;
        while m <= last {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.0.year(), self.0.month())
    }
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

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    fn d(y: i32, mo: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, day).unwrap()
    }

    #[test]
    fn months_parse_and_count() {
        assert_eq!(m("2026-04").to_string(), "2026-04");
        assert_eq!(m("２０２６/4").to_string(), "2026-04");
        assert!(
            Month::parse("2026-13").is_none()
                && Month::parse("26-04").is_none()
                && Month::parse("april").is_none()
        );
        assert_eq!(m("2026-11").through(m("2027-02")).len(), 4);
        assert!(m("2026-05").through(m("2026-04")).is_empty());
        assert_eq!(m("2028-02").last_day(), d(2028, 2, 29));
    }
}
