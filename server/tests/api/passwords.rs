//! Passwords, lockout and sessions (issue 8; GB/T 22239-2019 8.1.4.1; OWASP ASVS 5.0.0 V6, V7): the
//! policy and its messages, the history, expiry and first sign-in, the lock after failed sign-ins,
//! session timeouts, privilege changes, signing out everywhere and the cookie over HTTPS. Every
//! test runs on a fixed clock; later moments are new servers on the same database.
use crate::helpers::{
    HOME, Landing, TEST_PASSWORD, TestApp, TestDb, fixed_now, location, person, sessions_of,
};
use app::error::{AppError, Problem};
use app::i18n::Locale;
use app::server::demo::DEMO_PASSWORD;
use app::server::entities::{audit_event, password_history, session};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set};
use std::io::Write as _;
use std::process::{Command, Stdio};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Posts the change-password form as a browser does, and returns the error the page is sent back
/// with, if any.
async fn change_password(
    app: &TestApp,
    client: &reqwest::Client,
    current: &str,
    new: &str,
    repeat: &str,
) -> Result<(), AppError> {
    let response = client
        .post(app.url("/api/password_change"))
        .header("accept", "text/html")
        .form(&[
            ("current_password", current),
            ("new_password", new),
            ("repeat_password", repeat),
        ])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let landing = Landing::of(&response);
    if landing == "/account/password?changed=1" {
        return Ok(());
    }
    Err(landing
        .flash
        .and_then(|flash| flash.error)
        .unwrap_or_else(|| panic!("no error handed to {}", landing.location)))
}

fn invalid(field: &str, problem: Problem) -> AppError {
    AppError::invalid(field, problem)
}

async fn history_of(app: &TestApp, user_id: i32) -> u64 {
    password_history::Entity::find()
        .filter(password_history::Column::UserId.eq(user_id))
        .count(&app.db)
        .await
        .unwrap()
}

/// Where `GET path` sends this client: `""` when it is served (200), else the redirect's target.
async fn lands(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let response = client.get(app.url(path)).send().await.unwrap();
    if response.status() == 200 {
        return String::new();
    }
    assert!(response.status().is_redirection(), "{}", response.status());
    location(&response)
}

/// The `Set-Cookie` header of a response, which must have one.
fn set_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("set-cookie")
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap()
        .to_string()
}

/// The same database served by a new server whose clock stands at `now`.
async fn later(app: TestApp, now: DateTime<Utc>) -> TestApp {
    let test_db = app.stop().await;
    TestApp::spawn_with(test_db, false, now, None).await
}

/// A server function, called as the pages' forms call them.
async fn server_function(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    client
        .post(app.url("/api/registry"))
        .form(&[("query[page]", "1"), ("query[per_page]", "10")])
        .send()
        .await
        .unwrap()
}

/// A JSON API read with the session cookie.
async fn api_read(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    client.get(app.url("/api/v1/units")).send().await.unwrap()
}

/// `server reset-password --username U --password-stdin`, as an operator runs it.
fn reset_password(database_url: &str, username: &str, password: &str) -> std::process::Output {
    reset_password_with(database_url, username, password, &[])
}

/// `server reset-password` with extra environment variables.
fn reset_password_with(
    database_url: &str,
    username: &str,
    password: &str,
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["reset-password", "--username", username, "--password-stdin"])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running the server binary");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Nothing in the audit trail holds a password hash.
async fn no_hash_in_audit(app: &TestApp) {
    let events = audit_event::Entity::find().all(&app.db).await.unwrap();
    for event in events {
        let text = format!("{:?} {:?}", event.before, event.after);
        assert!(!text.contains("$argon2"), "{}: {text}", event.action);
    }
}

