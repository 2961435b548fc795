//! The official calendar over all published years: working days and Art. 11 deadlines.
use super::*;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a date is worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workday {
    pub working: bool,
    /// The date's year has no published calendar: judged on weekdays alone.
    pub provisional: bool,
}

/// The last day of a period. 民法典 Art. 203: the period ends at 24:00 of that day (China time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueDate {
    pub date: NaiveDate,
    /// The period touches a year with no published calendar: compute it again once that year's
    /// notice is entered.
    pub provisional: bool,
}

/// A number of working days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub days: u32,
    /// The span touches a year with no published calendar.
    pub provisional: bool,
}

/// The official calendar over all the years whose notices have been entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<YearCalendar>", into = "Vec<YearCalendar>")]
pub struct WorkingCalendar {
    years: BTreeMap<i32, YearCalendar>,
    /// Holidays that fall on weekdays, over all years: the most working days the calendar can take
    /// away from the plain Monday-to-Friday week. Bounds how far a period can run (see
    /// [`WorkingCalendar::add_working_days`]).
    pub(super) weekday_holidays: u64,
}

impl From<Vec<YearCalendar>> for WorkingCalendar {
    fn from(years: Vec<YearCalendar>) -> Self {
        Self::new(years)
    }
}

impl From<WorkingCalendar> for Vec<YearCalendar> {
    fn from(calendar: WorkingCalendar) -> Self {
        calendar.years.into_values().collect()
    }
}

impl WorkingCalendar {
    /// A later calendar for the same year replaces an earlier one, as a reissued notice would.
    pub fn new(years: impl IntoIterator<Item = YearCalendar>) -> Self {
        let years: BTreeMap<i32, YearCalendar> = years
            .into_iter()
            .map(|calendar| (calendar.year, calendar))
            .collect();
        let weekday_holidays = years
            .values()
            .flat_map(|calendar| calendar.holidays.keys())
            .filter(|date| is_weekday(date.weekday()))
            .count() as u64;
        Self {
            years,
            weekday_holidays,
        }
    }

    /// The calendar of the notices published so far ([`published_calendars`]).
    pub fn published() -> Self {
        Self::new(published_calendars())
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn year(&self, year: i32) -> Option<&YearCalendar> {
        self.years.get(&year)
    }

    /// The years with a published calendar, in order.
    pub fn years(&self) -> impl Iterator<Item = &YearCalendar> {
        self.years.values()
    }

    /// A holiday is off even on a weekday; a makeup day is worked even on a weekend; otherwise
    /// Monday to Friday are worked. In a year without data, Monday to Friday, provisionally.
    pub fn is_working_day(&self, date: NaiveDate) -> Workday {
        match self.years.get(&date.year()) {
            Some(calendar) => Workday {
                working: calendar.works_on(date),
                provisional: false,
            },
            None => Workday {
                working: is_weekday(date.weekday()),
                provisional: true,
            },
        }
    }

    /// The `n`th working day strictly after `from`.
    ///
    /// 民法典 Art. 201: the day the period starts (the day of receipt) is not counted, so counting
    /// starts the day after, whether or not `from` is itself a working day. `n = 0` is no period:
    /// it returns `from` itself, not provisional. Provisional when any date of `(from, due]` lies in
    /// a year without data.
    ///
    /// Termination: the loop steps one day at a time and stops after at most
    /// `7 × ⌈(n + H) / 5⌉` days, `H` being the number of weekday holidays in the whole calendar.
    /// That is enough: any 7k consecutive days hold exactly 5k weekdays, the calendar can take at
    /// most `H` of them away (makeup days and years without data only add working days), so
    /// 5k ≥ n + H guarantees `n` working days. For the 2025 and 2026 notices H = 37, so a period of
    /// n = 3 ends within 56 days; in fact none of n ≤ 30 runs past 60 days (tested). Near the end of
    /// chrono's range (year 262 142) the result saturates to [`NaiveDate::MAX`], provisionally.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> DueDate {
        let most_days = 7 * (u64::from(n) + self.weekday_holidays).div_ceil(5);
        let mut date = from;
        let mut provisional = false;
        let mut counted = 0;
        let mut stepped = 0;
        while counted < n && stepped < most_days {
            let Some(next) = date.succ_opt() else {
                return DueDate {
                    date: NaiveDate::MAX,
                    provisional: true,
                };
            };
            date = next;
            stepped += 1;
            let day = self.is_working_day(date);
            provisional |= day.provisional;
            counted += u32::from(day.working);
        }
        debug_assert_eq!(counted, n, "the bound above always leaves room for n days");
        DueDate { date, provisional }
    }

    /// The number of working days `d` with `after < d <= up_to` (none when `up_to <= after`);
    /// provisional when any of those dates lies in a year without data.
    ///
    /// Counted arithmetically, year by year (weekdays, less weekday holidays, plus makeup days), so
    /// it costs the same for a week as for a decade.
    pub fn working_days_between(&self, after: NaiveDate, up_to: NaiveDate) -> Count {
        // 民法典 Art. 201: the first day is not counted.
        let Some(mut start) = after.succ_opt() else {
            return Count::default();
        };
        let mut days: u64 = 0;
        let mut provisional = false;
        while start <= up_to {
            let year = start.year();
            let end = NaiveDate::from_ymd_opt(year, 12, 31).map_or(up_to, |last| last.min(up_to));
            let weekdays = weekdays_in(start, end);
            match self.years.get(&year) {
                Some(calendar) => {
                    let weekday_holidays = calendar
                        .holidays
                        .range(start..=end)
                        .filter(|(date, _)| is_weekday(date.weekday()))
                        .count() as u64;
                    // Every makeup day is a Saturday or Sunday (checked by YearCalendar::new).
                    let makeup_days = calendar.makeup_days.range(start..=end).count() as u64;
                    days += weekdays.saturating_sub(weekday_holidays) + makeup_days;
                }
                None => {
                    days += weekdays;
                    provisional = true;
                }
            }
            match end.succ_opt() {
                Some(next) => start = next,
                None => break,
            }
        }
        Count {
            days: u32::try_from(days).unwrap_or(u32::MAX),
            provisional,
        }
    }

    /// The due date of a request received at `received_at` with `n` working days (Art. 11: three):
    /// the day of receipt is its calendar date in China, not the server's, and is not counted
    /// (民法典 Art. 201).
    pub fn due_date(&self, received_at: DateTime<Utc>, n: u32) -> DueDate {
        self.add_working_days(china_date(received_at), n)
    }
}

/// Mondays to Fridays in `start..=end` (`start <= end`).
fn weekdays_in(start: NaiveDate, end: NaiveDate) -> u64 {
    let days = u64::try_from(end.signed_duration_since(start).num_days() + 1).unwrap_or(0);
    // After the whole weeks, the remaining days start on the same weekday as `start`.
    let first = u64::from(start.weekday().num_days_from_monday());
    let rest_weekdays = (0..days % 7)
        .filter(|offset| (first + offset) % 7 < 5)
        .count() as u64;
    days / 7 * 5 + rest_weekdays
}
