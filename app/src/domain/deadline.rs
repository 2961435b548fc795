//! The deadline clock's figures and verdicts (Art. 11, Art. 29, Art. 34): the county's settings, the
//! status of a review period, the monthly on-time rate, and when a password rotation is overdue.
//! Pure: dates in, verdicts out. Dates are China dates ([`super::calendar::china_date`]).
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use validator::Validate;

/// The figures DESIGN §3 asks to be settings, not constants: other counties use other periods.
/// Each within its bounds (below), which `validate` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Validate)]
pub struct Settings {
    /// Art. 11: working days the county office has to decide a filing (3 in this county).
    #[validate(range(min = REVIEW_WORKING_DAYS.0, max = REVIEW_WORKING_DAYS.1))]
    pub review_working_days: u32,
    /// The hour (China time, 0–23) from which the day's reminders are queued on working days.
    #[validate(range(min = REMINDER_HOUR.0, max = REMINDER_HOUR.1))]
    pub reminder_hour: u32,
    /// Art. 29: days after which a custodian's password is due for rotation.
    #[validate(range(min = PASSWORD_ROTATION_DAYS.0, max = PASSWORD_ROTATION_DAYS.1))]
    pub password_rotation_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            review_working_days: super::calendar::ART_11_WORKING_DAYS,
            reminder_hour: 9,
            password_rotation_days: 90,
        }
    }
}

/// The bounds of each setting, inclusive. The database holds the same bounds as CHECK constraints.
pub const REVIEW_WORKING_DAYS: (u32, u32) = (1, 30);
pub const REMINDER_HOUR: (u32, u32) = (0, 23);
pub const PASSWORD_ROTATION_DAYS: (u32, u32) = (1, 3650);

/// Where a review period stands against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Open, due later than today.
    OnTime,
    /// Open, due by the end of today.
    DueToday,
    /// Open, past its due date.
    Overdue,
    /// Decided (approved, returned or rejected) on or before the due date.
    DecidedOnTime,
    /// Decided after the due date.
    DecidedLate,
}

impl DeadlineStatus {
    pub const ALL: [DeadlineStatus; 5] = [
        DeadlineStatus::OnTime,
        DeadlineStatus::DueToday,
        DeadlineStatus::Overdue,
        DeadlineStatus::DecidedOnTime,
        DeadlineStatus::DecidedLate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineStatus::OnTime => "on_time",
            DeadlineStatus::DueToday => "due_today",
            DeadlineStatus::Overdue => "overdue",
            DeadlineStatus::DecidedOnTime => "decided_on_time",
            DeadlineStatus::DecidedLate => "decided_late",
        }
    }

    /// The period is still with the county office.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            DeadlineStatus::OnTime | DeadlineStatus::DueToday | DeadlineStatus::Overdue
        )
    }
}

/// The status of a period due on `due_on`: decided on `decided_on` (China date), or still open on
/// `today`. The due date is the end of its day, so a decision on the due date is on time.
pub fn status(
    due_on: NaiveDate,
    decided_on: Option<NaiveDate>,
    today: NaiveDate,
) -> DeadlineStatus {
    match decided_on {
        Some(decided) if decided <= due_on => DeadlineStatus::DecidedOnTime,
        Some(_) => DeadlineStatus::DecidedLate,
        None if today < due_on => DeadlineStatus::OnTime,
        None if today == due_on => DeadlineStatus::DueToday,
        None => DeadlineStatus::Overdue,
    }
}

/// One month of decided review periods (Art. 34's monthly report of the office's own timeliness).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthFigures {
    pub year: i32,
    pub month: u32,
    pub decided: u32,
    pub on_time: u32,
}

impl MonthFigures {
    /// The share decided on time, in whole per mille (so 2 of 3 is 667), or `None` for no decisions.
    pub fn on_time_per_mille(&self) -> Option<u32> {
        (self.decided > 0).then(|| (self.on_time * 2000 + self.decided) / (self.decided * 2))
    }

    /// The rate as people read it, `66.7%`.
    pub fn on_time_percent(&self) -> Option<String> {
        self.on_time_per_mille()
            .map(|pm| format!("{}.{}%", pm / 10, pm % 10))
    }
}

