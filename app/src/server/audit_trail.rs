//! The audit trail as auditors read and export it, its retention and archives (issue 8).
//!
//! 等保 2.0 level 3 asks for 三权分立: the system administrator, the security administrator and the
//! auditor are different people, and the trail that records the administrator's own actions is
//! read by the auditor alone. So only auditors read the trail here, and every reading is itself an
//! event (`audit.viewed`, `audit.exported`). Nobody edits it: the database refuses UPDATE and
//! DELETE (the foundation migration's triggers), except the DELETE of an archive (`server
//! archive-audit`), which first writes the events to a file and is allowed only beyond the
//! retention period (Cybersecurity Law Art. 21: at least six months).
use super::audit::{self, Actor, Event};
use super::db::begin_write;
use super::entities::audit_event;
use super::registry::masked_mobile;
use super::use_case::RequestMeta;
use crate::domain::Role;
use crate::domain::calendar::china_date;
use crate::error::{AppError, Problem};
use crate::i18n::Locale;
use crate::model::{AuditArchiveNote, AuditEventRow, AuditFilter, AuditTrailView, SessionUser};
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::{Alias, Expr, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Write as _;

/// The action recorded when someone is shown a custodian's mobile in full.
pub const CUSTODIAN_VIEWED: crate::domain::AuditAction =
    crate::domain::AuditAction::CustodianViewed;

/// Events on a page of the trail.
pub const PER_PAGE: u64 = 50;

/// How many events an export or an archive reads at a time.
const CHUNK: u64 = 2000;

/// Cybersecurity Law Art. 21 (网络安全法第二十一条): network logs are kept at least six months.
/// `AUDIT_RETENTION_DAYS` may lengthen the period, never shorten it below this.
pub const MIN_RETENTION_DAYS: u32 = 180;

// ---- Who reads the trail --------------------------------------------------------------------

/// 三权分立 (等保 2.0 level 3, 安全管理中心 / 审计管理): the trail is the auditor's. The
/// administrator's own actions (users, settings, the calendar, imports) are in it, so the
/// administrator must not read or curate it; reviewers have no part in it either.
fn may_read(user: &SessionUser) -> Result<(), AppError> {
    match user.role {
        Role::Auditor => Ok(()),
        Role::Admin | Role::SecurityAdmin | Role::Reviewer | Role::Submitter => {
            Err(AppError::Forbidden)
        }
    }
}

// ---- Personal data in events ----------------------------------------------------------------

/// The key under which events record a custodian's mobile (account and filing snapshots), and
/// the field name of a recorded change of it (`{"field": "custodian_mobile", "old", "new"}`).
const MOBILE: &str = "custodian_mobile";

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

// ---- The filter -----------------------------------------------------------------------------

/// The filter with its dates read: instants from the start of `from` to the end of `to`, China
/// time.
#[derive(Debug, Clone, Default)]
struct Criteria {
    since: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
    action: Option<String>,
    actor: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
}

/// Midnight at the start of a China date, as an instant.
fn china_midnight(date: NaiveDate) -> DateTime<Utc> {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    offset
        .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("a fixed offset has no gaps")
        .with_timezone(&Utc)
}

fn read_date(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    value
        .map(|v| {
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::invalid(field, Problem::BadDate))
        })
        .transpose()
}

