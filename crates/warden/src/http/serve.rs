//! Serving an application with the limits plain `axum::serve` lacks: a header-read timeout
//! (slow-header connections are closed), a bound on header size, a lingering close for bodies
//! the application does not read, and graceful shutdown on both SIGTERM and SIGINT that answers
//! the requests already on their way.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{Notify, watch};
use tower::ServiceExt as _;

use super::linger::{Linger, LingeringBody};
use crate::settings::ServerSettings;

/// A bound listener with its limits, ready to serve a router.
///
/// ```no_run
/// # async fn run(app: warden::App) -> std::io::Result<()> {
/// let server = warden::Server::bind("127.0.0.1:0", &app.settings().server).await?;
/// println!("listening on http://{}", server.local_addr()?);
/// server.serve(app.router()).await // until SIGTERM or SIGINT, then drains
/// # }
/// ```
pub struct Server {
    listener: TcpListener,
    settings: ServerSettings,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    pub async fn bind(addr: impl ToSocketAddrs, settings: &ServerSettings) -> io::Result<Self> {
        Ok(Self::from_listener(
            TcpListener::bind(addr).await?,
            settings,
        ))
    }

    /// Serves on an already bound listener.
    pub fn from_listener(listener: TcpListener, settings: &ServerSettings) -> Self {
        Self {
            listener,
            settings: settings.clone(),
        }
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until SIGTERM or SIGINT, then lets in-flight requests finish (up to the drain
    /// timeout).
    pub async fn serve(self, router: Router) -> io::Result<()> {
        let signal = shutdown_signal()?;
        self.serve_with_shutdown(router, signal).await
    }

    /// Serves until `signal` completes, then drains.
    ///
    /// Shutdown answers every connection the server already has: those accepted, and those the
    /// kernel has completed and holds in the listen backlog when `signal` completes (their
    /// clients believe they are connected and may have sent a request). Each gets the request
    /// it is sending answered, with `Connection: close`: a connection that has not brought its
    /// first request yet gets up to the header read timeout (at most one second) for it to
    /// arrive; a kept-alive connection between requests is closed at once (clients retry on
    /// those, RFC 9112 §9.3.1). Connections attempted after the backlog is taken are refused.
    /// Everything is bounded by the drain timeout.
    pub async fn serve_with_shutdown(
        self,
        router: Router,
        signal: impl Future<Output = ()> + Send,
    ) -> io::Result<()> {
        let connections = Connections::new(&self.settings, router);
        tokio::pin!(signal);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => connections.serve(stream, peer),
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                () = &mut signal => break,
            }
        }
        let backlog = connections.take_backlog(self.listener.into_std()?);
        let (open, drained) = connections.stop();
        tracing::info!(
            connections = open,
            backlog,
            "shutting down: draining in-flight requests"
        );
        tokio::select! {
            () = drained => tracing::info!("drained"),
            () = tokio::time::sleep(self.settings.drain_timeout) => {
                tracing::warn!("drain timeout: closing the remaining connections");
            }
        }
        Ok(())
    }
}

/// Most connections taken from the listen backlog at shutdown (tokio's default backlog).
const MAX_BACKLOG: usize = 1024;

/// The connections of a server: how each is served, and how shutdown reaches them.
struct Connections {
    builder: auto::Builder<TokioExecutor>,
    router: Router,
    linger: Linger,
    /// How long a connection without a request yet may take to bring one once stopping.
    first_request_grace: Duration,
    stop: watch::Sender<bool>,
    /// Cloned into each connection; the sender sees the connections end as receivers drop.
    stopping: watch::Receiver<bool>,
}

impl Connections {
    fn new(settings: &ServerSettings, router: Router) -> Self {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(settings.header_read_timeout)
            // The application answers 431 past `max_header_bytes`; hyper's buffer is a backstop
            // for what does not even parse.
            .max_buf_size((settings.max_header_bytes * 2).max(16 * 1024));
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(settings.max_header_bytes * 2).unwrap_or(u32::MAX));
        let (stop, stopping) = watch::channel(false);
        Self {
            builder,
            router,
            linger: Linger::for_limit(settings.max_body_bytes),
            first_request_grace: settings.header_read_timeout.min(Duration::from_secs(1)),
            stop,
            stopping,
        }
    }

    /// Serves one connection on its own task until it ends or shutdown closes it.
    fn serve(&self, stream: TcpStream, peer: SocketAddr) {
        let _ = stream.set_nodelay(true);
        let router = self.router.clone();
        let linger = self.linger;
        // One permit per request: tells shutdown whether this connection has brought one.
        let requests = Arc::new(Notify::new());
        let service = {
            let requests = Arc::clone(&requests);
            hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
                requests.notify_one();
                req.extensions_mut().insert(ConnectInfo(peer));
                // A body dropped unread is drained on HTTP/1 (lingering close), unless the
                // client waits for `100 Continue` and will not send it anyway.
                let linger = (req.version() <= http::Version::HTTP_11
                    && !req.headers().contains_key(http::header::EXPECT))
                .then_some(linger);
                router
                    .clone()
                    .oneshot(req.map(|body| Body::new(LingeringBody::new(body, linger))))
            })
        };
        let connection = self
            .builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let mut stopping = self.stopping.clone();
        let grace = self.first_request_grace;
        tokio::spawn(async move {
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => Some(ended),
                _ = stopping.wait_for(|stop| *stop) => None,
            };
            let ended = match ended {
                Some(ended) => ended,
                None => {
                    // Stopping: let a fresh connection bring its request first, then close
                    // after the answer (or at once when idle between requests).
                    let ended = tokio::select! {
                        ended = connection.as_mut() => Some(ended),
                        () = requests.notified() => None,
                        () = tokio::time::sleep(grace) => None,
                    };
                    match ended {
                        Some(ended) => ended,
                        None => {
                            connection.as_mut().graceful_shutdown();
                            connection.await
                        }
                    }
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(stopping);
        });
    }

    /// Serves the connections waiting in the listen backlog, then closes the listener.
    fn take_backlog(&self, listener: std::net::TcpListener) -> usize {
        let mut taken = 0;
        while taken < MAX_BACKLOG {
            // Non-blocking: `WouldBlock` once the backlog is empty.
            let Ok((stream, peer)) = listener.accept() else {
                break;
            };
            let stream = stream
                .set_nonblocking(true)
                .and_then(|()| TcpStream::from_std(stream));
            match stream {
                Ok(stream) => self.serve(stream, peer),
                Err(e) => tracing::warn!(error = %e, "could not serve a connection of the backlog"),
            }
            taken += 1;
        }
        // From here on, connection attempts are refused.
        drop(listener);
        taken
    }

    /// Tells every connection to finish; the number still open and a future that completes
    /// when they all have.
    fn stop(self) -> (usize, impl Future<Output = ()>) {
        let Self { stop, stopping, .. } = self;
        drop(stopping);
        stop.send_replace(true);
        let open = stop.receiver_count();
        (open, async move { stop.closed().await })
    }
}

/// Completes on SIGTERM (what service managers send) or SIGINT (Ctrl-C).
///
/// The handlers are installed when this is called, so a signal that arrives before the future
/// is first polled is not lost.
pub fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received"),
                _ = int.recv() => tracing::info!("SIGINT received"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
