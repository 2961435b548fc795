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
use crate::domain::queue::{DueFilter, FilingQuery, QueueSort, QueueTab};
use crate::domain::report::china_start_of_day;
use crate::error::AppError;
use crate::model::{
    AttachmentView, FilingDetail, FilingPage, FilingRow, PeriodView, PlatformName, SessionUser,
};
use crate::server::use_case::UseCase;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use std::collections::HashMap;

fn platform_name(p: &platform::Model) -> PlatformName {
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
fn readable(user: &SessionUser) -> Result<Select<filing::Entity>, AppError> {
    if !user.role.reads_filings() {
        return Err(AppError::Forbidden);
    }
    let mut query = filing::Entity::find();
    if user.role == Role::Submitter {
        query = query.filter(filing::Column::UnitId.eq(user.unit_id.unwrap_or(-1)));
    }
    Ok(query)
}

/// The reviewers' queue order, in the database: submitted filings first, then those awaiting
/// Art. 12 completion (each soonest due first, then by receipt), then the rest newest first.
fn queue_rank() -> SimpleExpr {
    Expr::cust(
        "CASE WHEN state = 'submitted' THEN 0 \
         WHEN state = 'approved' AND completion_required THEN 1 ELSE 2 END",
    )
}

fn queue_due() -> SimpleExpr {
    // Only within the first two ranks; NULL elsewhere, so both databases order the rest by id.
    Expr::cust(
        "CASE WHEN state = 'submitted' OR (state = 'approved' AND completion_required) \
         THEN due_on END",
    )
}

fn queue_received() -> SimpleExpr {
    Expr::cust(
        "CASE WHEN state = 'submitted' OR (state = 'approved' AND completion_required) \
         THEN received_at END",
    )
}

/// The rows of `filings`, with where their review period stands on `now`. Units and platforms
/// are read for these rows only.
async fn rows(
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

/// One page of the filings the viewer may read that match `query` (issue 17, item 2: a tab, the
/// filters, a search by number or account name, a sort), with their total and how many stand
/// under each tab. Paged in the database (issue 15, item 10). Without a sort, reviewers get the
/// queue: those waiting for a decision first, soonest due first, then those awaiting completion,
/// then the rest; everyone else newest first.
#[tracing::instrument(skip_all, fields(use_case = "filing_views.list"))]
pub async fn list(uc: &UseCase, query: &FilingQuery) -> Result<FilingPage, AppError> {
    let (db, user, now) = (uc.db(), uc.user(), uc.now);
    let query = query.clone().sanitised();
    let readable = readable(user)?;
    let units = unit::Entity::find().all(db).await?;
    let platforms = platform::Entity::find()
        .order_by_asc(platform::Column::SortOrder)
        .order_by_asc(platform::Column::Id)
        .all(db)
        .await?;
    let filtered = readable.filter(filter(&query, &units, &platforms, china_date(now)));
    let tabs = tab_counts(db, filtered.clone()).await?;
    let on_tab = match query.tab {
        Some(tab) => filtered.filter(tab_condition(tab)),
        None => filtered,
    };
    let total = match query.tab {
        Some(tab) => tabs.iter().find(|(t, _)| *t == tab).map_or(0, |(_, n)| *n),
        None => tabs.iter().map(|(_, n)| n).sum(),
    };
    let ordered = match (query.sort, user.role) {
        (Some(sort), _) => {
            let order = if query.descending {
                Order::Desc
            } else {
                Order::Asc
            };
            let column = match sort {
                QueueSort::Number => filing::Column::Id,
                QueueSort::Received => filing::Column::ReceivedAt,
                QueueSort::Due => filing::Column::DueOn,
            };
            // Filings not yet received or without a due date go last either way.
            on_tab
                .order_by(column.is_null(), Order::Asc)
                .order_by(column, order)
        }
        (None, Role::Reviewer) => on_tab
            .order_by(queue_rank(), Order::Asc)
            .order_by(queue_due(), Order::Asc)
            .order_by(queue_received(), Order::Asc),
        (None, _) => on_tab,
    };
    let filings = ordered
        .order_by_desc(filing::Column::Id)
        .offset(query.offset())
        .limit(query.per_page)
        .all(db)
        .await?;
    Ok(FilingPage {
        rows: rows(db, filings, now).await?,
        page: query.page,
        per_page: query.per_page,
        total,
        tabs,
        units: if user.role == Role::Submitter {
            Vec::new()
        } else {
            super::units::host_options(&units)
        },
        platforms: platforms.iter().map(platform_name).collect(),
    })
}

/// The filings a tab lists, as a condition ([`QueueTab::of`] in SQL).
fn tab_condition(tab: QueueTab) -> Condition {
    let state = filing::Column::State;
    let awaiting = Condition::all()
        .add(state.eq(FilingState::Approved))
        .add(filing::Column::CompletionRequired.eq(true));
    match tab {
        QueueTab::Waiting => Condition::all().add(state.eq(FilingState::Submitted)),
        QueueTab::Completion => awaiting,
        QueueTab::Returned => Condition::all().add(state.eq(FilingState::Returned)),
        QueueTab::Drafts => Condition::all().add(state.eq(FilingState::Draft)),
        QueueTab::Closed => Condition::any()
            .add(state.is_in([
                FilingState::Rejected,
                FilingState::Withdrawn,
                FilingState::Completed,
            ]))
            .add(
                Condition::all()
                    .add(state.eq(FilingState::Approved))
                    .add(filing::Column::CompletionRequired.eq(false)),
            ),
    }
}

/// How many of `filtered` stand under each tab: one grouped count in the database.
async fn tab_counts(
    db: &DatabaseConnection,
    filtered: Select<filing::Entity>,
) -> Result<Vec<(QueueTab, u64)>, AppError> {
    let groups: Vec<(FilingState, bool, i64)> = filtered
        .select_only()
        .column(filing::Column::State)
        .column(filing::Column::CompletionRequired)
        .column_as(filing::Column::Id.count(), "n")
        .group_by(filing::Column::State)
        .group_by(filing::Column::CompletionRequired)
        .into_tuple()
        .all(db)
        .await?;
    Ok(QueueTab::ALL
        .iter()
        .map(|tab| {
            let n = groups
                .iter()
                .filter(|(state, required, _)| QueueTab::of(*state, *required) == *tab)
                .map(|(_, _, n)| u64::try_from(*n).unwrap_or(0))
                .sum();
            (*tab, n)
        })
        .collect())
}

/// The query's filters and search (the tab aside) as a condition on filings. A filter naming an
/// unknown unit or platform matches nothing. `today` is the viewer's date in China, for the due
/// filters, which concern filings under review.
fn filter(
    query: &FilingQuery,
    units: &[unit::Model],
    platforms: &[platform::Model],
    today: NaiveDate,
) -> Condition {
    let mut cond = Condition::all();
    if let Some(code) = &query.unit {
        let id = units.iter().find(|u| &u.code == code).map_or(-1, |u| u.id);
        cond = cond.add(filing::Column::UnitId.eq(id));
    }
    if let Some(code) = &query.platform {
        let id = platforms
            .iter()
            .find(|p| &p.code == code)
            .map_or(-1, |p| p.id);
        cond = cond.add(filing::Column::PlatformId.eq(id));
    }
    if let Some(kind) = query.kind {
        cond = cond.add(filing::Column::Kind.eq(kind));
    }
    if let Some(from) = query.received_from {
        cond = cond.add(filing::Column::ReceivedAt.gte(china_start_of_day(from)));
    }
    if let Some(to) = query.received_to {
        let next = to.succ_opt().unwrap_or(to);
        cond = cond.add(filing::Column::ReceivedAt.lt(china_start_of_day(next)));
    }
    if let Some(due) = query.due {
        cond = cond.add(filing::Column::State.eq(FilingState::Submitted));
        cond = cond.add(match due {
            DueFilter::Overdue => filing::Column::DueOn.lt(today),
            DueFilter::Today => filing::Column::DueOn.eq(today),
        });
    }
    if let Some(text) = &query.text {
        let pattern = || super::registry::contains_pattern(text);
        // A change, suspension or deregistration names its account through `account_id`; the
        // account's current name finds it too.
        let accounts = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Name.like(pattern()))
            .into_query();
        cond = cond.add(
            Condition::any()
                .add(filing::Column::Number.like(pattern()))
                .add(filing::Column::AccountName.like(pattern()))
                .add(filing::Column::AccountId.in_subquery(accounts)),
        );
    }
    cond
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
