//! Sign-in, sessions and the cross-site check.
use crate::helpers::{HOME, TestApp, flash_of, location};
use app::server::demo::DEMO_PASSWORD;
use app::server::entities::{audit_event, session};

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let wrong_password = app
        .post_login(&app.client(), "reviewer", "not-the-password")
        .await;
    let unknown_user = app
        .post_login(&app.client(), "nobody-by-this-name", "not-the-password")
        .await;

    assert_eq!(wrong_password.status(), 303);
    assert_eq!(wrong_password.status(), unknown_user.status());
    assert_eq!(location(&wrong_password), "/login?error=1");
    assert_eq!(location(&wrong_password), location(&unknown_user));
    // No session; only the flash that types the name back into the form (issue 17, item 4), the
    // same for both: it holds what was typed, whether or not such an account exists.
    for (response, typed) in [
        (&wrong_password, "reviewer"),
        (&unknown_user, "nobody-by-this-name"),
    ] {
        let cookies: Vec<&str> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert_eq!(cookies.len(), 1, "{cookies:?}");
        assert!(cookies[0].starts_with("flash="), "{cookies:?}");
        let flash = flash_of(response).expect("a flash");
        assert_eq!(flash.kept("username"), Some(typed));
        assert!(flash.kept("password").is_none() && flash.error.is_none());
    }
    assert_eq!(app.count(session::Entity).await, 0);
    assert_eq!(app.audit_actions("auth.sign_in_failed").await.len(), 2);
}

