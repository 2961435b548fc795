//! Feedback after a step (issue 17, item 3): the page a form post lands on says what happened (a
//! submission, by when the county office decides) or what stopped it, handed over in a short-lived
//! cookie: never in the address bar, and gone on a refresh.
use crate::arrange::{draft_open, submitted_open};
use crate::helpers::{Landing, TestApp, post_form, testid_text};
use app::domain::filing::{FilingState, Refusal};
use app::error::AppError;
use app::i18n::Locale;
use app::server::demo::DEMO_PASSWORD;

/// A draft open request of the education committee, the submitter's client, and where the
/// form post of `step` on it landed.
struct Stepped {
    client: reqwest::Client,
    id: i32,
    page: String,
    landing: Landing,
}

async fn step_on_a_draft(app: &TestApp, step: &str) -> Stepped {
    let draft = draft_open(app, "submitter", "weibo", "石柱教育微博").await;
    let client = app.signed_in("submitter").await;
    let id = draft.id.to_string();
    let landing = post_form(
        app,
        &client,
        "/api/filing_step",
        &[("id", &id), ("step", step)],
    )
    .await;
    Stepped {
        client,
        id: draft.id,
        page: format!("/filings/{id}"),
        landing,
    }
}

#[tokio::test]
async fn a_submission_says_by_when_the_county_office_decides_once() {
    let app = TestApp::spawn().await;
    let Stepped {
        client,
        id,
        page,
        landing,
    } = step_on_a_draft(&app, "submit").await;
    assert_eq!(landing, page.as_str());
    assert_eq!(
        landing.flash.as_ref().and_then(|f| f.done.as_deref()),
        Some("submit")
    );
    let due = app.filing_row(id).await.due_on.expect("a due date");

    let html = app.html(&client, &page).await;
    let said = testid_text(&html, "step-done").expect("the step is confirmed");
    assert_eq!(said, format!("已提交。县政府办公室的办理期限：{due}。"));
    assert!(
        html.contains("role=\"status\" data-testid=\"step-done\""),
        "{html}"
    );
    // Read once: a refresh says nothing more.
    let again = app.html(&client, &page).await;
    assert_eq!(testid_text(&again, "step-done"), None);

    // The same form posted again (a replay) is refused as such, changes nothing and says so.
    let id_text = id.to_string();
    let replayed = post_form(
        &app,
        &client,
        "/api/filing_step",
        &[("id", &id_text), ("step", "submit")],
    )
    .await;
    assert_eq!(replayed, page.as_str());
    assert_eq!(
        replayed.flash.and_then(|f| f.error),
        Some(AppError::Refused(Refusal::WrongState))
    );
    assert_eq!(
        app.filing_row(id).await.due_on,
        Some(due),
        "nothing changed"
    );
}

#[tokio::test]
async fn a_refused_step_shows_its_error_on_the_page_and_not_in_the_address() {
    let app = TestApp::spawn().await;
    // A unit does not approve its own request.
    let Stepped {
        client,
        id,
        page,
        landing,
    } = step_on_a_draft(&app, "approve").await;
    assert_eq!(app.filing_row(id).await.state, FilingState::Draft);
    assert_eq!(
        landing,
        page.as_str(),
        "nothing of the error in the address"
    );
    assert_eq!(
        landing.flash.as_ref().and_then(|f| f.error.clone()),
        Some(AppError::Refused(Refusal::WrongRole))
    );
    let said = AppError::Refused(Refusal::WrongRole).message(Locale::ZhCn);
    let html = app.html(&client, &page).await;
    assert!(html.contains(&said), "{html}");
    assert!(
        html.contains("<div role=\"alert\" tabindex=\"-1\" autofocus"),
        "{html}"
    );
    assert!(!html.contains("data-testid=\"step-done\""));
    let again = app.html(&client, &page).await;
    assert!(!again.contains(&said));
}

#[tokio::test]
async fn a_forged_flash_cookie_is_ignored_and_cleared() {
    let app = TestApp::spawn().await;
    // A client without a cookie store, so that the test's Cookie header is the only one.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = app.post_login(&bare, "submitter", DEMO_PASSWORD).await;
    let session: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| Some(c.to_str().ok()?.split(';').next()?.to_string()))
        .collect();
    for forged in ["zz", "7b7d", "not hex at all", "7b226572726f72223a2246"] {
        let response = bare
            .get(app.url("/filings"))
            .header("cookie", format!("{}; flash={forged}", session.join("; ")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{forged}");
        assert!(
            response
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("flash=;")),
            "the cookie is cleared: {forged}"
        );
        let html = response.text().await.unwrap();
        assert!(!html.contains("role=\"alert\""), "{forged}");
    }
}

/// Issue 17, item 3: the steps that cannot be undone ask first. Without JavaScript the button that
/// would have posted 批准 or 驳回 opens a question, and only the answer under it posts the step, from
/// the same form as the opinion typed above it; 退回补正 (which can be answered) posts at once.
#[tokio::test]
async fn a_decision_that_cannot_be_undone_is_asked_before_it_is_posted() {
    let app = TestApp::spawn().await;
    let filing = submitted_open(&app, "submitter", "weibo", "石柱教育微博").await;
    let reviewer = app.signed_in("reviewer").await;
    let html = app
        .html(&reviewer, &format!("/filings/{}", filing.id))
        .await;
    let number = filing.number.clone();
    for (step, question) in [
        (
            "approve",
            format!("确定批准备案申请 {number}？批准后名录即按申请登记，不能撤销。"),
        ),
        ("reject", format!("确定驳回备案申请 {number}？")),
    ] {
        let testid = format!("step-{step}");
        assert!(
            html.contains(&format!("<summary data-testid=\"{testid}\"")),
            "{step}: the first press opens the question"
        );
        let asked = testid_text(&html, &format!("{testid}-question")).expect("the question");
        assert!(asked.starts_with(&question), "{asked}");
        // Exactly two answers post the step: the disclosure's and the dialog's.
        let posts = format!("name=\"step\" value=\"{step}\"");
        assert_eq!(html.matches(&posts).count(), 2, "{step}");
        let answer = format!(
            "{posts} aria-describedby=\"{testid}-question\" data-testid=\"{testid}-confirm\""
        );
        assert!(html.contains(&answer), "{step}: {html}");
    }
    // 退回补正 posts at once.
    assert_eq!(html.matches("name=\"step\" value=\"return\"").count(), 1);
    assert!(!html.contains("<summary data-testid=\"step-return\""));

    // In English too.
    reviewer
        .post(app.url("/lang"))
        .form(&[("lang", "en"), ("next", "/")])
        .send()
        .await
        .unwrap();
    let html = app
        .html(&reviewer, &format!("/filings/{}", filing.id))
        .await;
    let asked = testid_text(&html, "step-approve-question").expect("the question");
    assert!(
        asked.starts_with(&format!("Approve filing {number}?")),
        "{asked}"
    );
    assert_eq!(
        testid_text(&html, "step-approve-confirm").as_deref(),
        Some("Yes, approve")
    );
}
