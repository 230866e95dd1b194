//! The server on a real loopback socket: slow-header connections closed, header limits,
//! graceful shutdown on a signal that lets in-flight requests finish.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use warden::{App, Open, Routes, Server, ServerSettings, get};

use crate::common::{settings, users};

fn app() -> App {
    App::builder(settings())
        .directory(users())
        .routes(
            Routes::new()
                .route("/", get(Open, || async { "hello" }))
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
    let router = app().router();
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
