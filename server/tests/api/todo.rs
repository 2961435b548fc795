//! 待办 (issue 17, item 1): everyone lands on what waits for them; the county office sees what to
//! review (and how much of it is due today or overdue), to confirm and to report upward; a unit
//! sees what came back to it, what it has to finish and its drafts, and the notices it was sent;
//! the navigation carries the counts on every page.
use crate::arrange::{Filing, approved_open, draft_open, submitted_open};
use crate::helpers::{TestApp, fixed_now, location, testid_text};
use app::server::demo::DEMO_PASSWORD;
use chrono::Duration;

/// The figure of one to-do tile (`todo-waiting`, ...).
fn tile(html: &str, item: &str) -> u64 {
    let text = testid_text(html, &format!("todo-{item}")).unwrap_or_else(|| panic!("tile {item}"));
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no figure in {text:?}"))
}

/// The filing numbers listed in one section of the page.
fn listed(html: &str, section: &str) -> Vec<String> {
    let Some(start) = html.find(&format!("data-testid=\"{section}\"")) else {
        return Vec::new();
    };
    let rest = &html[start..];
    let end = rest.find("</section>").unwrap();
    rest[..end]
        .split("data-testid=\"filing-link\"")
        .skip(1)
        .map(|r| {
            let text = &r[r.find('>').unwrap() + 1..];
            text[..text.find('<').unwrap()].to_string()
        })
        .collect()
}

