//! Tenant isolation checked at load ([`Tenancy::check`]): no database needed, each case is
//! checked under each backend's dialect.

use warden_sql::{Backend, ErrorKind, Queries, Tenancy, Unconstrained};

const ALL: &[Backend] = &Backend::ALL;
const PG: &[Backend] = &[Backend::Postgres];
const MYSQL: &[Backend] = &[Backend::MySql];
const SQLITE: &[Backend] = &[Backend::Sqlite];
const NOT_MYSQL: &[Backend] = &[Backend::Sqlite, Backend::Postgres];

fn tenancy() -> Tenancy {
    Tenancy::new()
        .table("projects", "tenant_id")
        .table("tasks", "tenant_id")
        .table("Users", "Org_Id")
}

fn check(text: &str, backend: Backend) -> Result<Vec<Unconstrained>, String> {
    let queries = Queries::parse("queries.sql", text).map_err(|e| format!("load: {e}"))?;
    tenancy().check(&queries, backend).map_err(|e| {
        assert_eq!(e.kind(), ErrorKind::Load, "{e}");
        e.message().to_owned()
    })
}

/// One query named `q` with `sql`.
fn one(sql: &str) -> String {
    format!("-- name: q\n{sql}")
}

/// Queries that every backend in its list accepts.
const PASSING: &[(&[Backend], &str)] = &[
    (
        ALL,
        "SELECT * FROM projects WHERE tenant_id = :tenant AND id = :id",
    ),
    (
        ALL,
        "SELECT p.* FROM projects p WHERE p.tenant_id = :tenant",
    ),
    (
        ALL,
        "SELECT p.* FROM projects AS p WHERE :tenant = p.tenant_id ORDER BY p.id",
    ),
    (
        ALL,
        "SELECT * FROM app.PROJECTS WHERE PROJECTS.Tenant_Id = :tenant",
    ),
    (
        ALL,
        "SELECT * FROM projects p WHERE (p.id = :id AND (p.tenant_id = :tenant)) AND p.x = 1",
    ),
    (ALL, "SELECT * FROM settings WHERE id = :id"),
    // Transitive: users and tasks join a constrained projects on their tenant columns.
    (
        ALL,
        "SELECT p.name, u.name FROM projects p \
         JOIN users u ON u.org_id = p.tenant_id AND u.id = p.owner \
         JOIN tasks t ON t.project_id = p.id AND t.tenant_id = u.org_id \
         WHERE p.tenant_id = :tenant",
    ),
    (
        ALL,
        "SELECT * FROM projects p, tasks t WHERE t.tenant_id = p.tenant_id AND p.tenant_id = :tenant",
    ),
    // An inner join's ON filters both sides.
    (
        ALL,
        "SELECT * FROM projects p JOIN tasks t ON p.tenant_id = :tenant AND t.tenant_id = p.tenant_id",
    ),
    // A left join's ON filters its right side.
    (
        ALL,
        "SELECT * FROM settings s LEFT JOIN projects p ON p.tenant_id = :tenant AND p.id = s.project_id",
    ),
    (
        ALL,
        "SELECT * FROM projects p WHERE p.tenant_id = :tenant AND p.id IN \
         (SELECT t.project_id FROM tasks t WHERE t.tenant_id = :tenant)",
    ),
    (
        ALL,
        "SELECT p.id, (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.tenant_id = :tenant) \
         FROM projects p WHERE p.tenant_id = :tenant",
    ),
    (
        ALL,
        "WITH mine AS (SELECT * FROM projects WHERE tenant_id = :tenant) \
         SELECT * FROM mine WHERE id = :id",
    ),
    (
        ALL,
        "SELECT id FROM projects WHERE tenant_id = :tenant UNION \
         SELECT project_id FROM tasks WHERE tenant_id = :tenant",
    ),
    (
        ALL,
        "SELECT x.id FROM (SELECT id FROM projects WHERE tenant_id = :tenant) AS x WHERE x.id > :id",
    ),
    (
        ALL,
        "UPDATE projects SET name = :name WHERE tenant_id = :tenant AND id = :id",
    ),
    (
        ALL,
        "UPDATE projects SET tenant_id = :tenant, name = :name WHERE tenant_id = :tenant",
    ),
    (
        ALL,
        "DELETE FROM projects WHERE id = :id AND tenant_id = :tenant",
    ),
    (
        ALL,
        "INSERT INTO projects (tenant_id, name) VALUES (:tenant, :name), (:tenant, 'x')",
    ),
    (
        ALL,
        "INSERT INTO projects (name, TENANT_ID) VALUES (:name, :tenant)",
    ),
    (
        ALL,
        "INSERT INTO tasks (tenant_id, project_id, title) \
         SELECT p.tenant_id, p.id, :title FROM projects p WHERE p.tenant_id = :tenant AND p.id = :project",
    ),
    (
        ALL,
        "INSERT INTO tasks (title, tenant_id) SELECT name, :tenant FROM projects \
         WHERE tenant_id = :tenant",
    ),
    (ALL, "INSERT INTO settings (k, v) VALUES (:k, :v)"),
    (
        NOT_MYSQL,
        "INSERT INTO projects (tenant_id, name) VALUES (:tenant, :name) \
         ON CONFLICT (tenant_id, name) DO UPDATE SET name = excluded.name",
    ),
    (ALL, "CREATE TABLE projects (id INTEGER, tenant_id INTEGER)"),
    (
        ALL,
        "CREATE INDEX projects_by_tenant ON projects (tenant_id)",
    ),
    (ALL, "SELEKT anything FROM settings"),
    // PostgreSQL: `::` casts, RETURNING.
    (
        PG,
        "SELECT p.id FROM projects p WHERE p.tenant_id = :tenant::uuid AND p.created > :since::timestamptz",
    ),
    (
        PG,
        "UPDATE projects AS p SET name = :name FROM users u \
         WHERE p.tenant_id = :tenant AND u.org_id = p.tenant_id AND u.id = p.owner \
         RETURNING p.id, p.tenant_id",
    ),
    (
        PG,
        "INSERT INTO projects (tenant_id, name) VALUES (:tenant, :name) RETURNING id",
    ),
    (
        PG,
        "DELETE FROM tasks t USING projects p WHERE t.project_id = p.id AND t.tenant_id = :tenant AND p.tenant_id = t.tenant_id",
    ),
    // MySQL: backticks, ON DUPLICATE KEY UPDATE, multi-table DELETE, INSERT ... SET.
    (
        MYSQL,
        "SELECT `p`.`id` FROM `projects` `p` WHERE `p`.`tenant_id` = :tenant",
    ),
    (
        MYSQL,
        "INSERT INTO `projects` (`tenant_id`, `name`) VALUES (:tenant, :name) \
         ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)",
    ),
    (
        MYSQL,
        "DELETE t FROM tasks t JOIN projects p ON p.id = t.project_id \
         WHERE p.tenant_id = :tenant AND t.tenant_id = p.tenant_id",
    ),
    (
        MYSQL,
        "INSERT INTO projects SET tenant_id = :tenant, name = :name",
    ),
    // SQLite: INSERT OR IGNORE.
    (
        SQLITE,
        "INSERT OR IGNORE INTO projects (tenant_id, name) VALUES (:tenant, :name)",
    ),
];

