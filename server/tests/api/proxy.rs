//! Behind the county's reverse proxy (issue 15): the client's address comes from
//! `X-Forwarded-For` only when the TCP peer is a trusted proxy (`TRUSTED_PROXIES`), audit events
//! keep the client and the proxy, and the limits on sign-in count clients, usernames and bad bearer
//! tokens apart. The last test puts Debian's nginx in front of the app, as the county does.
use crate::helpers::{HOME, TestApp, TestDb, fixed_now, location};
use app::server::demo::DEMO_PASSWORD;
use server::client_addr::{ForwardedHeader, TrustedProxies};
use server::config::Config;
use server::rate_limit::RateConfig;
use std::net::{IpAddr, SocketAddr};

/// Three attempts per address (and per username, unless a test says otherwise), then one a minute.
fn strict(config: &mut Config) {
    config.auth_rate = RateConfig {
        per_minute: 1,
        burst: 3,
    };
    config.auth_user_rate = RateConfig {
        per_minute: 1,
        burst: 100,
    };
}

fn trusting_loopback(config: &mut Config) {
    config.trusted_proxies =
        TrustedProxies::parse("127.0.0.1", ForwardedHeader::XForwardedFor).unwrap();
}

/// A sign-in as `username` whose request says it was forwarded for `forwarded_for`.
async fn sign_in_forwarded(
    app: &TestApp,
    username: &str,
    password: &str,
    forwarded_for: &str,
) -> reqwest::Response {
    app.client()
        .post(app.url("/login"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("username", username),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap()
}

/// The latest audit event with `action`.
async fn latest(app: &TestApp, action: &str) -> app::server::entities::audit_event::Model {
    let mut events = app.audit_actions(action).await;
    events.sort_by_key(|e| e.id);
    events.pop().unwrap_or_else(|| panic!("no {action} event"))
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_for_header_is_ignored_by_the_audit_and_the_limiter() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        strict(config)
    })
    .await;

    let signed_in = sign_in_forwarded(&app, "reviewer", DEMO_PASSWORD, "203.0.113.7").await;

    assert_eq!(location(&signed_in), HOME);
    let event = latest(&app, "auth.signed_in").await;
    assert_eq!(event.source_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(event.peer_ip, None);
    // A fresh forged address for every attempt buys nothing: they all count against the peer.
    for forged in ["203.0.113.8", "203.0.113.9"] {
        let wrong = sign_in_forwarded(&app, "reviewer", "not-the-password", forged).await;
        assert_eq!(wrong.status(), 303);
    }
    let refused = sign_in_forwarded(&app, "reviewer", DEMO_PASSWORD, "203.0.113.10").await;
    assert_eq!(refused.status(), 429);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_audit_records_the_forwarded_client_and_the_proxy() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        trusting_loopback(config)
    })
    .await;

    // What a client wrote itself stands left of what the proxy appended, and is not believed.
    let response =
        sign_in_forwarded(&app, "reviewer", DEMO_PASSWORD, "192.0.2.66, 203.0.113.7").await;

    assert_eq!(location(&response), HOME);
    let event = latest(&app, "auth.signed_in").await;
    assert_eq!(event.source_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(event.peer_ip.as_deref(), Some("127.0.0.1"));
    // A failed sign-in too, and the chain, with the proxy in it, still verifies.
    sign_in_forwarded(&app, "reviewer", "not-the-password", "2001:db8::7").await;
    let failed = latest(&app, "auth.sign_in_failed").await;
    assert_eq!(failed.source_ip.as_deref(), Some("2001:db8::7"));
    assert_eq!(failed.peer_ip.as_deref(), Some("127.0.0.1"));
    assert!(matches!(
        app::server::audit::verify(&app.db).await.unwrap(),
        app::server::audit::ChainCheck::Intact { .. }
    ));
    // A malformed header leaves the peer, which is then the client: no proxy to record.
    sign_in_forwarded(&app, "reviewer", "not-the-password", "not-an-address").await;
    let failed = latest(&app, "auth.sign_in_failed").await;
    assert_eq!(failed.source_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(failed.peer_ip, None);
}

#[tokio::test]
async fn the_auditor_sees_the_proxy_beside_the_client_on_the_trail_and_in_its_export() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        trusting_loopback(config)
    })
    .await;
    sign_in_forwarded(&app, "reviewer", "not-the-password", "203.0.113.7").await;
    let auditor = app.signed_in("auditor").await;

    let html = app
        .html(&auditor, "/audit?action=auth.sign_in_failed")
        .await;
    let csv = auditor
        .get(app.url("/exports/audit.csv?action=auth.sign_in_failed&lang=en"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    assert!(html.contains("203.0.113.7"), "{html}");
    let proxy = crate::helpers::testid_text(&html, "audit-proxy").expect("the proxy is shown");
    assert!(proxy.contains("127.0.0.1"), "{proxy}");
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[column("Source address")], "203.0.113.7");
    assert_eq!(&row[column("Via proxy")], "127.0.0.1");
}

