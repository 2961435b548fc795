//! The e-mail notices' templates: subject, plain text and HTML, in the recipient's language, from
//! what the outbox row says (`outbox::filing_params`, the reminder details). The text and the HTML
//! are built from the same lines, so they never say different things.
use super::notice_kind::NoticeKind;
use crate::domain::filing::FilingKind;
use crate::i18n::{Locale, Msg};
use serde_json::Value;

/// A notice ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

enum Line {
    Text(String),
    Link(String),
}

fn text<'a>(params: &'a Value, key: &str) -> &'a str {
    params.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn platform(params: &Value, locale: Locale) -> &str {
    match locale {
        Locale::ZhCn => text(params, "platform_zh"),
        Locale::En => text(params, "platform_en"),
    }
}

fn kind_label(params: &Value, locale: Locale) -> String {
    let label = FilingKind::parse(text(params, "filing_kind"))
        .map(|k| locale.t(crate::labels::kind(k)).to_string())
        .unwrap_or_default();
    match locale {
        // "Open request", "Change request" read as lower case inside an English sentence.
        Locale::En => label.to_lowercase(),
        Locale::ZhCn => label,
    }
}

/// The placeholders every filing notice may use.
fn filing_args(params: &Value, locale: Locale) -> Vec<(&'static str, String)> {
    vec![
        ("number", text(params, "number").to_string()),
        ("unit", text(params, "unit").to_string()),
        ("account", text(params, "account").to_string()),
        ("platform", platform(params, locale).to_string()),
        ("kind", kind_label(params, locale)),
        ("due", text(params, "due_on").to_string()),
        ("note", text(params, "note").to_string()),
        ("reference", text(params, "reference").to_string()),
        ("date", text(params, "reported_on").to_string()),
    ]
}