/// Queries refused, with a piece of the message each backend in its list gives.
const REFUSED: &[(&[Backend], &str, &str)] = &[
    (
        ALL,
        "SELECT * FROM projects",
        "queries.sql:2: query q reads tenant-bound table projects without the condition \
         projects.tenant_id = :tenant in its WHERE (or JOIN ... ON); add it, or mark the query \
         -- @unconstrained: <why>",
    ),
    (
        ALL,
        "SELECT * FROM projects p WHERE p.tenant_id = :tenant OR p.public",
        "without the condition p.tenant_id = :tenant",
    ),
    (
        ALL,
        "SELECT :tenant, * FROM projects",
        "reads tenant-bound table projects",
    ),
    (
        ALL,
        "SELECT * FROM projects WHERE tenant_id <> :tenant",
        "projects",
    ),
    (
        ALL,
        "SELECT * FROM projects WHERE tenant_id >= :tenant",
        "projects",
    ),
    (
        ALL,
        "SELECT * FROM projects WHERE NOT (tenant_id <> :tenant)",
        "projects",
    ),
    (
        ALL,
        "SELECT * FROM projects WHERE coalesce(tenant_id, :tenant) = :tenant",
        "projects",
    ),
    (
        ALL,
        "SELECT * FROM projects WHERE CASE WHEN tenant_id = :tenant THEN 1 ELSE 0 END = 1",
        "projects",
    ),
    (
        ALL,
        "SELECT * FROM projects WHERE tenant_id = :tenant_id",
        "projects",
    ),
    (
        ALL,
        "SELECT * FROM projects WHERE tenant_id = :tenant.id",
        "projects",
    ),
    (
        ALL,
        "SELECT * FROM projects WHERE tenant_id = :tenant + 0",
        "projects",
    ),
    (
        ALL,
        "SELECT * FROM projects WHERE other_id = :tenant",
        "projects",
    ),
    (
        ALL,
        "SELECT * FROM projects p WHERE q.tenant_id = :tenant",
        "p.tenant_id",
    ),
    (
        ALL,
        "SELECT * FROM projects p JOIN tasks t ON t.project_id = p.id WHERE tenant_id = :tenant",
        "table projects without the condition p.tenant_id",
    ),
    // Tenant columns equated with each other but with no constrained start.
    (
        ALL,
        "SELECT * FROM projects p JOIN tasks t ON t.tenant_id = p.tenant_id \
         WHERE p.tenant_id = t.tenant_id AND p.id = :id",
        "projects",
    ),
    // A left join's ON does not filter its left side.
    (
        ALL,
        "SELECT * FROM projects p LEFT JOIN tasks t ON p.tenant_id = :tenant AND t.tenant_id = p.tenant_id",
        "p.tenant_id",
    ),
    (
        ALL,
        "SELECT * FROM tasks t RIGHT JOIN projects p ON p.tenant_id = :tenant WHERE t.tenant_id = :tenant",
        "p.tenant_id",
    ),
    (
        ALL,
        "SELECT * FROM projects p WHERE p.tenant_id = :tenant AND p.id IN (SELECT project_id FROM tasks)",
        "reads tenant-bound table tasks without the condition tasks.tenant_id = :tenant",
    ),
    (
        ALL,
        "SELECT * FROM projects p WHERE p.tenant_id = :tenant AND EXISTS \
         (SELECT 1 FROM tasks t WHERE t.project_id = p.id AND p.tenant_id = :tenant)",
        "t.tenant_id",
    ),
    (
        ALL,
        "SELECT p.id, (SELECT count(*) FROM tasks t WHERE t.project_id = p.id) \
         FROM projects p WHERE p.tenant_id = :tenant",
        "t.tenant_id",
    ),
    (
        ALL,
        "SELECT * FROM (SELECT * FROM projects) x WHERE x.tenant_id = :tenant",
        "projects.tenant_id",
    ),
    (
        ALL,
        "WITH everything AS (SELECT * FROM projects) SELECT * FROM everything WHERE tenant_id = :tenant",
        "projects.tenant_id",
    ),
    (
        ALL,
        "SELECT id FROM projects WHERE tenant_id = :tenant UNION SELECT project_id FROM tasks",
        "tasks.tenant_id",
    ),
    (
        ALL,
        "SELECT id FROM projects WHERE tenant_id = :tenant UNION ALL SELECT id FROM projects \
         EXCEPT SELECT project_id FROM tasks WHERE tenant_id = :tenant",
        "projects.tenant_id",
    ),
    (
        ALL,
        "UPDATE projects SET name = :name",
        "query q updates tenant-bound table projects without the condition \
         projects.tenant_id = :tenant in its WHERE;",
    ),
    (
        ALL,
        "UPDATE projects SET tenant_id = :other WHERE tenant_id = :tenant AND id = :id",
        "query q sets the tenant column tenant_id of tenant-bound table projects to something \
         other than :tenant",
    ),
    (
        ALL,
        "UPDATE projects p SET p.name = :name WHERE p.tenant_id = :tenant AND p.id IN \
         (SELECT project_id FROM tasks)",
        "tasks",
    ),
    (
        ALL,
        "DELETE FROM projects WHERE id = :id",
        "query q deletes from tenant-bound table projects without the condition \
         projects.tenant_id = :tenant in its WHERE",
    ),
    (
        ALL,
        "DELETE FROM projects WHERE tenant_id = :tenant OR id = :id",
        "deletes from",
    ),
    (
        ALL,
        "INSERT INTO projects (tenant_id, name) VALUES (:other, :name)",
        "query q inserts into tenant-bound table projects with a value other than :tenant for \
         its tenant column tenant_id",
    ),
    (
        ALL,
        "INSERT INTO projects (tenant_id, name) VALUES (:tenant, :name), (:other, :name)",
        "with a value other than :tenant",
    ),
    (
        ALL,
        "INSERT INTO projects VALUES (:tenant, :name)",
        "inserts into tenant-bound table projects without a column list",
    ),
    (
        ALL,
        "INSERT INTO projects (name) VALUES (:name)",
        "without its tenant column tenant_id",
    ),
    (
        ALL,
        "INSERT INTO tasks (tenant_id, project_id) SELECT p.tenant_id, p.id FROM projects p WHERE p.id = :id",
        "inserts into tenant-bound table tasks with a value other than :tenant",
    ),
    (
        ALL,
        "INSERT INTO tasks (tenant_id, project_id) SELECT :tenant, p.id FROM projects p WHERE p.id = :id",
        "reads tenant-bound table projects",
    ),
    (
        NOT_MYSQL,
        "INSERT INTO projects (tenant_id, name) VALUES (:tenant, :name) \
         ON CONFLICT (name) DO UPDATE SET tenant_id = excluded.tenant_id",
        "sets the tenant column tenant_id",
    ),
    (
        PG,
        "DELETE FROM projects WHERE id = :id RETURNING *",
        "deletes from tenant-bound table projects",
    ),
    (
        PG,
        "UPDATE projects SET name = :name WHERE id = :id::int RETURNING tenant_id",
        "updates tenant-bound table projects",
    ),
    (
        PG,
        "SELECT * FROM projects WHERE tenant_id = :tenant UNION TABLE projects",
        "reads all of tenant-bound table projects with TABLE",
    ),
    (
        PG,
        "TRUNCATE projects",
        "truncates tenant-bound table projects, which empties it for every tenant",
    ),
    (
        PG,
        "WITH gone AS (DELETE FROM projects WHERE id = :id RETURNING *) SELECT count(*) FROM gone",
        "deletes from tenant-bound table projects",
    ),
    (
        PG,
        "MERGE INTO projects p USING incoming i ON p.id = i.id \
         WHEN MATCHED THEN UPDATE SET name = i.name",
        "uses tenant-bound table projects where its tenant constraint cannot be checked",
    ),
    (
        ALL,
        "EXPLAIN DELETE FROM tasks WHERE id = :id",
        "deletes from tenant-bound table tasks",
    ),
    (
        ALL,
        "CREATE TABLE copied AS SELECT * FROM projects",
        "reads tenant-bound table projects",
    ),
    (
        MYSQL,
        "SELECT `p`.`id` FROM `projects` `p` WHERE `p`.`owner` = :tenant",
        "p.tenant_id",
    ),
    (
        MYSQL,
        "INSERT INTO `projects` (`tenant_id`, `name`) VALUES (:tenant, :name) \
         ON DUPLICATE KEY UPDATE `tenant_id` = VALUES(`tenant_id`)",
        "sets the tenant column tenant_id",
    ),
    (
        MYSQL,
        "DELETE t FROM tasks t JOIN projects p ON p.id = t.project_id WHERE p.tenant_id = :tenant",
        "deletes from tenant-bound table tasks without the condition t.tenant_id",
    ),
    (
        MYSQL,
        "UPDATE projects p JOIN tasks t ON t.project_id = p.id SET t.tenant_id = :other \
         WHERE p.tenant_id = :tenant AND t.tenant_id = p.tenant_id",
        "sets the tenant column tenant_id of tenant-bound table tasks",
    ),
    (
        MYSQL,
        "INSERT INTO projects SET name = :name",
        "without setting its tenant column",
    ),
    (
        SQLITE,
        "INSERT OR REPLACE INTO projects VALUES (:id, :tenant)",
        "without a column list",
    ),
    (
        SQLITE,
        "INSERT OR IGNORE INTO projects (tenant_id, name) VALUES (:owner, :name)",
        "with a value other than :tenant",
    ),
    (
        SQLITE,
        "SELECT * FROM settings WHERE project_id IN projects",
        "uses tenant-bound table projects where its tenant constraint cannot be checked",
    ),
    (
        ALL,
        "SELEKT * FROM projects",
        "query q cannot be parsed to check its tenant constraint: ",
    ),
];