// ---------------------------------------------------------------------------------------------
// The policy
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn each_rule_of_the_policy_refuses_a_new_password_with_its_message_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let before = person(&app, "reviewer").await;
    let history = history_of(&app, before.id).await;
    let too_long = format!("Aa1-{}", "x".repeat(125));
    let cases = [
        (
            "Ab1-short",
            invalid("new_password", Problem::PasswordTooShort { min: 10 }),
            "A password needs at least 10 characters.",
        ),
        (
            too_long.as_str(),
            invalid("new_password", Problem::PasswordTooLong { max: 128 }),
            "A password may have at most 128 characters.",
        ),
        (
            "only-lower-case-letters",
            invalid("new_password", Problem::PasswordTooFewClasses { min: 3 }),
            "A password needs at least 3 of the four kinds of character",
        ),
        (
            "My-Reviewer-2026",
            invalid("new_password", Problem::PasswordContainsUsername),
            "A password may not be the username or contain it.",
        ),
        (
            "P@ssw0rd123",
            invalid("new_password", Problem::PasswordCommon),
            "one of the most common passwords",
        ),
        (
            DEMO_PASSWORD,
            invalid("new_password", Problem::PasswordReused { count: 5 }),
            "must differ from your last 5 passwords",
        ),
    ];
    for (candidate, expected, english) in cases {
        let refused = change_password(&app, &reviewer, DEMO_PASSWORD, candidate, candidate).await;
        assert_eq!(refused, Err(expected.clone()), "{candidate}");
        assert!(
            expected.message(Locale::En).contains(english),
            "{candidate}"
        );
    }
    // The repetition, and the current password, are checked too.
    assert_eq!(
        change_password(
            &app,
            &reviewer,
            DEMO_PASSWORD,
            "Ledger-lantern-42",
            "Ledger-lantern-43"
        )
        .await,
        Err(invalid("repeat_password", Problem::PasswordMismatch))
    );
    assert_eq!(
        change_password(
            &app,
            &reviewer,
            "not-the-password",
            "Ledger-lantern-42",
            "Ledger-lantern-42"
        )
        .await,
        Err(invalid("current_password", Problem::PasswordWrong))
    );

    let after = person(&app, "reviewer").await;
    assert_eq!(after.password_hash, before.password_hash);
    assert_eq!(after.password_changed_at, before.password_changed_at);
    assert_eq!(history_of(&app, before.id).await, history);
    assert!(app.audit_actions("user.password_changed").await.is_empty());
    assert_eq!(lands(&app, &reviewer, "/").await, "", "still signed in");
    let old = app.client();
    assert_eq!(
        location(&app.post_login(&old, "reviewer", DEMO_PASSWORD).await),
        HOME,
        "the old password still works"
    );
}

#[tokio::test]
async fn a_refused_password_is_explained_on_the_page_in_the_readers_language() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let problem = Problem::PasswordTooShort { min: 10 };
    // The error is handed to the page once (issue 17, item 3): one refused post per language.
    for (lang, locale) in [("en", Locale::En), ("zh-CN", Locale::ZhCn)] {
        let response = reviewer
            .post(app.url("/api/password_change"))
            .header("accept", "text/html")
            .form(&[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "short"),
                ("repeat_password", "short"),
            ])
            .send()
            .await
            .unwrap();
        let landing = Landing::of(&response);
        assert!(landing.starts_with("/account/password"), "{landing}");
        assert!(
            landing.flash.as_ref().is_some_and(|f| f.error.is_some()),
            "{landing}"
        );
        let target = landing.location;
        let html = reviewer
            .get(app.url(&target))
            .header("accept-language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(&problem.message(locale)), "{lang}: {html}");
        assert!(
            html.contains(r#"aria-invalid="true""#),
            "the field is marked"
        );
    }
}

