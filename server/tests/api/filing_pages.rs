//! The filing pages' form posts as a browser without JavaScript sends them: each step redirects back
//! to the filing page, with the error in the URL when it was refused.
use crate::helpers::{TestApp, location, testid_text};

fn form_post(client: &reqwest::Client, url: String) -> reqwest::RequestBuilder {
    client
        .post(url)
        .header("accept", "text/html,application/xhtml+xml")
}

async fn new_open_filing(app: &TestApp, client: &reqwest::Client, key: &str) -> reqwest::Response {
    form_post(client, app.url("/api/filing_new"))
        .form(&[
            ("kind", "open"),
            ("platform", "weibo"),
            ("idempotency_key", key),
            ("form[account_name]", "石柱教育"),
            ("form[verification_subject]", "石柱土家族自治县教育委员会"),
            ("form[operating_unit]", "石柱土家族自治县教育委员会"),
            ("form[purpose]", "发布教育政策"),
            ("form[custodian_name]", "谭明"),
            ("form[custodian_mobile]", "13812341234"),
            ("form[leader_name]", "马丽"),
            ("form[leader_consent_on]", "2026-11-20"),
            ("form[collective_decision_on]", "2026-11-18"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_open_request_filed_and_approved_through_the_pages_reaches_the_registry() {
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;
    let created = new_open_filing(&app, &submitter, "k-1").await;
    assert_eq!(created.status(), 302);
    let page = location(&created);
    assert!(page.starts_with("/filings/"), "{page}");
    let id = page.trim_start_matches("/filings/").to_string();

    let submitted = form_post(&submitter, app.url("/api/filing_step"))
        .form(&[("id", id.as_str()), ("step", "submit")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&submitted), page);

    let reviewer = app.signed_in("reviewer").await;
    let queue = reviewer
        .get(app.url("/filings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("2026-0001"));
    let approved = form_post(&reviewer, app.url("/api/filing_step"))
        .form(&[("id", id.as_str()), ("step", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&approved), page);

    let registry = reviewer
        .get(app.url("/?unit=education&platform=weibo"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        testid_text(&registry, "registry-total")
            .unwrap()
            .contains('1')
    );
    let filing_page = reviewer
        .get(app.url(&page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        filing_page.contains("已批准"),
        "the page shows the new state"
    );
}

#[tokio::test]
async fn a_refused_step_comes_back_to_the_page_with_its_translated_error() {
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;
    // An open request on WeChat, where the unit already has 石柱教育.
    let created = form_post(&submitter, app.url("/api/filing_new"))
        .form(&[
            ("kind", "open"),
            ("platform", "wechat_oa"),
            ("form[leader_name]", "马丽"),
        ])
        .send()
        .await
        .unwrap();
    let page = location(&created);
    let id = page.trim_start_matches("/filings/").to_string();
    let refused = form_post(&submitter, app.url("/api/filing_step"))
        .form(&[("id", id.as_str()), ("step", "submit")])
        .send()
        .await
        .unwrap();
    let back = location(&refused);
    assert!(back.starts_with(&format!("{page}?error=")), "{back}");
    let html = submitter
        .get(app.url(&back))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("role=\"alert\""));
    assert!(
        html.contains("需要补正") || html.contains("补正"),
        "the page names what to fix"
    );
    assert!(
        html.contains("aria-invalid=\"true\""),
        "fields with problems are marked"
    );
}

#[tokio::test]
async fn the_same_form_posted_twice_makes_one_filing() {
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;
    let first = new_open_filing(&app, &submitter, "double-click").await;
    let second = new_open_filing(&app, &submitter, "double-click").await;
    assert_eq!(location(&first), location(&second));
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        app::server::entities::filing::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn another_units_submitter_cannot_read_a_filing() {
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;
    let page = location(&new_open_filing(&app, &submitter, "k-2").await);
    let id = page.trim_start_matches("/filings/").to_string();
    app.add_user("police.clerk", "submitter", Some("public-security"))
        .await;
    let other = app.client();
    app.post_login(&other, "police.clerk", crate::helpers::TEST_PASSWORD)
        .await;
    let response = other
        .post(app.url("/api/filing"))
        .form(&[("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn an_attachment_uploaded_through_the_form_is_stored_and_served_back() {
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;
    let page = location(&new_open_filing(&app, &submitter, "k-3").await);
    let pdf = b"%PDF-1.7\n% form scan\n".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("kind", "signed_form")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf.clone()).file_name("备案表.pdf"),
        );
    let uploaded = submitter
        .post(app.url(&format!("{page}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&uploaded), page);
    use sea_orm::EntityTrait;
    let stored = app::server::entities::filing_attachment::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let download = submitter
        .get(app.url(&format!("/attachments/{}", stored.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.bytes().await.unwrap().to_vec(), pdf);

    let fake = reqwest::multipart::Form::new()
        .text("kind", "signed_form")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"<script>alert(1)</script>".to_vec())
                .file_name("scan.pdf"),
        );
    let refused = submitter
        .post(app.url(&format!("{page}/attachments")))
        .multipart(fake)
        .send()
        .await
        .unwrap();
    assert!(location(&refused).contains("?error="));
    assert_eq!(
        app::server::entities::filing_attachment::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_forged_filing_id_is_answered_like_an_unknown_filing_and_changes_nothing() {
    use app::server::entities::{audit_event, filing};
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let submitter = app.signed_in("submitter").await;
    let before = (
        app.count(filing::Entity).await,
        app.count(audit_event::Entity).await,
    );
    for (client, endpoint, form) in [
        (
            &submitter,
            "filing_save",
            vec![("id", "1; drop"), ("form[account_name]", "x")],
        ),
        (
            &reviewer,
            "filing_step",
            vec![("id", "abc"), ("step", "approve")],
        ),
        (
            &reviewer,
            "filing_report",
            vec![
                ("id", "99999999999999"),
                ("reported_on", "2026-11-20"),
                ("reported_to", "x"),
                ("reference", "x"),
            ],
        ),
        (
            &submitter,
            "filing_completion",
            vec![
                ("id", ""),
                ("platform_done_on", "2026-11-20"),
                ("announcement_url", ""),
            ],
        ),
    ] {
        let response = form_post(client, app.url(&format!("/api/{endpoint}")))
            .form(&form)
            .send()
            .await
            .unwrap();
        let back = location(&response);
        assert!(back.starts_with("/filings?error="), "{endpoint}: {back}");
        let html = client
            .get(app.url(&back))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("role=\"alert\""), "{endpoint}: {html}");
    }
    assert_eq!(
        (
            app.count(filing::Entity).await,
            app.count(audit_event::Entity).await
        ),
        before
    );
}
