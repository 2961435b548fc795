//! Reading filings for pages: lists scoped to the viewer, and one filing with its history, the rules'
//! findings and the steps the viewer may take.
use super::entities::{account, filing, filing_attachment, platform, review_period, unit};
use super::filings::{FieldChange, check_rules, facts, form_of};
use super::history::history;
use super::registry::{masked_mobile, record_custodian_view};
use crate::domain::CustodianAccess;
use crate::domain::Role;
use crate::domain::calendar::china_date;
use crate::domain::deadline;
use crate::domain::filing::{self as rules, Field, FilingKind, FilingState, Refusal};
use crate::error::AppError;
use crate::model::{
    AttachmentView, FilingDetail, FilingRow, PeriodView, PlatformName, SessionUser,
};
use crate::server::use_case::UseCase;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Select};
use std::collections::HashMap;

pub(super) fn platform_name(p: &platform::Model) -> PlatformName {
    PlatformName {
        code: p.code.clone(),
        zh: p.name_zh.clone(),
        en: p.name_en.clone(),
    }
}

/// A submitter reads their own unit's filings; the county office, administrators and auditors read
/// all of them.
fn may_read(user: &SessionUser, f: &filing::Model) -> Result<(), AppError> {
    if !user.role.reads_filings() {
        return Err(AppError::Forbidden);
    }
    if user.role == Role::Submitter && user.unit_id != Some(f.unit_id) {
        return Err(AppError::Refused(Refusal::OtherUnit));
    }
    Ok(())
}

/// The filings `user` may read: a submitter their unit's, the county office, administrators and
/// auditors all of them.
pub(super) fn readable(user: &SessionUser) -> Result<Select<filing::Entity>, AppError> {
    if !user.role.reads_filings() {
        return Err(AppError::Forbidden);
    }
    let mut query = filing::Entity::find();
    if user.role == Role::Submitter {
        query = query.filter(filing::Column::UnitId.eq(user.unit_id.unwrap_or(-1)));
    }
    Ok(query)
}

/// The rows of `filings`, with where their review period stands on `now`. Units and platforms
/// are read for these rows only.
pub(super) async fn rows(
    db: &DatabaseConnection,
    filings: Vec<filing::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<FilingRow>, AppError> {
    let unit_ids: Vec<i32> = filings.iter().map(|f| f.unit_id).collect();
    let platform_ids: Vec<i32> = filings.iter().filter_map(|f| f.platform_id).collect();
    let units: HashMap<i32, String> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(unit_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    // A suspension or deregistration names its account by id only: the list shows its name.
    let unnamed: Vec<i32> = filings
        .iter()
        .filter(|f| f.account_name.trim().is_empty())
        .filter_map(|f| f.account_id)
        .collect();
    let account_names: HashMap<i32, (String, i32)> = if unnamed.is_empty() {
        HashMap::new()
    } else {
        account::Entity::find()
            .filter(account::Column::Id.is_in(unnamed))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, (a.name, a.platform_id)))
            .collect()
    };
    let platform_ids: Vec<i32> = platform_ids
        .into_iter()
        .chain(account_names.values().map(|(_, p)| *p))
        .collect();
    let platforms: HashMap<i32, PlatformName> = platform::Entity::find()
        .filter(platform::Column::Id.is_in(platform_ids))
        .all(db)
        .await?
        .iter()
        .map(|p| (p.id, platform_name(p)))
        .collect();
    Ok(filings
        .into_iter()
        .map(|f| {
            let facts = facts(&f);
            let named = f.account_id.and_then(|id| account_names.get(&id));
            let account_name = match named {
                Some((name, _)) => name.clone(),
                None => f.account_name.clone(),
            };
            let platform_id = f.platform_id.or(named.map(|(_, p)| *p));
            FilingRow {
                id: f.id,
                number: f.number.clone(),
                kind: f.kind,
                state: facts.state,
                awaiting_completion: facts.awaiting_completion(),
                unit_name: units.get(&f.unit_id).cloned().unwrap_or_default(),
                account_name,
                platform: platform_id.and_then(|id| platforms.get(&id).cloned()),
                received_at: f.received_at.map(|t| t.to_rfc3339()),
                due_on: f.due_on.map(|d| (d.to_string(), f.due_provisional)),
                deadline: super::deadlines::status_of(&f, now),
            }
        })
        .collect())
}

/// The filings under review (submitted) that the viewer may read: the ones with an open review
/// period, for the deadline dashboard. Bounded by the county office's workload, not by history.
#[tracing::instrument(skip_all, fields(use_case = "filing_views.under_review"))]
pub async fn under_review(uc: &UseCase) -> Result<Vec<FilingRow>, AppError> {
    let (db, user, now) = (uc.db(), uc.user(), uc.now);
    let filings = readable(user)?
        .filter(filing::Column::State.eq(FilingState::Submitted))
        .order_by_asc(filing::Column::DueOn)
        .order_by_asc(filing::Column::Id)
        .all(db)
        .await?;
    rows(db, filings, now).await
}

/// A filing's form for its editor to change (the API's PATCH merges into it): read under the same
/// rule as the page, shown to nobody, so not recorded as a view.
#[tracing::instrument(skip_all, fields(use_case = "filing_views.editable_form"))]
pub async fn editable_form(
    uc: &UseCase,
    id: i32,
) -> Result<crate::domain::filing::FilingForm, AppError> {
    let (db, user) = (uc.db(), uc.user());
    let f = filing::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    may_read(user, &f)?;
    Ok(form_of(&f))
}

