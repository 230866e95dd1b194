//! warden-test's integration tests: one scenario, two modes. Each scenario runs against the
//! test app in-process, and over HTTP against the same app served on a loopback port.

mod app;
mod auth;
mod bodies;
mod cookies;
mod modes;
mod tokens;

use std::net::SocketAddr;

use axum::Router;
use warden_test::Client;

/// How a scenario reaches the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Through `Client::in_process`.
    InProcess,
    /// Over HTTP to the app served on a loopback port.
    Live,
}

/// Serves `router` on a fresh `127.0.0.1` port from the current runtime; gives the base URL.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// A client of a fresh test app (its own token store) with the app's three users.
pub async fn client(mode: Mode) -> Client {
    let client = match mode {
        Mode::InProcess => Client::in_process(app::app()),
        Mode::Live => Client::live(&serve(app::app()).await),
    };
    client
        .user("calvin", "hobbes")
        .user("hobbes", "susie")
        .user("susie", "derkins");
    assert_eq!(client.is_live(), mode == Mode::Live);
    client
}

/// The panic message of a future expected to panic.
pub async fn panic_message<F>(future: F) -> String
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let Err(error) = tokio::spawn(future).await else {
        panic!("the future should have panicked");
    };
    let payload = error.into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

/// Declares `#[tokio::test]`s `in_process` and `live` in a module named after the scenario
/// `async fn NAME(mode: Mode)`.
#[macro_export]
macro_rules! both_modes {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn in_process() {
                    super::$name($crate::Mode::InProcess).await;
                }

                #[tokio::test]
                async fn live() {
                    super::$name($crate::Mode::Live).await;
                }
            }
        )*
    };
}
