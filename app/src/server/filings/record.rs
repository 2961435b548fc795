//! What a filing's audit events record: snapshots, the fields a step changed, the event itself.
use super::super::audit::{self, Actor};
pub(super) use super::super::audit::{Event, differences};
use super::super::entities::{account, filing};
use super::super::use_case::UseCase;
use crate::error::AppError;
use sea_orm::ConnectionTrait;
use serde_json::json;

/// What an audit event records of a filing.
pub(super) fn snapshot(f: &filing::Model) -> serde_json::Value {
    json!({
        "number": f.number, "kind": f.kind, "state": f.state, "unit_id": f.unit_id,
        "account_id": f.account_id, "platform_id": f.platform_id,
        "account_name": f.account_name, "platform_account_id": f.platform_account_id,
        "verification_subject": f.verification_subject, "operating_unit": f.operating_unit,
        "outsourced": f.outsourced, "purpose": f.purpose, "custodian_name": f.custodian_name,
        "custodian_mobile": f.custodian_mobile, "leader_name": f.leader_name,
        "leader_consent_on": f.leader_consent_on,
        "collective_decision_on": f.collective_decision_on,
        "reason": f.reason, "art9_waiver": f.art9_waiver, "decision_note": f.decision_note,
        "reported_on": f.reported_on, "reported_to": f.reported_to,
        "report_reference": f.report_reference,
        "platform_done_on": f.platform_done_on, "announcement_url": f.announcement_url,
    })
}

/// What an audit event records of an account.
pub(crate) fn account_snapshot(a: &account::Model) -> serde_json::Value {
    json!({
        "host_unit_id": a.host_unit_id, "platform_id": a.platform_id, "name": a.name,
        "platform_account_id": a.platform_account_id,
        "verification_subject": a.verification_subject,
        "operating_unit": a.operating_unit, "outsourced": a.outsourced, "purpose": a.purpose,
        "opened_on": a.opened_on, "status": a.status, "in_national_system": a.in_national_system,
        "custodian_name": a.custodian_name, "custodian_mobile": a.custodian_mobile,
        "art9_waiver": a.art9_waiver,
    })
}

/// One audit event, by the signed-in user.
pub(super) async fn record<C: ConnectionTrait>(
    txn: &C,
    uc: &UseCase,
    event: Event<'_>,
) -> Result<(), AppError> {
    audit::record(txn, &Actor::user(uc.user(), uc.meta()), event, uc.now).await?;
    Ok(())
}
