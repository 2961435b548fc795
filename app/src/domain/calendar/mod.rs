//! The working-day calendar: China's official calendar of statutory holidays and makeup working days
//! (调休上班), and the deadlines counted on it (Art. 11: three working days from receipt).
//!
//! Pure: time comes in as arguments; no clock, no I/O, no database. Compiled for the server and the
//! browser alike.
//!
//! The calendar is published year by year, in the State Council's notice
//! (国务院办公厅关于某年部分节假日安排的通知). A date in a year whose notice is not in the calendar is
//! judged on weekdays alone (Monday to Friday), and every answer that rests on such a date says so
//! with `provisional: true`: the deadline must be computed again once that year's notice is entered.
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// Art. 11: the county office has three working days from receipt.
pub const ART_11_WORKING_DAYS: u32 = 3;

/// China Standard Time (Asia/Shanghai), UTC+08:00.
///
/// A fixed offset is exact, not an approximation: the whole of mainland China keeps one clock,
/// UTC+8, and has not observed daylight-saving time since it last ended on 15 September 1991
/// (summer time ran 1986–1991). So for every instant from then on, Asia/Shanghai's civil date is
/// the UTC+8 date, and we need no time-zone database (chrono-tz) in the server or the browser.
/// (Before then, in summer time, it could be an hour off; the registry holds no such dates.)
/// Should the State Council ever change the clock, this constant is the one place to change.
const CHINA_STANDARD_TIME: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    // A constant evaluated at compile time: a bad offset is a build error, never a run-time panic.
    None => panic!("UTC+8 is a valid offset"),
};

/// The calendar date in China (Asia/Shanghai, UTC+8) at `instant`, whatever the server's own time zone.
///
/// The last eight hours of chrono's range (year 262 142) have no representable Chinese date; they
/// saturate to [`NaiveDate::MAX`].
pub fn china_date(instant: DateTime<Utc>) -> NaiveDate {
    instant
        .naive_utc()
        .checked_add_offset(CHINA_STANDARD_TIME)
        .map_or(NaiveDate::MAX, |local| local.date())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{date} is not in {year}: a year's calendar lists only that year's dates")]
    OutsideYear { year: i32, date: NaiveDate },
    #[error("{date} is listed both as a holiday and as a makeup working day")]
    HolidayAndMakeupDay { date: NaiveDate },
    #[error(
        "{date} is a {weekday}: a makeup working day (调休上班) is always a Saturday or Sunday"
    )]
    MakeupDayOnWeekday { date: NaiveDate, weekday: Weekday },
    #[error("{date} is listed twice")]
    ListedTwice { date: NaiveDate },
    #[error("the name of {date} must be one line of text without `#`, and not blank")]
    BadName { date: NaiveDate },
    #[error("{text:?} is not a date written as YYYY-MM-DD")]
    BadDate { text: String },
    #[error("{text:?} is neither `holiday` (假) nor `workday` (班)")]
    UnknownKind { text: String },
    #[error("a line needs a date, a kind (`holiday` or `workday`) and a name")]
    IncompleteLine,
    /// An error in the administrators' text format, at a 1-based line number.
    #[error("line {line}: {error}")]
    AtLine {
        line: usize,
        error: Box<CalendarError>,
    },
}

/// What the notice says of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayKind {
    /// 放假: a statutory holiday, off even on a weekday.
    Holiday,
    /// 调休上班: a Saturday or Sunday worked in exchange for a day off.
    MakeupDay,
}

/// One year's official calendar, as published in the State Council's notice. Every date in it is in
/// `year`, no date is both a holiday and a makeup day, and every makeup day is a Saturday or Sunday.
/// The only ways to build one are [`YearCalendar::new`], [`parse_year_text`] and deserialising,
/// which all check this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "YearCalendarFields")]
pub struct YearCalendar {
    year: i32,
    source: String,
    holidays: BTreeMap<NaiveDate, String>,
    makeup_days: BTreeMap<NaiveDate, String>,
}

/// The serialised form, checked by [`YearCalendar::new`] on the way in.
#[derive(Deserialize)]
struct YearCalendarFields {
    year: i32,
    source: String,
    holidays: BTreeMap<NaiveDate, String>,
    makeup_days: BTreeMap<NaiveDate, String>,
}