#[test]
fn constrained_queries_pass() {
    for &(backends, sql) in PASSING {
        for &backend in backends {
            assert_eq!(check(&one(sql), backend), Ok(vec![]), "{backend}: {sql}");
        }
    }
}

#[test]
fn unconstrained_queries_are_refused_with_the_table_and_what_to_do() {
    for &(backends, sql, expected) in REFUSED {
        for &backend in backends {
            match check(&one(sql), backend) {
                Err(message) => {
                    assert!(
                        message.contains(expected),
                        "{backend}: {sql}\n  said: {message}\n  expected: {expected}"
                    );
                    // Refused for what it says, not because the dialect could not parse it.
                    assert_eq!(
                        message.contains("cannot be parsed"),
                        expected.contains("cannot be parsed"),
                        "{backend}: {sql}\n  said: {message}"
                    );
                }
                Ok(_) => panic!("{backend}: {sql} passed"),
            }
        }
    }
}

#[test]
fn without_bound_tables_everything_passes() {
    let queries = Queries::parse("queries.sql", &one("SELECT * FROM projects")).unwrap();
    for backend in Backend::ALL {
        assert_eq!(Tenancy::new().check(&queries, backend).unwrap(), vec![]);
    }
}

#[test]
fn scripts_are_not_checked_but_many_statements_are() {
    let script = "-- name: wipe#\nDELETE FROM projects;\nSELECT * FROM tasks;";
    let many = "-- name: add_all*!\nINSERT INTO projects (tenant_id, name) VALUES (:owner, :name)";
    for backend in Backend::ALL {
        assert_eq!(check(script, backend), Ok(vec![]));
        let message = check(many, backend).unwrap_err();
        assert!(message.contains("query add_all inserts into"), "{message}");
    }
}