#[tokio::test]
async fn the_configured_policy_is_the_one_applied() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        config.passwords.rules = app::domain::password::PasswordRules::new(20, 4).unwrap();
        config.passwords.max_age = None;
    })
    .await;
    let reviewer = app.signed_in("reviewer").await;
    assert_eq!(
        change_password(
            &app,
            &reviewer,
            DEMO_PASSWORD,
            "Ledger-lantern-42",
            "Ledger-lantern-42"
        )
        .await,
        Err(invalid(
            "new_password",
            Problem::PasswordTooShort { min: 20 }
        ))
    );
    let html = reviewer
        .get(app.url("/account/password"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("at least 20 characters and at least 4 of"),
        "the page states the configured rules"
    );
    assert!(
        !html.contains("changed at least every"),
        "passwords do not expire"
    );
    assert!(!html.contains(r#"data-testid="password-due""#));
}

#[tokio::test]
async fn each_of_the_last_five_passwords_is_refused_and_the_sixth_is_accepted() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let id = person(&app, "reviewer").await.id;
    // The demo password is the first; five changes later it is the sixth most recent.
    let passwords = [
        DEMO_PASSWORD,
        "Ledger-lantern-1",
        "Ledger-lantern-2",
        "Ledger-lantern-3",
        "Ledger-lantern-4",
        "Ledger-lantern-5",
    ];
    for pair in passwords.windows(2) {
        change_password(&app, &reviewer, pair[0], pair[1], pair[1])
            .await
            .unwrap_or_else(|e| panic!("{} -> {}: {e:?}", pair[0], pair[1]));
    }
    assert_eq!(history_of(&app, id).await, 5, "only the last five are kept");

    let current = passwords[5];
    for recent in &passwords[1..] {
        assert_eq!(
            change_password(&app, &reviewer, current, recent, recent).await,
            Err(invalid(
                "new_password",
                Problem::PasswordReused { count: 5 }
            )),
            "{recent}"
        );
    }
    change_password(&app, &reviewer, current, DEMO_PASSWORD, DEMO_PASSWORD)
        .await
        .expect("the sixth most recent may be chosen again");
    assert_eq!(app.audit_actions("user.password_changed").await.len(), 6);
    no_hash_in_audit(&app).await;
}

// ---------------------------------------------------------------------------------------------
// Expiry, first sign-in and reset
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_expired_password_confines_its_owner_to_the_change_page_until_it_is_changed() {
    let app = TestApp::spawn().await;
    // The demo passwords were set at `fixed_now`; 90 days later they have expired.
    let app = later(app, fixed_now() + Duration::days(90)).await;
    let reviewer = app.client();

    let signed_in = app.post_login(&reviewer, "reviewer", DEMO_PASSWORD).await;
    assert_eq!(location(&signed_in), "/account/password");

    assert_eq!(lands(&app, &reviewer, "/").await, "/account/password");
    assert_eq!(
        lands(&app, &reviewer, "/filings").await,
        "/account/password"
    );
    assert_eq!(lands(&app, &reviewer, "/tokens").await, "/account/password");
    let function = server_function(&app, &reviewer).await;
    assert_eq!(function.status(), 403);
    assert_eq!(
        serde_json::from_str::<AppError>(&function.text().await.unwrap()).unwrap(),
        AppError::PasswordChangeRequired
    );
    let api = api_read(&app, &reviewer).await;
    assert_eq!(api.status(), 403);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "password_change_required");
    let page = app.html(&reviewer, "/account/password").await;
    assert!(page.contains(r#"data-testid="password-change-required""#));
    assert!(page.contains("90"), "the page says why");
    assert!(
        !page.contains(r#"data-testid="nav-tokens""#),
        "no links into the site"
    );

    change_password(
        &app,
        &reviewer,
        DEMO_PASSWORD,
        "Ledger-lantern-42",
        "Ledger-lantern-42",
    )
    .await
    .unwrap();

    assert_eq!(lands(&app, &reviewer, "/").await, "");
    assert_eq!(server_function(&app, &reviewer).await.status(), 200);
    assert_eq!(api_read(&app, &reviewer).await.status(), 200);
    let changed = app.audit_actions("user.password_changed").await;
    assert_eq!(changed.len(), 1);
    assert!(changed[0].before.as_deref().unwrap().contains("expired"));
    no_hash_in_audit(&app).await;
}

#[tokio::test]
async fn a_password_a_day_short_of_its_maximum_age_is_still_valid() {
    let app = TestApp::spawn().await;
    let app = later(app, fixed_now() + Duration::days(89)).await;
    let response = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&response), HOME);
}

#[tokio::test]
async fn a_person_whose_password_must_change_may_sign_out() {
    let app = TestApp::spawn().await;
    let app = later(app, fixed_now() + Duration::days(91)).await;
    let reviewer = app.client();
    app.post_login(&reviewer, "reviewer", DEMO_PASSWORD).await;
    let id = person(&app, "reviewer").await.id;
    assert_eq!(sessions_of(&app, id).await, 1);

    let response = reviewer.post(app.url("/logout")).send().await.unwrap();

    assert_eq!(location(&response), "/login?signed_out=1");
    assert_eq!(sessions_of(&app, id).await, 0);
    assert_eq!(app.audit_actions("auth.signed_out").await.len(), 1);
}

#[tokio::test]
async fn a_new_account_must_change_its_operator_chosen_password_at_first_sign_in() {
    let app = TestApp::spawn().await;
    app::server::auth::create_user(
        &app.db,
        &app::server::audit::Actor::operator("create-user"),
        app::server::auth::NewUser {
            username: "tan.ming".into(),
            display_name: None,
            role: "submitter".into(),
            unit_code: Some("health".into()),
            email: None,
            locale: None,
            password: TEST_PASSWORD.into(),
            must_change_password: true,
        },
        &Default::default(),
        fixed_now(),
    )
    .await
    .unwrap();
    let client = app.client();

    let first = app.post_login(&client, "tan.ming", TEST_PASSWORD).await;
    assert_eq!(location(&first), "/account/password");
    assert_eq!(lands(&app, &client, "/").await, "/account/password");
    let page = app.html(&client, "/account/password").await;
    assert!(page.contains(r#"data-testid="password-change-required""#));

    change_password(
        &app,
        &client,
        TEST_PASSWORD,
        "My own choice 42",
        "My own choice 42",
    )
    .await
    .unwrap();
    assert_eq!(lands(&app, &client, "/").await, "");
    assert!(!person(&app, "tan.ming").await.must_change_password);
    let again = app
        .post_login(&app.client(), "tan.ming", "My own choice 42")
        .await;
    assert_eq!(location(&again), HOME);
}

#[tokio::test]
async fn a_reset_password_must_be_changed_and_the_reset_ends_sessions_and_revokes_tokens() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("reviewer").await;
    let script = app.bearer_client(&app.token_for("reviewer").await.token);
    assert_eq!(api_read(&app, &script).await.status(), 200);
    let url = app.test_db.url.clone();

    let output =
        tokio::task::spawn_blocking(move || reset_password(&url, "reviewer", "Reset-by-op-2026"))
            .await
            .unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        lands(&app, &browser, "/").await,
        "/login",
        "the session ended"
    );
    assert_eq!(
        api_read(&app, &script).await.status(),
        401,
        "the token is revoked"
    );
    let reset = app.audit_actions("user.password_reset").await;
    assert_eq!(reset.len(), 1);
    assert_eq!(
        reset[0].actor_username.as_deref(),
        Some("cli:reset-password")
    );
    no_hash_in_audit(&app).await;
    let client = app.client();
    let signed_in = app
        .post_login(&client, "reviewer", "Reset-by-op-2026")
        .await;
    assert_eq!(location(&signed_in), "/account/password");
    change_password(
        &app,
        &client,
        "Reset-by-op-2026",
        "Ledger-lantern-42",
        "Ledger-lantern-42",
    )
    .await
    .unwrap();
    assert_eq!(lands(&app, &client, "/").await, "");
}

#[tokio::test]
async fn a_reset_to_a_weak_password_is_refused_with_the_reason_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let before = person(&app, "reviewer").await;
    let url = app.test_db.url.clone();

    let output = tokio::task::spawn_blocking(move || reset_password(&url, "reviewer", "password"))
        .await
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("at least 10 characters"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(person(&app, "reviewer").await, before);
    assert!(app.audit_actions("user.password_reset").await.is_empty());
}

#[tokio::test]
async fn the_policy_is_read_from_the_environment_and_a_policy_it_cannot_take_is_refused() {
    let app = TestApp::spawn().await;
    let url = app.test_db.url.clone();
    let strict = tokio::task::spawn_blocking(move || {
        reset_password_with(
            &url,
            "reviewer",
            "Ledger-lantern-42",
            &[("PASSWORD_MIN_LENGTH", "20"), ("PASSWORD_MIN_CLASSES", "4")],
        )
    })
    .await
    .unwrap();
    assert_eq!(strict.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("at least 20 characters"));

    let url = app.test_db.url.clone();
    let weak = tokio::task::spawn_blocking(move || {
        reset_password_with(
            &url,
            "reviewer",
            "Ledger-lantern-42",
            &[("PASSWORD_MIN_LENGTH", "6")],
        )
    })
    .await
    .unwrap();
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("PASSWORD_MIN_LENGTH"),
        "{}",
        String::from_utf8_lossy(&weak.stderr)
    );
    assert!(app.audit_actions("user.password_reset").await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Lockout
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn five_failed_sign_ins_lock_the_account_for_fifteen_minutes_with_the_usual_answer() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let wrong = app
            .post_login(&app.client(), "reviewer", "not-the-password")
            .await;
        assert_eq!(location(&wrong), "/login?error=1");
    }
    let locks = app.audit_actions("auth.account_locked").await;
    assert_eq!(locks.len(), 1);

    // While locked the right password fails exactly as a wrong one and an unknown user do.
    let right = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    let wrong = app
        .post_login(&app.client(), "reviewer", "not-the-password")
        .await;
    let unknown = app
        .post_login(&app.client(), "nobody-by-this-name", "x")
        .await;
    for response in [&right, &wrong, &unknown] {
        assert_eq!(response.status(), 303);
        assert_eq!(location(response), "/login?error=1");
        // No session: at most the flash that types the name back into the form (issue 17, item 4).
        assert!(
            response
                .headers()
                .get_all("set-cookie")
                .iter()
                .all(|c| c.to_str().is_ok_and(|c| c.starts_with("flash="))),
            "{:?}",
            response.headers()
        );
    }
    assert_eq!(app.count(session::Entity).await, 0);
    assert_eq!(
        app.audit_actions("auth.account_locked").await.len(),
        1,
        "attempts during the lock neither count nor extend it"
    );
    assert_eq!(app.audit_actions("auth.sign_in_failed").await.len(), 8);

    // A minute before the end it still holds; at fifteen minutes it is over.
    let app = later(app, fixed_now() + Duration::minutes(14)).await;
    let early = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&early), "/login?error=1");
    let app = later(app, fixed_now() + Duration::minutes(15)).await;
    let after = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&after), HOME);
    let reviewer = person(&app, "reviewer").await;
    assert_eq!((reviewer.failed_sign_ins, reviewer.locked_until), (0, None));
}

