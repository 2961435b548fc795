//! Reading the registry: the filtered, paged list with its counts, and one account's entry.
use super::audit::{self, Actor, Event};
use super::db::begin_write;
use super::entities::{account, platform, unit};
use super::use_case::RequestMeta;
use crate::domain::Role;
use crate::domain::calendar::china_date;
use crate::domain::deadline;
use crate::domain::filing::Refusal;
use crate::domain::{AccountStatus, CustodianAccess, Mobile, RegistryQuery, UnitKind, Viewer};
use crate::error::AppError;
use crate::error::Problem;
use crate::model::SessionUser;
use crate::model::{
    AccountDetail, AccountRow, CustodianView, PlatformCount, PlatformName, RegistryView,
    StatusCount, UnitOption,
};
use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use std::collections::HashMap;

fn platform_name(p: &platform::Model) -> PlatformName {
    PlatformName {
        code: p.code.clone(),
        zh: p.name_zh.clone(),
        en: p.name_en.clone(),
    }
}

fn status_of(code: &str) -> Result<AccountStatus, AppError> {
    AccountStatus::parse(code)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown account status {code}")))
}

/// Art. 29: accounts in use whose password was last rotated more than `days` days before `today`,
/// or never recorded.
fn rotation_overdue(today: NaiveDate, days: u32) -> Condition {
    let limit = today
        .checked_sub_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MIN);
    Condition::all()
        .add(account::Column::Status.ne(AccountStatus::Deregistered.as_str()))
        .add(
            Condition::any()
                .add(account::Column::PasswordRotatedOn.is_null())
                .add(account::Column::PasswordRotatedOn.lt(limit)),
        )
}