#[tokio::test]
async fn two_clients_behind_one_proxy_have_separate_sign_in_allowances() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        strict(config);
        trusting_loopback(config);
    })
    .await;
    for _ in 0..3 {
        let wrong = sign_in_forwarded(&app, "reviewer", "not-the-password", "203.0.113.7").await;
        assert_eq!(wrong.status(), 303);
    }
    let refused = sign_in_forwarded(&app, "reviewer", DEMO_PASSWORD, "203.0.113.7").await;
    assert_eq!(refused.status(), 429);

    let other = sign_in_forwarded(&app, "reviewer", DEMO_PASSWORD, "203.0.113.8").await;

    assert_eq!(location(&other), HOME);
}

#[tokio::test]
async fn an_ipv6_client_is_counted_by_its_slash_64() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        strict(config);
        trusting_loopback(config);
    })
    .await;
    for address in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"] {
        let wrong = sign_in_forwarded(&app, "reviewer", "not-the-password", address).await;
        assert_eq!(wrong.status(), 303);
    }

    let same_network = sign_in_forwarded(&app, "reviewer", DEMO_PASSWORD, "2001:db8:1:2::4").await;
    let next_network = sign_in_forwarded(&app, "reviewer", DEMO_PASSWORD, "2001:db8:1:3::1").await;

    assert_eq!(same_network.status(), 429);
    assert_eq!(location(&next_network), HOME);
}

#[tokio::test]
async fn bad_bearer_tokens_do_not_use_up_the_sign_in_allowance_of_their_address() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        strict(config)
    })
    .await;
    let forged = app.bearer_client("rgt_forged");
    for _ in 0..3 {
        let response = forged.get(app.url("/api/v1/units")).send().await.unwrap();
        assert_eq!(response.status(), 401);
    }
    let limited = forged.get(app.url("/api/v1/units")).send().await.unwrap();
    assert_eq!(limited.status(), 429, "the script is held back");

    let person = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;

    assert_eq!(
        location(&person),
        HOME,
        "people at its address still sign in"
    );
}

