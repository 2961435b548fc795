//! The reference lists scripts read: units and platforms, and the Art. 11 deadline for a receipt.
use super::entities::{platform, unit};
use crate::domain::UnitKind;
use crate::domain::deadline::REVIEW_WORKING_DAYS;
use crate::error::{AppError, Problem};
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde::Serialize;

/// A unit (主办单位).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitEntry {
    pub id: i32,
    pub code: String,
    pub kind: UnitKind,
    pub name: String,
    pub short_name: Option<String>,
    /// The unified social credit code; internal divisions have none.
    pub credit_code: Option<String>,
    /// The code of the unit an internal division belongs to.
    pub parent_code: Option<String>,
}

/// A platform accounts are opened on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlatformEntry {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Art. 9: only nationally approved platforms may take new accounts.
    pub nationally_approved: bool,
}

/// The Art. 11 deadline of a filing received at an instant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeadlineAnswer {
    /// RFC 3339, as given.
    pub received_at: String,
    /// The day of receipt in China (it is not counted).
    pub received_on: String,
    pub working_days: u32,
    /// YYYY-MM-DD, the last day of the period.
    pub due_on: String,
    /// The period touches a year whose official calendar is not entered yet.
    pub provisional: bool,
}

pub async fn units(db: &DatabaseConnection) -> Result<Vec<UnitEntry>, AppError> {
    let all = unit::Entity::find()
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?;
    let codes: std::collections::HashMap<i32, String> =
        all.iter().map(|u| (u.id, u.code.clone())).collect();
    all.into_iter()
        .map(|u| {
            Ok(UnitEntry {
                kind: u.kind,
                parent_code: u.parent_id.and_then(|p| codes.get(&p).cloned()),
                id: u.id,
                code: u.code,
                name: u.name,
                short_name: u.short_name,
                credit_code: u.credit_code,
            })
        })
        .collect()
}

pub async fn platforms(db: &DatabaseConnection) -> Result<Vec<PlatformEntry>, AppError> {
    Ok(platform::Entity::find()
        .order_by_asc(platform::Column::SortOrder)
        .order_by_asc(platform::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| PlatformEntry {
            code: p.code,
            name_zh: p.name_zh,
            name_en: p.name_en,
            nationally_approved: p.nationally_approved,
        })
        .collect())
}

/// Art. 11: the due date of a filing received at `received` (RFC 3339), `days` working days on the
/// official calendar (the county's setting when not given).
pub async fn deadline(
    db: &DatabaseConnection,
    received: &str,
    days: Option<u32>,
) -> Result<DeadlineAnswer, AppError> {
    let instant = DateTime::parse_from_rfc3339(received.trim())
        .map_err(|_| AppError::invalid("received", Problem::BadDate))?
        .with_timezone(&Utc);
    if days.is_some_and(|days| !(REVIEW_WORKING_DAYS.0..=REVIEW_WORKING_DAYS.1).contains(&days)) {
        return Err(AppError::invalid("days", Problem::OutOfRange));
    }
    let (days, due) = due_date(db, instant, days).await?;
    Ok(DeadlineAnswer {
        received_at: received.trim().to_string(),
        received_on: crate::domain::calendar::china_date(instant).to_string(),
        working_days: days,
        due_on: due.date.to_string(),
        provisional: due.provisional,
    })
}

/// Art. 11: when a request received at `received` is due, `days` working days on the official
/// calendar (the county's setting when not given). Returns the days counted and the due date; the
/// console's `deadline` and the API's catalog both ask this.
#[tracing::instrument(skip_all, fields(use_case = "catalog.due_date"))]
pub async fn due_date<C: sea_orm::ConnectionTrait>(
    db: &C,
    received: DateTime<Utc>,
    days: Option<u32>,
) -> Result<(u32, crate::domain::calendar::DueDate), AppError> {
    let days = match days {
        Some(days) => days,
        None => super::deadlines::settings(db).await?.review_working_days,
    };
    let due = super::calendar::load(db).await?.due_date(received, days);
    Ok((days, due))
}