#[test]
fn the_error_points_at_the_line_of_the_unconstrained_table() {
    let text = "\
-- name: fine
SELECT 1;

-- name: list_projects
-- Lists projects with their tasks.
SELECT p.id,
       t.title
  FROM projects p
  JOIN tasks t ON t.project_id = p.id
 WHERE p.tenant_id = :tenant
 ORDER BY p.id;

-- name: also_bad
SELECT * FROM users;
";
    for backend in Backend::ALL {
        assert_eq!(
            check(text, backend).unwrap_err(),
            "queries.sql:9: query list_projects reads tenant-bound table tasks without the \
             condition t.tenant_id = :tenant in its WHERE (or JOIN ... ON); add it, or mark the \
             query -- @unconstrained: <why>",
            "{backend}"
        );
    }
}

#[test]
fn marked_queries_are_listed_with_their_reason() {
    let text = "\
-- name: ok
SELECT * FROM projects WHERE tenant_id = :tenant;

-- name: count_everything$
-- Counts every tenant's rows, for the operators.
-- @unconstrained: operators' dashboard
SELECT (SELECT count(*) FROM tasks) + (SELECT count(*) FROM USERS);

-- name: nightly_purge!
-- @unconstrained: runs for every tenant at night
DELETE FROM projects WHERE archived;
";
    for backend in Backend::ALL {
        let listed = check(text, backend).unwrap();
        assert_eq!(listed.len(), 2, "{backend}");
        assert_eq!(listed[0].name, "count_everything");
        assert_eq!(listed[0].reason, "operators' dashboard");
        assert_eq!(listed[0].tables, ["tasks", "users"]);
        assert_eq!(listed[0].origin.to_string(), "queries.sql:4");
        assert_eq!(listed[1].name, "nightly_purge");
        assert_eq!(listed[1].tables, ["projects"]);
    }
}

