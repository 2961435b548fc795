//! Issue 15, items 11, 12 and the filings list of item 10: one request at a time per account (held
//! by the database), an upward report recorded once with a date between the decision and today and
//! corrected only as a correction, and the filings listed a page at a time.
use crate::arrange::{closing_form, draft, draft_open, open_form, submitted_open};
use crate::helpers::{TestApp, fixed_now, testid_text};
use app::domain::filing::{FilingForm, FilingKind, FilingState, Refusal};
use app::domain::queue::FilingQuery;
use app::domain::registry::DEFAULT_PER_PAGE;
use app::error::{AppError, Problem};
use app::i18n::Locale;
use app::server::entities::{account, audit_event, filing, outbox_message};
use app::server::outbox::NoticeKind;
use app::server::{filing_queue, filings, notices};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

fn change_form() -> FilingForm {
    FilingForm {
        purpose: "发布教育政策、招生信息与校园安全提示".into(),
        ..open_form("石柱教育")
    }
}

/// The unit's WeChat account (石柱教育) with a change request submitted on it.
async fn submitted_change(app: &TestApp) -> (i32, filing::Model) {
    let submitter = app.user("submitter").await;
    let account_id = app.account_id("education", "wechat_oa").await;
    let f = draft(
        app,
        &submitter.username,
        FilingKind::Change,
        None,
        Some(account_id),
        change_form(),
    )
    .await;
    app.as_api(&submitter.username)
        .await
        .submit(f.id)
        .await
        .unwrap();
    (account_id, app.filing_row(f.id).await)
}

fn new_on(kind: FilingKind, account_id: i32, form: FilingForm) -> filings::NewFiling {
    filings::NewFiling {
        kind,
        account_id: Some(account_id),
        platform: None,
        form,
        idempotency_key: None,
    }
}

#[tokio::test]
async fn a_second_request_on_an_account_is_refused_naming_the_open_one() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let account_id = app.account_id("education", "wechat_oa").await;
    let change = draft(
        &app,
        &submitter.username,
        FilingKind::Change,
        None,
        Some(account_id),
        change_form(),
    )
    .await;
    let expected = AppError::PendingFiling {
        id: change.id,
        number: change.number.clone(),
    };
    // While the change is a draft, and while the county office has it.
    let new = || new_on(FilingKind::Deregister, account_id, closing_form());
    let refused = filings::create_draft(&app.case_at(&submitter, fixed_now()), new())
        .await
        .unwrap_err();
    assert_eq!(refused, expected);
    assert!(refused.message(Locale::ZhCn).contains(&change.number));
    assert!(refused.message(Locale::En).contains(&change.number));
    app.as_api("submitter")
        .await
        .submit(change.id)
        .await
        .unwrap();
    let refused = filings::create_draft(&app.case_at(&submitter, fixed_now()), new())
        .await
        .unwrap_err();
    assert_eq!(refused, expected);
    assert_eq!(
        filing::Entity::find()
            .filter(filing::Column::AccountId.eq(account_id))
            .count(&app.db)
            .await
            .unwrap(),
        1,
        "nothing was created"
    );
    // Once the change is decided, the next request may be made.
    let reviewer = app.as_api("reviewer").await;
    reviewer.reject(change.id, "用途与职能不符").await.unwrap();
    filings::create_draft(&app.case_at(&submitter, fixed_now()), new())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_database_itself_refuses_a_second_pending_request_on_an_account() {
    let app = TestApp::spawn().await;
    let (account_id, held) = submitted_change(&app).await;
    let copy = |state: &str, seq: i32| {
        let mut row = held.clone().into_active_model();
        row.id = sea_orm::ActiveValue::NotSet;
        row.kind = Set(FilingKind::Deregister);
        row.state = Set(FilingState::parse(state).unwrap());
        row.seq = Set(seq);
        row.number = Set(format!("2026-{seq:04}"));
        row.idempotency_key = Set(None);
        row
    };
    // Written past the application, straight into the table: the index refuses it.
    for state in ["submitted", "returned"] {
        let error = copy(state, 9000).insert(&app.db).await.unwrap_err();
        assert!(
            matches!(
                error.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ),
            "{state}: {error}"
        );
    }
    let mut awaiting = copy("approved", 9001);
    awaiting.completion_required = Set(true);
    assert!(awaiting.insert(&app.db).await.is_err());
    // A draft is the unit's own preparation, outside the index; the application refuses it when
    // it is submitted, naming the request that holds the account.
    let legacy = copy("draft", 9002).insert(&app.db).await.unwrap();
    let submitter = app.user("submitter").await;
    let refused = filings::submit(&app.case_at(&submitter, fixed_now()), legacy.id)
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        AppError::PendingFiling {
            id: held.id,
            number: held.number.clone()
        }
    );
    let still = filing::Entity::find_by_id(legacy.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.state.as_str(), "draft");
    // Decided requests do not hold the account.
    let mut done = copy("approved", 9003);
    done.completion_required = Set(false);
    done.insert(&app.db).await.unwrap();
    assert_eq!(
        filing::Entity::find()
            .filter(filing::Column::AccountId.eq(account_id))
            .count(&app.db)
            .await
            .unwrap(),
        3
    );
}

