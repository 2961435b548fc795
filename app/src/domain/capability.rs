//! What each role may do: one table, read by the services (which refuse), the header (which offers)
//! and the download routes (which extract `Require<Cap>`). `server/tests/api/authz_matrix.tsv` says
//! the same from outside, route by route; a unit test below ties the two together.
//!
//! The split follows DESIGN.md §3 and the county's separation of duties: units file (Art. 10–14),
//! the county government office decides (Art. 11) and reports upward (Art. 15); administering is
//! split three ways (三权分立, GB/T 22239-2019 8.1.4.2 d): system administrator, security
//! administrator, auditor.
use super::types::Role;
use serde::{Deserialize, Serialize};

/// One thing a signed-in person may be allowed to do. Finer rules (one's own unit, not one's own
/// filing) are the domain's, on top of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Capability {
    /// Read the registry, its accounts and their exports (Art. 16: the registry is the county's).
    ReadRegistry,
    /// Read filings, their histories, the deadline dashboard, reminders and the filings exports.
    ReadFilings,
    /// Read an account's password custodian (Art. 29), in full or masked.
    ReadCustodians,
    /// File requests for one's own unit: draft, submit, withdraw, attach, record completion.
    FileRequests,
    /// Record that an account's password was changed (Art. 29).
    RecordRotation,
    /// Decide filings: approve, return, reject, grant waivers, report upward (Art. 11, 15).
    DecideFilings,
    /// Download a filing's attachments (the custodians' documents: full readers only).
    DownloadAttachments,
    /// Read and export the monthly report (Art. 34).
    ReadReports,
    /// Create user accounts, change their details, switch them on and off (系统管理员).
    ManagePeople,
    /// Edit the working-day calendar.
    EditCalendar,
    /// Edit the deployment's settings.
    EditSettings,
    /// Read the e-mail outbox and retry its messages.
    WorkOutbox,
    /// Import accounts into the registry.
    ImportRegistry,
    /// Revoke anyone's API token.
    RevokeAnyToken,
    /// Roles, lockouts, password resets, second factors, enrolment codes, the password policy
    /// (安全管理员).
    ManageSecurity,
    /// Read and export the audit trail (审计员).
    ReadAuditTrail,
}

impl Capability {
    pub const ALL: &'static [Capability] = &[
        Capability::ReadRegistry,
        Capability::ReadFilings,
        Capability::ReadCustodians,
        Capability::FileRequests,
        Capability::RecordRotation,
        Capability::DecideFilings,
        Capability::DownloadAttachments,
        Capability::ReadReports,
        Capability::ManagePeople,
        Capability::EditCalendar,
        Capability::EditSettings,
        Capability::WorkOutbox,
        Capability::ImportRegistry,
        Capability::RevokeAnyToken,
        Capability::ManageSecurity,
        Capability::ReadAuditTrail,
    ];
}

