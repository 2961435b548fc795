//! What reports are asked for and the figures they count (Art. 11, Art. 34): the period of the filings
//! report (报备), the month of the monthly monitoring report, and the month's review figures. Pure:
//! text and dates in, spans and counts out.
use super::deadline::{self, DeadlineStatus, MonthFigures};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The longest period a filings report covers, in days counted inclusively (a leap year).
pub const MAX_PERIOD_DAYS: i64 = 366;

/// Why a period was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodError {
    /// A date is missing or not written `YYYY-MM-DD`.
    Malformed,
    /// The start is after the end.
    Reversed,
    /// More than [`MAX_PERIOD_DAYS`].
    TooLong,
}

/// A span of China dates, both ends included, at most [`MAX_PERIOD_DAYS`] long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

fn date(text: Option<&str>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text?.trim(), "%Y-%m-%d").ok()
}

impl Period {
    /// Both dates are required, written `YYYY-MM-DD`, the first not after the second.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Period, PeriodError> {
        let (Some(from), Some(to)) = (date(from), date(to)) else {
            return Err(PeriodError::Malformed);
        };
        if from > to {
            return Err(PeriodError::Reversed);
        }
        if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(Period { from, to })
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The day after the last one: the period is `[from, end_exclusive)`.
    pub fn end_exclusive(&self) -> NaiveDate {
        self.to.succ_opt().unwrap_or(self.to)
    }
}

/// The instant a China date begins (00:00 China Standard Time), for comparing stored instants.
pub fn china_start_of_day(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc() - TimeDelta::hours(8)
}

/// Why a month was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthError {
    /// Not written `YYYY-MM` (as `<input type="month">` sends it), or out of the years served.
    Malformed,
    /// A month that has not begun yet has nothing to report.
    InFuture,
}

/// A calendar month, China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// The month `date` falls in.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// `YYYY-MM`, a month of the years 2000 to 9999.
    pub fn parse(text: &str) -> Result<Month, MonthError> {
        let text = text.trim();
        let (year, month) = text.split_once('-').ok_or(MonthError::Malformed)?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(MonthError::Malformed);
        }
        let year: i32 = year.parse().map_err(|_| MonthError::Malformed)?;
        let month: u32 = month.parse().map_err(|_| MonthError::Malformed)?;
        if !(2000..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(MonthError::Malformed);
        }
        Ok(Month { year, month })
    }

    /// Like [`Month::parse`], and not later than the month of `today`.
    pub fn parse_until(text: &str, today: NaiveDate) -> Result<Month, MonthError> {
        let month = Month::parse(text)?;
        if month > Month::of(today) {
            return Err(MonthError::InFuture);
        }
        Ok(month)
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn month(&self) -> u32 {
        self.month
    }

    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a parsed month has a first day")
    }

    /// The first day of the next month.
    pub fn next_first_day(&self) -> NaiveDate {
        let (year, month) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        NaiveDate::from_ymd_opt(year, month, 1).expect("the next month has a first day")
    }

    pub fn last_day(&self) -> NaiveDate {
        self.next_first_day()
            .pred_opt()
            .expect("a month has a last day")
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        Month::of(date) == *self
    }

    /// The day the month's open items are counted on: its last day, or `today` while it runs.
    pub fn as_of(&self, today: NaiveDate) -> NaiveDate {
        self.last_day().min(today)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One Art. 11 review period, in China dates: received, due, and decided (returned, approved or
/// rejected) if it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewPeriod {
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
}

/// Art. 34: the county office's review work in one month. Counted in review periods, so a filing
/// returned and resubmitted counts once for each receipt, as the deadline clock does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewFigures {
    /// Periods that began in the month.
    pub received: u32,
    /// Periods a decision closed in the month.
    pub decided: u32,
    pub decided_on_time: u32,
    pub decided_late: u32,
    /// Periods still open at the end of the month (or today, while the month runs).
    pub open_at_end: u32,
    /// Of those, the ones past their due date.
    pub overdue_at_end: u32,
    /// The day the open periods are counted on.
    pub as_of: NaiveDate,
}

impl ReviewFigures {
    /// The month's decisions as the dashboard's per-month figures, for the on-time rate.
    pub fn month_figures(&self) -> MonthFigures {
        MonthFigures {
            year: self.as_of.year(),
            month: self.as_of.month(),
            decided: self.decided,
            on_time: self.decided_on_time,
        }
    }
}

