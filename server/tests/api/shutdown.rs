//! `server serve` as operators run it: migrates at start, serves, and stops cleanly on SIGTERM.
use crate::helpers::TestDb;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn serve_migrates_answers_and_shuts_down_gracefully_on_sigterm() {
    let test_db = TestDb::new().await;
    let url = test_db.url.clone();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(["serve", "--demo"])
            .env("DATABASE_URL", &url)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting server serve");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a first line").unwrap();
        let addr = first
            .strip_prefix("Serving on http://")
            .expect(&first)
            .to_string();
        let demo_lines: Vec<String> = lines.by_ref().take(5).map(Result::unwrap).collect();
        assert!(demo_lines[0].contains("shizhu-demo-2026"), "{demo_lines:?}");

        let health = std::net::TcpStream::connect(&addr).map(|mut stream| {
            use std::io::{Read as _, Write as _};
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).unwrap();
            answer
        });
        assert!(health.unwrap().starts_with("HTTP/1.1 200"));

        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "exit status after SIGTERM: {status:?}");
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "still running 20 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .unwrap();
}
