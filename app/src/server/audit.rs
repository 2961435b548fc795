//! The audit trail: one append-only event per change, written in the same transaction as the change.
//! Events form a hash chain (each hash covers the event and its predecessor's hash), so an edit or a
//! deletion made behind the application's back is detectable.
//!
//! The chain is keyed (issue 15): each hash is an HMAC-SHA-256 under `AUDIT_HMAC_KEY`, which lives
//! in the server's environment, not in the database. Whoever holds only the database (its owner, a
//! backup) can no longer edit an event and recompute the hashes after it: without the key the
//! recomputed chain does not verify. Events written before the key existed carry a plain SHA-256
//! ("legacy"); they are accepted only as a prefix of the chain, before the first keyed event, and
//! the chain must end in a keyed event ([`key_chain`] appends `audit.keyed` at start when it does
//! not), so a chain rewritten entirely without the key is refused too. A removal of the newest
//! events leaves a shorter chain that still verifies: that is what [`Checkpoint`]s, kept off the
//! host, are for.
use super::entities::audit_event;
use super::use_case::{ReadLog, RequestMeta};
use crate::domain::AuditAction;
use crate::model::SessionUser;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryOrder, QuerySelect, Set,
    Statement,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acted. Command-line operators and the system itself have no user.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i32>,
    pub username: Option<String>,
    pub role: Option<String>,
    /// The client's address.
    pub source_ip: Option<String>,
    /// The TCP peer, when it is not the client: the reverse proxy the request came through.
    pub peer_ip: Option<String>,
    pub request_id: Option<String>,
    /// The API token the person acted with, when not in a browser session.
    pub token_id: Option<i32>,
    /// The readings already recorded in the request (see [`record_read`]).
    pub reads: ReadLog,
}

impl Actor {
    pub fn user(user: &SessionUser, meta: &RequestMeta) -> Self {
        Actor {
            user_id: Some(user.id),
            username: Some(user.username.clone()),
            role: Some(user.role.as_str().to_string()),
            ..Actor::from_request(meta)
        }
    }

    /// Someone not (yet) signed in: only where the request came from.
    pub fn from_request(meta: &RequestMeta) -> Self {
        Actor {
            source_ip: meta.source_ip.clone(),
            peer_ip: meta.proxy_ip(),
            request_id: meta.request_id.clone(),
            token_id: meta.token_id,
            reads: meta.reads.clone(),
            ..Default::default()
        }
    }

    /// The server itself (the reminder scheduler).
    pub fn system(what: &str) -> Self {
        Actor {
            username: Some(format!("system:{what}")),
            ..Default::default()
        }
    }