/// `LIKE '%text%'` matching `text` literally: `%`, `_` and the escape character itself stand for
/// themselves, not for "anything" (a search for `%` finds names with a percent sign, not every
/// name).
fn contains_pattern(text: &str) -> sea_orm::sea_query::LikeExpr {
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

/// The filter as a condition on accounts. A filter naming an unknown unit or platform matches nothing.
fn condition(
    query: &RegistryQuery,
    units: &[unit::Model],
    platforms: &[platform::Model],
    rotation: Condition,
) -> Condition {
    let mut cond = Condition::all();
    if let Some(code) = &query.unit {
        let id = units.iter().find(|u| &u.code == code).map_or(-1, |u| u.id);
        cond = cond.add(account::Column::HostUnitId.eq(id));
    }
    if let Some(code) = &query.platform {
        let id = platforms
            .iter()
            .find(|p| &p.code == code)
            .map_or(-1, |p| p.id);
        cond = cond.add(account::Column::PlatformId.eq(id));
    }
    if let Some(status) = query.status {
        cond = cond.add(account::Column::Status.eq(status.as_str()));
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

/// One page of the registry. The registry itself (names, platforms, statuses) is open to every
/// signed-in role; custodians are not part of it.
pub async fn page(
    db: &DatabaseConnection,
    _viewer: &Viewer,
    query: &RegistryQuery,
    now: DateTime<Utc>,
) -> Result<RegistryView, AppError> {
    // The server function takes the query as the client sent it: held to the URL's bounds.
    let query = &query.clone().sanitised();
    let today = china_date(now);
    let rotation_days = super::deadlines::settings(db).await?.password_rotation_days;
    let units = unit::Entity::find()
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?;
    let platforms = platform::Entity::find()
        .order_by_asc(platform::Column::SortOrder)
        .order_by_asc(platform::Column::Id)
        .all(db)
        .await?;
    let cond = condition(
        query,
        &units,
        &platforms,
        rotation_overdue(today, rotation_days),
    );
    let overdue = account::Entity::find()
        .filter(cond.clone())
        .filter(rotation_overdue(today, rotation_days))
        .count(db)
        .await?;

    let total = account::Entity::find()
        .filter(cond.clone())
        .count(db)
        .await?;
    let rows = account::Entity::find()
        .filter(cond.clone())
        .order_by_asc(account::Column::HostUnitId)
        .order_by_asc(account::Column::PlatformId)
        .order_by_asc(account::Column::Id)
        .offset(query.offset())
        .limit(query.per_page)
        .all(db)
        .await?;
    let by_platform_raw: Vec<(i32, i64)> = account::Entity::find()
        .filter(cond.clone())
        .select_only()
        .column(account::Column::PlatformId)
        .column_as(account::Column::Id.count(), "n")
        .group_by(account::Column::PlatformId)
        .into_tuple()
        .all(db)
        .await?;
    let by_status_raw: Vec<(String, i64)> = account::Entity::find()
        .filter(cond)
        .select_only()
        .column(account::Column::Status)
        .column_as(account::Column::Id.count(), "n")
        .group_by(account::Column::Status)
        .into_tuple()
        .all(db)
        .await?;

    let unit_by_id: HashMap<i32, &unit::Model> = units.iter().map(|u| (u.id, u)).collect();
    let platform_by_id: HashMap<i32, &platform::Model> =
        platforms.iter().map(|p| (p.id, p)).collect();
    let platform_of = |id: i32| {
        platform_by_id
            .get(&id)
            .map(|p| platform_name(p))
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("account refers to platform {id}")))
    };

    let rows = rows
        .into_iter()
        .map(|a| {
            Ok(AccountRow {
                id: a.id,
                unit_name: unit_by_id
                    .get(&a.host_unit_id)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                platform: platform_of(a.platform_id)?,
                status: status_of(&a.status)?,
                opened_on: a.opened_on,
                in_national_system: a.in_national_system,
                rotation_overdue: status_of(&a.status)? != AccountStatus::Deregistered
                    && deadline::rotation_overdue(a.password_rotated_on, today, rotation_days),
                name: a.name,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let counts: HashMap<i32, u64> = by_platform_raw
        .into_iter()
        .map(|(id, n)| (id, n as u64))
        .collect();
    let by_platform = platforms
        .iter()
        .filter_map(|p| {
            counts.get(&p.id).map(|n| PlatformCount {
                platform: platform_name(p),
                count: *n,
            })
        })
        .collect();
    let statuses: HashMap<String, u64> = by_status_raw
        .into_iter()
        .map(|(s, n)| (s, n as u64))
        .collect();
    let by_status = AccountStatus::ALL
        .iter()
        .map(|s| StatusCount {
            status: *s,
            count: statuses.get(s.as_str()).copied().unwrap_or(0),
        })
        .collect();

    Ok(RegistryView {
        rows,
        total,
        by_platform,
        by_status,
        rotation_overdue: overdue,
        rotation_days,
        units: units
            .iter()
            .filter(|u| UnitKind::parse(&u.kind).is_some_and(UnitKind::may_host_accounts))
            .map(|u| UnitOption {
                code: u.code.clone(),
                name: u.name.clone(),
            })
            .collect(),
        platforms: platforms.iter().map(platform_name).collect(),
    })
}

/// `138****1234`: a custodian's mobile as those who may not see it in full are shown it. Nothing
/// recorded gives nothing; a value that is not a mobile number is hidden whole.
pub fn masked_mobile(raw: &str) -> String {
    if raw.trim().is_empty() {
        return String::new();
    }
    Mobile::parse(raw)
        .map(|m| m.masked())
        .unwrap_or_else(|_| "****".into())
}

/// The custodian as the viewer may see it (Art. 29 data is non-public: a unit sees only its own).
fn custodian_view(viewer: &Viewer, a: &account::Model) -> CustodianView {
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
        Event {
            action: super::audit_trail::CUSTODIAN_VIEWED,
            entity_type,
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({ "fields": fields })),
        },
        now,
    )
    .await?;
    Ok(())
}

async fn find_account(db: &DatabaseConnection, id: i32) -> Result<account::Model, AppError> {
    account::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// An account's registry entry with its custodian and history as far as `user` may see them; a
/// mobile shown in full is recorded in the audit trail.
pub async fn detail(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    now: DateTime<Utc>,
) -> Result<AccountDetail, AppError> {
    let viewer = user.viewer();
    let a = find_account(db, id).await?;
    let rotation_days = super::deadlines::settings(db).await?.password_rotation_days;
    let live = status_of(&a.status)?.is_live();
    let host = unit::Entity::find_by_id(a.host_unit_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("account {id} without unit")))?;
    let p = platform::Entity::find_by_id(a.platform_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("account {id} without platform")))?;
    let access = viewer.custodian_access(a.host_unit_id);
    let (history, history_shows_mobiles) =
        super::filing_views::history(db, "account", a.id, access).await?;
    let mut shown = Vec::new();
    if access == CustodianAccess::Full && !a.custodian_mobile.trim().is_empty() {
        shown.push("custodian_mobile");
    }
    if access == CustodianAccess::Full && history_shows_mobiles {
        shown.push("history.custodian_mobile");
    }
    // Issue 15, item 11: one request at a time per account; the page names the open one to
    // those who may read it (a submitter: their own unit's).
    let reads_it = user.role.reads_filings()
        && (user.role != crate::domain::Role::Submitter || user.unit_id == Some(a.host_unit_id));
    let pending_filing = match reads_it {
        true => super::filings::open_on_account(db, a.id, None, false)
            .await?
            .map(|f| (f.id, f.number)),
        false => None,
    };
    let detail = AccountDetail {
        custodian: custodian_view(&viewer, &a),
        may_file: viewer.role == crate::domain::Role::Submitter
            && viewer.unit_id == Some(a.host_unit_id)
            && live
            && pending_filing.is_none(),
        pending_filing,
        rotation_overdue: status_of(&a.status)? != AccountStatus::Deregistered
            && deadline::rotation_overdue(a.password_rotated_on, china_date(now), rotation_days),
        may_record_rotation: may_record_rotation(&viewer, &a)
            && status_of(&a.status)? != AccountStatus::Deregistered,
        history,
        id: a.id,
        unit_name: host.name,
        unit_code: host.code,
        unit_kind: UnitKind::parse(&host.kind)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("unit kind {}", host.kind)))?,
        unit_credit_code: host.credit_code,
        platform: platform_name(&p),
        platform_account_id: a.platform_account_id,
        verification_subject: a.verification_subject,
        operating_unit: a.operating_unit,
        outsourced: a.outsourced,
        purpose: a.purpose,
        opened_on: a.opened_on,
        status: status_of(&a.status)?,
        in_national_system: a.in_national_system,
        password_rotated_on: a.password_rotated_on,
        name: a.name,
    };
    record_custodian_view(db, user, meta, "account", id, &shown, now).await?;
    Ok(detail)
}

