//! API tokens after the security review (issue 15, item 6): a scope checked on every endpoint and
//! stated in the OpenAPI document, a required expiry of at most 365 days, re-authentication before
//! a token is made in a browser session, the owner's e-mail, and the offer to revoke tokens when
//! signing out everywhere or enrolling or resetting a second factor.
use crate::helpers::{TestApp, TestDb, error_in, fixed_now, post_form};
use app::error::{AppError, Problem};
use app::server::demo::DEMO_PASSWORD;
use app::server::entities::{api_token, audit_event, filing, outbox_message, user};
use app::server::tokens::Scope;
use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The code an authenticator app shows `steps` time steps after `at`.
fn code(secret: &str, at: DateTime<Utc>, steps: i64) -> String {
    app::server::totp::code_at_step(secret, at.timestamp() / 30 + steps).unwrap()
}

async fn person(app: &TestApp, username: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn live_tokens(app: &TestApp, username: &str) -> usize {
    let id = person(app, username).await.id;
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .all(&app.db)
        .await
        .unwrap()
        .len()
}

/// Enrols `username` (signed in on `client`) on the second-factor page at the fixed clock's time,
/// posting `extra` with the confirmation; returns the secret.
async fn enrol(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    extra: &[(&str, &str)],
) -> String {
    post_form(app, client, "/api/second_factor_begin", &[]).await;
    let secret = person(app, username).await.totp_secret.unwrap();
    let code = code(&secret, fixed_now(), 0);
    let mut form = vec![("code", code.as_str())];
    form.extend_from_slice(extra);
    let to = post_form(app, client, "/api/second_factor_confirm", &form).await;
    assert_eq!(to, "/account/second-factor?enabled=1");
    secret
}

/// A JSON request to `/api/v1{path}`.
fn api_request(
    app: &TestApp,
    client: &reqwest::Client,
    method: &Method,
    path: &str,
) -> reqwest::RequestBuilder {
    let request = client
        .request(method.clone(), app.url(path))
        .header("accept-language", "en");
    if *method == Method::GET || *method == Method::DELETE {
        request
    } else {
        request.json(&json!({}))
    }
}

/// A route's path with its `{id}`: a draft filing of the submitter's unit, the account, or a
/// token.
fn filled(path: &str, filing: i32, account: i32, token: i32) -> String {
    let id = if path.starts_with("/api/v1/accounts") {
        account
    } else if path.starts_with("/api/v1/tokens") {
        token
    } else {
        filing
    };
    path.replace("{id}", &id.to_string())
}

/// A draft of the submitter's unit, made by the service: arranged through the API, it would need a
/// token of the submitter's, and the scope tests count the submitter's live tokens.
async fn draft_filing(app: &TestApp) -> i32 {
    let submitter = app.user("submitter").await;
    app::server::filings::create_draft(
        &app::server::use_case::UseCase::new(
            app.db.clone(),
            submitter.clone(),
            app::server::use_case::RequestMeta::default().clone(),
            fixed_now(),
        ),
        app::server::filings::NewFiling {
            kind: app::domain::filing::FilingKind::Open,
            account_id: None,
            platform: Some("douyin".into()),
            form: crate::arrange::open_form("石柱教育"),
            idempotency_key: None,
        },
    )
    .await
    .unwrap()
    .id
}

// ---------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_read_token_is_refused_on_every_write_endpoint_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let filing = draft_filing(&app).await;
    let account = app.account_id("education", "wechat_oa").await;
    let read = app.scoped_token_for("submitter", Scope::Read).await;
    let reviewer_read = app.scoped_token_for("reviewer", Scope::Read).await;
    let events = app.count(audit_event::Entity).await;
    let filings = app.count(filing::Entity).await;
    let writes: Vec<_> = server::api_v1::route_scopes()
        .into_iter()
        .filter(|(_, _, scope)| *scope == Some(Scope::Write))
        .collect();
    assert!(writes.len() >= 13, "{writes:?}");

    for (method, path, _) in &writes {
        for issued in [&read, &reviewer_read] {
            let client = app.bearer_client(&issued.token);
            let path = filled(path, filing, account, issued.view.id);
            let response = api_request(&app, &client, method, &path)
                .send()
                .await
                .unwrap();

            assert_eq!(response.status(), 403, "{method} {path}");
            let challenge = response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            assert!(
                challenge.contains("error=\"insufficient_scope\"")
                    && challenge.contains("scope=\"write\""),
                "{method} {path}: {challenge}"
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body["error"]["code"], "insufficient_scope",
                "{method} {path}"
            );
            assert_eq!(
                body["error"]["message"],
                "This API token may only read (scope \"read\"). This request changes data and \
                 needs a token with the \"write\" scope."
            );
        }
    }
    assert_eq!(
        app.count(audit_event::Entity).await,
        events,
        "nothing recorded"
    );
    assert_eq!(app.count(filing::Entity).await, filings, "nothing created");
    assert_eq!(live_tokens(&app, "submitter").await, 1, "nothing revoked");
}

