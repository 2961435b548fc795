//! The filing pages' form posts as a browser without JavaScript sends them: each step redirects back
//! to the filing page, with the error in the URL when it was refused.
use crate::helpers::{Landing, TestApp, flash_of, location, testid_text};

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
    let landing = Landing::of(&refused);
    assert!(
        landing.flash.as_ref().is_some_and(|f| f.error.is_some()),
        "{landing}"
    );
    let back = landing.location;
    assert_eq!(back, page);
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
    assert!(flash_of(&refused).is_some_and(|f| f.error.is_some()));
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
        let landing = Landing::of(&response);
        assert!(
            landing.flash.as_ref().is_some_and(|f| f.error.is_some()),
            "{endpoint}: {landing}"
        );
        let back = landing.location;
        assert_eq!(back, "/filings", "{endpoint}");
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

// ---- Attachments: who downloads, the audit, uploads (issue 15 items 9 and 10) ------------------

/// A filing of the education unit with a signed form uploaded through the page; its page and the
/// attachment's id.
async fn filing_with_a_signed_form(app: &TestApp, submitter: &reqwest::Client) -> (String, i32) {
    use sea_orm::EntityTrait;
    let page = location(&new_open_filing(app, submitter, "k-attach").await);
    let form = reqwest::multipart::Form::new()
        .text("kind", "signed_form")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.7\n% signed, mobile 13812341234\n".to_vec())
                .file_name("备案表.pdf"),
        );
    let uploaded = submitter
        .post(app.url(&format!("{page}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&uploaded), page);
    let stored = app::server::entities::filing_attachment::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    (page, stored.id)
}

#[tokio::test]
async fn attachments_go_only_to_those_who_see_the_custodian_in_full_and_each_download_is_audited() {
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;
    let (_, id) = filing_with_a_signed_form(&app, &submitter).await;
    let path = format!("/attachments/{id}");
    for who in ["submitter", "reviewer"] {
        let client = app.signed_in(who).await;
        let response = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{who}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{who}");
        assert_eq!(response.headers()["content-type"], "application/pdf");
        assert!(response.bytes().await.unwrap().starts_with(b"%PDF-1.7"));
    }
    // Administrators and auditors see custodians masked: the scan, which shows the mobile in full,
    // is not theirs, and they are told why in their language.
    for who in ["admin", "auditor"] {
        let client = app.signed_in(who).await;
        let response = client
            .get(app.url(&path))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{who}");
        let text = response.text().await.unwrap();
        assert!(
            text.contains("only reviewers and the filing&#x27;s own unit may download them")
                || text.contains("only reviewers and the filing's own unit may download them"),
            "{who}: {text}"
        );
        let zh = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(zh.status(), 403);
        assert!(
            zh.text()
                .await
                .unwrap()
                .contains("附件含密码保管人的完整手机号")
        );
    }
    let security = app.signed_in("security").await;
    let response = security.get(app.url(&path)).send().await.unwrap();
    assert_eq!(response.status(), 403);
    app.add_user("police.clerk", "submitter", Some("public-security"))
        .await;
    let other = app.client();
    app.post_login(&other, "police.clerk", crate::helpers::TEST_PASSWORD)
        .await;
    assert_eq!(
        other.get(app.url(&path)).send().await.unwrap().status(),
        403
    );

    // Two downloads, two events: who, which filing and file; the refusals left none.
    let downloads = app.audit_actions("attachment.downloaded").await;
    let who: Vec<_> = downloads
        .iter()
        .map(|e| e.actor_username.clone().unwrap_or_default())
        .collect();
    assert_eq!(who, ["submitter", "reviewer"]);
    let after: serde_json::Value =
        serde_json::from_str(downloads[1].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["attachment_id"], id);
    assert_eq!(downloads[1].entity_type, "filing");
}

#[cfg(unix)]
#[tokio::test]
async fn a_stored_attachment_is_readable_by_the_server_alone() {
    use std::os::unix::fs::PermissionsExt;
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;
    filing_with_a_signed_form(&app, &submitter).await;
    use sea_orm::EntityTrait;
    let stored = app::server::entities::filing_attachment::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let path = app::server::attachments::path_for(app.test_db.files.path(), &stored.sha256);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

/// The session cookie of `username`, for a request written by hand.
async fn session_cookie(app: &TestApp, username: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = app
        .post_login(&client, username, app::server::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(response.status(), 303);
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn an_upload_to_a_filing_the_person_may_not_attach_to_is_refused_before_its_body_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;
    let page = location(&new_open_filing(&app, &submitter, "k-early").await);
    // The reviewer never attaches. The request announces 9 MB and sends the first few bytes only:
    // a server that read the body before asking would wait for the rest.
    let cookie = session_cookie(&app, "reviewer").await;
    let head = format!(
        "POST {page}/attachments HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 9000000\r\n\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nsigned_form\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.7\n",
        app.addr
    );
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    assert!(answer.contains("set-cookie: flash="), "{answer}");
    let kept: Vec<_> = std::fs::read_dir(app.test_db.files.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().unwrap().is_file())
        .collect();
    assert!(kept.is_empty(), "{kept:?}");
}

#[tokio::test]
async fn an_upload_with_two_files_is_refused_and_keeps_neither() {
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;
    let page = location(&new_open_filing(&app, &submitter, "k-two").await);
    let pdf = || reqwest::multipart::Part::bytes(b"%PDF-1.7\n%one\n".to_vec()).file_name("a.pdf");
    let form = reqwest::multipart::Form::new()
        .text("kind", "signed_form")
        .part("file", pdf())
        .part("file", pdf().file_name("b.pdf"));
    let refused = submitter
        .post(app.url(&format!("{page}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let landing = Landing::of(&refused);
    assert!(
        format!("{landing}").contains("OneFilePerUpload"),
        "{landing}"
    );
    let back = landing.location;
    let html = submitter
        .get(app.url(&back))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Upload one file at a time."), "{html}");
    assert_eq!(
        app.count(app::server::entities::filing_attachment::Entity)
            .await,
        0
    );
    let left: Vec<_> = std::fs::read_dir(app.test_db.files.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().unwrap().is_file())
        .collect();
    assert!(
        left.is_empty(),
        "no file, not even a temporary one: {left:?}"
    );
}
