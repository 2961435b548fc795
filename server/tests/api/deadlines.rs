//! The deadline clock on the real database (Art. 11, Art. 29): review periods, deadline statuses,
//! the dashboard, settings, calendar changes that move open deadlines, and the reminder scheduler
//! with a fixed clock.
use crate::arrange::draft;
use crate::arrange::open_form;
use crate::helpers::{Landing, TestApp, TestDb, fixed_now, location, testid_text};
use app::domain::calendar::china_date;
use app::domain::deadline::{DeadlineStatus, Settings};
use app::domain::filing::{FilingKind, FilingState, Refusal};
use app::domain::queue::FilingQuery;
use app::error::{AppError, CalendarProblem, Problem};
use app::model::SessionUser;
use app::server::entities::{account, filing, reminder, review_period};
use app::server::reminders::{self, Run};
use app::server::{
    account_entry, calendar, deadlines, filing_queue, filing_views, filings, registry,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::time::Duration;

/// An instant given as China Standard Time.
fn china(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap() - chrono::Duration::hours(8)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// An open request for `platform`, drafted early enough to be submitted at `at`.
async fn submit_at(
    app: &TestApp,
    who: &SessionUser,
    platform: &str,
    at: DateTime<Utc>,
) -> filing::Model {
    let mut form = open_form(&format!("石柱教育{platform}"));
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

async fn periods(app: &TestApp, filing_id: i32) -> Vec<review_period::Model> {
    review_period::Entity::find()
        .filter(review_period::Column::FilingId.eq(filing_id))
        .order_by_asc(review_period::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_return_stops_the_clock_and_a_resubmission_starts_a_new_period_both_kept() {
    let app = TestApp::spawn().await;
    let (submitter, reviewer) = (app.user("submitter").await, app.user("reviewer").await);
    // Received Friday 2026-11-27: due the third working day after, Wednesday 12-02.
    let f = submit_at(&app, &submitter, "weibo", fixed_now()).await;
    assert_eq!(f.due_on, Some(day(2026, 12, 2)));

    filings::return_for_correction(
        &app.case_at(&reviewer, china(2026, 11, 28, 10, 0)),
        f.id,
        "补充材料",
    )
    .await
    .unwrap();
    let resubmitted = filings::submit(&app.case_at(&submitter, china(2026, 11, 30, 10, 0)), f.id)
        .await
        .unwrap();
    // Received again Monday 11-30: a new period, due Thursday 12-03.
    assert_eq!(resubmitted.due_on, Some(day(2026, 12, 3)));
    filings::approve(&app.case_at(&reviewer, china(2026, 12, 4, 10, 0)), f.id, "")
        .await
        .unwrap();

    let all = periods(&app, f.id).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].due_on, day(2026, 12, 2));
    assert_eq!(all[0].outcome, Some(FilingState::Returned));
    assert_eq!(all[0].closed_at, Some(china(2026, 11, 28, 10, 0)));
    assert_eq!(all[1].due_on, day(2026, 12, 3));
    assert_eq!(all[1].outcome, Some(FilingState::Approved));
    assert!(all.iter().all(|p| p.working_days == 3));

    // On the filing page: the return was on time, the approval a day late.
    let detail = filing_views::detail(&app.case_at(&reviewer, china(2026, 12, 4, 11, 0)), f.id)
        .await
        .unwrap();
    let statuses: Vec<_> = detail.periods.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses,
        [DeadlineStatus::DecidedOnTime, DeadlineStatus::DecidedLate]
    );
    assert_eq!(detail.periods[0].outcome, Some(FilingState::Returned));

    // The dashboard counts decisions by the month they were made in.
    let now = china(2026, 12, 4, 11, 0);
    let rows = filing_views::under_review(&app.case_at(&reviewer, now))
        .await
        .unwrap();
    let dashboard = deadlines::dashboard(&app.case_at(&reviewer, now), rows)
        .await
        .unwrap();
    let months: Vec<_> = dashboard
        .months
        .iter()
        .map(|m| (m.year, m.month, m.decided, m.on_time, m.on_time_percent()))
        .collect();
    assert_eq!(
        months,
        [
            (2026, 12, 1, 0, Some("0.0%".to_string())),
            (2026, 11, 1, 1, Some("100.0%".to_string())),
        ]
    );
    let count = |s| dashboard.counts.iter().find(|(x, _)| *x == s).unwrap().1;
    assert_eq!(count(DeadlineStatus::DecidedLate), 1);
    assert_eq!(
        count(DeadlineStatus::DecidedOnTime),
        0,
        "the return was in November"
    );
}

#[tokio::test]
async fn the_queue_is_sorted_by_due_date_with_the_status_of_each_day() {
    let app = TestApp::spawn().await;
    let (submitter, reviewer) = (app.user("submitter").await, app.user("reviewer").await);
    let early = submit_at(&app, &submitter, "weibo", fixed_now()).await; // due 12-02
    let later = submit_at(&app, &submitter, "kuaishou", china(2026, 11, 30, 9, 0)).await; // due 12-03
    assert_eq!(later.due_on, Some(day(2026, 12, 3)));

    let status_on = |rows: &[app::model::FilingRow], id: i32| {
        rows.iter().find(|r| r.id == id).unwrap().deadline.unwrap()
    };
    let rows = filing_queue::list(
        &app.case_at(&reviewer, china(2026, 12, 1, 9, 0)),
        &FilingQuery::default(),
    )
    .await
    .unwrap()
    .rows;
    assert_eq!(
        rows[0].id, early.id,
        "soonest due first, though filed first"
    );
    assert_eq!(rows[1].id, later.id);
    assert_eq!(status_on(&rows, early.id), DeadlineStatus::OnTime);

    let rows = filing_queue::list(
        &app.case_at(&reviewer, china(2026, 12, 2, 23, 59)),
        &FilingQuery::default(),
    )
    .await
    .unwrap()
    .rows;
    assert_eq!(status_on(&rows, early.id), DeadlineStatus::DueToday);
    assert_eq!(status_on(&rows, later.id), DeadlineStatus::OnTime);

    let rows = filing_queue::list(
        &app.case_at(&reviewer, china(2026, 12, 3, 0, 0)),
        &FilingQuery::default(),
    )
    .await
    .unwrap()
    .rows;
    assert_eq!(status_on(&rows, early.id), DeadlineStatus::Overdue);
    assert_eq!(status_on(&rows, later.id), DeadlineStatus::DueToday);

    // The page shows the badges.
    let client = app.signed_in("reviewer").await;
    let html = app.html(&client, "/filings").await;
    assert!(html.contains(r#"data-status="on_time""#), "{html}");
    let html = app.html(&client, "/dashboard").await;
    assert_eq!(
        testid_text(&html, "count-on_time").as_deref(),
        Some("期限内2")
    );
}

#[tokio::test]
async fn the_working_days_are_a_setting_that_applies_to_filings_received_afterwards() {
    let app = TestApp::spawn().await;
    let (submitter, admin, reviewer) = (
        app.user("submitter").await,
        app.user("admin").await,
        app.user("reviewer").await,
    );
    let before = submit_at(&app, &submitter, "weibo", fixed_now()).await;
    let five = Settings {
        review_working_days: 5,
        ..Settings::default()
    };

    let refused = deadlines::save_settings(&app.case(&reviewer), five).await;
    assert_eq!(refused, Err(AppError::Refused(Refusal::WrongRole)));
    let zero = Settings {
        review_working_days: 0,
        ..Settings::default()
    };
    let invalid = deadlines::save_settings(&app.case(&admin), zero).await;
    assert_eq!(
        invalid,
        Err(AppError::invalid(
            "review_working_days",
            Problem::OutOfRange
        ))
    );
    assert_eq!(
        deadlines::settings(&app.db).await.unwrap(),
        Settings::default()
    );

    deadlines::save_settings(&app.case(&admin), five)
        .await
        .unwrap();
    assert_eq!(app.audit_actions("settings.updated").await.len(), 1);
    // The same figures sent again (a resent form) change nothing and record nothing.
    deadlines::save_settings(&app.case(&admin), five)
        .await
        .unwrap();
    assert_eq!(app.audit_actions("settings.updated").await.len(), 1);
    // Friday 11-27 + 5 working days: 11-30 … 12-04.
    let after = submit_at(&app, &submitter, "kuaishou", fixed_now()).await;
    assert_eq!(after.due_on, Some(day(2026, 12, 4)));
    let unchanged = filing::Entity::find_by_id(before.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.due_on, Some(day(2026, 12, 2)));

    // The settings form: a figure that is not a number comes back as an error; nothing changes.
    let client = app.signed_in("admin").await;
    let response = client
        .post(app.url("/api/settings_save"))
        .header("accept", "text/html")
        .form(&[
            ("review_working_days", "abc"),
            ("reminder_hour", "9"),
            ("password_rotation_days", "90"),
        ])
        .send()
        .await
        .unwrap();
    let target = refused_to_calendar(&response);
    assert_eq!(deadlines::settings(&app.db).await.unwrap(), five);
    let html = app.html(&client, &target).await;
    assert!(
        html.replace("<!>", "")
            .contains("审核期限（工作日，第十一条）：数值不在允许范围内。"),
        "the error names the field"
    );
    let response = client
        .post(app.url("/api/settings_save"))
        .header("accept", "text/html")
        .form(&[
            ("review_working_days", "4"),
            ("reminder_hour", "8"),
            ("password_rotation_days", "60"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/admin/calendar");
    let saved = deadlines::settings(&app.db).await.unwrap();
    assert_eq!(
        (
            saved.review_working_days,
            saved.reminder_hour,
            saved.password_rotation_days
        ),
        (4, 8, 60)
    );

    // The database holds the bounds too.
    use sea_orm::ConnectionTrait;
    let out_of_bounds = app
        .db
        .execute_unprepared("UPDATE settings SET reminder_hour = 24 WHERE id = 1")
        .await;
    assert!(out_of_bounds.is_err(), "the CHECK constraint refuses 24");
}

/// 2027 as an administrator types it (test data, not the State Council's notice).
const YEAR_2027: &str = "# 2027 test notice\n2027-01-01 holiday 元旦\n2027-02-06 班 春节调休\n";

#[tokio::test]
async fn adding_the_next_year_recomputes_the_provisional_deadlines_that_reach_into_it() {
    let app = TestApp::spawn().await;
    let (submitter, admin) = (app.user("submitter").await, app.user("admin").await);
    // Received Wednesday 2026-12-30: 12-31, then 2027 without data counts Friday 01-01 as worked.
    let f = submit_at(&app, &submitter, "weibo", china(2026, 12, 30, 10, 0)).await;
    assert_eq!(f.due_on, Some(day(2027, 1, 4)));
    assert!(f.due_provisional);

    // A typing error is refused with its line, and changes nothing.
    let bad = calendar::read_input(
        "2027",
        "test notice",
        "# 2027\n2027-01-04 workday 调休\n",
        None,
    );
    assert_eq!(
        bad,
        Err(AppError::Calendar {
            line: Some(2),
            problem: CalendarProblem::MakeupDayOnWeekday {
                date: "2027-01-04".into()
            }
        })
    );
    for (year, source, text, field, problem) in [
        ("", "n", YEAR_2027, "year", Problem::Required),
        ("abc", "n", YEAR_2027, "year", Problem::OutOfRange),
        ("1999", "n", YEAR_2027, "year", Problem::OutOfRange),
        ("2027", " ", YEAR_2027, "source", Problem::Required),
    ] {
        assert_eq!(
            calendar::read_input(year, source, text, None),
            Err(AppError::invalid(field, problem)),
            "{year:?} {source:?}"
        );
    }
    assert_eq!(
        calendar::read_input("2027", "n", "  \n", Some(b"")),
        Err(AppError::Calendar {
            line: None,
            problem: CalendarProblem::Empty
        })
    );
    assert_eq!(
        calendar::read_input("2027", "n", "", Some(&[0xff, 0xfe, 0x00])),
        Err(AppError::Calendar {
            line: None,
            problem: CalendarProblem::NotText
        })
    );
    let year = calendar::read_input("2027", "test notice", YEAR_2027, None).unwrap();
    let refused = calendar::save_year(&app.case(&submitter), year.clone()).await;
    assert_eq!(refused, Err(AppError::Refused(Refusal::WrongRole)));

    let moved = calendar::save_year(&app.case(&admin), year.clone())
        .await
        .unwrap();
    assert_eq!(moved, 1);
    let after = filing::Entity::find_by_id(f.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.due_on,
        Some(day(2027, 1, 5)),
        "01-01 is a holiday now"
    );
    assert!(!after.due_provisional);
    assert_eq!(periods(&app, f.id).await[0].due_on, day(2027, 1, 5));
    let recomputed = app.audit_actions("filing.deadline_recomputed").await;
    assert_eq!(recomputed.len(), 1);
    assert!(
        recomputed[0]
            .after
            .as_deref()
            .unwrap()
            .contains("2027-01-05")
    );
    assert_eq!(app.audit_actions("calendar.year_saved").await.len(), 1);

    // Saving the same year again changes nothing and records nothing.
    let again = calendar::save_year(&app.case(&admin), year).await;
    assert_eq!(again, Ok(0));
    assert_eq!(app.audit_actions("calendar.year_saved").await.len(), 1);
}

#[tokio::test]
async fn administrators_upload_a_year_as_csv_or_json_and_errors_come_back_to_the_form() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let post = |client: reqwest::Client, name: &'static str, bytes: Vec<u8>| {
        let url = app.url("/admin/calendar");
        async move {
            let form = reqwest::multipart::Form::new()
                .text("year", "2027")
                .text("source", "国务院办公厅关于2027年部分节假日安排的通知")
                .text("text", "")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name(name),
                );
            client.post(url).multipart(form).send().await.unwrap()
        }
    };
    // A spreadsheet's CSV export, with its byte-order mark.
    let csv = "\u{feff}2027-01-01,holiday,元旦\r\n2027-02-06,workday,春节调休\r\n";
    let response = post(admin.clone(), "2027.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/calendar?saved=2027&moved=0");
    let html = app.html(&admin, "/admin/calendar").await;
    assert!(html.contains(r#"data-year="2027""#));

    // JSON for another year than the form's is refused, with the reason.
    let json = r#"{"year":2028,"source":"x","holidays":{"2028-01-03":"元旦"},"makeup_days":{}}"#;
    let response = post(admin.clone(), "2028.json", json.as_bytes().to_vec()).await;
    let target = refused_to_calendar(&response);
    let html = app.html(&admin, &target).await;
    assert!(html.contains("2028"), "the error names the file's year");

    // The same JSON for 2027 replaces the year.
    let json = r#"{"year":2027,"source":"x","holidays":{"2027-01-01":"元旦","2027-02-08":"春节"},"makeup_days":{}}"#;
    let response = post(admin.clone(), "2027.json", json.as_bytes().to_vec()).await;
    assert_eq!(location(&response), "/admin/calendar?saved=2027&moved=0");
    let year = calendar::admin_view(&app.db)
        .await
        .unwrap()
        .years
        .into_iter()
        .find(|y| y.year == 2027)
        .unwrap();
    assert_eq!((year.holidays, year.makeup_days), (2, 0));

    // A file over the form's limit is refused as such.
    let huge = vec![b'#'; 1024 * 1024 + 1];
    let response = post(admin.clone(), "huge.csv", huge).await;
    let error: AppError = Landing::of(&response).flash.unwrap().error.unwrap();
    assert_eq!(
        error,
        AppError::Calendar {
            line: None,
            problem: CalendarProblem::TooLarge
        }
    );

    // Reviewers read the calendar but may not change it.
    let reviewer = app.signed_in("reviewer").await;
    let response = post(reviewer, "2027.csv", csv.as_bytes().to_vec()).await;
    refused_to_calendar(&response);
    assert_eq!(app.audit_actions("calendar.year_saved").await.len(), 2);
}

/// A refused calendar or settings form goes back to the calendar page with its error in the
/// flash; the address it lands on.
fn refused_to_calendar(response: &reqwest::Response) -> String {
    let landing = Landing::of(response);
    assert!(landing.starts_with("/admin/calendar"), "{landing}");
    assert!(
        landing.flash.as_ref().is_some_and(|f| f.error.is_some()),
        "{landing}"
    );
    landing.location
}

async fn reminders_of(app: &TestApp) -> Vec<reminder::Model> {
    reminder::Entity::find()
        .order_by_asc(reminder::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn reminders_are_queued_on_working_days_from_the_office_hour_and_never_on_holidays() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    // Received Monday 2026-09-28: 09-29, 09-30, then the National Day holidays; due Thursday 10-08.
    let f = submit_at(&app, &submitter, "weibo", china(2026, 9, 28, 10, 0)).await;
    assert_eq!(f.due_on, Some(day(2026, 10, 8)));

    // A holiday, and the weekend after it: nothing.
    for at in [
        china(2026, 10, 1, 10, 0),
        china(2026, 10, 7, 16, 0),
        china(2026, 10, 11, 10, 0),
    ] {
        assert_eq!(
            reminders::run(&app.db, at).await.unwrap(),
            Run::NotWorkingDay
        );
    }
    assert_eq!(
        reminders::run(&app.db, china(2026, 10, 8, 8, 59))
            .await
            .unwrap(),
        Run::BeforeOfficeHour
    );
    assert!(reminders_of(&app).await.is_empty());

    // The due date, at 09:00: one reminder for the county office; the same day again: none.
    assert_eq!(
        reminders::run(&app.db, china(2026, 10, 8, 9, 0))
            .await
            .unwrap(),
        Run::Queued(1)
    );
    assert_eq!(
        reminders::run(&app.db, china(2026, 10, 8, 15, 0))
            .await
            .unwrap(),
        Run::Queued(0)
    );
    // Saturday 10-10 is a makeup working day: the filing is overdue.
    assert_eq!(
        reminders::run(&app.db, china(2026, 10, 10, 9, 30))
            .await
            .unwrap(),
        Run::Queued(1)
    );
    let queued = reminders_of(&app).await;
    let seen: Vec<_> = queued
        .iter()
        .map(|r| (r.kind.as_str(), r.on_day, r.filing_id))
        .collect();
    assert_eq!(
        seen,
        [
            ("filing_due_today", day(2026, 10, 8), Some(f.id)),
            ("filing_overdue", day(2026, 10, 10), Some(f.id)),
        ]
    );
    assert_eq!(app.audit_actions("reminder.queued").await.len(), 2);

    // Read on the reminders page by the county office, and by the filing's own unit.
    for who in ["reviewer", "submitter"] {
        let html = app.html(&app.signed_in(who).await, "/reminders").await;
        assert_eq!(
            html.matches(r#"data-testid="reminder""#).count(),
            2,
            "{who}"
        );
        assert!(html.contains(&f.number));
    }
    // Another unit's submitter does not see them.
    let other = app
        .add_user("security-clerk", "submitter", Some("public-security"))
        .await;
    assert!(reminders::list(&app.case(&other)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_restarted_server_does_not_repeat_the_days_reminders() {
    let test_db = TestDb::new().await;
    let app = TestApp::spawn_on(test_db, true).await;
    let submitter = app.user("submitter").await;
    let f = submit_at(&app, &submitter, "weibo", fixed_now()).await; // due Wednesday 12-02
    let test_db = app.stop().await;

    let tick = Some(Duration::from_millis(20));
    let due_day = china(2026, 12, 2, 9, 30);
    let app = TestApp::spawn_with(test_db, false, due_day, tick).await;
    let first = wait_for_reminders(&app, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await; // many more ticks
    assert_eq!(reminders_of(&app).await.len(), first);
    let test_db = app.stop().await;

    // Restarted the same afternoon: the scheduler runs at start and on every tick, and adds nothing.
    let app = TestApp::spawn_with(test_db, false, due_day + chrono::Duration::hours(6), tick).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let after_restart = reminders_of(&app).await;
    assert_eq!(after_restart.len(), first);
    assert_eq!(app.audit_actions("reminder.queued").await.len(), first);
    let for_filing: Vec<_> = after_restart
        .iter()
        .filter(|r| r.filing_id == Some(f.id))
        .collect();
    assert_eq!(for_filing.len(), 1);
    assert_eq!(for_filing[0].kind, "filing_due_today");
    let test_db = app.stop().await;

    // The next working day the still-open filing is overdue: one new reminder for it.
    let app = TestApp::spawn_with(test_db, false, china(2026, 12, 3, 9, 30), tick).await;
    wait_for_reminders(&app, first + 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let next_day: Vec<_> = reminders_of(&app)
        .await
        .into_iter()
        .filter(|r| r.on_day == day(2026, 12, 3))
        .collect();
    assert_eq!(next_day.len(), 1, "rotation reminders go out once a week");
    assert_eq!(next_day[0].kind, "filing_overdue");
    app.stop().await;
}

/// Waits (at most 10 s) until at least `n` reminders are queued; returns how many there are.
async fn wait_for_reminders(app: &TestApp, n: usize) -> usize {
    for _ in 0..500 {
        let count = reminder::Entity::find().count(&app.db).await.unwrap() as usize;
        if count >= n {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the scheduler queued fewer than {n} reminders in 10 s");
}

/// Accounts in use whose password rotation is overdue on `day` (the default 90 days).
async fn overdue_on(app: &TestApp, day: NaiveDate) -> Vec<account::Model> {
    account::Entity::find()
        .filter(account::Column::Status.ne("deregistered"))
        .order_by_asc(account::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| {
            a.password_rotated_on
                .is_none_or(|d| (day - d).num_days() > 90)
        })
        .collect()
}

/// How many units have an overdue rotation on `day`.
async fn units_overdue_on(app: &TestApp, day: NaiveDate) -> u32 {
    let units: std::collections::BTreeSet<i32> = overdue_on(app, day)
        .await
        .iter()
        .map(|a| a.host_unit_id)
        .collect();
    units.len() as u32
}

#[tokio::test]
async fn overdue_password_rotations_are_flagged_recorded_and_reminded_to_their_unit_weekly() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await; // education
    let now = fixed_now();
    let overdue = overdue_on(&app, china_date(now)).await;
    assert!(!overdue.is_empty(), "the demo data has overdue rotations");

    // The registry counts and flags them, and filters on them.
    let query = app::domain::RegistryQuery {
        rotation_overdue: true,
        per_page: 100,
        page: 1,
        ..Default::default()
    };
    let view = registry::page(&app.case_at(&submitter, now), &query)
        .await
        .unwrap();
    assert_eq!(view.total, overdue.len() as u64);
    assert_eq!(view.rotation_overdue, overdue.len() as u64);
    assert!(view.rows.iter().all(|r| r.rotation_overdue));
    let client = app.signed_in("submitter").await;
    let html = app.html(&client, "/?rotation=overdue&per_page=100").await;
    assert_eq!(
        html.matches(r#"data-testid="rotation-flag""#).count(),
        overdue.len()
    );

    // Monday 11-30: one reminder per unit with overdue rotations; Tuesday: none.
    let expected = units_overdue_on(&app, day(2026, 11, 30)).await;
    let monday = reminders::run(&app.db, china(2026, 11, 30, 9, 0)).await;
    assert_eq!(monday.unwrap(), Run::Queued(expected));
    let tuesday = reminders::run(&app.db, china(2026, 12, 1, 9, 0)).await;
    assert_eq!(tuesday.unwrap(), Run::Queued(0));

    // The unit records a rotation of one of its own accounts: the flag goes.
    let own = overdue
        .iter()
        .find(|a| Some(a.host_unit_id) == submitter.unit_id)
        .expect("education has an overdue rotation in the demo data");
    let other = overdue
        .iter()
        .find(|a| Some(a.host_unit_id) != submitter.unit_id)
        .unwrap();
    let refused =
        account_entry::record_rotation(&app.case_at(&submitter, now), other.id, "2026-11-26").await;
    assert_eq!(refused, Err(AppError::Forbidden));
    let before_opening =
        account_entry::record_rotation(&app.case_at(&submitter, now), own.id, "2000-01-01").await;
    assert_eq!(
        before_opening,
        Err(AppError::invalid("rotated_on", Problem::BeforeOpening))
    );
    let malformed =
        account_entry::record_rotation(&app.case_at(&submitter, now), own.id, "26.11.2026").await;
    assert_eq!(
        malformed,
        Err(AppError::invalid("rotated_on", Problem::BadDate))
    );
    let deregistered = account::Entity::find()
        .filter(account::Column::Status.eq("deregistered"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let admin = app.user("admin").await;
    let closed =
        account_entry::record_rotation(&app.case_at(&admin, now), deregistered.id, "2026-11-26")
            .await;
    assert_eq!(closed, Err(AppError::Refused(Refusal::WrongState)));
    let future =
        account_entry::record_rotation(&app.case_at(&submitter, now), own.id, "2026-11-28").await;
    assert_eq!(
        future,
        Err(AppError::invalid("rotated_on", Problem::FutureDate))
    );
    let id = own.id.to_string();
    let response = client
        .post(app.url("/api/rotation_record"))
        .header("accept", "text/html")
        .form(&[("id", id.as_str()), ("rotated_on", "2026-11-26")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), format!("/accounts/{id}"));
    let detail = account_entry::detail(&app.case_at(&submitter, now), own.id)
        .await
        .unwrap();
    assert_eq!(detail.password_rotated_on, Some(day(2026, 11, 26)));
    assert!(!detail.rotation_overdue);
    // The same form sent again records nothing more.
    let resent =
        account_entry::record_rotation(&app.case_at(&submitter, now), own.id, "2026-11-26").await;
    assert_eq!(resent, Ok(()));
    let events = app.audit_actions("account.password_rotated").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].entity_id.as_deref(), Some(id.as_str()));

    // The next Monday the units hear again, about the accounts still overdue.
    let expected = units_overdue_on(&app, day(2026, 12, 7)).await;
    let next_monday = reminders::run(&app.db, china(2026, 12, 7, 9, 0)).await;
    assert_eq!(next_monday.unwrap(), Run::Queued(expected));
    let latest = reminder::Entity::find()
        .filter(reminder::Column::OnDay.eq(day(2026, 12, 7)))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        latest
            .iter()
            .all(|r| !r.details.contains(&format!("\"id\":{id},"))),
        "the rotated account is not in them"
    );
    // A unit reads its own reminders only.
    let mine = reminders::list(&app.case(&submitter)).await.unwrap();
    let unit_name = submitter.unit_name.clone().unwrap();
    assert!(mine.iter().all(|r| r.unit_name == unit_name));
    assert!(mine.iter().any(|r| r.kind == "password_rotation"));
}
