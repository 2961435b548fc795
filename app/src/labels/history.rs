//! Recorded changes as people read them (issue 17, item 6): every value through its label, the
//! fields in the order of the 备案表, row ids, hashes and internal flags left out, sizes in KB or
//! MB. Histories and the auditors' trail read events alike; the stored events stay as recorded
//! (their hashes cover them), only their reading changes.
use super::{attachment_kind, china_time, due, field_key, kind, role, state, status, yes_no};
use crate::domain::filing::{FilingKind, FilingState};
use crate::domain::{AccountStatus, AuditAction, Role};
use crate::i18n::{Locale, Msg};

/// Keys that identify rows or steer the workflow rather than describe what changed, and what a
/// person cannot read (a file's hash and MIME type): never a line of their own.
const HIDDEN: [&str; 14] = [
    "account_id",
    "platform_id",
    "unit_id",
    "host_unit_id",
    "attachment_id",
    "number",
    "changes",
    "warnings",
    "awaiting_completion",
    "completion_required",
    "due_provisional",
    "sha256",
    "content_type",
    "version",
];

/// The order lines are read in: what the step was, the 备案表's fields as the form lists them
/// ([`crate::domain::filing::Field`]'s order), the account's own facts, then the review's
/// record. Keys not listed follow, alphabetically.
const ORDER: [&str; 37] = [
    "filing",
    "kind",
    "state",
    "status",
    "account_name",
    "name",
    "platform_account_id",
    "verification_subject",
    "operating_unit",
    "outsourced",
    "purpose",
    "custodian_name",
    "custodian_mobile",
    "leader_name",
    "leader_consent_on",
    "collective_decision_on",
    "reason",
    "opened_on",
    "in_national_system",
    "password_rotated_on",
    "rotated_on",
    "art9_waiver",
    "note",
    "decision_note",
    "received_at",
    "due_on",
    "reported_on",
    "reported_to",
    "report_reference",
    "correction_reason",
    "previous_reported_on",
    "previous_reported_to",
    "previous_reference",
    "platform_done_on",
    "announcement_url",
    "file_name",
    "size_bytes",
];

/// What a line's new value is: text, or a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    /// An address outside the application (an announcement), only ever http or https.
    External(String),
    /// A filing of this application, by its number; linked when its id is known.
    Filing(String),
}

impl Value {
    pub fn text(&self) -> &str {
        match self {
            Value::Text(t) | Value::External(t) | Value::Filing(t) => t,
        }
    }
}

/// One line of a recorded change: the field's label, what it was (empty when it had no value),
/// what it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub key: String,
    pub label: String,
    pub old: String,
    pub new: Value,
}

/// An address that may be a link: http or https only, so a recorded `javascript:` or `data:` URL
/// is shown as text and never followed.
pub fn safe_href(url: &str) -> Option<&str> {
    let url = url.trim();
    let scheme = url.split_once(':')?.0.to_ascii_lowercase();
    (matches!(scheme.as_str(), "http" | "https") && url[scheme.len()..].starts_with("://"))
        .then_some(url)
}

/// A file's size as people read it: KB under a megabyte (rounded up, so no file is "0 KB"), MB
/// with one decimal above.
pub fn file_size(bytes: &str, locale: Locale) -> String {
    let Ok(bytes) = bytes.parse::<u64>() else {
        return bytes.to_string();
    };
    if bytes < 1024 * 1024 {
        locale.tf(
            Msg::HistorySizeKb,
            &[("n", &bytes.div_ceil(1024).to_string())],
        )
    } else {
        let mb = format!("{:.1}", bytes as f64 / (1024.0 * 1024.0));
        locale.tf(Msg::HistorySizeMb, &[("n", &mb)])
    }
}

/// Whether the event's `kind` is an attachment's (its type of document), not a filing's.
fn about_attachment(action: &str) -> bool {
    matches!(
        AuditAction::parse(action),
        Some(AuditAction::FilingAttachmentAdded | AuditAction::AttachmentDownloaded)
    )
}

/// A field's label, in the event's sense of the key.
fn label(action: &str, key: &str, locale: Locale) -> String {
    let msg = match key {
        "kind" if about_attachment(action) => Some(Msg::FilingAttachmentKind),
        "file_name" => Some(Msg::HistoryFileName),
        // Out of the form's custodian box, "name" and "mobile" say too little.
        "custodian_name" => Some(Msg::AccountCustodian),
        "custodian_mobile" => Some(Msg::HistoryCustodianMobile),
        "size_bytes" => Some(Msg::HistoryFileSize),
        "filing" => Some(Msg::AuditEntityFiling),
        "opened_on" => Some(Msg::AccountOpenedOn),
        "in_national_system" => Some(Msg::AccountInNationalSystem),
        "correction_reason" => Some(Msg::FilingCorrectionReason),
        "role" => Some(Msg::PeopleRole),
        _ => field_key(key),
    };
    match msg {
        Some(m) => locale.t(m).to_string(),
        None => key.to_string(),
    }
}

/// A recorded value as a person reads it: codes translated, booleans as yes or no, instants in
/// China time, sizes in KB or MB.
pub fn value(action: &str, key: &str, value: &str, locale: Locale) -> String {
    let translated = match key {
        "state" => FilingState::parse(value).map(|s| state(s, false)),
        "status" => AccountStatus::parse(value).map(status),
        "kind" if about_attachment(action) => attachment_kind(value),
        "kind" => FilingKind::parse(value)
            .map(kind)
            .or_else(|| attachment_kind(value)),
        "role" => Role::parse(value).map(role),
        "size_bytes" => return file_size(value, locale),
        _ => match value {
            "true" => Some(yes_no(true)),
            "false" => Some(yes_no(false)),
            _ => None,
        },
    };
    match translated {
        Some(msg) => locale.t(msg).to_string(),
        None if key.ends_with("_at") => china_time(value),
        None => value.to_string(),
    }
}

