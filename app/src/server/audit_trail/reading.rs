//! Reading the trail page by page (recorded as `audit.viewed`).
use super::filter::*;
use super::naming::{filing_ids, lift_nested, named_filing};
use super::personal::*;
use super::*;
use crate::server::entities::{account, filing, user};
use std::collections::HashMap;

pub(super) fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A recorded value, parsed, with custodians' mobiles masked (the trail's readers are auditors,
/// who see them masked). Text that is not JSON is kept as a string.
pub(super) fn recorded(raw: Option<&str>) -> Value {
    let Some(raw) = raw else {
        return Value::Null;
    };
    let mut value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.into()));
    mask_mobiles(&mut value);
    value
}

/// (field, before, after) for every field either side records; a value that is not an object is
/// one line with an empty field name.
pub(super) fn changes(before: &Value, after: &Value) -> Vec<(String, String, String)> {
    let empty = serde_json::Map::new();
    match (before, after) {
        (Value::Object(_) | Value::Null, Value::Object(_) | Value::Null) => {
            let b = before.as_object().unwrap_or(&empty);
            let a = after.as_object().unwrap_or(&empty);
            let mut lines: Vec<_> = a
                .iter()
                .map(|(k, v)| (k.clone(), b.get(k).map(text).unwrap_or_default(), text(v)))
                .collect();
            lines.extend(
                b.iter()
                    .filter(|(k, _)| !a.contains_key(*k))
                    .map(|(k, v)| (k.clone(), text(v), String::new())),
            );
            lines
        }
        _ => vec![(String::new(), text(before), text(after))],
    }
}

pub(super) fn row(e: audit_event::Model) -> AuditEventRow {
    let mut before = recorded(e.before.as_deref());
    let mut after = recorded(e.after.as_deref());
    lift_nested(&mut before);
    lift_nested(&mut after);
    AuditEventRow {
        id: e.id,
        at: e.occurred_at.to_rfc3339(),
        role: e.actor_role.as_deref().and_then(Role::parse),
        actor: e.actor_username,
        source_ip: e.source_ip,
        peer_ip: e.peer_ip,
        request_id: e.request_id,
        via_token: e.via_token_id,
        action: e.action,
        entity_type: e.entity_type,
        entity_id: e.entity_id,
        changes: changes(&before, &after),
        object_name: None,
        filing_id: None,
    }
}

/// The ids on a page of one kind of object, as numbers.
fn ids_of(rows: &[AuditEventRow], entity_type: &str) -> Vec<i32> {
    rows.iter()
        .filter(|r| r.entity_type == entity_type)
        .filter_map(|r| r.entity_id.as_deref()?.parse().ok())
        .collect()
}

/// Names each row's object as people know it (issue 17, item 6): a filing by its number, an
/// account by its name, a user by their username; and links the filing an account's event names.
async fn name_objects<C: ConnectionTrait>(
    db: &C,
    rows: &mut [AuditEventRow],
) -> Result<(), AppError> {
    let filings: HashMap<i32, String> = filing::Entity::find()
        .select_only()
        .columns([filing::Column::Id, filing::Column::Number])
        .filter(filing::Column::Id.is_in(ids_of(rows, "filing")))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let accounts: HashMap<i32, String> = account::Entity::find()
        .select_only()
        .columns([account::Column::Id, account::Column::Name])
        .filter(account::Column::Id.is_in(ids_of(rows, "account")))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let users: HashMap<i32, String> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::Username])
        .filter(user::Column::Id.is_in(ids_of(rows, "user")))
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let numbers = rows
        .iter()
        .filter_map(|r| named_filing(&r.changes).map(str::to_string))
        .collect();
    let by_number = filing_ids(db, numbers).await?;
    for r in rows.iter_mut() {
        let names = match r.entity_type.as_str() {
            "filing" => &filings,
            "account" => &accounts,
            "user" => &users,
            _ => continue,
        };
        let id = r.entity_id.as_deref().and_then(|id| id.parse::<i32>().ok());
        r.object_name = id.and_then(|id| names.get(&id).cloned());
        r.filing_id = named_filing(&r.changes).and_then(|n| by_number.get(n).copied());
    }
    Ok(())
}

/// Appends one event in a transaction of its own.
pub(super) async fn record_alone(
    db: &DatabaseConnection,
    actor: &Actor,
    event: Event<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    audit::record(&txn, actor, event, now).await?;
    txn.commit().await?;
    Ok(())
}

/// One page of the trail, newest first, for an auditor. The reading is recorded
/// (`audit.viewed`, with the filter and the page).
#[tracing::instrument(skip_all, fields(use_case = "audit_trail.page"))]
pub async fn page(uc: &UseCase, filter: &AuditFilter) -> Result<AuditTrailView, AppError> {
    may_read(uc)?;
    let (db, now) = (uc.db(), uc.now);
    let cond = condition(&criteria(filter)?);
    let total = audit_event::Entity::find()
        .filter(cond.clone())
        .count(db)
        .await?;
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = filter.page.clamp(1, pages);
    let rows = audit_event::Entity::find()
        .filter(cond)
        .order_by_desc(audit_event::Column::Id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(db)
        .await?;
    let mut rows: Vec<AuditEventRow> = rows.into_iter().map(row).collect();
    name_objects(db, &mut rows).await?;
    let entity_types: Vec<String> = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::EntityType)
        .distinct()
        .order_by_asc(audit_event::Column::EntityType)
        .into_tuple()
        .all(db)
        .await?;
    let archive = audit::latest_archive(db).await?.map(|a| AuditArchiveNote {
        archived_at: a.archived_at.to_rfc3339(),
        up_to_event_id: a.up_to_event_id,
        event_count: a.event_count,
        file_name: a.file_name,
        file_sha256: a.file_sha256,
    });
    // The filter and the page: what was asked, the same however often the page renders.
    let mut after = recorded_filter(filter);
    after["page"] = page.into();
    audit::record_read(
        db,
        &Actor::user(uc.user(), uc.meta()),
        Event::new(crate::domain::AuditAction::AuditViewed, "audit").after(after),
        now,
    )
    .await?;
    Ok(AuditTrailView {
        filter: AuditFilter {
            page,
            ..filter.clone()
        },
        rows,
        total,
        page,
        pages,
        entity_types,
        archive,
    })
}