#[tokio::test]
async fn the_scope_refusal_is_in_the_callers_language() {
    let app = TestApp::spawn().await;
    let read = app.scoped_token_for("submitter", Scope::Read).await;
    let response = app
        .bearer_client(&read.token)
        .post(app.url("/api/v1/filings"))
        .header("accept-language", "zh-CN")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("此接口令牌只能读取"),
        "{body}"
    );
}

#[tokio::test]
async fn a_read_token_reads_every_read_endpoint_and_a_write_token_passes_every_scope_check() {
    let app = TestApp::spawn().await;
    let filing = draft_filing(&app).await;
    let account = app.account_id("education", "wechat_oa").await;
    let read = app.scoped_token_for("submitter", Scope::Read).await;
    let write = app.scoped_token_for("submitter", Scope::Write).await;

    for (method, path, scope) in server::api_v1::route_scopes() {
        let (issued, expected) = match scope {
            Some(Scope::Read) | None => (&read, "read"),
            Some(Scope::Write) => (&write, "write"),
        };
        let client = app.bearer_client(&issued.token);
        let path = filled(&path, filing, account, issued.view.id);
        let response = api_request(&app, &client, &method, &path)
            .query(&[("received", "2026-09-30T10:00:00+08:00")])
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_ne!(
            body["error"]["code"], "insufficient_scope",
            "{expected} on {method} {path}"
        );
        if expected == "read" {
            assert_eq!(status, 200, "{method} {path}: {body}");
        }
    }
}

#[tokio::test]
async fn a_browser_session_is_not_limited_by_scopes() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("submitter").await;
    let response = browser
        .post(app.url("/api/v1/filings"))
        .json(&json!({ "kind": "open", "platform": "douyin", "form": {} }))
        .send()
        .await
        .unwrap();
    assert_ne!(response.status(), 403);
}

#[tokio::test]
async fn the_openapi_document_states_every_operations_scope() {
    let app = TestApp::spawn().await;
    let document: Value = app
        .client()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    for (method, path, scope) in server::api_v1::route_scopes() {
        let operation = &document["paths"][&path][method.as_str().to_lowercase()];
        match scope {
            Some(scope) => {
                assert_eq!(
                    operation["x-token-scope"],
                    scope.as_str(),
                    "{method} {path}"
                );
                assert_eq!(
                    operation["security"],
                    json!([{ "bearer": [scope.as_str()] }, { "session": [] }]),
                    "{method} {path}"
                );
                if scope == Scope::Write {
                    assert!(
                        operation["responses"]["403"]["description"]
                            .as_str()
                            .unwrap_or_default()
                            .contains("insufficient_scope"),
                        "{method} {path}"
                    );
                }
            }
            None => assert!(operation.get("x-token-scope").is_none(), "{path}"),
        }
    }
    assert!(
        document["info"]["description"]
            .as_str()
            .unwrap()
            .contains("insufficient_scope")
    );
}

// ---------------------------------------------------------------------------------------------
// Re-authentication, expiry, the owner's e-mail
// ---------------------------------------------------------------------------------------------

async fn create_over_api(
    app: &TestApp,
    client: &reqwest::Client,
    extra: Value,
) -> reqwest::Response {
    let mut body = json!({ "name": "feed", "expires_days": 30, "scope": "read" });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    client
        .post(app.url("/api/v1/tokens"))
        .header("accept-language", "en")
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn creating_a_token_in_a_session_asks_for_the_password_again() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("submitter").await;

    let missing = create_over_api(&app, &browser, json!({})).await;
    assert_eq!(missing.status(), 422);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["field"], "password");
    assert!(app.audit_actions("auth.sign_in_failed").await.is_empty());

    let wrong = create_over_api(&app, &browser, json!({ "password": "not-my-password" })).await;
    assert_eq!(wrong.status(), 422);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["field"], "password");
    assert_eq!(
        body["error"]["message"],
        "The current password is not correct."
    );
    assert_eq!(app.count(api_token::Entity).await, 0, "nothing created");
    assert!(app.audit_actions("token.created").await.is_empty());
    let failed = app.audit_actions("auth.sign_in_failed").await;
    assert_eq!(failed.len(), 1);
    assert!(failed[0].after.as_deref().unwrap().contains("token_create"));
    assert_eq!(
        person(&app, "submitter").await.failed_sign_ins,
        1,
        "counts towards the lock"
    );

    let right = create_over_api(&app, &browser, json!({ "password": DEMO_PASSWORD })).await;
    assert_eq!(right.status(), 201);
    assert_eq!(app.count(api_token::Entity).await, 1);
}

