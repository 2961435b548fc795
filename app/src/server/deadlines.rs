//! The deadline clock on the server (Art. 11): the county's settings, the review periods filings
//! open and close, recomputing open deadlines when the calendar changes, and the dashboard.
use super::audit::{self, Actor, Event};
use super::entities::{filing, review_period, setting};
use super::use_case::UseCase;
use crate::domain::calendar::{DueDate, WorkingCalendar, china_date};
use crate::domain::deadline::{self, DeadlineStatus, Settings};
use crate::domain::filing::{FilingState, Refusal};
use crate::domain::{Capability, Role};
use crate::error::{AppError, Problem, Shaped};
use crate::model::{DeadlineDashboard, FilingRow};
use chrono::{DateTime, Datelike, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, sea_query::Expr,
};
use serde_json::json;

/// The county's deadline figures.
pub async fn settings<C: ConnectionTrait>(db: &C) -> Result<Settings, AppError> {
    let row = setting::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the settings row is missing")))?;
    let figure = |v: i32| u32::try_from(v).map_err(AppError::internal);
    Ok(Settings {
        review_working_days: figure(row.review_working_days)?,
        reminder_hour: figure(row.reminder_hour)?,
        password_rotation_days: figure(row.password_rotation_days)?,
    })
}

/// The figures as posted from the settings form (review working days, reminder hour, password
/// rotation days); one that is not a number is out of range.
pub fn read_settings(figures: [&str; 3]) -> Result<Settings, AppError> {
    let figure = |field: &str, value: &str| {
        value
            .trim()
            .parse::<u32>()
            .map_err(|_| AppError::invalid(field, Problem::OutOfRange))
    };
    Ok(Settings {
        review_working_days: figure("review_working_days", figures[0])?,
        reminder_hour: figure("reminder_hour", figures[1])?,
        password_rotation_days: figure("password_rotation_days", figures[2])?,
    })
}

/// The settings form's figures, in its order; each out of its bounds is `OutOfRange`.
impl Shaped for Settings {
    const FIELDS: &'static [&'static str] = &[
        "review_working_days",
        "reminder_hour",
        "password_rotation_days",
    ];
}

