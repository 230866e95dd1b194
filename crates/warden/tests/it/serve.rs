//! The server on a real loopback socket: slow-header connections closed, header limits,
//! graceful shutdown on a signal that lets in-flight requests finish.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use warden::{App, Open, Routes, Server, ServerSettings, get, post};

use crate::common::{settings, users};

fn app() -> App {
    app_with(ServerSettings::default())
}

/// The test application, with the server's limits (the body limit is the application's).
fn app_with(limits: ServerSettings) -> App {
    App::builder(warden::Settings {
        server: limits,
        ..settings()
    })
    .directory(users())
    .routes(
        Routes::new()
            .route("/", get(Open, || async { "hello" }))
            .route(
                "/",
                post(Open, |body: String| async move {
                    format!("{} bytes", body.len())
                }),
            )
            .route(
                "/slow",
                get(Open, || async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    "done"
                }),
            ),
    )
    .build()
    .unwrap()
}

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(limits: ServerSettings) -> Running {
    let server = Server::bind("127.0.0.1:0", &limits).await.unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let router = app_with(limits.clone()).router();
    let done = tokio::spawn(server.serve_with_shutdown(router, async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop: Some(stop),
        done,
    }
}

/// Whether the server closed the connection (read gives EOF or an error) within `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {} // an error response before closing is fine
        }
    }
}

