//! A test back-end on a fresh temporary SQLite database, in one call: [`Client::on_sqlite`]
//! (in-process) and [`Client::served_on_sqlite`] (a real HTTP server on a random loopback
//! port). The app is built on the client's own runtime, so its pool lives as long as the
//! client, and the database file goes with the client: no `LazyLock` of a runtime, no
//! `Handle::current().block_on`, no temporary file to manage.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;

use axum::Router;
use tokio::runtime::Handle;

use crate::client::{Client, TEST_URL_VAR};
use crate::runtime::Driver;
use crate::temp::temp_database;
use crate::transport::Transport;

impl Client {
    /// An in-process client of the router that `build` makes on a fresh SQLite database,
    /// whose URL (`sqlite:///tmp/warden-test-.../test.db`) it receives. With
    /// [`WARDEN_TEST_URL`](TEST_URL_VAR) set, a live client of that server instead, and
    /// `build` is not called: the same suite runs in-process or against a deployed server.
    ///
    /// ```no_run
    /// use warden_test::Client;
    ///
    /// async fn app(database_url: String) -> axum::Router {
    ///     // connect to database_url, migrate, build the warden App...
    ///     # let _ = database_url;
    ///     axum::Router::new()
    /// }
    ///
    /// #[tokio::test]
    /// async fn hello() {
    ///     let client = Client::on_sqlite(app);
    ///     client.user("calvin", "hobbes");
    ///     client.get("/hello").user("calvin").expect(200).await;
    /// }
    /// ```
    ///
    /// # Panics
    ///
    /// When `build` panics, or no temporary directory can be made.
    #[track_caller]
    pub fn on_sqlite<F, Fut>(build: F) -> Self
    where
        F: FnOnce(String) -> Fut + Send,
        Fut: Future<Output = Router>,
    {
        if let Some(url) = std::env::var(TEST_URL_VAR).ok().filter(|u| !u.is_empty()) {
            return Self::live(&url);
        }
        let (temp, url) = temp_database();
        let driver = Driver::start();
        let router = driver.call(|| Handle::current().block_on(build(url)));
        Self::assemble(Transport::InProcess(router), driver, Some(temp))
    }

    /// Like [`on_sqlite`](Self::on_sqlite), but the router is served over HTTP on a random
    /// loopback port by the client's runtime (with each connection's peer address, as
    /// warden's client-IP guard needs), and the client talks to it: the whole HTTP stack,
    /// end to end, for as long as the client lives.
    ///
    /// # Panics
    ///
    /// When `build` panics, or no loopback port can be bound.
    #[track_caller]
    pub fn served_on_sqlite<F, Fut>(build: F) -> Self
    where
        F: FnOnce(String) -> Fut + Send,
        Fut: Future<Output = Router>,
    {
        let (temp, url) = temp_database();
        let driver = Driver::start();
        let base = driver.call(|| {
            Handle::current().block_on(async {
                let router = build(url).await;
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("warden-test: cannot bind a loopback port");
                let addr = listener
                    .local_addr()
                    .expect("warden-test: no local address");
                let service = router.into_make_service_with_connect_info::<SocketAddr>();
                tokio::spawn(axum::serve(listener, service).into_future());
                format!("http://{addr}")
            })
        });
        let transport = Transport::live(&base).expect("warden-test: the server's own URL");
        Self::assemble(transport, driver, Some(temp))
    }

    /// An in-process client of the router that `build` makes on the database at `url` (a
    /// PostgreSQL or MySQL database the test created, say), built on the client's own runtime
    /// so that its pool lives as long as the client. The test owns the database: the client
    /// neither creates nor drops it.
    ///
    /// # Panics
    ///
    /// When `build` panics.
    #[track_caller]
    pub fn on_database<F, Fut>(url: &str, build: F) -> Self
    where
        F: FnOnce(String) -> Fut + Send,
        Fut: Future<Output = Router>,
    {
        let url = url.to_owned();
        let driver = Driver::start();
        let router = driver.call(|| Handle::current().block_on(build(url)));
        Self::assemble(Transport::InProcess(router), driver, None)
    }
}