fn numbers(filings: &[&Filing]) -> Vec<String> {
    let mut numbers: Vec<String> = filings.iter().map(|f| f.number.clone()).collect();
    numbers.sort();
    numbers
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn the_county_office_sees_what_to_review_confirm_and_report_with_counts_in_the_navigation() {
    let app = TestApp::spawn().await;
    let a = submitted_open(&app, "submitter", "weibo", "石柱教育微博").await;
    let b = submitted_open(&app, "submitter", "kuaishou", "石柱教育快手").await;
    let c = approved_open(
        &app,
        "submitter",
        "reviewer",
        "bilibili",
        "石柱教育哔哩哔哩",
    )
    .await;
    let d = approved_open(
        &app,
        "submitter",
        "reviewer",
        "xiaohongshu",
        "石柱教育小红书",
    )
    .await;
    let reviewer = app.as_api("reviewer").await;
    reviewer
        .report_upstream(d.id, "2026-11-27", "重庆市政府办公厅", "渝报〔2026〕1号")
        .await
        .expect("reporting");

    let client = app.signed_in("reviewer").await;
    let html = app.html(&client, "/todo").await;
    assert_eq!(tile(&html, "waiting"), 2);
    assert_eq!(tile(&html, "due_today"), 0);
    assert_eq!(tile(&html, "overdue"), 0);
    assert_eq!(tile(&html, "to_confirm"), 0);
    assert_eq!(tile(&html, "to_report"), 1);
    // The tiles are the lists: each filing under the one step it waits for.
    assert_eq!(
        sorted(listed(&html, "todo-list-waiting")),
        numbers(&[&a, &b])
    );
    assert_eq!(listed(&html, "todo-list-to_report"), numbers(&[&c]));
    // 已办: both decisions are the reviewer's.
    assert_eq!(sorted(listed(&html, "todo-done")), numbers(&[&c, &d]));
    // The navigation counts on every page, here the registry.
    let registry = app.html(&client, "/").await;
    assert_eq!(
        testid_text(&registry, "nav-todo-steps").as_deref(),
        Some("3")
    );
    assert_eq!(testid_text(&registry, "nav-todo-urgent"), None);
    assert!(
        registry.contains("（共 3 项待办，其中 0 项今日到期或已逾期）"),
        "{registry}"
    );
    // A tile links into the queue narrowed to it.
    assert!(html.contains("href=\"/filings?tab=waiting&amp;due=overdue&amp;page=1\""));

    // Ten days on, both are overdue (Art. 11: three working days).
    let test_db = app.stop().await;
    let app = TestApp::builder()
        .on(test_db)
        .demo(false)
        .at(fixed_now() + Duration::days(10))
        .spawn()
        .await;
    let client = app.signed_in("reviewer").await;
    let html = app.html(&client, "/todo").await;
    assert_eq!(tile(&html, "overdue"), 2);
    assert_eq!(tile(&html, "waiting"), 2);
    assert_eq!(testid_text(&html, "nav-todo-urgent").as_deref(), Some("2"));
    assert_eq!(testid_text(&html, "nav-todo-steps").as_deref(), Some("3"));
}

#[tokio::test]
async fn a_unit_sees_the_request_that_came_back_and_its_notice_without_opening_its_email() {
    let app = TestApp::spawn().await;
    let returned = submitted_open(&app, "submitter", "weibo", "石柱教育微博").await;
    app.as_api("reviewer")
        .await
        .return_for_correction(returned.id, "请补充公告截图")
        .await
        .expect("returning");
    let drafted = draft_open(&app, "submitter", "kuaishou", "石柱教育快手").await;
    let waiting = submitted_open(&app, "submitter", "bilibili", "石柱教育哔哩哔哩").await;

    let client = app.signed_in("submitter").await;
    let html = app.html(&client, "/todo").await;
    assert_eq!(tile(&html, "returned"), 1);
    assert_eq!(tile(&html, "to_complete"), 0);
    assert_eq!(tile(&html, "drafts"), 1);
    assert_eq!(listed(&html, "todo-list-returned"), numbers(&[&returned]));
    assert_eq!(listed(&html, "todo-list-drafts"), numbers(&[&drafted]));
    // Waiting for the county office is not the unit's to do.
    for section in [
        "todo-list-returned",
        "todo-list-drafts",
        "todo-list-to_complete",
    ] {
        assert!(
            !listed(&html, section).contains(&waiting.number),
            "{section}"
        );
    }
    assert_eq!(testid_text(&html, "nav-todo-steps").as_deref(), Some("2"));
    // The notice of the return, as its e-mail's subject, links to the filing.
    let notices = testid_text(&html, "todo-notices").expect("the notices");
    assert!(notices.contains(&returned.number), "{notices}");
    assert!(html.contains(&format!("href=\"/filings/{}\"", returned.id)));
    // The reviewer's to-do holds none of the unit's steps.
    let reviewer = app.signed_in("reviewer").await;
    let html = app.html(&reviewer, "/todo").await;
    assert_eq!(tile(&html, "waiting"), 1);
    assert!(listed(&html, "todo-list-waiting").contains(&waiting.number));
    assert!(!html.contains("data-testid=\"todo-returned\""));
}

#[tokio::test]
async fn everyone_lands_on_their_to_do_after_signing_in_unless_on_their_way_elsewhere() {
    let app = TestApp::spawn().await;
    let response = app
        .post_login(&app.client(), "submitter", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&response), "/todo");
    let response = app
        .client()
        .post(app.url("/login"))
        .form(&[
            ("username", "submitter"),
            ("password", DEMO_PASSWORD),
            ("next", "/filings?tab=returned"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/filings?tab=returned");

    // The auditor takes no filing step: no counts, and the page says why.
    let auditor = app.signed_in("auditor").await;
    let html = app.html(&auditor, "/todo").await;
    assert!(html.contains("data-testid=\"todo-none\""), "{html}");
    assert!(html.contains("data-testid=\"nav-todo\""));
    assert!(!html.contains("nav-todo-steps"));

    // In English too.
    let en = app.client();
    en.post(app.url("/lang"))
        .form(&[("lang", "en"), ("next", "/")])
        .send()
        .await
        .unwrap();
    let response = app.post_login(&en, "reviewer", DEMO_PASSWORD).await;
    assert_eq!(location(&response), "/todo");
    let html = app.html(&en, "/todo").await;
    assert!(html.contains("My to-do"), "{html}");
    assert!(html.contains("Awaiting review"));

    // Signed out, the page asks for a sign-in first.
    let response = app.client().get(app.url("/todo")).send().await.unwrap();
    assert_eq!(location(&response), "/login?next=/todo");
}
