//! Reading the registry: the filtered, paged list with its counts, and the custodian helpers the
//! entry, the filings and the audit trail share (one account's entry: [`super::account_entry`]).
use super::audit::{self, Actor, Event};
use super::entities::{account, platform, unit};
use super::use_case::{RequestMeta, UseCase};
use crate::domain::calendar::china_date;
use crate::domain::deadline;
use crate::domain::registry::RegistrySort;
use crate::domain::{AccountStatus, Capability, CustodianAccess, Mobile, RegistryQuery, Viewer};
use crate::error::AppError;
use crate::model::SessionUser;
use crate::model::{
    AccountRow, CustodianView, PlatformCount, PlatformName, RegistryView, StatusCount,
};
use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::HashMap;

/// Art. 29: accounts in use whose password was last rotated more than `days` days before `today`,
/// or never recorded.
fn rotation_overdue(today: NaiveDate, days: u32) -> Condition {
    let limit = today
        .checked_sub_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MIN);
    Condition::all()
        .add(account::Column::Status.ne(AccountStatus::Deregistered))
        .add(
            Condition::any()
                .add(account::Column::PasswordRotatedOn.is_null())
                .add(account::Column::PasswordRotatedOn.lt(limit)),
        )
}

/// `LIKE '%text%'` matching `text` literally: `%`, `_` and the escape character itself stand for
/// themselves, not for "anything" (a search for `%` finds names with a percent sign, not every
/// name).
pub(super) fn contains_pattern(text: &str) -> sea_orm::sea_query::LikeExpr {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')
}

/// A list's unit and platform filters, by code, as a condition on the columns holding their ids.
/// A code naming no unit or platform matches nothing.
pub(super) fn by_codes<C: ColumnTrait>(
    (unit_column, unit, units): (C, Option<&str>, &[unit::Model]),
    (platform_column, platform, platforms): (C, Option<&str>, &[platform::Model]),
) -> Condition {
    let mut cond = Condition::all();
    if let Some(code) = unit {
        let id = units.iter().find(|u| u.code == code).map_or(-1, |u| u.id);
        cond = cond.add(unit_column.eq(id));
    }
    if let Some(code) = platform {
        let id = platforms
            .iter()
            .find(|p| p.code == code)
            .map_or(-1, |p| p.id);
        cond = cond.add(platform_column.eq(id));
    }
    cond
}

/// The filter as a condition on accounts. A filter naming an unknown unit or platform matches nothing.
fn condition(
    query: &RegistryQuery,
    units: &[unit::Model],
    platforms: &[platform::Model],
    rotation: Condition,
) -> Condition {
    let mut cond = by_codes(
        (account::Column::HostUnitId, query.unit.as_deref(), units),
        (
            account::Column::PlatformId,
            query.platform.as_deref(),
            platforms,
        ),
    );
    if let Some(status) = query.status {
        cond = cond.add(account::Column::Status.eq(status));
    } else if query.in_use_only {
        cond = cond.add(account::Column::Status.ne(AccountStatus::Deregistered));
    }
    if let Some(text) = &query.text {
        let pattern = || contains_pattern(text);
        cond = cond.add(
            Condition::any()
                .add(account::Column::Name.like(pattern()))
                .add(account::Column::PlatformAccountId.like(pattern())),
        );
    }
    if query.rotation_overdue {
        cond = cond.add(rotation);
    }
    cond
}

/// The registry page's filter (`query`, paging aside) as a condition on accounts, for exports.
pub async fn export_condition(
    db: &DatabaseConnection,
    query: &RegistryQuery,
    now: DateTime<Utc>,
) -> Result<Condition, AppError> {
    let query = &query.clone().sanitised();
    let rotation_days = super::deadlines::settings(db).await?.password_rotation_days;
    let units = unit::Entity::find().all(db).await?;
    let platforms = platform::Entity::find().all(db).await?;
    Ok(condition(
        query,
        &units,
        &platforms,
        rotation_overdue(china_date(now), rotation_days),
    ))
}