#[tokio::test]
async fn one_username_is_limited_whatever_addresses_the_attempts_come_from() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        trusting_loopback(config);
        config.auth_user_rate = RateConfig {
            per_minute: 1,
            burst: 3,
        };
    })
    .await;
    // The username as attempted, in any case and spacing, is one key.
    for (n, username) in ["reviewer", "Reviewer", " REVIEWER "].iter().enumerate() {
        let client = format!("203.0.113.{}", n + 1);
        let wrong = sign_in_forwarded(&app, username, "not-the-password", &client).await;
        assert_eq!(wrong.status(), 303);
    }

    let refused = app
        .client()
        .post(app.url("/login"))
        .header("x-forwarded-for", "198.51.100.1")
        .header("accept-language", "en")
        .form(&[("username", "reviewer"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();

    assert_eq!(refused.status(), 429);
    let refused_wait = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(refused.headers().get("set-cookie").is_none());
    let html = refused.text().await.unwrap();
    let message = app::i18n::Locale::En.tf(
        app::i18n::Msg::LoginUserRateLimited,
        &[("seconds", refused_wait.as_str())],
    );
    assert!(html.contains(&message), "{html}");
    // Nothing was tried, so nothing was recorded; other accounts are untouched.
    assert_eq!(app.audit_actions("auth.sign_in_failed").await.len(), 3);
    let other = sign_in_forwarded(&app, "auditor", DEMO_PASSWORD, "198.51.100.1").await;
    assert_eq!(location(&other), HOME);
}

// ---------------------------------------------------------------------------------------------
// A real proxy: Debian's nginx
// ---------------------------------------------------------------------------------------------

const NGINX: &str = "/usr/sbin/nginx";

/// nginx in front of an app, configured as the README tells the county to configure its proxy,
/// with everything it writes in a temporary folder. Stopped when dropped.
struct Nginx {
    child: std::process::Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Nginx {
    fn start(upstream: SocketAddr) -> Nginx {
        assert!(
            std::path::Path::new(NGINX).exists(),
            "{NGINX} is missing: the proxy test needs Debian's nginx. Install it with \
             scripts/ensure-tools.sh (or apt-get install -y nginx)."
        );
        let dir = tempfile::tempdir().unwrap();
        // A free loopback port (released for nginx to take).
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let root = dir.path().display();
        // As root nginx would hand its work to `nobody`, who cannot enter the temp folder.
        let user = if is_root() { "user root;" } else { "" };
        let config = format!(
            "{user}
daemon off;
master_process off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen {addr};
        location / {{
            proxy_pass http://{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config).unwrap();
        let child = std::process::Command::new(NGINX)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {NGINX}: {e}"));
        let mut nginx = Nginx { child, addr, dir };
        nginx.wait_until_listening();
        nginx
    }

    fn wait_until_listening(&mut self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while std::net::TcpStream::connect(self.addr).is_err() {
            let exited = self.child.try_wait().unwrap();
            if exited.is_some() || std::time::Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default();
                panic!(
                    "nginx did not start listening on {} ({exited:?}):\n{log}",
                    self.addr
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A browser-like client whose connections leave from `local` (any 127.x address is this host):
/// so nginx sees a client that is not itself.
fn client_from(local: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(local.parse::<IpAddr>().unwrap())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

async fn sign_in_through(
    nginx: &Nginx,
    client: &reqwest::Client,
    password: &str,
) -> reqwest::Response {
    client
        .post(nginx.url("/login"))
        // A client's own claim, which nginx passes on with the address it saw appended.
        .header("x-forwarded-for", "192.0.2.66")
        .form(&[
            ("username", "reviewer"),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn through_nginx_the_client_is_the_address_nginx_saw_for_the_audit_and_the_limiter() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        strict(config);
        trusting_loopback(config);
    })
    .await;
    let nginx = Nginx::start(app.addr);
    let first = client_from("127.0.0.2");
    let second = client_from("127.0.0.3");

    let signed_in = sign_in_through(&nginx, &first, DEMO_PASSWORD).await;

    assert_eq!(location(&signed_in), HOME);
    let event = latest(&app, "auth.signed_in").await;
    assert_eq!(
        event.source_ip.as_deref(),
        Some("127.0.0.2"),
        "as nginx saw it"
    );
    assert_eq!(event.peer_ip.as_deref(), Some("127.0.0.1"), "nginx itself");
    // The first client uses up its allowance (the sign-in above was one attempt of three)...
    for _ in 0..2 {
        let wrong = sign_in_through(&nginx, &first, "not-the-password").await;
        assert_eq!(wrong.status(), 303);
    }
    let refused = sign_in_through(&nginx, &first, DEMO_PASSWORD).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().get("retry-after").is_some());
    // ...and the second, behind the same proxy, still has its own.
    let other = sign_in_through(&nginx, &second, DEMO_PASSWORD).await;
    assert_eq!(location(&other), HOME);
    let event = latest(&app, "auth.signed_in").await;
    assert_eq!(event.source_ip.as_deref(), Some("127.0.0.3"));
}
