//! The filings list as a queue (issue 17, item 2): tabs by where filings stand with their counts,
//! filters, a search by number or account name, sorting and paging, all in the URL; the account
//! named on every row; one column per heading.
use crate::arrange::{Filing, closing_form, draft, draft_open, submitted_open};
use crate::helpers::{TestApp, testid_text};
use app::domain::filing::FilingKind;
use app::server::entities::account;
use sea_orm::EntityTrait;

/// The filing numbers a list page shows, in its order.
fn numbers(html: &str) -> Vec<String> {
    html.split("data-testid=\"filing-link\"")
        .skip(1)
        .map(|rest| {
            let text = &rest[rest.find('>').unwrap() + 1..];
            text[..text.find('<').unwrap()].to_string()
        })
        .collect()
}

/// The tab counts a page shows, by the tab's code (`all`, `waiting`, ...).
fn tab_count(html: &str, tab: &str) -> u64 {
    let at = html
        .find(&format!("data-testid=\"tab-{tab}\""))
        .unwrap_or_else(|| panic!("tab {tab}"));
    let rest = &html[at..];
    let count = &rest[rest.find("class=\"count\">").unwrap() + "class=\"count\">".len()..];
    count[..count.find('<').unwrap()].parse().unwrap()
}

struct Queue {
    waiting_open: Filing,
    deregistration: Filing,
    returned: Filing,
    draft: Filing,
    /// The name of the account the deregistration names only by id.
    deregistered_name: String,
}

