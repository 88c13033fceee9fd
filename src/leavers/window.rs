//! The support window (DESIGN 2.1): from the day after the placement ended to the end of the
//! fiscal year in which the person reaches `max_age`, ages reckoned the Japanese legal way
//! (年齢計算ニ関スル法律: age N is reached at the end of the day before the Nth birthday).
use chrono::{Datelike, Days, NaiveDate};

/// How the last day of support is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndRule {
    /// The last day of the fiscal year in which the person reaches `max_age` (the default).
    FiscalYearEnd,
    /// The day before the `max_age`th birthday.
    DayBeforeBirthday,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowRules {
    pub max_age: u32,
    /// Month and day the fiscal year starts (1 April in Japan).
    pub fiscal_year_start: (u32, u32),
    pub end_rule: EndRule,
}

impl Default for WindowRules {
    fn default() -> Self {
        WindowRules {
            max_age: 22,
            fiscal_year_start: (4, 1),
            end_rule: EndRule::FiscalYearEnd,
        }
    }
}

impl WindowRules {
    /// A short text naming the rules, to notice when they change between runs.
    pub fn fingerprint(&self) -> String {
        format!(
            "max_age={};fy_start={:02}-{:02};rule={:?}",
            self.max_age, self.fiscal_year_start.0, self.fiscal_year_start.1, self.end_rule
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SupportWindow {
    pub start: NaiveDate,
    /// The computed end, before any extension.
    pub default_end: NaiveDate,
}

/// The `n`th anniversary of `dob`. Someone born on 29 February has theirs on 1 March in
/// common years (so they reach their age at the end of 28 February).
pub fn anniversary(dob: NaiveDate, n: u32) -> NaiveDate {
    let year = dob.year() + n as i32;
    NaiveDate::from_ymd_opt(year, dob.month(), dob.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .expect("1 March exists every year")
}

/// The day at whose end a person born on `dob` reaches age `n`.
pub fn reaches_age_on(dob: NaiveDate, n: u32) -> NaiveDate {
    anniversary(dob, n) - Days::new(1)
}

/// Age in whole years during `on`: age N counts from the day after it is reached.
pub fn age_on(dob: NaiveDate, on: NaiveDate) -> u32 {
    if on < dob {
        return 0;
    }
    let mut age = (on.year() - dob.year()).max(0) as u32;
    while age > 0 && anniversary(dob, age) > on {
        age -= 1;
    }
    age
}

/// The last day of the fiscal year containing `day`.
pub fn fiscal_year_end(day: NaiveDate, start: (u32, u32)) -> NaiveDate {
    let starts_this_year = NaiveDate::from_ymd_opt(day.year(), start.0, start.1)
        .expect("fiscal year start is a valid month and day");
    let next_start_year = if day >= starts_this_year {
        day.year() + 1
    } else {
        day.year()
    };
    NaiveDate::from_ymd_opt(next_start_year, start.0, start.1).expect("valid start") - Days::new(1)
}

/// The calendar year a fiscal year starts in (年度), for the fiscal year containing `day`.
pub fn fiscal_year_of(day: NaiveDate, start: (u32, u32)) -> i32 {
    fiscal_year_end(day, start).year() - i32::from(start != (1, 1))
}

pub fn support_window(
    date_of_birth: NaiveDate,
    placement_ended_on: NaiveDate,
    rules: &WindowRules,
) -> SupportWindow {
    let reached = reaches_age_on(date_of_birth, rules.max_age);
    let default_end = match rules.end_rule {
        EndRule::FiscalYearEnd => fiscal_year_end(reached, rules.fiscal_year_start),
        EndRule::DayBeforeBirthday => reached,
    };
    SupportWindow {
        start: placement_ended_on + Days::new(1),
        default_end,
    }
}

/// The support end every rule uses: the latest approved extension's end, else the default.
pub fn effective_support_end(
    window: &SupportWindow,
    latest_approved_extension_end: Option<NaiveDate>,
) -> NaiveDate {
    latest_approved_extension_end.unwrap_or(window.default_end)
}

/// Where someone stands in their window on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    NotStarted { starts_in_days: i64 },
    Running { days_left: i64 },
    Ended,
}

pub fn standing(start: NaiveDate, end: NaiveDate, today: NaiveDate) -> Standing {
    if today > end {
        Standing::Ended
    } else if today < start {
        Standing::NotStarted {
            starts_in_days: (start - today).num_days(),
        }
    } else {
        Standing::Running {
            days_left: (end - today).num_days(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn end(dob: NaiveDate, rules: &WindowRules) -> NaiveDate {
        support_window(dob, d(2022, 3, 31), rules).default_end
    }

    #[test]
    fn support_starts_the_day_after_the_placement_ended() {
        let w = support_window(d(2005, 6, 10), d(2023, 3, 31), &WindowRules::default());
        assert_eq!(w.start, d(2023, 4, 1));
        let w = support_window(d(2005, 6, 10), d(2024, 2, 28), &WindowRules::default());
        assert_eq!(w.start, d(2024, 2, 29));
    }

    #[test]
    fn born_1_april_reaches_22_on_31_march_so_support_ends_that_day() {
        // Reaches 22 at the end of 31 March 2026: fiscal year 2025 ends that same day.
        assert_eq!(reaches_age_on(d(2004, 4, 1), 22), d(2026, 3, 31));
        assert_eq!(end(d(2004, 4, 1), &WindowRules::default()), d(2026, 3, 31));
    }

    #[test]
    fn born_2_april_reaches_22_on_1_april_so_support_runs_a_year_longer() {
        assert_eq!(reaches_age_on(d(2004, 4, 2), 22), d(2026, 4, 1));
        assert_eq!(end(d(2004, 4, 2), &WindowRules::default()), d(2027, 3, 31));
    }

    #[test]
    fn born_31_march_and_mid_year_birthdays() {
        assert_eq!(end(d(2004, 3, 31), &WindowRules::default()), d(2026, 3, 31));
        assert_eq!(
            end(d(2004, 12, 25), &WindowRules::default()),
            d(2027, 3, 31)
        );
        assert_eq!(end(d(2005, 1, 1), &WindowRules::default()), d(2027, 3, 31));
        // Born 2 January reaches 22 on 1 January, still fiscal year 2026.
        assert_eq!(end(d(2005, 1, 2), &WindowRules::default()), d(2027, 3, 31));
    }

    #[test]
    fn born_29_february_reaches_age_at_the_end_of_28_february_in_common_years() {
        assert_eq!(anniversary(d(2004, 2, 29), 22), d(2026, 3, 1));
        assert_eq!(reaches_age_on(d(2004, 2, 29), 22), d(2026, 2, 28));
        assert_eq!(reaches_age_on(d(2004, 2, 29), 20), d(2024, 2, 28));
        assert_eq!(end(d(2004, 2, 29), &WindowRules::default()), d(2026, 3, 31));
        let before = WindowRules {
            end_rule: EndRule::DayBeforeBirthday,
            ..Default::default()
        };
        assert_eq!(end(d(2004, 2, 29), &before), d(2026, 2, 28));
        // In a leap year the day before the birthday is 28 February too.
        assert_eq!(
            end(
                d(2000, 2, 29),
                &WindowRules {
                    max_age: 24,
                    ..before
                }
            ),
            d(2024, 2, 28)
        );
    }

    #[test]
    fn the_day_before_birthday_rule() {
        let rules = WindowRules {
            end_rule: EndRule::DayBeforeBirthday,
            ..Default::default()
        };
        assert_eq!(end(d(2004, 4, 1), &rules), d(2026, 3, 31));
        assert_eq!(end(d(2004, 4, 2), &rules), d(2026, 4, 1));
        assert_eq!(end(d(2004, 1, 1), &rules), d(2025, 12, 31));
    }

    #[test]
    fn max_age_and_fiscal_year_start_are_settings() {
        let at_20 = WindowRules {
            max_age: 20,
            ..Default::default()
        };
        assert_eq!(end(d(2004, 4, 2), &at_20), d(2025, 3, 31));
        // A calendar fiscal year: ends 31 December of the year the age is reached.
        let calendar = WindowRules {
            fiscal_year_start: (1, 1),
            ..Default::default()
        };
        assert_eq!(end(d(2004, 4, 2), &calendar), d(2026, 12, 31));
        assert_eq!(end(d(2004, 1, 1), &calendar), d(2025, 12, 31));
        // Born 2 January reaches 22 on 1 January: that calendar year.
        assert_eq!(end(d(2004, 1, 2), &calendar), d(2026, 12, 31));
        let october = WindowRules {
            fiscal_year_start: (10, 1),
            ..Default::default()
        };
        assert_eq!(end(d(2004, 10, 1), &october), d(2026, 9, 30));
        assert_eq!(end(d(2004, 10, 2), &october), d(2027, 9, 30));
    }

    #[test]
    fn fiscal_year_arithmetic() {
        assert_eq!(fiscal_year_end(d(2026, 3, 31), (4, 1)), d(2026, 3, 31));
        assert_eq!(fiscal_year_end(d(2026, 4, 1), (4, 1)), d(2027, 3, 31));
        assert_eq!(fiscal_year_of(d(2026, 3, 31), (4, 1)), 2025);
        assert_eq!(fiscal_year_of(d(2026, 4, 1), (4, 1)), 2026);
        assert_eq!(fiscal_year_of(d(2026, 12, 31), (1, 1)), 2026);
    }

    #[test]
    fn ages_count_from_the_birthday() {
        let dob = d(2004, 4, 2);
        assert_eq!(age_on(dob, d(2026, 4, 1)), 21);
        assert_eq!(age_on(dob, d(2026, 4, 2)), 22);
        assert_eq!(age_on(dob, d(2004, 4, 2)), 0);
        assert_eq!(age_on(dob, d(2003, 1, 1)), 0);
        let leap = d(2004, 2, 29);
        assert_eq!(age_on(leap, d(2023, 2, 28)), 18);
        assert_eq!(age_on(leap, d(2023, 3, 1)), 19);
        assert_eq!(age_on(leap, d(2024, 2, 28)), 19);
        assert_eq!(age_on(leap, d(2024, 2, 29)), 20);
    }

    #[test]
    fn standing_on_either_side_of_the_window() {
        let (s, e) = (d(2026, 4, 1), d(2027, 3, 31));
        assert_eq!(
            standing(s, e, d(2026, 3, 30)),
            Standing::NotStarted { starts_in_days: 2 }
        );
        assert_eq!(
            standing(s, e, d(2026, 4, 1)),
            Standing::Running { days_left: 364 }
        );
        assert_eq!(
            standing(s, e, d(2027, 3, 31)),
            Standing::Running { days_left: 0 }
        );
        assert_eq!(standing(s, e, d(2027, 4, 1)), Standing::Ended);
    }

    #[test]
    fn an_approved_extension_replaces_the_default_end() {
        let w = support_window(d(2004, 4, 2), d(2022, 3, 31), &WindowRules::default());
        assert_eq!(effective_support_end(&w, None), d(2027, 3, 31));
        assert_eq!(
            effective_support_end(&w, Some(d(2028, 3, 31))),
            d(2028, 3, 31)
        );
    }
}