impl TryFrom<YearCalendarFields> for YearCalendar {
    type Error = CalendarError;
    fn try_from(fields: YearCalendarFields) -> Result<Self, Self::Error> {
        Self::new(
            fields.year,
            fields.source,
            fields.holidays,
            fields.makeup_days,
        )
    }
}

impl YearCalendar {
    /// Holidays may fall on any day (one on a weekend is simply off anyway); makeup days must be
    /// Saturdays or Sundays. Names are trimmed of surrounding spaces and commas.
    pub fn new(
        year: i32,
        source: impl Into<String>,
        holidays: impl IntoIterator<Item = (NaiveDate, String)>,
        makeup_days: impl IntoIterator<Item = (NaiveDate, String)>,
    ) -> Result<Self, CalendarError> {
        let mut calendar = Self::empty(year, source.into());
        for (date, name) in holidays {
            calendar.add(date, DayKind::Holiday, &name)?;
        }
        for (date, name) in makeup_days {
            calendar.add(date, DayKind::MakeupDay, &name)?;
        }
        Ok(calendar)
    }

    fn empty(year: i32, source: String) -> Self {
        Self {
            year,
            source,
            holidays: BTreeMap::new(),
            makeup_days: BTreeMap::new(),
        }
    }

    /// The one place where a year's invariants are checked.
    fn add(&mut self, date: NaiveDate, kind: DayKind, name: &str) -> Result<(), CalendarError> {
        if date.year() != self.year {
            return Err(CalendarError::OutsideYear {
                year: self.year,
                date,
            });
        }
        let name = clean_name(name).ok_or(CalendarError::BadName { date })?;
        if kind == DayKind::MakeupDay && is_weekday(date.weekday()) {
            return Err(CalendarError::MakeupDayOnWeekday {
                date,
                weekday: date.weekday(),
            });
        }
        let (same, other) = match kind {
            DayKind::Holiday => (&mut self.holidays, &self.makeup_days),
            DayKind::MakeupDay => (&mut self.makeup_days, &self.holidays),
        };
        if other.contains_key(&date) {
            return Err(CalendarError::HolidayAndMakeupDay { date });
        }
        if same.insert(date, name).is_some() {
            return Err(CalendarError::ListedTwice { date });
        }
        Ok(())
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// The notice this calendar was taken from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Statutory holidays (放假), in date order, with their names.
    pub fn holidays(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.holidays
            .iter()
            .map(|(date, name)| (*date, name.as_str()))
    }

    /// Makeup working days (调休上班), in date order, with their names.
    pub fn makeup_days(&self) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.makeup_days
            .iter()
            .map(|(date, name)| (*date, name.as_str()))
    }

    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    pub fn makeup_day_name(&self, date: NaiveDate) -> Option<&str> {
        self.makeup_days.get(&date).map(String::as_str)
    }

    /// Whether `date`, a date of this year, is worked.
    fn works_on(&self, date: NaiveDate) -> bool {
        if self.holidays.contains_key(&date) {
            false
        } else {
            self.makeup_days.contains_key(&date) || is_weekday(date.weekday())
        }
    }
}

/// Monday to Friday: the working week when no notice says otherwise.
fn is_weekday(weekday: Weekday) -> bool {
    !matches!(weekday, Weekday::Sat | Weekday::Sun)
}

/// Separators of the text format: spaces, tabs, commas (also the full-width `，`).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == ',' || c == '，'
}

/// A name is one line that survives the text format: trimmed of separators, not blank, no `#`
/// (which starts a comment) and no control characters (line breaks).
fn clean_name(name: &str) -> Option<String> {
    let name = name.trim_matches(is_separator);
    let fits = !name.is_empty() && !name.chars().any(|c| c == '#' || c.is_control());
    fits.then(|| name.to_owned())
}

/// A date in the published data, only ever evaluated in `const` items: an impossible date is a
/// compile error there, never a run-time panic.
pub(crate) const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("not a calendar date"),
    }
}

mod published;
mod text;
mod working;

