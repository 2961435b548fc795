//! `TestApp`: one running application per test on its own database, with a fixed clock.
use app::server::demo::{self, DEMO_PASSWORD};
use app::server::use_case::Clock;
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
use server::config::Config;
use server::startup::{Application, connect_and_migrate};
use std::net::SocketAddr;

/// The password of the users tests create (it satisfies the default password policy).
pub const TEST_PASSWORD: &str = "Lantern-ledger-2026";

/// 2026-11-27 09:30 in Shizhu (UTC+8).
/// Where a person lands once signed in, when they were not on their way to a page: their to-do
/// (issue 17, item 1).
pub const HOME: &str = "/todo";

pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 1, 30, 0).unwrap()
}

/// A database of the test's own, SQLite or PostgreSQL.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The test's own attachments folder.
    pub files: tempfile::TempDir,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin_url) => {
                let admin = sea_orm::Database::connect(&admin_url)
                    .await
                    .expect("connecting to TEST_DATABASE_URL");
                let name = format!("registry_test_{}", uuid::Uuid::new_v4().simple());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("creating a test database (the role needs CREATEDB)");
                let base = admin_url
                    .rsplit_once('/')
                    .expect("a database URL has a path")
                    .0;
                TestDb {
                    url: format!("{base}/{name}"),
                    _dir: None,
                    files: tempfile::tempdir().unwrap(),
                }
            }
            None => {
                let dir = tempfile::tempdir().expect("a temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("registry.db").display()
                );
                TestDb {
                    url,
                    _dir: Some(dir),
                    files: tempfile::tempdir().unwrap(),
                }
            }
        }
    }

    pub fn backend(&self) -> &'static str {
        if self.url.starts_with("postgres") {
            "postgres"
        } else {
            "sqlite"
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: DatabaseConnection,
    pub test_db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

pub fn config(test_db: &TestDb) -> Config {
    let mut config = Config::from_env().expect("default configuration");
    config.database_url = test_db.url.clone();
    config.attachments_dir = test_db.files.path().to_path_buf();
    config.site_addr = "127.0.0.1:0".parse().unwrap();
    // The scheduler runs only in the tests about it, so that other tests see only their own events.
    config.reminder_tick = None;
    // Likewise the outbox worker: mail stays queued unless a test starts a worker.
    config.mail.poll = None;
    config.mail.transport = server::mail::MailTransport::Files(test_db.files.path().join("mail"));
    config
}

/// A test's change to the app's configuration.
type Adjustment<'a> = Box<dyn FnOnce(&mut Config) + 'a>;

/// How a test's app is started; every `TestApp::spawn*` goes through it.
pub struct TestAppBuilder<'a> {
    test_db: Option<TestDb>,
    with_demo: bool,
    now: DateTime<Utc>,
    adjust: Vec<Adjustment<'a>>,
    /// The schema owner's connection for the test and another (the application's role) for the app.
    connections: Option<(DatabaseConnection, DatabaseConnection)>,
}

impl<'a> TestAppBuilder<'a> {
    /// On `test_db` (default: a fresh database).
    pub fn on(mut self, test_db: TestDb) -> Self {
        self.test_db = Some(test_db);
        self
    }

    /// Without the demo data (default: with).
    pub fn demo(mut self, with_demo: bool) -> Self {
        self.with_demo = with_demo;
        self
    }

    /// The app's clock stands at `now` (default: [`fixed_now`]).
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    /// The reminder scheduler ticks every `tick` (default: not running).
    pub fn ticking(self, tick: Option<std::time::Duration>) -> Self {
        self.configure(move |config| config.reminder_tick = tick)
    }

    /// The test's own adjustment of the configuration.
    pub fn configure(mut self, adjust: impl FnOnce(&mut Config) + 'a) -> Self {
        self.adjust.push(Box::new(adjust));
        self
    }

    /// The app connects with `app_db` while the test keeps `owner` (which migrated the database).
    pub fn connected(mut self, owner: DatabaseConnection, app_db: DatabaseConnection) -> Self {
        self.connections = Some((owner, app_db));
        self
    }