#[tokio::test]
async fn approval_rechecks_the_account_and_applies_nothing_to_a_deregistered_one() {
    let app = TestApp::spawn().await;
    let (account_id, change) = submitted_change(&app).await;
    // The account closed meanwhile (say, by an import of the register from before this release).
    let a = account::Entity::find_by_id(account_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut closed = a.clone().into_active_model();
    closed.status = Set(app::domain::AccountStatus::Deregistered);
    closed.update(&app.db).await.unwrap();

    let reviewer = app.user("reviewer").await;
    let refused = filings::approve(&app.case_at(&reviewer, fixed_now()), change.id, "")
        .await
        .unwrap_err();
    assert_eq!(refused, AppError::Refused(Refusal::AccountDeregistered));
    assert_eq!(refused.status(), 409);
    let after = account::Entity::find_by_id(account_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.purpose, a.purpose, "the change was not applied");
    let f = filing::Entity::find_by_id(change.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(f.state.as_str(), "submitted");
    // Nor is a new request made on it.
    let submitter = app.user("submitter").await;
    filings::withdraw(&app.case_at(&submitter, fixed_now()), change.id)
        .await
        .unwrap_err();
    let new = new_on(FilingKind::Change, account_id, change_form());
    assert_eq!(
        filings::create_draft(&app.case_at(&submitter, fixed_now()), new)
            .await
            .unwrap_err(),
        AppError::Refused(Refusal::AccountDeregistered)
    );
}

#[tokio::test]
async fn the_account_page_offers_no_new_request_while_one_is_open_and_names_it() {
    let app = TestApp::spawn().await;
    let account_id = app.account_id("education", "wechat_oa").await;
    let submitter = app.signed_in("submitter").await;
    let path = format!("/accounts/{account_id}");
    let before = app.html(&submitter, &path).await;
    assert!(before.contains("data-testid=\"file-for-account\""));
    assert!(!before.contains("data-testid=\"pending-filing\""));

    let (_, change) = submitted_change(&app).await;
    for client in [&submitter, &app.signed_in("reviewer").await] {
        let page = app.html(client, &path).await;
        assert!(!page.contains("data-testid=\"file-for-account\""));
        let pending = testid_text(&page, "pending-filing").expect("the open request is named");
        assert!(pending.contains(&change.number), "{pending}");
        assert!(page.contains(&format!("href=\"/filings/{}\"", change.id)));
    }
}

async fn approved_open(app: &TestApp) -> crate::arrange::Filing {
    crate::arrange::approved_open(app, "submitter", "reviewer", "weibo", "石柱教育").await
}

fn report(on: &str) -> filings::UpwardReport {
    filings::UpwardReport {
        reported_on: on.into(),
        reported_to: "重庆市人民政府办公厅".into(),
        reference: "渝府办备〔2026〕88号".into(),
    }
}

async fn upward_notices(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::RecipientKind.eq("upper_level"))
        .order_by_asc(outbox_message::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_upward_report_is_dated_between_the_decision_and_today_in_china() {
    let app = TestApp::spawn().await;
    let f = approved_open(&app).await;
    let reviewer = app.user("reviewer").await;
    // Decided 2026-11-27 09:30 in Shizhu (01:30 UTC).
    for (on, problem) in [
        ("2027-06-01", Problem::FutureDate),
        ("2026-11-28", Problem::FutureDate),
        ("2020-01-01", Problem::BeforeDecision),
        ("2026-11-26", Problem::BeforeDecision),
    ] {
        let refused =
            filings::record_report(&app.case_at(&reviewer, fixed_now()), f.id, report(on))
                .await
                .unwrap_err();
        assert_eq!(refused, AppError::invalid("reported_on", problem), "{on}");
        assert!(!refused.message(Locale::ZhCn).is_empty());
    }
    let unchanged = filing::Entity::find_by_id(f.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.reported_on, None);
    assert!(upward_notices(&app).await.is_empty());
    // Late in the evening in China is already the next day in China, though not in UTC.
    let evening =
        chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 28, 16, 30, 0).unwrap();
    filings::record_report(&app.case_at(&reviewer, evening), f.id, report("2026-11-29"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_recorded_report_is_not_sent_again_and_a_correction_is_audited_with_one_notice() {
    let app = TestApp::spawn().await;
    let f = approved_open(&app).await;
    let reviewer = app.user("reviewer").await;
    let correction = |reason: &str| filings::ReportCorrection {
        report: filings::UpwardReport {
            reference: "渝府办备〔2026〕89号".into(),
            ..report("2026-11-27")
        },
        reason: reason.into(),
    };
    assert_eq!(
        filings::correct_report(
            &app.case_at(&reviewer, fixed_now()),
            f.id,
            correction("笔误")
        )
        .await
        .unwrap_err(),
        AppError::Refused(Refusal::NotReported)
    );
    let reporter = app.as_api("reviewer").await;
    reporter
        .report_upstream(
            f.id,
            "2026-11-27",
            "重庆市人民政府办公厅",
            "渝府办备〔2026〕88号",
        )
        .await
        .unwrap();
    assert_eq!(upward_notices(&app).await.len(), 1);

    // Recording it again, even with other values, is refused and sends nothing.
    let again = filings::record_report(
        &app.case_at(&reviewer, fixed_now()),
        f.id,
        report("2026-11-27"),
    )
    .await
    .unwrap_err();
    assert_eq!(again, AppError::Refused(Refusal::AlreadyReported));
    assert_eq!(again.status(), 409);
    assert_eq!(upward_notices(&app).await.len(), 1);
    // A correction needs its reason, and must correct something.
    assert_eq!(
        filings::correct_report(&app.case_at(&reviewer, fixed_now()), f.id, correction("  "))
            .await
            .unwrap_err(),
        AppError::invalid("reason", Problem::Required)
    );
    let same = filings::ReportCorrection {
        report: report("2026-11-27"),
        reason: "核对".into(),
    };
    assert_eq!(
        filings::correct_report(&app.case_at(&reviewer, fixed_now()), f.id, same)
            .await
            .unwrap_err(),
        AppError::invalid("reported_on", Problem::ReportUnchanged)
    );
    // Its dates are bounded like the report's.
    let future = filings::ReportCorrection {
        report: report("2027-06-01"),
        reason: "笔误".into(),
    };
    assert_eq!(
        filings::correct_report(&app.case_at(&reviewer, fixed_now()), f.id, future)
            .await
            .unwrap_err(),
        AppError::invalid("reported_on", Problem::FutureDate)
    );
    assert_eq!(upward_notices(&app).await.len(), 1);
    // A submitter corrects nothing.
    let submitter = app.user("submitter").await;
    assert_eq!(
        filings::correct_report(
            &app.case_at(&submitter, fixed_now()),
            f.id,
            correction("笔误")
        )
        .await
        .unwrap_err(),
        AppError::Refused(Refusal::WrongRole)
    );

    let corrected = filings::correct_report(
        &app.case_at(&reviewer, fixed_now()),
        f.id,
        correction("文号笔误"),
    )
    .await
    .unwrap();
    assert_eq!(
        corrected.report_reference.as_deref(),
        Some("渝府办备〔2026〕89号")
    );
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("filing.report_corrected"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the correction is audited as one");
    let before: serde_json::Value = serde_json::from_str(event.before.as_deref().unwrap()).unwrap();
    let after: serde_json::Value = serde_json::from_str(event.after.as_deref().unwrap()).unwrap();
    assert_eq!(before["report_reference"], "渝府办备〔2026〕88号");
    assert_eq!(after["report_reference"], "渝府办备〔2026〕89号");
    assert_eq!(after["correction_reason"], "文号笔误");
    assert_eq!(
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("filing.reported"))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );

    // Exactly one more notice to the upper level: a correction, not a second 【报备】.
    let sent = upward_notices(&app).await;
    assert_eq!(sent.len(), 2);
    let notice = &sent[1];
    assert_eq!(notice.kind, NoticeKind::FilingReported.as_str());
    let params: serde_json::Value = serde_json::from_str(&notice.params).unwrap();
    assert_eq!(params["correction"]["reason"], "文号笔误");
    let subject = notices::subject(NoticeKind::FilingReported, Locale::ZhCn, &params);
    assert!(subject.starts_with("【报备更正】"), "{subject}");
    let first: serde_json::Value = serde_json::from_str(&sent[0].params).unwrap();
    let original = notices::subject(NoticeKind::FilingReported, Locale::ZhCn, &first);
    assert!(original.starts_with("【报备】"), "{original}");
    let body = notices::render(
        NoticeKind::FilingReported,
        Locale::ZhCn,
        &params,
        "https://x",
    );
    assert!(
        body.text.contains("渝府办备〔2026〕88号"),
        "the old reference"
    );
    assert!(
        body.text.contains("渝府办备〔2026〕89号"),
        "the new reference"
    );
    assert!(body.text.contains("文号笔误"), "the reason");
    let en = notices::subject(NoticeKind::FilingReported, Locale::En, &params);
    assert!(en.starts_with("[Report corrected]"), "{en}");
}

#[tokio::test]
async fn the_correction_form_is_offered_once_a_report_is_recorded() {
    let app = TestApp::spawn().await;
    let f = approved_open(&app).await;
    let reviewer = app.signed_in("reviewer").await;
    let path = format!("/filings/{}", f.id);
    let page = app.html(&reviewer, &path).await;
    assert!(page.contains("data-testid=\"report-form\""));
    assert!(!page.contains("data-testid=\"report-correction-form\""));
    let reporter = app.as_api("reviewer").await;
    reporter
        .report_upstream(
            f.id,
            "2026-11-27",
            "重庆市人民政府办公厅",
            "渝府办备〔2026〕88号",
        )
        .await
        .unwrap();
    let page = app.html(&reviewer, &path).await;
    assert!(!page.contains("data-testid=\"report-form\""));
    assert!(page.contains("data-testid=\"report-correction-form\""));
    assert!(page.contains("action=\"/api/filing_report_correct\""));
}

#[tokio::test]
async fn filings_are_listed_a_page_at_a_time_with_their_total() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let before = filing::Entity::find().count(&app.db).await.unwrap();
    for n in 0..12 {
        draft_open(
            &app,
            &submitter.username,
            "kuaishou",
            &format!("石柱教育{n}"),
        )
        .await;
    }
    let total = before + 12;
    let uc = app.case(&submitter);
    let page = |p: Option<u64>, n: Option<u64>| {
        let query = FilingQuery {
            page: p.unwrap_or(1),
            per_page: n.unwrap_or(DEFAULT_PER_PAGE),
            ..FilingQuery::default()
        };
        let uc = &uc;
        async move { filing_queue::list(uc, &query).await }
    };
    let first = page(Some(1), Some(5)).await.unwrap();
    assert_eq!(
        (first.rows.len(), first.total, first.per_page),
        (5, total, 5)
    );
    let ids: Vec<i32> = first.rows.iter().map(|r| r.id).collect();
    let mut newest_first = ids.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, newest_first);
    let second = page(Some(2), Some(5)).await.unwrap();
    assert!(second.rows.iter().all(|r| !ids.contains(&r.id)));
    let last = page(Some(total.div_ceil(5)), Some(5)).await.unwrap();
    assert_eq!(last.rows.len() as u64, total - 5 * (total.div_ceil(5) - 1));
    // Out-of-range sizes fall back to the default, like the registry's.
    let clamped = page(Some(0), Some(100_000)).await.unwrap();
    assert_eq!((clamped.page, clamped.per_page), (1, DEFAULT_PER_PAGE));
    assert_eq!(clamped.rows.len() as u64, DEFAULT_PER_PAGE.min(total));

    // The page: a total, and pager links that are plain links.
    let client = app.signed_in("submitter").await;
    let html = app.html(&client, "/filings").await;
    assert!(
        testid_text(&html, "filings-total")
            .unwrap()
            .contains(&total.to_string())
    );
    assert!(html.contains("href=\"/filings?page=2\""), "a next link");
    assert!(!html.contains("data-testid=\"filings-page-prev\""));
    let html = app.html(&client, "/filings?page=2").await;
    assert!(html.contains("href=\"/filings?page=1\""), "a previous link");
    assert_eq!(
        html.matches("data-testid=\"filing-link\"").count() as u64,
        total - 10
    );
}

#[tokio::test]
async fn the_reviewers_queue_comes_first_on_their_first_page() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let waiting = submitted_open(&app, &submitter.username, "kuaishou", "石柱教育快手").await;
    for n in 0..12 {
        draft_open(&app, &submitter.username, "douyin", &format!("石柱教育{n}")).await;
    }
    let query = FilingQuery {
        per_page: 3,
        ..FilingQuery::default()
    };
    let first = filing_queue::list(&app.case(&reviewer), &query)
        .await
        .unwrap();
    assert_eq!(first.rows[0].id, waiting.id);
}
