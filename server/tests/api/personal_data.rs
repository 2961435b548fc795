//! Personal data (issue 8; Art. 29 custodians; 个人信息保护法): a custodian's mobile is shown in
//! full only to the county office's reviewers and the custodian's own unit, masked to
//! administrators and auditors, on every page, in the API and in exports; each full view is
//! recorded without the number; notices and reports never carry it; and no mobile, password or
//! token reaches the logs.
use crate::arrange::open_form;
use crate::helpers::{HOME, TestApp, location};
use app::domain::filing::FilingKind;
use app::server::demo::DEMO_PASSWORD;
use app::server::entities::{account, audit_event, outbox_message};
use app::server::filings;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

/// The custodian's mobile the tests file, and how roles that may not see it are shown it.
const MOBILE: &str = "13907654321";
const MASKED: &str = "139****4321";

/// An open request for WeChat (the unit's) with our custodian, submitted and approved: the filing
/// and the account it opened. Their audit events record the custodian's mobile, as filed.
/// Arranged with the services, not the API: each API step answers with the filing, which shows the
/// mobile in full and records a `custodian.viewed` event, and these tests count those events.
async fn approved_open(app: &TestApp) -> (i32, i32) {
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let mut form = open_form("石柱教育微博");
    form.custodian_mobile = MOBILE.into();
    let now = crate::helpers::fixed_now();
    let new = filings::NewFiling {
        kind: FilingKind::Open,
        account_id: None,
        platform: Some("weibo".into()),
        form,
        idempotency_key: None,
    };
    let f = filings::create_draft(&app.case_at(&submitter, now), new)
        .await
        .unwrap();
    filings::submit(&app.case_at(&submitter, now), f.id)
        .await
        .unwrap();
    let approved = filings::approve(&app.case_at(&reviewer, now), f.id, "")
        .await
        .unwrap();
    (f.id, approved.account_id.unwrap())
}

/// The events with `action`, oldest first.
async fn recorded(app: &TestApp, action: &str) -> Vec<audit_event::Model> {
    let mut events = app.audit_actions(action).await;
    events.sort_by_key(|e| e.id);
    events
}

async fn views(app: &TestApp) -> Vec<audit_event::Model> {
    recorded(app, "custodian.viewed").await
}

