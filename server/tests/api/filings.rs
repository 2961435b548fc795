//! The filing workflow (Art. 9–12) through its service, on the real database.
use crate::arrange::{closing_form, draft, draft_open, open_form, submitted_open};
use crate::helpers::{TestApp, fixed_now};
use app::domain::AccountStatus;
use app::domain::filing::{Field, FilingForm, FilingKind, FilingState, Issue, Refusal, Warning};
use app::error::AppError;
use app::server::attachments::{self, Upload};
use app::server::entities::{account, audit_event, filing, filing_attachment};
use app::server::filings::{self, CompletionEvidence, NewFiling, UpwardReport};
use app::server::use_case::RequestMeta;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

pub fn meta() -> &'static RequestMeta {
    static META: std::sync::OnceLock<RequestMeta> = std::sync::OnceLock::new();
    META.get_or_init(|| RequestMeta {
        source_ip: Some("127.0.0.1".into()),
        request_id: Some("test".into()),
        ..Default::default()
    })
}

async fn live_accounts(app: &TestApp, unit: &str, platform: &str) -> u64 {
    use app::server::entities::{platform as p, unit as u};
    let unit = u::Entity::find()
        .filter(u::Column::Code.eq(unit))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let platform = p::Entity::find()
        .filter(p::Column::Code.eq(platform))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    account::Entity::find()
        .filter(account::Column::HostUnitId.eq(unit.id))
        .filter(account::Column::PlatformId.eq(platform.id))
        .filter(account::Column::Status.ne("deregistered"))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_open_request_approved_by_the_county_office_puts_the_account_in_the_registry() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let f = submitted_open(&app, &submitter.username, "weibo", "石柱教育").await;
    let f = app.filing_row(f.id).await;
    assert_eq!(f.state.as_str(), "submitted");
    assert!(f.number.starts_with("2026-"));
    assert_eq!(f.received_at, Some(fixed_now()));

    let approved = filings::approve(&app.case_at(&reviewer, fixed_now()), f.id, "")
        .await
        .unwrap();

    assert_eq!(approved.state.as_str(), "approved");
    let created = account::Entity::find_by_id(approved.account_id.unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (created.name.as_str(), created.status.as_str()),
        ("石柱教育", "active")
    );
    assert_eq!(live_accounts(&app, "education", "weibo").await, 1);
    let actions: Vec<String> = audit_event::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for expected in [
        "filing.created",
        "filing.submitted",
        "account.opened",
        "filing.approved",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} missing");
    }
}

#[tokio::test]
async fn filings_are_numbered_per_year() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let a = draft_open(&app, &submitter.username, "weibo", "石柱教育").await;
    let b = draft_open(&app, &submitter.username, "toutiao", "石柱教育").await;
    assert_eq!(
        (a.number.as_str(), b.number.as_str()),
        ("2026-0001", "2026-0002")
    );
}

#[tokio::test]
async fn art9_a_second_open_request_is_refused_at_submit_naming_the_live_account() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let f = draft_open(&app, &submitter.username, "wechat_oa", "石柱教育二号").await;
    let refused = filings::submit(&app.case_at(&submitter, fixed_now()), f.id)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        AppError::Art9Duplicate {
            existing: "石柱教育".into()
        }
    );
    assert_eq!(refused.status(), 409);
    let unchanged = filing::Entity::find_by_id(f.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.state.as_str(), "draft");
}

#[tokio::test]
async fn art9_a_pending_open_request_blocks_another_naming_its_number() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let first = submitted_open(&app, &submitter.username, "weibo", "石柱教育").await;
    let second = draft_open(&app, &submitter.username, "weibo", "石柱教育").await;
    let refused = filings::submit(&app.case_at(&submitter, fixed_now()), second.id)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        AppError::Art9Duplicate {
            existing: first.number
        }
    );
}

#[tokio::test]
async fn art9_a_waiver_granted_by_the_county_office_allows_a_second_account() {
    let app = TestApp::spawn().await;
    let f = draft_open(&app, "submitter", "wechat_oa", "石柱教育招生").await;
    let (submitter, reviewer) = (app.as_api("submitter").await, app.as_api("reviewer").await);
    reviewer
        .grant_waiver(f.id, "招生季专用，县政府办公室同意")
        .await
        .unwrap();
    submitter.submit(f.id).await.unwrap();
    reviewer.approve(f.id, "").await.unwrap();
    assert_eq!(live_accounts(&app, "education", "wechat_oa").await, 2);
    assert_eq!(
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("filing.waiver_granted"))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}

