//! The auditor's filter: what it selects, read as whole China days.
use super::*;

/// The filter with its dates read: instants from the start of `from` to the end of `to`, China
/// time.
#[derive(Debug, Clone, Default)]
pub(super) struct Criteria {
    pub(super) since: Option<DateTime<Utc>>,
    pub(super) before: Option<DateTime<Utc>>,
    action: Option<String>,
    actor: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
}

/// Midnight at the start of a China date, as an instant.
pub(super) fn china_midnight(date: NaiveDate) -> DateTime<Utc> {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    offset
        .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

pub(super) fn read_date(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    value
        .map(|v| {
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::invalid(field, Problem::BadDate))
        })
        .transpose()
}

pub(super) fn criteria(filter: &AuditFilter) -> Result<Criteria, AppError> {
    let from = read_date("from", filter.from.as_deref())?;
    let to = read_date("to", filter.to.as_deref())?;
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(AppError::invalid("to", Problem::PeriodReversed));
    }
    Ok(Criteria {
        since: from.map(china_midnight),
        before: to
            .and_then(|d| d.checked_add_days(Days::new(1)))
            .map(china_midnight),
        action: filter.action.clone(),
        actor: filter.actor.clone(),
        entity_type: filter.entity_type.clone(),
        entity_id: filter.entity_id.clone(),
    })
}

/// `prefix%` with LIKE's own wildcards in the prefix taken literally.
pub(super) fn starts_with(prefix: &str) -> LikeExpr {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    LikeExpr::new(pattern).escape('\\')
}

pub(super) fn condition(c: &Criteria) -> sea_orm::Condition {
    // In this function only: it also gives every number a `max`.
    use sea_orm::sea_query::ExprTrait as _;
    let mut cond = sea_orm::Condition::all();
    if let Some(since) = c.since {
        cond = cond.add(audit_event::Column::OccurredAt.gte(since));
    }
    if let Some(before) = c.before {
        cond = cond.add(audit_event::Column::OccurredAt.lt(before));
    }
    // A whole code (as the page's list of actions sends it) selects that action alone, so
    // `account.open` does not also select `account.opened`; anything else is a prefix (`filing.`),
    // as the download and scripts have always sent it.
    if let Some(action) = &c.action {
        cond = cond.add(match crate::domain::AuditAction::parse(action) {
            Some(code) => audit_event::Column::Action.eq(code.as_str()),
            None => Expr::col(audit_event::Column::Action).like(starts_with(action)),
        });
    }
    if let Some(actor) = &c.actor {
        cond = cond.add(audit_event::Column::ActorUsername.eq(actor.as_str()));
    }
    if let Some(entity_type) = &c.entity_type {
        cond = cond.add(audit_event::Column::EntityType.eq(entity_type.as_str()));
    }
    if let Some(entity_id) = &c.entity_id {
        cond = cond.add(audit_event::Column::EntityId.eq(entity_id.as_str()));
    }
    cond
}

/// The filter as an audit event records it.
pub(super) fn recorded_filter(filter: &AuditFilter) -> Value {
    json!({
        "from": filter.from, "to": filter.to, "action": filter.action, "actor": filter.actor,
        "entity_type": filter.entity_type, "entity_id": filter.entity_id,
    })
}
