//! The filings list as a queue (issue 17, item 2): the tabs by where filings stand, the filters and
//! search, the sort and the page, in the database, for what the viewer may read.
use super::entities::{account, filing, platform, unit};
use super::filing_views::{platform_name, readable, rows};
use crate::domain::Role;
use crate::domain::calendar::china_date;
use crate::domain::filing::FilingState;
use crate::domain::queue::{DueFilter, FilingQuery, QueueSort, QueueTab};
use crate::domain::report::china_start_of_day;
use crate::error::AppError;
use crate::model::FilingPage;
use crate::server::use_case::UseCase;
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};

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

/// One page of the filings the viewer may read that match `query` (issue 17, item 2: a tab, the
/// filters, a search by number or account name, a sort), with their total and how many stand
/// under each tab. Paged in the database (issue 15, item 10). Without a sort, reviewers get the
/// queue: those waiting for a decision first, soonest due first, then those awaiting completion,
/// then the rest; everyone else newest first.
#[tracing::instrument(skip_all, fields(use_case = "filing_queue.list"))]
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
    let mut cond = super::registry::by_codes(
        (filing::Column::UnitId, query.unit.as_deref(), units),
        (
            filing::Column::PlatformId,
            query.platform.as_deref(),
            platforms,
        ),
    );
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