    /// An operator at the server's command line.
    pub fn operator(what: &str) -> Self {
        Actor {
            username: Some(format!("cli:{what}")),
            ..Default::default()
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub action: AuditAction,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The bytes an event's hash covers: its predecessor's hash and its content.
fn hashed_content(prev_hash: &str, m: &audit_event::Model) -> Vec<u8> {
    let mut content = serde_json::json!([
        m.occurred_at.timestamp_micros(),
        m.actor_user_id,
        m.actor_username,
        m.actor_role,
        m.source_ip,
        m.request_id,
        m.action,
        m.entity_type,
        m.entity_id,
        m.before,
        m.after,
    ]);
    // Added with API tokens: events made without a token hash exactly as they did before.
    if let (Some(token), Some(fields)) = (m.via_token_id, content.as_array_mut()) {
        fields.push(token.into());
    }
    // Added with TRUSTED_PROXIES: likewise, only events that came through a proxy carry it.
    if let (Some(peer), Some(fields)) = (&m.peer_ip, content.as_array_mut()) {
        fields.push(serde_json::json!({ "peer_ip": peer }));
    }
    let mut bytes = Vec::with_capacity(prev_hash.len() + 256);
    bytes.extend_from_slice(prev_hash.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(content.to_string().as_bytes());
    bytes
}

/// The hash events had before the chain was keyed: a plain SHA-256 of the same content, which
/// anyone can recompute. Verification accepts it only for the chain's legacy prefix.
pub fn plain_hash(prev_hash: &str, m: &audit_event::Model) -> String {
    hex::encode(Sha256::digest(hashed_content(prev_hash, m)))
}

/// The hash of an event under the chain's key: HMAC-SHA-256 (RFC 2104) of the same content.
pub fn keyed_hash(key: &AuditKey, prev_hash: &str, m: &audit_event::Model) -> String {
    use hmac::Mac as _;
    let mut mac = key.mac();
    mac.update(&hashed_content(prev_hash, m));
    hex::encode(mac.finalize().into_bytes())
}

// ---- The key ----------------------------------------------------------------------------------

/// The shortest `AUDIT_HMAC_KEY` accepted, in bytes: as long as the HMAC-SHA-256 output (RFC 2104
/// section 3 advises against keys shorter than that; OWASP ASVS 5.0 11.2.3, at least 128 bits of
/// security).
pub const MIN_KEY_BYTES: usize = 32;

/// The key used when `AUDIT_HMAC_KEY` is not set (development and tests; production refuses to
/// start without a key of its own). It is published here, so a chain keyed with it proves nothing
/// against the database owner; the chain still detects edits made without recomputing.
const DEVELOPMENT_KEY: &str = "registry development audit key: published, never secret";

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "AUDIT_HMAC_KEY is {0} bytes long; it must be at least {MIN_KEY_BYTES} (e.g. the output of \
         `openssl rand -base64 48`)"
    )]
    TooShort(usize),
    #[error("AUDIT_HMAC_KEY is the published development key: choose a secret one")]
    Published,
    #[error("this process already writes the audit trail with another AUDIT_HMAC_KEY")]
    AlreadyInstalled,
}

/// The secret that keys the audit chain (`AUDIT_HMAC_KEY`). Its value is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey(Vec<u8>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_development() {
            f.write_str("AuditKey(development)")
        } else {
            f.write_str("AuditKey(..)")
        }
    }
}

impl AuditKey {
    /// A key from its text (surrounding whitespace ignored): at least [`MIN_KEY_BYTES`] bytes, and
    /// not the published development key.
    pub fn new(secret: &str) -> Result<Self, KeyError> {
        let secret = secret.trim();
        if secret.len() < MIN_KEY_BYTES {
            return Err(KeyError::TooShort(secret.len()));
        }
        if secret == DEVELOPMENT_KEY {
            return Err(KeyError::Published);
        }
        Ok(AuditKey(secret.as_bytes().to_vec()))
    }

    /// The published key development and tests run with.
    pub fn development() -> Self {
        AuditKey(DEVELOPMENT_KEY.as_bytes().to_vec())
    }

    pub fn is_development(&self) -> bool {
        self.0 == DEVELOPMENT_KEY.as_bytes()
    }

    fn mac(&self) -> hmac::Hmac<sha2_for_hmac::Sha256> {
        use hmac::KeyInit as _;
        hmac::Hmac::new_from_slice(&self.0).expect("HMAC takes a key of any length")
    }
}

static KEY: std::sync::OnceLock<AuditKey> = std::sync::OnceLock::new();
static DEVELOPMENT: std::sync::LazyLock<AuditKey> = std::sync::LazyLock::new(AuditKey::development);

/// Sets the key this process writes the audit trail with (once, at start: `serve` and every
/// command). Installing the same key again is allowed; another one is refused, so that one process
/// never writes a chain under two keys.
pub fn install_key(key: &AuditKey) -> Result<(), KeyError> {
    if KEY.get_or_init(|| key.clone()) == key {
        Ok(())
    } else {
        Err(KeyError::AlreadyInstalled)
    }
}

/// The key events are written with: the installed one, or the development key before any is.
pub fn installed_key() -> &'static AuditKey {
    KEY.get().unwrap_or(&DEVELOPMENT)
}

// ---- Linking ----------------------------------------------------------------------------------

/// How an event hangs on its predecessor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Its hash is the HMAC under the key.
    Keyed,
    /// Its hash is a plain SHA-256, or (when the key is a real one) the HMAC under the published
    /// development key: written before the chain was keyed with this key.
    Legacy,
    Broken,
}