/// Counts `periods` for `month`, with the open ones as they stood on [`Month::as_of`]. The verdicts
/// are the deadline clock's ([`deadline::status`]): a decision on the due date is on time.
pub fn review_figures(
    month: Month,
    periods: impl IntoIterator<Item = ReviewPeriod>,
    today: NaiveDate,
) -> ReviewFigures {
    let as_of = month.as_of(today);
    let mut figures = ReviewFigures {
        received: 0,
        decided: 0,
        decided_on_time: 0,
        decided_late: 0,
        open_at_end: 0,
        overdue_at_end: 0,
        as_of,
    };
    for p in periods {
        if month.contains(p.received_on) && p.received_on <= as_of {
            figures.received += 1;
        }
        match p.decided_on {
            Some(decided) if month.contains(decided) && decided <= as_of => {
                figures.decided += 1;
                match deadline::status(p.due_on, Some(decided), as_of) {
                    DeadlineStatus::DecidedOnTime => figures.decided_on_time += 1,
                    _ => figures.decided_late += 1,
                }
            }
            _ => {}
        }
        let open_on_as_of =
            p.received_on <= as_of && p.decided_on.is_none_or(|decided| decided > as_of);
        if open_on_as_of {
            figures.open_at_end += 1;
            if deadline::status(p.due_on, None, as_of) == DeadlineStatus::Overdue {
                figures.overdue_at_end += 1;
            }
        }
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_period_needs_both_dates_in_order() {
        let period = Period::parse(Some("2026-11-01"), Some(" 2026-11-30 ")).unwrap();
        assert_eq!(
            (period.from(), period.to()),
            (d(2026, 11, 1), d(2026, 11, 30))
        );
        assert_eq!(period.end_exclusive(), d(2026, 12, 1));
        let one_day = Period::parse(Some("2026-11-27"), Some("2026-11-27")).unwrap();
        assert_eq!(one_day.end_exclusive(), d(2026, 11, 28));
        assert_eq!(
            Period::parse(None, Some("2026-11-30")),
            Err(PeriodError::Malformed)
        );
        assert_eq!(
            Period::parse(Some("2026-11-01"), Some("")),
            Err(PeriodError::Malformed)
        );
        assert_eq!(
            Period::parse(Some("2026/11/01"), Some("2026-11-30")),
            Err(PeriodError::Malformed)
        );
        assert_eq!(
            Period::parse(Some("2026-02-30"), Some("2026-03-01")),
            Err(PeriodError::Malformed)
        );
        assert_eq!(
            Period::parse(Some("2026-12-01"), Some("2026-11-30")),
            Err(PeriodError::Reversed)
        );
    }

    #[test]
    fn a_china_day_begins_at_sixteen_hundred_utc_the_day_before() {
        let start = china_start_of_day(d(2026, 11, 27));
        assert_eq!(start.to_rfc3339(), "2026-11-26T16:00:00+00:00");
        assert_eq!(super::super::calendar::china_date(start), d(2026, 11, 27));
    }

    #[test]
    fn a_period_covers_at_most_a_leap_year() {
        assert!(Period::parse(Some("2028-01-01"), Some("2028-12-31")).is_ok());
        assert!(Period::parse(Some("2026-01-01"), Some("2027-01-01")).is_ok());
        assert_eq!(
            Period::parse(Some("2026-01-01"), Some("2027-01-02")),
            Err(PeriodError::TooLong)
        );
    }

    #[test]
    fn a_month_is_written_year_dash_month_and_has_not_yet_to_begin() {
        let today = d(2026, 11, 27);
        let november = Month::parse_until("2026-11", today).unwrap();
        assert_eq!(november.to_string(), "2026-11");
        assert_eq!(november.first_day(), d(2026, 11, 1));
        assert_eq!(november.last_day(), d(2026, 11, 30));
        assert_eq!(november.as_of(today), today);
        let december = Month::parse("2025-12").unwrap();
        assert_eq!(december.last_day(), d(2025, 12, 31));
        assert_eq!(december.next_first_day(), d(2026, 1, 1));
        assert_eq!(december.as_of(today), d(2025, 12, 31));
        assert_eq!(Month::parse("2028-02").unwrap().last_day(), d(2028, 2, 29));
        for bad in [
            "",
            "2026",
            "2026-13",
            "2026-00",
            "26-11",
            "2026-1",
            "2026-11-01",
            "１２３４-11",
            "2026-+1",
        ] {
            assert_eq!(Month::parse(bad), Err(MonthError::Malformed), "{bad:?}");
        }
        assert_eq!(
            Month::parse_until("2026-12", today),
            Err(MonthError::InFuture)
        );
    }

    #[test]
    fn the_month_counts_receipts_decisions_on_time_and_late_and_what_is_open_at_its_end() {
        let october = Month::parse("2026-10").unwrap();
        let period = |received_on, due_on, decided_on| ReviewPeriod {
            received_on,
            due_on,
            decided_on,
        };
        let figures = review_figures(
            october,
            [
                // Received and decided on its due date: on time.
                period(d(2026, 10, 12), d(2026, 10, 15), Some(d(2026, 10, 15))),
                // Decided a day late.
                period(d(2026, 10, 12), d(2026, 10, 15), Some(d(2026, 10, 16))),
                // Received in September, decided late in October.
                period(d(2026, 9, 21), d(2026, 9, 24), Some(d(2026, 10, 9))),
                // Open at the end of October and overdue.
                period(d(2026, 10, 26), d(2026, 10, 29), None),
                // Open at the end of October, decided in November: open then, not yet due.
                period(d(2026, 10, 29), d(2026, 11, 3), Some(d(2026, 11, 2))),
                // Received in November: not October's.
                period(d(2026, 11, 2), d(2026, 11, 5), None),
            ],
            d(2026, 11, 27),
        );
        assert_eq!(
            figures,
            ReviewFigures {
                received: 4,
                decided: 3,
                decided_on_time: 1,
                decided_late: 2,
                open_at_end: 2,
                overdue_at_end: 1,
                as_of: d(2026, 10, 31),
            }
        );
        assert_eq!(
            figures.month_figures().on_time_percent().as_deref(),
            Some("33.3%")
        );
    }

    #[test]
    fn the_running_month_counts_its_open_periods_as_of_today() {
        let november = Month::parse("2026-11").unwrap();
        let figures = review_figures(
            november,
            [ReviewPeriod {
                received_on: d(2026, 11, 20),
                due_on: d(2026, 11, 25),
                decided_on: None,
            }],
            d(2026, 11, 27),
        );
        assert_eq!(figures.as_of, d(2026, 11, 27));
        assert_eq!((figures.open_at_end, figures.overdue_at_end), (1, 1));
        assert_eq!(figures.month_figures().on_time_percent(), None);
    }
}
