//! The TOTP second factor (issue 8; RFC 6238; GB/T 22239-2019 8.1.4.1 d; OWASP ASVS 5.0.0 V6.5,
//! V7.2.4): enrolment, the second step of sign-in, replay, skew, recovery codes, lockout, the half
//! session's lifetime, `TOTP_REQUIRED`, disabling, new recovery codes and an administrator's reset.
//! Every test runs on a fixed clock; later moments are new servers on the same database, and the
//! codes an authenticator app would show are computed here from the stored secret and that clock.
//! Every step is a plain form post, as a browser without JavaScript sends it.
use crate::arrange::second_factor::{begin, code_at, codes_on, enrol};
use crate::helpers::{
    HOME, TestApp, TestDb, error_in, fixed_now, location, person, post_form, testid_text,
};
use app::error::{AppError, Problem};
use app::server::audit::Actor;
use app::server::demo::DEMO_PASSWORD;
use app::server::entities::{audit_event, recovery_code, session};
use app::server::totp;
use app::server::use_case::RequestMeta;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async fn sessions_of(app: &TestApp, user_id: i32) -> Vec<session::Model> {
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .unwrap()
}

async fn recovery_codes_of(app: &TestApp, user_id: i32) -> Vec<recovery_code::Model> {
    recovery_code::Entity::find()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .unwrap()
}

/// The same database served by a new server whose clock stands at `now`, configured as `adjust`
/// says.
async fn later_with(
    app: TestApp,
    now: DateTime<Utc>,
    adjust: impl FnOnce(&mut server::config::Config),
) -> TestApp {
    let test_db = app.stop().await;
    TestApp::spawn_configured(test_db, false, now, adjust).await
}

async fn later(app: TestApp, now: DateTime<Utc>) -> TestApp {
    later_with(app, now, |_| {}).await
}

/// An audit event's `before` or `after` as JSON.
fn json(text: &Option<String>) -> serde_json::Value {
    serde_json::from_str(text.as_deref().expect("a value")).unwrap()
}

fn wrong_code() -> AppError {
    AppError::invalid("code", Problem::SecondFactorCodeWrong)
}

/// Issues an enrolment code for `username` as `server enrolment-code` does (TOTP_REQUIRED on).
async fn issue_code(app: &TestApp, username: &str) -> String {
    totp::issue_enrolment_code(
        &app.db,
        &Actor::operator("test"),
        person(app, username).await.id,
        true,
        fixed_now(),
    )
    .await
    .unwrap()
}

/// [`enrol`] with the security administrator's enrolment code.
async fn enrol_with(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    now: DateTime<Utc>,
    enrolment_code: &str,
) -> (String, Vec<String>) {
    let secret = begin(app, client, username).await;
    let to = post_form(
        app,
        client,
        "/api/second_factor_confirm",
        &[
            ("code", &code_at(&secret, now)),
            ("enrolment_code", enrolment_code),
        ],
    )
    .await;
    assert_eq!(
        to,
        "/account/second-factor?enabled=1",
        "{:?}",
        error_in(app, &to)
    );
    let html = app.html(client, &to).await;
    let codes = codes_on(&html);
    assert_eq!(codes.len(), 10, "{html}");
    (secret, codes)
}

/// Signs in with the password: where `POST /login` sends the browser.
async fn password_step(app: &TestApp, client: &reqwest::Client, username: &str) -> String {
    location(&app.post_login(client, username, DEMO_PASSWORD).await)
}

