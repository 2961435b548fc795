//! The e-mail outbox (DESIGN §5, STYLE 6): notices are rows written inside the transaction of the
//! change that causes them, so a change that rolls back queues nothing and a mail server that is
//! down loses nothing. The worker (in `server`) claims due rows with a lease, delivers them and
//! records the outcome here; several instances on one PostgreSQL skip each other's claimed rows.
use super::entities::{account, filing, outbox_message, platform, unit, user};
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::Locale;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

// The kinds live in a leaf module that both the outbox and the templates (`notices`) use, so
// neither imports the other both ways.
pub use super::notice_kind::NoticeKind;

mod admin;
mod delivery;
pub use admin::{PAGE_SIZE, list, page_address, retry, subject_of};
pub use delivery::{Outcome, claim, finish, renew};

/// Who a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A person with an e-mail address, in their language.
    User {
        id: i32,
        address: String,
        locale: Locale,
    },
    /// `COUNTY_OFFICE_EMAIL`, resolved by the worker.
    CountyOffice,
    /// `UPPER_LEVEL_EMAIL`, resolved by the worker.
    UpperLevel,
}

impl Recipient {
    fn kind(&self) -> &'static str {
        match self {
            Recipient::User { .. } => "user",
            Recipient::CountyOffice => "county_office",
            Recipient::UpperLevel => "upper_level",
        }
    }
}

/// A notice to queue: its kind, what it concerns and what it says.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NoticeKind,
    pub filing_id: Option<i32>,
    pub unit_id: Option<i32>,
    pub params: Value,
}

pub const STATUS_QUEUED: &str = "queued";
pub const STATUS_SENDING: &str = "sending";
pub const STATUS_SENT: &str = "sent";
pub const STATUS_FAILED: &str = "failed";
pub const STATUSES: [&str; 4] = [STATUS_QUEUED, STATUS_SENDING, STATUS_SENT, STATUS_FAILED];

/// A fresh Message-ID, fixed for the life of the message.
fn new_message_id() -> String {
    format!("<{}@registry.notices>", uuid::Uuid::new_v4().simple())
}

/// Queues `notice` for each recipient, inside the caller's transaction. Returns how many rows.
#[tracing::instrument(skip_all, fields(use_case = "outbox.enqueue"))]
pub async fn enqueue<C: ConnectionTrait>(
    txn: &C,
    notice: &Notice,
    recipients: &[Recipient],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let params = notice.params.to_string();
    let rows: Vec<outbox_message::ActiveModel> = recipients
        .iter()
        .map(|to| {
            let (user_id, address, locale) = match to {
                Recipient::User {
                    id,
                    address,
                    locale,
                } => (Some(*id), Some(address.clone()), *locale),
                // The offices read Chinese.
                _ => (None, None, Locale::ZhCn),
            };
            outbox_message::ActiveModel {
                message_id: Set(new_message_id()),
                kind: Set(notice.kind.as_str().into()),
                recipient_kind: Set(to.kind().into()),
                recipient_user_id: Set(user_id),
                recipient_address: Set(address),
                locale: Set(locale.tag().into()),
                params: Set(params.clone()),
                filing_id: Set(notice.filing_id),
                unit_id: Set(notice.unit_id),
                status: Set(STATUS_QUEUED.into()),
                attempts: Set(0),
                next_attempt_at: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    let count = rows.len();
    if count > 0 {
        outbox_message::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(count)
}

/// The person themselves, when they have an address, in their language.
pub fn person(u: user::Model) -> Option<Recipient> {
    let address = u.email.filter(|e| !e.trim().is_empty())?;
    Some(Recipient::User {
        id: u.id,
        address: address.trim().to_string(),
        locale: Locale::parse(&u.locale).unwrap_or_default(),
    })
}

/// The county office's reviewers who have an address.
pub async fn reviewers<C: ConnectionTrait>(txn: &C) -> Result<Vec<Recipient>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Reviewer))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .filter_map(person)
        .collect())
}

/// A unit's contacts (its active submitters with an address), and `also` (the filing's submitter)
/// if they are not among them already.
pub async fn unit_contacts<C: ConnectionTrait>(
    txn: &C,
    unit_id: i32,
    also: Option<i32>,
) -> Result<Vec<Recipient>, AppError> {
    let mut people = user::Entity::find()
        .filter(user::Column::UnitId.eq(unit_id))
        .filter(user::Column::Role.eq(Role::Submitter))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(txn)
        .await?;
    if let Some(id) = also
        && !people.iter().any(|u| u.id == id)
        && let Some(u) = user::Entity::find_by_id(id).one(txn).await?
        && u.active
    {
        people.push(u);
    }
    Ok(people.into_iter().filter_map(person).collect())
}

/// What a filing notice says: the filing's number, kind, unit, account and platform, its due date
/// and the decision's note. Never the custodian's name or mobile.
pub async fn filing_params<C: ConnectionTrait>(
    txn: &C,
    f: &filing::Model,
) -> Result<Value, AppError> {
    let unit = unit::Entity::find_by_id(f.unit_id).one(txn).await?;
    // A change, suspension or closure names its account; an opening names the account to be.
    let existing = match f.account_id {
        Some(id) => account::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let platform = match f.platform_id.or(existing.as_ref().map(|a| a.platform_id)) {
        Some(id) => platform::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let account_name = match &existing {
        Some(a) if f.account_name.trim().is_empty() => a.name.clone(),
        _ => f.account_name.clone(),
    };
    Ok(json!({
        "number": f.number,
        "filing_kind": f.kind,
        "unit": unit.map(|u| u.name).unwrap_or_default(),
        "account": account_name,
        "platform_zh": platform.as_ref().map(|p| p.name_zh.clone()).unwrap_or_default(),
        "platform_en": platform.as_ref().map(|p| p.name_en.clone()).unwrap_or_default(),
        "due_on": f.due_on,
        "due_provisional": f.due_provisional,
        "decided_at": f.decided_at,
        "note": f.decision_note,
        "reported_on": f.reported_on,
        "reported_to": f.reported_to,
        "reference": f.report_reference,
        "path": format!("/filings/{}", f.id),
    }))
}

/// Queues a notice about filing `f` to `recipients`.
pub async fn notify_filing<C: ConnectionTrait>(
    txn: &C,
    kind: NoticeKind,
    f: &filing::Model,
    recipients: &[Recipient],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let notice = Notice {
        kind,
        filing_id: Some(f.id),
        unit_id: Some(f.unit_id),
        params: filing_params(txn, f).await?,
    };
    enqueue(txn, &notice, recipients, now).await
}

/// A decision on a filing, to the submitter and the unit's contacts.
pub async fn notify_unit_of_decision<C: ConnectionTrait>(
    txn: &C,
    kind: NoticeKind,
    f: &filing::Model,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let to = unit_contacts(txn, f.unit_id, Some(f.created_by)).await?;
    notify_filing(txn, kind, f, &to, now).await
}