fn link(key: &AuditKey, prev_hash: &str, event: &audit_event::Model) -> Link {
    if event.prev_hash != prev_hash {
        Link::Broken
    } else if keyed_hash(key, prev_hash, event) == event.hash {
        Link::Keyed
    } else if plain_hash(prev_hash, event) == event.hash
        || (!key.is_development() && keyed_hash(&DEVELOPMENT, prev_hash, event) == event.hash)
    {
        Link::Legacy
    } else {
        Link::Broken
    }
}

/// A walk along the chain in id order, from the genesis hash or an archive's last hash: each event
/// must link to its predecessor, and legacy (unkeyed) events may only come before the first keyed
/// one. An event rewritten without the key, with every hash after it recomputed, is a legacy event
/// after keyed ones, or leaves a chain with no keyed event at all ([`ChainWalk::keyed`]).
#[derive(Debug, Clone)]
pub struct ChainWalk<'k> {
    key: &'k AuditKey,
    prev: String,
    keyed: bool,
}

impl<'k> ChainWalk<'k> {
    pub fn new(key: &'k AuditKey, start_hash: &str) -> Self {
        ChainWalk {
            key,
            prev: start_hash.to_string(),
            keyed: false,
        }
    }

    /// Takes the next event; false when it does not follow (the walk then stays where it was).
    pub fn step(&mut self, event: &audit_event::Model) -> bool {
        let ok = match link(self.key, &self.prev, event) {
            Link::Keyed => {
                self.keyed = true;
                true
            }
            Link::Legacy => !self.keyed,
            Link::Broken => false,
        };
        if ok {
            self.prev = event.hash.clone();
        }
        ok
    }

    /// Whether the walk has met an event keyed with the key (from then on every event must be).
    pub fn keyed(&self) -> bool {
        self.keyed
    }

    /// The hash of the last event taken.
    pub fn last_hash(&self) -> &str {
        &self.prev
    }
}

/// Serialises writers until the transaction ends, so the chain never forks: SQLite's write
/// transaction already holds the database lock; PostgreSQL takes a transaction-scoped advisory lock.
/// Work that must check before it writes (the reminder scheduler on several instances) takes it
/// first.
pub async fn lock<C: ConnectionTrait>(txn: &C) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(20261127)",
        ))
        .await?;
    }
    Ok(())
}

/// Appends an event. Call it inside the transaction that makes the change (begun with
/// [`super::db::begin_write`]), so that the change and its record commit or roll back together.
pub async fn record<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    event: Event<'_>,
    now: DateTime<Utc>,
) -> Result<audit_event::Model, DbErr> {
    lock(txn).await?;
    let prev_hash = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Id)
        .select_only()
        .column(audit_event::Column::Hash)
        .into_tuple::<String>()
        .one(txn)
        .await?;
    // With every event archived, the chain goes on from the latest archive's last hash.
    let prev_hash = match prev_hash {
        Some(hash) => hash,
        None => latest_archive(txn)
            .await?
            .map_or_else(|| GENESIS.to_string(), |a| a.last_hash),
    };
    // Microsecond precision: what both databases store, so the hash can be recomputed from the row.
    let occurred_at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let mut model = audit_event::Model {
        id: 0,
        occurred_at,
        actor_user_id: actor.user_id,
        actor_username: actor.username.clone(),
        actor_role: actor.role.clone(),
        source_ip: actor.source_ip.clone(),
        peer_ip: actor.peer_ip.clone(),
        request_id: actor.request_id.clone(),
        action: event.action.to_string(),
        entity_type: event.entity_type.to_string(),
        entity_id: event.entity_id,
        before: event.before.map(|v| v.to_string()),
        after: event.after.map(|v| v.to_string()),
        prev_hash: prev_hash.clone(),
        hash: String::new(),
        via_token_id: actor.token_id,
    };
    model.hash = keyed_hash(installed_key(), &prev_hash, &model);
    let active = audit_event::ActiveModel {
        occurred_at: Set(model.occurred_at),
        actor_user_id: Set(model.actor_user_id),
        actor_username: Set(model.actor_username.clone()),
        actor_role: Set(model.actor_role.clone()),
        source_ip: Set(model.source_ip.clone()),
        request_id: Set(model.request_id.clone()),
        action: Set(model.action.clone()),
        entity_type: Set(model.entity_type.clone()),
        entity_id: Set(model.entity_id.clone()),
        before: Set(model.before.clone()),
        after: Set(model.after.clone()),
        prev_hash: Set(model.prev_hash.clone()),
        hash: Set(model.hash.clone()),
        via_token_id: Set(model.via_token_id),
        peer_ip: Set(model.peer_ip.clone()),
        ..Default::default()
    };
    active.insert(txn).await
}

