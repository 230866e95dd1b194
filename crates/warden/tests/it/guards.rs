//! The guards at the edge: the client IP behind trusted proxies, and the IP blocklist from the
//! settings and from its table, edited through the admin routes.
//!
//! The in-process client's peer is 127.0.0.1; tests that need other client addresses trust
//! loopback as a proxy and send `X-Forwarded-For`, as a proxy on the same host would.

use std::time::{Duration, Instant};

use http::HeaderValue;
use serde_json::json;
use warden::sql::{Database, Queries};
use warden::{App, Auth, ClientIp, CurrentUser, Open, Routes, Server, Settings, get, group};
use warden_test::Client;

use crate::common::{CountingHasher, client, settings, users};

fn routes() -> Routes<()> {
    Routes::new()
        .route(
            "/ip",
            get(Open, |ip: ClientIp| async move { ip.to_string() }),
        )
        .route(
            "/whoami",
            get(Auth, |user: CurrentUser| async move { user.to_string() }),
        )
}

fn guarded(trusted: &[&str], blocklist: &[&str]) -> Settings {
    let mut settings = settings();
    settings.server.trusted_proxies = trusted.iter().map(|s| (*s).to_owned()).collect();
    settings.server.blocklist = blocklist.iter().map(|s| (*s).to_owned()).collect();
    settings
}

fn app(settings: Settings) -> Client {
    client(
        App::builder(settings)
            .directory(users())
            .hasher(CountingHasher::default())
            .routes(routes())
            .build()
            .unwrap()
            .router(),
    )
}

async fn ip(client: &Client, headers: &[(&str, &str)]) -> String {
    let mut request = client.get("/ip");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.expect(200).await.text().to_owned()
}

#[tokio::test]
async fn forged_x_forwarded_for_from_an_untrusted_peer_is_ignored() {
    for trusted in [&[][..], &["10.0.0.0/8", "fd00::/8"]] {
        let client = app(guarded(trusted, &[]));
        assert_eq!(ip(&client, &[]).await, "127.0.0.1");
        let forged = [
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.9"),
        ];
        assert_eq!(ip(&client, &forged).await, "127.0.0.1");
    }
}

#[tokio::test]
async fn x_forwarded_for_from_a_trusted_proxy_is_read_from_the_right_past_trusted_hops() {
    let client = app(guarded(&["127.0.0.0/8", "10.0.0.0/8"], &[]));
    // The client forged 198.51.100.1; its first proxy (10.0.0.2) appended the real address.
    let chain = [("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.0.0.2")];
    assert_eq!(ip(&client, &chain).await, "203.0.113.9");
    assert_eq!(
        ip(&client, &[("x-forwarded-for", "2001:db8::7")]).await,
        "2001:db8::7"
    );
    // Every hop trusted: the farthest one is the client.
    assert_eq!(
        ip(&client, &[("x-forwarded-for", "10.0.0.3, 10.0.0.2")]).await,
        "10.0.0.3"
    );
}

#[tokio::test]
async fn forwarded_header_from_a_trusted_proxy_is_used_before_x_forwarded_for() {
    let client = app(guarded(&["127.0.0.0/8", "10.0.0.0/8"], &[]));
    let headers = [
        (
            "forwarded",
            "for=198.51.100.1, for=\"[2001:db8::9]:4711\";proto=https, for=10.0.0.2;by=10.0.0.1",
        ),
        ("x-forwarded-for", "192.0.2.1"),
    ];
    assert_eq!(ip(&client, &headers).await, "2001:db8::9");
}

