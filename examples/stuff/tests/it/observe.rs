//! The `stuff` binary as an operator runs it in production: JSON logs in daily files with
//! every request's id and an error file apart, and metrics on an address of their own.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use warden_test::Client;

/// The URL after `prefix` on one of the first lines of the binary's standard output.
fn announced(lines: &[String], prefix: &str) -> String {
    lines
        .iter()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in {lines:?}"))
        .to_owned()
}

#[tokio::test]
async fn production_logs_to_daily_files_and_serves_metrics_apart() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stuff"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--mode",
            "production",
            "--database",
        ])
        .arg(format!("sqlite://{}", dir.path().join("o.db").display()))
        .env("WARDEN_SECRET", "k7Qp2vX9mZ4rT8wL1nB6yH3cF5gJ0dSaE2uW")
        .env("WARDEN_LOG__DIRECTORY", &logs)
        .env("WARDEN_METRICS__LISTEN", "127.0.0.1:0")
        // Not there: the store's warning goes to the error file, and logins answer 503.
        .env("WARDEN_STORE_URL", "redis://127.0.0.1:1")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        lines.push(line.trim_end().to_owned());
    }
    if lines.iter().any(String::is_empty) {
        let output = child.wait_with_output().unwrap();
        panic!(
            "stuff did not start: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let site = Client::live(&announced(&lines, "listening on "));
    let metrics_url = announced(&lines, "metrics on ");
    let (base, path) = metrics_url.rsplit_once('/').unwrap();
    assert_eq!(path, "metrics");
    let metrics = Client::live(base);

    let read = site.get("/stuff/1").expect(200).await;
    let read_id = read.header("x-request-id").unwrap().to_owned();
    let failed = site
        .get("/login")
        .basic_auth("calvin", "hobbes")
        .expect(503)
        .await;
    let failed_id = failed.header("x-request-id").unwrap().to_owned();
    site.get("/metrics").expect(404).await;
    let text = metrics.get("/metrics").expect(200).await.text().to_owned();
    assert!(
        text.contains(
            r#"warden_http_requests_total{method="GET",route="/stuff/{sid}",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"warden_dependency_errors_total{dependency="store"} 1"#),
        "{text}"
    );

    // SIGTERM, so that the log's queued lines are written before it exits.
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let mut files: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|f| f.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files[0].starts_with("stuff.2") && files[1].starts_with("stuff.error.2"));
    let all = std::fs::read_to_string(logs.join(&files[0])).unwrap();
    let errors = std::fs::read_to_string(logs.join(&files[1])).unwrap();
    let access = all
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .find(|l| l["span"]["id"] == read_id.as_str())
        .unwrap_or_else(|| panic!("no line of {read_id}:\n{all}"));
    assert_eq!(access["target"], "warden::access");
    assert_eq!(access["path"], "/stuff/1");
    assert_eq!(access["status"], 200);
    assert!(
        errors.contains("the Redis store is unreachable"),
        "{errors}"
    );
    assert!(errors.contains(&failed_id), "{errors}");
    assert!(!errors.contains(&read_id), "{errors}");
}
