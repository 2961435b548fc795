//! A real SMTP server on loopback for the mail tests: the `mailin` crate speaks the protocol, this
//! file does the I/O and can be told to refuse, to fail for a while, or to hang after the data (a
//! mail server that received a message but never answered).
use mailin::{Action, Handler, Response, SessionBuilder, response};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// How the server answers at the end of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 451 to every recipient: try again later.
    TempFail,
    /// 550 to every recipient: refused for good.
    Refuse,
    /// Keeps the message but never answers.
    Hang,
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parseable message")
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_string()
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.to_string())
            .unwrap_or_default()
    }

    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|t| t.to_string())
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct State {
    mode: Option<Mode>,
    received: Vec<Received>,
}

/// One connection's handler: its own envelope and data, the server's shared state.
struct Recorder {
    shared: Arc<Mutex<State>>,
    to: Vec<String>,
    data: Vec<u8>,
    /// Set when a message has just been taken in, for the I/O loop (which may then hang).
    ended: Arc<AtomicBool>,
}

impl Recorder {
    fn mode(&self) -> Mode {
        self.shared.lock().unwrap().mode.unwrap_or(Mode::Accept)
    }
}

impl Handler for Recorder {
    /// Failures are given at RCPT, as most servers give them.
    fn rcpt(&mut self, _to: &str) -> Response {
        match self.mode() {
            Mode::TempFail => response::INTERNAL_ERROR,
            Mode::Refuse => response::NO_MAILBOX,
            Mode::Accept | Mode::Hang => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = Received {
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
        };
        self.shared.lock().unwrap().received.push(message);
        self.ended.store(true, Ordering::SeqCst);
        response::OK
    }
}

/// A running server; stops when dropped.
pub struct SmtpServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        SmtpServer::start_on("127.0.0.1:0".parse().unwrap()).await
    }

    /// On a given address (a port a test kept free while "the mail server was down").
    pub async fn start_on(addr: SocketAddr) -> SmtpServer {
        let listener = TcpListener::bind(addr)
            .await
            .expect("binding the SMTP port");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, peer)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(socket, peer.ip(), shared.clone()));
            }
        });
        SmtpServer { addr, state, task }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = Some(mode);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits until at least `n` messages arrived (up to 30 s), and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "only {} of {n} messages arrived",
                received.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(socket: tokio::net::TcpStream, peer: IpAddr, state: Arc<Mutex<State>>) {
    let (read, mut write) = socket.into_split();
    let mut reader = BufReader::new(read);
    let ended = Arc::new(AtomicBool::new(false));
    let recorder = Recorder {
        shared: state.clone(),
        to: Vec::new(),
        data: Vec::new(),
        ended: ended.clone(),
    };
    let mut session = SessionBuilder::new("smtp.test").build(peer, recorder);
    if write
        .write_all(&session.greeting().buffer().unwrap())
        .await
        .is_err()
    {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let reply = session.process(&line);
        let hang = state.lock().unwrap().mode == Some(Mode::Hang);
        if ended.swap(false, Ordering::SeqCst) && hang {
            // Never answer; the client times out or is killed.
            std::future::pending::<()>().await;
        }
        match reply.action {
            Action::NoReply => {}
            Action::Close => {
                let _ = write.write_all(&reply.buffer().unwrap()).await;
                return;
            }
            Action::Reply | Action::UpgradeTls => {
                if write.write_all(&reply.buffer().unwrap()).await.is_err() {
                    return;
                }
            }
        }
    }
}
