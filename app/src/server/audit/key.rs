//! The audit trail's HMAC key (AUDIT_HMAC_KEY): read once at start, installed for the process.

/// The shortest `AUDIT_HMAC_KEY` accepted, in bytes: as long as the HMAC-SHA-256 output (RFC 2104
/// section 3 advises against keys shorter than that; OWASP ASVS 5.0 11.2.3, at least 128 bits of
/// security).
pub const MIN_KEY_BYTES: usize = 32;

/// The key used when `AUDIT_HMAC_KEY` is not set (development and tests; production refuses to
/// start without a key of its own). It is published here, so a chain keyed with it proves nothing
/// against the database owner; the chain still detects edits made without recomputing.
pub(super) const DEVELOPMENT_KEY: &str = "registry development audit key: published, never secret";

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

    pub(super) fn mac(&self) -> hmac::Hmac<sha2_for_hmac::Sha256> {
        use hmac::KeyInit as _;
        hmac::Hmac::new_from_slice(&self.0).expect("HMAC takes a key of any length")
    }
}

pub(super) static KEY: std::sync::OnceLock<AuditKey> = std::sync::OnceLock::new();
pub(super) static DEVELOPMENT: std::sync::LazyLock<AuditKey> =
    std::sync::LazyLock::new(AuditKey::development);

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
