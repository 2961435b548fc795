//! 待办 on the server (issue 17, item 1): the counts of what waits for the signed-in person (also
//! shown in the navigation on every page), those filings, what they decided or had decided
//! lately (已办), and the notices the outbox sent them.
use super::entities::{filing, outbox_message};
use super::filing_views::{readable, rows};
use super::use_case::UseCase;
use crate::domain::Role;
use crate::domain::calendar::china_date;
use crate::domain::filing::FilingState;
use crate::domain::todo::{TodoFacts, TodoItem, TodoTotals};
use crate::error::AppError;
use crate::model::{NoticeRow, SessionUser, TodoView};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

/// How many waiting filings the page lists (the queue has them all).
const LISTED: u64 = 50;
/// How many decided filings and notices the page lists.
const RECENT: u64 = 10;

/// The filings that may wait for `user`: [`TodoItem::next_for`] in SQL, a superset at worst (each
/// filing is then classified by the domain rule itself). `None` for a role with no filing work.
fn candidates(user: &SessionUser) -> Result<Option<Select<filing::Entity>>, AppError> {
    use filing::Column::*;
    let approved = || State.eq(FilingState::Approved);
    let condition = match user.role {
        Role::Reviewer => Condition::any()
            .add(State.eq(FilingState::Submitted))
            .add(
                Condition::all()
                    .add(State.is_in([FilingState::Approved, FilingState::Completed]))
                    .add(ReportedOn.is_null()),
            )
            .add(
                Condition::all()
                    .add(approved())
                    .add(CompletionRequired.eq(true))
                    .add(CompletionRecordedAt.is_not_null()),
            ),
        Role::Submitter => Condition::any()
            .add(State.is_in([FilingState::Returned, FilingState::Draft]))
            .add(
                Condition::all()
                    .add(approved())
                    .add(CompletionRequired.eq(true))
                    .add(CompletionRecordedAt.is_null()),
            ),
        Role::Admin | Role::Auditor | Role::SecurityAdmin => return Ok(None),
    };
    Ok(Some(readable(user)?.filter(condition)))
}

fn facts(f: &filing::Model) -> TodoFacts {
    TodoFacts {
        state: f.state,
        completion_required: f.completion_required,
        completion_recorded: f.completion_recorded_at.is_some(),
        reported: f.reported_on.is_some(),
    }
}

/// How many filings wait for `user` under each of their role's items: one grouped count, each
/// group classified by the domain's rule, and the urgent share of those under review.
pub async fn counts(
    db: &DatabaseConnection,
    user: &SessionUser,
    now: DateTime<Utc>,
) -> Result<Vec<(TodoItem, u64)>, AppError> {
    use filing::Column::*;
    let Some(candidates) = candidates(user)? else {
        return Ok(Vec::new());
    };
    let groups: Vec<(FilingState, bool, bool, bool, i64)> = candidates
        .select_only()
        .column(State)
        .column(CompletionRequired)
        .column_as(CompletionRecordedAt.is_not_null(), "recorded")
        .column_as(ReportedOn.is_not_null(), "reported")
        .column_as(Id.count(), "n")
        .group_by(State)
        .group_by(CompletionRequired)
        .group_by(CompletionRecordedAt.is_not_null())
        .group_by(ReportedOn.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let today = china_date(now);
    let mut counts = Vec::new();
    for item in TodoItem::of(user.role) {
        let n = match item {
            TodoItem::DueToday | TodoItem::Overdue => {
                let due = match item {
                    TodoItem::DueToday => DueOn.eq(today),
                    _ => DueOn.lt(today),
                };
                readable(user)?
                    .filter(State.eq(FilingState::Submitted))
                    .filter(due)
                    .count(db)
                    .await?
            }
            item => groups
                .iter()
                .filter(|(state, required, recorded, reported, _)| {
                    let facts = TodoFacts {
                        state: *state,
                        completion_required: *required,
                        completion_recorded: *recorded,
                        reported: *reported,
                    };
                    TodoItem::next_for(user.role, facts) == Some(*item)
                })
                .map(|(.., n)| u64::try_from(*n).unwrap_or(0))
                .sum(),
        };
        counts.push((*item, n));
    }
    Ok(counts)
}

/// The navigation's figures for `user` (nothing for a role with no filing work).
pub async fn totals(
    db: &DatabaseConnection,
    user: &SessionUser,
    now: DateTime<Utc>,
) -> Result<TodoTotals, AppError> {
    Ok(TodoTotals::of(&counts(db, user, now).await?))
}

/// The to-do page: the counts, the waiting filings (soonest due first, then oldest), the
/// filings decided lately, and the person's latest notices.
#[tracing::instrument(skip_all, fields(use_case = "todo.view"))]
pub async fn view(uc: &UseCase) -> Result<TodoView, AppError> {
    let (db, user, now) = (uc.db(), uc.user(), uc.now);
    let counts = counts(db, user, now).await?;
    let waiting = match candidates(user)? {
        Some(query) => {
            let filings: Vec<filing::Model> = query
                .order_by(filing::Column::DueOn.is_null(), Order::Asc)
                .order_by_asc(filing::Column::DueOn)
                .order_by_asc(filing::Column::Id)
                .limit(LISTED)
                .all(db)
                .await?;
            let items: Vec<Option<TodoItem>> = filings
                .iter()
                .map(|f| TodoItem::next_for(user.role, facts(f)))
                .collect();
            let listed = rows(db, filings, now).await?;
            items
                .into_iter()
                .zip(listed)
                .filter_map(|(item, row)| Some((item?, row)))
                .collect()
        }
        None => Vec::new(),
    };
    Ok(TodoView {
        today: china_date(now).to_string(),
        role: user.role,
        counts,
        waiting,
        done: done(db, user, now).await?,
        notices: notices(db, user).await?,
    })
}

/// 已办: the filings the reviewer decided, or the unit's filings decided, newest decision first.
async fn done(
    db: &DatabaseConnection,
    user: &SessionUser,
    now: DateTime<Utc>,
) -> Result<Vec<crate::model::FilingRow>, AppError> {
    let query = match user.role {
        Role::Reviewer => filing::Entity::find().filter(filing::Column::DecidedBy.eq(user.id)),
        Role::Submitter => readable(user)?.filter(filing::Column::DecidedAt.is_not_null()),
        Role::Admin | Role::Auditor | Role::SecurityAdmin => return Ok(Vec::new()),
    };
    let filings = query
        .order_by_desc(filing::Column::DecidedAt)
        .order_by_desc(filing::Column::Id)
        .limit(RECENT)
        .all(db)
        .await?;
    rows(db, filings, now).await
}

/// The notices the outbox queued for this person, newest first, each with its subject as the
/// e-mail has it.
async fn notices(db: &DatabaseConnection, user: &SessionUser) -> Result<Vec<NoticeRow>, AppError> {
    let messages = outbox_message::Entity::find()
        .filter(outbox_message::Column::RecipientUserId.eq(user.id))
        .order_by_desc(outbox_message::Column::CreatedAt)
        .order_by_desc(outbox_message::Column::Id)
        .limit(RECENT)
        .all(db)
        .await?;
    Ok(messages
        .into_iter()
        .map(|m| NoticeRow {
            at: m.created_at.to_rfc3339(),
            subject: super::outbox::subject_of(&m),
            filing_id: m.filing_id,
        })
        .collect())
}
