//! The tenant check at startup: a query on a tenant-bound table without its `:tenant`
//! condition stops the build with its file, line and table; the queries that may cross
//! tenants are listed.

use crate::support::settings;

async fn build_with(extra: &str) -> Result<warden::App, warden::BuildError> {
    let dir = tempfile_dir();
    let url = format!("sqlite://{}/saas.db", dir.display());
    let mut queries = saas::queries().unwrap();
    queries.add_str("sql/extra.sql", extra).unwrap();
    let settings = settings();
    let db = saas::connect(&url, queries, &settings).await.unwrap();
    let built = saas::app(settings, db);
    let _ = std::fs::remove_dir_all(&dir);
    built
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "saas-loading-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn a_query_that_forgets_the_tenant_stops_the_build() {
    // The seed's batch update without its tenant condition: the mistake seeds/001 warns of.
    let Err(error) = build_with(
        "-- name: archive_projects!\n-- Forgets the tenant.\nUPDATE projects\n  SET status = 1\n  WHERE id = :id OR tenant_id = :tenant;\n",
    )
    .await
    else {
        panic!("the build fails");
    };
    let message = error.to_string();
    assert!(message.contains("sql/extra.sql:3"), "{message}");
    assert!(message.contains("archive_projects"), "{message}");
    assert!(message.contains("projects"), "{message}");
}

#[tokio::test]
async fn the_queries_that_may_cross_tenants_are_listed_at_startup() {
    let app = build_with("-- name: nothing_more$\nSELECT 1;\n")
        .await
        .unwrap();
    let listed = app
        .warnings()
        .iter()
        .find(|w| w.contains("may cross tenants"))
        .expect("a warning lists them");
    for query in ["all_projects", "add_tenant_admin", "count_users"] {
        assert!(listed.contains(query), "{listed}");
    }
    assert!(
        listed.contains("platform administrators list every tenant's projects"),
        "{listed}"
    );
    assert!(!listed.contains("get_project"), "{listed}");
}