/// One filing as `user` may see it. The form is the 备案表 the unit filed with the county office
/// (Art. 11): the unit itself and the county office's reviewers see the custodian's mobile in
/// full, since they fill it in and call the custodian; administrators and auditors see it masked.
/// A mobile shown in full is recorded in the audit trail.
#[tracing::instrument(skip_all, fields(use_case = "filing_views.detail"))]
pub async fn detail(uc: &UseCase, id: i32) -> Result<FilingDetail, AppError> {
    let (db, user, meta, now) = (uc.db(), uc.user(), uc.meta(), uc.now);
    let f = filing::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    may_read(user, &f)?;
    let facts = facts(&f);
    let host = unit::Entity::find_by_id(f.unit_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let platforms = platform::Entity::find()
        .order_by_asc(platform::Column::SortOrder)
        .all(db)
        .await?;
    let kind = f.kind;
    let preparing = matches!(facts.state, FilingState::Draft | FilingState::Returned);
    let (issues, live_warnings, live_changes) = if preparing {
        let checked = check_rules(db, &f, now).await?;
        let changes = checked
            .changes
            .iter()
            .map(|c| (c.field, c.old.clone(), c.new.clone()))
            .collect();
        (checked.issues, checked.warnings, changes)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let stored_changes: Vec<FieldChange> = f
        .changes
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    let account = match f.account_id {
        Some(aid) => account::Entity::find_by_id(aid)
            .one(db)
            .await?
            .map(|a| (a.id, a.name)),
        None => None,
    };
    let attachments = filing_attachment::Entity::find()
        .filter(filing_attachment::Column::FilingId.eq(f.id))
        .order_by_asc(filing_attachment::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| AttachmentView {
            id: a.id,
            kind: a.kind,
            file_name: a.file_name,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
        })
        .collect();
    let access = user.viewer().custodian_access(f.unit_id);
    let full = access == CustodianAccess::Full;
    let mut form = form_of(&f);
    if !full {
        form.custodian_mobile = masked_mobile(&form.custodian_mobile);
    }
    let (history, history_shows_mobiles) = history(db, "filing", f.id, access).await?;
    let changes: Vec<(Field, String, String)> = if preparing {
        live_changes
    } else {
        stored_changes
            .into_iter()
            .map(|c| (c.field, c.old, c.new))
            .collect()
    };
    let changes: Vec<_> = changes
        .into_iter()
        .map(|(field, old, new)| match field {
            Field::CustodianMobile if !full => (field, masked_mobile(&old), masked_mobile(&new)),
            _ => (field, old, new),
        })
        .collect();
    let mut shown = Vec::new();
    if full && !form.custodian_mobile.trim().is_empty() {
        shown.push("form.custodian_mobile");
    }
    if full && changes.iter().any(|(f, _, _)| *f == Field::CustodianMobile) {
        shown.push("changes.custodian_mobile");
    }
    if full && history_shows_mobiles {
        shown.push("history.custodian_mobile");
    }
    let detail = FilingDetail {
        id: f.id,
        number: f.number.clone(),
        kind,
        state: facts.state,
        awaiting_completion: facts.awaiting_completion(),
        unit_name: host.name,
        unit_credit_code: host.credit_code,
        account,
        platform: f
            .platform_id
            .and_then(|pid| platforms.iter().find(|p| p.id == pid))
            .map(platform_name),
        form,
        issues,
        warnings: if preparing {
            live_warnings
        } else {
            f.warnings
                .as_deref()
                .and_then(|w| serde_json::from_str(w).ok())
                .unwrap_or_default()
        },
        changes,
        art9_waiver: f.art9_waiver.clone(),
        received_at: f.received_at.map(|t| t.to_rfc3339()),
        due_on: f.due_on.map(|d| (d.to_string(), f.due_provisional)),
        decision_note: f.decision_note.clone(),
        decided_at: f.decided_at.map(|t| t.to_rfc3339()),
        report: match (f.reported_on, &f.reported_to, &f.report_reference) {
            (Some(on), Some(to), Some(r)) => Some((on.to_string(), to.clone(), r.clone())),
            _ => None,
        },
        completion: match (f.platform_done_on, &f.announcement_url) {
            (Some(on), Some(url)) => Some((on.to_string(), url.clone())),
            _ => None,
        },
        attachments,
        actions: rules::available(user.role, user.id, user.unit_id, &facts),
        history,
        platforms: if kind == FilingKind::Open {
            platforms.iter().map(platform_name).collect()
        } else {
            Vec::new()
        },
        periods: review_period::Entity::find()
            .filter(review_period::Column::FilingId.eq(f.id))
            .order_by_asc(review_period::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|p| PeriodView {
                received_at: p.received_at.to_rfc3339(),
                working_days: u32::try_from(p.working_days).unwrap_or_default(),
                due_on: p.due_on.to_string(),
                provisional: p.due_provisional,
                closed_at: p.closed_at.map(|t| t.to_rfc3339()),
                outcome: p.outcome,
                status: deadline::status(p.due_on, p.closed_at.map(china_date), china_date(now)),
            })
            .collect(),
    };
    record_custodian_view(db, user, meta, "filing", id, &shown, now).await?;
    Ok(detail)
}