    pub async fn spawn(self) -> TestApp {
        let test_db = match self.test_db {
            Some(test_db) => test_db,
            None => TestDb::new().await,
        };
        let (db, app_db) = match self.connections {
            Some(connections) => connections,
            None => {
                let db = connect_and_migrate(&test_db.url)
                    .await
                    .expect("migrating the test database");
                if self.with_demo {
                    demo::load(&db, fixed_now())
                        .await
                        .expect("loading demo data");
                }
                (db.clone(), db)
            }
        };
        let mut config = config(&test_db);
        for adjust in self.adjust {
            adjust(&mut config);
        }
        let app = Application::build_with_db(config, app_db, Clock::fixed(self.now))
            .await
            .expect("building the app");
        let addr = app.local_addr();
        let server = tokio::spawn(async move {
            app.run_until_stopped().await.expect("serving");
        });
        TestApp {
            addr,
            db,
            test_db,
            server,
        }
    }
}

impl TestApp {
    /// A test app to be started: fresh database, demo data, the fixed clock, no scheduler.
    pub fn builder<'a>() -> TestAppBuilder<'a> {
        TestAppBuilder {
            test_db: None,
            with_demo: true,
            now: fixed_now(),
            adjust: Vec::new(),
            connections: None,
        }
    }

    /// A running app with the demo data.
    pub async fn spawn() -> TestApp {
        TestApp::builder().spawn().await
    }

    pub async fn spawn_on(test_db: TestDb, with_demo: bool) -> TestApp {
        TestApp::builder().on(test_db).demo(with_demo).spawn().await
    }

    /// A running app whose clock stands at `now`, with the reminder scheduler ticking every `tick`
    /// (none: not running).
    pub async fn spawn_with(
        test_db: TestDb,
        with_demo: bool,
        now: DateTime<Utc>,
        tick: Option<std::time::Duration>,
    ) -> TestApp {
        let builder = TestApp::builder().on(test_db).demo(with_demo).at(now);
        builder.ticking(tick).spawn().await
    }

    /// A running app with the test's own adjustments to the configuration.
    pub async fn spawn_configured(
        test_db: TestDb,
        with_demo: bool,
        now: DateTime<Utc>,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let builder = TestApp::builder().on(test_db).demo(with_demo).at(now);
        builder.configure(adjust).spawn().await
    }

    /// Stops serving and hands back the database, as a server shutdown would.
    pub async fn stop(self) -> TestDb {
        self.server.abort();
        let _ = self.server.await;
        self.db.close().await.ok();
        self.test_db
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            // A stalled page response (Leptos 0.8.23's Suspense wake-up race, fixed upstream in
            // leptos-rs/leptos#4853, not yet released) fails its test instead of hanging the run.
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap()
    }

    pub async fn post_login(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("posting /login")
    }

    /// A client signed in as one of the demo users.
    pub async fn signed_in(&self, username: &str) -> reqwest::Client {
        let client = self.client();
        let response = self.post_login(&client, username, DEMO_PASSWORD).await;
        assert_eq!(response.status(), 303, "signing in as {username}");
        assert_eq!(location(&response), HOME);
        client
    }

    /// The HTML of a page, fetched with `client`.
    pub async fn html(&self, client: &reqwest::Client, path: &str) -> String {
        let response = client.get(self.url(path)).send().await.unwrap();
        response.text().await.unwrap()
    }

