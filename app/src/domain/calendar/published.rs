//! The State Council notices entered with the code (国务院办公厅关于部分节假日安排的通知): data.
use super::*;
use chrono::NaiveDate;

/// A State Council notice: holidays as inclusive ranges, makeup working days one by one.
struct Notice {
    year: i32,
    source: &'static str,
    holidays: &'static [(NaiveDate, NaiveDate, &'static str)],
    makeup_days: &'static [(NaiveDate, &'static str)],
}

const NOTICES: [Notice; 2] = [
    Notice {
        year: 2025,
        source: "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）",
        holidays: &[
            (ymd(2025, 1, 1), ymd(2025, 1, 1), "元旦"),
            (ymd(2025, 1, 28), ymd(2025, 2, 4), "春节"),
            (ymd(2025, 4, 4), ymd(2025, 4, 6), "清明节"),
            (ymd(2025, 5, 1), ymd(2025, 5, 5), "劳动节"),
            (ymd(2025, 5, 31), ymd(2025, 6, 2), "端午节"),
            (ymd(2025, 10, 1), ymd(2025, 10, 8), "国庆节、中秋节"),
        ],
        makeup_days: &[
            (ymd(2025, 1, 26), "春节调休"),
            (ymd(2025, 2, 8), "春节调休"),
            (ymd(2025, 4, 27), "劳动节调休"),
            (ymd(2025, 9, 28), "国庆节、中秋节调休"),
            (ymd(2025, 10, 11), "国庆节、中秋节调休"),
        ],
    },
    Notice {
        year: 2026,
        source: "国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）",
        holidays: &[
            (ymd(2026, 1, 1), ymd(2026, 1, 3), "元旦"),
            (ymd(2026, 2, 15), ymd(2026, 2, 23), "春节"),
            (ymd(2026, 4, 4), ymd(2026, 4, 6), "清明节"),
            (ymd(2026, 5, 1), ymd(2026, 5, 5), "劳动节"),
            (ymd(2026, 6, 19), ymd(2026, 6, 21), "端午节"),
            (ymd(2026, 9, 25), ymd(2026, 9, 27), "中秋节"),
            (ymd(2026, 10, 1), ymd(2026, 10, 7), "国庆节"),
        ],
        makeup_days: &[
            (ymd(2026, 1, 4), "元旦调休"),
            (ymd(2026, 2, 14), "春节调休"),
            (ymd(2026, 2, 28), "春节调休"),
            (ymd(2026, 5, 9), "劳动节调休"),
            (ymd(2026, 9, 20), "国庆节调休"),
            (ymd(2026, 10, 10), "国庆节调休"),
        ],
    },
];

/// The calendars of the State Council notices for 2025 and 2026, to seed the database.
pub fn published_calendars() -> Vec<YearCalendar> {
    NOTICES
        .iter()
        .map(|notice| {
            let holidays = notice.holidays.iter().flat_map(|&(first, last, name)| {
                first
                    .iter_days()
                    .take_while(move |date| *date <= last)
                    .map(move |date| (date, name.to_owned()))
            });
            let makeup_days = notice
                .makeup_days
                .iter()
                .map(|&(date, name)| (date, name.to_owned()));
            YearCalendar::new(notice.year, notice.source, holidays, makeup_days)
                // Constant data, checked by the test `the_published_notices_are_valid_calendars`.
                .expect("the published notices are valid calendars")
        })
        .collect()
}
