//! Checkpoints of the trail (ID:COUNT:HASH) an operator keeps away from the server.
use super::chain::*;
use super::*;

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
pub(super) async fn recorded_up_to<C: ConnectionTrait>(
    db: &C,
    event_id: i64,
) -> Result<u64, DbErr> {
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