/// The units and platforms a registry page names, in their display order.
async fn catalogue<C: ConnectionTrait>(
    db: &C,
) -> Result<(Vec<unit::Model>, Vec<platform::Model>), AppError> {
    let units = unit::Entity::find()
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?;
    let platforms = platform::Entity::find()
        .order_by_asc(platform::Column::SortOrder)
        .order_by_asc(platform::Column::Id)
        .all(db)
        .await?;
    Ok((units, platforms))
}

/// Art. 29: whether the account's password is due for rotation on `today` (never for a
/// deregistered account), under the county's interval.
pub(super) async fn rotation_overdue_for<C: ConnectionTrait>(
    db: &C,
    a: &account::Model,
    today: NaiveDate,
) -> Result<bool, AppError> {
    let rotation_days = super::deadlines::settings(db).await?.password_rotation_days;
    Ok(a.status != AccountStatus::Deregistered
        && deadline::rotation_overdue(a.password_rotated_on, today, rotation_days))
}

/// How many of the selected accounts are on each platform, and in each status.
async fn counts(
    db: &DatabaseConnection,
    cond: &Condition,
    platforms: &[platform::Model],
) -> Result<(Vec<PlatformCount>, Vec<StatusCount>), AppError> {
    let by_platform_raw: Vec<(i32, i64)> = account::Entity::find()
        .filter(cond.clone())
        .select_only()
        .column(account::Column::PlatformId)
        .column_as(account::Column::Id.count(), "n")
        .group_by(account::Column::PlatformId)
        .into_tuple()
        .all(db)
        .await?;
    let by_status_raw: Vec<(AccountStatus, i64)> = account::Entity::find()
        .filter(cond.clone())
        .select_only()
        .column(account::Column::Status)
        .column_as(account::Column::Id.count(), "n")
        .group_by(account::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let counts: HashMap<i32, u64> = by_platform_raw
        .into_iter()
        .map(|(id, n)| (id, n as u64))
        .collect();
    let by_platform = platforms
        .iter()
        .filter_map(|p| {
            counts.get(&p.id).map(|n| PlatformCount {
                platform: PlatformName::from(p),
                count: *n,
            })
        })
        .collect();
    let statuses: HashMap<AccountStatus, u64> = by_status_raw
        .into_iter()
        .map(|(s, n)| (s, n as u64))
        .collect();
    let by_status = AccountStatus::ALL
        .iter()
        .map(|s| StatusCount {
            status: *s,
            count: statuses.get(s).copied().unwrap_or(0),
        })
        .collect();
    Ok((by_platform, by_status))
}

/// The page's rows, as the list shows them.
fn rows(
    accounts: Vec<account::Model>,
    units: &[unit::Model],
    platforms: &[platform::Model],
    today: NaiveDate,
    rotation_days: u32,
) -> Result<Vec<AccountRow>, AppError> {
    let unit_by_id: HashMap<i32, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    let platform_by_id: HashMap<i32, &platform::Model> =
        platforms.iter().map(|p| (p.id, p)).collect();
    let platform_of = |id: i32| {
        platform_by_id
            .get(&id)
            .map(|p| PlatformName::from(*p))
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("account refers to platform {id}")))
    };
    accounts
        .into_iter()
        .map(|a| {
            let status = a.status;
            Ok(AccountRow {
                id: a.id,
                unit_name: unit_by_id
                    .get(&a.host_unit_id)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                platform: platform_of(a.platform_id)?,
                status,
                opened_on: a.opened_on,
                in_national_system: a.in_national_system,
                rotation_overdue: status != AccountStatus::Deregistered
                    && deadline::rotation_overdue(a.password_rotated_on, today, rotation_days),
                name: a.name,
            })
        })
        .collect()
}