#[tokio::test]
async fn malformed_forwarding_headers_fall_back_to_the_peer() {
    let client = app(guarded(&["127.0.0.0/8"], &[]));
    for value in [
        "garbage",
        "unknown",
        "203.0.113.9 198.51.100.1",
        "",
        ",",
        "[::1",
    ] {
        assert_eq!(
            ip(&client, &[("x-forwarded-for", value)]).await,
            "127.0.0.1",
            "{value:?}"
        );
    }
    for value in [
        "for=unknown",
        "for=_hidden",
        "proto=https",
        "for=\"[2001:db8::1\"",
        "=;=,",
    ] {
        assert_eq!(
            ip(&client, &[("forwarded", value)]).await,
            "127.0.0.1",
            "{value:?}"
        );
    }
    let not_utf8 = client
        .get("/ip")
        .header(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        )
        .expect(200)
        .await;
    assert_eq!(not_utf8.text(), "127.0.0.1");
}

#[tokio::test]
async fn blocklisted_ranges_from_settings_are_403_before_routing_and_authentication() {
    let client = app(guarded(
        &["127.0.0.0/8"],
        &["203.0.113.0/24", "2001:db8:bad::/48"],
    ));
    let mut bodies = Vec::new();
    for from in ["203.0.113.7", "2001:db8:bad::1", "::ffff:203.0.113.8"] {
        // Bad credentials, an unknown route, an open route: the same 403.
        let wrong = client
            .get("/whoami")
            .header("x-forwarded-for", from)
            .basic_auth("calvin", "wrong")
            .expect(403)
            .await;
        bodies.push(wrong.json_value());
        for path in ["/nowhere", "/ip"] {
            let r = client
                .get(path)
                .header("x-forwarded-for", from)
                .expect(403)
                .await;
            bodies.push(r.json_value());
        }
    }
    assert!(
        bodies
            .iter()
            .all(|b| *b == json!({"error": "access denied"}))
    );
    // Outside the ranges: authentication as usual.
    for from in ["203.0.114.1", "2001:db8:bac::1"] {
        client
            .get("/whoami")
            .header("x-forwarded-for", from)
            .basic_auth("calvin", "wrong")
            .expect(401)
            .await;
    }
}

#[tokio::test]
async fn invalid_ranges_fail_the_build_naming_each() {
    let err = App::builder(guarded(&["10.0.0.0/33", "fd00::/8"], &["nope"]))
        .routes(routes())
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("server.trusted_proxies: \"10.0.0.0/33\""),
        "{err}"
    );
    assert!(err.contains("server.blocklist: \"nope\""), "{err}");
}

#[tokio::test]
async fn the_blocklist_table_needs_a_database_with_warden_queries() {
    let err = App::builder(settings())
        .blocklist(group("ADMIN"))
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs a database"), "{err}");
}

/// An app with the blocklist table on `url` and its admin routes for ADMIN.
async fn app_on(url: &str, refresh: Duration) -> Client {
    let mut queries = Queries::new();
    warden::schema::add_queries(&mut queries).unwrap();
    let db = Database::connect(url, queries).await.unwrap();
    warden::schema::apply(&db).await.unwrap();
    let mut settings = guarded(&["127.0.0.0/8"], &[]);
    settings.server.blocklist_refresh = refresh;
    client(
        App::builder(settings)
            .directory(users())
            .hasher(CountingHasher::default())
            .database(db)
            .blocklist(group("ADMIN"))
            .routes(routes())
            .build()
            .unwrap()
            .router(),
    )
}

async fn status_from(client: &Client, from: &str) -> u16 {
    client
        .get("/ip")
        .header("x-forwarded-for", from)
        .send()
        .await
        .status()
        .as_u16()
}

