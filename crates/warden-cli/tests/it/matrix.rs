//! `routes --matrix --replay`: the matrix computed from a test back-end's declarations, sent to
//! that back-end served live, finds the route whose handler decides on its own.

use clap::Parser;
use warden::{
    App, Auth, CurrentUser, Error, MemoryDirectory, Routes, Server, Settings, get, group,
};

use super::SECRET;

#[derive(Parser)]
struct Line {
    #[command(subcommand)]
    command: warden_cli::Command,
}

/// Declared for any user, but the handler lets only calvin through: an authorization decided
/// where the declarations (and so the matrix) cannot see it.
async fn report(user: CurrentUser) -> Result<&'static str, Error> {
    if user.login() == "calvin" {
        Ok("the report")
    } else {
        Err(Error::forbidden("not your report"))
    }
}

async fn ok() -> &'static str {
    "ok"
}

fn back_end() -> App {
    let users = MemoryDirectory::new().declare_group("ADMIN");
    users.insert(warden::UserRecord::without_password("calvin").group("ADMIN"));
    users.insert(warden::UserRecord::without_password("hobbes"));
    let settings = Settings {
        secret: Some(warden::Secret::new(SECRET)),
        ..Settings::default()
    };
    App::builder(settings)
        .directory(users)
        .routes(
            Routes::new()
                .route("/admin", get(group("ADMIN"), ok))
                .route("/hello", get(Auth, ok))
                .route("/reports/{rid}", get(Auth, report))
                .route("/closed", get(warden::Close, ok)),
        )
        .build()
        .unwrap()
}

async fn run(app: &App, line: &[&str]) -> (bool, String) {
    let command = Line::try_parse_from(std::iter::once("test").chain(line.iter().copied()))
        .unwrap()
        .command;
    let ctx = warden_cli::Context::new(app.settings().clone()).app(app);
    let mut out = Vec::new();
    let ok = warden_cli::run_command(command, &ctx, &mut out)
        .await
        .unwrap();
    (ok, String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn the_replay_finds_the_route_that_decides_in_its_handler() {
    let app = back_end();
    let (ok, matrix) = run(
        &app,
        &["routes", "--matrix", "--user", "calvin", "--user", "hobbes"],
    )
    .await;
    assert!(ok);
    let row = |path: &str| {
        matrix
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(path))
            .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no row {path} in\n{matrix}"))
    };
    assert_eq!(row("/admin"), ["401", "200", "403"], "{matrix}");
    assert_eq!(row("/hello"), ["401", "200", "200"], "{matrix}");
    assert_eq!(row("/reports/{rid}"), ["401", "200", "200"], "{matrix}");
    assert_eq!(row("/closed"), ["403", "403", "403"], "{matrix}");

    let server = Server::bind("127.0.0.1:0", &app.settings().server)
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    let serving = tokio::spawn(server.serve(app.router()));
    let (ok, replay) = run(
        &app,
        &[
            "routes", "--matrix", "--user", "calvin", "--user", "hobbes", "--replay", &url,
        ],
    )
    .await;
    serving.abort();
    assert!(!ok, "{replay}");
    let found: Vec<&str> = replay
        .lines()
        .filter(|l| l.starts_with("disagree"))
        .collect();
    assert_eq!(
        found,
        ["disagree: GET /reports/1 as hobbes: the matrix says 200, the server answered 403"],
        "{replay}"
    );
    assert!(
        replay.ends_with(&format!("replayed 12 requests to {url}: 1 disagree\n")),
        "{replay}"
    );
}
