//! The administrators', security administrator's and auditor's pages: outbox, tokens, audit trail, people.
use super::*;
use crate::domain::Role;
use serde::{Deserialize, Serialize};

/// One e-mail in the outbox, as the administrators' page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    /// `user`, `county_office` or `upper_level`.
    pub recipient_kind: String,
    pub recipient_address: Option<String>,
    pub subject: String,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub filing_id: Option<i32>,
}

/// The outbox page: counts by status and one page of messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxView {
    pub counts: Vec<(String, u64)>,
    pub status: Option<String>,
    pub rows: Vec<OutboxRow>,
    pub page: u64,
    pub pages: u64,
}

/// An API token as its owner (or an administrator) sees it on the tokens page; never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: i32,
    pub username: String,
    pub name: String,
    /// The token's first characters.
    pub prefix: String,
    /// `read` or `write`.
    pub scope: String,
    /// RFC 3339.
    pub created_at: String,
    /// Every token has an end (issue 15).
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Neither revoked nor expired.
    pub active: bool,
}

/// The tokens page: the tokens the viewer may see, and a token just created (shown this once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensView {
    pub rows: Vec<TokenRow>,
    /// Administrators see everyone's tokens.
    pub all_users: bool,
    /// The secret of the token created by the request just before, read once from its cookie.
    pub fresh: Option<String>,
    /// The viewer has a second factor: a new token asks for its code instead of the password.
    pub second_factor: bool,
}

/// The audit trail's filter as it travels in the URL: `from` and `to` (China dates, YYYY-MM-DD,
/// both days included), `action` (a prefix: `filing.` or `auth.sign_in`), `actor` (a username),
/// `entity_type` and `entity_id`, and the `page`. Text is trimmed and cut to size here; the dates
/// are checked by the server, which refuses a malformed one rather than quietly showing
/// everything. Every field may be left out (page 0 is the first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub page: u64,
}

impl AuditFilter {
    /// Longest text accepted in a filter field (the columns are at most 64 characters).
    const MAX_TEXT: usize = 64;

    /// From the URL's query parameters; an unreadable page is the first.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |key: &str| {
            get(key)
                .map(|v| v.trim().chars().take(Self::MAX_TEXT).collect::<String>())
                .filter(|v| !v.is_empty())
        };
        AuditFilter {
            from: text("from"),
            to: text("to"),
            action: text("action"),
            actor: text("actor"),
            entity_type: text("entity_type"),
            entity_id: text("entity_id"),
            page: get("page")
                .and_then(|p| p.trim().parse::<u64>().ok())
                .filter(|p| (1..=crate::domain::registry::MAX_PAGE).contains(p))
                .unwrap_or(1),
        }
    }

    /// The filter's parameters (the page aside), in URL order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("action", &self.action),
            ("actor", &self.actor),
            ("entity_type", &self.entity_type),
            ("entity_id", &self.entity_id),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }

    /// The same filter on `page`, as a query string (`?from=…&page=2`; empty for page 1 of
    /// everything).
    pub fn query_string(&self, page: u64) -> String {
        let mut pairs = self.pairs();
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        if pairs.is_empty() {
            return String::new();
        }
        let encoded: Vec<String> = pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", crate::domain::registry::encode(&v)))
            .collect();
        format!("?{}", encoded.join("&"))
    }
}

/// One audit event as the auditor reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventRow {
    pub id: i64,
    /// RFC 3339, in UTC; shown in China time.
    pub at: String,
    /// None: the system itself; `cli:…` for the server's command line.
    pub actor: Option<String>,
    pub role: Option<Role>,
    pub source_ip: Option<String>,
    /// The reverse proxy the request came through, when the client did not connect directly.
    pub peer_ip: Option<String>,
    pub request_id: Option<String>,
    /// The API token the action was taken with.
    pub via_token: Option<i32>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    /// (field, before, after) as text; custodians' mobiles masked.
    pub changes: Vec<(String, String, String)>,
    /// The object as people know it: a filing's number, an account's name, a user's username.
    #[serde(default)]
    pub object_name: Option<String>,
    /// The filing an account's event names by number, for its link.
    #[serde(default)]
    pub filing_id: Option<i32>,
}

