//! Art. 9's decision (one account per unit per platform; internal divisions host none; approved
//! platforms; waivers), asked by the form checks, submission, approval, the import and the reports.
use crate::domain::UnitKind;

/// Art. 9's question about one account, opened or imported: who hosts it, on which platform,
/// and what the unit already holds there. `T` names what is already there (an account's name, a
/// pending request's number, or nothing more than the fact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Art9Case<T> {
    pub unit_kind: UnitKind,
    /// Whether the platform is nationally approved (None: no platform chosen yet).
    pub platform_approved: Option<bool>,
    /// The unit's live account on the platform, or its open request there in the county office's
    /// hands, if any.
    pub existing: Option<T>,
    /// The county office allowed an exception (Art. 9 "原则上": in principle one account).
    pub waived: bool,
}

/// Art. 9's answer: each breach it finds (none: the account may exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Art9Verdict<T> {
    /// 不得以单位内设机构名义开办: internal divisions host no accounts.
    pub unit_may_not_host: bool,
    /// 不得在国家有关主管部门未予核准的平台上开办.
    pub platform_not_approved: bool,
    /// 一个单位原则上在同一新媒体平台只开办一个: what the new account would duplicate, unless
    /// waived.
    pub duplicate_of: Option<T>,
}

impl<T> Art9Verdict<T> {
    pub fn allowed(&self) -> bool {
        !self.unit_may_not_host && !self.platform_not_approved && self.duplicate_of.is_none()
    }
}

/// Art. 9, decided in one place for filings (submission, approval), the import and the reports.
pub fn art9<T>(case: Art9Case<T>) -> Art9Verdict<T> {
    Art9Verdict {
        unit_may_not_host: !case.unit_kind.may_host_accounts(),
        platform_not_approved: case.platform_approved == Some(false),
        duplicate_of: case.existing.filter(|_| !case.waived),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn art9_one_account_per_unit_per_platform_unless_waived() {
        let case = Art9Case {
            unit_kind: UnitKind::Department,
            platform_approved: Some(true),
            existing: Some("石柱教育"),
            waived: false,
        };
        assert_eq!(art9(case).duplicate_of, Some("石柱教育"));
        assert!(!art9(case).allowed());
        let waived = Art9Case {
            waived: true,
            ..case
        };
        assert!(art9(waived).allowed());
        let internal = Art9Case::<&str> {
            unit_kind: UnitKind::InternalDivision,
            platform_approved: Some(false),
            existing: None,
            waived: true,
        };
        let verdict = art9(internal);
        assert!(verdict.unit_may_not_host && verdict.platform_not_approved);
    }
}