/// Decided periods `(due_on, decided_on)` grouped by the month of their decision, newest first.
pub fn by_month(decided: impl IntoIterator<Item = (NaiveDate, NaiveDate)>) -> Vec<MonthFigures> {
    let mut months: std::collections::BTreeMap<(i32, u32), MonthFigures> = Default::default();
    for (due_on, decided_on) in decided {
        let key = (decided_on.year(), decided_on.month());
        let figures = months.entry(key).or_insert(MonthFigures {
            year: key.0,
            month: key.1,
            decided: 0,
            on_time: 0,
        });
        figures.decided += 1;
        if decided_on <= due_on {
            figures.on_time += 1;
        }
    }
    months.into_values().rev().collect()
}

/// Art. 29: a password last rotated on `rotated_on` (or never recorded) is due for rotation on
/// `today` once more than `interval_days` days have passed.
pub fn rotation_overdue(
    rotated_on: Option<NaiveDate>,
    today: NaiveDate,
    interval_days: u32,
) -> bool {
    match rotated_on {
        None => true,
        Some(rotated) => (today - rotated).num_days() > i64::from(interval_days),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_open_period_is_on_time_then_due_today_then_overdue() {
        let due = d(2026, 10, 10);
        assert_eq!(status(due, None, d(2026, 10, 9)), DeadlineStatus::OnTime);
        assert_eq!(status(due, None, d(2026, 10, 10)), DeadlineStatus::DueToday);
        assert_eq!(status(due, None, d(2026, 10, 11)), DeadlineStatus::Overdue);
    }

    #[test]
    fn a_decision_on_the_due_date_is_on_time_and_the_day_after_is_late() {
        let due = d(2026, 10, 10);
        let today = d(2026, 12, 1);
        assert_eq!(
            status(due, Some(d(2026, 10, 10)), today),
            DeadlineStatus::DecidedOnTime
        );
        assert_eq!(
            status(due, Some(d(2026, 10, 11)), today),
            DeadlineStatus::DecidedLate
        );
    }

    #[test]
    fn months_count_decisions_by_the_month_they_were_made_in() {
        let figures = by_month([
            (d(2026, 9, 30), d(2026, 9, 29)),
            (d(2026, 10, 10), d(2026, 10, 9)),
            (d(2026, 10, 10), d(2026, 10, 12)),
            (d(2026, 10, 20), d(2026, 10, 20)),
        ]);
        assert_eq!(
            figures,
            vec![
                MonthFigures {
                    year: 2026,
                    month: 10,
                    decided: 3,
                    on_time: 2
                },
                MonthFigures {
                    year: 2026,
                    month: 9,
                    decided: 1,
                    on_time: 1
                },
            ]
        );
        assert_eq!(figures[0].on_time_percent().as_deref(), Some("66.7%"));
        assert_eq!(figures[1].on_time_percent().as_deref(), Some("100.0%"));
    }

    #[test]
    fn a_month_without_decisions_has_no_rate() {
        let empty = MonthFigures {
            year: 2026,
            month: 1,
            decided: 0,
            on_time: 0,
        };
        assert_eq!(empty.on_time_percent(), None);
    }

    #[test]
    fn rotation_is_due_after_the_interval_or_when_never_recorded() {
        let today = d(2026, 11, 27);
        assert!(!rotation_overdue(Some(d(2026, 8, 29)), today, 90));
        assert!(rotation_overdue(Some(d(2026, 8, 28)), today, 90));
        assert!(rotation_overdue(None, today, 90));
    }

    #[test]
    fn settings_outside_their_bounds_are_refused() {
        let out_of_range = |settings: Settings| match settings.validate() {
            Ok(()) => vec![],
            Err(errors) => errors.field_errors().into_keys().collect::<Vec<_>>(),
        };
        assert!(out_of_range(Settings::default()).is_empty());
        let zero_days = Settings {
            review_working_days: 0,
            ..Settings::default()
        };
        assert_eq!(out_of_range(zero_days), ["review_working_days"]);
        let hour = Settings {
            reminder_hour: 24,
            ..Settings::default()
        };
        assert_eq!(out_of_range(hour), ["reminder_hour"]);
        let rotation = Settings {
            password_rotation_days: 0,
            ..Settings::default()
        };
        assert_eq!(out_of_range(rotation), ["password_rotation_days"]);
    }
}
