//! The official working calendar as the database holds it (Art. 11 deadlines), and administrators'
//! changes to it.
use super::audit::{self, Actor, Event};
use super::entities::{calendar_day, calendar_year};
use super::use_case::UseCase;
use crate::domain::Capability;
use crate::domain::calendar::{WorkingCalendar, YearCalendar, parse_year_text, to_year_text};
use crate::domain::filing::Refusal;
use crate::error::{AppError, CalendarProblem, Problem, Shaped};
use crate::model::{CalendarAdmin, CalendarYearView};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;

/// Every year the database knows, as a working calendar.
pub async fn load<C: ConnectionTrait>(db: &C) -> Result<WorkingCalendar, AppError> {
    let years = calendar_year::Entity::find()
        .order_by_asc(calendar_year::Column::Year)
        .all(db)
        .await?;
    let days = calendar_day::Entity::find()
        .order_by_asc(calendar_day::Column::Day)
        .all(db)
        .await?;
    let mut calendars = Vec::with_capacity(years.len());
    for year in years {
        let of_year = days.iter().filter(|d| d.year == year.year);
        let holidays = of_year
            .clone()
            .filter(|d| d.kind == "holiday")
            .map(|d| (d.day, d.name.clone()));
        let makeup = of_year
            .filter(|d| d.kind == "workday")
            .map(|d| (d.day, d.name.clone()));
        let calendar =
            YearCalendar::new(year.year, year.source, holidays, makeup).map_err(|e| {
                AppError::internal(anyhow::anyhow!("calendar year {}: {e:?}", year.year))
            })?;
        calendars.push(calendar);
    }
    Ok(WorkingCalendar::new(calendars))
}

/// Every year as administrators see it, with the deadline settings.
#[tracing::instrument(skip_all, fields(use_case = "calendar.admin_view"))]
pub async fn admin_view<C: ConnectionTrait>(db: &C) -> Result<CalendarAdmin, AppError> {
    let calendar = load(db).await?;
    let rows = calendar_year::Entity::find()
        .order_by_desc(calendar_year::Column::Year)
        .all(db)
        .await?;
    let years = rows
        .into_iter()
        .filter_map(|row| {
            let year = calendar.year(row.year)?;
            Some(CalendarYearView {
                year: row.year,
                source: row.source,
                holidays: year.holidays().count() as u32,
                makeup_days: year.makeup_days().count() as u32,
                updated_at: row.updated_at.map(|t| t.to_rfc3339()),
                text: to_year_text(year),
            })
        })
        .collect();
    Ok(CalendarAdmin {
        years,
        settings: super::deadlines::settings(db).await?,
    })
}

/// The years administrators may enter.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Where a year's calendar comes from (the State Council's notice): required, as wide as its column.
#[derive(validator::Validate)]
struct Source {
    #[validate(length(min = 1, max = 200))]
    source: String,
}

impl Shaped for Source {
    const FIELDS: &'static [&'static str] = &["source"];
}

