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