fn fields(event: &audit_event::Model) -> Vec<String> {
    let after: Value = serde_json::from_str(event.after.as_deref().unwrap()).unwrap();
    after["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_county_office_and_the_unit_see_the_mobile_in_full_and_each_view_is_recorded_without_it()
 {
    let app = TestApp::spawn().await;
    let (filing, account) = approved_open(&app).await;
    let pages = [
        format!("/accounts/{account}"),
        format!("/filings/{filing}"),
        format!("/filings/{filing}/print"),
    ];
    for username in ["reviewer", "submitter"] {
        let client = app.signed_in(username).await;
        for page in &pages {
            let html = app.html(&client, page).await;
            assert!(html.contains(MOBILE), "{username} {page}");
        }
    }

    let views = views(&app).await;
    assert_eq!(views.len(), 6, "one event per page shown");
    for view in &views {
        let recorded = format!("{:?} {:?}", view.before, view.after);
        assert!(
            !recorded.contains(MOBILE) && !recorded.contains(MASKED),
            "{recorded}"
        );
        assert!(view.source_ip.is_some() && view.request_id.is_some());
    }
    let reviewer_on_account = views
        .iter()
        .find(|v| v.actor_username.as_deref() == Some("reviewer") && v.entity_type == "account")
        .unwrap();
    assert_eq!(reviewer_on_account.entity_id, Some(account.to_string()));
    // The account's history shows the number as the opening recorded it.
    assert_eq!(
        fields(reviewer_on_account),
        ["custodian_mobile", "history.custodian_mobile"]
    );
    let submitter_on_filing = views
        .iter()
        .find(|v| v.actor_username.as_deref() == Some("submitter") && v.entity_type == "filing")
        .unwrap();
    assert_eq!(submitter_on_filing.entity_id, Some(filing.to_string()));
    assert!(fields(submitter_on_filing).contains(&"form.custodian_mobile".to_string()));
    // Views are not changes: the account's page does not list them in its history.
    let client = app.signed_in("reviewer").await;
    let html = app.html(&client, &format!("/accounts/{account}")).await;
    assert!(!html.contains("custodian.viewed"));
}

#[tokio::test]
async fn administrators_and_auditors_see_the_mobile_masked_on_every_page_and_in_the_api() {
    let app = TestApp::spawn().await;
    let (filing, account) = approved_open(&app).await;
    for username in ["admin", "auditor"] {
        let client = app.signed_in(username).await;
        for page in [
            format!("/accounts/{account}"),
            format!("/filings/{filing}"),
            format!("/filings/{filing}/print"),
        ] {
            let html = app.html(&client, &page).await;
            assert!(!html.contains(MOBILE), "{username} {page}");
            assert!(html.contains(MASKED), "{username} {page}");
        }
        let token = app.token_for(username).await.token;
        let api = app.bearer_client(&token);
        for path in [
            format!("/api/v1/accounts/{account}"),
            format!("/api/v1/filings/{filing}"),
            format!("/api/v1/filings/{filing}/history"),
        ] {
            let response = api.get(app.url(&path)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{username} {path}");
            let body = response.text().await.unwrap();
            assert!(!body.contains(MOBILE), "{username} {path}: {body}");
        }
        let body: Value = api
            .get(app.url(&format!("/api/v1/accounts/{account}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["custodian"]["mobile"], MASKED);
        assert_eq!(body["custodian"]["masked"], true);
    }
    assert!(views(&app).await.is_empty(), "nothing shown in full");
}

#[tokio::test]
async fn another_units_submitter_gets_nothing_of_the_custodian_not_even_from_the_history() {
    let app = TestApp::spawn().await;
    let (_, account) = approved_open(&app).await;
    let other = app
        .add_user("health.submitter", "submitter", Some("health"))
        .await;
    let detail = app::server::account_entry::detail(&app.case(&other), account)
        .await
        .unwrap();
    assert_eq!(detail.custodian, app::model::CustodianView::Withheld);
    assert!(!detail.history.is_empty(), "the opening is in the history");
    let everything = serde_json::to_string(&detail).unwrap();
    for trace in [MOBILE, MASKED, "谭明", "custodian_"] {
        assert!(!everything.contains(trace), "{trace} in {everything}");
    }
    assert!(views(&app).await.is_empty());
}

#[tokio::test]
async fn a_view_through_the_api_is_recorded_with_the_token_it_was_made_with() {
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    let stored = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let issued = app.token_for("reviewer").await;
    let body = app
        .bearer_client(&issued.token)
        .get(app.url(&format!("/api/v1/accounts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains(&stored.custodian_mobile));

    let views = views(&app).await;
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].entity_type, "account");
    assert_eq!(views[0].entity_id, Some(id.to_string()));
    assert_eq!(views[0].via_token_id, Some(issued.view.id));
    assert_eq!(fields(&views[0]), ["custodian_mobile"]);
}

#[tokio::test]
async fn one_request_is_one_view_however_often_its_page_renders() {
    use app::server::use_case::{ReadLog, RequestMeta};
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    let reviewer = app.user("reviewer").await;
    let request = |id: &str| RequestMeta {
        source_ip: Some("127.0.0.1".into()),
        request_id: Some(id.into()),
        reads: ReadLog::for_request(),
        ..Default::default()
    };
    let now = crate::helpers::fixed_now();
    // A page's server function may run twice while one response renders (Leptos SSR): both
    // runs share the request's meta. A second request is a second view, even under the same id.
    let first = request("r-1");
    for meta in [first.clone(), first, request("r-1")] {
        let uc = app::server::use_case::UseCase::new(app.db.clone(), reviewer.clone(), meta, now);
        app::server::account_entry::detail(&uc, id).await.unwrap();
    }
    let views = views(&app).await;
    let requests: Vec<_> = views.iter().map(|v| v.request_id.as_deref()).collect();
    assert_eq!(requests, [Some("r-1"), Some("r-1")]);
}

#[tokio::test]
async fn a_client_chosen_request_id_neither_hides_views_nor_is_stored() {
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    let client = app.signed_in("reviewer").await;
    let mut answered = Vec::new();
    for _ in 0..2 {
        let response = client
            .get(app.url(&format!("/accounts/{id}")))
            .header("x-request-id", "chosen-by-the-client")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let echoed = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        assert_ne!(echoed, "chosen-by-the-client");
        answered.push(echoed);
        response.text().await.unwrap();
    }

    let views = views(&app).await;
    assert_eq!(views.len(), 2, "two requests, two views");
    let stored: Vec<String> = views
        .iter()
        .map(|v| v.request_id.clone().unwrap())
        .collect();
    assert_eq!(
        stored, answered,
        "the server's own ids, as the responses said"
    );
    assert_ne!(stored[0], stored[1]);
}

#[tokio::test]
async fn the_registry_export_records_how_many_mobiles_it_holds_in_full_not_one_event_per_row() {
    let app = TestApp::spawn().await;
    let with_mobile = account::Entity::find()
        .filter(account::Column::CustodianMobile.ne(""))
        .count(&app.db)
        .await
        .unwrap();
    let submitter = app.user("submitter").await;
    let own = account::Entity::find()
        .filter(account::Column::HostUnitId.eq(submitter.unit_id.unwrap()))
        .filter(account::Column::CustodianMobile.ne(""))
        .count(&app.db)
        .await
        .unwrap();
    assert!(own > 0 && own < with_mobile);
    for username in ["reviewer", "admin", "auditor", "submitter"] {
        let client = app.signed_in(username).await;
        let response = client
            .get(app.url("/exports/registry.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
    }
    let exported = recorded(&app, "registry.exported").await;
    let unmasked: Vec<(String, u64)> = exported
        .iter()
        .map(|e| {
            let after: Value = serde_json::from_str(e.after.as_deref().unwrap()).unwrap();
            (
                e.actor_username.clone().unwrap(),
                after["unmasked_mobiles"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        unmasked,
        [
            ("reviewer".to_string(), with_mobile),
            ("admin".to_string(), 0),
            ("auditor".to_string(), 0),
            ("submitter".to_string(), own),
        ]
    );
    assert!(views(&app).await.is_empty());
}

#[tokio::test]
async fn notices_and_the_monthly_report_never_carry_a_custodians_mobile() {
    let app = TestApp::spawn().await;
    approved_open(&app).await;
    let messages = outbox_message::Entity::find().all(&app.db).await.unwrap();
    assert!(
        !messages.is_empty(),
        "the submission and the approval queued notices"
    );
    for m in &messages {
        assert!(!m.params.contains(MOBILE), "{}", m.params);
        // The e-mail as the worker renders it, in both languages.
        let kind = app::server::outbox::NoticeKind::parse(&m.kind).unwrap();
        let params: Value = serde_json::from_str(&m.params).unwrap();
        for locale in app::i18n::Locale::ALL {
            let mail = app::server::notices::render(kind, locale, &params, "http://x");
            for part in [&mail.subject, &mail.text, &mail.html] {
                assert!(!part.contains(MOBILE), "{part}");
            }
        }
    }
    let demo_mobiles: Vec<String> = account::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.custodian_mobile)
        .filter(|m| !m.is_empty())
        .collect();
    let reviewer = app.signed_in("reviewer").await;
    let report = app.html(&reviewer, "/reports/monthly?month=2026-11").await;
    assert!(report.contains("data-testid"), "the report rendered");
    for mobile in demo_mobiles.iter().chain([&MOBILE.to_string()]) {
        assert!(!report.contains(mobile.as_str()), "{mobile}");
    }
}

// ---- Logs -----------------------------------------------------------------------------------

/// What the application logs on a test's thread while it captures. Each test runs its app on its
/// own thread (a current-thread runtime), so the capture is that app's, at every level.
#[derive(Clone, Default)]
struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLogs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<CapturedLogs>> = const { std::cell::RefCell::new(None) };
}

/// Writes a formatted event into the capture of the thread it happened on.
struct ToThreadCapture;

impl std::io::Write for ToThreadCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(logs) = c.borrow().as_ref() {
                logs.0.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stops capturing when dropped.
struct Capturing;

impl Drop for Capturing {
    fn drop(&mut self) {
        CAPTURE.with(|c| c.borrow_mut().take());
    }
}

/// Captures every log event and span on this thread into `logs`. One process-wide subscriber,
/// installed once, whose filter lets through only the threads that capture: a scoped subscriber
/// (`set_default`) misses events when other tests register the same call sites at the same time.
fn capture_logs_on_this_thread(logs: &CapturedLogs) -> Capturing {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    static INSTALLED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    INSTALLED.get_or_init(|| {
        // Dynamic: asked at every event (a plain `filter_fn` caches its first answer per call
        // site, which would be whichever thread got there first).
        let capturing = tracing_subscriber::filter::dynamic_filter_fn(|_, _| {
            CAPTURE.with(|c| c.borrow().is_some())
        });
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(|| ToThreadCapture)
            .with_filter(capturing);
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("no other test installs a global subscriber");
    });
    CAPTURE.with(|c| *c.borrow_mut() = Some(logs.clone()));
    Capturing
}

fn form_post(client: &reqwest::Client, url: String) -> reqwest::RequestBuilder {
    client
        .post(url)
        .header("accept", "text/html,application/xhtml+xml")
}

#[tokio::test]
async fn no_mobile_password_or_token_reaches_the_logs_during_a_filing_journey_and_sign_ins() {
    let logs = CapturedLogs::default();
    let _capture = capture_logs_on_this_thread(&logs);

    let app = TestApp::spawn().await;
    let wrong_password = "not-the-password-2026";
    app.post_login(&app.client(), "submitter", wrong_password)
        .await;
    let submitter = app.client();
    let signed_in = app.post_login(&submitter, "submitter", DEMO_PASSWORD).await;
    assert_eq!(location(&signed_in), HOME);
    let session_cookies: Vec<String> = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .map(|(_, value)| value.to_string())
        .filter(|value| value.len() >= 16)
        .collect();
    assert!(!session_cookies.is_empty(), "a session cookie was set");

    let created = form_post(&submitter, app.url("/api/filing_new"))
        .form(&[
            ("kind", "open"),
            ("platform", "weibo"),
            ("idempotency_key", "logs-1"),
            ("form[account_name]", "石柱教育微博"),
            ("form[verification_subject]", "石柱土家族自治县教育委员会"),
            ("form[operating_unit]", "石柱土家族自治县教育委员会"),
            ("form[purpose]", "发布教育政策"),
            ("form[custodian_name]", "谭明"),
            ("form[custodian_mobile]", MOBILE),
            ("form[leader_name]", "马丽"),
            ("form[leader_consent_on]", "2026-11-20"),
            ("form[collective_decision_on]", "2026-11-18"),
        ])
        .send()
        .await
        .unwrap();
    let page = location(&created);
    let id = page.trim_start_matches("/filings/").to_string();
    form_post(&submitter, app.url("/api/filing_step"))
        .form(&[("id", id.as_str()), ("step", "submit")])
        .send()
        .await
        .unwrap();
    let reviewer = app.signed_in("reviewer").await;
    app.html(&reviewer, &page).await;
    form_post(&reviewer, app.url("/api/filing_step"))
        .form(&[("id", id.as_str()), ("step", "approve")])
        .send()
        .await
        .unwrap();
    app.html(&reviewer, &format!("{page}/print")).await;
    let token = app.token_for("reviewer").await.token;
    let api = app.bearer_client(&token);
    let response = api
        .get(app.url(&format!("/api/v1/filings/{id}")))
        .send()
        .await
        .unwrap();
    assert!(response.text().await.unwrap().contains(MOBILE));
    let bogus = "rgt_this-token-does-not-exist-0123456789";
    let refused = app
        .bearer_client(bogus)
        .get(app.url("/api/v1/accounts"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    let text = logs.text();
    assert!(text.contains("/login"), "the logs were captured: {text}");
    assert!(text.contains("/api/filing_new"));
    for secret in [MOBILE, DEMO_PASSWORD, wrong_password, &token, bogus]
        .into_iter()
        .chain(session_cookies.iter().map(String::as_str))
    {
        assert!(!text.contains(secret), "{secret} is in the logs");
    }
    // Nor the number in any other spelling.
    assert!(!text.contains("139-0765-4321") && !text.contains("139 0765 4321"));
}

#[tokio::test]
async fn a_database_error_is_logged_by_its_message_without_the_failing_row() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    let logs = CapturedLogs::default();
    let _capture = capture_logs_on_this_thread(&logs);
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    let found = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    // A row the database refuses (an unknown status) that carries a mobile: on PostgreSQL the
    // error's DETAIL repeats the whole failing row.
    let mobile = "13955501234";
    let refused = account::Entity::update_many()
        .col_expr(account::Column::Status, Expr::value("bogus"))
        .col_expr(account::Column::CustodianMobile, Expr::value(mobile))
        .filter(account::Column::Id.eq(found.id))
        .exec(&app.db)
        .await
        .unwrap_err();
    let error = app::error::AppError::from(refused);
    assert!(matches!(error, app::error::AppError::Internal { .. }));
    let text = logs.text();
    assert!(text.contains("internal error"), "logged: {text}");
    assert!(
        text.to_lowercase().contains("check constraint"),
        "the message names the constraint: {text}"
    );
    assert!(!text.contains(mobile), "{text}");
}

#[tokio::test]
async fn an_internal_error_names_the_use_case_it_happened_in() {
    // Issue 16, item 5: every use case runs in a span that names it, so an operator reading the
    // one "internal error" line (and the reference the person was shown) knows what was being
    // done without a debugger.
    let logs = CapturedLogs::default();
    let _capture = capture_logs_on_this_thread(&logs);
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    app.db
        .execute_unprepared("ALTER TABLE reminders RENAME TO reminders_moved_away")
        .await
        .unwrap();
    let response = reviewer
        .post(app.url("/api/reminders"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let body = response.text().await.unwrap();
    let text = logs.text();
    let line = text
        .lines()
        .find(|l| l.contains("internal error"))
        .unwrap_or_else(|| panic!("an internal error was logged: {text}"));
    assert!(
        line.contains("reminders.list"),
        "the line names the use case: {line}"
    );
    let reference = line
        .split("reference=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .expect("the line carries the reference");
    assert!(
        body.contains(reference),
        "the person was shown {reference}: {body}"
    );
}
