//! Micro-benchmarks of warden's hot pieces, through its public API: a built [`App`]'s router
//! driven in-process with `oneshot` for the per-request pieces (so each figure is a whole
//! request through warden's layers, and `request/open` is the floor the others add to), token
//! minting through [`App::tokens`], and `.sql` parsing through [`Queries::parse`].
//!
//! `cargo bench --manifest-path bench/micro/Cargo.toml` (add `-- request/` to run a group).

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, StatusCode};
use serde::Deserialize;
use tower::ServiceExt as _;
use warden::{
    Access, App, Auth, CurrentUser, MemoryDirectory, ObjectCheck, Open, Params, Result, Routes,
    Secret, Settings, UserRecord, get, group, object,
};
use warden_sql::Queries;

/// calvin's password `hobbes`, as in examples/stuff/sql/data.sql.
const CALVIN_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$s0Dtr19l1YPKkHLiUWV6lQ$dG+9OgQEesjtwKBTLRGjLKMECrccmK6B0BxUqMKvaGc";
const QUERIES: &str = include_str!("../../../examples/stuff/sql/queries.sql");

async fn open() -> &'static str {
    "ok"
}

async fn whoami(user: CurrentUser) -> Json<CurrentUser> {
    Json(user)
}

#[derive(Deserialize)]
struct Typed {
    sid: i64,
    name: String,
    n: Option<u32>,
}

async fn params(Params(p): Params<Typed>) -> String {
    format!("{} {} {:?}", p.sid, p.name, p.n)
}

/// An object checker without SQL: calvin owns object 1.
async fn owned(check: ObjectCheck<()>) -> Result<Access> {
    let oid: i64 = check.value_as()?;
    Ok(if oid == 1 {
        Access::from(check.user.login() == "calvin")
    } else {
        Access::NotFound
    })
}

fn app() -> App {
    app_with(Settings::default())
}

/// The app with metrics kept (they are counted whether or not anyone scrapes them).
fn metered() -> App {
    let mut settings = Settings::default();
    settings.metrics.listen = Some("127.0.0.1:0".to_owned());
    app_with(settings)
}

/// The app with a per-IP rate limit that admits every request of a run (the in-process client
/// is always `0.0.0.0`): each request pays the limiter's one step on the memory store.
fn ip_limited() -> App {
    let mut settings = Settings::default();
    settings.limits.ip = Some(warden::Rate::per_second(1000).with_burst(u32::MAX));
    app_with(settings)
}

fn app_with(settings: Settings) -> App {
    let mut settings = Settings {
        secret: Some(Secret::new("micro-benchmark-secret-of-32-characters")),
        ..settings
    };
    // Long enough that no measurement pays a password hash again.
    settings.auth.cache_ttl = Duration::from_secs(3600);
    let users = MemoryDirectory::new().declare_group("ADMIN");
    users.insert(UserRecord::new("calvin", CALVIN_HASH).group("ADMIN"));
    App::builder(settings)
        .directory(users)
        .object("owned", owned)
        .routes(
            Routes::new()
                .route("/open", get(Open, open))
                .route("/whoami", get(Auth, whoami))
                .route("/admin", get(group("ADMIN"), whoami))
                .route("/object/{oid}", get(object("owned", "oid"), whoami))
                .route("/params/{sid}", get(Open, params)),
        )
        .build()
        .expect("a valid application")
}

fn request(path: &str, authorization: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path);
    if let Some(value) = authorization {
        builder = builder.header(http::header::AUTHORIZATION, value);
    }
    builder.body(Body::empty()).expect("a valid request")
}

fn per_request(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let app = app();
    let router = app.router();
    let token = app
        .tokens()
        .mint_for("calvin")
        .expect("a token")
        .into_string();
    let bearer = format!("Bearer {token}");
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "calvin:hobbes")
    );
    let cases: [(&str, &str, Option<&str>); 6] = [
        ("request/open", "/open", None),
        ("request/bearer", "/whoami", Some(&bearer)),
        ("request/basic_cached", "/whoami", Some(&basic)),
        ("request/params", "/params/42?name=chair&n=7", None),
        ("request/group", "/admin", Some(&bearer)),
        ("request/object", "/object/1", Some(&bearer)),
    ];
    for (name, path, authorization) in cases {
        // Also warms the caches (the one password hash of the Basic case is paid here).
        let status = rt.block_on(router.clone().oneshot(request(path, authorization)));
        assert_eq!(
            status.expect("infallible").status(),
            StatusCode::OK,
            "{name}"
        );
        c.bench_function(name, |b| {
            b.iter(|| rt.block_on(router.clone().oneshot(request(path, authorization))));
        });
    }
    // The guards' cost: `request/open` above has no limit (and the login throttle, on by
    // default, is not on its path; `request/basic_cached` skips it for a password verified
    // from the same client), this one a per-IP limit on the memory store.
    let limited = ip_limited().router();
    let open = || request("/open", None);
    let status = rt.block_on(limited.clone().oneshot(open()));
    assert_eq!(status.expect("infallible").status(), StatusCode::OK);
    c.bench_function("request/open_ip_limited", |b| {
        b.iter(|| rt.block_on(limited.clone().oneshot(open())));
    });
    // The metrics' cost: the same requests as `request/open` and `request/bearer`, counted.
    let metered_app = metered();
    let metered = metered_app.router();
    let token = metered_app
        .tokens()
        .mint_for("calvin")
        .expect("a token")
        .into_string();
    let bearer = format!("Bearer {token}");
    for (name, path, authorization) in [
        ("request/open_metered", "/open", None),
        ("request/bearer_metered", "/whoami", Some(bearer.as_str())),
    ] {
        let status = rt.block_on(metered.clone().oneshot(request(path, authorization)));
        assert_eq!(status.expect("infallible").status(), StatusCode::OK);
        c.bench_function(name, |b| {
            b.iter(|| rt.block_on(metered.clone().oneshot(request(path, authorization))));
        });
    }
}

fn tokens(c: &mut Criterion) {
    let tokens = app().tokens();
    c.bench_function("token/mint", |b| b.iter(|| tokens.mint_for("calvin")));
}

fn sql(c: &mut Criterion) {
    c.bench_function("sql/parse_queries", |b| {
        b.iter(|| Queries::parse("queries.sql", QUERIES).expect("valid queries"));
    });
}

criterion_group!(benches, per_request, tokens, sql);
criterion_main!(benches);