    pub async fn count<E>(&self, _entity: E) -> u64
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        E::find().count(&self.db).await.unwrap()
    }

    /// Audit events with this action, oldest first (PostgreSQL returns an unordered query in any order).
    pub async fn audit_actions(
        &self,
        action: &str,
    ) -> Vec<app::server::entities::audit_event::Model> {
        use app::server::entities::audit_event;
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq(action))
            .order_by_asc(audit_event::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
    }

    /// The id of a demo account by its unit code and platform code.
    pub async fn account_id(&self, unit_code: &str, platform_code: &str) -> i32 {
        use app::server::entities::{account, platform, unit};
        use sea_orm::{ColumnTrait, QueryFilter};
        let unit = unit::Entity::find()
            .filter(unit::Column::Code.eq(unit_code))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap();
        let platform = platform::Entity::find()
            .filter(platform::Column::Code.eq(platform_code))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap();
        account::Entity::find()
            .filter(account::Column::HostUnitId.eq(unit.id))
            .filter(account::Column::PlatformId.eq(platform.id))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
            .id
    }
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The text content of the element carrying `data-testid="{id}"` (first match, tags stripped).
pub fn testid_text(html: &str, id: &str) -> Option<String> {
    let marker = format!("data-testid=\"{id}\"");
    let start = html.find(&marker)?;
    let after = &html[start..];
    let open_end = after.find('>')? + 1;
    let rest = &after[open_end..];
    let mut depth = 0usize;
    let mut text = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '<' {
            let tag = &rest[i..];
            if tag.starts_with("</") {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if !tag.starts_with("<!") {
                depth += 1;
            }
            for (_, c) in chars.by_ref() {
                if c == '>' {
                    break;
                }
            }
        } else {
            text.push(c);
        }
    }
    Some(text)
}

impl TestApp {
    /// A demo (or test-created) user as the session layer would resolve them.
    /// The use case of `user` acting now (the fixed test time) from the test's request.
    pub fn case(&self, user: &app::model::SessionUser) -> app::server::use_case::UseCase {
        self.case_at(user, fixed_now())
    }

    /// The use case of `user` acting at `now`.
    pub fn case_at(
        &self,
        user: &app::model::SessionUser,
        now: chrono::DateTime<chrono::Utc>,
    ) -> app::server::use_case::UseCase {
        app::server::use_case::UseCase::new(
            self.db.clone(),
            user.clone(),
            crate::filings::meta().clone(),
            now,
        )
    }

    /// The use case of `username` acting now.
    pub async fn as_user(&self, username: &str) -> app::server::use_case::UseCase {
        let user = self.user(username).await;
        self.case(&user)
    }

    pub async fn user(&self, username: &str) -> app::model::SessionUser {
        use app::server::entities::{unit, user};
        use sea_orm::{ColumnTrait, QueryFilter};
        let u = user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no user {username}"));
        let unit_name = match u.unit_id {
            Some(id) => unit::Entity::find_by_id(id)
                .one(&self.db)
                .await
                .unwrap()
                .map(|x| x.name),
            None => None,
        };
        app::model::SessionUser {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            unit_id: u.unit_id,
            unit_name,
        }
    }

    /// Creates a user with the given role (and unit) through the service operators use, with
    /// [`TEST_PASSWORD`], as if they had already chosen it themselves (no change at first sign-in).
    pub async fn add_user(
        &self,
        username: &str,
        role: &str,
        unit: Option<&str>,
    ) -> app::model::SessionUser {
        use app::server::auth::{NewUser, create_user};
        create_user(
            &self.db,
            &app::server::audit::Actor::operator("test"),
            NewUser {
                username: username.into(),
                display_name: None,
                role: role.into(),
                unit_code: unit.map(str::to_string),
                email: None,
                locale: None,
                password: TEST_PASSWORD.into(),
                must_change_password: false,
            },
            &Default::default(),
            fixed_now(),
        )
        .await
        .unwrap();
        self.user(username).await
    }
}

impl TestApp {
    /// A new API token for `username`, made as `server create-token` makes it: the `write` scope,
    /// valid for the default 90 days from the test clock's time. The secret is in `.token`, the
    /// record in `.view`.
    pub async fn token_for(&self, username: &str) -> app::server::tokens::IssuedToken {
        self.scoped_token_for(username, app::server::tokens::Scope::Write)
            .await
    }

    /// As [`TestApp::token_for`], with the scope given.
    pub async fn scoped_token_for(
        &self,
        username: &str,
        scope: app::server::tokens::Scope,
    ) -> app::server::tokens::IssuedToken {
        app::server::tokens::create(
            &self.db,
            &app::server::audit::Actor::operator("test"),
            username,
            &app::server::tokens::TokenRequest {
                name: "test".into(),
                scope,
                expires_days: Some(app::server::tokens::DEFAULT_EXPIRES_DAYS),
            },
            fixed_now(),
        )
        .await
        .unwrap_or_else(|e| panic!("creating a token for {username}: {e}"))
    }

