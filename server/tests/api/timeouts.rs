//! Denial of service by slowness (issue 15): a client that trickles its request's head (slow
//! loris) is cut off after `HEADER_READ_TIMEOUT_SECONDS`, and one that trickles its body after
//! `REQUEST_TIMEOUT_SECONDS`, so neither can hold the server's connections for long.
use crate::helpers::{TestApp, TestDb, fixed_now};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Writes `bytes` one a second until the server closes the connection (or `give_up` passes), and
/// returns how long it took and what the server answered.
async fn trickle(stream: TcpStream, bytes: &[u8], give_up: Duration) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let bytes = bytes.to_vec();
    let writing = tokio::spawn(async move {
        for byte in bytes {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // Nothing more to send: keep the connection open.
        std::future::pending::<()>().await;
    });
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(give_up, reader.read_to_end(&mut answer)).await;
    writing.abort();
    assert!(
        closed.is_ok(),
        "the connection was still open after {give_up:?}"
    );
    (started.elapsed(), answer)
}

#[tokio::test]
async fn a_client_sending_its_headers_one_byte_a_second_is_cut_off() {
    let app = TestApp::spawn_configured(TestDb::new().await, false, fixed_now(), |config| {
        config.header_read_timeout = Duration::from_secs(3);
    })
    .await;
    let stream = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {}",
        "a".repeat(60)
    );

    let (took, _) = trickle(stream, head.as_bytes(), Duration::from_secs(20)).await;

    assert!(
        took >= Duration::from_secs(2),
        "cut off too early: {took:?}"
    );
    assert!(took < Duration::from_secs(10), "cut off late: {took:?}");
    // Others are served meanwhile and after.
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn an_idle_connection_that_sends_nothing_is_closed_too() {
    let app = TestApp::spawn_configured(TestDb::new().await, false, fixed_now(), |config| {
        config.header_read_timeout = Duration::from_secs(2);
    })
    .await;
    let stream = TcpStream::connect(app.addr).await.unwrap();

    let (took, _) = trickle(stream, b"", Duration::from_secs(20)).await;

    assert!(took < Duration::from_secs(8), "{took:?}");
}

#[test]
fn the_default_header_read_timeout_cuts_a_slow_client_off_within_thirty_seconds() {
    let config = server::config::Config::from_env().unwrap();
    assert!(config.header_read_timeout <= Duration::from_secs(30));
    assert!(config.request_timeout >= Duration::from_secs(30));
}

#[tokio::test]
async fn a_request_whose_body_trickles_is_answered_503_after_the_request_timeout() {
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        config.request_timeout = Duration::from_secs(2);
    })
    .await;
    let stream = TcpStream::connect(app.addr).await.unwrap();
    let body = "username=reviewer&password=not-the-password";
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let (reader, mut writer) = stream.into_split();
    writer.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();

    let (_, answer) = trickle(
        reader.reunite(writer).unwrap(),
        body.as_bytes(),
        Duration::from_secs(20),
    )
    .await;

    assert!(started.elapsed() < Duration::from_secs(10));
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: "),
        "{answer}"
    );
    let busy = app::i18n::Locale::En.t(app::i18n::Msg::ErrorBusy);
    assert!(answer.contains(busy), "{answer}");
    assert!(app.audit_actions("auth.sign_in_failed").await.is_empty());
}
