//! The monthly monitoring report (Art. 34: 每月进行通报): the registry's counts, Art. 9
//! duplicates, Art. 29 custodians and password rotations, and Art. 11 review figures for a month.
use super::super::deadlines;
use super::super::entities::{account, platform, review_period, unit};
use super::super::use_case::UseCase;
use super::read_month;
use crate::domain::calendar::china_date;
use crate::domain::deadline;
use crate::domain::filing::{Art9Case, art9};
use crate::domain::report::{self, Month, ReviewPeriod, china_start_of_day};
use crate::domain::{AccountStatus, Capability, UnitKind};
use crate::error::AppError;
use crate::model::PlatformName;
use crate::report_api::{
    DuplicateGroup, ListedAccount, MissingCustodian, MonthlyReport, OverdueRotation, StatusCounts,
};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};

/// The monthly report for `month` (`YYYY-MM`; none: this month), for the county level.
/// Reports are the county level's: reviewers, administrators and auditors (Art. 34).
#[tracing::instrument(skip_all, fields(use_case = "report.monthly"))]
pub async fn monthly(uc: &UseCase, month: Option<&str>) -> Result<MonthlyReport, AppError> {
    uc.require(Capability::ReadReports)?;
    let (db, now) = (uc.db(), uc.now);
    let month = read_month(month, now)?;
    let today = china_date(now);
    let rotation_days = deadlines::settings(db).await?.password_rotation_days;
    let units: Vec<unit::Model> = unit::Entity::find()
        .order_by_asc(unit::Column::Id)
        .all(db)
        .await?;
    let platforms: Vec<platform::Model> = platform::Entity::find()
        .order_by_asc(platform::Column::SortOrder)
        .order_by_asc(platform::Column::Id)
        .all(db)
        .await?;
    // A county has dozens to a few hundred accounts: the report reads them at once.
    let accounts = account::Entity::find()
        .order_by_asc(account::Column::Id)
        .all(db)
        .await?;
    let unit_name: HashMap<i32, &str> = units.iter().map(|u| (u.id, u.name.as_str())).collect();
    let platform_names: HashMap<i32, PlatformName> = platforms
        .iter()
        .map(|p| (p.id, PlatformName::from(p)))
        .collect();
    let unit_kind: HashMap<i32, UnitKind> = units.iter().map(|u| (u.id, u.kind)).collect();
    let unit_rank: HashMap<i32, usize> = units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let platform_rank: HashMap<i32, usize> = platforms
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();

    let listed = |a: &account::Model, status: AccountStatus| ListedAccount {
        id: a.id,
        unit: unit_name
            .get(&a.host_unit_id)
            .copied()
            .unwrap_or_default()
            .to_string(),
        platform: platform_names
            .get(&a.platform_id)
            .cloned()
            .unwrap_or_else(|| PlatformName {
                code: String::new(),
                zh: String::new(),
                en: String::new(),
            }),
        name: a.name.clone(),
        status,
    };

    let mut total = StatusCounts::new();
    let mut by_platform: BTreeMap<(usize, i32), StatusCounts> = BTreeMap::new();
    let mut by_unit: BTreeMap<(usize, i32), StatusCounts> = BTreeMap::new();
    let mut live_by_pair: BTreeMap<(usize, i32, usize, i32), Vec<&account::Model>> =
        BTreeMap::new();
    let mut without_custodian = Vec::new();
    let mut rotation_overdue = Vec::new();
    for a in &accounts {
        let status = a.status;
        let unit_key = unit_rank
            .get(&a.host_unit_id)
            .copied()
            .unwrap_or(usize::MAX);
        let platform_key = platform_rank
            .get(&a.platform_id)
            .copied()
            .unwrap_or(usize::MAX);
        total.add(status);
        by_platform
            .entry((platform_key, a.platform_id))
            .or_default()
            .add(status);
        by_unit
            .entry((unit_key, a.host_unit_id))
            .or_default()
            .add(status);
        if !status.is_live() {
            continue;
        }
        // Art. 9: one live account per unit per platform; imported duplicates carry a waiver.
        live_by_pair
            .entry((unit_key, a.host_unit_id, platform_key, a.platform_id))
            .or_default()
            .push(a);
        // Art. 29: every live account has a designated custodian of its password.
        let name_missing = a.custodian_name.trim().is_empty();
        let mobile_missing = a.custodian_mobile.trim().is_empty();
        let key = (unit_key, platform_key, a.id);
        if name_missing || mobile_missing {
            let missing = MissingCustodian {
                account: listed(a, status),
                name_missing,
                mobile_missing,
            };
            without_custodian.push((key, missing));
        }
        // Art. 29: the password is changed periodically.
        if deadline::rotation_overdue(a.password_rotated_on, today, rotation_days) {
            let overdue = OverdueRotation {
                account: listed(a, status),
                rotated_on: a.password_rotated_on.map(|d| d.to_string()),
            };
            rotation_overdue.push((key, overdue));
        }
    }
    // Listed by unit, then platform, as the registry is.
    without_custodian.sort_by_key(|(key, _)| *key);
    rotation_overdue.sort_by_key(|(key, _)| *key);
    let duplicates = live_by_pair
        .into_values()
        .filter(|group| is_art9_duplicate(group, &unit_kind))
        .filter_map(|group| {
            let first = group.first()?;
            Some(DuplicateGroup {
                unit: unit_name
                    .get(&first.host_unit_id)
                    .copied()
                    .unwrap_or_default()
                    .to_string(),
                platform: platform_names.get(&first.platform_id).cloned()?,
                accounts: group
                    .iter()
                    .map(|a| (listed(a, a.status), a.art9_waiver.clone()))
                    .collect(),
            })
        })
        .collect();

    let review = review_figures(db, month, today).await?;
    Ok(MonthlyReport {
        month: month.to_string(),
        today: today.to_string(),
        accounts: total,
        by_platform: by_platform
            .into_iter()
            .filter_map(|((_, id), counts)| Some((platform_names.get(&id).cloned()?, counts)))
            .collect(),
        by_unit: by_unit
            .into_iter()
            .map(|((_, id), counts)| {
                let name = unit_name.get(&id).copied().unwrap_or_default().to_string();
                (name, counts)
            })
            .collect(),
        on_time_rate: review.month_figures().on_time_percent(),
        review,
        duplicates,
        without_custodian: without_custodian.into_iter().map(|(_, m)| m).collect(),
        rotation_overdue: rotation_overdue.into_iter().map(|(_, r)| r).collect(),
        rotation_days,
    })
}

