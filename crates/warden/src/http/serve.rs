//! Serving an application with the limits plain `axum::serve` lacks: a header-read timeout
//! (slow-header connections are closed), a bound on header size, and graceful shutdown on both
//! SIGTERM and SIGINT that lets in-flight requests finish.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, ToSocketAddrs};
use tower::ServiceExt as _;

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
    pub async fn serve_with_shutdown(
        self,
        router: Router,
        signal: impl Future<Output = ()> + Send,
    ) -> io::Result<()> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.settings.header_read_timeout)
            // The application answers 431 past `max_header_bytes`; hyper's buffer is a backstop
            // for what does not even parse.
            .max_buf_size((self.settings.max_header_bytes * 2).max(16 * 1024));
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(
                u32::try_from(self.settings.max_header_bytes * 2).unwrap_or(u32::MAX),
            );
        let graceful = GracefulShutdown::new();
        tokio::pin!(signal);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(e) => {
                            // Out of file descriptors and the like: back off, keep serving.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let router = router.clone();
                    let service = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
                        req.extensions_mut().insert(ConnectInfo(peer));
                        router.clone().oneshot(req.map(Body::new))
                    });
                    let connection = builder
                        .serve_connection_with_upgrades(TokioIo::new(stream), service)
                        .into_owned();
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        if let Err(e) = connection.await {
                            tracing::debug!(error = %e, %peer, "connection ended with an error");
                        }
                    });
                }
                () = &mut signal => break,
            }
        }
        drop(self.listener);
        tracing::info!(
            connections = graceful.count(),
            "shutting down: draining in-flight requests"
        );
        tokio::select! {
            () = graceful.shutdown() => tracing::info!("drained"),
            () = tokio::time::sleep(self.settings.drain_timeout) => {
                tracing::warn!("drain timeout: closing the remaining connections");
            }
        }
        Ok(())
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
