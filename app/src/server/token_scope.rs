//! The scope of an API token ([`crate::server::tokens`]): a leaf module, so that the
//! `api_tokens` entity stores it as its code without depending on the tokens' services.
use serde::{Deserialize, Serialize};

/// What a token may do. A browser session is not limited by a scope; only bearer tokens are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Reading: units, platforms, the deadline calculator, the registry and its exports, filings
    /// and their history, one's tokens.
    Read,
    /// Reading, and the steps that change filings (create, edit, submit, review, report, complete)
    /// and revoking tokens.
    Write,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::Read, Scope::Write];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// Whether a token of this scope may call an endpoint that needs `needed`.
    pub fn allows(self, needed: Scope) -> bool {
        self == Scope::Write || needed == Scope::Read
    }
}