#[tokio::test]
async fn a_successful_sign_in_resets_the_count_of_failures() {
    let app = TestApp::spawn().await;
    for _ in 0..4 {
        app.post_login(&app.client(), "reviewer", "not-the-password")
            .await;
    }
    assert_eq!(person(&app, "reviewer").await.failed_sign_ins, 4);
    app.signed_in("reviewer").await;
    assert_eq!(person(&app, "reviewer").await.failed_sign_ins, 0);
    for _ in 0..4 {
        app.post_login(&app.client(), "reviewer", "not-the-password")
            .await;
    }
    let response = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert_eq!(
        location(&response),
        HOME,
        "eight failures, never five in a row"
    );
    assert!(app.audit_actions("auth.account_locked").await.is_empty());
}

#[tokio::test]
async fn the_lockout_threshold_and_duration_are_configurable() {
    let configure = |config: &mut server::config::Config| {
        config.passwords.lockout_threshold = 3;
        config.passwords.lockout = Duration::minutes(5);
    };
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), configure).await;
    for _ in 0..3 {
        app.post_login(&app.client(), "auditor", "not-the-password")
            .await;
    }
    let locked = app
        .post_login(&app.client(), "auditor", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&locked), "/login?error=1");
    let test_db = app.stop().await;
    let app = TestApp::spawn_configured(
        test_db,
        false,
        fixed_now() + Duration::minutes(5),
        configure,
    )
    .await;
    let open = app
        .post_login(&app.client(), "auditor", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&open), HOME);
}

