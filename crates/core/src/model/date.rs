//! Dates as the plan writes them ("9月底前", "6月20日左右") next to their normalised
//! value, reporting periods, and the month arithmetic the rules use.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// How precise a date in the plan's text is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// A day (6月15日).
    #[default]
    Day,
    /// About a day (6月20日左右, 本周五).
    Approximate,
    /// Part of a month (9月中下旬): the date is that part's last day.
    PartOfMonth,
    /// A month (9月底前, 4月): the date is its last day.
    Month,
}

/// A date as the plan writes it, next to its normalised value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateSpec {
    /// The text verbatim ("计划9月底前完成"); may be empty for dates entered as dates.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// The normalised date: the last day the text allows ("X月底前" is that month's
    /// last day, inclusive).
    pub date: NaiveDate,
    /// How precise the text is.
    #[serde(default)]
    pub precision: Precision,
}

impl DateSpec {
    /// A month's end, written as the plan writes it.
    pub fn month_end(year: i32, month: u32, text: &str) -> Self {
        DateSpec {
            text: text.to_owned(),
            date: last_day_of_month(year, month),
            precision: Precision::Month,
        }
    }

    /// A given day.
    pub fn day(date: NaiveDate, text: &str, precision: Precision) -> Self {
        DateSpec {
            text: text.to_owned(),
            date,
            precision,
        }
    }
}

/// The last day of a month (months outside 1–12 are clamped).
/// The day a moment (milliseconds since the Unix epoch) falls on in a time zone given as
/// minutes east of UTC.
pub fn local_day(utc_offset_minutes: i32, unix_ms: i64) -> NaiveDate {
    let local = unix_ms + i64::from(utc_offset_minutes) * 60_000;
    chrono::DateTime::from_timestamp_millis(local)
        .map(|d| d.date_naive())
        .unwrap_or(NaiveDate::MIN)
}

pub fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let month = month.clamp(1, 12);
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// A reporting period (1-6月).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Whole months from the start of `from`'s month through `to`'s month, inclusive.
pub fn months_inclusive(from: NaiveDate, to: NaiveDate) -> i32 {
    (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1
}
