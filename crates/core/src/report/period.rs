//! Reporting periods as the office names them (1-6月, 第三季度, 3月, a range) and the
//! heading of the table's status column, with the 截至 date when the table is drawn up
//! before (or after) the period's end.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::ReportError;
use crate::model::last_day_of_month;

/// A reporting period, inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// As the office writes it (1-6月, 3月, 第二季度).
    pub label: String,
}

fn first_of(year: i32, month: u32) -> Result<NaiveDate, ReportError> {
    NaiveDate::from_ymd_opt(year, month, 1).ok_or(ReportError::NoSuchMonth { year, month })
}

fn check_month(year: i32, month: u32) -> Result<(), ReportError> {
    if (1..=12).contains(&month) {
        Ok(())
    } else {
        Err(ReportError::NoSuchMonth { year, month })
    }
}

/// A day as the office writes it: 2021年6月15日.
pub fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

impl Period {
    /// One month (3月).
    pub fn month(year: i32, month: u32) -> Result<Period, ReportError> {
        check_month(year, month)?;
        Ok(Period {
            start: first_of(year, month)?,
            end: last_day_of_month(year, month),
            label: format!("{month}月"),
        })
    }

    /// A quarter (第三季度), 1–4.
    pub fn quarter(year: i32, q: u32) -> Result<Period, ReportError> {
        if !(1..=4).contains(&q) {
            return Err(ReportError::NoSuchQuarter(q));
        }
        let first = (q - 1) * 3 + 1;
        Ok(Period {
            start: first_of(year, first)?,
            end: last_day_of_month(year, first + 2),
            label: format!("第{}季度", ["一", "二", "三", "四"][q as usize - 1]),
        })
    }

    /// Months `from` through `to` of a year (4-6月).
    pub fn months(year: i32, from: u32, to: u32) -> Result<Period, ReportError> {
        check_month(year, from)?;
        check_month(year, to)?;
        if from > to {
            return Err(ReportError::EndsBeforeStart {
                start: first_of(year, from)?,
                end: last_day_of_month(year, to),
            });
        }
        Ok(Period {
            start: first_of(year, from)?,
            end: last_day_of_month(year, to),
            label: format!("{from}-{to}月"),
        })
    }

    /// The year to the end of month `n`, as supervision asks for it (1-3月, 1-9月,
    /// 1-12月); 1-1月 is January.
    pub fn cumulative(year: i32, n: u32) -> Result<Period, ReportError> {
        Period::months(year, 1, n)
    }

    /// The whole year (2021年).
    pub fn year(year: i32) -> Result<Period, ReportError> {
        Ok(Period {
            start: first_of(year, 1)?,
            end: last_day_of_month(year, 12),
            label: format!("{year}年"),
        })
    }

    /// Any days, inclusive (3月1日至4月15日; with years when it crosses one).
    pub fn range(start: NaiveDate, end: NaiveDate) -> Result<Period, ReportError> {
        if end < start {
            return Err(ReportError::EndsBeforeStart { start, end });
        }
        let label = if start.year() == end.year() {
            format!(
                "{}月{}日至{}月{}日",
                start.month(),
                start.day(),
                end.month(),
                end.day()
            )
        } else {
            format!("{}至{}", chinese_date(start), chinese_date(end))
        };
        Ok(Period { start, end, label })
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }

    /// The status column's heading: "1-6月完成情况", with "（截至2021年6月15日）" when
    /// the table is drawn up as of another day than the period's end.
    pub fn status_heading(&self, as_of: NaiveDate) -> String {
        if as_of == self.end {
            format!("{}完成情况", self.label)
        } else {
            format!("{}完成情况（截至{}）", self.label, chinese_date(as_of))
        }
    }
}

/// The header row, as the seed has it.
pub fn headings(period: &Period, as_of: NaiveDate) -> [String; 5] {
    [
        "序号".into(),
        "项目类别".into(),
        "具体项目及内容".into(),
        "责任科室".into(),
        period.status_heading(as_of),
    ]
}