pub use published::published_calendars;
pub use text::{parse_year_text, to_year_text};
pub use working::{Count, DueDate, Workday, WorkingCalendar};

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn instant(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
    }

    fn published() -> WorkingCalendar {
        WorkingCalendar::published()
    }

    /// A made-up 2027 calendar for the tests: only New Year's Day off.
    fn calendar_2027() -> YearCalendar {
        YearCalendar::new(
            2027,
            "test data",
            [(date(2027, 1, 1), "元旦".to_owned())],
            [],
        )
        .unwrap()
    }

    fn due(year: i32, month: u32, day: u32) -> DueDate {
        DueDate {
            date: date(year, month, day),
            provisional: false,
        }
    }

    // --- The published notices -------------------------------------------------------------

    #[test]
    fn the_published_notices_are_valid_calendars() {
        let years: Vec<i32> = published_calendars()
            .iter()
            .map(YearCalendar::year)
            .collect();
        assert_eq!(years, [2025, 2026]);
    }

    #[test]
    fn the_published_calendars_hold_the_notices_days_off_and_makeup_days() {
        let calendars = published_calendars();
        let counts: Vec<(usize, usize)> = calendars
            .iter()
            .map(|c| (c.holidays().count(), c.makeup_days().count()))
            .collect();
        // 2025: 1 + 8 + 3 + 5 + 3 + 8 days off; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7.
        assert_eq!(counts, [(28, 5), (33, 6)]);
        assert!(calendars[0].source().contains("国办发明电〔2024〕12号"));
        assert!(calendars[1].source().contains("国办发明电〔2025〕7号"));
        assert_eq!(calendars[1].holiday_name(date(2026, 2, 17)), Some("春节"));
        assert_eq!(
            calendars[1].makeup_day_name(date(2026, 10, 10)),
            Some("国庆节调休")
        );
    }

    #[test]
    fn the_published_notices_take_37_weekdays_off_which_bounds_every_period() {
        assert_eq!(published().weekday_holidays, 18 + 19);
    }

    // --- Single days ------------------------------------------------------------------------

    #[test]
    fn a_holiday_on_a_weekday_is_off() {
        let day = published().is_working_day(date(2026, 10, 1));
        assert_eq!(
            day,
            Workday {
                working: false,
                provisional: false
            }
        );
    }

    #[test]
    fn a_makeup_saturday_is_worked() {
        assert!(published().is_working_day(date(2026, 10, 10)).working);
    }

    #[test]
    fn an_ordinary_saturday_is_off_and_an_ordinary_monday_worked() {
        let calendar = published();
        assert!(!calendar.is_working_day(date(2026, 10, 17)).working);
        assert!(calendar.is_working_day(date(2026, 10, 12)).working);
    }

    #[test]
    fn a_date_in_a_year_without_data_is_judged_on_weekdays_provisionally() {
        let calendar = published();
        assert_eq!(
            calendar.is_working_day(date(2027, 1, 1)),
            Workday {
                working: true,
                provisional: true
            }
        );
        assert!(!calendar.has_year(2027));
    }

    // --- Due dates (Art. 11: three working days; 民法典 Art. 201: receipt day not counted) ------

    #[test]
    fn received_the_day_before_national_day_2026_is_due_on_the_makeup_saturday() {
        // DESIGN: 10/1–10/7 off, 10/8 Thu, 10/9 Fri, 10/10 makeup Saturday.
        assert_eq!(
            published().add_working_days(date(2026, 9, 30), ART_11_WORKING_DAYS),
            due(2026, 10, 10)
        );
    }

    #[test]
    fn received_on_a_national_day_holiday_counts_from_the_first_working_day_after_it() {
        // 10/4–10/7 off; 10/8, 10/9, 10/10 (makeup Saturday).
        assert_eq!(
            published().add_working_days(date(2026, 10, 3), 3),
            due(2026, 10, 10)
        );
    }

    #[test]
    fn received_on_new_years_eve_of_the_spring_festival_2026_is_due_three_days_after_it() {
        // Received 2/17 (初一): 2/18–2/23 off; 2/24, 2/25, 2/26.
        assert_eq!(
            published().add_working_days(date(2026, 2, 17), 3),
            due(2026, 2, 26)
        );
    }

    #[test]
    fn received_on_a_makeup_saturday_the_makeup_day_itself_is_not_counted() {
        // Received Sat 2/14 (makeup day): 2/15–2/23 off; 2/24, 2/25, 2/26.
        assert_eq!(
            published().add_working_days(date(2026, 2, 14), 3),
            due(2026, 2, 26)
        );
    }

    #[test]
    fn received_the_friday_before_a_makeup_saturday_counts_that_saturday() {
        // Received Fri 2/27: 2/28 makeup Saturday, 3/1 Sunday off, 3/2, 3/3.
        assert_eq!(
            published().add_working_days(date(2026, 2, 27), 3),
            due(2026, 3, 3)
        );
    }

    #[test]
    fn received_the_day_before_the_spring_festival_2026_the_makeup_saturday_counts_first() {
        // Received Fri 2/13: 2/14 makeup Saturday; 2/15–2/23 off; 2/24, 2/25.
        assert_eq!(
            published().add_working_days(date(2026, 2, 13), 3),
            due(2026, 2, 25)
        );
    }

    #[test]
    fn a_period_over_new_year_2026_counts_the_makeup_sunday() {
        // Received Wed 2025-12-31: 2026-01-01..03 off; 1/4 makeup Sunday, 1/5, 1/6.
        assert_eq!(
            published().add_working_days(date(2025, 12, 31), 3),
            due(2026, 1, 6)
        );
    }

    #[test]
    fn received_the_day_before_national_day_2025_is_due_on_the_makeup_saturday_of_11_october() {
        // 10/1–10/8 off; 10/9 Thu, 10/10 Fri, 10/11 makeup Saturday.
        assert_eq!(
            published().add_working_days(date(2025, 9, 30), 3),
            due(2025, 10, 11)
        );
    }

    #[test]
    fn received_on_the_makeup_sunday_before_national_day_2025_runs_past_the_holiday() {
        // Received Sun 9/28 (makeup day): 9/29, 9/30, then 10/1–10/8 off, 10/9.
        assert_eq!(
            published().add_working_days(date(2025, 9, 28), 3),
            due(2025, 10, 9)
        );
    }

    #[test]
    fn received_after_the_spring_festival_2025_is_due_on_the_makeup_saturday_of_8_february() {
        // Received Wed 2/5: 2/6, 2/7, 2/8 makeup Saturday.
        assert_eq!(
            published().add_working_days(date(2025, 2, 5), 3),
            due(2025, 2, 8)
        );
    }

    #[test]
    fn received_before_the_spring_festival_2025_counts_the_makeup_sunday_then_skips_the_holiday() {
        // Received Fri 1/24: 1/25 off, 1/26 makeup Sunday, 1/27; 1/28–2/4 off; 2/5.
        assert_eq!(
            published().add_working_days(date(2025, 1, 24), 3),
            due(2025, 2, 5)
        );
    }

    #[test]
    fn zero_working_days_is_the_start_date_itself() {
        assert_eq!(
            published().add_working_days(date(2026, 10, 3), 0),
            due(2026, 10, 3)
        );
    }

    // --- The day of receipt in China --------------------------------------------------------

    #[test]
    fn an_instant_late_in_the_utc_evening_is_already_the_next_day_in_china() {
        let received_at = instant("2026-09-29T17:30:00Z"); // 2026-09-30 01:30 in Shanghai
        assert_eq!(china_date(received_at), date(2026, 9, 30));
        // Counted from 9/29 it would be due 10/9; from 9/30 it is 10/10.
        assert_eq!(published().due_date(received_at, 3), due(2026, 10, 10));
    }

    #[test]
    fn the_china_date_changes_at_1600_utc() {
        assert_eq!(
            china_date(instant("2026-09-29T15:59:59Z")),
            date(2026, 9, 29)
        );
        assert_eq!(
            china_date(instant("2026-09-29T16:00:00Z")),
            date(2026, 9, 30)
        );
        assert_eq!(
            china_date(instant("2026-09-30T01:30:00+08:00")),
            date(2026, 9, 30)
        );
    }

    #[test]
    fn the_end_of_chronos_range_saturates_instead_of_panicking() {
        assert_eq!(china_date(DateTime::<Utc>::MAX_UTC), NaiveDate::MAX);
        assert_eq!(
            published().add_working_days(NaiveDate::MAX, 1),
            DueDate {
                date: NaiveDate::MAX,
                provisional: true
            }
        );
        assert_eq!(
            published().working_days_between(NaiveDate::MAX, NaiveDate::MAX),
            Count::default()
        );
    }

    // --- Years without data -----------------------------------------------------------------

    #[test]
    fn a_period_running_into_a_year_without_data_is_provisional() {
        // 12/31 (2026 data), then 2027 on weekdays alone: 1/1 Fri, 1/4 Mon.
        assert_eq!(
            published().add_working_days(date(2026, 12, 30), 3),
            DueDate {
                date: date(2027, 1, 4),
                provisional: true
            }
        );
    }

    #[test]
    fn recomputing_once_the_year_is_published_gives_the_final_date() {
        let mut years = published_calendars();
        years.push(calendar_2027());
        let calendar = WorkingCalendar::new(years);
        // 12/31, 1/1 off (元旦), 1/4, 1/5.
        assert_eq!(
            calendar.add_working_days(date(2026, 12, 30), 3),
            due(2027, 1, 5)
        );
    }

    #[test]
    fn a_receipt_day_in_a_year_without_data_does_not_make_the_period_provisional() {
        // The receipt day is not counted (民法典 Art. 201), so 2024 is never consulted.
        let result = published().add_working_days(date(2024, 12, 31), 3);
        // 2025-01-01 off; 1/2, 1/3, then 1/4–1/5 weekend; 1/6.
        assert_eq!(result, due(2025, 1, 6));
    }

    #[test]
    fn a_later_calendar_for_the_same_year_replaces_the_earlier_one() {
        let first = YearCalendar::new(2027, "first", [], []).unwrap();
        let calendar = WorkingCalendar::new([first, calendar_2027()]);
        assert_eq!(
            calendar.year(2027).map(YearCalendar::source),
            Some("test data")
        );
        assert!(!calendar.is_working_day(date(2027, 1, 1)).working);
    }

    #[test]
    fn a_year_of_nothing_but_holidays_still_ends_in_the_next_year() {
        let all_off = date(2026, 1, 1)
            .iter_days()
            .take_while(|d| d.year() == 2026)
            .map(|d| (d, "test".to_owned()));
        let calendar =
            WorkingCalendar::new([YearCalendar::new(2026, "test", all_off, []).unwrap()]);
        // 2027 on weekdays alone: 1/1 Fri, 1/4 Mon, 1/5 Tue.
        assert_eq!(
            calendar.add_working_days(date(2026, 1, 1), 3),
            DueDate {
                date: date(2027, 1, 5),
                provisional: true
            }
        );
    }

    #[test]
    fn no_published_period_of_up_to_30_working_days_runs_past_60_days() {
        let calendar = published();
        for from in date(2025, 1, 1)
            .iter_days()
            .take_while(|d| d.year() <= 2026)
        {
            let due = calendar.add_working_days(from, 30);
            assert!((due.date - from).num_days() <= 60, "from {from}: {due:?}");
        }
    }

    // --- Counting working days --------------------------------------------------------------

    #[test]
    fn the_working_days_between_receipt_and_due_date_are_the_period() {
        assert_eq!(
            published().working_days_between(date(2026, 9, 30), date(2026, 10, 10)),
            Count {
                days: 3,
                provisional: false
            }
        );
    }

    #[test]
    fn no_working_days_lie_between_a_date_and_itself_or_an_earlier_one() {
        let calendar = published();
        assert_eq!(
            calendar.working_days_between(date(2026, 10, 8), date(2026, 10, 8)),
            Count::default()
        );
        assert_eq!(
            calendar.working_days_between(date(2026, 10, 9), date(2026, 10, 8)),
            Count::default()
        );
    }

    #[test]
    fn the_published_years_have_the_official_number_of_working_days() {
        let calendar = published();
        // 261 weekdays − 18 weekday holidays + 5 makeup days; 261 − 19 + 6.
        assert_eq!(
            calendar
                .working_days_between(date(2024, 12, 31), date(2025, 12, 31))
                .days,
            248
        );
        assert_eq!(
            calendar
                .working_days_between(date(2025, 12, 31), date(2026, 12, 31))
                .days,
            248
        );
    }

    #[test]
    fn counting_into_a_year_without_data_is_provisional() {
        let count = published().working_days_between(date(2026, 12, 30), date(2027, 1, 4));
        assert_eq!(
            count,
            Count {
                days: 3,
                provisional: true
            }
        );
    }

    // --- Building a year's calendar ---------------------------------------------------------

    #[test]
    fn a_makeup_day_on_a_weekday_is_refused() {
        let error =
            YearCalendar::new(2026, "s", [], [(date(2026, 10, 9), "x".to_owned())]).unwrap_err();
        assert_eq!(
            error,
            CalendarError::MakeupDayOnWeekday {
                date: date(2026, 10, 9),
                weekday: Weekday::Fri
            }
        );
    }

    #[test]
    fn a_date_outside_the_year_is_refused() {
        let error =
            YearCalendar::new(2026, "s", [(date(2027, 1, 1), "元旦".to_owned())], []).unwrap_err();
        assert_eq!(
            error,
            CalendarError::OutsideYear {
                year: 2026,
                date: date(2027, 1, 1)
            }
        );
    }

    #[test]
    fn a_date_both_holiday_and_makeup_day_is_refused() {
        let saturday = date(2026, 10, 10);
        let error = YearCalendar::new(
            2026,
            "s",
            [(saturday, "国庆节".to_owned())],
            [(saturday, "国庆节调休".to_owned())],
        )
        .unwrap_err();
        assert_eq!(error, CalendarError::HolidayAndMakeupDay { date: saturday });
    }

    #[test]
    fn a_date_listed_twice_is_refused() {
        let day = date(2026, 10, 1);
        let error = YearCalendar::new(
            2026,
            "s",
            [(day, "国庆节".to_owned()), (day, "国庆".to_owned())],
            [],
        )
        .unwrap_err();
        assert_eq!(error, CalendarError::ListedTwice { date: day });
    }

    #[test]
    fn a_holiday_on_a_weekend_is_accepted() {
        let sunday = date(2026, 9, 27);
        assert!(YearCalendar::new(2026, "s", [(sunday, "中秋节".to_owned())], []).is_ok());
    }

    #[test]
    fn a_blank_or_multi_line_name_is_refused() {
        for name in ["  ", "国庆\n节", "国庆 # 节"] {
            let error = YearCalendar::new(2026, "s", [(date(2026, 10, 1), name.to_owned())], [])
                .unwrap_err();
            assert_eq!(
                error,
                CalendarError::BadName {
                    date: date(2026, 10, 1)
                }
            );
        }
    }

    #[test]
    fn a_year_calendar_survives_json_and_a_bad_one_is_refused_on_the_way_in() {
        let calendar = published_calendars().remove(1);
        let json = serde_json::to_string(&calendar).unwrap();
        assert_eq!(
            serde_json::from_str::<YearCalendar>(&json).unwrap(),
            calendar
        );

        let bad = r#"{"year":2026,"source":"s","holidays":{},"makeup_days":{"2026-10-09":"x"}}"#;
        assert!(serde_json::from_str::<YearCalendar>(bad).is_err());
    }

    #[test]
    fn a_working_calendar_survives_json_as_a_list_of_years() {
        let calendar = published();
        let json = serde_json::to_string(&calendar).unwrap();
        assert!(json.starts_with('['));
        assert_eq!(
            serde_json::from_str::<WorkingCalendar>(&json).unwrap(),
            calendar
        );
    }

    // --- The administrators' text format ----------------------------------------------------

    #[test]
    fn the_text_format_reads_english_and_chinese_kinds_tabs_commas_and_comments() {
        let text = "\u{feff}# 2026 国庆\n\
                    \n\
                    2026-10-01 holiday 国庆节\n\
                    2026-10-02\t假\t国庆节  # second day\n\
                    2026-10-03,HOLIDAY,国庆节\n\
                    2026-10-04，假，国庆节\n\
                    2026-10-10 班 国庆节调休\n\
                    2026-09-20 workday  国庆节 调休\r\n";
        let calendar = parse_year_text(2026, "notice", text).unwrap();
        assert_eq!(calendar.source(), "notice");
        assert_eq!(calendar.holidays().count(), 4);
        assert_eq!(calendar.holiday_name(date(2026, 10, 2)), Some("国庆节"));
        assert_eq!(
            calendar.makeup_day_name(date(2026, 10, 10)),
            Some("国庆节调休")
        );
        assert_eq!(
            calendar.makeup_day_name(date(2026, 9, 20)),
            Some("国庆节 调休")
        );
    }

    fn error_at(text: &str) -> CalendarError {
        parse_year_text(2026, "s", text).unwrap_err()
    }

    fn at_line(line: usize, error: CalendarError) -> CalendarError {
        CalendarError::AtLine {
            line,
            error: Box::new(error),
        }
    }

    #[test]
    fn a_bad_date_is_reported_with_its_line_number() {
        let text = "# comment\n2026-10-01 holiday 国庆节\n2026-10-32 holiday 国庆节\n";
        assert_eq!(
            error_at(text),
            at_line(
                3,
                CalendarError::BadDate {
                    text: "2026-10-32".to_owned()
                }
            )
        );
    }

    #[test]
    fn an_unknown_kind_is_reported_with_its_line_number() {
        assert_eq!(
            error_at("\n2026-10-01 休息 国庆节"),
            at_line(
                2,
                CalendarError::UnknownKind {
                    text: "休息".to_owned()
                }
            )
        );
    }

    #[test]
    fn a_line_without_a_name_is_reported_with_its_line_number() {
        assert_eq!(
            error_at("2026-10-01 holiday"),
            at_line(1, CalendarError::IncompleteLine)
        );
    }

    #[test]
    fn a_calendar_rule_broken_in_the_text_is_reported_with_its_line_number() {
        let text = "2026-10-01 holiday 国庆节\n2026-10-09 workday 调休\n";
        let error = error_at(text);
        assert_eq!(
            error,
            at_line(
                2,
                CalendarError::MakeupDayOnWeekday {
                    date: date(2026, 10, 9),
                    weekday: Weekday::Fri
                }
            )
        );
        assert_eq!(
            error.to_string(),
            "line 2: 2026-10-09 is a Fri: a makeup working day (调休上班) is always a Saturday or Sunday"
        );
        assert_eq!(
            error_at("2026-10-03 假 国庆节\n\n2026-10-03 班 国庆节"),
            at_line(
                3,
                CalendarError::HolidayAndMakeupDay {
                    date: date(2026, 10, 3)
                }
            )
        );
        assert_eq!(
            error_at("2025-10-01 假 国庆节"),
            at_line(
                1,
                CalendarError::OutsideYear {
                    year: 2026,
                    date: date(2025, 10, 1)
                }
            )
        );
    }

    #[test]
    fn the_published_calendars_round_trip_through_the_text_format() {
        for calendar in published_calendars() {
            let text = to_year_text(&calendar);
            assert_eq!(
                parse_year_text(calendar.year(), calendar.source(), &text),
                Ok(calendar)
            );
        }
    }

    #[test]
    fn the_text_format_lists_the_days_in_date_order_under_the_source() {
        let text = to_year_text(&published_calendars()[1]);
        let lines: Vec<&str> = text.lines().take(5).collect();
        assert_eq!(
            lines,
            [
                "# 2026 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）",
                "2026-01-01 holiday 元旦",
                "2026-01-02 holiday 元旦",
                "2026-01-03 holiday 元旦",
                "2026-01-04 workday 元旦调休",
            ]
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    const FIRST_DAY: NaiveDate = ymd(2025, 1, 1);
    const DAYS_2025_TO_2027: i64 = 365 + 365 + 365;

    fn made_up_2027() -> YearCalendar {
        YearCalendar::new(
            2027,
            "test data",
            [(ymd(2027, 1, 1), "元旦".to_owned())],
            [(ymd(2027, 2, 6), "春节调休".to_owned())],
        )
        .unwrap()
    }

    /// A day of 2025–2027.
    fn a_day() -> impl Strategy<Value = NaiveDate> {
        (0..DAYS_2025_TO_2027).prop_map(|offset| FIRST_DAY + chrono::Days::new(offset as u64))
    }

    /// The published 2025 and 2026 calendars and a made-up 2027, each there or not.
    fn a_calendar() -> impl Strategy<Value = WorkingCalendar> {
        (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(y2025, y2026, y2027)| {
            let mut years: Vec<YearCalendar> = published_calendars()
                .into_iter()
                .filter(|c| (c.year() == 2025 && y2025) || (c.year() == 2026 && y2026))
                .collect();
            if y2027 {
                years.push(made_up_2027());
            }
            WorkingCalendar::new(years)
        })
    }

    /// Whether any date of `(after, up_to]` lies in a year without data.
    fn touches_a_year_without_data(
        calendar: &WorkingCalendar,
        after: NaiveDate,
        up_to: NaiveDate,
    ) -> bool {
        after
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= up_to)
            .any(|d| !calendar.has_year(d.year()))
    }

    proptest! {
        #[test]
        fn the_due_date_is_a_working_day(calendar in a_calendar(), received in a_day(), n in 1u32..=10) {
            let due = calendar.add_working_days(received, n);
            prop_assert!(calendar.is_working_day(due.date).working);
        }

        #[test]
        fn the_due_date_is_after_the_day_of_receipt(calendar in a_calendar(), received in a_day(), n in 1u32..=10) {
            prop_assert!(calendar.add_working_days(received, n).date > received);
        }

        #[test]
        fn exactly_n_working_days_lie_after_receipt_up_to_the_due_date(
            calendar in a_calendar(), received in a_day(), n in 1u32..=10
        ) {
            let due = calendar.add_working_days(received, n);
            prop_assert_eq!(calendar.working_days_between(received, due.date).days, n);
            // And the due date is the first such day: one day earlier, one is missing.
            let eve = due.date.pred_opt().unwrap();
            prop_assert_eq!(calendar.working_days_between(received, eve).days, n - 1);
        }

        #[test]
        fn the_due_date_is_provisional_iff_the_period_touches_a_year_without_data(
            calendar in a_calendar(), received in a_day(), n in 1u32..=10
        ) {
            let due = calendar.add_working_days(received, n);
            prop_assert_eq!(due.provisional, touches_a_year_without_data(&calendar, received, due.date));
            prop_assert_eq!(
                calendar.working_days_between(received, due.date).provisional,
                due.provisional
            );
        }

        #[test]
        fn counting_working_days_agrees_with_asking_day_by_day(
            calendar in a_calendar(), after in a_day(), up_to in a_day()
        ) {
            let by_day = after
                .iter_days()
                .skip(1)
                .take_while(|d| *d <= up_to)
                .filter(|d| calendar.is_working_day(*d).working)
                .count();
            let count = calendar.working_days_between(after, up_to);
            prop_assert_eq!(count.days as usize, by_day);
            prop_assert_eq!(count.provisional, touches_a_year_without_data(&calendar, after, up_to));
        }

        #[test]
        fn the_due_date_of_an_instant_counts_from_its_date_in_china(
            seconds in 1_735_660_800i64..1_830_297_600, // 2024-12-31T16:00Z .. 2027-12-31T16:00Z
            n in 1u32..=10
        ) {
            let calendar = WorkingCalendar::published();
            let received_at = DateTime::from_timestamp(seconds, 0).unwrap();
            let in_china = received_at.with_timezone(&CHINA_STANDARD_TIME).date_naive();
            prop_assert_eq!(china_date(received_at), in_china);
            prop_assert_eq!(calendar.due_date(received_at, n), calendar.add_working_days(in_china, n));
        }

        #[test]
        fn any_valid_year_round_trips_through_the_text_format(
            days in proptest::collection::btree_map(0u64..365, ("[\\p{Han}a-z]{1,4}( [\\p{Han}a-z]{1,3})?", any::<bool>()), 0..40)
        ) {
            let mut holidays = Vec::new();
            let mut makeup_days = Vec::new();
            for (offset, (name, holiday)) in days {
                let day = ymd(2027, 1, 1) + chrono::Days::new(offset);
                if holiday || is_weekday(day.weekday()) {
                    holidays.push((day, name));
                } else {
                    makeup_days.push((day, name));
                }
            }
            let calendar = YearCalendar::new(2027, "made up", holidays, makeup_days).unwrap();
            prop_assert_eq!(
                parse_year_text(2027, "made up", &to_year_text(&calendar)),
                Ok(calendar)
            );
        }
    }
}