/// The latest archive of old events (`server archive-audit`), as the trail mentions it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditArchiveNote {
    /// RFC 3339.
    pub archived_at: String,
    pub up_to_event_id: i64,
    pub event_count: i64,
    pub file_name: String,
    pub file_sha256: String,
}

/// One page of the audit trail, newest first, with the filter it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditTrailView {
    pub filter: AuditFilter,
    pub rows: Vec<AuditEventRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    /// The kinds of object events are about, for the filter.
    pub entity_types: Vec<String>,
    pub archive: Option<AuditArchiveNote>,
}

/// A person's user account as the system and security administrators see it (never a password, a
/// hash or a second-factor secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub email: Option<String>,
    /// The language of their notices (`zh-CN` or `en`).
    pub locale: String,
    pub active: bool,
    /// RFC 3339, when the account is locked now.
    pub locked_until: Option<String>,
    pub failed_sign_ins: i32,
    pub must_change_password: bool,
    /// RFC 3339.
    pub password_changed_at: String,
    pub second_factor: bool,
    /// They must enrol a second factor and need an enrolment code for it (issue 15 item 7).
    pub enrolment_code_needed: bool,
}

/// The password policy in force, as the security administrator edits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    pub min_length: u32,
    pub min_classes: u32,
    /// 0: passwords do not expire.
    pub max_age_days: u32,
    pub history: u32,
    pub lockout_threshold: u32,
    pub lockout_minutes: u32,
    /// Set by the security administrator (else: the deployment's configuration).
    pub set_here: bool,
}

/// The user administration pages: the people, the units a submitter may belong to, the policy, and
/// who is looking (nobody acts on their own account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleView {
    pub rows: Vec<PersonRow>,
    pub units: Vec<UnitOption>,
    pub policy: PolicyView,
    pub viewer_id: i32,
    /// Requests awaiting a second person (issue 15 item 3).
    pub requests: Vec<AccountRequestRow>,
    /// A submitter's temporary password just made, shown this once.
    pub fresh_password: Option<FreshSecret>,
    /// An enrolment code just issued, shown this once.
    pub fresh_enrolment_code: Option<FreshSecret>,
}

/// A request on an account awaiting a second person (issue 15 item 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRequestRow {
    pub id: i32,
    /// The account it is about.
    pub username: String,
    /// `password_reset`, `second_factor_reset` or `role_change`.
    pub kind: String,
    pub role: Option<Role>,
    pub unit_code: Option<String>,
    pub requested_by: String,
    /// RFC 3339.
    pub requested_at: String,
    /// The viewer asked for it (they may withdraw it, not confirm it).
    pub own: bool,
    /// It is about the viewer's own account (they may not decide it).
    pub about_viewer: bool,
}

/// A secret made for a person and shown once to the security administrator who asked for it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreshSecret {
    pub username: String,
    pub value: String,
}

/// Never the value (ASVS 5.0 16.2.5: no credentials in logs).
impl std::fmt::Debug for FreshSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FreshSecret")
            .field("username", &self.username)
            .field("value", &"…")
            .finish()
    }
}

/// What the password page shows: why a change is required (if it is), the rules, and when the
/// password was set and must next be changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordView {
    pub username: String,
    pub reason: Option<crate::domain::password::ChangeReason>,
    pub min_length: usize,
    pub min_classes: u8,
    pub history: usize,
    /// None: passwords do not expire.
    pub max_age_days: Option<i64>,
    /// RFC 3339.
    pub changed_at: String,
    pub due_at: Option<String>,
}

/// An enrolment begun and not yet confirmed, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEnrolmentView {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    pub uri: String,
    /// An `<svg>` element drawn by the server from `uri`.
    pub qr_svg: String,
}

/// What the second-factor page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorView {
    pub username: String,
    /// RFC 3339; None: no second factor in force.
    pub enabled_at: Option<String>,
    pub pending: Option<PendingEnrolmentView>,
    pub recovery_codes_left: u64,
    /// The person may do nothing else until they enrol (`TOTP_REQUIRED` and their role).
    pub required: bool,
    /// Enrolling needs the security administrator's one-time enrolment code (issue 15 item 7).
    pub enrolment_code_needed: bool,
    /// Recovery codes just made, shown this once (from their one-time cookie).
    pub fresh_codes: Vec<String>,
}