/// Art. 9 ([`art9`] decides): a unit's live accounts on one platform are listed when one of them,
/// set against those before it, is a duplicate. Waivers are not asked: the list shows each
/// duplicate with its waiver beside it, imported legacy duplicates included (整改清单).
fn is_art9_duplicate(group: &[&account::Model], unit_kind: &HashMap<i32, UnitKind>) -> bool {
    group.iter().enumerate().any(|(before, a)| {
        let verdict = art9(Art9Case {
            // Only the duplicate half of the answer is read: a unit without a kind is asked
            // about as any unit that may host.
            unit_kind: unit_kind
                .get(&a.host_unit_id)
                .copied()
                .unwrap_or(UnitKind::Department),
            platform_approved: None,
            existing: (before > 0).then_some(before),
            waived: false,
        });
        verdict.duplicate_of.is_some()
    })
}

/// Art. 34 with Art. 11: the review periods that concern `month` — received in it, decided in it, or
/// open at its end — counted on the deadline clock's verdicts.
async fn review_figures(
    db: &DatabaseConnection,
    month: Month,
    today: chrono::NaiveDate,
) -> Result<report::ReviewFigures, AppError> {
    let as_of = month.as_of(today);
    let start = china_start_of_day(month.first_day());
    let end = china_start_of_day(as_of.succ_opt().unwrap_or(as_of));
    let periods = review_period::Entity::find()
        .filter(review_period::Column::ReceivedAt.lt(end))
        .filter(
            Condition::any()
                .add(review_period::Column::ClosedAt.is_null())
                .add(review_period::Column::ClosedAt.gte(start)),
        )
        .all(db)
        .await?;
    Ok(report::review_figures(
        month,
        periods.into_iter().map(|p| ReviewPeriod {
            received_on: china_date(p.received_at),
            due_on: p.due_on,
            decided_on: p.closed_at.map(china_date),
        }),
        today,
    ))
}