/// Two open requests for the same pair, both submitted (as if they had passed submission at the
/// same moment), approved at once by two reviewers.
#[tokio::test]
async fn art9_two_approvals_racing_for_the_same_unit_and_platform_leave_exactly_one_account() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let second_reviewer = app
        .add_user("reviewer2", "reviewer", Some("county-office"))
        .await;
    for round in 0..200 {
        let a = submitted_open(&app, &submitter.username, "kuaishou", "石柱教育").await;
        let b = draft_open(&app, &submitter.username, "kuaishou", "石柱教育").await;
        let (a, b) = (app.filing_row(a.id).await, app.filing_row(b.id).await);
        let mut force: filing::ActiveModel = b.clone().into();
        force.state = Set(FilingState::Submitted);
        force.update(&app.db).await.unwrap();

        let uc_a = app.case_at(&reviewer, fixed_now());
        let uc_b = app.case_at(&second_reviewer, fixed_now());
        let (ra, rb) = tokio::join!(
            filings::approve(&uc_a, a.id, ""),
            filings::approve(&uc_b, b.id, ""),
        );
        let wins = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {ra:?} / {rb:?}");
        let loser = match (ra, rb) {
            (Err(e), _) | (_, Err(e)) => e,
            _ => unreachable!("exactly one approval won"),
        };
        assert!(
            matches!(loser, AppError::Conflict | AppError::Art9Duplicate { .. }),
            "round {round}: {loser:?}"
        );
        assert_eq!(
            live_accounts(&app, "education", "kuaishou").await,
            1,
            "round {round}"
        );

        // Free the pair for the next round (as a rejection and a deregistration would).
        filing::Entity::update_many()
            .col_expr(
                filing::Column::State,
                sea_orm::sea_query::Expr::value("rejected"),
            )
            .filter(filing::Column::State.eq("submitted"))
            .exec(&app.db)
            .await
            .unwrap();
        account::Entity::update_many()
            .col_expr(
                account::Column::Status,
                sea_orm::sea_query::Expr::value("deregistered"),
            )
            .filter(account::Column::Status.ne("deregistered"))
            .filter(account::Column::PlatformId.eq(a.platform_id.unwrap()))
            .filter(account::Column::HostUnitId.eq(a.unit_id))
            .exec(&app.db)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_same_filing_approved_twice_at_once_is_decided_once() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let second_reviewer = app
        .add_user("reviewer2", "reviewer", Some("county-office"))
        .await;
    let f = submitted_open(&app, &submitter.username, "bilibili", "石柱教育").await;
    let uc_a = app.case_at(&reviewer, fixed_now());
    let uc_b = app.case_at(&second_reviewer, fixed_now());
    let (ra, rb) = tokio::join!(
        filings::approve(&uc_a, f.id, ""),
        filings::approve(&uc_b, f.id, ""),
    );
    assert_eq!(
        [&ra, &rb].iter().filter(|r| r.is_ok()).count(),
        1,
        "{ra:?} {rb:?}"
    );
    assert_eq!(live_accounts(&app, "education", "bilibili").await, 1);
    assert_eq!(
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("filing.approved"))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn art10_the_verification_subject_must_be_the_units_full_name() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let form = FilingForm {
        verification_subject: "县教委".into(),
        ..open_form("石柱教育")
    };
    let f = draft(
        &app,
        &submitter.username,
        FilingKind::Open,
        Some("weibo"),
        None,
        form,
    )
    .await;
    let refused = filings::submit(&app.case_at(&submitter, fixed_now()), f.id)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        AppError::Incomplete(vec![(
            Field::VerificationSubject,
            Issue::SubjectNotUnitName
        )])
    );
}

