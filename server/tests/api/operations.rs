//! Health, metrics, request ids, and the audit chain.
use crate::helpers::TestApp;
use app::server::audit::{self, ChainCheck};

#[tokio::test]
async fn health_reports_ok_while_the_database_answers_and_503_when_it_does_not() {
    let app = TestApp::spawn().await;
    let ok = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(ok.status(), 200);

    app.db.close_by_ref().await.unwrap();
    let down = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(down.status(), 503);
}

#[tokio::test]
async fn metrics_are_served_in_prometheus_text_format() {
    let app = TestApp::spawn().await;
    reqwest::get(app.url("/healthz")).await.unwrap();
    let response = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("http_requests_total{"), "{body}");
}

#[tokio::test]
async fn with_a_metrics_token_the_metrics_answer_only_that_token() {
    const TOKEN: &str = "monitoring-7f3c9a2e41d84b6fa0c5e918d2b7c6a3";
    let app = TestApp::spawn_configured(
        crate::helpers::TestDb::new().await,
        false,
        crate::helpers::fixed_now(),
        |config| config.metrics_token = Some(TOKEN.into()),
    )
    .await;
    let client = reqwest::Client::new();
    let ask = |authorization: Option<String>| {
        let mut request = client.get(app.url("/metrics"));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        request.send()
    };
    let none = ask(None).await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    assert!(!none.text().await.unwrap().contains("http_requests_total"));
    for wrong in [
        format!("Bearer {}", &TOKEN[..TOKEN.len() - 1]),
        format!("Bearer {TOKEN}x"),
        format!("Basic {TOKEN}"),
        TOKEN.to_string(),
    ] {
        assert_eq!(
            ask(Some(wrong.clone())).await.unwrap().status(),
            401,
            "{wrong}"
        );
    }
    let right = ask(Some(format!("Bearer {TOKEN}"))).await.unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("http_requests_total{"));
    // Health checks stay open.
    assert_eq!(ask(None).await.unwrap().status(), 401);
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(app.url("/healthz")).await.unwrap();
    assert!(response.headers().get("x-request-id").is_some());
}

#[tokio::test]
async fn the_audit_chain_of_a_working_day_verifies() {
    let app = TestApp::spawn().await;
    app.signed_in("reviewer").await;
    app.post_login(&app.client(), "reviewer", "wrong").await;
    match audit::verify(&app.db).await.unwrap() {
        ChainCheck::Intact { events } => assert!(events > 20, "{events}"),
        broken => panic!("{broken:?}"),
    }
}

#[tokio::test]
async fn the_database_refuses_to_edit_or_delete_audit_events() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    let update = app
        .db
        .execute_unprepared("UPDATE audit_events SET action = 'x'")
        .await;
    let delete = app.db.execute_unprepared("DELETE FROM audit_events").await;
    assert!(
        update.is_err() && delete.is_err(),
        "{}",
        app.test_db.backend()
    );
}