/// The second step of sign-in: where posting `code` sends the browser.
async fn code_step(app: &TestApp, client: &reqwest::Client, code: &str) -> reqwest::Response {
    client
        .post(app.url("/login/second-factor"))
        .header("accept", "text/html")
        .form(&[("code", code), ("next", "/")])
        .send()
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

/// A reviewer enrolled at the fixed clock's time, and a server two minutes later (so that the
/// enrolment's code is four steps in the past).
async fn enrolled_reviewer() -> (TestApp, String, Vec<String>) {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;
    let (secret, codes) = enrol(&app, &client, "reviewer", fixed_now()).await;
    client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(app.count(session::Entity).await, 0);
    let app = later(app, fixed_now() + Duration::minutes(2)).await;
    (app, secret, codes)
}

fn two_minutes_on() -> DateTime<Utc> {
    fixed_now() + Duration::minutes(2)
}

// ---------------------------------------------------------------------------------------------
// RFC 6238 (the app's own generator against the RFC's table, and against the independent one here)
// ---------------------------------------------------------------------------------------------

#[test]
fn the_rfc_6238_appendix_b_sha1_test_vectors_hold() {
    // Appendix B: the secret is the ASCII of "12345678901234567890"; the table's eight digits end
    // in the six-digit code.
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    for (time, eight) in [
        (59_i64, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ] {
        let step = app::domain::totp::time_step(time);
        assert_eq!(
            totp::code_at_step(secret, step).unwrap(),
            eight[2..],
            "T = {time}"
        );
        let at = DateTime::from_timestamp(time, 0).unwrap();
        assert_eq!(code_at(secret, at), eight[2..], "T = {time}");
    }
}

// ---------------------------------------------------------------------------------------------
// Enrolment
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn enrolment_shows_a_qr_code_and_the_key_and_only_the_right_code_turns_it_on() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;
    let html = app.html(&client, "/account/second-factor").await;
    assert!(html.contains("data-testid=\"totp-begin\""), "{html}");
    assert!(html.contains("data-enabled=\"false\""));

    let secret = begin(&app, &client, "reviewer").await;
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let reviewer = person(&app, "reviewer").await;
    assert_eq!(reviewer.totp_enabled_at, None, "pending until confirmed");
    let html = app.html(&client, "/account/second-factor").await;
    // The QR code is inline SVG with an accessible name; the key is there as text too.
    let qr = html
        .split("data-testid=\"totp-qr\"")
        .next()
        .and_then(|before| before.rsplit("<div").next())
        .unwrap();
    assert!(
        qr.contains("role=\"img\"") && qr.contains("aria-label="),
        "{qr}"
    );
    assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(!html.contains("data:image"), "no data: URIs under the CSP");
    assert!(html.contains(&format!("data-secret=\"{secret}\"")));
    assert!(html.contains("autocomplete=\"one-time-code\""));
    assert!(html.contains("inputmode=\"numeric\""));

    // A wrong code, a code two steps away and a malformed one change nothing.
    let two_steps_ago = code_at(&secret, fixed_now() - Duration::seconds(60));
    for bad in ["000000", two_steps_ago.as_str(), "12ab56", ""] {
        if bad == code_at(&secret, fixed_now()) {
            continue;
        }
        let to = post_form(
            &app,
            &client,
            "/api/second_factor_confirm",
            &[("code", bad)],
        )
        .await;
        assert_eq!(error_in(&app, &to), Some(wrong_code()), "{bad:?}");
        let reviewer = person(&app, "reviewer").await;
        assert_eq!(reviewer.totp_enabled_at, None);
        assert_eq!(reviewer.totp_secret.as_deref(), Some(secret.as_str()));
        assert!(recovery_codes_of(&app, reviewer.id).await.is_empty());
    }
    assert!(
        app.audit_actions("user.second_factor_enabled")
            .await
            .is_empty()
    );
    // Wrong codes while enrolling are not sign-in failures: the person is signed in.
    assert_eq!(person(&app, "reviewer").await.failed_sign_ins, 0);

    // The right code turns it on and gives ten recovery codes, shown once, stored hashed.
    let to = post_form(
        &app,
        &client,
        "/api/second_factor_confirm",
        &[("code", &code_at(&secret, fixed_now()))],
    )
    .await;
    assert_eq!(to, "/account/second-factor?enabled=1");
    let html = app.html(&client, &to).await;
    let codes = codes_on(&html);
    assert_eq!(codes.len(), 10);
    assert!(testid_text(&html, "totp-notice").is_some());
    let reviewer = person(&app, "reviewer").await;
    assert_eq!(reviewer.totp_enabled_at, Some(fixed_now()));
    assert_eq!(
        reviewer.totp_last_step,
        Some(app::domain::totp::time_step(fixed_now().timestamp())),
        "the confirming code's step is used up"
    );
    let stored = recovery_codes_of(&app, reviewer.id).await;
    assert_eq!(stored.len(), 10);
    for code in &codes {
        assert!(
            stored
                .iter()
                .all(|row| !row.code_hash.contains(&code.replace('-', "")))
        );
    }
    let again = app.html(&client, "/account/second-factor?enabled=1").await;
    assert!(codes_on(&again).is_empty(), "the codes are shown only once");
    assert!(again.contains("data-enabled=\"true\""));
    assert!(
        !again.contains(&secret),
        "the key is not shown once enrolled"
    );

    // A second enrolment while one is in force is refused.
    let to = post_form(&app, &client, "/api/second_factor_begin", &[]).await;
    assert_eq!(error_in(&app, &to), Some(AppError::Conflict));
    assert_eq!(person(&app, "reviewer").await.totp_secret, Some(secret));
}

#[tokio::test]
async fn a_confirmation_posted_as_a_server_function_call_gets_its_error_as_json() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("submitter").await;
    begin(&app, &client, "submitter").await;
    let response = client
        .post(app.url("/api/second_factor_confirm"))
        .header("accept", "application/json")
        .form(&[("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let error: AppError = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    // (000000 could be the real code once in a million runs; then this test says so.)
    assert_eq!(error, wrong_code());
}

// ---------------------------------------------------------------------------------------------
// Sign-in
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_password_alone_gives_a_half_session_that_reaches_nothing_until_the_code() {
    let (app, secret, _) = enrolled_reviewer().await;
    let reviewer = person(&app, "reviewer").await;
    let client = app.client();
    let response = app.post_login(&client, "reviewer", DEMO_PASSWORD).await;
    assert_eq!(location(&response), "/login/second-factor");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        !cookie.contains("Max-Age") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let half = sessions_of(&app, reviewer.id).await;
    assert_eq!(half.len(), 1);
    assert!(half[0].second_factor_pending);
    assert_eq!(half[0].expires_at, two_minutes_on() + Duration::minutes(5));
    assert_eq!(person(&app, "reviewer").await.failed_sign_ins, 0);

    // Pages send the half-signed-in person to the second step; nothing else answers them.
    for page in [
        "/",
        "/filings",
        "/account/second-factor",
        "/account/password",
        "/tokens",
    ] {
        assert_eq!(
            lands(&app, &client, page).await,
            "/login/second-factor",
            "{page}"
        );
    }
    let page = client
        .get(app.url("/login/second-factor"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the CSP")
        .to_string();
    let html = page.text().await.unwrap();
    assert!(html.contains("action=\"/login/second-factor\""), "{html}");
    for script in html.split("<script").skip(1) {
        assert!(script.contains(&format!("nonce=\"{nonce}\"")), "{script}");
    }
    assert!(html.contains("autocomplete=\"one-time-code\""));
    let registry = client
        .post(app.url("/api/registry"))
        .form(&[("query[page]", "1"), ("query[per_page]", "10")])
        .send()
        .await
        .unwrap();
    assert_eq!(registry.status(), 401);
    let me = client.post(app.url("/api/me")).send().await.unwrap();
    assert!(!me.text().await.unwrap().contains("reviewer"));
    let api = client.get(app.url("/api/v1/units")).send().await.unwrap();
    assert_eq!(api.status(), 401);
    let token = client
        .post(app.url("/api/token_create"))
        .header("accept", "text/html")
        .form(&[("name", "x"), ("expires_days", "1")])
        .send()
        .await
        .unwrap();
    assert!(token.status().is_client_error(), "{}", token.status());
    assert_eq!(app.count(app::server::entities::api_token::Entity).await, 0);

    // The code at the server's time signs in, with a new session id; the half session is gone.
    let response = code_step(&app, &client, &code_at(&secret, two_minutes_on())).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), HOME);
    let sessions = sessions_of(&app, reviewer.id).await;
    assert_eq!(sessions.len(), 1);
    assert!(!sessions[0].second_factor_pending);
    assert_ne!(
        sessions[0].id, half[0].id,
        "a new session id (ASVS 5.0.0 V7.2.4)"
    );
    assert_eq!(lands(&app, &client, "/").await, "");
    assert_eq!(lands(&app, &client, "/login/second-factor").await, "/");
    let signed_in = app.audit_actions("auth.signed_in").await;
    let last = signed_in.last().unwrap();
    assert_eq!(json(&last.after)["second_factor"], "totp");
    assert_eq!(app.audit_actions("auth.password_verified").await.len(), 1);
}

#[tokio::test]
async fn without_a_half_session_the_second_step_sends_to_sign_in() {
    let (app, secret, _) = enrolled_reviewer().await;
    let client = app.client();
    assert_eq!(lands(&app, &client, "/login/second-factor").await, "/login");
    let response = code_step(&app, &client, &code_at(&secret, two_minutes_on())).await;
    assert_eq!(location(&response), "/login");
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(app.count(session::Entity).await, 0);
}

#[tokio::test]
async fn a_code_one_step_away_is_accepted_and_two_steps_away_is_refused() {
    let (app, secret, _) = enrolled_reviewer().await;
    let now = two_minutes_on();
    let client = app.client();
    assert_eq!(
        password_step(&app, &client, "reviewer").await,
        "/login/second-factor"
    );
    for far in [now - Duration::seconds(60), now + Duration::seconds(60)] {
        let response = code_step(&app, &client, &code_at(&secret, far)).await;
        assert_eq!(location(&response), "/login/second-factor?error=1");
        assert!(response.headers().get("set-cookie").is_none());
    }
    assert_eq!(person(&app, "reviewer").await.failed_sign_ins, 2);
    let response = code_step(
        &app,
        &client,
        &code_at(&secret, now - Duration::seconds(30)),
    )
    .await;
    assert_eq!(location(&response), HOME);
    assert_eq!(
        person(&app, "reviewer").await.failed_sign_ins,
        0,
        "a complete sign-in resets the count"
    );

    // And one step ahead, another time.
    let app = later(app, now + Duration::minutes(1)).await;
    let client = app.client();
    password_step(&app, &client, "reviewer").await;
    let ahead = now + Duration::minutes(1) + Duration::seconds(30);
    let response = code_step(&app, &client, &code_at(&secret, ahead)).await;
    assert_eq!(location(&response), HOME);
}

#[tokio::test]
async fn a_code_whose_time_step_was_used_is_refused() {
    let (app, secret, _) = enrolled_reviewer().await;
    let now = two_minutes_on();
    let code = code_at(&secret, now);
    let first = app.client();
    password_step(&app, &first, "reviewer").await;
    assert_eq!(location(&code_step(&app, &first, &code).await), HOME);

    // The same code again (someone watching over the shoulder), and an earlier step's code.
    let second = app.client();
    password_step(&app, &second, "reviewer").await;
    let replay = code_step(&app, &second, &code).await;
    assert_eq!(location(&replay), "/login/second-factor?error=1");
    let earlier = code_step(
        &app,
        &second,
        &code_at(&secret, now - Duration::seconds(30)),
    )
    .await;
    assert_eq!(location(&earlier), "/login/second-factor?error=1");
    assert_eq!(lands(&app, &second, "/").await, "/login/second-factor");
    let failed = app.audit_actions("auth.sign_in_failed").await;
    assert_eq!(failed.len(), 2);
    assert_eq!(json(&failed[0].after)["during"], "second_factor");

    // The next step's code is still good.
    let next = code_step(
        &app,
        &second,
        &code_at(&secret, now + Duration::seconds(30)),
    )
    .await;
    assert_eq!(location(&next), HOME);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let (app, _, codes) = enrolled_reviewer().await;
    let reviewer = person(&app, "reviewer").await;
    let first = app.client();
    password_step(&app, &first, "reviewer").await;
    // Typed in capitals with spaces, as people copy them.
    let typed = codes[3].to_uppercase().replace('-', " ");
    assert_eq!(location(&code_step(&app, &first, &typed).await), HOME);
    assert_eq!(lands(&app, &first, "/").await, "");
    let used: Vec<_> = recovery_codes_of(&app, reviewer.id)
        .await
        .into_iter()
        .filter(|c| c.used_at.is_some())
        .collect();
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].used_at, Some(two_minutes_on()));
    let signed_in = app.audit_actions("auth.signed_in").await;
    let after = json(&signed_in.last().unwrap().after);
    assert_eq!(after["second_factor"], "recovery_code");
    assert_eq!(after["recovery_codes_left"], 9);

    let second = app.client();
    password_step(&app, &second, "reviewer").await;
    let again = code_step(&app, &second, &codes[3]).await;
    assert_eq!(location(&again), "/login/second-factor?error=1");
    assert_eq!(location(&code_step(&app, &second, &codes[4]).await), HOME);
    // The page counts what is left.
    let html = app.html(&second, "/account/second-factor").await;
    assert!(
        testid_text(&html, "totp-status").unwrap().contains('8'),
        "{html}"
    );
}

#[tokio::test]
async fn wrong_codes_lock_the_account_like_wrong_passwords() {
    let (app, secret, codes) = enrolled_reviewer().await;
    let client = app.client();
    password_step(&app, &client, "reviewer").await;
    for wrong in ["000000", "999999", "12345", "abcde-fghjk", "111111"] {
        let response = code_step(&app, &client, wrong).await;
        assert_eq!(location(&response), "/login/second-factor?error=1");
    }
    let reviewer = person(&app, "reviewer").await;
    assert_eq!(
        reviewer.locked_until,
        Some(two_minutes_on() + Duration::minutes(15))
    );
    assert_eq!(app.audit_actions("auth.account_locked").await.len(), 1);

    // While locked the right code and a recovery code fail exactly as wrong ones.
    for right in [code_at(&secret, two_minutes_on()), codes[0].clone()] {
        let response = code_step(&app, &client, &right).await;
        assert_eq!(location(&response), "/login/second-factor?error=1");
        assert!(response.headers().get("set-cookie").is_none());
    }
    assert!(
        sessions_of(&app, reviewer.id)
            .await
            .iter()
            .all(|s| s.second_factor_pending)
    );
    assert!(
        recovery_codes_of(&app, reviewer.id)
            .await
            .iter()
            .all(|c| c.used_at.is_none()),
        "a refused recovery code is not used up"
    );
    // And so does the password.
    assert_eq!(
        password_step(&app, &app.client(), "reviewer").await,
        "/login?error=1"
    );

    // The right password alone never resets the count: it cannot buy more guesses.
    let app = later(app, two_minutes_on() + Duration::minutes(15)).await;
    let client = app.client();
    for _ in 0..4 {
        password_step(&app, &client, "reviewer").await;
        code_step(&app, &client, "000000").await;
    }
    assert_eq!(person(&app, "reviewer").await.failed_sign_ins, 4);
    password_step(&app, &client, "reviewer").await;
    code_step(&app, &client, "000000").await;
    assert_eq!(app.audit_actions("auth.account_locked").await.len(), 2);
}

#[tokio::test]
async fn the_half_session_ends_after_five_minutes() {
    let (app, secret, _) = enrolled_reviewer().await;
    let client = app.client();
    assert_eq!(
        password_step(&app, &client, "reviewer").await,
        "/login/second-factor"
    );
    let deadline = two_minutes_on() + Duration::minutes(5);

    let app = later(app, deadline - Duration::seconds(30)).await;
    assert_eq!(lands(&app, &client, "/").await, "/login/second-factor");

    let app = later(app, deadline).await;
    let response = code_step(&app, &client, &code_at(&secret, deadline)).await;
    assert_eq!(location(&response), "/login");
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(lands(&app, &client, "/").await, "/login");
    assert!(
        sessions_of(&app, person(&app, "reviewer").await.id)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn an_expired_password_is_still_changed_after_the_second_factor() {
    let (app, secret, _) = enrolled_reviewer().await;
    let now = fixed_now() + Duration::days(91);
    let app = later(app, now).await;
    let client = app.client();
    assert_eq!(
        password_step(&app, &client, "reviewer").await,
        "/login/second-factor"
    );
    let response = code_step(&app, &client, &code_at(&secret, now)).await;
    assert_eq!(location(&response), "/account/password");
    assert_eq!(lands(&app, &client, "/").await, "/account/password");
    assert_eq!(
        lands(&app, &client, "/account/second-factor").await,
        "/account/password"
    );
}

#[tokio::test]
async fn a_person_without_a_second_factor_signs_in_with_the_password_alone() {
    let app = TestApp::spawn().await;
    let client = app.client();
    assert_eq!(password_step(&app, &client, "reviewer").await, HOME);
    assert!(app.audit_actions("auth.password_verified").await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// TOTP_REQUIRED
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn when_required_reviewers_administrators_and_auditors_must_enrol_first_and_submitters_need_not()
 {
    let required = |config: &mut server::config::Config| config.totp_required = true;
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), required).await;
    let token = app.token_for("reviewer").await.token;

    // Issue 15 item 7: the auditor too.
    for username in ["reviewer", "admin", "auditor"] {
        let client = app.signed_in(username).await;
        for page in ["/", "/tokens", "/account/password"] {
            assert_eq!(
                lands(&app, &client, page).await,
                "/account/second-factor",
                "{username} {page}"
            );
        }
        let html = app.html(&client, "/account/second-factor").await;
        assert!(testid_text(&html, "totp-required").is_some(), "{html}");
        let registry = client
            .post(app.url("/api/registry"))
            .form(&[("query[page]", "1"), ("query[per_page]", "10")])
            .send()
            .await
            .unwrap();
        assert_eq!(registry.status(), 403);
        let error: AppError = serde_json::from_str(&registry.text().await.unwrap()).unwrap();
        assert_eq!(error, AppError::SecondFactorRequired);
        let api = client.get(app.url("/api/v1/units")).send().await.unwrap();
        assert_eq!(api.status(), 403);
        assert!(api.text().await.unwrap().contains("second_factor_required"));
    }
    // Bearer tokens are separate credentials and unaffected.
    let api = app
        .bearer_client(&token)
        .get(app.url("/api/v1/units"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);

    let client = app.signed_in("submitter").await;
    assert_eq!(lands(&app, &client, "/").await, "");

    // Once enrolled (with the enrolment code the security administrator issued, issue 15 item
    // 7), the reviewer goes about their work; the next sign-in asks for the code.
    let client = app.signed_in("reviewer").await;
    let enrolment_code = issue_code(&app, "reviewer").await;
    let (secret, _) = enrol_with(&app, &client, "reviewer", fixed_now(), &enrolment_code).await;
    assert_eq!(lands(&app, &client, "/").await, "");
    let app = later_with(app, two_minutes_on(), required).await;
    let client = app.client();
    assert_eq!(
        password_step(&app, &client, "reviewer").await,
        "/login/second-factor"
    );
    assert_eq!(
        location(&code_step(&app, &client, &code_at(&secret, two_minutes_on())).await),
        HOME
    );
    assert_eq!(lands(&app, &client, "/").await, "");
}

#[tokio::test]
async fn when_required_the_password_alone_enrols_no_second_factor_without_an_enrolment_code() {
    let required = |config: &mut server::config::Config| config.totp_required = true;
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), required).await;
    let client = app.signed_in("reviewer").await;
    let secret = begin(&app, &client, "reviewer").await;
    let html = app.html(&client, "/account/second-factor").await;
    assert!(
        html.contains("data-testid=\"totp-enrolment-code\""),
        "{html}"
    );
    let code = code_at(&secret, fixed_now());
    let wrong = AppError::invalid("enrolment_code", Problem::EnrolmentCodeWrong);
    // Whoever learnt the password cannot bind their own phone: no code, a made-up one, another
    // person's, or an expired one are all refused and count like wrong passwords.
    let others = issue_code(&app, "admin").await;
    for bad in ["", "abcd-efgh-jkmn-pqrs", others.as_str()] {
        let to = post_form(
            &app,
            &client,
            "/api/second_factor_confirm",
            &[("code", &code), ("enrolment_code", bad)],
        )
        .await;
        assert_eq!(error_in(&app, &to), Some(wrong.clone()), "{bad:?}");
        assert_eq!(person(&app, "reviewer").await.totp_enabled_at, None);
    }
    assert_eq!(person(&app, "reviewer").await.failed_sign_ins, 3);

    // The security administrator (enrolled with the console's code) issues one on /security:
    // shown once, stored hashed, audited without the code.
    let security = app.signed_in("security").await;
    let first = issue_code(&app, "security").await;
    enrol_with(&app, &security, "security", fixed_now(), &first).await;
    let app = later_with(app, fixed_now() + Duration::minutes(1), required).await;
    let security = app.client();
    let secret_of_security = person(&app, "security").await.totp_secret.unwrap();
    assert_eq!(
        password_step(&app, &security, "security").await,
        "/login/second-factor"
    );
    code_step(
        &app,
        &security,
        &code_at(&secret_of_security, fixed_now() + Duration::minutes(1)),
    )
    .await;
    let reviewer_id = person(&app, "reviewer").await.id.to_string();
    let html = app.html(&security, "/security").await;
    assert!(
        html.contains("data-testid=\"enrolment-code-issue\""),
        "{html}"
    );
    let to = post_form(
        &app,
        &security,
        "/api/enrolment_code_issue",
        &[("id", &reviewer_id)],
    )
    .await;
    assert_eq!(
        to,
        "/security?shown=enrolment_code",
        "{:?}",
        error_in(&app, &to)
    );
    let html = app.html(&security, &to).await;
    let issued = testid_text(&html, "enrolment-code").expect("shown once");
    let again = app.html(&security, &to).await;
    assert!(!again.contains(&issued));
    let event = app.audit_actions("user.enrolment_code_issued").await;
    assert_eq!(event.len(), 3);
    assert!(!format!("{event:?}").contains(&issued));
    let stored = app::server::entities::enrolment_code::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(stored.iter().all(|c| !c.code_hash.contains(&issued)));

    // With it the reviewer enrols, and it works once.
    let client = app.signed_in("reviewer").await;
    enrol_with(
        &app,
        &client,
        "reviewer",
        fixed_now() + Duration::minutes(1),
        &issued,
    )
    .await;
    assert_eq!(app.audit_actions("user.enrolment_code_used").await.len(), 2);
    let to = post_form(
        &app,
        &security,
        "/api/enrolment_code_issue",
        &[("id", &reviewer_id)],
    )
    .await;
    assert_eq!(
        error_in(&app, &to),
        Some(AppError::invalid("id", Problem::EnrolmentCodeNotNeeded))
    );

    // A code expires after 24 hours.
    let auditor_code = issue_code(&app, "auditor").await;
    let late = fixed_now() + Duration::hours(25);
    let app = later_with(app, late, required).await;
    let client = app.signed_in("auditor").await;
    let secret = begin(&app, &client, "auditor").await;
    let to = post_form(
        &app,
        &client,
        "/api/second_factor_confirm",
        &[
            ("code", &code_at(&secret, late)),
            ("enrolment_code", &auditor_code),
        ],
    )
    .await;
    assert_eq!(error_in(&app, &to), Some(wrong));
    assert_eq!(person(&app, "auditor").await.totp_enabled_at, None);
}

// ---------------------------------------------------------------------------------------------
// Managing one's own second factor
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn disabling_needs_a_current_code_or_the_password() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("admin").await;
    let (secret, _) = enrol(&app, &client, "admin", fixed_now()).await;
    let app = later(app, two_minutes_on()).await;
    let client = app.client();
    password_step(&app, &client, "admin").await;
    code_step(&app, &client, &code_at(&secret, two_minutes_on())).await;
    let admin = person(&app, "admin").await;

    for (code, password) in [("000000", ""), ("", "not-the-password"), ("", "")] {
        let to = post_form(
            &app,
            &client,
            "/api/second_factor_disable",
            &[("code", code), ("password", password)],
        )
        .await;
        let expected = if (code, password) == ("", "") {
            AppError::invalid("code", Problem::Required)
        } else {
            wrong_code()
        };
        assert_eq!(error_in(&app, &to), Some(expected));
        let still = person(&app, "admin").await;
        assert!(still.totp_enabled_at.is_some());
        assert_eq!(recovery_codes_of(&app, admin.id).await.len(), 10);
    }
    assert_eq!(
        person(&app, "admin").await.failed_sign_ins,
        2,
        "wrong proofs count"
    );
    // The code just used to sign in is used up here too.
    let to = post_form(
        &app,
        &client,
        "/api/second_factor_disable",
        &[
            ("code", &code_at(&secret, two_minutes_on())),
            ("password", ""),
        ],
    )
    .await;
    assert_eq!(error_in(&app, &to), Some(wrong_code()));

    let to = post_form(
        &app,
        &client,
        "/api/second_factor_disable",
        &[("code", ""), ("password", DEMO_PASSWORD)],
    )
    .await;
    assert_eq!(to, "/account/second-factor?disabled=1");
    let admin = person(&app, "admin").await;
    assert_eq!(
        (
            admin.totp_secret,
            admin.totp_enabled_at,
            admin.totp_last_step
        ),
        (None, None, None)
    );
    assert!(recovery_codes_of(&app, admin.id).await.is_empty());
    let disabled = app.audit_actions("user.second_factor_disabled").await;
    assert_eq!(disabled.len(), 1);
    assert_eq!(json(&disabled[0].after)["proved_with"], "password");
    assert_eq!(password_step(&app, &app.client(), "admin").await, HOME);
}

#[tokio::test]
async fn disabling_with_a_current_code_works_too() {
    let (app, secret, _) = enrolled_reviewer().await;
    let client = app.client();
    password_step(&app, &client, "reviewer").await;
    code_step(&app, &client, &code_at(&secret, two_minutes_on())).await;
    let next = code_at(&secret, two_minutes_on() + Duration::seconds(30));
    let to = post_form(
        &app,
        &client,
        "/api/second_factor_disable",
        &[("code", &next), ("password", "")],
    )
    .await;
    assert_eq!(to, "/account/second-factor?disabled=1");
    assert_eq!(person(&app, "reviewer").await.totp_enabled_at, None);
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_ones() {
    let (app, secret, old) = enrolled_reviewer().await;
    let client = app.client();
    password_step(&app, &client, "reviewer").await;
    code_step(&app, &client, &code_at(&secret, two_minutes_on())).await;

    let to = post_form(
        &app,
        &client,
        "/api/second_factor_recovery_codes",
        &[("code", "000000")],
    )
    .await;
    assert_eq!(error_in(&app, &to), Some(wrong_code()));
    assert!(
        app.audit_actions("user.recovery_codes_regenerated")
            .await
            .is_empty()
    );

    let next = code_at(&secret, two_minutes_on() + Duration::seconds(30));
    let to = post_form(
        &app,
        &client,
        "/api/second_factor_recovery_codes",
        &[("code", &next)],
    )
    .await;
    assert_eq!(to, "/account/second-factor?regenerated=1");
    let new = codes_on(&app.html(&client, &to).await);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|code| !old.contains(code)));

    let other = app.client();
    password_step(&app, &other, "reviewer").await;
    assert_eq!(
        location(&code_step(&app, &other, &old[0]).await),
        "/login/second-factor?error=1"
    );
    assert_eq!(location(&code_step(&app, &other, &new[0]).await), HOME);
}