/// Appends an event that records a reading (`custodian.viewed`, `audit.viewed`) in a transaction
/// of its own, once per request and actor: a page's server function may run twice while one
/// response is rendered, and that is one view, not two. Readings are told apart by actor, action,
/// object and recorded values within the request only ([`ReadLog`]); the request id plays no part
/// (it was once the key, and a client could choose it to have later views go unrecorded). A
/// reading outside a request (the command line) is always recorded.
pub async fn record_read(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    event: Event<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let key = serde_json::json!([
        actor.user_id,
        actor.username,
        event.action,
        event.entity_type,
        event.entity_id,
        event.after,
    ])
    .to_string();
    if !actor.reads.first(&key) {
        return Ok(());
    }
    let recorded = async {
        let txn = super::db::begin_write(db).await?;
        record(&txn, actor, event, now).await?;
        txn.commit().await
    }
    .await;
    if recorded.is_err() {
        actor.reads.forget(&key);
    }
    recorded
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum ChainCheck {
    Intact {
        events: u64,
    },
    /// The first event whose stored hash or predecessor link does not match (or a legacy,
    /// unkeyed event after keyed ones). With the wrong key, the first keyed event.
    BrokenAt {
        id: i64,
    },
    /// Every event links, but none is keyed with the key: the chain was rewritten without the key,
    /// the key is not the one it was written with, or it was never keyed ([`key_chain`] at start
    /// keys it). `id` is the last event.
    NotKeyed {
        id: i64,
    },
}

/// An archive of the oldest events (`server archive-audit`): the events up to `up_to_event_id`
/// left the database for a file, and the remaining chain starts from `last_hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    pub id: i32,
    pub archived_at: DateTime<Utc>,
    pub up_to_event_id: i64,
    pub last_hash: String,
    pub event_count: i64,
    pub file_sha256: String,
    pub file_name: String,
}

/// The latest archive, if events were ever archived. (No entity: the table is read and written
/// here and in [`super::audit_trail`] only.)
pub async fn latest_archive<C: ConnectionTrait>(db: &C) -> Result<Option<Archive>, DbErr> {
    use sea_orm::sea_query::{Alias, Order, Query};
    let query = Query::select()
        .columns(
            [
                "id",
                "archived_at",
                "up_to_event_id",
                "last_hash",
                "event_count",
                "file_sha256",
                "file_name",
            ]
            .map(Alias::new),
        )
        .from(Alias::new("audit_archives"))
        .order_by(Alias::new("id"), Order::Desc)
        .limit(1)
        .to_owned();
    let backend = db.get_database_backend();
    let Some(row) = db.query_one_raw(backend.build(&query)).await? else {
        return Ok(None);
    };
    Ok(Some(Archive {
        id: row.try_get("", "id")?,
        archived_at: row.try_get("", "archived_at")?,
        up_to_event_id: row.try_get("", "up_to_event_id")?,
        last_hash: row.try_get("", "last_hash")?,
        event_count: row.try_get("", "event_count")?,
        file_sha256: row.try_get("", "file_sha256")?,
        file_name: row.try_get("", "file_name")?,
    }))
}

/// How many events are read at a time when walking the chain.
const VERIFY_CHUNK: u64 = 5000;

/// Recomputes every hash in order under the installed key (see [`verify_with`]).
pub async fn verify<C: ConnectionTrait>(db: &C) -> Result<ChainCheck, DbErr> {
    verify_with(db, installed_key()).await
}

