//! A value that must never reach a log, an error message or a page: the SMTP URL (its user and
//! password), and the like. OWASP ASVS 5.0 16.2.5 (no credentials in logs): `Debug` prints a
//! placeholder and there is no `Display`, so `{:?}` of a configuration is safe; code that needs
//! the value says so with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that uses it (never for a log).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("smtp://user:hunter2@mail.example");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert_eq!(secret.expose(), "smtp://user:hunter2@mail.example");
    }

    #[test]
    fn session_tokens_and_shown_passwords_never_reach_debug() {
        use crate::server::credentials::SessionToken;
        use crate::server::people::PasswordOutcome;
        let token = SessionToken("s3cr3t-session-value".into());
        assert!(!format!("{token:?}").contains("s3cr3t"));
        let shown = PasswordOutcome::Shown {
            username: "submitter".into(),
            password: "Temp-hunter2-pass".into(),
        };
        let printed = format!("{shown:?}");
        assert!(
            printed.contains("submitter") && !printed.contains("hunter2"),
            "{printed}"
        );
        let fresh = crate::model::FreshSecret {
            username: "submitter".into(),
            value: "Temp-hunter2-pass".into(),
        };
        assert!(!format!("{fresh:?}").contains("hunter2"));
    }
}