/// The custodian alone; refused outright to a viewer who may not see it. A mobile shown in full is
/// recorded in the audit trail.
pub async fn custodian(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    now: DateTime<Utc>,
) -> Result<CustodianView, AppError> {
    let a = find_account(db, id).await?;
    match custodian_view(&user.viewer(), &a) {
        CustodianView::Withheld => Err(AppError::Forbidden),
        shown => {
            if let CustodianView::Shown {
                masked: false,
                mobile,
                ..
            } = &shown
                && !mobile.trim().is_empty()
            {
                record_custodian_view(db, user, meta, "account", id, &["custodian_mobile"], now)
                    .await?;
            }
            Ok(shown)
        }
    }
}

/// Art. 29: the host unit records its custodian's password rotations (never the password); the
/// administrators may correct the record.
fn may_record_rotation(viewer: &Viewer, a: &account::Model) -> bool {
    match viewer.role {
        Role::Submitter => viewer.unit_id == Some(a.host_unit_id),
        Role::Admin => true,
        Role::Reviewer | Role::Auditor | Role::SecurityAdmin => false,
    }
}

/// Records that the custodian changed the account's password on `rotated_on` (YYYY-MM-DD, China
/// date, not in the future, not before the account was opened).
pub async fn record_rotation(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    id: i32,
    rotated_on: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let date = NaiveDate::parse_from_str(rotated_on.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("rotated_on", Problem::BadDate))?;
    if date > china_date(now) {
        return Err(AppError::invalid("rotated_on", Problem::FutureDate));
    }
    let txn = begin_write(db).await?;
    let a = account::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_record_rotation(&user.viewer(), &a) {
        return Err(AppError::Forbidden);
    }
    if status_of(&a.status)? == AccountStatus::Deregistered {
        return Err(AppError::Refused(Refusal::WrongState));
    }
    if date < a.opened_on {
        return Err(AppError::invalid("rotated_on", Problem::BeforeOpening));
    }
    let before = a.password_rotated_on;
    if before == Some(date) {
        // The same date posted again (a resent form): already on record.
        return Ok(());
    }
    let mut edit = a.into_active_model();
    edit.password_rotated_on = Set(Some(date));
    edit.updated_at = Set(now);
    edit.update(&txn).await?;
    audit::record(
        &txn,
        &Actor::user(user, meta),
        Event {
            action: crate::domain::AuditAction::AccountPasswordRotated,
            entity_type: "account",
            entity_id: Some(id.to_string()),
            before: Some(json!({ "password_rotated_on": before })),
            after: Some(json!({ "password_rotated_on": date })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