/// Recomputes every hash in order under `key`. The chain starts at the genesis hash, or, once
/// events were archived, at the latest archive's last hash: the first remaining event must link to
/// it, and an `audit.archived` event must vouch for that archive (an archive row slipped in behind
/// the application's back to excuse a deletion is not one). Legacy (unkeyed) events may only form
/// a prefix, and the chain must end in a keyed event ([`ChainWalk`]).
pub async fn verify_with<C: ConnectionTrait>(db: &C, key: &AuditKey) -> Result<ChainCheck, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let archive = latest_archive(db).await?;
    let start = archive
        .as_ref()
        .map_or_else(|| GENESIS.to_string(), |a| a.last_hash.clone());
    let mut walk = ChainWalk::new(key, &start);
    let mut vouched = archive.is_none();
    let mut after = archive.as_ref().map_or(i64::MIN, |a| a.up_to_event_id);
    let mut count = 0u64;
    let mut last_id = None;
    loop {
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Id.gt(after))
            .order_by_asc(audit_event::Column::Id)
            .limit(VERIFY_CHUNK)
            .all(db)
            .await?;
        let Some(last) = events.last() else { break };
        after = last.id;
        for event in &events {
            if !walk.step(event) {
                return Ok(ChainCheck::BrokenAt { id: event.id });
            }
            if let Some(a) = &archive
                && !vouched
                && event.action == "audit.archived"
            {
                vouched = event
                    .after
                    .as_deref()
                    .and_then(|s| serde_json::from_str::<Value>(s).ok())
                    .is_some_and(|v| {
                        v["up_to_event_id"] == a.up_to_event_id
                            && v["last_hash"] == a.last_hash.as_str()
                            && v["file_sha256"] == a.file_sha256.as_str()
                    });
            }
            last_id = Some(event.id);
            count += 1;
        }
    }
    // Events before the archive's end that are still there were not archived (or were put back).
    let stray = match &archive {
        Some(a) => {
            audit_event::Entity::find()
                .filter(audit_event::Column::Id.lte(a.up_to_event_id))
                .order_by_asc(audit_event::Column::Id)
                .one(db)
                .await?
        }
        None => None,
    };
    if let Some(event) = stray {
        return Ok(ChainCheck::BrokenAt { id: event.id });
    }
    if !vouched {
        // The archive excuses a gap no audit event records.
        let id = archive.map_or(0, |a| a.up_to_event_id + 1);
        return Ok(ChainCheck::BrokenAt { id });
    }
    if let Some(id) = last_id
        && !walk.keyed()
    {
        return Ok(ChainCheck::NotKeyed { id });
    }
    Ok(ChainCheck::Intact { events: count })
}

/// What [`key_chain`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keying {
    /// No events yet: the first one will be keyed.
    Empty,
    /// The newest event is keyed with the installed key already.
    Keyed,
    /// The newest event was a legacy one: `audit.keyed` (this id) now anchors the key.
    KeyedNow { event_id: i64 },
    /// The newest event verifies neither with the key nor as a legacy event: the key is not the
    /// one the trail was written with (or the event was changed). Nothing was written.
    Mismatch { event_id: i64 },
}

/// Makes sure the chain ends in an event keyed with the installed key: after an upgrade (or a
/// change from the development key to a real one) the newest event is a legacy one, and
/// `audit.keyed` is appended. From then on a legacy event can only precede it. `serve` and
/// `migrate` call this at start, with `AUDIT_HMAC_KEY` installed.
pub async fn key_chain(
    db: &sea_orm::DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Keying, DbErr> {
    let txn = super::db::begin_write(db).await?;
    lock(&txn).await?;
    let latest = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Id)
        .one(&txn)
        .await?;
    let Some(latest) = latest else {
        txn.rollback().await?;
        return Ok(Keying::Empty);
    };
    let key = installed_key();
    match link(key, &latest.prev_hash, &latest) {
        Link::Keyed => {
            txn.rollback().await?;
            Ok(Keying::Keyed)
        }
        Link::Broken => {
            txn.rollback().await?;
            Ok(Keying::Mismatch {
                event_id: latest.id,
            })
        }
        Link::Legacy => {
            let event = record(
                &txn,
                &Actor::system("audit-key"),
                Event {
                    action: crate::domain::AuditAction::AuditKeyed,
                    entity_type: "audit",
                    entity_id: None,
                    before: None,
                    after: Some(serde_json::json!({
                        "algorithm": "HMAC-SHA-256",
                        "legacy_up_to_event_id": latest.id,
                        "development_key": key.is_development(),
                    })),
                },
                now,
            )
            .await?;
            txn.commit().await?;
            Ok(Keying::KeyedNow { event_id: event.id })
        }
    }
}

