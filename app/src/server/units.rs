//! Units (主办单位): creating them with a checked unified social credit code.
use super::audit::{self, Actor, Event};
use super::db::begin_write;
use super::entities::unit;
use crate::domain::{CreditCode, UnitKind};
use crate::error::{AppError, Problem, Shaped};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, SqlErr,
};
use serde::{Deserialize, Serialize};
use validator::Validate;

/// A unit as typed into a form or a seed file; its code and name as wide as their columns.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
pub struct NewUnit {
    #[validate(length(min = 1, max = 32))]
    pub code: String,
    pub kind: String,
    #[validate(length(min = 1, max = 128))]
    pub name: String,
    pub short_name: Option<String>,
    pub credit_code: Option<String>,
    pub parent_code: Option<String>,
}

impl Shaped for NewUnit {
    const FIELDS: &'static [&'static str] = &["code", "name"];
}

/// Checks a new unit and turns it into a row, without touching the database.
fn check(new: &NewUnit) -> Result<(UnitKind, Option<CreditCode>), AppError> {
    let kind =
        UnitKind::parse(new.kind.trim()).ok_or(AppError::invalid("kind", Problem::Required))?;
    NewUnit {
        code: new.code.trim().to_string(),
        name: new.name.trim().to_string(),
        ..new.clone()
    }
    .check_shape()?;
    let credit_code = match new
        .credit_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => {
            Some(CreditCode::parse(code).map_err(|e| AppError::invalid("credit_code", e.into()))?)
        }
        // Internal divisions (内设机构) have no code of their own; every other unit does.
        None if kind == UnitKind::InternalDivision => None,
        None => return Err(AppError::invalid("credit_code", Problem::Required)),
    };
    Ok((kind, credit_code))
}

/// Inserts a unit and its audit event on an open transaction.
pub async fn insert<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    new: &NewUnit,
    now: DateTime<Utc>,
) -> Result<unit::Model, AppError> {
    let (kind, credit_code) = check(new)?;
    let parent_id = match new.parent_code.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => Some(
            unit::Entity::find()
                .filter(unit::Column::Code.eq(code))
                .one(txn)
                .await?
                .ok_or(AppError::invalid("parent", Problem::UnknownUnit))?
                .id,
        ),
        None => None,
    };
    let created = unit::ActiveModel {
        code: Set(new.code.trim().to_string()),
        kind: Set(kind),
        name: Set(new.name.trim().to_string()),
        short_name: Set(new.short_name.clone()),
        credit_code: Set(credit_code.map(String::from)),
        parent_id: Set(parent_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        // The code and the credit code are unique (held by the database).
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict,
        _ => AppError::from(e),
    })?;
    audit::record(
        txn,
        actor,
        Event::new(crate::domain::AuditAction::UnitCreated, "unit")
            .on(created.id)
            .after(serde_json::json!({
                "code": created.code,
                "kind": created.kind,
                "name": created.name,
                "credit_code": created.credit_code,
            })),
        now,
    )
    .await?;
    Ok(created)
}

/// Creates one unit in its own transaction.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewUnit,
    now: DateTime<Utc>,
) -> Result<unit::Model, AppError> {
    check(new)?;
    let txn = begin_write(db).await?;
    let created = insert(&txn, actor, new, now).await?;
    txn.commit().await?;
    Ok(created)
}

/// The units that may host accounts (Art. 9: internal divisions host none), as a form's choices,
/// in the order of their names' pinyin, as a Chinese reader looks for them (issue 17, item 10).
pub fn host_options(units: &[unit::Model]) -> Vec<crate::model::UnitOption> {
    let mut options: Vec<_> = units
        .iter()
        .filter(|u| u.kind.may_host_accounts())
        .map(|u| crate::model::UnitOption {
            code: u.code.clone(),
            name: u.name.clone(),
        })
        .collect();
    options.sort_by_cached_key(|o| (pinyin_key(&o.name), o.name.clone()));
    options
}

/// A name spelled out in pinyin without tones, a syllable per character (other characters as
/// they are), for sorting: 公安局 `gong an ju` before 教育委员会 `jiao yu wei yuan hui`.
pub fn pinyin_key(name: &str) -> String {
    use pinyin::ToPinyin;
    name.chars()
        .map(|c| match c.to_pinyin() {
            Some(p) => p.plain().to_string(),
            None => c.to_lowercase().to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::pinyin_key;

    #[test]
    fn names_sort_by_their_pinyin_not_their_codes_or_code_points() {
        let mut names = vec![
            "石柱土家族自治县教育委员会",
            "石柱土家族自治县公安局",
            "石柱土家族自治县人民政府办公室",
            "石柱土家族自治县发展和改革委员会",
            "石柱土家族自治县黄水镇人民政府",
        ];
        names.sort_by_cached_key(|n| pinyin_key(n));
        assert_eq!(
            names,
            [
                "石柱土家族自治县发展和改革委员会",
                "石柱土家族自治县公安局",
                "石柱土家族自治县黄水镇人民政府",
                "石柱土家族自治县教育委员会",
                "石柱土家族自治县人民政府办公室",
            ]
        );
        assert_eq!(pinyin_key("公安局"), "gong an ju");
        assert_eq!(pinyin_key("B站"), "b zhan");
    }
}