    /// A script's client: sends `Authorization: Bearer {token}` on every request, keeps no cookies
    /// and does not follow redirects.
    pub fn bearer_client(&self, token: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
            .expect("a token is a valid header value");
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
        reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap()
    }
}

/// A user's stored row, by username.
pub async fn person(app: &TestApp, username: &str) -> app::server::entities::user::Model {
    use app::server::entities::user;
    use sea_orm::{ColumnTrait, QueryFilter};
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no user {username}"))
}

/// How many sessions a user has (full or half).
pub async fn sessions_of(app: &TestApp, user_id: i32) -> u64 {
    use app::server::entities::session;
    use sea_orm::{ColumnTrait, QueryFilter};
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .count(&app.db)
        .await
        .unwrap()
}

impl TestApp {
    /// A running app whose own connection is `app_db` (the application's database role, issue 15)
    /// while `owner` (the schema owner's connection, which migrated the database) is the test's
    /// `db`: demo data, fixed clock.
    pub async fn spawn_connected(
        test_db: TestDb,
        owner: DatabaseConnection,
        app_db: DatabaseConnection,
    ) -> TestApp {
        let builder = TestApp::builder().on(test_db).connected(owner, app_db);
        builder.spawn().await
    }
}

/// Posts a page's form to a server function as a browser does; the redirect's target.
pub async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> Landing {
    let response = client
        .post(app.url(path))
        .header("accept", "text/html")
        .form(form)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_redirection(),
        "{path}: {}",
        response.status()
    );
    Landing::of(&response)
}

/// Where a form post's redirect goes, and what it handed that page in the flash cookie (issue 17,
/// item 3). Reads as its location.
#[derive(Debug, Clone)]
pub struct Landing {
    pub location: String,
    pub flash: Option<app::model::Flash>,
}

impl Landing {
    pub fn of(response: &reqwest::Response) -> Landing {
        Landing {
            location: location(response),
            flash: flash_of(response),
        }
    }
}

impl std::ops::Deref for Landing {
    type Target = str;
    fn deref(&self) -> &str {
        &self.location
    }
}

impl std::fmt::Display for Landing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (flash: {:?})", self.location, self.flash)
    }
}

impl PartialEq<&str> for Landing {
    fn eq(&self, other: &&str) -> bool {
        self.location == *other
    }
}

/// The flash a response hands to the page it redirects to (none when it sets none, or clears it).
pub fn flash_of(response: &reqwest::Response) -> Option<app::model::Flash> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.trim().strip_prefix("flash="))
        .filter(|value| !value.is_empty())
        .find_map(app::model::Flash::from_cookie)
}

/// The error a form post handed to the page it redirected to.
pub fn error_in(_app: &TestApp, landing: &Landing) -> Option<app::error::AppError> {
    landing.flash.clone()?.error
}

/// A workbook cell as the CSV export spells the same value: text as it is, whole numbers without
/// a decimal point, dates `YYYY-MM-DD` and times `YYYY-MM-DD HH:MM`.
pub fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(n) if n.fract() == 0.0 => format!("{n:.0}"),
        Data::DateTime(d) => {
            // Days since Excel's epoch, to the nearest minute (a serial is a binary fraction).
            let minutes = (d.as_f64() * 1440.0).round() as i64;
            let at = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                + chrono::Duration::minutes(minutes);
            if minutes % 1440 == 0 {
                at.format("%Y-%m-%d").to_string()
            } else {
                at.format("%Y-%m-%d %H:%M").to_string()
            }
        }
        other => other.to_string(),
    }
}

/// Every sheet of a workbook, by name, as rows of text ([`cell_text`]).
pub fn xlsx_sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::Reader;
    let mut book =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a readable workbook");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|row| row.iter().map(cell_text).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

/// The rows of a workbook's first sheet, as text ([`cell_text`]).
pub fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    xlsx_sheets(bytes).swap_remove(0).1
}
