//! Reminders (Art. 11, Art. 29): on working days, from the office hour on, the scheduler queues one
//! reminder per filing due today or overdue, for the county office, and one per unit with
//! passwords due for rotation. Each run is one transaction that checks what is already queued, so
//! a run repeated (a restart, a second instance, the next tick) queues nothing twice; a server that
//! was down at the office hour catches up when it starts. Each reminder is shown in the UI and
//! queued as e-mail (to the reviewers, or to the unit's contacts) in the same transaction.
use super::audit::{self, Actor, Event};
use super::db::begin_write;
use super::entities::{account, filing, platform, reminder, unit};
use super::outbox::{self, Notice, NoticeKind};
use super::use_case::UseCase;
use crate::domain::calendar::{WorkingCalendar, china_date};
use crate::domain::deadline::{self, Settings};
use crate::domain::filing::FilingState;
use crate::domain::{Capability, Role};
use crate::error::AppError;
use crate::model::ReminderView;
use chrono::{DateTime, Datelike, Days, NaiveDate, Timelike, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

pub const FILING_DUE_TODAY: &str = "filing_due_today";
pub const FILING_OVERDUE: &str = "filing_overdue";
pub const PASSWORD_ROTATION: &str = "password_rotation";

/// What one run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// Not a working day (weekend, statutory holiday): nothing is sent.
    NotWorkingDay,
    /// Before the office hour (China time).
    BeforeOfficeHour,
    /// Queued this many new reminders (zero when the day's were already queued).
    Queued(u32),
}

/// The hour of `now` in China (UTC+8).
fn china_hour(now: DateTime<Utc>) -> u32 {
    (now.hour() + 8) % 24
}

/// The Monday of `day`'s week: units hear about rotations once a week, not every day.
fn week_start(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
        .unwrap_or(day)
}

/// Whether the day's reminders are due at `now`, on `calendar` under `settings`.
pub fn due_at(calendar: &WorkingCalendar, settings: &Settings, now: DateTime<Utc>) -> Option<Run> {
    if !calendar.is_working_day(china_date(now)).working {
        return Some(Run::NotWorkingDay);
    }
    if china_hour(now) < settings.reminder_hour {
        return Some(Run::BeforeOfficeHour);
    }
    None
}

/// One run of the scheduler at `now`: reminders of the filings due today or overdue (Art. 11) and
/// of the passwords due for rotation (Art. 29), each queued once, in one transaction.
#[tracing::instrument(skip_all, fields(use_case = "reminders.run"))]
pub async fn run(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Run, AppError> {
    let settings = super::deadlines::settings(db).await?;
    let calendar = super::calendar::load(db).await?;
    if let Some(skip) = due_at(&calendar, &settings, now) {
        return Ok(skip);
    }
    let txn = begin_write(db).await?;
    // Several instances on one PostgreSQL: the check below and the inserts are serialised.
    audit::lock(&txn).await?;
    let actor = Actor::system("reminders");
    let queued = remind_due_filings(&txn, &actor, now).await?
        + remind_rotations(&txn, &actor, &settings, now).await?;
    txn.commit().await?;
    Ok(Run::Queued(queued))
}

/// Art. 11: a reminder (and an e-mail to the reviewers) for each filing due today or overdue that
/// has none today yet. Returns how many were queued.
async fn remind_due_filings(
    txn: &DatabaseTransaction,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<u32, AppError> {
    let today = china_date(now);
    let mut queued = 0;
    let already: Vec<i32> = reminder::Entity::find()
        .filter(reminder::Column::OnDay.eq(today))
        .filter(reminder::Column::FilingId.is_not_null())
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|r| r.filing_id)
        .collect();
    let due = filing::Entity::find()
        .filter(filing::Column::State.eq(FilingState::Submitted))
        .filter(filing::Column::DueOn.lte(today))
        .order_by_asc(filing::Column::DueOn)
        .order_by_asc(filing::Column::Id)
        .all(txn)
        .await?;
    for f in due.into_iter().filter(|f| !already.contains(&f.id)) {
        let Some(due_on) = f.due_on else { continue };
        let kind = if due_on == today {
            FILING_DUE_TODAY
        } else {
            FILING_OVERDUE
        };
        let details = json!({"number": f.number, "due_on": due_on});
        // The reviewers hear of it by e-mail too.
        let notice = if due_on == today {
            NoticeKind::FilingDueToday
        } else {
            NoticeKind::FilingOverdue
        };
        let reviewers = outbox::reviewers(txn).await?;
        outbox::notify_filing(txn, notice, &f, &reviewers, now).await?;
        queue(
            txn,
            actor,
            kind,
            today,
            (Some(f.id), Some(f.unit_id)),
            details,
            now,
        )
        .await?;
        queued += 1;
    }
    Ok(queued)
}

/// Art. 29: accounts in use whose password is due for rotation, by host unit, leaving out the
/// units reminded this week.
async fn rotations_due(
    txn: &DatabaseTransaction,
    settings: &Settings,
    today: NaiveDate,
) -> Result<BTreeMap<i32, Vec<serde_json::Value>>, AppError> {
    let reminded_this_week: Vec<i32> = reminder::Entity::find()
        .filter(reminder::Column::Kind.eq(PASSWORD_ROTATION))
        .filter(reminder::Column::OnDay.gte(week_start(today)))
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|r| r.unit_id)
        .collect();
    let platforms: HashMap<i32, platform::Model> = platform::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut by_unit: BTreeMap<i32, Vec<serde_json::Value>> = BTreeMap::new();
    for a in account::Entity::find()
        .filter(account::Column::Status.ne(crate::domain::AccountStatus::Deregistered))
        .order_by_asc(account::Column::Id)
        .all(txn)
        .await?
    {
        if deadline::rotation_overdue(
            a.password_rotated_on,
            today,
            settings.password_rotation_days,
        ) && !reminded_this_week.contains(&a.host_unit_id)
        {
            by_unit.entry(a.host_unit_id).or_default().push(json!({
                "id": a.id, "name": a.name, "rotated_on": a.password_rotated_on,
                "platform_zh": platforms.get(&a.platform_id).map(|p| p.name_zh.as_str()),
                "platform_en": platforms.get(&a.platform_id).map(|p| p.name_en.as_str()),
            }));
        }
    }
    Ok(by_unit)
}

