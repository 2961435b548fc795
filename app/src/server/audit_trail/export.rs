//! The trail as a CSV export, read a chunk at a time (recorded as `audit.exported`).
use super::filter::*;
use super::reading::*;
use super::*;

/// The export's columns: (zh-CN, en).
pub(super) const HEADERS: [(&str, &str); 15] = [
    ("事件编号", "Event no."),
    ("时间（北京时间）", "Time (China)"),
    ("操作人", "Actor"),
    ("角色", "Role"),
    ("来源地址", "Source address"),
    ("经由代理", "Via proxy"),
    ("请求编号", "Request id"),
    ("API令牌", "API token"),
    ("操作", "Action"),
    ("对象类型", "Object type"),
    ("对象编号", "Object id"),
    ("变更前", "Before"),
    ("变更后", "After"),
    ("前一事件哈希", "Previous hash"),
    ("哈希", "Hash"),
];

/// The export's header row.
pub fn headers(locale: Locale) -> Vec<String> {
    HEADERS
        .iter()
        .map(|(zh, en)| match locale {
            Locale::ZhCn => zh.to_string(),
            Locale::En => en.to_string(),
        })
        .collect()
}

pub(super) fn export_row(e: audit_event::Model, locale: Locale) -> Vec<String> {
    let json_text = |v: Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s,
        other => other.to_string(),
    };
    let role = e
        .actor_role
        .as_deref()
        .and_then(Role::parse)
        .map(|r| locale.t(crate::labels::role(r)).to_string())
        .or(e.actor_role.clone())
        .unwrap_or_default();
    let at = DateTime::<chrono::FixedOffset>::from(e.occurred_at)
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    [
        e.id.to_string(),
        at,
        e.actor_username.unwrap_or_default(),
        role,
        e.source_ip.unwrap_or_default(),
        e.peer_ip.unwrap_or_default(),
        e.request_id.unwrap_or_default(),
        e.via_token_id.map(|t| t.to_string()).unwrap_or_default(),
        e.action,
        e.entity_type,
        e.entity_id.unwrap_or_default(),
        json_text(recorded(e.before.as_deref())),
        json_text(recorded(e.after.as_deref())),
        e.prev_hash,
        e.hash,
    ]
    // Usernames and recorded values are other people's input: the CSV writer neutralises cells a
    // spreadsheet would read as formulas (`export::csv_lines`).
    .into()
}

/// The filtered trail for an export, newest first, read a chunk at a time. It covers the events
/// there were when it was opened (the count its `audit.exported` event records), not those
/// appended while it streams.
pub struct AuditExport {
    db: DatabaseConnection,
    condition: sea_orm::Condition,
    locale: Locale,
    /// The next chunk holds events below this id.
    below: i64,
    rows: u64,
}

impl AuditExport {
    /// Opens an export for an auditor and records it (`audit.exported`, with the filter and the
    /// number of events) before anything is read out.
    #[tracing::instrument(skip_all, fields(use_case = "audit_trail.export"))]
    pub async fn open(
        uc: &UseCase,
        filter: &AuditFilter,
        locale: Locale,
    ) -> Result<Self, AppError> {
        may_read(uc)?;
        let (db, now) = (uc.db(), uc.now);
        let cond = condition(&criteria(filter)?);
        let last: Option<i64> = audit_event::Entity::find()
            .select_only()
            .column_as(audit_event::Column::Id.max(), "last")
            .into_tuple::<Option<i64>>()
            .one(db)
            .await?
            .flatten();
        let last = last.unwrap_or(0);
        let rows = audit_event::Entity::find()
            .filter(cond.clone())
            .filter(audit_event::Column::Id.lte(last))
            .count(db)
            .await?;
        let mut after = recorded_filter(filter);
        after["rows"] = rows.into();
        after["up_to_event_id"] = last.into();
        after["format"] = "csv".into();
        record_alone(
            db,
            &Actor::user(uc.user(), uc.meta()),
            Event::new(crate::domain::AuditAction::AuditExported, "audit").after(after),
            now,
        )
        .await?;
        Ok(AuditExport {
            db: db.clone(),
            condition: cond,
            locale,
            below: last.saturating_add(1),
            rows,
        })
    }

    /// The number of events the export covers, as recorded.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The next rows, or None at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<Vec<String>>>, AppError> {
        let chunk = audit_event::Entity::find()
            .filter(self.condition.clone())
            .filter(audit_event::Column::Id.lt(self.below))
            .order_by_desc(audit_event::Column::Id)
            .limit(CHUNK)
            .all(&self.db)
            .await?;
        let Some(last) = chunk.last() else {
            return Ok(None);
        };
        self.below = last.id;
        Ok(Some(
            chunk
                .into_iter()
                .map(|e| export_row(e, self.locale))
                .collect(),
        ))
    }
}

/// `审计日志-2026-11-27.csv`, and the ASCII `audit-2026-11-27.csv`.
pub fn file_names(now: DateTime<Utc>) -> (String, String) {
    let day = china_date(now);
    (format!("审计日志-{day}.csv"), format!("audit-{day}.csv"))
}