/// A year as an administrator entered it: dates pasted into the form, or a file (CSV or text in the
/// same one-date-a-line format, or the JSON the calendar serialises to). A file wins over the text.
pub fn read_input(
    year: &str,
    source: &str,
    text: &str,
    file: Option<&[u8]>,
) -> Result<YearCalendar, AppError> {
    let year = year.trim();
    if year.is_empty() {
        return Err(AppError::invalid("year", Problem::Required));
    }
    let year = year
        .parse::<i32>()
        .ok()
        .filter(|y| YEARS.contains(y))
        .ok_or_else(|| AppError::invalid("year", Problem::OutOfRange))?;
    let source = Source {
        source: source.trim().to_string(),
    };
    source.check_shape()?;
    let source = source.source.as_str();
    let file = file.filter(|bytes| !bytes.is_empty());
    let calendar = match file {
        Some(bytes) => {
            let content = std::str::from_utf8(bytes).map_err(|_| AppError::Calendar {
                line: None,
                problem: CalendarProblem::NotText,
            })?;
            let content = content.trim_start_matches('\u{feff}');
            if content.trim_start().starts_with('{') {
                let calendar: YearCalendar =
                    serde_json::from_str(content).map_err(|_| AppError::Calendar {
                        line: None,
                        problem: CalendarProblem::BadJson,
                    })?;
                if calendar.year() != year {
                    return Err(AppError::Calendar {
                        line: None,
                        problem: CalendarProblem::YearMismatch {
                            year: calendar.year(),
                        },
                    });
                }
                // The notice is the one named in the form.
                let holidays = calendar.holidays().map(|(d, n)| (d, n.to_string()));
                let makeup = calendar.makeup_days().map(|(d, n)| (d, n.to_string()));
                YearCalendar::new(year, source, holidays, makeup)?
            } else {
                parse_year_text(year, source, content)?
            }
        }
        None if text.trim().is_empty() => {
            return Err(AppError::Calendar {
                line: None,
                problem: CalendarProblem::Empty,
            });
        }
        None => parse_year_text(year, source, text)?,
    };
    Ok(calendar)
}

/// Adds or replaces a year of the official calendar, then counts every open review period again on
/// the new calendar (Art. 11) — all in one transaction with its audit events. Returns how many due
/// dates moved.
#[tracing::instrument(skip_all, fields(use_case = "calendar.save_year", year = year.year()))]
pub async fn save_year(uc: &UseCase, year: YearCalendar) -> Result<u32, AppError> {
    if !uc.may(Capability::EditCalendar) {
        return Err(AppError::Refused(Refusal::WrongRole));
    }
    let now = uc.now;
    let txn = uc.begin().await?;
    // Serialised with submissions (which take the same lock before reading the calendar): a filing
    // received meanwhile is either counted on the new calendar or recomputed below, never missed.
    audit::lock(&txn).await?;
    let before = load(&txn).await?;
    let previous = before.year(year.year());
    if previous == Some(&year) {
        return Ok(0);
    }
    let existing = calendar_year::Entity::find_by_id(year.year())
        .one(&txn)
        .await?;
    match existing {
        Some(row) => {
            let mut edit = row.into_active_model();
            edit.source = Set(year.source().to_string());
            edit.updated_at = Set(Some(now));
            edit.update(&txn).await?;
        }
        None => {
            calendar_year::ActiveModel {
                year: Set(year.year()),
                source: Set(year.source().to_string()),
                updated_at: Set(Some(now)),
            }
            .insert(&txn)
            .await?;
        }
    }
    calendar_day::Entity::delete_many()
        .filter(calendar_day::Column::Year.eq(year.year()))
        .exec(&txn)
        .await?;
    let days: Vec<calendar_day::ActiveModel> = year
        .holidays()
        .map(|(day, name)| (day, "holiday", name))
        .chain(year.makeup_days().map(|(day, name)| (day, "workday", name)))
        .map(|(day, kind, name)| calendar_day::ActiveModel {
            day: Set(day),
            year: Set(year.year()),
            kind: Set(kind.to_string()),
            name: Set(name.to_string()),
        })
        .collect();
    if !days.is_empty() {
        calendar_day::Entity::insert_many(days).exec(&txn).await?;
    }
    let actor = Actor::user(uc.user(), uc.meta());
    let as_record = |c: &YearCalendar| json!({"source": c.source(), "days": to_year_text(c)});
    audit::record(
        &txn,
        &actor,
        Event::new(
            crate::domain::AuditAction::CalendarYearSaved,
            "calendar_year",
        )
        .on(year.year())
        .before(previous.map(as_record))
        .after(as_record(&year)),
        now,
    )
    .await?;
    let calendar = load(&txn).await?;
    let moved = super::deadlines::recompute_open(&txn, &calendar, &actor, now).await?;
    txn.commit().await?;
    Ok(moved)
}
