//! What server functions hand to pages: plain serialisable view models shared by server and browser.
use crate::domain::{Role, Viewer};
use crate::i18n::Locale;
use serde::{Deserialize, Serialize};

/// The signed-in person, as the session layer resolves it for every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i32>,
    pub unit_name: Option<String>,
}

impl SessionUser {
    pub fn viewer(&self) -> Viewer {
        Viewer {
            role: self.role,
            unit_id: self.unit_id,
        }
    }
}

/// A platform's names in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformName {
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl PlatformName {
    pub fn in_locale(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.zh,
            Locale::En => &self.en,
        }
    }
}

mod admin;
mod filings;
mod registry;

pub use admin::*;
pub use filings::*;
pub use registry::*;

/// What a form post hands to the page its redirect lands on (issue 17, item 3): the error that
/// stopped it, or the code of what it did, for the page to say in words. It travels in a cookie
/// that lives a minute and is cleared by the first page that reads it, so nothing of it shows in
/// the address bar or survives a refresh.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub error: Option<crate::error::AppError>,
    pub done: Option<String>,
    /// Short values of the refused form, by field name, typed back into it (issue 17, item 4):
    /// the username of a failed sign-in. Never a secret: the flash is a cookie.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<(String, String)>,
}

impl Flash {
    pub const COOKIE: &'static str = "flash";

    /// The cookie's value: the JSON, hex-encoded (cookie-safe).
    #[cfg(feature = "ssr")]
    pub fn to_cookie(&self) -> String {
        hex::encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// The flash a cookie holds; `None` for anything else (a cookie is the client's to forge).
    #[cfg(feature = "ssr")]
    pub fn from_cookie(value: &str) -> Option<Flash> {
        serde_json::from_slice(&hex::decode(value.trim()).ok()?).ok()
    }

    /// What was typed into the field `name` of the refused form, if it was kept.
    pub fn kept(&self, name: &str) -> Option<&str> {
        self.kept
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}