/// Art. 29: one reminder a week per unit with passwords due for rotation, and an e-mail to its
/// contacts. Returns how many were queued.
async fn remind_rotations(
    txn: &DatabaseTransaction,
    actor: &Actor,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<u32, AppError> {
    let today = china_date(now);
    let mut queued = 0;
    let by_unit = rotations_due(txn, settings, today).await?;
    for (unit_id, accounts) in by_unit {
        let details = json!({ "accounts": accounts });
        // Art. 29: the unit's contacts are told which passwords to change.
        let notice = Notice {
            kind: NoticeKind::PasswordRotation,
            filing_id: None,
            unit_id: Some(unit_id),
            params: json!({
                "accounts": accounts, "rotation_days": settings.password_rotation_days,
            }),
        };
        let contacts = outbox::unit_contacts(txn, unit_id, None).await?;
        outbox::enqueue(txn, &notice, &contacts, now).await?;
        queue(
            txn,
            actor,
            PASSWORD_ROTATION,
            today,
            (None, Some(unit_id)),
            details,
            now,
        )
        .await?;
        queued += 1;
    }
    Ok(queued)
}

async fn queue<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    kind: &str,
    today: NaiveDate,
    (filing_id, unit_id): (Option<i32>, Option<i32>),
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let created = reminder::ActiveModel {
        kind: Set(kind.to_string()),
        on_day: Set(today),
        filing_id: Set(filing_id),
        unit_id: Set(unit_id),
        details: Set(details.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut after =
        json!({"kind": kind, "on_day": today, "filing_id": filing_id, "unit_id": unit_id});
    if let (Some(object), Some(extra)) = (after.as_object_mut(), details.as_object()) {
        object.extend(extra.clone());
    }
    audit::record(
        txn,
        actor,
        Event::new(crate::domain::AuditAction::ReminderQueued, "reminder")
            .on(created.id)
            .after(after),
        now,
    )
    .await?;
    Ok(())
}

/// The reminders a person reads, newest first: the county office (and administrators and auditors)
/// read the filing reminders and every unit's; a submitter reads their unit's.
#[tracing::instrument(skip_all, fields(use_case = "reminders.list"))]
pub async fn list(uc: &UseCase) -> Result<Vec<ReminderView>, AppError> {
    let user = uc.require(Capability::ReadFilings)?;
    let db = uc.db();
    let mut query = reminder::Entity::find();
    if user.role == Role::Submitter {
        query = query.filter(reminder::Column::UnitId.eq(user.unit_id.unwrap_or(-1)));
    }
    let rows = query
        .order_by_desc(reminder::Column::OnDay)
        .order_by_desc(reminder::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    let units: HashMap<i32, String> = unit::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let details: serde_json::Value = serde_json::from_str(&r.details).unwrap_or_default();
            let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
            let accounts = details["accounts"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|a| {
                            Some((
                                i32::try_from(a["id"].as_i64()?).ok()?,
                                text(&a["name"])?,
                                text(&a["rotated_on"]),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            ReminderView {
                id: r.id,
                kind: r.kind,
                on_day: r.on_day.to_string(),
                unit_name: r
                    .unit_id
                    .and_then(|u| units.get(&u).cloned())
                    .unwrap_or_default(),
                filing: r.filing_id.zip(text(&details["number"])),
                due_on: text(&details["due_on"]),
                accounts,
            }
        })
        .collect())
}

/// Runs the scheduler inside the server: once at start (catching up a day whose office hour
/// passed while it was down), then every `tick`.
pub fn spawn(
    db: DatabaseConnection,
    clock: super::use_case::Clock,
    tick: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run(&db, clock.now()).await {
                Ok(Run::Queued(n)) if n > 0 => tracing::info!(queued = n, "reminders queued"),
                Ok(_) => {}
                Err(error) => tracing::warn!(?error, "reminder run failed; next tick retries"),
            }
            tokio::time::sleep(tick).await;
        }
    })
}
