//! The history of one entity as its page shows it: every audited change, oldest first, with the
//! fields that changed, custodians as the reader may see them (Art. 29). Filings and accounts
//! show it alike.
use super::audit_trail::{self, filing_ids, lift_nested, named_filing};
use super::entities::audit_event;
use crate::domain::{CustodianAccess, Role};
use crate::error::AppError;
use crate::model::HistoryEntry;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What the audit trail records about reading, not changing: not part of an entity's history.
const READS: [&str; 1] = [audit_trail::CUSTODIAN_VIEWED.as_str()];

/// The history of one entity, oldest first, with field-level differences, and whether it shows a
/// custodian's mobile. As `access` allows (Art. 29; the audit events keep them as filed): custodians
/// in full, their mobiles masked, or no custodian at all.
pub async fn history(
    db: &DatabaseConnection,
    entity_type: &str,
    id: i32,
    access: CustodianAccess,
) -> Result<(Vec<HistoryEntry>, bool), AppError> {
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::EntityType.eq(entity_type))
        .filter(audit_event::Column::EntityId.eq(id.to_string()))
        .filter(audit_event::Column::Action.is_not_in(READS))
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await?;
    let mut shows_mobiles = false;
    let entries = events
        .into_iter()
        .map(|e| {
            let mut parse = |s: &Option<String>| {
                let mut value = s
                    .as_deref()
                    .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
                    .unwrap_or_default();
                match access {
                    CustodianAccess::Full => shows_mobiles |= audit_trail::holds_mobile(&value),
                    CustodianAccess::Masked => audit_trail::mask_mobiles(&mut value),
                    CustodianAccess::Withheld => audit_trail::withhold_custodians(&mut value),
                }
                lift_nested(&mut value);
                value
            };
            let (before, after) = (parse(&e.before), parse(&e.after));
            let mut changes = Vec::new();
            if let Some(a) = after.as_object() {
                for (key, new) in a {
                    let old = before.get(key).map(text).unwrap_or_default();
                    let new = text(new);
                    if old != new {
                        changes.push((key.clone(), old, new));
                    }
                }
            }
            HistoryEntry {
                at: e.occurred_at.to_rfc3339(),
                actor: e.actor_username,
                role: e.actor_role.as_deref().and_then(Role::parse),
                action: e.action,
                changes,
                via_token: e.via_token_id,
                filing_id: None,
            }
        })
        .collect::<Vec<_>>();
    let numbers = entries
        .iter()
        .filter_map(|e| named_filing(&e.changes).map(str::to_string))
        .collect();
    let ids = filing_ids(db, numbers).await?;
    let entries = entries
        .into_iter()
        .map(|mut e| {
            e.filing_id = named_filing(&e.changes).and_then(|n| ids.get(n).copied());
            e
        })
        .collect();
    Ok((entries, shows_mobiles))
}