#[tokio::test]
async fn with_a_second_factor_a_current_code_is_asked_instead_of_the_password() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("reviewer").await;
    let secret = enrol(&app, &browser, "reviewer", &[]).await;

    let password_only = create_over_api(&app, &browser, json!({ "password": DEMO_PASSWORD })).await;
    assert_eq!(password_only.status(), 422);
    let body: Value = password_only.json().await.unwrap();
    assert_eq!(body["error"]["field"], "code");

    // The enrolment used this step's code: it is not taken twice.
    let used = create_over_api(
        &app,
        &browser,
        json!({ "code": code(&secret, fixed_now(), 0) }),
    )
    .await;
    assert_eq!(used.status(), 422);
    let wrong = create_over_api(&app, &browser, json!({ "code": "000000" })).await;
    assert_eq!(wrong.status(), 422);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["field"], "code");
    assert_eq!(app.count(api_token::Entity).await, 0, "nothing created");

    let next = code(&secret, fixed_now(), 1);
    let right = create_over_api(&app, &browser, json!({ "code": next })).await;
    assert_eq!(right.status(), 201);
    let replayed = create_over_api(&app, &browser, json!({ "code": next })).await;
    assert_eq!(replayed.status(), 422, "a code proves once");
    assert_eq!(app.count(api_token::Entity).await, 1);
}