#[tokio::test]
async fn art10_a_name_unlike_the_units_other_accounts_is_a_warning_both_sides_see() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let f = submitted_open(&app, &submitter.username, "weibo", "石柱教育发布").await;
    let f = app.filing_row(f.id).await;
    let warnings: Vec<Warning> = serde_json::from_str(f.warnings.as_deref().unwrap()).unwrap();
    assert_eq!(
        warnings,
        vec![Warning::NameDiffersFromOtherPlatforms {
            other_names: vec!["石柱教育".into()]
        }]
    );
}

#[tokio::test]
async fn art9_an_internal_division_cannot_host_an_account() {
    let app = TestApp::spawn().await;
    let clerk = app
        .add_user("clerk", "submitter", Some("office-openness"))
        .await;
    let form = FilingForm {
        verification_subject: "石柱土家族自治县人民政府办公室政务公开科".into(),
        operating_unit: "石柱土家族自治县人民政府办公室政务公开科".into(),
        ..open_form("政务公开")
    };
    let f = draft(
        &app,
        &clerk.username,
        FilingKind::Open,
        Some("weibo"),
        None,
        form,
    )
    .await;
    let refused = filings::submit(&app.case_at(&clerk, fixed_now()), f.id)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        AppError::Incomplete(vec![(Field::Account, Issue::UnitMayNotHost)])
    );
}

#[tokio::test]
async fn art9_a_platform_the_national_authorities_have_not_approved_cannot_host_an_account() {
    let app = TestApp::spawn().await;
    use app::server::entities::platform;
    platform::ActiveModel {
        code: Set("unapproved".into()),
        name_zh: Set("未批准平台".into()),
        name_en: Set("Unapproved".into()),
        nationally_approved: Set(false),
        has_account_id: Set(true),
        sort_order: Set(99),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let submitter = app.user("submitter").await;
    let f = draft_open(&app, &submitter.username, "unapproved", "石柱教育").await;
    let refused = filings::submit(&app.case_at(&submitter, fixed_now()), f.id)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        AppError::Incomplete(vec![(Field::Platform, Issue::PlatformNotApproved)])
    );
}

#[tokio::test]
async fn suspending_an_account_outside_the_national_system_changes_the_registry_at_approval() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let douyin = app.account_id("education", "douyin").await; // not in the national system
    let f = draft(
        &app,
        &submitter.username,
        FilingKind::Suspend,
        None,
        Some(douyin),
        closing_form(),
    )
    .await;
    app.as_api("submitter").await.submit(f.id).await.unwrap();
    let approved = filings::approve(&app.case_at(&reviewer, fixed_now()), f.id, "")
        .await
        .unwrap();
    assert!(!approved.completion_required);
    let a = account::Entity::find_by_id(douyin)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.status, AccountStatus::Suspended);
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&[0u8; 64]);
    bytes
}

#[tokio::test]
async fn art12_deregistering_a_national_system_account_waits_for_completion_evidence() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let wechat = app.account_id("education", "wechat_oa").await; // in the national system
    let f = draft(
        &app,
        &submitter.username,
        FilingKind::Deregister,
        None,
        Some(wechat),
        closing_form(),
    )
    .await;
    app.as_api("submitter").await.submit(f.id).await.unwrap();
    let approved = filings::approve(&app.case_at(&reviewer, fixed_now()), f.id, "")
        .await
        .unwrap();
    assert!(approved.completion_required, "awaiting completion");
    let still = account::Entity::find_by_id(wechat)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        still.status.as_str(),
        "active",
        "the registry waits for completion"
    );

    // The reviewer cannot confirm before the unit records the evidence.
    let early = filings::confirm_completion(&app.case_at(&reviewer, fixed_now()), f.id)
        .await
        .unwrap_err();
    assert_eq!(early, AppError::Refused(Refusal::CompletionNotApplicable));
    let evidence = || CompletionEvidence {
        platform_done_on: "2026-11-26".into(),
        announcement_url: "https://www.cqsz.gov.cn/notice/123".into(),
    };
    // Without the announcement screenshot the evidence is incomplete.
    let no_screenshot =
        filings::record_completion(&app.case_at(&submitter, fixed_now()), f.id, evidence())
            .await
            .unwrap_err();
    assert_eq!(
        no_screenshot,
        AppError::Incomplete(vec![(Field::Attachments, Issue::Required)])
    );
    let dir = tempfile::tempdir().unwrap();
    let upload = Upload {
        filing_id: f.id,
        kind: "announcement_screenshot",
        file_name: "公告.png",
        file: attachments::received_from(dir.path(), &png())
            .await
            .unwrap(),
    };
    attachments::store(&app.case(&submitter), dir.path(), upload)
        .await
        .unwrap();
    filings::record_completion(&app.case_at(&submitter, fixed_now()), f.id, evidence())
        .await
        .unwrap();
    let done = filings::confirm_completion(&app.case_at(&reviewer, fixed_now()), f.id)
        .await
        .unwrap();

    assert_eq!(done.state, FilingState::Completed);
    let closed = account::Entity::find_by_id(wechat)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.status.as_str(), "deregistered");
}