/// Four filings of the education committee, arranged through the API: an open request and a
/// deregistration waiting for review, one returned for correction, one draft.
async fn queue(app: &TestApp) -> Queue {
    let submitter = app.as_api("submitter").await;
    let reviewer = app.as_api("reviewer").await;
    let waiting_open = submitted_open(app, "submitter", "weibo", "石柱教育微博").await;
    let account_id = app.account_id("education", "wechat_oa").await;
    let deregistered_name = account::Entity::find_by_id(account_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .name;
    let d = draft(
        app,
        "submitter",
        FilingKind::Deregister,
        None,
        Some(account_id),
        closing_form(),
    )
    .await;
    let deregistration = submitter.submit(d.id).await.expect("submitting");
    let r = submitted_open(app, "submitter", "kuaishou", "石柱教育快手").await;
    let returned = reviewer
        .return_for_correction(r.id, "请补充公告截图")
        .await
        .expect("returning");
    let draft = draft_open(app, "submitter", "bilibili", "石柱教育哔哩哔哩").await;
    Queue {
        waiting_open,
        deregistration,
        returned,
        draft,
        deregistered_name,
    }
}

#[tokio::test]
async fn tabs_count_and_list_filings_by_where_they_stand() {
    let app = TestApp::spawn().await;
    let q = queue(&app).await;
    let client = app.signed_in("reviewer").await;

    let html = app.html(&client, "/filings").await;
    assert_eq!(tab_count(&html, "waiting"), 2);
    assert_eq!(tab_count(&html, "returned"), 1);
    assert_eq!(tab_count(&html, "drafts"), 1);
    assert_eq!(tab_count(&html, "completion"), 0);
    assert_eq!(tab_count(&html, "closed"), 0);
    assert_eq!(tab_count(&html, "all"), 4);
    assert!(
        html.contains("aria-current=\"page\" data-testid=\"tab-all\""),
        "{html}"
    );

    let html = app.html(&client, "/filings?tab=waiting").await;
    let mut listed = numbers(&html);
    listed.sort();
    let mut waiting = vec![
        q.waiting_open.number.clone(),
        q.deregistration.number.clone(),
    ];
    waiting.sort();
    assert_eq!(listed, waiting);
    assert!(testid_text(&html, "filings-total").unwrap().contains('2'));
    assert!(html.contains("aria-current=\"page\" data-testid=\"tab-waiting\""));
    // The counts do not depend on the tab shown.
    assert_eq!(tab_count(&html, "all"), 4);

    let html = app.html(&client, "/filings?tab=returned").await;
    assert_eq!(numbers(&html), vec![q.returned.number.clone()]);
    let html = app.html(&client, "/filings?tab=drafts").await;
    assert_eq!(numbers(&html), vec![q.draft.number.clone()]);
    let html = app.html(&client, "/filings?tab=closed").await;
    assert!(numbers(&html).is_empty());
    assert!(html.contains("data-testid=\"filings-empty\""));
}

#[tokio::test]
async fn the_search_finds_a_filing_by_number_or_by_its_accounts_name() {
    let app = TestApp::spawn().await;
    let q = queue(&app).await;
    let client = app.signed_in("reviewer").await;

    let by_number = app
        .html(&client, &format!("/filings?q={}", q.returned.number))
        .await;
    assert_eq!(numbers(&by_number), vec![q.returned.number.clone()]);

    // A deregistration carries no account name of its own: its account's name finds it, and its
    // row names the account.
    let name: String = q.deregistered_name.chars().take(4).collect();
    let path = format!("/filings?q={}", app::domain::registry::encode(&name));
    let by_name = app.html(&client, &path).await;
    assert!(
        numbers(&by_name).contains(&q.deregistration.number),
        "{name}: {:?}",
        numbers(&by_name)
    );
    let all = app.html(&client, "/filings?tab=waiting").await;
    let row_start = all.find(&q.deregistration.number).unwrap();
    let row = &all[row_start..row_start + all[row_start..].find("</tr>").unwrap()];
    assert!(row.contains(&q.deregistered_name), "{row}");

    // A search matches the text literally and the filters narrow it further: the tab counts say
    // what the search found.
    let none = app.html(&client, "/filings?q=%25").await;
    assert!(numbers(&none).is_empty());
    assert_eq!(tab_count(&none, "all"), 0);
    assert!(none.contains("data-testid=\"filings-empty\""));
}

#[tokio::test]
async fn the_filters_narrow_by_unit_kind_platform_receipt_and_due_date() {
    let app = TestApp::spawn().await;
    let q = queue(&app).await;
    let client = app.signed_in("reviewer").await;

    let html = app.html(&client, "/filings?kind=deregister").await;
    assert_eq!(numbers(&html), vec![q.deregistration.number.clone()]);
    let html = app.html(&client, "/filings?platform=kuaishou").await;
    assert_eq!(numbers(&html), vec![q.returned.number.clone()]);
    let html = app.html(&client, "/filings?unit=education").await;
    assert_eq!(numbers(&html).len(), 4);
    // The unit filter keeps its choice, and lists units by name.
    assert!(
        html.contains("<option value=\"education\" selected"),
        "the choice kept"
    );
    let html = app.html(&client, "/filings?unit=nosuchunit").await;
    assert!(numbers(&html).is_empty());

    // Received on 2026-11-27 (China time): the three submitted; the draft was never received.
    let html = app
        .html(&client, "/filings?from=2026-11-27&to=2026-11-27")
        .await;
    assert_eq!(numbers(&html).len(), 3);
    assert!(!numbers(&html).contains(&q.draft.number));
    assert!(html.contains("value=\"2026-11-27\""), "the dates kept");
    let html = app.html(&client, "/filings?from=2026-11-28").await;
    assert!(numbers(&html).is_empty());
    let html = app.html(&client, "/filings?to=2026-11-26").await;
    assert!(numbers(&html).is_empty());

    // Due in three working days: nothing overdue or due today yet; three days on, both waiting
    // filings are due today, and a day later overdue.
    let html = app.html(&client, "/filings?due=overdue").await;
    assert!(numbers(&html).is_empty());
    let due_on = app.filing_row(q.waiting_open.id).await.due_on.unwrap();
    let later = TestApp::builder()
        .at(app::domain::report::china_start_of_day(due_on) + chrono::Duration::hours(10))
        .on(app.stop().await)
        .demo(false)
        .spawn()
        .await;
    let client = later.signed_in("reviewer").await;
    let html = later.html(&client, "/filings?due=today").await;
    assert_eq!(numbers(&html).len(), 2);
    assert!(
        !numbers(&html).contains(&q.returned.number),
        "returned: not under review"
    );
}

#[tokio::test]
async fn columns_sort_both_ways_and_say_so_to_screen_readers() {
    let app = TestApp::spawn().await;
    let q = queue(&app).await;
    let client = app.signed_in("reviewer").await;

    let mut ascending = vec![
        q.waiting_open.number.clone(),
        q.deregistration.number.clone(),
        q.returned.number.clone(),
        q.draft.number.clone(),
    ];
    ascending.sort();
    let html = app.html(&client, "/filings?sort=number").await;
    assert_eq!(numbers(&html), ascending);
    assert!(html.contains("aria-sort=\"ascending\""));
    // The header links to the other direction.
    assert!(
        html.contains("href=\"/filings?sort=number&amp;dir=desc&amp;page=1\""),
        "{html}"
    );
    let html = app.html(&client, "/filings?sort=number&dir=desc").await;
    let mut descending = ascending.clone();
    descending.reverse();
    assert_eq!(numbers(&html), descending);
    assert!(html.contains("aria-sort=\"descending\""));

    // By receipt: the draft, never received, last either way.
    let html = app.html(&client, "/filings?sort=received&dir=desc").await;
    assert_eq!(numbers(&html).last(), Some(&q.draft.number));
    let html = app.html(&client, "/filings?sort=received").await;
    assert_eq!(numbers(&html).last(), Some(&q.draft.number));
}

#[tokio::test]
async fn each_column_has_its_own_heading_and_a_unit_sees_no_unit_filter() {
    let app = TestApp::spawn().await;
    queue(&app).await;
    let reviewer = app.signed_in("reviewer").await;
    let html = app.html(&reviewer, "/filings").await;
    let head = &html[html.find("<thead>").unwrap()..html.find("</thead>").unwrap()];
    assert_eq!(head.matches("办理期限").count(), 1, "{head}");
    assert_eq!(head.matches("期限状态").count(), 1, "{head}");
    assert!(html.contains("id=\"filter-unit\""));

    let submitter = app.signed_in("submitter").await;
    let html = app.html(&submitter, "/filings").await;
    assert!(
        !html.contains("id=\"filter-unit\""),
        "a unit's own filings only"
    );
    assert_eq!(tab_count(&html, "all"), 4);
}