#[tokio::test]
async fn slow_header_connections_are_closed() {
    let running = start(ServerSettings {
        header_read_timeout: Duration::from_millis(300),
        ..ServerSettings::default()
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(running.addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    for stream in &mut slow {
        assert!(
            closed_within(stream, Duration::from_secs(5)).await,
            "a slow-header connection stayed open"
        );
    }
    // The server still serves.
    let body = reqwest::get(format!("http://{}/", running.addr))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "hello");
}

#[tokio::test]
async fn oversized_headers_are_refused_on_the_wire() {
    let running = start(ServerSettings::default()).await;
    let client = reqwest::Client::new();
    let url = format!("http://{}/", running.addr);
    let reply = client
        .get(&url)
        .header("x-padding", "p".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 431);
    assert_eq!(
        reply.json::<serde_json::Value>().await.unwrap()["error"],
        "request headers are too large"
    );
    // Far past the limit, the server does not even buffer it.
    let huge = client
        .get(&url)
        .header("x-padding", "p".repeat(200 * 1024))
        .send()
        .await;
    assert!(huge.map_or(true, |r| r.status() == 431));
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let mut running = start(ServerSettings::default()).await;
    let url = format!("http://{}/slow", running.addr);
    let in_flight = tokio::spawn(async move { reqwest::get(url).await?.text().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    running.stop.take().unwrap().send(()).unwrap();
    assert_eq!(in_flight.await.unwrap().unwrap(), "done");
    running.done.await.unwrap().unwrap();
    assert!(
        TcpStream::connect(running.addr).await.is_err(),
        "still accepting"
    );
}

#[tokio::test]
async fn sigterm_stops_the_server_after_draining() {
    let server = Server::bind("127.0.0.1:0", &ServerSettings::default())
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    // The signal handlers are installed here, before the signal is sent.
    let signal = warden::shutdown_signal().unwrap();
    let done = tokio::spawn(server.serve_with_shutdown(app().router(), signal));
    let url = format!("http://{addr}/slow");
    let in_flight = tokio::spawn(async move { reqwest::get(url).await?.text().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(in_flight.await.unwrap().unwrap(), "done");
    tokio::time::timeout(Duration::from_secs(5), done)
        .await
        .expect("the server stops on SIGTERM")
        .unwrap()
        .unwrap();
}

/// Writes `request` whole, without reading, then reads the answer until the server closes.
async fn exchange(addr: SocketAddr, request: &[u8]) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    answer(&mut stream, request).await
}

async fn answer(stream: &mut TcpStream, request: &[u8]) -> std::io::Result<String> {
    let io = async {
        stream.write_all(request).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok(String::from_utf8_lossy(&answer).into_owned())
    };
    tokio::time::timeout(Duration::from_secs(10), io)
        .await
        .unwrap_or_else(|_| panic!("no answer within 10 s"))
}

#[tokio::test]
async fn repeated_or_invalid_host_headers_are_400_json() {
    let running = start(ServerSettings::default()).await;
    for host in [
        "Host: a.example\r\nHost: b.example",
        "Host: a.example\r\nhost: a.example",
        "Host: user@a.example",
        "Host: a example",
        "Host: a.example:80x",
        "Host: a.example/path",
    ] {
        let request = format!("GET / HTTP/1.1\r\n{host}\r\nConnection: close\r\n\r\n");
        let answer = exchange(running.addr, request.as_bytes()).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 400 "), "{host:?}: {answer}");
        assert!(
            answer.ends_with(r#"{"error":"invalid or repeated Host header"}"#),
            "{host:?}: {answer}"
        );
    }
    for host in [
        "Host: a.example",
        "Host: localhost:8080",
        "Host: 127.0.0.1",
        "Host: [::1]:80",
        "Host: xn--bcher-kva.example",
    ] {
        let request = format!("GET / HTTP/1.1\r\n{host}\r\nConnection: close\r\n\r\n");
        let answer = exchange(running.addr, request.as_bytes()).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 "), "{host:?}: {answer}");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_sent_in_one_go_still_reads_the_413() {
    const LIMIT: usize = 1 << 20;
    let limits = ServerSettings {
        max_body_bytes: LIMIT,
        ..ServerSettings::default()
    };
    let running = start(limits).await;
    // Python's urllib and browser forms write the whole body before they read anything.
    for chunked in [false, true] {
        let body = vec![b'x'; 3 * LIMIT];
        let mut request =
            b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
                .to_vec();
        if chunked {
            request.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for chunk in body.chunks(8 * 1024) {
                request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                request.extend_from_slice(chunk);
                request.extend_from_slice(b"\r\n");
            }
            request.extend_from_slice(b"0\r\n\r\n");
        } else {
            request.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            request.extend_from_slice(&body);
        }
        // Ask for the connection to be closed after the answer, so the read ends.
        let at = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        request.splice(at + 2..at + 2, b"Connection: close\r\n".iter().copied());
        // A small send buffer stands for a network slower than the loopback: most of the body is
        // still on the client's side when the server answers.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_send_buffer_size(16 * 1024).unwrap();
        let mut stream = socket.connect(running.addr).await.unwrap();
        let answer = answer(&mut stream, &request)
            .await
            .unwrap_or_else(|e| panic!("chunked: {chunked}: {e}"));
        assert!(
            answer.starts_with("HTTP/1.1 413 "),
            "chunked: {chunked}: {answer}"
        );
        assert!(
            answer.ends_with(r#"{"error":"request body is too large"}"#),
            "chunked: {chunked}: {answer}"
        );
    }
    // Within the limit, the same route answers.
    let answer = exchange(
        running.addr,
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    )
    .await
    .unwrap();
    assert!(answer.ends_with("5 bytes"), "{answer}");
}

#[tokio::test]
async fn connections_open_when_shutdown_starts_are_all_answered() {
    let mut running = start(ServerSettings::default()).await;
    const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    // Accepted by the server, their requests not sent yet.
    let mut accepted = Vec::new();
    for _ in 0..5 {
        accepted.push(TcpStream::connect(running.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Connected and their requests sent, without the (single-threaded) server running in
    // between: they wait in the listen backlog when the signal comes.
    let mut pending = Vec::new();
    for _ in 0..20 {
        let mut stream = std::net::TcpStream::connect(running.addr).unwrap();
        std::io::Write::write_all(&mut stream, GET).unwrap();
        stream.set_nonblocking(true).unwrap();
        pending.push(TcpStream::from_std(stream).unwrap());
    }
    running.stop.take().unwrap().send(()).unwrap();
    // The accepted ones send their requests a moment after the signal.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let answers = accepted
        .iter_mut()
        .map(|stream| answer(stream, GET))
        .chain(pending.iter_mut().map(|stream| answer(stream, b"")));
    for (i, answer) in futures_util::future::join_all(answers)
        .await
        .into_iter()
        .enumerate()
    {
        let answer = answer.unwrap_or_else(|e| panic!("connection {i}: {e}"));
        assert!(
            answer.starts_with("HTTP/1.1 200 "),
            "connection {i}: {answer:?}"
        );
        assert!(answer.ends_with("hello"), "connection {i}: {answer:?}");
    }
    tokio::time::timeout(Duration::from_secs(5), running.done)
        .await
        .expect("the server stops once they are answered")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(running.addr).await.is_err(),
        "still accepting"
    );
}