fn fill(locale: Locale, msg: Msg, args: &[(&'static str, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    locale.tf(msg, &borrowed)
}

/// The subject line alone (the administrators' outbox page shows it).
pub fn subject(kind: NoticeKind, locale: Locale, params: &Value) -> String {
    let args = match kind {
        NoticeKind::PasswordRotation => rotation_args(params),
        NoticeKind::TokenCreated => token_args(params, locale),
        kind if is_account(kind) => account_args(params, locale),
        _ => filing_args(params, locale),
    };
    let msg = match kind {
        NoticeKind::FilingSubmitted => Msg::MailSubmittedSubject,
        NoticeKind::FilingReturned => Msg::MailReturnedSubject,
        NoticeKind::FilingApproved => Msg::MailApprovedSubject,
        NoticeKind::FilingAwaitingCompletion => Msg::MailAwaitingSubject,
        NoticeKind::FilingRejected => Msg::MailRejectedSubject,
        // Issue 15, item 12: a correction says so, and is not a second report.
        NoticeKind::FilingReported if correction(params).is_some() => {
            Msg::MailReportCorrectedSubject
        }
        NoticeKind::FilingReported => Msg::MailReportedSubject,
        NoticeKind::FilingDueToday => Msg::MailDueTodaySubject,
        NoticeKind::FilingOverdue => Msg::MailOverdueSubject,
        NoticeKind::PasswordRotation => Msg::MailRotationSubject,
        NoticeKind::TokenCreated => Msg::MailTokenCreatedSubject,
        NoticeKind::AccountPasswordReset => Msg::MailAccountPasswordResetSubject,
        NoticeKind::AccountRoleChanged => Msg::MailAccountRoleChangedSubject,
        NoticeKind::AccountSecondFactorReset => Msg::MailAccountFactorResetSubject,
        NoticeKind::AccountDisabled => Msg::MailAccountDisabledSubject,
    };
    fill(locale, msg, &args)
}

// issue 15: people
/// Notices to a person about their own account.
fn is_account(kind: NoticeKind) -> bool {
    matches!(
        kind,
        NoticeKind::AccountPasswordReset
            | NoticeKind::AccountRoleChanged
            | NoticeKind::AccountSecondFactorReset
            | NoticeKind::AccountDisabled
    )
}

fn account_args(params: &Value, locale: Locale) -> Vec<(&'static str, String)> {
    let role = crate::domain::Role::parse(text(params, "role"))
        .map(|r| locale.t(crate::labels::role(r)).to_string())
        .unwrap_or_default();
    vec![
        ("username", text(params, "username").to_string()),
        ("role", role),
        ("password", text(params, "password").to_string()),
    ]
}

/// What a correction of an upward report replaces and why (issue 15, item 12), if the notice is
/// one.
fn correction(params: &Value) -> Option<&Value> {
    params.get("correction").filter(|c| c.is_object())
}

fn rotation_accounts(params: &Value) -> &[Value] {
    params
        .get("accounts")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn rotation_args(params: &Value) -> Vec<(&'static str, String)> {
    vec![
        ("count", rotation_accounts(params).len().to_string()),
        (
            "days",
            params
                .get("rotation_days")
                .and_then(Value::as_i64)
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
    ]
}

/// The placeholders of the new-token notice (issue 15, item 6); times in China time.
fn token_args(params: &Value, locale: Locale) -> Vec<(&'static str, String)> {
    let scope = match text(params, "scope") {
        "write" => Msg::TokensScopeWriteShort,
        _ => Msg::TokensScopeReadShort,
    };
    vec![
        ("name", text(params, "name").to_string()),
        ("prefix", text(params, "prefix").to_string()),
        ("scope", locale.t(scope).to_string()),
        (
            "created",
            crate::labels::china_time(text(params, "created_at")),
        ),
        (
            "expires",
            crate::labels::china_time(text(params, "expires_at")),
        ),
    ]
}

/// The whole notice; links start at `base_url` (`APP_BASE_URL`).
pub fn render(kind: NoticeKind, locale: Locale, params: &Value, base_url: &str) -> Rendered {
    let args = filing_args(params, locale);
    let line = |msg: Msg| Line::Text(fill(locale, msg, &args));
    let mut lines = vec![Line::Text(locale.t(Msg::MailGreeting).to_string())];
    let has_note = !text(params, "note").is_empty();
    let due_line = |lines: &mut Vec<Line>| {
        if !text(params, "due_on").is_empty() {
            let mut due = fill(locale, Msg::MailDue, &args);
            if params.get("due_provisional").and_then(Value::as_bool) == Some(true) {
                due.push_str(locale.t(Msg::MailProvisional));
            }
            lines.push(Line::Text(due));
        }
    };
    match kind {
        NoticeKind::FilingSubmitted => {
            lines.push(line(Msg::MailSubmittedBody));
            due_line(&mut lines);
        }
        NoticeKind::FilingReturned => {
            lines.push(line(Msg::MailReturnedBody));
            if has_note {
                lines.push(line(Msg::MailComment));
            }
        }
        NoticeKind::FilingApproved | NoticeKind::FilingAwaitingCompletion => {
            lines.push(line(if kind == NoticeKind::FilingApproved {
                Msg::MailApprovedBody
            } else {
                Msg::MailAwaitingBody
            }));
            if has_note {
                lines.push(line(Msg::MailNote));
            }
        }
        NoticeKind::FilingRejected => {
            lines.push(line(Msg::MailRejectedBody));
            if has_note {
                lines.push(line(Msg::MailReason));
            }
        }
        NoticeKind::FilingReported => match correction(params) {
            Some(c) => {
                lines.push(line(Msg::MailReportCorrectedBody));
                lines.push(line(Msg::MailReportedReference));
                let args = [
                    (
                        "previous_reference",
                        text(c, "previous_reference").to_string(),
                    ),
                    ("previous_date", text(c, "previous_reported_on").to_string()),
                    ("previous_to", text(c, "previous_reported_to").to_string()),
                    ("reason", text(c, "reason").to_string()),
                ];
                lines.push(Line::Text(fill(
                    locale,
                    Msg::MailReportCorrectedPrevious,
                    &args,
                )));
                lines.push(Line::Text(fill(
                    locale,
                    Msg::MailReportCorrectedReason,
                    &args,
                )));
            }
            None => {
                lines.push(line(Msg::MailReportedBody));
                lines.push(line(Msg::MailReportedReference));
            }
        },
        NoticeKind::FilingDueToday => lines.push(line(Msg::MailDueTodayBody)),
        NoticeKind::FilingOverdue => lines.push(line(Msg::MailOverdueBody)),
        NoticeKind::PasswordRotation => {
            lines.push(Line::Text(fill(
                locale,
                Msg::MailRotationBody,
                &rotation_args(params),
            )));
            for account in rotation_accounts(params) {
                let date = match text(account, "rotated_on") {
                    "" => locale.t(Msg::MailRotationNever).to_string(),
                    date => date.to_string(),
                };
                let args = [
                    ("account", text(account, "name").to_string()),
                    ("platform", platform(account, locale).to_string()),
                    ("date", date),
                ];
                lines.push(Line::Text(fill(locale, Msg::MailRotationLine, &args)));
            }
            lines.push(line(Msg::MailRotationAction));
        }
        NoticeKind::TokenCreated => lines.push(Line::Text(fill(
            locale,
            Msg::MailTokenCreatedBody,
            &token_args(params, locale),
        ))),
        NoticeKind::AccountPasswordReset
        | NoticeKind::AccountRoleChanged
        | NoticeKind::AccountSecondFactorReset
        | NoticeKind::AccountDisabled => {
            let args = account_args(params, locale);
            let account = |msg: Msg| Line::Text(fill(locale, msg, &args));
            lines.push(account(match kind {
                NoticeKind::AccountPasswordReset => Msg::MailAccountPasswordResetBody,
                NoticeKind::AccountRoleChanged => Msg::MailAccountRoleChangedBody,
                NoticeKind::AccountSecondFactorReset => Msg::MailAccountFactorResetBody,
                _ => Msg::MailAccountDisabledBody,
            }));
            if !text(params, "password").is_empty() {
                lines.push(account(Msg::MailAccountTemporaryPassword));
            }
            lines.push(account(Msg::MailAccountNotYou));
        }
    }
    let path = match kind {
        NoticeKind::PasswordRotation => "/registry?rotation=overdue".to_string(),
        kind if is_account(kind) && kind != NoticeKind::AccountDisabled => "/login".to_string(),
        _ => text(params, "path").to_string(),
    };
    // The upper level has no sign-in here: their notice carries no link.
    if kind != NoticeKind::FilingReported && !path.is_empty() {
        lines.push(Line::Link(format!(
            "{}{}",
            base_url.trim_end_matches('/'),
            path
        )));
    }
    lines.push(Line::Text(locale.t(Msg::MailFooter).to_string()));

    let text_body = lines
        .iter()
        .map(|l| match l {
            Line::Text(t) => t.clone(),
            Line::Link(url) => locale.tf(Msg::MailOpenLink, &[("url", url)]),
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n",
        locale.tag(),
        escape(&subject(kind, locale, params))
    );
    for l in &lines {
        match l {
            Line::Text(t) => html.push_str(&format!("<p>{}</p>\n", escape(t))),
            Line::Link(url) => {
                let label = locale.tf(Msg::MailOpenLink, &[("url", "")]);
                html.push_str(&format!(
                    "<p>{}<a href=\"{}\">{}</a></p>\n",
                    escape(label.trim_end()),
                    escape(url),
                    escape(url)
                ));
            }
        }
    }
    html.push_str("</body></html>\n");
    Rendered {
        subject: subject(kind, locale, params),
        text: text_body + "\n",
        html,
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn returned() -> Value {
        json!({
            "number": "BA-2026-0007", "filing_kind": "open", "unit": "石柱县教委",
            "account": "石柱教育<发布>", "platform_zh": "微信公众号", "platform_en": "WeChat OA",
            "due_on": "2026-10-09", "due_provisional": false, "note": "请补充\"授权书\"",
            "path": "/filings/7",
        })
    }

    #[test]
    fn every_kind_has_a_subject_in_both_languages() {
        for kind in NoticeKind::ALL {
            for locale in Locale::ALL {
                let s = subject(kind, locale, &returned());
                assert!(
                    !s.is_empty() && !s.contains('{'),
                    "{kind:?} {locale:?}: {s}"
                );
            }
        }
    }

    #[test]
    fn a_returned_notice_carries_the_comment_and_the_link() {
        let r = render(
            NoticeKind::FilingReturned,
            Locale::ZhCn,
            &returned(),
            "https://gov.example/",
        );
        assert_eq!(r.subject, "【退回补正】开设申请 BA-2026-0007");
        assert!(r.text.contains("退回意见：请补充\"授权书\""));
        assert!(r.text.contains("https://gov.example/filings/7"));
        assert!(
            r.html
                .contains("<a href=\"https://gov.example/filings/7\">")
        );
        // Text from people is escaped in the HTML part.
        assert!(r.html.contains("石柱教育&lt;发布&gt;"));
        assert!(!r.html.contains("<发布>"));
    }

    #[test]
    fn english_notices_read_as_english() {
        let r = render(
            NoticeKind::FilingSubmitted,
            Locale::En,
            &returned(),
            "http://x",
        );
        assert_eq!(
            r.subject,
            "[To review] open request BA-2026-0007 from 石柱县教委"
        );
        assert!(r.text.contains("(WeChat OA)"));
        assert!(r.text.contains("Review due by: 2026-10-09"));
    }

    #[test]
    fn the_rotation_notice_lists_the_accounts() {
        let params = json!({
            "rotation_days": 90,
            "accounts": [
                {"name": "甲", "platform_zh": "微博", "platform_en": "Weibo", "rotated_on": "2026-01-02"},
                {"name": "乙", "platform_zh": "抖音", "platform_en": "Douyin", "rotated_on": null},
            ],
        });
        let r = render(
            NoticeKind::PasswordRotation,
            Locale::ZhCn,
            &params,
            "http://x",
        );
        assert_eq!(r.subject, "【密码待更换】2 个政务新媒体账号");
        assert!(r.text.contains("每 90 天"));
        assert!(r.text.contains("甲（微博），上次更换：2026-01-02"));
        assert!(r.text.contains("乙（抖音），上次更换：未记录"));
        assert!(r.text.contains("http://x/registry?rotation=overdue"));
    }
}