// ---------------------------------------------------------------------------------------------
// An administrator's reset
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_administrators_reset_clears_the_second_factor_and_ends_the_sessions() {
    let (app, secret, _) = enrolled_reviewer().await;
    let client = app.client();
    password_step(&app, &client, "reviewer").await;
    code_step(&app, &client, &code_at(&secret, two_minutes_on())).await;
    let reviewer = person(&app, "reviewer").await;
    let admin = app.user("admin").await;
    let actor = Actor::user(&admin, &RequestMeta::default());

    // Nobody resets their own: they disable it with a proof instead.
    let own = totp::reset_for_user(
        &app.db,
        &Actor::user(&app.user("reviewer").await, &RequestMeta::default()),
        reviewer.id,
        two_minutes_on(),
    )
    .await;
    assert_eq!(own.unwrap_err(), AppError::Forbidden);
    let unknown = totp::reset_for_user(&app.db, &actor, 999_999, two_minutes_on()).await;
    assert_eq!(unknown.unwrap_err(), AppError::NotFound);
    assert!(person(&app, "reviewer").await.totp_enabled_at.is_some());

    let reset = totp::reset_for_user(&app.db, &actor, reviewer.id, two_minutes_on())
        .await
        .unwrap();
    assert!(reset.was_enabled);
    assert_eq!(reset.sessions_ended, 1);
    let after = person(&app, "reviewer").await;
    assert_eq!(
        (
            after.totp_secret,
            after.totp_enabled_at,
            after.totp_last_step
        ),
        (None, None, None)
    );
    assert!(recovery_codes_of(&app, reviewer.id).await.is_empty());
    assert!(sessions_of(&app, reviewer.id).await.is_empty());
    assert_eq!(lands(&app, &client, "/").await, "/login");

    let events = app.audit_actions("user.second_factor_reset").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor_user_id, Some(admin.id));
    assert_eq!(
        events[0].entity_id.as_deref(),
        Some(reviewer.id.to_string().as_str())
    );
    assert_eq!(json(&events[0].before)["enabled"], true);
    assert!(!format!("{:?}", events[0]).contains(&secret));

    // The password alone signs in again.
    assert_eq!(password_step(&app, &app.client(), "reviewer").await, HOME);
}

