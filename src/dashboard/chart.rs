//! Consultations held per month over the last 12 months, by channel, drawn as an SVG of
//! stacked bars (rendered on the server; no JavaScript).
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use crate::{attention::HeldRow, consultations::rules::Channel};

/// Counts per month (oldest first) and channel (in `Channel::ALL` order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Monthly {
    /// `(year, month)` of each column.
    pub months: Vec<(i32, u32)>,
    /// `counts[month][channel]`.
    pub counts: Vec<Vec<u32>>,
}

/// The first day of the month 11 months before `today`'s month: the chart's start.
pub fn first_month(today: NaiveDate) -> NaiveDate {
    let index = today.year() * 12 + today.month0() as i32 - 11;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
        .expect("first of a month")
}

pub fn monthly(rows: &[HeldRow], tz: Tz, today: NaiveDate) -> Monthly {
    let start = first_month(today);
    let months: Vec<(i32, u32)> = (0..12)
        .map(|i| {
            let index = start.year() * 12 + start.month0() as i32 + i;
            (index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
        })
        .collect();
    let mut counts = vec![vec![0u32; Channel::ALL.len()]; 12];
    for row in rows {
        let local = row.held_at.with_timezone(&tz).date_naive();
        let Some(m) = months
            .iter()
            .position(|&(y, mo)| y == local.year() && mo == local.month())
        else {
            continue;
        };
        if let Some(c) = Channel::ALL.iter().position(|c| c.as_str() == row.channel) {
            counts[m][c] += 1;
        }
    }
    Monthly { months, counts }
}

/// One drawn rectangle, with the text a screen reader or hover shows.
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub fill: &'static str,
    pub title: String,
}

pub const WIDTH: u32 = 600;
pub const HEIGHT: u32 = 200;
const PLOT_HEIGHT: u32 = 170;
/// Room above the tallest bar for its total.
const HEADROOM: u32 = 18;
const COLUMN: u32 = WIDTH / 12;

pub const COLOURS: [&str; 5] = ["#1f5f8b", "#2e8b57", "#c07a12", "#8e44ad", "#7f8c8d"];

pub fn month_label(year: i32, month: u32) -> String {
    format!("{year}-{month:02}")
}

/// Stacked bars scaled to the busiest month. `channel_labels` follow `Channel::ALL`.
pub fn bars(chart: &Monthly, channel_labels: &[String]) -> Vec<Bar> {
    let busiest = chart
        .counts
        .iter()
        .map(|m| m.iter().sum::<u32>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = Vec::new();
    for (i, (month, counts)) in chart.months.iter().zip(&chart.counts).enumerate() {
        let mut top = PLOT_HEIGHT;
        for (c, &n) in counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let height = (n * (PLOT_HEIGHT - HEADROOM)).div_ceil(busiest).max(1);
            top = top.saturating_sub(height);
            out.push(Bar {
                x: i as u32 * COLUMN + 6,
                y: top,
                width: COLUMN - 12,
                height,
                fill: COLOURS[c % COLOURS.len()],
                title: format!(
                    "{} · {}: {n}",
                    month_label(month.0, month.1),
                    channel_labels[c]
                ),
            });
        }
    }
    out
}

/// Each month's total, written just above its bar: (x of the column's middle, y, total).
/// Months with nothing held write nothing.
pub fn totals(bars: &[Bar], chart: &Monthly) -> Vec<(u32, u32, u32)> {
    chart
        .counts
        .iter()
        .enumerate()
        .filter_map(|(i, counts)| {
            let total: u32 = counts.iter().sum();
            let x = i as u32 * COLUMN + 6;
            let top = bars.iter().filter(|b| b.x == x).map(|b| b.y).min()?;
            (total > 0).then_some((x + (COLUMN - 12) / 2, top.saturating_sub(4), total))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn row(y: i32, m: u32, d: u32, h: u32, channel: &str) -> HeldRow {
        HeldRow {
            held_at: Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap(),
            channel: channel.into(),
        }
    }

    #[test]
    fn twelve_months_ending_with_this_one() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(
            first_month(today),
            NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
        );
        let jan = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
        assert_eq!(
            first_month(jan),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
        );
    }

    #[test]
    fn consultations_are_counted_in_the_local_month() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let rows = [
            // 31 October 16:00 UTC is 1 November in Tokyo.
            row(2026, 10, 31, 16, "phone"),
            row(2026, 10, 31, 14, "phone"),
            row(2026, 11, 2, 1, "in_person"),
            row(2025, 11, 30, 1, "phone"),
        ];
        let m = monthly(&rows, chrono_tz::Asia::Tokyo, today);
        assert_eq!(m.months[0], (2025, 12));
        assert_eq!(m.months[11], (2026, 11));
        assert_eq!(m.counts[11], [1, 1, 0, 0, 0]);
        assert_eq!(m.counts[10], [0, 1, 0, 0, 0]);
        assert_eq!(
            m.counts.iter().flatten().sum::<u32>(),
            3,
            "November 2025 is outside"
        );
        let labels: Vec<String> = Channel::ALL
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        let b = bars(&m, &labels);
        assert_eq!(b.len(), 3);
        assert!(b.iter().all(|r| r.y + r.height <= PLOT_HEIGHT));
        assert!(
            b.iter().all(|r| r.y >= HEADROOM),
            "room for the totals above"
        );
        let t = totals(&b, &m);
        assert_eq!(t.len(), 2, "two months held something");
        assert_eq!(t.iter().map(|(_, _, n)| n).sum::<u32>(), 3);
        assert!(t.iter().all(|(_, y, _)| *y >= HEADROOM - 4));
        assert_eq!(
            b.iter().filter(|r| r.title.starts_with("2026-11")).count(),
            2
        );
    }
}
