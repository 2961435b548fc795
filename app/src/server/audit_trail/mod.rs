//! The audit trail as auditors read and export it, its retention and archives (issue 8).
//!
//! 等保 2.0 level 3 asks for 三权分立: the system administrator, the security administrator and the
//! auditor are different people, and the trail that records the administrator's own actions is
//! read by the auditor alone. So only auditors read the trail here, and every reading is itself an
//! event (`audit.viewed`, `audit.exported`). Nobody edits it: the database refuses UPDATE and
//! DELETE (the foundation migration's triggers), except the DELETE of an archive (`server
//! archive-audit`), which first writes the events to a file and is allowed only beyond the
//! retention period (Cybersecurity Law Art. 21: at least six months).
use super::audit::{self, Actor, Event};
use super::db::begin_write;
use super::entities::audit_event;
use super::registry::masked_mobile;
use super::use_case::{Operator, UseCase};
use crate::domain::calendar::china_date;
use crate::domain::{Capability, Role};
use crate::error::{AppError, Problem};
use crate::i18n::Locale;
use crate::model::{AuditArchiveNote, AuditEventRow, AuditFilter, AuditTrailView};
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::{Alias, Expr, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Write as _;

/// The action recorded when someone is shown a custodian's mobile in full.
pub const CUSTODIAN_VIEWED: crate::domain::AuditAction =
    crate::domain::AuditAction::CustodianViewed;

/// Events on a page of the trail.
pub const PER_PAGE: u64 = 50;

/// How many events an export or an archive reads at a time.
const CHUNK: u64 = 2000;

/// Cybersecurity Law Art. 21 (网络安全法第二十一条): network logs are kept at least six months.
/// `AUDIT_RETENTION_DAYS` may lengthen the period, never shorten it below this.
pub const MIN_RETENTION_DAYS: u32 = 180;

// ---- Who reads the trail --------------------------------------------------------------------

/// 三权分立 (等保 2.0 level 3, 安全管理中心 / 审计管理): the trail is the auditor's. The
/// administrator's own actions (users, settings, the calendar, imports) are in it, so the
/// administrator must not read or curate it; reviewers have no part in it either.
fn may_read(uc: &UseCase) -> Result<(), AppError> {
    uc.require(Capability::ReadAuditTrail).map(|_| ())
}

mod archive;
mod export;
mod filter;
mod naming;
mod personal;
mod reading;

pub use archive::{ArchiveError, ArchiveOutcome, archive, latest_archivable};
pub use export::{AuditExport, file_names, headers};
#[cfg(test)]
use filter::*;
pub use naming::{filing_ids, lift_nested, named_filing};
pub use personal::{holds_mobile, mask_mobiles, withhold_custodians};
pub use reading::page;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_are_masked_wherever_an_event_records_them() {
        let mut value = json!({
            "custodian_mobile": "13812341234",
            "changes": [{"field": "custodian_mobile", "old": "13900001111", "new": "13712345678"},
                        {"field": "purpose", "old": "a", "new": "13812341234"}],
            "nested": {"custodian_mobile": "not a number"},
            "custodian_name": "谭明",
        });
        assert!(holds_mobile(&value));
        mask_mobiles(&mut value);
        assert_eq!(value["custodian_mobile"], "138****1234");
        assert_eq!(value["changes"][0]["old"], "139****1111");
        assert_eq!(value["changes"][0]["new"], "137****5678");
        // Only the mobile's own fields: other text is the record's.
        assert_eq!(value["changes"][1]["new"], "13812341234");
        assert_eq!(value["nested"]["custodian_mobile"], "****");
        assert_eq!(value["custodian_name"], "谭明");
    }

    #[test]
    fn another_units_custodian_is_withheld_from_a_recorded_value() {
        let mut value = json!({
            "custodian_name": "谭明", "custodian_mobile": "13812341234", "name": "石柱教育",
            "changes": [{"field": "custodian_name", "old": "a", "new": "b"},
                        {"field": "purpose", "old": "a", "new": "b"}],
        });
        withhold_custodians(&mut value);
        assert_eq!(
            value,
            json!({"name": "石柱教育", "changes": [{"field": "purpose", "old": "a", "new": "b"}]})
        );
    }

    #[test]
    fn an_empty_mobile_is_not_a_mobile_shown() {
        assert!(!holds_mobile(&json!({"custodian_mobile": "", "name": "x"})));
        assert!(!holds_mobile(&json!([1, "13812341234"])));
    }

    #[test]
    fn the_filter_reads_whole_china_days_and_refuses_bad_or_reversed_dates() {
        let filter = AuditFilter {
            from: Some("2026-11-01".into()),
            to: Some("2026-11-27".into()),
            ..Default::default()
        };
        let c = criteria(&filter).unwrap();
        assert_eq!(c.since.unwrap().to_rfc3339(), "2026-10-31T16:00:00+00:00");
        assert_eq!(c.before.unwrap().to_rfc3339(), "2026-11-27T16:00:00+00:00");
        let bad = AuditFilter {
            from: Some("2026-13-01".into()),
            ..Default::default()
        };
        assert_eq!(
            criteria(&bad).unwrap_err(),
            AppError::invalid("from", Problem::BadDate)
        );
        let reversed = AuditFilter {
            from: Some("2026-11-27".into()),
            to: Some("2026-11-01".into()),
            ..Default::default()
        };
        assert_eq!(
            criteria(&reversed).unwrap_err(),
            AppError::invalid("to", Problem::PeriodReversed)
        );
    }

    #[test]
    fn the_retention_period_is_never_shorter_than_180_days() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(
            latest_archivable(today, 180),
            NaiveDate::from_ymd_opt(2026, 5, 31).unwrap()
        );
        assert_eq!(latest_archivable(today, 30), latest_archivable(today, 180));
        assert_eq!(
            latest_archivable(today, 365),
            NaiveDate::from_ymd_opt(2025, 11, 27).unwrap()
        );
    }
}
