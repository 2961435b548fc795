//! Art. 12 completion: the unit's evidence, then the county office's confirmation.
use super::super::entities::filing;
use super::super::use_case::UseCase;
use super::{checks::*, china_date, record::*, registry_effect::*, steps::*, store::*};
use crate::domain::filing::{Field, FilingAction, Issue};
use crate::error::{AppError, Problem, Shaped};
use chrono::NaiveDate;
use sea_orm::{IntoActiveModel, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;
use validator::{Validate, ValidationError};

/// Art. 12 evidence from the unit: done on the platform, announced publicly (with a screenshot).
/// The announcement's address is a web page's (http or https), as wide as its column.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
pub struct CompletionEvidence {
    pub platform_done_on: String,
    #[validate(
        url,
        custom(function = "web_page", code = "url"),
        length(max = 512, code = "url")
    )]
    pub announcement_url: String,
}

impl Shaped for CompletionEvidence {
    const FIELDS: &'static [&'static str] = &["announcement_url"];
}

/// A public announcement is a web page: `url` alone lets `ftp:` and `javascript:` through.
fn web_page(url: &str) -> Result<(), ValidationError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(ValidationError::new("url"))
    }
}

#[tracing::instrument(skip_all, fields(use_case = "filings.record_completion", filing = id))]
pub async fn record_completion(
    uc: &UseCase,
    id: i32,
    evidence: CompletionEvidence,
) -> Result<filing::Model, AppError> {
    let (user, now) = (uc.user(), uc.now);
    let done_on = NaiveDate::parse_from_str(evidence.platform_done_on.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("platform_done_on", Problem::BadDate))?;
    if done_on > china_date(now) {
        return Err(AppError::invalid("platform_done_on", Problem::FutureDate));
    }
    let url = evidence.announcement_url.trim().to_string();
    let evidence = CompletionEvidence {
        announcement_url: url,
        ..evidence
    };
    evidence.check_shape()?;
    let url = evidence.announcement_url;
    // Art. 12: the announcement's screenshot comes with the evidence. Attachments are never
    // removed, so checking before the step's transaction is as good as inside it.
    permit(
        FilingAction::RecordCompletion,
        user,
        &load(uc.db(), id).await?,
    )?;
    if !attachment_kinds(uc.db(), id)
        .await?
        .iter()
        .any(|k| k == "announcement_screenshot")
    {
        return Err(AppError::Incomplete(vec![(
            Field::Attachments,
            Issue::Required,
        )]));
    }
    let step = FilingAction::RecordCompletion;
    simple_step(
        uc,
        id,
        step,
        Some(crate::domain::AuditAction::FilingCompletionRecorded),
        |edit| {
            edit.platform_done_on = Set(Some(done_on));
            edit.announcement_url = Set(Some(url));
            edit.completion_recorded_at = Set(Some(now));
        },
    )
    .await
}

/// The county office confirms Art. 12 completion; only now does the registry change.
#[tracing::instrument(skip_all, fields(use_case = "filings.confirm_completion", filing = id))]
pub async fn confirm_completion(uc: &UseCase, id: i32) -> Result<filing::Model, AppError> {
    let (user, now) = (uc.user(), uc.now);
    let txn = uc.begin().await?;
    let before = load(&txn, id).await?;
    let t = permit(FilingAction::ConfirmCompletion, user, &before)?;
    if let Some(effect) = t.registry {
        apply_to_registry(&txn, uc, &before, effect).await?;
    }
    let mut edit = before.clone().into_active_model();
    advance(&mut edit, &t);
    edit.completed_at = Set(Some(now));
    edit.completed_by = Set(Some(user.id));
    let after = save(&txn, &before, edit, now).await?;
    record(
        &txn,
        uc,
        Event::new(crate::domain::AuditAction::FilingCompleted, "filing")
            .on(id)
            .before(json!({"state": before.state}))
            .after(json!({"state": after.state})),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}