fn criteria(filter: &AuditFilter) -> Result<Criteria, AppError> {
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
fn starts_with(prefix: &str) -> LikeExpr {
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

fn condition(c: &Criteria) -> sea_orm::Condition {
    // In this function only: it also gives every number a `max`.
    use sea_orm::sea_query::ExprTrait as _;
    let mut cond = sea_orm::Condition::all();
    if let Some(since) = c.since {
        cond = cond.add(audit_event::Column::OccurredAt.gte(since));
    }
    if let Some(before) = c.before {
        cond = cond.add(audit_event::Column::OccurredAt.lt(before));
    }
    if let Some(action) = &c.action {
        cond = cond.add(Expr::col(audit_event::Column::Action).like(starts_with(action)));
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
fn recorded_filter(filter: &AuditFilter) -> Value {
    json!({
        "from": filter.from, "to": filter.to, "action": filter.action, "actor": filter.actor,
        "entity_type": filter.entity_type, "entity_id": filter.entity_id,
    })
}

// ---- Reading --------------------------------------------------------------------------------

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A recorded value, parsed, with custodians' mobiles masked (the trail's readers are auditors,
/// who see them masked). Text that is not JSON is kept as a string.
fn recorded(raw: Option<&str>) -> Value {
    let Some(raw) = raw else {
        return Value::Null;
    };
    let mut value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.into()));
    mask_mobiles(&mut value);
    value
}

/// (field, before, after) for every field either side records; a value that is not an object is
/// one line with an empty field name.
fn changes(before: &Value, after: &Value) -> Vec<(String, String, String)> {
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

fn row(e: audit_event::Model) -> AuditEventRow {
    let before = recorded(e.before.as_deref());
    let after = recorded(e.after.as_deref());
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
    }
}

/// Appends one event in a transaction of its own.
async fn record_alone(
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
pub async fn page(
    db: &DatabaseConnection,
    user: &SessionUser,
    meta: &RequestMeta,
    filter: &AuditFilter,
    now: DateTime<Utc>,
) -> Result<AuditTrailView, AppError> {
    may_read(user)?;
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
        &Actor::user(user, meta),
        Event {
            action: crate::domain::AuditAction::AuditViewed,
            entity_type: "audit",
            entity_id: None,
            before: None,
            after: Some(after),
        },
        now,
    )
    .await?;
    Ok(AuditTrailView {
        filter: AuditFilter {
            page,
            ..filter.clone()
        },
        rows: rows.into_iter().map(row).collect(),
        total,
        page,
        pages,
        entity_types,
        archive,
    })
}

// ---- Export ---------------------------------------------------------------------------------

/// The export's columns: (zh-CN, en).
const HEADERS: [(&str, &str); 15] = [
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

fn export_row(e: audit_event::Model, locale: Locale) -> Vec<String> {
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
    pub async fn open(
        db: &DatabaseConnection,
        user: &SessionUser,
        meta: &RequestMeta,
        filter: &AuditFilter,
        locale: Locale,
        now: DateTime<Utc>,
    ) -> Result<Self, AppError> {
        may_read(user)?;
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
            &Actor::user(user, meta),
            Event {
                action: crate::domain::AuditAction::AuditExported,
                entity_type: "audit",
                entity_id: None,
                before: None,
                after: Some(after),
            },
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

// ---- Retention and archives -----------------------------------------------------------------

/// Why an archive was not made. Nothing was deleted in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Cybersecurity Law Art. 21: events younger than the retention period stay in the database.
    #[error(
        "{before} is within the {days}-day retention period: the latest date allowed is {latest}"
    )]
    WithinRetention {
        before: NaiveDate,
        days: u32,
        latest: NaiveDate,
    },
    #[error("{0} exists already: an archive never overwrites a file")]
    FileExists(std::path::PathBuf),
    /// The events to archive do not verify: they are evidence and stay where they are.
    #[error("the audit chain is broken at event {0}: nothing archived (run verify-audit)")]
    ChainBroken(i64),
    /// The events changed between writing the file and deleting them.
    #[error("{expected} events were written but {deleted} would be deleted: nothing deleted")]
    Mismatch { expected: u64, deleted: u64 },
    #[error("writing {path}: {source}")]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

/// What an archive did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveOutcome {
    /// No event is older than the date: no file, nothing deleted, nothing recorded.
    NothingToArchive,
    Archived {
        archive_id: i32,
        events: u64,
        first_event_id: i64,
        up_to_event_id: i64,
        last_hash: String,
        file_sha256: String,
    },
}

/// The latest `--before` date allowed on `today` (China date) with `retention_days`.
pub fn latest_archivable(today: NaiveDate, retention_days: u32) -> NaiveDate {
    today
        .checked_sub_days(Days::new(u64::from(retention_days.max(MIN_RETENTION_DAYS))))
        .unwrap_or(NaiveDate::MIN)
}

/// One archived event as a JSON line: every column, so the file alone can be verified.
fn archive_line(e: &audit_event::Model) -> Value {
    json!({
        "id": e.id,
        "occurred_at": e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "actor_user_id": e.actor_user_id,
        "actor_username": e.actor_username,
        "actor_role": e.actor_role,
        "source_ip": e.source_ip,
        "request_id": e.request_id,
        "via_token_id": e.via_token_id,
        "peer_ip": e.peer_ip,
        "action": e.action,
        "entity_type": e.entity_type,
        "entity_id": e.entity_id,
        "before": e.before,
        "after": e.after,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    })
}

/// A file being written that is removed again unless it is kept.
struct PendingFile {
    path: std::path::PathBuf,
    kept: bool,
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Archives the events that occurred before `before` (00:00 China time): writes them with their
/// hashes to `out` (JSON lines, a new file), syncs it to disk, then in one transaction records
/// the archive, deletes exactly those events and appends `audit.archived` (the range, the count,
/// the file's name and SHA-256, the last archived hash). Refused for a date within the retention
/// period (at least [`MIN_RETENTION_DAYS`]), for an existing file and for a broken chain. The
/// archive is always a prefix of the chain, so what remains still verifies from `last_hash`.
pub async fn archive(
    db: &DatabaseConnection,
    actor: &Actor,
    before: NaiveDate,
    out: &std::path::Path,
    retention_days: u32,
    now: DateTime<Utc>,
) -> Result<ArchiveOutcome, ArchiveError> {
    let days = retention_days.max(MIN_RETENTION_DAYS);
    let latest = latest_archivable(china_date(now), days);
    if before > latest {
        return Err(ArchiveError::WithinRetention {
            before,
            days,
            latest,
        });
    }
    let cutoff = china_midnight(before);
    let previous = audit::latest_archive(db).await?;
    let start = previous.as_ref().map_or(0, |a| a.up_to_event_id);
    // A prefix of the chain: everything before the first event at or after the cut-off.
    let first_kept: Option<i64> = audit_event::Entity::find()
        .filter(audit_event::Column::OccurredAt.gte(cutoff))
        .select_only()
        .column_as(audit_event::Column::Id.min(), "first")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let mut candidates = audit_event::Entity::find().filter(audit_event::Column::Id.gt(start));
    if let Some(first_kept) = first_kept {
        candidates = candidates.filter(audit_event::Column::Id.lt(first_kept));
    }
    let up_to: Option<i64> = candidates
        .select_only()
        .column_as(audit_event::Column::Id.max(), "last")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let Some(up_to) = up_to else {
        return Ok(ArchiveOutcome::NothingToArchive);
    };

    // 1. The file, written whole and synced before anything is deleted.
    let file_error = |source| ArchiveError::File {
        path: out.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => ArchiveError::FileExists(out.to_path_buf()),
            _ => file_error(e),
        })?;
    let mut pending = PendingFile {
        path: out.to_path_buf(),
        kept: false,
    };
    let mut writer = std::io::BufWriter::new(file);
    let mut digest = Sha256::new();
    let start_hash = previous
        .as_ref()
        .map_or_else(|| audit::GENESIS.to_string(), |a| a.last_hash.clone());
    let mut walk = audit::ChainWalk::new(audit::installed_key(), &start_hash);
    let mut after = start;
    let mut count = 0u64;
    let mut first_id = None;
    loop {
        let chunk = audit_event::Entity::find()
            .filter(audit_event::Column::Id.gt(after))
            .filter(audit_event::Column::Id.lte(up_to))
            .order_by_asc(audit_event::Column::Id)
            .limit(CHUNK)
            .all(db)
            .await?;
        let Some(last) = chunk.last() else { break };
        after = last.id;
        for event in &chunk {
            if !walk.step(event) {
                return Err(ArchiveError::ChainBroken(event.id));
            }
            let mut line = archive_line(event).to_string().into_bytes();
            line.push(b'\n');
            digest.update(&line);
            writer.write_all(&line).map_err(file_error)?;
            first_id.get_or_insert(event.id);
            count += 1;
        }
    }
    let file = writer
        .into_inner()
        .map_err(|e| file_error(e.into_error()))?;
    file.sync_all().map_err(file_error)?;
    // The file's name in its folder must reach the disk too.
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = std::fs::File::open(dir)
    {
        dir.sync_all().map_err(file_error)?;
    }
    let file_sha256 = hex::encode(digest.finalize());
    let last_hash = walk.last_hash().to_string();
    let file_name = out.display().to_string();

    // 2. One transaction: the archive's record, the deletion it allows, the event saying so.
    let txn = begin_write(db).await?;
    audit::lock(&txn).await?;
    let backend = txn.get_database_backend();
    let insert = Query::insert()
        .into_table(Alias::new("audit_archives"))
        .columns(
            [
                "archived_at",
                "up_to_event_id",
                "last_hash",
                "event_count",
                "file_sha256",
                "file_name",
            ]
            .map(Alias::new),
        )
        .values_panic([
            now.into(),
            up_to.into(),
            last_hash.clone().into(),
            (count as i64).into(),
            file_sha256.clone().into(),
            file_name.clone().into(),
        ])
        .to_owned();
    txn.execute_raw(backend.build(&insert)).await?;
    let archive_id = audit::latest_archive(&txn)
        .await?
        .map(|a| a.id)
        .unwrap_or_default();
    let deleted = audit_event::Entity::delete_many()
        .filter(audit_event::Column::Id.lte(up_to))
        .exec(&txn)
        .await?
        .rows_affected;
    if deleted != count {
        txn.rollback().await?;
        return Err(ArchiveError::Mismatch {
            expected: count,
            deleted,
        });
    }
    let first_remaining = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .one(&txn)
        .await?;
    if let Some(next) = first_remaining
        && next.prev_hash != last_hash
    {
        txn.rollback().await?;
        return Err(ArchiveError::ChainBroken(next.id));
    }
    audit::record(
        &txn,
        actor,
        Event {
            action: crate::domain::AuditAction::AuditArchived,
            entity_type: "audit",
            entity_id: Some(archive_id.to_string()),
            before: None,
            after: Some(json!({
                "before": before.to_string(),
                "first_event_id": first_id,
                "up_to_event_id": up_to,
                "event_count": count,
                "file_name": file_name,
                "file_sha256": file_sha256,
                "last_hash": last_hash,
                "retention_days": days,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    pending.kept = true;
    Ok(ArchiveOutcome::Archived {
        archive_id,
        events: count,
        first_event_id: first_id.unwrap_or(up_to),
        up_to_event_id: up_to,
        last_hash,
        file_sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_are_masked_wherever_an_event_records_them() {
        let mut value = json!({
            "custodian_mobile": "13812341234",
            "changes": [{"field": "custodian_mobile", "old": "13900001111", "new": "13712345678"},
                        {"field": "purpose", "old": "a", "new": "13812341234"}],
            "nested": {"custodian_mobile": "not a number"},
            "custodian_name": "谭明",
        });
        assert!(holds_mobile(&value));
        mask_mobiles(&mut value);
        assert_eq!(value["custodian_mobile"], "138****1234");
        assert_eq!(value["changes"][0]["old"], "139****1111");
        assert_eq!(value["changes"][0]["new"], "137****5678");
        // Only the mobile's own fields: other text is the record's.
        assert_eq!(value["changes"][1]["new"], "13812341234");
        assert_eq!(value["nested"]["custodian_mobile"], "****");
        assert_eq!(value["custodian_name"], "谭明");
    }

    #[test]
    fn another_units_custodian_is_withheld_from_a_recorded_value() {
        let mut value = json!({
            "custodian_name": "谭明", "custodian_mobile": "13812341234", "name": "石柱教育",
            "changes": [{"field": "custodian_name", "old": "a", "new": "b"},
                        {"field": "purpose", "old": "a", "new": "b"}],
        });
        withhold_custodians(&mut value);
        assert_eq!(
            value,
            json!({"name": "石柱教育", "changes": [{"field": "purpose", "old": "a", "new": "b"}]})
        );
    }

    #[test]
    fn an_empty_mobile_is_not_a_mobile_shown() {
        assert!(!holds_mobile(&json!({"custodian_mobile": "", "name": "x"})));
        assert!(!holds_mobile(&json!([1, "13812341234"])));
    }

    #[test]
    fn the_filter_reads_whole_china_days_and_refuses_bad_or_reversed_dates() {
        let filter = AuditFilter {
            from: Some("2026-11-01".into()),
            to: Some("2026-11-27".into()),
            ..Default::default()
        };
        let c = criteria(&filter).unwrap();
        assert_eq!(c.since.unwrap().to_rfc3339(), "2026-10-31T16:00:00+00:00");
        assert_eq!(c.before.unwrap().to_rfc3339(), "2026-11-27T16:00:00+00:00");
        let bad = AuditFilter {
            from: Some("2026-13-01".into()),
            ..Default::default()
        };
        assert_eq!(
            criteria(&bad).unwrap_err(),
            AppError::invalid("from", Problem::BadDate)
        );
        let reversed = AuditFilter {
            from: Some("2026-11-27".into()),
            to: Some("2026-11-01".into()),
            ..Default::default()
        };
        assert_eq!(
            criteria(&reversed).unwrap_err(),
            AppError::invalid("to", Problem::PeriodReversed)
        );
    }

    #[test]
    fn the_retention_period_is_never_shorter_than_180_days() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(
            latest_archivable(today, 180),
            NaiveDate::from_ymd_opt(2026, 5, 31).unwrap()
        );
        assert_eq!(latest_archivable(today, 30), latest_archivable(today, 180));
        assert_eq!(
            latest_archivable(today, 365),
            NaiveDate::from_ymd_opt(2025, 11, 27).unwrap()
        );
    }
}
