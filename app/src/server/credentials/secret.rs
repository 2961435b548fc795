//! A plaintext credential handed around once: an API token shown at its issue, a temporary
//! password or an enrolment code for the administrator to pass on. It neither prints nor logs its
//! value (no `Display`, a redacted `Debug`), so a stray `{:?}` or `tracing` field cannot leak it
//! (ASVS 5.0 V16.2.5); the value is read only through [`Secret::expose`].
use serde::{Serialize, Serializer};

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The plaintext, for the one place that must show or hash it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The plaintext, taken out of the secret.
    pub fn into_exposed(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Serialised as its plaintext: only into the one response that shows it to its holder.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}
