//! Choosing the mode, and sharing one client across tests and runtimes.

use std::process::Command;
use std::sync::LazyLock;
use std::time::Duration;

use axum::Router;
use warden_test::{AuthScheme, Client, TEST_URL_VAR};

use crate::{app, serve};

#[tokio::test]
async fn in_process_client_has_no_base_url() {
    let client = Client::in_process(app::app());
    assert!(!client.is_live());
    assert_eq!(client.base_url(), None);
}

#[tokio::test]
async fn live_client_appends_paths_to_a_base_url_with_a_prefix() {
    let base = serve(Router::new().nest("/api", app::app())).await;
    let client = Client::live(&format!("{base}/api/"));
    assert!(client.is_live());
    assert_eq!(client.base_url(), Some(format!("{base}/api").as_str()));
    client.user("calvin", "hobbes");
    let seen = client
        .get("/echo")
        .user("calvin")
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["user"], "calvin");
    // The app, unaware of its prefix, scopes a cookie to Path=/cookies/scoped: the jar sees
    // the full path /api/cookies/scoped/echo, as a browser would, and does not send it.
    client.get("/cookies/set").expect(200).await;
    let seen = client
        .get("/cookies/scoped/echo")
        .expect(200)
        .await
        .json_value();
    assert_eq!(seen["cookie"], "session=abc");
}

#[test]
#[should_panic(expected = "invalid base URL")]
fn live_client_refuses_a_base_url_that_is_not_http() {
    let _ = Client::live("ftp://127.0.0.1:21");
}

/// Runs this test binary again with only the test `name`, with `WARDEN_TEST_URL` set to `url`
/// or removed; tells whether it passed, with its output.
fn run_probe(name: &str, url: Option<&str>) -> (bool, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([name, "--exact", "--ignored", "--test-threads=1"]);
    match url {
        Some(url) => command.env(TEST_URL_VAR, url),
        None => command.env_remove(TEST_URL_VAR),
    };
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success() && text.contains("1 passed"), text)
}

#[tokio::test]
async fn from_env_goes_live_when_the_variable_holds_a_url() {
    let base = serve(app::app()).await;
    // The probe blocks this thread while the server runs on the runtime's other tasks.
    let (passed, output) =
        tokio::task::spawn_blocking(move || run_probe("modes::from_env_probe_live", Some(&base)))
            .await
            .unwrap();
    assert!(passed, "{output}");
}

#[test]
fn from_env_stays_in_process_without_the_variable_or_when_it_is_empty() {
    for url in [None, Some("")] {
        let (passed, output) = run_probe("modes::from_env_probe_in_process", url);
        assert!(passed, "{url:?}: {output}");
    }
}

#[tokio::test]
#[ignore = "a probe run by from_env_goes_live_when_the_variable_holds_a_url"]
async fn from_env_probe_live() {
    let client = Client::from_env(|| panic!("the app is not built in live mode"));
    assert!(client.is_live());
    client.user("calvin", "hobbes");
    client.get("/whoami").user("calvin").expect(200).await;
}

#[tokio::test]
#[ignore = "a probe run by from_env_stays_in_process_without_the_variable_or_when_it_is_empty"]
async fn from_env_probe_in_process() {
    // The closure runs inside the client's runtime, where async set-up can be blocked on.
    let client = Client::from_env(|| {
        tokio::runtime::Handle::current().block_on(async {
            tokio::task::yield_now().await;
            app::app()
        })
    });
    assert!(!client.is_live());
    client.user("calvin", "hobbes");
    client.get("/whoami").user("calvin").expect(200).await;
}

/// A server for the whole binary, on its own runtime, as CI's release binary would be.
static SERVER: LazyLock<String> = LazyLock::new(|| {
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            url_tx.send(serve(app::app()).await).unwrap();
            std::future::pending::<()>().await;
        });
    });
    url_rx.recv().unwrap()
});

/// One live client shared by the tests below, each on its own `#[tokio::test]` runtime.
static SHARED: LazyLock<Client> = LazyLock::new(|| {
    let client = Client::live(&SERVER);
    client
        .user_with("calvin", "hobbes", AuthScheme::Token)
        .user("hobbes", "susie");
    client
});

async fn shared_client_scenario() {
    for _ in 0..20 {
        SHARED.get("/whoami").user("calvin").expect(200).await;
        SHARED.get("/whoami").user("hobbes").expect(200).await;
    }
    let issued: u64 = SHARED.get("/issued/calvin").expect(200).await.json();
    assert_eq!(issued, 1);
}

#[tokio::test]
async fn shared_client_serves_parallel_tests_1() {
    shared_client_scenario().await;
}

#[tokio::test]
async fn shared_client_serves_parallel_tests_2() {
    shared_client_scenario().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_client_serves_parallel_tests_3() {
    shared_client_scenario().await;
}

#[test]
fn client_outlives_a_test_runtime_that_stops_while_another_test_uses_it() {
    // reqwest pools connections driven by tasks on the runtime that opened them. Were they on
    // the first test's runtime, the second test's slow request would reuse that connection
    // and fail with "runtime dropped the dispatch task" when the first runtime is dropped.
    let client = Client::live(&SERVER);
    let first = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    first.block_on(client.get("/whoami").expect(401));
    // Let the connection go back to the pool, idle.
    std::thread::sleep(Duration::from_millis(50));
    let dropper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        drop(first);
    });
    let second = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let res = second.block_on(client.get("/slow").expect(200));
    assert_eq!(res.json::<String>(), "slow");
    dropper.join().unwrap();
}