#[tokio::test]
async fn the_tokens_page_asks_for_the_password_a_scope_and_an_expiry_of_at_most_365_days() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("submitter").await;

    let html = app.html(&browser, "/tokens").await;
    assert!(html.contains(r#"name="password""#), "{html}");
    assert!(html.contains(r#"max="365""#));
    assert!(html.contains(r#"value="90""#));
    assert!(html.contains(r#"name="scope" value="read" checked"#));
    assert!(html.contains(r#"name="scope" value="write""#));

    for (form, field, problem) in [
        (
            vec![("name", "feed"), ("expires_days", "30"), ("scope", "read")],
            "password",
            Problem::Required,
        ),
        (
            vec![
                ("name", "feed"),
                ("expires_days", "30"),
                ("scope", "read"),
                ("password", "wrong"),
            ],
            "password",
            Problem::PasswordWrong,
        ),
        (
            vec![
                ("name", "feed"),
                ("expires_days", "366"),
                ("scope", "read"),
                ("password", DEMO_PASSWORD),
            ],
            "expires_days",
            Problem::TokenExpiryRange { max: 365 },
        ),
        (
            vec![
                ("name", "feed"),
                ("scope", "read"),
                ("password", DEMO_PASSWORD),
            ],
            "expires_days",
            Problem::TokenExpiryRange { max: 365 },
        ),
        (
            vec![
                ("name", "feed"),
                ("expires_days", "30"),
                ("scope", "admin"),
                ("password", DEMO_PASSWORD),
            ],
            "scope",
            Problem::TokenScopeUnknown,
        ),
    ] {
        let to = post_form(&app, &browser, "/api/token_create", &form).await;
        assert_eq!(
            error_in(&app, &to),
            Some(AppError::invalid(field, problem)),
            "{form:?}"
        );
    }
    assert_eq!(app.count(api_token::Entity).await, 0, "nothing created");

    let to = post_form(
        &app,
        &browser,
        "/api/token_create",
        &[
            ("name", "feed"),
            ("expires_days", "90"),
            ("scope", "write"),
            ("password", DEMO_PASSWORD),
        ],
    )
    .await;
    assert!(to.starts_with("/tokens?created="), "{to}");
    let stored = api_token::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.scope.as_str(), "write");
    assert_eq!(stored.expires_at, fixed_now() + Duration::days(90));
    let created = app.audit_actions("token.created").await;
    assert!(
        created[0]
            .after
            .as_deref()
            .unwrap()
            .contains("\"scope\":\"write\"")
    );
    let page = app.html(&browser, "/tokens").await;
    assert!(page.contains("data-testid=\"token-scope-cell\""));
}

#[tokio::test]
async fn the_owner_is_emailed_in_their_language_when_a_token_is_made() {
    let app = TestApp::spawn().await;
    let issued = app.scoped_token_for("reviewer", Scope::Read).await;
    let reviewer = person(&app, "reviewer").await;

    let queued = outbox_message::Entity::find()
        .filter(outbox_message::Column::Kind.eq("token_created"))
        .all(&app.db)
        .await
        .unwrap();

    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].recipient_user_id, Some(reviewer.id));
    assert_eq!(queued[0].recipient_address, reviewer.email);
    assert_eq!(queued[0].locale, reviewer.locale);
    let params: Value = serde_json::from_str(&queued[0].params).unwrap();
    assert_eq!(params["prefix"], issued.view.prefix);
    assert!(params.get("token").is_none(), "never the secret");
    assert!(!queued[0].params.contains(&issued.token));
    use app::i18n::Locale;
    use app::server::notices::render;
    use app::server::outbox::NoticeKind;
    let zh = render(
        NoticeKind::TokenCreated,
        Locale::ZhCn,
        &params,
        "https://x.example",
    );
    assert!(zh.subject.contains("新接口令牌"), "{}", zh.subject);
    assert!(
        zh.text.contains(&issued.view.prefix) && zh.text.contains("只读"),
        "{}",
        zh.text
    );
    assert!(zh.text.contains("https://x.example/tokens"));
    let en = render(
        NoticeKind::TokenCreated,
        Locale::En,
        &params,
        "https://x.example",
    );
    assert!(en.subject.contains("New API token"), "{}", en.subject);
    assert!(en.text.contains("read only"), "{}", en.text);
}

#[tokio::test]
async fn a_refused_token_queues_no_email() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("submitter").await;
    let response = create_over_api(&app, &browser, json!({ "password": "wrong" })).await;
    assert_eq!(response.status(), 422);
    assert_eq!(app.count(outbox_message::Entity).await, 0);
}

// ---------------------------------------------------------------------------------------------
// The offer to revoke tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn signing_out_everywhere_revokes_the_tokens_when_the_box_is_ticked() {
    let app = TestApp::spawn().await;
    let laptop = app.signed_in("reviewer").await;
    let issued = app.token_for("reviewer").await;
    app.token_for("auditor").await;
    let page = app.html(&laptop, "/account/password").await;
    assert!(
        page.contains(r#"name="revoke_tokens" value="1" checked"#),
        "{page}"
    );

    let to = post_form(
        &app,
        &laptop,
        "/api/sign_out_everywhere",
        &[("revoke_tokens", "1")],
    )
    .await;

    assert_eq!(to, "/login?signed_out=1");
    assert_eq!(live_tokens(&app, "reviewer").await, 0);
    assert_eq!(live_tokens(&app, "auditor").await, 1, "no one else's");
    let refused = app
        .bearer_client(&issued.token)
        .get(app.url("/api/v1/units"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let events = app.audit_actions("token.revoked_all").await;
    assert_eq!(events.len(), 1);
    let after: Value = serde_json::from_str(events[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["reason"], "signed_out_everywhere");
    assert_eq!(after["tokens_revoked"], 1);
    assert_eq!(events[0].actor_username.as_deref(), Some("reviewer"));
}

#[tokio::test]
async fn enrolling_a_second_factor_revokes_the_tokens_when_the_box_is_ticked() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("reviewer").await;
    app.token_for("reviewer").await;
    post_form(&app, &browser, "/api/second_factor_begin", &[]).await;
    let page = app.html(&browser, "/account/second-factor").await;
    assert!(
        page.contains(r#"data-testid="totp-revoke-tokens""#),
        "{page}"
    );

    enrol(&app, &browser, "reviewer", &[("revoke_tokens", "1")]).await;

    assert_eq!(live_tokens(&app, "reviewer").await, 0);
    let events = app.audit_actions("token.revoked_all").await;
    assert_eq!(events.len(), 1);
    assert!(
        events[0]
            .after
            .as_deref()
            .unwrap()
            .contains("second_factor_enrolled")
    );
}

#[tokio::test]
async fn enrolling_without_the_box_keeps_the_tokens() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("reviewer").await;
    app.token_for("reviewer").await;
    enrol(&app, &browser, "reviewer", &[]).await;
    assert_eq!(live_tokens(&app, "reviewer").await, 1);
    assert!(app.audit_actions("token.revoked_all").await.is_empty());
}

#[tokio::test]
async fn resetting_someones_second_factor_revokes_their_tokens_when_the_box_is_ticked() {
    let app = TestApp::spawn().await;
    let reviewer_browser = app.signed_in("reviewer").await;
    enrol(&app, &reviewer_browser, "reviewer", &[]).await;
    app.token_for("reviewer").await;
    let security = app.signed_in("security").await;
    let page = app.html(&security, "/security").await;
    assert!(
        page.contains(r#"data-testid="factor-reset-revoke-tokens""#),
        "{page}"
    );
    let id = person(&app, "reviewer").await.id.to_string();

    let to = post_form(
        &app,
        &security,
        "/api/second_factor_reset",
        &[("id", &id), ("revoke_tokens", "1")],
    )
    .await;

    assert_eq!(error_in(&app, &to), None, "{to}");
    assert_eq!(live_tokens(&app, "reviewer").await, 0);
    let events = app.audit_actions("token.revoked_all").await;
    assert_eq!(events.len(), 1);
    assert!(
        events[0]
            .after
            .as_deref()
            .unwrap()
            .contains("second_factor_reset")
    );
    assert_eq!(events[0].entity_id.as_deref(), Some(id.as_str()));
}

// ---------------------------------------------------------------------------------------------
// The database
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_database_refuses_a_token_without_an_expiry_or_with_an_unknown_scope() {
    use sea_orm::ConnectionTrait as _;
    let app = TestApp::spawn().await;
    let issued = app.token_for("submitter").await;
    for change in ["expires_at = NULL", "scope = 'admin'", "scope = NULL"] {
        let refused = app
            .db
            .execute_unprepared(&format!(
                "UPDATE api_tokens SET {change} WHERE id = {}",
                issued.view.id
            ))
            .await;
        assert!(refused.is_err(), "{change}");
    }
}

/// Migration 000016: tokens made before it that lasted until revoked expire 90 days after it
/// runs, and keep the rights they had (`write`); the outbox takes the new notice.
#[tokio::test]
async fn the_migration_gives_old_tokens_an_expiry_and_the_write_scope() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait as _;
    let test_db = TestDb::new().await;
    let db = app::server::db::connect(&test_db.url).await.unwrap();
    let position = Migrator::migrations()
        .iter()
        .position(|m| m.name().contains("000016"))
        .unwrap() as u32;
    Migrator::up(&db, Some(position)).await.unwrap();
    for sql in [
        "INSERT INTO units (code, kind, name, created_at) \
         VALUES ('u1', 'internal_division', 'Unit one', '2026-11-01T00:00:00+00:00')",
        "INSERT INTO users (username, display_name, password_hash, role, unit_id, created_at) \
         VALUES ('tan', 'Tan', 'x', 'submitter', (SELECT id FROM units WHERE code = 'u1'), \
                 '2026-11-01T00:00:00+00:00')",
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) \
         VALUES ((SELECT id FROM users WHERE username = 'tan'), 'old', \
                 '0000000000000000000000000000000000000000000000000000000000000000', 'rgt_000000', \
                 '2026-11-01T00:00:00+00:00')",
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at) \
         VALUES ((SELECT id FROM users WHERE username = 'tan'), 'dated', \
                 '1111111111111111111111111111111111111111111111111111111111111111', 'rgt_111111', \
                 '2026-11-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00')",
    ] {
        db.execute_unprepared(sql).await.unwrap();
    }
    let before = Utc::now();
    Migrator::up(&db, None).await.unwrap();
    let after = Utc::now();

    let tokens = api_token::Entity::find().all(&db).await.unwrap();
    let of = |name: &str| tokens.iter().find(|t| t.name == name).unwrap().clone();
    let old = of("old");
    assert!(
        old.expires_at >= before + Duration::days(90) - Duration::seconds(1)
            && old.expires_at <= after + Duration::days(90),
        "{}",
        old.expires_at
    );
    assert_eq!(old.scope.as_str(), "write");
    let dated = of("dated");
    assert_eq!(
        dated.expires_at,
        "2026-12-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(dated.scope.as_str(), "write");
    // The outbox takes the new kind, and still refuses an unknown one.
    let insert = |kind: &str| {
        format!(
            "INSERT INTO outbox_messages (message_id, kind, recipient_kind, recipient_user_id, \
             recipient_address, locale, params, status, attempts, created_at) VALUES \
             ('<{kind}@t>', '{kind}', 'user', (SELECT id FROM users WHERE username = 'tan'), \
              'tan@example.gov.cn', 'en', '{{}}', 'queued', 0, '2026-11-01T00:00:00+00:00')"
        )
    };
    db.execute_unprepared(&insert("token_created"))
        .await
        .unwrap();
    db.execute_unprepared(&insert("filing_submitted"))
        .await
        .unwrap();
    assert!(
        db.execute_unprepared(&insert("no_such_kind"))
            .await
            .is_err()
    );
}
