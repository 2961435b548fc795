//! Recorded events as people name things (issue 17, item 6): nested records lifted to lines of
//! their own, filings found by the numbers events name them by. Histories and the trail share it.
use crate::error::AppError;
use crate::server::entities::filing;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// Nested records lifted to the event's own fields, so each reads as a line of its own: the
/// snapshot an opened account records (`account`) and the fields an approved change, suspension or
/// deregistration changed on it (`changes`). Lists (a submission's changes and warnings) stay as
/// they are. A field the event itself records wins over a nested one.
pub fn lift_nested(value: &mut serde_json::Value) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    for key in ["account", "changes"] {
        if let Some(serde_json::Value::Object(nested)) = map.get(key).cloned() {
            map.remove(key);
            for (k, v) in nested {
                map.entry(k).or_insert(v);
            }
        }
    }
}

/// The ids of filings by their numbers (account events name their filing by its number), for
/// links.
pub async fn filing_ids<C: ConnectionTrait>(
    db: &C,
    numbers: Vec<String>,
) -> Result<HashMap<String, i32>, AppError> {
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    let found: Vec<(i32, String)> = filing::Entity::find()
        .select_only()
        .column(filing::Column::Id)
        .column(filing::Column::Number)
        .filter(filing::Column::Number.is_in(numbers))
        .into_tuple()
        .all(db)
        .await?;
    Ok(found.into_iter().map(|(id, number)| (number, id)).collect())
}

/// The filing number an event names (`filing`), if any.
pub fn named_filing(changes: &[(String, String, String)]) -> Option<&str> {
    changes
        .iter()
        .find(|(key, _, new)| key == "filing" && !new.is_empty())
        .map(|(_, _, new)| new.as_str())
}