#[tokio::test]
async fn wrong_current_passwords_on_the_change_page_count_towards_the_lock() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    for _ in 0..5 {
        assert_eq!(
            change_password(
                &app,
                &reviewer,
                "guess",
                "Ledger-lantern-42",
                "Ledger-lantern-42"
            )
            .await,
            Err(invalid("current_password", Problem::PasswordWrong))
        );
    }
    assert_eq!(app.audit_actions("auth.account_locked").await.len(), 1);
    // Locked: even the right current password is refused, and so is a new sign-in.
    assert_eq!(
        change_password(
            &app,
            &reviewer,
            DEMO_PASSWORD,
            "Ledger-lantern-42",
            "Ledger-lantern-42"
        )
        .await,
        Err(invalid("current_password", Problem::PasswordWrong))
    );
    let sign_in = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&sign_in), "/login?error=1");
}

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_session_ends_after_thirty_minutes_without_use() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;

    // Used after 29 minutes, it lives another 30 from then.
    let app = later(app, fixed_now() + Duration::minutes(29)).await;
    assert_eq!(lands(&app, &client, "/").await, "");
    let app = later(app, fixed_now() + Duration::minutes(58)).await;
    assert_eq!(lands(&app, &client, "/").await, "");
    let app = later(app, fixed_now() + Duration::minutes(88)).await;
    assert_eq!(lands(&app, &client, "/").await, "/login");
    assert_eq!(
        app.count(session::Entity).await,
        0,
        "the ended session is gone"
    );
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_however_busy() {
    let app = TestApp::spawn().await;
    let response = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    // The cookie ends with the browser; the server ends the session after twelve hours.
    let cookie = set_cookie(&response);
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "{cookie}"
    );
    let stored = session::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(stored.expires_at, fixed_now() + Duration::hours(12));

    let client = app.signed_in("auditor").await;
    let id = person(&app, "auditor").await.id;
    let mut session_row = session::Entity::find()
        .filter(session::Column::UserId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    // In use a minute ago, all day long.
    session_row.last_seen_at = Set(fixed_now() + Duration::hours(12) - Duration::minutes(1));
    sea_orm::ActiveModelTrait::update(session_row, &app.db)
        .await
        .unwrap();
    let app = later(app, fixed_now() + Duration::hours(12)).await;
    assert_eq!(lands(&app, &client, "/").await, "/login");
}

