//! Personal data in recorded events: custodians' mobiles masked, other units' custodians withheld.
use super::*;

/// The key under which events record a custodian's mobile (account and filing snapshots), and
/// the field name of a recorded change of it (`{"field": "custodian_mobile", "old", "new"}`).
pub(super) const MOBILE: &str = "custodian_mobile";

/// Masks every custodian's mobile in a recorded value (Art. 29 data; auditors and administrators
/// see it masked wherever it appears, the trail included).
pub fn mask_mobiles(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let a_mobile_change = map.get("field").and_then(Value::as_str) == Some(MOBILE);
            for (key, v) in map.iter_mut() {
                let holds_number =
                    key == MOBILE || (a_mobile_change && matches!(key.as_str(), "old" | "new"));
                match v {
                    Value::String(s) if holds_number => *s = masked_mobile(s),
                    other => mask_mobiles(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_mobiles),
        _ => {}
    }
}

/// Removes every trace of a custodian (name and mobile) from a recorded value: another unit's
/// custodian is withheld entirely (Art. 29 data is the unit's own), in histories too.
pub fn withhold_custodians(value: &mut Value) {
    const CUSTODIAN: [&str; 2] = ["custodian_name", MOBILE];
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !CUSTODIAN.contains(&key.as_str()));
            map.values_mut().for_each(withhold_custodians);
        }
        Value::Array(items) => {
            items.retain(|item| {
                !item
                    .get("field")
                    .and_then(Value::as_str)
                    .is_some_and(|f| CUSTODIAN.contains(&f))
            });
            items.iter_mut().for_each(withhold_custodians);
        }
        _ => {}
    }
}

/// Whether a recorded value holds a custodian's mobile (so showing it in full is a view to record).
pub fn holds_mobile(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            let a_mobile_change = map.get("field").and_then(Value::as_str) == Some(MOBILE);
            map.iter().any(|(key, v)| {
                let holds_number =
                    key == MOBILE || (a_mobile_change && matches!(key.as_str(), "old" | "new"));
                match v {
                    Value::String(s) if holds_number => !s.trim().is_empty(),
                    other => holds_mobile(other),
                }
            })
        }
        Value::Array(items) => items.iter().any(holds_mobile),
        _ => false,
    }
}
