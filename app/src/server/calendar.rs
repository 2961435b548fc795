//! The official working calendar as the database holds it (Art. 11 deadlines).
use super::entities::{calendar_day, calendar_year};
use crate::domain::calendar::{WorkingCalendar, YearCalendar};
use crate::error::AppError;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

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
