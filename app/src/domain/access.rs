//! Who may see what. Each server function asks these rules itself; the UI only mirrors them.
use super::types::Role;
use serde::{Deserialize, Serialize};

/// The signed-in person, as far as access rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub role: Role,
    /// The unit a submitter files for; other roles belong to no unit for access purposes.
    pub unit_id: Option<i32>,
}

/// How much of an account's custodian (Art. 29: 密码保管人) a viewer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustodianAccess {
    /// Name and full mobile number.
    Full,
    /// Name and the mobile number masked (`138****1234`).
    Masked,
    /// Nothing: another unit's non-public data.
    Withheld,
}

impl Viewer {
    /// The county office works with custodians directly and sees them in full; a unit sees its own
    /// custodians; administrators and auditors see them masked; a submitter sees no other unit's.
    pub fn custodian_access(&self, host_unit_id: i32) -> CustodianAccess {
        match self.role {
            Role::Reviewer => CustodianAccess::Full,
            Role::Submitter if self.unit_id == Some(host_unit_id) => CustodianAccess::Full,
            Role::Submitter => CustodianAccess::Withheld,
            Role::Admin | Role::Auditor => CustodianAccess::Masked,
            // Credentials, not the registry's people, are the security administrator's business.
            Role::SecurityAdmin => CustodianAccess::Withheld,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN_UNIT: i32 = 7;
    const OTHER_UNIT: i32 = 8;

    #[test]
    fn a_submitter_sees_its_own_units_custodian_in_full() {
        let viewer = Viewer {
            role: Role::Submitter,
            unit_id: Some(OWN_UNIT),
        };
        assert_eq!(viewer.custodian_access(OWN_UNIT), CustodianAccess::Full);
    }

    #[test]
    fn a_submitter_gets_nothing_of_another_units_custodian() {
        let viewer = Viewer {
            role: Role::Submitter,
            unit_id: Some(OWN_UNIT),
        };
        assert_eq!(
            viewer.custodian_access(OTHER_UNIT),
            CustodianAccess::Withheld
        );
    }

    #[test]
    fn reviewers_see_all_custodians_and_admins_and_auditors_see_them_masked() {
        let at = |role| {
            Viewer {
                role,
                unit_id: None,
            }
            .custodian_access(OTHER_UNIT)
        };
        assert_eq!(at(Role::Reviewer), CustodianAccess::Full);
        assert_eq!(at(Role::Admin), CustodianAccess::Masked);
        assert_eq!(at(Role::Auditor), CustodianAccess::Masked);
        assert_eq!(at(Role::SecurityAdmin), CustodianAccess::Withheld);
    }
}