#[test]
fn an_unparseable_marked_query_is_listed_by_the_tables_it_names() {
    let text = "-- name: odd\n-- @unconstrained: vendor syntax\nSELEKT * FROM Projects";
    for backend in Backend::ALL {
        let listed = check(text, backend).unwrap();
        assert_eq!(listed[0].tables, ["projects"], "{backend}");
    }
}

#[test]
fn a_mark_needs_a_reason() {
    for mark in [
        "-- @unconstrained",
        "-- @unconstrained:",
        "-- @unconstrained:   ",
    ] {
        let text = format!("\n-- name: all\n{mark}\nSELECT * FROM projects");
        for backend in Backend::ALL {
            assert_eq!(
                check(&text, backend).unwrap_err(),
                "queries.sql:2: query all is marked @unconstrained without a reason; say why: \
                 -- @unconstrained: <why>",
                "{backend}: {mark}"
            );
        }
    }
}

#[test]
fn a_mark_on_a_query_that_touches_no_bound_table_is_refused() {
    let text = "-- name: settings\n-- @unconstrained: habit\nSELECT * FROM settings";
    for backend in Backend::ALL {
        assert_eq!(
            check(text, backend).unwrap_err(),
            "queries.sql:1: query settings is marked @unconstrained but touches no \
             tenant-bound table; remove the stale mark, which excuses nothing but misleads",
        );
    }
}

