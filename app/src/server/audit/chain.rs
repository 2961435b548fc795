//! The hash chain: linking each event to the one before, walking and verifying the chain, and
//! keying a trail written before the key.
use super::key::*;
use super::*;
use crate::server::db::Keyset;

/// How an event hangs on its predecessor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Link {
    /// Its hash is the HMAC under the key.
    Keyed,
    /// Its hash is a plain SHA-256, or (when the key is a real one) the HMAC under the published
    /// development key: written before the chain was keyed with this key.
    Legacy,
    Broken,
}

pub(super) fn link(key: &AuditKey, prev_hash: &str, event: &audit_event::Model) -> Link {
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
pub(super) const VERIFY_CHUNK: u64 = 5000;

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
    let after = archive.as_ref().map_or(i64::MIN, |a| a.up_to_event_id);
    let mut events = Keyset::new(
        audit_event::Entity::find(),
        audit_event::Column::Id,
        after,
        VERIFY_CHUNK,
    );
    let mut count = 0u64;
    let mut last_id = None;
    while let Some(chunk) = events.next(db).await? {
        for event in &chunk {
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
    let txn = crate::server::db::begin_write(db).await?;
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
                Event::new(crate::domain::AuditAction::AuditKeyed, "audit").after(
                    serde_json::json!({
                        "algorithm": "HMAC-SHA-256",
                        "legacy_up_to_event_id": latest.id,
                        "development_key": key.is_development(),
                    }),
                ),
                now,
            )
            .await?;
            txn.commit().await?;
            Ok(Keying::KeyedNow { event_id: event.id })
        }
    }
}