#[tokio::test]
async fn a_change_records_the_fields_old_and_new_and_applies_them_at_approval() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let douyin = app.account_id("education", "douyin").await;
    let current = account::Entity::find_by_id(douyin)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let form = FilingForm {
        account_name: current.name.clone(),
        platform_account_id: current.platform_account_id.clone().unwrap_or_default(),
        verification_subject: current.verification_subject.clone(),
        operating_unit: current.operating_unit.clone(),
        outsourced: current.outsourced,
        purpose: current.purpose.clone(),
        custodian_name: "冉强".into(),
        custodian_mobile: "13900001111".into(),
        leader_name: "马丽".into(),
        leader_consent_on: "2026-11-20".into(),
        ..Default::default()
    };
    let f = draft(
        &app,
        &submitter.username,
        FilingKind::Change,
        None,
        Some(douyin),
        form,
    )
    .await;
    let submitted = filings::submit(&app.case_at(&submitter, fixed_now()), f.id)
        .await
        .unwrap();
    let changes: Vec<filings::FieldChange> =
        serde_json::from_str(submitted.changes.as_deref().unwrap()).unwrap();
    assert_eq!(
        changes.iter().map(|c| c.field).collect::<Vec<_>>(),
        vec![Field::CustodianName, Field::CustodianMobile]
    );
    assert_eq!(changes[0].old, current.custodian_name);
    assert_eq!(changes[0].new, "冉强");
    filings::approve(&app.case_at(&reviewer, fixed_now()), f.id, "")
        .await
        .unwrap();
    let after = account::Entity::find_by_id(douyin)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            after.custodian_name.as_str(),
            after.custodian_mobile.as_str()
        ),
        ("冉强", "13900001111")
    );
}

#[tokio::test]
async fn a_returned_filing_is_corrected_and_resubmitted_with_a_new_receipt() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let f = submitted_open(&app, &submitter.username, "weibo", "石柱教育").await;
    let later = fixed_now() + chrono::Duration::hours(30);
    let returned = filings::return_for_correction(
        &app.case_at(&reviewer, fixed_now()),
        f.id,
        "请补充功能定位",
    )
    .await
    .unwrap();
    assert_eq!(returned.state.as_str(), "returned");
    assert_eq!(returned.decision_note.as_deref(), Some("请补充功能定位"));
    let form = FilingForm {
        purpose: "发布教育政策、招生考试信息".into(),
        ..open_form("石柱教育")
    };
    filings::update_draft(&app.case_at(&submitter, later), f.id, None, form)
        .await
        .unwrap();
    let resubmitted = filings::submit(&app.case_at(&submitter, later), f.id)
        .await
        .unwrap();
    assert_eq!(resubmitted.state.as_str(), "submitted");
    assert_eq!(resubmitted.received_at, Some(later));
    let edited = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("filing.edited"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        edited.after.unwrap().contains("招生考试"),
        "field-level difference recorded"
    );
    assert!(
        !edited.before.unwrap().contains("account_name"),
        "unchanged fields are left out"
    );
}

