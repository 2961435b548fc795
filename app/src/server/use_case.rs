//! One use case's context: the database, who acts (a signed-in person with their request, a
//! visitor not yet signed in, or an operator at the command line) and the time. Every transport
//! builds it once — the Leptos glue in [`super::context`], the API's `Caller`, the command line —
//! and services take it instead of `(db, user, meta, …, now)`. Nothing here knows Leptos or axum.
use crate::domain::Capability;
use crate::error::AppError;
use crate::model::SessionUser;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction};

/// A use case acted out by `A` (by default a signed-in [`Person`]).
#[derive(Clone, Debug)]
pub struct UseCase<A = Person> {
    pub db: DatabaseConnection,
    pub actor: A,
    /// Now, read once from the server's [`Clock`] when the use case began.
    pub now: DateTime<Utc>,
}

/// A signed-in person and the request they act through.
#[derive(Clone, Debug)]
pub struct Person {
    pub user: SessionUser,
    pub meta: RequestMeta,
}

/// Someone not (yet) signed in: only the request is known.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub meta: RequestMeta,
}

/// An operator at the server's command line, or the server itself; `what` names the command.
#[derive(Clone, Debug)]
pub struct Operator {
    pub what: &'static str,
}

impl<A> UseCase<A> {
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Begins the use case's one write transaction ([`super::db::begin_write`]).
    pub async fn begin(&self) -> Result<DatabaseTransaction, AppError> {
        Ok(super::db::begin_write(&self.db).await?)
    }
}

impl UseCase<Person> {
    pub fn new(
        db: DatabaseConnection,
        user: SessionUser,
        meta: RequestMeta,
        now: DateTime<Utc>,
    ) -> Self {
        UseCase {
            db,
            actor: Person { user, meta },
            now,
        }
    }

    pub fn user(&self) -> &SessionUser {
        &self.actor.user
    }

    pub fn meta(&self) -> &RequestMeta {
        &self.actor.meta
    }

    /// The person, when their role holds `capability` ([`crate::domain::Role::may`]); otherwise
    /// `Forbidden`.
    pub fn require(&self, capability: Capability) -> Result<&SessionUser, AppError> {
        if self.actor.user.role.may(capability) {
            Ok(&self.actor.user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether the person's role holds `capability`.
    pub fn may(&self, capability: Capability) -> bool {
        self.actor.user.role.may(capability)
    }
}

impl UseCase<Visitor> {
    pub fn visitor(db: DatabaseConnection, meta: RequestMeta, now: DateTime<Utc>) -> Self {
        UseCase {
            db,
            actor: Visitor { meta },
            now,
        }
    }

    pub fn meta(&self) -> &RequestMeta {
        &self.actor.meta
    }
}

impl UseCase<Operator> {
    pub fn operator(db: DatabaseConnection, what: &'static str, now: DateTime<Utc>) -> Self {
        UseCase {
            db,
            actor: Operator { what },
            now,
        }
    }
}

/// The time, as the server sees it. Tests fix it; nothing else reads the system clock.
#[derive(Clone)]
pub struct Clock(std::sync::Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Clock(std::sync::Arc::new(Utc::now))
    }

    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock(std::sync::Arc::new(move || at))
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// Who made the request, as recorded in audit events.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    /// The client's address: the TCP peer, or, when the peer is a trusted reverse proxy
    /// (`TRUSTED_PROXIES`), the client the proxy forwarded for.
    pub source_ip: Option<String>,
    /// The TCP peer itself (the proxy, when there is one).
    pub peer_ip: Option<String>,
    /// The server's own id of the request (never one a client chose).
    pub request_id: Option<String>,
    /// The API token the request was authenticated with (`Authorization: Bearer`), if any.
    pub token_id: Option<i32>,
    /// The readings already recorded in this request.
    pub reads: ReadLog,
}

impl RequestMeta {
    /// The TCP peer when it is not the client: the reverse proxy the request came through.
    pub fn proxy_ip(&self) -> Option<String> {
        self.peer_ip
            .clone()
            .filter(|peer| Some(peer) != self.source_ip.as_ref())
    }
}

/// The readings (`custodian.viewed`, `audit.viewed`) recorded during one request, so that a page
/// whose server function runs twice while one response renders records one view, not two (see
/// [`super::audit::record_read`]). Shared by every copy of one request's [`RequestMeta`]; outside
/// a request (the command line) there is none, and every reading is recorded.
#[derive(Clone, Debug, Default)]
pub struct ReadLog(Option<std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>>);

impl ReadLog {
    /// An empty log for a new request.
    pub fn for_request() -> Self {
        ReadLog(Some(Default::default()))
    }

    /// Notes `key` and says whether it is new in this request (always yes without a log).
    pub(crate) fn first(&self, key: &str) -> bool {
        match &self.0 {
            None => true,
            Some(seen) => seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(key.to_string()),
        }
    }

    /// Forgets `key` (its recording failed, so a later try may record it).
    pub(crate) fn forget(&self, key: &str) {
        if let Some(seen) = &self.0 {
            seen.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(key);
        }
    }
}