#[test]
fn the_first_offending_query_is_named() {
    let text =
        "-- name: a\nSELECT 1\n-- name: b\nSELECT * FROM tasks\n-- name: c\nSELECT * FROM projects";
    for backend in Backend::ALL {
        let message = check(text, backend).unwrap_err();
        assert!(message.starts_with("queries.sql:4: query b "), "{message}");
    }
}

#[test]
fn each_backend_checks_the_variant_it_runs() {
    let queries = Queries::from_sources([
        (
            "queries.sql",
            "-- name: list\nSELECT * FROM projects WHERE tenant_id = :tenant",
        ),
        (
            "queries.postgres.sql",
            "-- name: list\nSELECT * FROM projects WHERE tenant_id::text = :tenant",
        ),
    ])
    .unwrap();
    let tenancy = tenancy();
    assert!(tenancy.check(&queries, Backend::Sqlite).is_ok());
    assert!(tenancy.check(&queries, Backend::MySql).is_ok());
    let error = tenancy.check(&queries, Backend::Postgres).unwrap_err();
    assert!(
        error
            .message()
            .starts_with("queries.postgres.sql:2: query list reads"),
        "{error}"
    );
}

/// Builds a SELECT over some of projects p, tasks t (both bound) and settings s (not), with
/// joins and conditions drawn from `choices`: each byte picks the next branch.
struct Builder<'a> {
    choices: std::slice::Iter<'a, u8>,
}

