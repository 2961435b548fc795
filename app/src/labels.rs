//! The translated label of each domain code.
use crate::domain::{AccountStatus, Role, UnitKind};
use crate::i18n::Msg;

pub fn role(role: Role) -> Msg {
    match role {
        Role::Submitter => Msg::RoleSubmitter,
        Role::Reviewer => Msg::RoleReviewer,
        Role::Admin => Msg::RoleAdmin,
        Role::Auditor => Msg::RoleAuditor,
    }
}

pub fn status(status: AccountStatus) -> Msg {
    match status {
        AccountStatus::Active => Msg::StatusActive,
        AccountStatus::Suspended => Msg::StatusSuspended,
        AccountStatus::Deregistered => Msg::StatusDeregistered,
    }
}

pub fn unit_kind(kind: UnitKind) -> Msg {
    match kind {
        UnitKind::CountyOffice => Msg::UnitKindCountyOffice,
        UnitKind::Department => Msg::UnitKindDepartment,
        UnitKind::Township => Msg::UnitKindTownship,
        UnitKind::Subdistrict => Msg::UnitKindSubdistrict,
        UnitKind::PublicInstitution => Msg::UnitKindPublicInstitution,
        UnitKind::InternalDivision => Msg::UnitKindInternalDivision,
    }
}

pub fn yes_no(value: bool) -> Msg {
    if value { Msg::CommonYes } else { Msg::CommonNo }
}