/// Administrators change the figures. A new review period applies to filings received from now on;
/// periods already running keep the days they started with.
#[tracing::instrument(skip_all, fields(use_case = "deadlines.save_settings"))]
pub async fn save_settings(uc: &UseCase, new: Settings) -> Result<Settings, AppError> {
    if !uc.may(Capability::EditSettings) {
        return Err(AppError::Refused(Refusal::WrongRole));
    }
    let now = uc.now;
    new.check_shape()?;
    let txn = uc.begin().await?;
    let before = settings(&txn).await?;
    if before == new {
        return Ok(before);
    }
    let figure = |v: u32| i32::try_from(v).map_err(AppError::internal);
    setting::ActiveModel {
        id: Set(1),
        review_working_days: Set(figure(new.review_working_days)?),
        reminder_hour: Set(figure(new.reminder_hour)?),
        password_rotation_days: Set(figure(new.password_rotation_days)?),
        updated_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        &Actor::user(uc.user(), uc.meta()),
        Event::new(crate::domain::AuditAction::SettingsUpdated, "settings")
            .on("1")
            .before(serde_json::to_value(before).map_err(AppError::internal)?)
            .after(serde_json::to_value(new).map_err(AppError::internal)?),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(new)
}

/// Opens the review period of a receipt (Art. 11), inside the submitting transaction.
pub async fn open_period(
    txn: &DatabaseTransaction,
    filing_id: i32,
    received_at: DateTime<Utc>,
    working_days: u32,
    due: DueDate,
) -> Result<(), AppError> {
    review_period::ActiveModel {
        filing_id: Set(filing_id),
        received_at: Set(received_at),
        working_days: Set(i32::try_from(working_days).map_err(AppError::internal)?),
        due_on: Set(due.date),
        due_provisional: Set(due.provisional),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Closes a filing's open period with the decision that ends it: a return stops the clock, an
/// approval or a rejection ends it.
pub async fn close_period(
    txn: &DatabaseTransaction,
    filing_id: i32,
    outcome: FilingState,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    review_period::Entity::update_many()
        .col_expr(review_period::Column::ClosedAt, Expr::value(now))
        .col_expr(review_period::Column::Outcome, Expr::value(outcome))
        .filter(review_period::Column::FilingId.eq(filing_id))
        .filter(review_period::Column::ClosedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Counts every open period again on `calendar` (just changed in this transaction) and moves the
/// due dates that change, on the period and its filing, each with an audit event. Returns how many
/// moved.
pub async fn recompute_open(
    txn: &DatabaseTransaction,
    calendar: &WorkingCalendar,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<u32, AppError> {
    let open = review_period::Entity::find()
        .filter(review_period::Column::ClosedAt.is_null())
        .all(txn)
        .await?;
    let mut moved = 0;
    for period in open {
        let days = u32::try_from(period.working_days).map_err(AppError::internal)?;
        let due = calendar.due_date(period.received_at, days);
        if due.date == period.due_on && due.provisional == period.due_provisional {
            continue;
        }
        let mut edit = period.clone().into_active_model();
        edit.due_on = Set(due.date);
        edit.due_provisional = Set(due.provisional);
        edit.update(txn).await?;
        let Some(f) = filing::Entity::find_by_id(period.filing_id)
            .one(txn)
            .await?
        else {
            continue;
        };
        // The version guard, as for every change of a filing: a step taken meanwhile on another
        // instance fails this save, and the administrator saves the year again.
        let updated = filing::Entity::update_many()
            .col_expr(filing::Column::DueOn, Expr::value(due.date))
            .col_expr(filing::Column::DueProvisional, Expr::value(due.provisional))
            .col_expr(filing::Column::Version, Expr::value(f.version + 1))
            .col_expr(filing::Column::UpdatedAt, Expr::value(now))
            .filter(filing::Column::Id.eq(f.id))
            .filter(filing::Column::Version.eq(f.version))
            .exec(txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(AppError::Conflict);
        }
        audit::record(
            txn,
            actor,
            Event::new(
                crate::domain::AuditAction::FilingDeadlineRecomputed,
                "filing",
            )
            .on(f.id)
            .before(json!({"due_on": period.due_on, "due_provisional": period.due_provisional}))
            .after(json!({"due_on": due.date, "due_provisional": due.provisional})),
            now,
        )
        .await?;
        moved += 1;
    }
    Ok(moved)
}

/// Where a filing's current period stands on `now`: open while submitted, else decided when the
/// decision that closed it was taken. None before its first receipt.
pub fn status_of(f: &filing::Model, now: DateTime<Utc>) -> Option<DeadlineStatus> {
    let due_on = f.due_on?;
    f.received_at?;
    let decided_on = match f.state {
        FilingState::Draft => return None,
        FilingState::Submitted => None,
        // A filing withdrawn after a return keeps the return as its last decision.
        _ => Some(china_date(f.decided_at?)),
    };
    Some(deadline::status(due_on, decided_on, china_date(now)))
}

/// The dashboard, over the filings the viewer may read (a submitter: their unit's).
#[tracing::instrument(skip_all, fields(use_case = "deadlines.dashboard"))]
pub async fn dashboard(uc: &UseCase, rows: Vec<FilingRow>) -> Result<DeadlineDashboard, AppError> {
    let user = uc.require(Capability::ReadFilings)?;
    let (db, now) = (uc.db(), uc.now);
    let today = china_date(now);
    let mut periods =
        review_period::Entity::find().filter(review_period::Column::ClosedAt.is_not_null());
    if user.role == Role::Submitter {
        let own: Vec<i32> = filing::Entity::find()
            .filter(filing::Column::UnitId.eq(user.unit_id.unwrap_or(-1)))
            .all(db)
            .await?
            .into_iter()
            .map(|f| f.id)
            .collect();
        periods = periods.filter(review_period::Column::FilingId.is_in(own));
    }
    let decided: Vec<_> = periods
        .all(db)
        .await?
        .into_iter()
        .filter_map(|p| Some((p.due_on, china_date(p.closed_at?))))
        .collect();
    let mut counts: Vec<(DeadlineStatus, u32)> =
        DeadlineStatus::ALL.iter().map(|s| (*s, 0)).collect();
    let mut bump = |status: DeadlineStatus| {
        if let Some(entry) = counts.iter_mut().find(|(s, _)| *s == status) {
            entry.1 += 1;
        }
    };
    for row in &rows {
        if let Some(status) = row.deadline.filter(|s| s.is_open()) {
            bump(status);
        }
    }
    for (due_on, decided_on) in &decided {
        if (decided_on.year(), decided_on.month()) == (today.year(), today.month()) {
            bump(deadline::status(*due_on, Some(*decided_on), today));
        }
    }
    let mut months = deadline::by_month(decided);
    months.truncate(12);
    let mut urgent: Vec<FilingRow> = rows
        .into_iter()
        .filter(|r| {
            matches!(
                r.deadline,
                Some(DeadlineStatus::DueToday | DeadlineStatus::Overdue)
            )
        })
        .collect();
    urgent.sort_by(|a, b| a.due_on.cmp(&b.due_on));
    Ok(DeadlineDashboard {
        today: today.to_string(),
        counts,
        months,
        urgent,
    })
}