impl Builder<'_> {
    fn pick(&mut self, n: usize) -> usize {
        self.choices.next().map_or(0, |&b| usize::from(b) % n)
    }

    fn atom(&mut self, aliases: &[&str]) -> String {
        let a = aliases[self.pick(aliases.len())];
        let b = aliases[self.pick(aliases.len())];
        match self.pick(7) {
            0 => format!("{a}.tenant_id = :tenant"),
            1 => format!(":tenant = {a}.tenant_id"),
            2 => format!("{a}.tenant_id = {b}.tenant_id"),
            3 => format!("{a}.id = :id"),
            4 => "tenant_id = :tenant".to_owned(),
            5 => format!("{a}.tenant_id <> :tenant"),
            _ => format!("{a}.tenant_id = :other"),
        }
    }

    fn condition(&mut self, aliases: &[&str], depth: usize) -> String {
        match if depth == 0 { 0 } else { self.pick(5) } {
            0 | 1 => self.atom(aliases),
            2 => format!(
                "({} AND {})",
                self.condition(aliases, depth - 1),
                self.condition(aliases, depth - 1)
            ),
            3 => format!(
                "({} OR {})",
                self.condition(aliases, depth - 1),
                self.condition(aliases, depth - 1)
            ),
            _ => format!("NOT ({})", self.condition(aliases, depth - 1)),
        }
    }

    fn select(&mut self) -> String {
        let tables = [("projects", "p"), ("tasks", "t"), ("settings", "s")];
        let first = self.pick(3);
        let mut aliases = vec![tables[first].1];
        let mut from = format!("{} {}", tables[first].0, tables[first].1);
        let head = tables[first].1;
        for (table, alias) in tables.iter().filter(|(_, a)| *a != head) {
            match self.pick(4) {
                0 => continue,
                1 => from.push_str(&format!(", {table} {alias}")),
                kind => {
                    aliases.push(alias);
                    let join = if kind == 2 { "JOIN" } else { "LEFT JOIN" };
                    let on = self.condition(&aliases, 2);
                    from.push_str(&format!(" {join} {table} {alias} ON {on}"));
                    continue;
                }
            }
            aliases.push(alias);
        }
        let select = match self.pick(3) {
            0 => format!("SELECT * FROM {from}"),
            _ => format!("SELECT * FROM {from} WHERE {}", self.condition(&aliases, 3)),
        };
        match self.pick(4) {
            0 => format!("SELECT x.* FROM ({select}) x"),
            1 => format!("SELECT 1 WHERE EXISTS ({select})"),
            _ => select,
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

    /// Whatever makes a query pass, it hangs on `:tenant`: the same query with another
    /// parameter in its place is refused.
    #[test]
    fn nothing_passes_without_the_tenant_parameter(
        choices in proptest::collection::vec(proptest::prelude::any::<u8>(), 8..64)
    ) {
        let sql = Builder { choices: choices.iter() }.select();
        let mentions_bound = sql.contains("projects p") || sql.contains("tasks t");
        for backend in Backend::ALL {
            let checked = check(&one(&sql), backend);
            if let Err(message) = &checked {
                proptest::prop_assert!(!message.contains("cannot be parsed"), "{}: {}", sql, message);
            }
            if checked.is_ok() && mentions_bound {
                let other = sql.replace(":tenant", ":someone_else");
                proptest::prop_assert!(
                    check(&one(&other), backend).is_err(),
                    "{backend}: passes without :tenant: {other}"
                );
            }
        }
    }
}