#[tokio::test]
async fn the_idle_timeout_and_the_lifetime_are_configurable() {
    let configure = |config: &mut server::config::Config| {
        config.sessions.idle = Duration::minutes(5);
        config.sessions.absolute = Duration::hours(1);
    };
    let at = |minutes: i64| fixed_now() + Duration::minutes(minutes);
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), configure).await;
    let response = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert!(!set_cookie(&response).contains("Max-Age"));
    let client = app.signed_in("reviewer").await;
    let mut app = app;
    // Busy every four minutes: the idle timeout never strikes, the hour does.
    for minute in (4..60).step_by(4) {
        let test_db = app.stop().await;
        app = TestApp::spawn_configured(test_db, false, at(minute), configure).await;
        assert_eq!(lands(&app, &client, "/").await, "", "minute {minute}");
    }
    let test_db = app.stop().await;
    let app = TestApp::spawn_configured(test_db, false, at(60), configure).await;
    assert_eq!(lands(&app, &client, "/").await, "/login");

    // Idle for five minutes ends a fresh session.
    let client = app.signed_in("auditor").await;
    let test_db = app.stop().await;
    let app = TestApp::spawn_configured(test_db, false, at(65), configure).await;
    assert_eq!(lands(&app, &client, "/").await, "/login");
}

