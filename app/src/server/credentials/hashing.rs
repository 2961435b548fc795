//! Password hashing (argon2) through a gate that keeps a flood of sign-ins from queueing without bound.
use crate::error::AppError;

/// Password hashing (argon2) on the blocking pool, a few at a time. Each hash costs tens of
/// milliseconds of a core and 19 MiB of memory, so a flood of sign-ins would otherwise queue
/// without bound on the blocking pool, and everyone's sign-in with it. Work that cannot get a
/// permit within [`HashingGate::WAIT`] is refused with [`AppError::Busy`] (503, `Retry-After`),
/// having done nothing (OWASP ASVS 5.0 15.2.2).
pub struct HashingGate {
    permits: tokio::sync::Semaphore,
    wait: std::time::Duration,
}

impl HashingGate {
    /// How long work waits for a permit before it is refused.
    pub const WAIT: std::time::Duration = std::time::Duration::from_secs(2);

    pub const fn new(permits: usize, wait: std::time::Duration) -> Self {
        HashingGate {
            permits: tokio::sync::Semaphore::const_new(permits),
            wait,
        }
    }

    /// The server's gate: two permits per core the process may use.
    pub fn shared() -> &'static HashingGate {
        static GATE: std::sync::OnceLock<HashingGate> = std::sync::OnceLock::new();
        GATE.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            HashingGate::new(2 * cores, HashingGate::WAIT)
        })
    }

    /// Runs `work` on the blocking pool once a permit is free. The permit goes with the work, so
    /// it is held until the hashing ends even if the request is dropped meanwhile.
    pub async fn run<T: Send + 'static>(
        &'static self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(closed)) => return Err(AppError::internal(closed)),
            Err(_) => {
                tracing::warn!("password hashing at its limit: request refused");
                return Err(AppError::Busy);
            }
        };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(AppError::internal)
    }
}

/// An argon2 hash of a new password (through the [`HashingGate`]).
pub(crate) async fn hash_password(password: String) -> Result<String, AppError> {
    HashingGate::shared()
        .run(move || password_auth::generate_hash(password))
        .await
}

/// Verifies a password against a stored hash, or against a decoy when there is no user, so that an
/// unknown user costs the same time as a wrong password. Runs through the [`HashingGate`].
pub(crate) async fn password_matches(
    password: String,
    hash: Option<String>,
) -> Result<bool, AppError> {
    HashingGate::shared()
        .run(move || {
            let hash = hash.unwrap_or_else(|| decoy_hash().to_string());
            password_auth::verify_password(password, &hash).is_ok()
        })
        .await
}

/// A hash of no one's password (computed once, on the blocking pool).
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| password_auth::generate_hash("decoy: no account has this password"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn hashing_beyond_the_permits_waits_briefly_then_is_refused_as_busy() {
        static GATE: HashingGate = HashingGate::new(1, Duration::from_millis(200));
        let held = GATE.permits.acquire().await.unwrap();

        let started = std::time::Instant::now();
        let refused = GATE.run(|| "hashed").await;

        assert_eq!(refused, Err(AppError::Busy));
        assert!(
            started.elapsed() >= Duration::from_millis(200),
            "it waited first"
        );
        assert_eq!(AppError::Busy.status(), 503);
        assert!(AppError::Busy.retry_after().is_some());
        drop(held);
        assert_eq!(GATE.run(|| "hashed").await, Ok("hashed"));
    }

    #[tokio::test]
    async fn a_permit_freed_while_waiting_lets_the_work_run() {
        static GATE: HashingGate = HashingGate::new(1, Duration::from_secs(5));
        let held = GATE.permits.acquire().await.unwrap();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(held);
        });

        assert_eq!(GATE.run(|| 2 + 2).await, Ok(4));
        release.await.unwrap();
    }

    #[tokio::test]
    async fn the_permit_is_held_until_the_hashing_ends_even_if_its_request_is_dropped() {
        static GATE: HashingGate = HashingGate::new(1, Duration::from_millis(100));
        let (started, started_rx) = std::sync::mpsc::channel();
        let (finish, finish_rx) = std::sync::mpsc::channel::<()>();
        let running = tokio::spawn(GATE.run(move || {
            started.send(()).unwrap();
            finish_rx.recv().unwrap();
        }));
        tokio::task::spawn_blocking(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        running.abort();

        assert_eq!(GATE.run(|| ()).await, Err(AppError::Busy));
        finish.send(()).unwrap();
        assert_eq!(GATE.run(|| ()).await, Ok(()));
    }
}