/// One page of the registry. The registry itself (names, platforms, statuses) is open to every
/// signed-in role (Art. 16: the registry is the county's); custodians are not part of it.
#[tracing::instrument(skip_all, fields(use_case = "registry.page"))]
pub async fn page(uc: &UseCase, query: &RegistryQuery) -> Result<RegistryView, AppError> {
    uc.require(Capability::ReadRegistry)?;
    let db = uc.db();
    // The server function takes the query as the client sent it: held to the URL's bounds.
    let query = &query.clone().sanitised();
    let today = china_date(uc.now);
    let rotation_days = super::deadlines::settings(db).await?.password_rotation_days;
    let (units, platforms) = catalogue(db).await?;
    let overdue_now = || rotation_overdue(today, rotation_days);
    let cond = condition(query, &units, &platforms, overdue_now());
    let overdue = account::Entity::find()
        .filter(cond.clone())
        .filter(overdue_now())
        .count(db)
        .await?;
    let total = account::Entity::find()
        .filter(cond.clone())
        .count(db)
        .await?;
    let order = if query.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let sorted = match query.sort {
        Some(RegistrySort::Name) => account::Entity::find().order_by(account::Column::Name, order),
        // In the order an account moves through them, not by their codes' spelling.
        Some(RegistrySort::Status) => account::Entity::find().order_by(
            sea_orm::sea_query::Expr::cust(
                "CASE status WHEN 'active' THEN 0 WHEN 'suspended' THEN 1 ELSE 2 END",
            ),
            order,
        ),
        Some(RegistrySort::Opened) => {
            account::Entity::find().order_by(account::Column::OpenedOn, order)
        }
        None => account::Entity::find(),
    };
    let accounts = sorted
        .filter(cond.clone())
        .order_by_asc(account::Column::HostUnitId)
        .order_by_asc(account::Column::PlatformId)
        .order_by_asc(account::Column::Id)
        .offset(query.offset())
        .limit(query.per_page)
        .all(db)
        .await?;
    let (by_platform, by_status) = counts(db, &cond, &platforms).await?;
    Ok(RegistryView {
        rows: rows(accounts, &units, &platforms, today, rotation_days)?,
        total,
        by_platform,
        by_status,
        rotation_overdue: overdue,
        rotation_days,
        units: super::units::host_options(&units),
        platforms: platforms.iter().map(PlatformName::from).collect(),
    })
}

/// `138****1234`: a custodian's mobile as those who may not see it in full are shown it. Nothing
/// recorded gives nothing; a value that is not a mobile number is hidden whole.
pub fn masked_mobile(raw: &str) -> String {
    if raw.trim().is_empty() {
        return String::new();
    }
    Mobile::parse(raw).map_or_else(|_| "****".into(), |m| m.masked())
}

/// The custodian as the viewer may see it (Art. 29 data is non-public: a unit sees only its own).
pub(super) fn custodian_view(viewer: &Viewer, a: &account::Model) -> CustodianView {
    match viewer.custodian_access(a.host_unit_id) {
        CustodianAccess::Full => CustodianView::Shown {
            name: a.custodian_name.clone(),
            mobile: a.custodian_mobile.clone(),
            masked: false,
        },
        CustodianAccess::Masked => CustodianView::Shown {
            name: a.custodian_name.clone(),
            mobile: masked_mobile(&a.custodian_mobile),
            masked: true,
        },
        CustodianAccess::Withheld => CustodianView::Withheld,
    }
}

/// Records that `user` was shown a custodian's mobile in full (`custodian.viewed`): which record
/// and which of its fields, never the number itself (个人信息保护法 Art. 51; 等保 2.0 安全审计).
/// Called where the unmasked value is produced for a viewer, so pages, the API and exports all
/// leave the same trace; a view that cannot be recorded is not shown.
pub async fn record_custodian_view(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    entity_type: &str,
    id: i32,
    fields: &[&str],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if fields.is_empty() {
        return Ok(());
    }
    audit::record_read(
        db,
        &Actor::user(user, meta),
        Event::new(crate::domain::AuditAction::CustodianViewed, entity_type)
            .on(id)
            .after(json!({ "fields": fields })),
        now,
    )
    .await?;
    Ok(())
}