#[tokio::test]
async fn signing_in_gives_a_new_session_id_and_ends_the_previous_one() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let first = set_cookie(&app.post_login(&client, "reviewer", DEMO_PASSWORD).await);
    let second = set_cookie(&app.post_login(&client, "reviewer", DEMO_PASSWORD).await);
    assert_ne!(first, second);
    let id = person(&app, "reviewer").await.id;
    assert_eq!(
        sessions_of(&app, id).await,
        1,
        "the session it replaced ended"
    );

    // A token the browser was given by someone else (fixation) is never taken over.
    let planted = app.client();
    let response = planted
        .post(app.url("/login"))
        .header("cookie", "registry_session=attacker-chosen")
        .form(&[("username", "auditor"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(!set_cookie(&response).contains("attacker-chosen"));
}

#[tokio::test]
async fn a_change_of_role_or_unit_ends_the_persons_sessions() {
    let app = TestApp::spawn().await;
    let laptop = app.signed_in("submitter").await;
    let phone = app.signed_in("submitter").await;
    let auditor = app.signed_in("auditor").await;

    // An administrator moves the submitter to the county office as a reviewer.
    let mut promoted = person(&app, "submitter").await.into_active_model();
    promoted.role = Set(app::domain::Role::Reviewer);
    sea_orm::ActiveModelTrait::update(promoted, &app.db)
        .await
        .unwrap();

    assert_eq!(lands(&app, &laptop, "/").await, "/login");
    assert_eq!(lands(&app, &phone, "/").await, "/login");
    assert_eq!(
        lands(&app, &auditor, "/").await,
        "",
        "other people keep theirs"
    );
    let id = person(&app, "submitter").await.id;
    assert_eq!(sessions_of(&app, id).await, 0);

    // Signed in again as a reviewer, then moved to another unit: out again.
    let again = app.signed_in("submitter").await;
    assert_eq!(lands(&app, &again, "/").await, "");
    let health = app::server::entities::unit::Entity::find()
        .filter(app::server::entities::unit::Column::Code.eq("health"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut moved = person(&app, "submitter").await.into_active_model();
    moved.unit_id = Set(Some(health.id));
    sea_orm::ActiveModelTrait::update(moved, &app.db)
        .await
        .unwrap();
    assert_eq!(lands(&app, &again, "/").await, "/login");
}

#[tokio::test]
async fn a_password_change_keeps_this_browser_with_a_new_session_and_ends_the_others() {
    let app = TestApp::spawn().await;
    let laptop = app.client();
    let old_cookie = set_cookie(&app.post_login(&laptop, "reviewer", DEMO_PASSWORD).await);
    let phone = app.signed_in("reviewer").await;
    let script = app.bearer_client(&app.token_for("reviewer").await.token);
    let others_script = app.bearer_client(&app.token_for("auditor").await.token);

    let response = laptop
        .post(app.url("/api/password_change"))
        .header("accept", "text/html")
        .form(&[
            ("current_password", DEMO_PASSWORD),
            ("new_password", "Ledger-lantern-42"),
            ("repeat_password", "Ledger-lantern-42"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/account/password?changed=1");
    let new_cookie = set_cookie(&response);
    assert_ne!(new_cookie, old_cookie, "a new session id");
    assert!(new_cookie.contains("HttpOnly") && new_cookie.contains("SameSite=Lax"));

    assert_eq!(lands(&app, &laptop, "/").await, "");
    assert_eq!(lands(&app, &phone, "/").await, "/login");
    assert_eq!(api_read(&app, &script).await.status(), 401);
    assert_eq!(api_read(&app, &others_script).await.status(), 200);
    let id = person(&app, "reviewer").await.id;
    assert_eq!(sessions_of(&app, id).await, 1);
    let html = app.html(&laptop, "/account/password?changed=1").await;
    assert!(html.contains(r#"data-testid="password-changed""#));
    let event = &app.audit_actions("user.password_changed").await[0];
    let after: serde_json::Value = serde_json::from_str(event.after.as_deref().unwrap()).unwrap();
    assert_eq!(after["sessions_ended"], 2);
    assert_eq!(after["tokens_revoked"], 1);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_person_and_no_one_elses() {
    let app = TestApp::spawn().await;
    let laptop = app.signed_in("reviewer").await;
    let phone = app.signed_in("reviewer").await;
    let auditor = app.signed_in("auditor").await;
    let script = app.bearer_client(&app.token_for("reviewer").await.token);

    let response = laptop
        .post(app.url("/api/sign_out_everywhere"))
        .header("accept", "text/html")
        .form(&[] as &[(&str, &str)])
        .send()
        .await
        .unwrap();

    assert_eq!(location(&response), "/login?signed_out=1");
    assert!(set_cookie(&response).contains("Max-Age=0"));
    assert_eq!(lands(&app, &laptop, "/").await, "/login");
    assert_eq!(lands(&app, &phone, "/").await, "/login");
    assert_eq!(lands(&app, &auditor, "/").await, "");
    assert_eq!(
        api_read(&app, &script).await.status(),
        200,
        "API tokens are revoked on their own page"
    );
    let events = app.audit_actions("auth.signed_out_everywhere").await;
    assert_eq!(events.len(), 1);
    assert!(
        events[0]
            .after
            .as_deref()
            .unwrap()
            .contains("\"sessions_ended\":2")
    );
}

#[tokio::test]
async fn signing_out_everywhere_needs_a_session() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .post(app.url("/api/sign_out_everywhere"))
        .form(&[] as &[(&str, &str)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        app.audit_actions("auth.signed_out_everywhere")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn over_https_the_session_cookie_is_host_prefixed_and_secure() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        config.secure_cookies = true;
    })
    .await;
    let response = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    let cookie = set_cookie(&response);
    assert!(cookie.starts_with("__Host-registry_session="), "{cookie}");
    for part in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Secure"] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    assert!(!cookie.contains("Domain"), "__Host- cookies have no Domain");
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("__Host-registry_session=")
        .to_string();

    // A browser sends it back under its prefixed name only (reqwest keeps no Secure cookies over
    // plain HTTP, so the header is written by hand).
    let bare = app.client();
    let with = |name: &str| {
        bare.get(app.url("/"))
            .header("cookie", format!("{name}={token}"))
            .send()
    };
    assert_eq!(with("__Host-registry_session").await.unwrap().status(), 200);
    let unprefixed = with("registry_session").await.unwrap();
    assert_eq!(location(&unprefixed), "/login");

    let signed_out = bare
        .post(app.url("/logout"))
        .header("cookie", format!("__Host-registry_session={token}"))
        .send()
        .await
        .unwrap();
    let cleared = set_cookie(&signed_out);
    assert!(
        cleared.starts_with("__Host-registry_session=;"),
        "{cleared}"
    );
    assert!(cleared.contains("Max-Age=0") && cleared.contains("; Secure"));
}

#[tokio::test]
async fn the_password_page_states_the_rules_and_the_header_links_to_it() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let home = app.html(&reviewer, "/").await;
    assert!(home.contains(r#"href="/account/password""#));
    let page = reviewer
        .get(app.url("/account/password"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("at least 10 characters"), "{page}");
    assert!(page.contains(r#"action="/api/password_change""#));
    assert!(page.contains(r#"action="/api/sign_out_everywhere""#));
    assert!(page.contains(r#"autocomplete="current-password""#));
    assert!(!page.contains(r#"data-testid="password-change-required""#));
    let signed_out = lands(&app, &app.client(), "/account/password").await;
    assert_eq!(signed_out, "/login?next=/account/password");
}