/// Waits until `client` answers `status` to a request from `from`, and says how long it took.
async fn until(client: &Client, from: &str, status: u16, limit: Duration) -> Duration {
    let start = Instant::now();
    while status_from(client, from).await != status {
        assert!(
            start.elapsed() < limit,
            "{from} not {status} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

#[tokio::test]
async fn a_range_added_by_an_admin_blocks_at_once_here_and_within_the_refresh_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let refresh = Duration::from_millis(400);
    let (here, there) = (app_on(&url, refresh).await, app_on(&url, refresh).await);
    assert_eq!(status_from(&there, "203.0.113.7").await, 200);

    let added = here
        .post("/blocklist")
        .user("calvin")
        .json(&json!({"cidr": "203.0.113.7/24", "reason": "abuse"}))
        .expect(201)
        .await
        .json_value();
    assert_eq!(added["cidr"], "203.0.113.0/24");
    assert_eq!(added["reason"], "abuse");
    let listed = here.get("/blocklist").user("calvin").expect(200).await;
    assert_eq!(listed.json_value()[0]["cidr"], "203.0.113.0/24");
    here.post("/blocklist")
        .user("calvin")
        .json(&json!({"cidr": "2001:db8:bad::/48"}))
        .expect(201)
        .await;
    here.post("/blocklist")
        .user("calvin")
        .json(&json!({"cidr": "203.0.113.0/24"}))
        .expect(409)
        .await;

    // At once here, for IPv4 and IPv6, before authentication.
    assert_eq!(status_from(&here, "203.0.113.200").await, 403);
    assert_eq!(status_from(&here, "2001:db8:bad::5").await, 403);
    here.get("/whoami")
        .header("x-forwarded-for", "203.0.113.9")
        .basic_auth("calvin", "wrong")
        .expect(403)
        .await;
    assert_eq!(status_from(&here, "203.0.114.1").await, 200);
    // Within the refresh on the other instance.
    let took = until(&there, "203.0.113.7", 403, refresh * 3).await;
    assert!(took <= refresh + Duration::from_millis(200), "{took:?}");
    assert_eq!(status_from(&there, "2001:db8:bad::5").await, 403);

    // Removed: unblocked at once here, within the refresh there.
    here.delete("/blocklist/203.0.113.0%2F24")
        .user("calvin")
        .expect(204)
        .await;
    here.delete("/blocklist/203.0.113.0%2F24")
        .user("calvin")
        .expect(404)
        .await;
    assert_eq!(status_from(&here, "203.0.113.7").await, 200);
    assert_eq!(status_from(&here, "2001:db8:bad::5").await, 403);
    until(&there, "203.0.113.7", 200, refresh * 3).await;
}

#[tokio::test]
async fn only_the_declared_group_may_edit_the_blocklist_and_no_one_may_block_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let client = app_on(&url, Duration::from_secs(10)).await;
    client.get("/blocklist").user("hobbes").expect(403).await;
    client
        .post("/blocklist")
        .user("hobbes")
        .json(&json!({"cidr": "198.51.100.0/24"}))
        .expect(403)
        .await;
    client
        .delete("/blocklist/198.51.100.0%2F24")
        .user("hobbes")
        .expect(403)
        .await;
    client.get("/blocklist").expect(401).await;
    // The admin's own address (loopback here) cannot be blocked through the route.
    client
        .post("/blocklist")
        .user("calvin")
        .json(&json!({"cidr": "127.0.0.0/8"}))
        .expect(409)
        .await;
    client
        .post("/blocklist")
        .user("calvin")
        .json(&json!({"cidr": "not a range"}))
        .expect(400)
        .await;
    assert_eq!(status_from(&client, "127.0.0.1").await, 200);
    let listed = client.get("/blocklist").user("calvin").expect(200).await;
    assert_eq!(listed.json_value(), json!([]));
}

#[tokio::test]
async fn a_live_server_gives_the_socket_peer_and_ignores_a_forged_header() {
    let settings = guarded(&["10.0.0.0/8"], &[]);
    let server = Server::bind("127.0.0.1:0", &settings.server).await.unwrap();
    let addr = server.local_addr().unwrap();
    let router = App::builder(settings)
        .routes(routes())
        .build()
        .unwrap()
        .router();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.serve_with_shutdown(router, async {
        let _ = stopped.await;
    }));
    let client = Client::live(&format!("http://{addr}"));
    assert_eq!(
        ip(&client, &[("x-forwarded-for", "203.0.113.9")]).await,
        "127.0.0.1"
    );
    let _ = stop.send(());
    done.await.unwrap().unwrap();
}