impl Role {
    /// Whether this role holds `capability`. The one table of the application's access rules.
    pub fn may(self, capability: Capability) -> bool {
        use Capability::*;
        use Role::*;
        match capability {
            ReadRegistry => true,
            ReadFilings | ReadCustodians => !matches!(self, SecurityAdmin),
            FileRequests => matches!(self, Submitter),
            RecordRotation => matches!(self, Submitter | Admin),
            DecideFilings => matches!(self, Reviewer),
            DownloadAttachments => matches!(self, Submitter | Reviewer),
            ReadReports => matches!(self, Reviewer | Admin | Auditor),
            ManagePeople | EditCalendar | EditSettings | WorkOutbox | ImportRegistry
            | RevokeAnyToken => matches!(self, Admin),
            ManageSecurity => matches!(self, SecurityAdmin),
            ReadAuditTrail => matches!(self, Auditor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The capability a route of the authorisation matrix needs, for the rows whose outcome is
    /// one capability's table (the others: open to every role, or to anyone).
    fn needs(method: &str, path: &str) -> Option<Capability> {
        use Capability::*;
        Some(match (method, path) {
            ("GET", "/filings" | "/filings/{id}" | "/filings/{id}/print" | "/dashboard")
            | ("GET", "/reminders" | "/exports/filings.csv" | "/exports/filings.xlsx")
            | ("GET", "/api/v1/filings/{id}" | "/api/v1/filings/{id}/history")
            | (
                "POST",
                "/api/deadline_dashboard" | "/api/reminders" | "/api/filings" | "/api/filing",
            ) => ReadFilings,
            ("POST", "/api/account_custodian") => ReadCustodians,
            ("GET", "/filings/new")
            | ("POST", "/api/filing_new" | "/api/filing_save" | "/api/filing_completion")
            | ("POST", "/api/form_key" | "/api/v1/filings" | "/filings/{id}/attachments")
            | ("PATCH", "/api/v1/filings/{id}")
            | (
                "POST",
                "/api/v1/filings/{id}/submit"
                | "/api/v1/filings/{id}/withdraw"
                | "/api/v1/filings/{id}/complete",
            ) => FileRequests,
            ("POST", "/api/rotation_record") => RecordRotation,
            ("POST", "/api/filing_report" | "/api/filing_report_correct")
            | (
                "POST",
                "/api/v1/filings/{id}/approve"
                | "/api/v1/filings/{id}/return"
                | "/api/v1/filings/{id}/reject"
                | "/api/v1/filings/{id}/grant-waiver"
                | "/api/v1/filings/{id}/report-upstream"
                | "/api/v1/filings/{id}/confirm-completion"
                | "/api/v1/filings/{id}/correct-report",
            ) => DecideFilings,
            ("GET", "/attachments/{id}") => DownloadAttachments,
            ("GET", "/reports/monthly" | "/reports/monthly.xlsx")
            | ("POST", "/api/monthly_report") => ReadReports,
            ("GET", "/admin/users")
            | ("POST", "/api/people" | "/api/person_create" | "/api/person_active")
            | ("POST", "/api/person_update") => ManagePeople,
            ("POST", "/admin/calendar") => EditCalendar,
            ("POST", "/api/settings_save") => EditSettings,
            ("GET", "/admin/outbox") | ("POST", "/api/outbox" | "/api/outbox_retry") => WorkOutbox,
            ("GET", "/admin/import") | ("POST", "/admin/import") => ImportRegistry,
            ("GET", "/security")
            | (
                "POST",
                "/api/security"
                | "/api/role_change"
                | "/api/person_unlock"
                | "/api/person_password_reset"
                | "/api/second_factor_reset"
                | "/api/enrolment_code_issue"
                | "/api/policy_save"
                | "/api/policy_reset",
            ) => ManageSecurity,
            ("GET", "/audit" | "/exports/audit.csv") | ("POST", "/api/audit_trail") => {
                ReadAuditTrail
            }
            _ => return None,
        })
    }

    /// Rows whose outcome is not one capability: open to every signed-in role (or to anyone), or
    /// decided per object (a token's owner; a request someone else made).
    fn open_or_per_object(outcomes: &[&str]) -> bool {
        outcomes
            .iter()
            .all(|o| matches!(*o, "ok" | "login" | "none"))
    }

    #[test]
    fn the_table_says_what_the_authorisation_matrix_tests_from_outside() {
        let matrix = include_str!("../../../server/tests/api/authz_matrix.tsv");
        let roles = [
            Role::Submitter,
            Role::Reviewer,
            Role::Admin,
            Role::Auditor,
            Role::SecurityAdmin,
        ];
        let mut checked = 0;
        for line in matrix
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let cells: Vec<&str> = line.split('\t').collect();
            let (method, path, outcomes) = (cells[1], cells[2], &cells[5..10]);
            // A request about a person is confirmed by the duty it concerns (people or security).
            if path.starts_with("/api/account_request_") {
                for (role, outcome) in roles.iter().zip(outcomes) {
                    let may =
                        role.may(Capability::ManagePeople) || role.may(Capability::ManageSecurity);
                    assert_eq!(may, *outcome != "deny", "{method} {path} for {role}");
                }
                continue;
            }
            let Some(capability) = needs(method, path) else {
                assert!(
                    open_or_per_object(outcomes) || path == "/api/filing_step",
                    "{method} {path}: {outcomes:?} names no capability"
                );
                continue;
            };
            for (role, outcome) in roles.iter().zip(outcomes) {
                // `none`: let in, but the sample object is not there (404).
                assert_eq!(
                    role.may(capability),
                    matches!(*outcome, "ok" | "none"),
                    "{method} {path} for {role}: the matrix says {outcome}, the table {:?}",
                    capability
                );
            }
            checked += 1;
        }
        assert!(
            checked > 50,
            "only {checked} rows were tied to a capability"
        );
    }

    #[test]
    fn every_capability_is_held_by_some_role_and_refused_to_another() {
        for &capability in Capability::ALL {
            assert!(
                Role::ALL.iter().any(|r| r.may(capability)),
                "{capability:?}"
            );
            if capability != Capability::ReadRegistry {
                assert!(
                    Role::ALL.iter().any(|r| !r.may(capability)),
                    "{capability:?}"
                );
            }
        }
    }
}
