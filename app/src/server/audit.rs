//! The audit trail: one append-only event per change, written in the same transaction as the change.
//! Events form a hash chain (each hash covers the event and its predecessor's hash), so an edit or a
//! deletion made behind the application's back is detectable.
use super::entities::audit_event;
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
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
    /// The API token the person acted with, when not in a browser session.
    pub token_id: Option<i32>,
}

impl Actor {
    pub fn user(user: &SessionUser, meta: &super::context::RequestMeta) -> Self {
        Actor {
            user_id: Some(user.id),
            username: Some(user.username.clone()),
            role: Some(user.role.as_str().to_string()),
            source_ip: meta.source_ip.clone(),
            request_id: meta.request_id.clone(),
            token_id: meta.token_id,
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
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The chain hash of an event's content and its predecessor.
fn chain_hash(prev_hash: &str, m: &audit_event::Model) -> String {
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
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(content.to_string().as_bytes());
    hex::encode(hasher.finalize())
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
        .await?
        .unwrap_or_else(|| GENESIS.to_string());
    // Microsecond precision: what both databases store, so the hash can be recomputed from the row.
    let occurred_at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let mut model = audit_event::Model {
        id: 0,
        occurred_at,
        actor_user_id: actor.user_id,
        actor_username: actor.username.clone(),
        actor_role: actor.role.clone(),
        source_ip: actor.source_ip.clone(),
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
    model.hash = chain_hash(&prev_hash, &model);
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
        ..Default::default()
    };
    active.insert(txn).await
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum ChainCheck {
    Intact {
        events: u64,
    },
    /// The first event whose stored hash or predecessor link does not match.
    BrokenAt {
        id: i64,
    },
}

/// Recomputes every hash in order.
pub async fn verify<C: ConnectionTrait>(db: &C) -> Result<ChainCheck, DbErr> {
    let events = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await?;
    let mut prev = GENESIS.to_string();
    for event in &events {
        if event.prev_hash != prev || chain_hash(&prev, event) != event.hash {
            return Ok(ChainCheck::BrokenAt { id: event.id });
        }
        prev = event.hash.clone();
    }
    Ok(ChainCheck::Intact {
        events: events.len() as u64,
    })
}