// ---- Checkpoints ------------------------------------------------------------------------------

/// A point of the chain written down away from the server (a paper log, a report upward):
/// the newest event's id, how many events the trail had recorded up to it (archived ones
/// included) and its hash. `server audit-checkpoint` prints one; `server verify-audit --checkpoint`
/// checks that the chain still holds it, so removing the newest events (which leaves a shorter
/// chain that verifies) is detected, as is any change before it. As text: `ID:COUNT:HASH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub event_id: i64,
    pub events: u64,
    pub hash: String,
}

impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.event_id, self.events, self.hash)
    }
}

impl std::str::FromStr for Checkpoint {
    type Err = String;

    /// `ID:COUNT:HASH`, alone or at the start of the line `audit-checkpoint` prints.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad =
            || format!("a checkpoint is ID:COUNT:HASH (as audit-checkpoint prints it): {text}");
        let token = text.split_whitespace().next().ok_or_else(bad)?;
        let mut parts = token.split(':');
        let (Some(id), Some(count), Some(hash), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let hash = hash.to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Checkpoint {
            event_id: id.parse().map_err(|_| bad())?,
            events: count.parse().map_err(|_| bad())?,
            hash,
        })
    }
}

/// How many events were recorded up to and including `event_id`: those archived and those still in
/// the database.
async fn recorded_up_to<C: ConnectionTrait>(db: &C, event_id: i64) -> Result<u64, DbErr> {
    use sea_orm::sea_query::{Alias, Expr, Query};
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    let sum = Query::select()
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(event_count), 0) AS BIGINT)"),
            Alias::new("archived"),
        )
        .from(Alias::new("audit_archives"))
        .to_owned();
    let backend = db.get_database_backend();
    let archived: i64 = match db.query_one_raw(backend.build(&sum)).await? {
        Some(row) => row.try_get("", "archived")?,
        None => 0,
    };
    let present = audit_event::Entity::find()
        .filter(audit_event::Column::Id.lte(event_id))
        .count(db)
        .await?;
    Ok(archived.max(0) as u64 + present)
}

/// The newest event as a checkpoint; None while the trail is empty.
pub async fn checkpoint<C: ConnectionTrait>(db: &C) -> Result<Option<Checkpoint>, DbErr> {
    let Some(latest) = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Checkpoint {
        event_id: latest.id,
        events: recorded_up_to(db, latest.id).await?,
        hash: latest.hash,
    }))
}

/// What the chain says about a checkpoint (check the chain itself with [`verify_with`] first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointCheck {
    /// The event is there with that hash, and as many events were recorded up to it.
    Holds,
    /// The event is there but its hash or the count up to it differs.
    Differs { hash: String, events: u64 },
    /// No such event: the newest events were removed (or the checkpoint is another database's).
    Missing,
    /// The event was archived (an archive up to `up_to_event_id` vouched for by the chain): check
    /// the checkpoint in the archive file.
    Archived { up_to_event_id: i64 },
}

pub async fn check_checkpoint<C: ConnectionTrait>(
    db: &C,
    checkpoint: &Checkpoint,
) -> Result<CheckpointCheck, DbErr> {
    let event = audit_event::Entity::find_by_id(checkpoint.event_id)
        .one(db)
        .await?;
    if let Some(event) = event {
        let events = recorded_up_to(db, event.id).await?;
        return Ok(
            if event.hash == checkpoint.hash && events == checkpoint.events {
                CheckpointCheck::Holds
            } else {
                CheckpointCheck::Differs {
                    hash: event.hash,
                    events,
                }
            },
        );
    }
    Ok(match latest_archive(db).await? {
        Some(a) if a.up_to_event_id == checkpoint.event_id => {
            let events = recorded_up_to(db, a.up_to_event_id).await?;
            if a.last_hash == checkpoint.hash && events == checkpoint.events {
                CheckpointCheck::Holds
            } else {
                CheckpointCheck::Differs {
                    hash: a.last_hash,
                    events,
                }
            }
        }
        Some(a) if a.up_to_event_id > checkpoint.event_id => CheckpointCheck::Archived {
            up_to_event_id: a.up_to_event_id,
        },
        _ => CheckpointCheck::Missing,
    })
}
