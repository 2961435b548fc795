//! A year's calendar as text (the administrators' form and the command line), both ways.
use super::*;
use chrono::NaiveDate;

/// Reads a year's calendar as administrators type it, one date a line:
///
/// ```text
/// # 2026 国务院办公厅关于2026年部分节假日安排的通知
/// 2026-10-01 holiday 国庆节
/// 2026-10-10 workday 国庆节调休
/// ```
///
/// The kind is `holiday` or `假`, `workday` or `班`; fields are separated by spaces, tabs or commas;
/// the name is the rest of the line. Blank lines and `#` comments are ignored. Errors carry the
/// 1-based line number ([`CalendarError::AtLine`]).
pub fn parse_year_text(year: i32, source: &str, text: &str) -> Result<YearCalendar, CalendarError> {
    let mut calendar = YearCalendar::empty(year, source.to_owned());
    // A spreadsheet's CSV export may start with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, line) in text.lines().enumerate() {
        let at_line = |error| CalendarError::AtLine {
            line: index + 1,
            error: Box::new(error),
        };
        let content = line.split_once('#').map_or(line, |(before, _)| before);
        let content = content.trim_matches(is_separator);
        if content.is_empty() {
            continue;
        }
        let (date_text, rest) = split_field(content);
        let (kind_text, name) = split_field(rest);
        let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d").map_err(|_| {
            at_line(CalendarError::BadDate {
                text: date_text.to_owned(),
            })
        })?;
        if name.is_empty() {
            return Err(at_line(CalendarError::IncompleteLine));
        }
        let kind = match kind_text.to_lowercase().as_str() {
            "holiday" | "假" => DayKind::Holiday,
            "workday" | "班" => DayKind::MakeupDay,
            _ => {
                return Err(at_line(CalendarError::UnknownKind {
                    text: kind_text.to_owned(),
                }));
            }
        };
        calendar.add(date, kind, name).map_err(at_line)?;
    }
    Ok(calendar)
}

/// The first field of `text` and the rest, trimmed of separators.
fn split_field(text: &str) -> (&str, &str) {
    let text = text.trim_start_matches(is_separator);
    match text.find(is_separator) {
        Some(end) => (&text[..end], text[end..].trim_matches(is_separator)),
        None => (text, ""),
    }
}

/// Writes a year's calendar in the format [`parse_year_text`] reads, in date order, with the source
/// as a leading comment; `parse_year_text(c.year(), c.source(), &to_year_text(&c)) == Ok(c)`.
pub fn to_year_text(calendar: &YearCalendar) -> String {
    let source: String = calendar
        .source
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut days: Vec<(NaiveDate, &str, &str)> = calendar
        .holidays()
        .map(|(date, name)| (date, "holiday", name))
        .chain(
            calendar
                .makeup_days()
                .map(|(date, name)| (date, "workday", name)),
        )
        .collect();
    days.sort_unstable();
    let mut text = format!("# {} {}\n", calendar.year, source);
    for (date, kind, name) in days {
        text.push_str(&format!("{} {kind} {name}\n", date.format("%Y-%m-%d")));
    }
    text
}