#[tokio::test]
async fn a_reset_half_session_cannot_be_completed() {
    let (app, secret, _) = enrolled_reviewer().await;
    let client = app.client();
    password_step(&app, &client, "reviewer").await;
    let reviewer = person(&app, "reviewer").await;
    totp::reset_for_user(
        &app.db,
        &Actor::operator("test"),
        reviewer.id,
        two_minutes_on(),
    )
    .await
    .unwrap();
    let response = code_step(&app, &client, &code_at(&secret, two_minutes_on())).await;
    assert_eq!(location(&response), "/login");
    assert!(sessions_of(&app, reviewer.id).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_step_is_audited_and_no_event_holds_a_secret_or_a_code() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;
    let secret = begin(&app, &client, "reviewer").await;
    let enrolment_code = code_at(&secret, fixed_now());
    post_form(
        &app,
        &client,
        "/api/second_factor_confirm",
        &[("code", "000000")],
    )
    .await;
    post_form(
        &app,
        &client,
        "/api/second_factor_confirm",
        &[("code", &enrolment_code)],
    )
    .await;
    let codes = codes_on(&app.html(&client, "/account/second-factor").await);
    let app = later(app, two_minutes_on()).await;
    let client = app.client();
    password_step(&app, &client, "reviewer").await;
    let wrong = "123123";
    code_step(&app, &client, wrong).await;
    let sign_in_code = code_at(&secret, two_minutes_on());
    code_step(&app, &client, &sign_in_code).await;
    let other = app.client();
    password_step(&app, &other, "reviewer").await;
    code_step(&app, &other, &codes[0]).await;

    for action in [
        "user.second_factor_enrolment_started",
        "user.second_factor_enabled",
        "auth.password_verified",
        "auth.sign_in_failed",
        "auth.signed_in",
    ] {
        assert!(!app.audit_actions(action).await.is_empty(), "{action}");
    }
    let events = audit_event::Entity::find().all(&app.db).await.unwrap();
    let text: String = events
        .iter()
        .map(|e| format!("{:?} {:?}", e.before, e.after))
        .collect();
    let mut secrets = vec![
        secret.clone(),
        secret.to_lowercase(),
        enrolment_code,
        sign_in_code,
    ];
    secrets.extend(codes.iter().cloned());
    secrets.extend(codes.iter().map(|c| c.replace('-', "")));
    secrets.push(wrong.to_string());
    for secret in secrets {
        assert!(!text.contains(&secret), "{secret} in the audit trail");
    }
    assert_eq!(
        recovery_code::Entity::find().count(&app.db).await.unwrap(),
        10
    );
}

#[tokio::test]
async fn guessing_codes_counts_against_the_addresss_sign_in_attempts() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        config.auth_rate = server::rate_limit::RateConfig {
            per_minute: 1,
            burst: 3,
        };
    })
    .await;
    let client = app.client();
    for _ in 0..3 {
        let response = code_step(&app, &client, "000000").await;
        assert_eq!(response.status(), 303);
    }
    let limited = code_step(&app, &client, "000000").await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn the_second_step_of_sign_in_follows_next_only_to_one_of_the_applications_own_pages() {
    let (app, secret, _) = enrolled_reviewer().await;
    let client = app.client();
    // The password step does not carry a hostile `next` on to the second step.
    let response = client
        .post(app.url("/login"))
        .form(&[
            ("username", "reviewer"),
            ("password", DEMO_PASSWORD),
            ("next", "/\t/evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/login/second-factor");
    // Nor does the code step follow one posted to it.
    let response = client
        .post(app.url("/login/second-factor"))
        .header("accept", "text/html")
        .form(&[
            ("code", code_at(&secret, two_minutes_on()).as_str()),
            ("next", "/%2f/evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), HOME);
}
