//! The closed sets of codes the registry uses: roles, unit kinds, account statuses, the kinds of
//! request a second person confirms. Stored as their
//! `as_str` codes (the migrations hold the same lists in CHECK constraints).
use serde::{Deserialize, Serialize};

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The value for a stored or submitted code; `None` for anything else.
            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use code_enum;

code_enum!(
    /// What a signed-in person may do. The county office's separation of duties keeps deciding
    /// (reviewer) apart from administering; administering is split three ways (三权分立, GB/T
    /// 22239-2019 8.1.4.2 d): the system administrator (admin), the security administrator
    /// (security_admin) and the auditor. A person holds exactly one role, so no account holds two
    /// of the three.
    Role {
        /// Unit staff; files requests for their own unit only.
        Submitter => "submitter",
        /// County government office staff; decides filings.
        Reviewer => "reviewer",
        /// 系统管理员: units, user accounts, platforms, calendar, settings. Decides nothing and
        /// grants no role: accounts it creates start as submitters.
        Admin => "admin",
        /// Reads the audit trail and reports. Changes nothing.
        Auditor => "auditor",
        /// 安全管理员: roles, lockouts, password policy, second factors. Sees no filings.
        SecurityAdmin => "security_admin",
    }
);

code_enum!(
    /// The kinds of unit in a county.
    UnitKind {
        CountyOffice => "county_office",
        Department => "department",
        Township => "township",
        Subdistrict => "subdistrict",
        PublicInstitution => "public_institution",
        /// 内设机构: Art. 9 forbids accounts in their name.
        InternalDivision => "internal_division",
    }
);

code_enum!(
    /// Where an account stands in the registry.
    AccountStatus {
        Active => "active",
        /// 关停
        Suspended => "suspended",
        /// 注销
        Deregistered => "deregistered",
    }
);

code_enum!(
    /// What a security administrator's request about a privileged account asks for, which a
    /// second person confirms or refuses (issue 15 item 3; 三权分立).
    RequestKind {
        PasswordReset => "password_reset",
        SecondFactorReset => "second_factor_reset",
        RoleChange => "role_change",
    }
);

impl Role {
    /// Whether the role reads filings at all (a submitter: their unit's). The security
    /// administrator manages credentials and has no business with filings, reminders or reports.
    pub fn reads_filings(self) -> bool {
        match self {
            Role::Submitter | Role::Reviewer | Role::Admin | Role::Auditor => true,
            Role::SecurityAdmin => false,
        }
    }

    /// The three administrative duties of 三权分立, which no filing role shares.
    pub fn is_administrative(self) -> bool {
        matches!(self, Role::Admin | Role::SecurityAdmin | Role::Auditor)
    }
}

impl UnitKind {
    /// Art. 9: no accounts in the name of internal sub-units.
    pub fn may_host_accounts(self) -> bool {
        self != UnitKind::InternalDivision
    }
}

impl AccountStatus {
    /// Live accounts count towards Art. 9's one account per unit per platform.
    pub fn is_live(self) -> bool {
        self != AccountStatus::Deregistered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_to_its_value() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        for kind in UnitKind::ALL {
            assert_eq!(UnitKind::parse(kind.as_str()), Some(*kind));
        }
        for status in AccountStatus::ALL {
            assert_eq!(AccountStatus::parse(status.as_str()), Some(*status));
        }
    }

    #[test]
    fn unknown_codes_are_refused() {
        assert_eq!(Role::parse("root"), None);
        assert_eq!(UnitKind::parse(""), None);
        assert_eq!(AccountStatus::parse("Active"), None);
    }

    #[test]
    fn internal_divisions_may_not_host_accounts() {
        assert!(!UnitKind::InternalDivision.may_host_accounts());
        assert!(UnitKind::Township.may_host_accounts());
    }
}