/// Issue 17, item 4: a failed sign-in comes back with the username typed and the focus on the
/// password; the password is never typed back, and a refresh forgets the name.
#[tokio::test]
async fn a_failed_sign_in_keeps_the_username_but_not_the_password() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let response = app
        .post_login(&client, "reviewer", "not-the-password")
        .await;
    assert_eq!(location(&response), "/login?error=1");
    let html = app.html(&client, "/login?error=1").await;
    assert!(
        html.contains(r#"name="username" type="text" autocomplete="username" required maxlength="64" value="reviewer""#),
        "{html}"
    );
    assert!(html.contains(r#"maxlength="256" autofocus"#), "{html}");
    assert!(!html.contains("not-the-password"));
    let again = app.html(&client, "/login?error=1").await;
    assert!(!again.contains(r#"value="reviewer""#));
    assert!(!again.contains("autofocus"));
}

#[tokio::test]
async fn a_failed_sign_in_records_the_attempted_name_only_when_it_is_a_real_account() {
    let app = TestApp::spawn().await;
    app.post_login(&app.client(), "reviewer", "not-the-password")
        .await;
    // A password typed into the username field by mistake must not land in the trail.
    app.post_login(&app.client(), "Lantern-ledger-2026", "x")
        .await;

    let failed = app.audit_actions("auth.sign_in_failed").await;
    assert_eq!(failed.len(), 2);
    let after = |i: usize| -> serde_json::Value {
        serde_json::from_str(failed[i].after.as_deref().unwrap()).unwrap()
    };
    assert_eq!(after(0)["username"], "reviewer");
    assert_eq!(after(1), serde_json::json!({ "username_known": false }));
    let everything = format!("{failed:?}");
    assert!(!everything.contains("Lantern-ledger"), "{everything}");
}

#[tokio::test]
async fn signing_in_opens_a_session_and_is_audited() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;

    let page = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("data-testid=\"current-user\""));
    assert!(
        html.contains(">reviewer<"),
        "the page names the signed-in user"
    );
    let events = app.audit_actions("auth.signed_in").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor_username.as_deref(), Some("reviewer"));
    assert!(
        events[0].source_ip.is_some(),
        "the source address is recorded"
    );
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = TestApp::spawn().await;
    let response = app
        .post_login(&app.client(), "auditor", DEMO_PASSWORD)
        .await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("registry_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
}

#[tokio::test]
async fn a_signed_out_reader_is_sent_to_sign_in() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .get(app.url("/accounts/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?next=/accounts/1");
}

#[tokio::test]
async fn server_functions_refuse_a_signed_out_caller() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .post(app.url("/api/account"))
        .form(&[("id", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("admin").await;
    let response = client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?signed_out=1");
    assert_eq!(app.count(session::Entity).await, 0);
    let after = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&after), "/login");
    assert_eq!(app.audit_actions("auth.signed_out").await.len(), 1);
}

#[tokio::test]
async fn sessions_survive_a_server_restart() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("submitter").await;
    let test_db = app.stop().await;

    let restarted = TestApp::spawn_on(test_db, false).await;
    // The same cookie jar, now talking to the new process.
    let page = client.get(restarted.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200, "still signed in after the restart");
    assert!(page.text().await.unwrap().contains(">submitter<"));
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;
    let events_before = app.count(audit_event::Entity).await;

    // A form on another site posting to sign-out, and one posting a sign-in (login CSRF).
    let logout = client
        .post(app.url("/logout"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    let login = app
        .client()
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("username", "auditor"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    // A sandboxed page (Origin: null) calling a server function.
    let server_fn = client
        .post(app.url("/api/registry"))
        .header("origin", "null")
        .form(&[("query[page]", "1"), ("query[per_page]", "10")])
        .send()
        .await
        .unwrap();

    assert_eq!(logout.status(), 403);
    assert_eq!(login.status(), 403);
    assert_eq!(server_fn.status(), 403);
    assert!(login.headers().get("set-cookie").is_none());
    assert_eq!(
        app.count(session::Entity).await,
        1,
        "the reviewer's session is untouched"
    );
    assert_eq!(
        app.count(audit_event::Entity).await,
        events_before,
        "nothing was recorded"
    );
    let still = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(still.status(), 200);
}

#[tokio::test]
async fn a_same_origin_post_passes_the_cross_site_check() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let response = client
        .post(app.url("/login"))
        .header("origin", format!("http://{}", app.addr))
        .header("sec-fetch-site", "same-origin")
        .form(&[("username", "auditor"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), HOME);
}

#[tokio::test]
async fn the_next_page_after_sign_in_must_be_on_this_site() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .post(app.url("/login"))
        .form(&[
            ("username", "auditor"),
            ("password", DEMO_PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), HOME);
}

/// Browsers strip TAB, CR and LF from a URL and read a backslash as a slash, so each of these would
/// have sent the person to `//evil.example` (issue 15, item 5).
const HOSTILE_NEXT: [&str; 8] = [
    "/\t/evil.example",
    "/\r\n/evil.example",
    "/\\evil.example",
    "/%2f/evil.example",
    "/%5c/evil.example",
    "/ /evil.example",
    "/accounts/1/../../evil.example",
    "/no-such-page",
];

#[tokio::test]
async fn sign_in_follows_next_only_to_one_of_the_applications_own_pages() {
    let app = TestApp::spawn().await;
    for hostile in HOSTILE_NEXT {
        let response = app
            .client()
            .post(app.url("/login"))
            .form(&[
                ("username", "auditor"),
                ("password", DEMO_PASSWORD),
                ("next", hostile),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{hostile:?}");
        assert_eq!(location(&response), HOME, "{hostile:?}");
    }
    let response = app
        .client()
        .post(app.url("/login"))
        .form(&[
            ("username", "auditor"),
            ("password", DEMO_PASSWORD),
            ("next", "/accounts/1?tab=history"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/accounts/1?tab=history");
}

#[tokio::test]
async fn a_failed_sign_in_keeps_only_a_local_next() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .post(app.url("/login"))
        .form(&[
            ("username", "auditor"),
            ("password", "wrong"),
            ("next", "/\t/evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/login?error=1");
}

#[tokio::test]
async fn the_language_switch_returns_only_to_one_of_the_applications_own_pages() {
    let app = TestApp::spawn().await;
    for hostile in HOSTILE_NEXT {
        let response = app
            .client()
            .post(app.url("/lang"))
            .form(&[("lang", "en"), ("next", hostile)])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&response), "/", "{hostile:?}");
    }
}
