//! Cross-site request forgery (issue 8): every endpoint that changes something, taken from the
//! authorisation matrix's table, posted from another site, from a sandboxed page (`Origin: null`),
//! as JSON disguised as `text/plain`, and asked with GET — all refused, nothing changed.
use crate::authz_matrix::{Row, fixture, request, table};
use crate::helpers::TestApp;
use app::server::entities::{api_token, audit_event, filing, session};

/// The rows of endpoints that change something: anything but GET.
fn mutating() -> Vec<Row> {
    table()
        .into_iter()
        .filter(|row| row.method != "GET")
        .collect()
}

/// What a forged request could have changed. Reading is audited too (an unmasked mobile, the
/// audit trail itself): those events are not changes.
async fn state(app: &TestApp) -> (u64, u64, u64, u64) {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    (
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.not_like("%.viewed"))
            .count(&app.db)
            .await
            .unwrap(),
        app.count(filing::Entity).await,
        app.count(session::Entity).await,
        app.count(api_token::Entity).await,
    )
}

async fn refused_everywhere(headers: &[(&str, &str)]) {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    // The county office, the unit and both administrators signed in: the forgery rides on their
    // cookies.
    let victims = [
        app.signed_in("submitter").await,
        app.signed_in("reviewer").await,
        app.signed_in("admin").await,
        app.signed_in("security").await,
    ];
    let before = state(&app).await;
    let mut let_through = Vec::new();
    for row in mutating() {
        for victim in &victims {
            let response = request(&app, victim, &row, &f, headers)
                .send()
                .await
                .unwrap();
            if response.status() != 403 {
                let_through.push(format!(
                    "{} {} → {}",
                    row.method,
                    row.path,
                    response.status()
                ));
            }
        }
    }
    assert!(
        let_through.is_empty(),
        "cross-site requests that were not refused:\n{}",
        let_through.join("\n")
    );
    assert_eq!(
        state(&app).await,
        before,
        "a refused request changed something"
    );
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_at_every_endpoint() {
    refused_everywhere(&[
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ])
    .await;
}

#[tokio::test]
async fn an_old_browser_without_fetch_metadata_is_judged_by_its_origin() {
    refused_everywhere(&[("origin", "https://evil.example")]).await;
}

#[tokio::test]
async fn a_sandboxed_page_with_a_null_origin_is_refused_at_every_endpoint() {
    refused_everywhere(&[("origin", "null")]).await;
}

#[tokio::test]
async fn json_sent_as_text_plain_from_another_site_is_refused_and_not_read_as_json() {
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;
    let filings_before = app.count(filing::Entity).await;
    let body = r#"{"kind":"open","platform":"kuaishou","form":{"account_name":"forged"}}"#;

    // A "simple" cross-site request (no preflight): text/plain carrying JSON.
    let cross_site = submitter
        .post(app.url("/api/v1/filings"))
        .header("content-type", "text/plain")
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(body)
        .send()
        .await
        .unwrap();
    // And even from this site, text/plain is not taken for JSON.
    let same_site = submitter
        .post(app.url("/api/v1/filings"))
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();

    assert_eq!(cross_site.status(), 403);
    assert_eq!(same_site.status(), 415);
    assert_eq!(app.count(filing::Entity).await, filings_before);
}

#[tokio::test]
async fn a_get_to_an_endpoint_that_changes_something_changes_nothing() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let victims = [
        app.signed_in("submitter").await,
        app.signed_in("reviewer").await,
        app.signed_in("admin").await,
        app.signed_in("security").await,
    ];
    let before = state(&app).await;
    let mut answered = Vec::new();
    // Paths that also have something to read (GET /login is the sign-in page).
    let readable: std::collections::BTreeSet<String> = table()
        .into_iter()
        .filter(|row| row.method == "GET")
        .map(|row| row.path)
        .collect();
    for row in mutating() {
        let get = Row {
            method: "GET".into(),
            ..row.clone()
        };
        for victim in &victims {
            let response = request(&app, victim, &get, &f, &[])
                .header("sec-fetch-site", "cross-site")
                .send()
                .await
                .unwrap();
            // A path that also reads (GET /api/v1/filings/{id} shows the filing) may answer;
            // changing is not allowed, which the state check below holds. An endpoint that only
            // changes things must not answer a GET with success.
            if !readable.contains(&row.path) && response.status().is_success() {
                answered.push(format!("GET {} → {}", row.path, response.status()));
            }
        }
    }
    assert!(
        answered.is_empty(),
        "endpoints that change things answered a GET:\n{}",
        answered.join("\n")
    );
    assert_eq!(state(&app).await, before, "a GET changed something");
}