fn rank(key: &str) -> usize {
    ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len())
}

/// The readable lines of an event's recorded changes `(key, old, new)`, in form order, without
/// the hidden keys. A due date that rests on an unpublished calendar year says so.
pub fn lines(action: &str, changes: &[(String, String, String)], locale: Locale) -> Vec<Line> {
    let provisional = |side: fn(&(String, String, String)) -> &str| {
        changes
            .iter()
            .any(|c| c.0 == "due_provisional" && side(c) == "true")
    };
    let (old_provisional, new_provisional) = (provisional(|c| &c.1), provisional(|c| &c.2));
    let mut lines: Vec<Line> = changes
        .iter()
        .filter(|(key, _, _)| !HIDDEN.contains(&key.as_str()))
        .map(|(key, old, new)| {
            let read = |v: &str, provisional: bool| {
                if key == "due_on" && !v.is_empty() {
                    due(v, provisional, locale)
                } else {
                    value(action, key, v, locale)
                }
            };
            let new = match key.as_str() {
                "announcement_url" if safe_href(new).is_some() => Value::External(new.clone()),
                "filing" if !new.is_empty() => Value::Filing(new.clone()),
                _ => Value::Text(read(new, new_provisional)),
            };
            Line {
                key: key.clone(),
                label: if key.is_empty() {
                    String::new()
                } else {
                    label(action, key, locale)
                },
                old: read(old, old_provisional),
                new,
            }
        })
        .collect();
    lines.sort_by(|a, b| (rank(&a.key), &a.key).cmp(&(rank(&b.key), &b.key)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(key: &str, old: &str, new: &str) -> (String, String, String) {
        (key.into(), old.into(), new.into())
    }

    fn read(action: &str, changes: &[(String, String, String)], locale: Locale) -> Vec<String> {
        lines(action, changes, locale)
            .into_iter()
            .map(|l| format!("{}: {} -> {}", l.label, l.old, l.new.text()))
            .collect()
    }

    #[test]
    fn states_and_flags_read_as_their_labels_in_either_language() {
        let changes = [
            change("state", "draft", "withdrawn"),
            change("outsourced", "false", "true"),
        ];
        assert_eq!(
            read("filing.withdrawn", &changes, Locale::ZhCn),
            ["状态: 草稿 -> 已撤回", "是否委托第三方: 否 -> 是"]
        );
        assert_eq!(
            read("filing.withdrawn", &changes, Locale::En),
            [
                "State: Draft -> Withdrawn",
                "Outsourced to a third party: No -> Yes"
            ]
        );
    }

    #[test]
    fn an_attachment_reads_as_its_type_name_and_size_without_hash_or_mime_type() {
        let changes = [
            change("attachment_id", "", "7"),
            change("content_type", "", "application/pdf"),
            change("file_name", "", "备案表.pdf"),
            change("kind", "", "signed_form"),
            change("sha256", "", "ab12"),
            change("size_bytes", "", "1536"),
        ];
        assert_eq!(
            read("filing.attachment_added", &changes, Locale::ZhCn),
            [
                "附件类型:  -> 签字盖章的备案表扫描件",
                "文件名:  -> 备案表.pdf",
                "文件大小:  -> 2 KB"
            ]
        );
    }

    #[test]
    fn sizes_read_in_kilobytes_or_megabytes() {
        assert_eq!(file_size("1", Locale::En), "1 KB");
        assert_eq!(file_size("1024", Locale::En), "1 KB");
        assert_eq!(file_size("3670016", Locale::En), "3.5 MB");
    }

    #[test]
    fn lines_follow_the_form_and_internal_flags_stay_out() {
        let changes = [
            change("completion_required", "", "false"),
            change("due_on", "", "2027-01-06"),
            change("due_provisional", "", "true"),
            change("purpose", "a", "b"),
            change("state", "draft", "submitted"),
            change("account_name", "x", "y"),
        ];
        let keys: Vec<_> = lines("filing.submitted", &changes, Locale::ZhCn)
            .into_iter()
            .map(|l| l.key)
            .collect();
        assert_eq!(keys, ["state", "account_name", "purpose", "due_on"]);
        let due = &lines("filing.submitted", &changes, Locale::ZhCn)[3];
        assert!(due.new.text().starts_with("2027-01-06（"), "{due:?}");
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(safe_href("https://gov.cn/a"), Some("https://gov.cn/a"));
        assert_eq!(safe_href(" HTTP://gov.cn "), Some("HTTP://gov.cn"));
        for bad in [
            "javascript:alert(1)",
            "JavaScript://x",
            "data:text/html,x",
            "/local",
            "",
        ] {
            assert_eq!(safe_href(bad), None, "{bad}");
        }
        let url = |u: &str| {
            lines(
                "filing.completion_recorded",
                &[change("announcement_url", "", u)],
                Locale::En,
            )
        };
        assert_eq!(
            url("https://gov.cn/a")[0].new,
            Value::External("https://gov.cn/a".into())
        );
        assert_eq!(
            url("javascript:alert(1)")[0].new,
            Value::Text("javascript:alert(1)".into())
        );
    }
}