#[tokio::test]
async fn each_role_may_take_only_its_own_steps() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let admin = app.user("admin").await;
    let auditor = app.user("auditor").await;
    let other_unit = app
        .add_user("police.clerk", "submitter", Some("public-security"))
        .await;
    let f = draft_open(&app, &submitter.username, "weibo", "石柱教育").await;

    let refused = |r: Result<filing::Model, AppError>| r.unwrap_err();
    // Reviewers do not submit; other units do not touch it; nothing can be decided while a draft.
    assert_eq!(
        refused(filings::submit(&app.case_at(&reviewer, fixed_now()), f.id).await),
        AppError::Refused(Refusal::WrongRole)
    );
    assert_eq!(
        refused(filings::submit(&app.case_at(&other_unit, fixed_now()), f.id).await),
        AppError::Refused(Refusal::OtherUnit)
    );
    assert_eq!(
        refused(filings::approve(&app.case_at(&reviewer, fixed_now()), f.id, "").await),
        AppError::Refused(Refusal::WrongState)
    );
    app.as_api("submitter").await.submit(f.id).await.unwrap();
    // Administrators and auditors decide nothing; submitters decide nothing.
    for who in [&admin, &auditor, &submitter] {
        let r = filings::approve(&app.case_at(who, fixed_now()), f.id, "").await;
        assert_eq!(
            refused(r),
            AppError::Refused(Refusal::WrongRole),
            "{}",
            who.username
        );
    }
    // A submitted filing can no longer be edited or withdrawn.
    assert_eq!(
        refused(filings::withdraw(&app.case_at(&submitter, fixed_now()), f.id).await),
        AppError::Refused(Refusal::WrongState)
    );
    let r = filings::reject(&app.case_at(&reviewer, fixed_now()), f.id, "  ").await;
    assert!(
        matches!(refused(r), AppError::Invalid { .. }),
        "a rejection needs its reason"
    );
    let state = filing::Entity::find_by_id(f.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .state;
    assert_eq!(state.as_str(), "submitted", "refusals changed nothing");
}

#[tokio::test]
async fn nobody_decides_a_filing_they_submitted() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let f = submitted_open(&app, &submitter.username, "weibo", "石柱教育").await;
    // The submitter moves to the county office and becomes a reviewer.
    use app::server::entities::user;
    let mut promoted: user::ActiveModel = user::Entity::find_by_id(submitter.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    promoted.role = Set(app::domain::Role::Reviewer);
    promoted.update(&app.db).await.unwrap();
    let now_reviewer = app.user("submitter").await;
    let refused = filings::approve(&app.case_at(&now_reviewer, fixed_now()), f.id, "")
        .await
        .unwrap_err();
    assert_eq!(refused, AppError::Refused(Refusal::OwnFiling));
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn a_form_posted_twice_creates_one_filing() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let new = || NewFiling {
        kind: FilingKind::Open,
        account_id: None,
        platform: Some("weibo".into()),
        form: open_form("石柱教育"),
        idempotency_key: Some("5f0c7d0e-form-once".into()),
    };
    let uc_a = app.case_at(&submitter, fixed_now());
    let uc_b = app.case_at(&submitter, fixed_now());
    let (a, b) = tokio::join!(
        filings::create_draft(&uc_a, new()),
        filings::create_draft(&uc_b, new()),
    );
    assert_eq!(a.unwrap().id, b.unwrap().id);
    let again = filings::create_draft(&app.case_at(&submitter, fixed_now()), new())
        .await
        .unwrap();
    assert_eq!(filing::Entity::find().count(&app.db).await.unwrap(), 1);
    assert_eq!(again.number, "2026-0001");
}

#[tokio::test]
async fn an_upward_report_is_recorded_on_an_approved_filing() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let f = submitted_open(&app, &submitter.username, "weibo", "石柱教育").await;
    let report = || UpwardReport {
        reported_on: "2026-11-27".into(),
        reported_to: "重庆市人民政府办公厅".into(),
        reference: "渝府办备〔2026〕88号".into(),
    };
    let early = filings::record_report(&app.case_at(&reviewer, fixed_now()), f.id, report())
        .await
        .unwrap_err();
    assert_eq!(early, AppError::Refused(Refusal::WrongState));
    app.as_api("reviewer")
        .await
        .approve(f.id, "")
        .await
        .unwrap();
    let reported = filings::record_report(&app.case_at(&reviewer, fixed_now()), f.id, report())
        .await
        .unwrap();
    assert_eq!(
        reported.report_reference.as_deref(),
        Some("渝府办备〔2026〕88号")
    );
}

