//! `/ready` against a PostgreSQL cluster of the test's own, made with `initdb` on a free port:
//! 503 while the server is stopped, 200 again once it is back. The shared cluster is never
//! touched; without PostgreSQL's server binaries the test says that it is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use warden::App;
use warden_test::Client;

use crate::common::{ErrorBody, serve_live, settings};

/// A throwaway cluster: stopped and removed when dropped, even when the test fails.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

/// `command` as PostgreSQL's OS user when this process is root (`initdb` refuses to run as
/// root), as is otherwise.
fn as_postgres(program: &Path) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Cluster {
    /// The newest `initdb` installed, if any.
    fn binaries() -> Option<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
            .collect();
        found.sort();
        found.pop()
    }

    /// Makes a cluster in a fresh directory owned by the user that runs it, and starts it.
    fn create(bin: PathBuf) -> Self {
        let mut mktemp = as_postgres(Path::new("mktemp"));
        mktemp.args(["-d", "/tmp/warden-ready-XXXXXX"]);
        let output = mktemp.output().unwrap();
        assert!(output.status.success(), "mktemp failed");
        let data = PathBuf::from(String::from_utf8(output.stdout).unwrap().trim());
        // A free port: bound, read, released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self { bin, data, port };
        let mut initdb = as_postgres(&cluster.bin.join("initdb"));
        initdb
            .args(["--auth=trust", "--username=postgres", "--no-sync", "-D"])
            .arg(&cluster.data);
        run(initdb);
        cluster.start();
        cluster
    }

    fn pg_ctl(&self, action: &str) -> Command {
        let mut pg_ctl = as_postgres(&self.bin.join("pg_ctl"));
        pg_ctl
            .arg("-D")
            .arg(&self.data)
            .args(["-w", "-t", "30", action]);
        pg_ctl
    }

    fn start(&self) {
        let mut start = self.pg_ctl("start");
        // Its socket in its own directory, TCP on loopback only, no durability needed.
        start
            .arg("-l")
            .arg(self.data.join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                self.port,
                self.data.display()
            ));
        run(start);
    }

    fn stop(&self) {
        let mut stop = self.pg_ctl("stop");
        stop.args(["-m", "fast"]);
        run(stop);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut stop = self.pg_ctl("stop");
        stop.args(["-m", "immediate"]);
        let _ = stop.output();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap()
}

/// The status of `/ready`, asked until it is `want` (for at most ten seconds).
async fn ready_becomes(client: &Client, want: u16) -> u16 {
    let mut status = 0;
    for _ in 0..100 {
        status = client.get("/ready").send().await.status().as_u16();
        if status == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    status
}

#[tokio::test]
async fn ready_is_503_while_postgresql_is_stopped_and_200_once_it_is_back() {
    let Some(bin) = Cluster::binaries() else {
        eprintln!(
            "skipped ready_is_503_while_postgresql_is_stopped: no initdb under /usr/lib/postgresql"
        );
        return;
    };
    let cluster = blocking(move || Cluster::create(bin)).await;
    let db = warden::sql::Database::connect(&cluster.url(), warden::sql::Queries::new())
        .await
        .unwrap();
    let app = App::builder(settings())
        .database(db.clone())
        .health()
        .build()
        .unwrap();
    let live = serve_live(app.router()).await;
    let client = Client::live(&live.url);
    client.get("/ready").expect(200).await;

    let cluster = blocking(move || {
        cluster.stop();
        cluster
    })
    .await;
    let stopped = client.get("/ready").expect(503).await;
    assert_eq!(stopped.error(), "service unavailable");
    assert!(stopped.header("retry-after").is_some());
    // The process itself still answers.
    client.get("/health").expect(200).await;

    let cluster = blocking(move || {
        cluster.start();
        cluster
    })
    .await;
    assert_eq!(
        ready_becomes(&client, 200).await,
        200,
        "ready once it is back"
    );
    db.close().await;
    drop(live);
    blocking(move || drop(cluster)).await;
}