#[tokio::test]
async fn attachments_of_the_wrong_type_or_too_large_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let f = draft_open(&app, &submitter.username, "weibo", "石柱教育").await;
    let dir = tempfile::tempdir().unwrap();
    let exe = b"MZ\x90\x00this is not a pdf".to_vec();
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(attachments::MAX_BYTES + 1, b' ');
    for (bytes, expected) in [(exe, "file_type"), (big, "file_too_large")] {
        // Too large is refused as the file arrives; the wrong type once it is whole.
        let refused = match attachments::received_from(dir.path(), &bytes).await {
            Err(error) => error,
            Ok(file) => {
                let upload = Upload {
                    filing_id: f.id,
                    kind: "signed_form",
                    file_name: "备案表.pdf",
                    file,
                };
                attachments::store(&app.case(&submitter), dir.path(), upload)
                    .await
                    .unwrap_err()
            }
        };
        let problem = match refused {
            AppError::Invalid { problem, .. } => format!("{problem:?}"),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            problem.to_lowercase().replace('_', ""),
            expected.replace('_', "")
        );
    }
    assert_eq!(
        filing_attachment::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "no file written"
    );
}

#[tokio::test]
async fn a_good_attachment_is_stored_under_its_sha256_with_its_audit_event() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let f = draft_open(&app, &submitter.username, "weibo", "石柱教育").await;
    let dir = tempfile::tempdir().unwrap();
    let pdf = b"%PDF-1.7\n% signed and sealed\n".to_vec();
    let upload = Upload {
        filing_id: f.id,
        kind: "signed_form",
        file_name: "scan.png",
        file: attachments::received_from(dir.path(), &pdf).await.unwrap(),
    };
    let stored = attachments::store(&app.case(&submitter), dir.path(), upload)
        .await
        .unwrap();
    assert_eq!(
        stored.content_type, "application/pdf",
        "the content decides, not the name"
    );
    assert_eq!(
        std::fs::read(attachments::path_for(dir.path(), &stored.sha256)).unwrap(),
        pdf
    );
    assert_eq!(
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("filing.attachment_added"))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn art11_a_submitted_filing_is_due_three_working_days_after_the_day_of_receipt() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    // Received Friday 27 November 2026 → Monday 30 Nov, Tuesday 1 Dec, Wednesday 2 Dec.
    let f = submitted_open(&app, &submitter.username, "weibo", "石柱教育").await;
    let f = app.filing_row(f.id).await;
    assert_eq!(f.due_on, chrono::NaiveDate::from_ymd_opt(2026, 12, 2));
    assert!(!f.due_provisional);
}

#[tokio::test]
async fn art12_malformed_completion_evidence_is_refused_by_field_and_changes_nothing() {
    use app::error::Problem;
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let wechat = app.account_id("education", "wechat_oa").await;
    let f = draft(
        &app,
        &submitter.username,
        FilingKind::Deregister,
        None,
        Some(wechat),
        closing_form(),
    )
    .await;
    app.as_api("submitter").await.submit(f.id).await.unwrap();
    app.as_api("reviewer")
        .await
        .approve(f.id, "")
        .await
        .unwrap();
    let attempt = |on: &str, url: &str| CompletionEvidence {
        platform_done_on: on.into(),
        announcement_url: url.into(),
    };
    let cases = [
        (
            attempt("26/11/2026", "https://www.cqsz.gov.cn/n/1"),
            AppError::invalid("platform_done_on", Problem::BadDate),
        ),
        (
            attempt("2026-12-01", "https://www.cqsz.gov.cn/n/1"),
            AppError::invalid("platform_done_on", Problem::FutureDate),
        ),
        (
            attempt("2026-11-26", "javascript:alert(1)"),
            AppError::invalid("announcement_url", Problem::BadUrl),
        ),
    ];
    for (evidence, expected) in cases {
        let refused =
            filings::record_completion(&app.case_at(&submitter, fixed_now()), f.id, evidence)
                .await
                .unwrap_err();
        assert_eq!(refused, expected);
        assert_eq!(refused.status(), 400);
    }
    let unchanged = filing::Entity::find_by_id(f.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.completion_recorded_at, None);
    assert_eq!(
        unchanged.version, 2,
        "created, submitted, approved: nothing since"
    );
}
