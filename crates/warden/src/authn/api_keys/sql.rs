//! API keys in SQL, through named queries.

use serde_json::{Value, json};
use warden_sql::{Database, QueryKind, Row};

use super::{ApiKey, ApiKeyStore};
use crate::build_error::BuildError;
use crate::error::Result;
use crate::sql::check_query;
use futures_util::future::BoxFuture;

/// An [`ApiKeyStore`] in warden's own `warden_api_key` table, created by
/// [`schema::apply`](crate::schema::apply), through warden's `warden_key_*` queries
/// (added to the application's by [`schema::add_queries`](crate::schema::add_queries)). Both
/// are checked when it is built.
#[derive(Clone, Debug)]
pub struct SqlApiKeys {
    db: Database,
}

const QUERIES: [(&str, QueryKind, &[&str]); 5] = [
    (
        "warden_key_insert",
        QueryKind::Execute,
        &["id", "login", "name", "hash", "sealed_signing_key"],
    ),
    ("warden_key_find", QueryKind::One, &["id"]),
    ("warden_key_list", QueryKind::Rows, &["login"]),
    ("warden_key_revoke", QueryKind::Execute, &["id", "login"]),
    ("warden_key_touch", QueryKind::Execute, &["id"]),
];

impl SqlApiKeys {
    /// Keys through the `warden_key_*` queries, which must exist with these suffixes and
    /// parameters.
    pub fn new(db: Database) -> Result<Self, BuildError> {
        for (name, kind, params) in QUERIES {
            check_query(&db, name, kind, params).map_err(|e| {
                BuildError::from(format!(
                    "{}; add warden's queries (warden::schema::add_queries)",
                    e.problems().join("; ")
                ))
            })?;
        }
        Ok(Self { db })
    }
}

fn text(row: &Row, column: &str) -> Option<String> {
    match row.get(column)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn key(row: &Row) -> ApiKey {
    ApiKey {
        id: text(row, "id").unwrap_or_default(),
        login: text(row, "login").unwrap_or_default(),
        name: text(row, "name").unwrap_or_default(),
        hash: text(row, "hash").unwrap_or_default(),
        sealed_signing_key: text(row, "sealed_signing_key"),
        created: text(row, "created"),
        last_used: text(row, "last_used"),
        revoked: match row.get("revoked") {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64() != Some(0),
            _ => false,
        },
    }
}

impl ApiKeyStore for SqlApiKeys {
    fn create<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let params = json!({
                "id": key.id,
                "login": key.login,
                "name": key.name,
                "hash": key.hash,
                "sealed_signing_key": key.sealed_signing_key,
            });
            self.db.execute("warden_key_insert", &params).await?;
            Ok(())
        })
    }

    fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<ApiKey>>> {
        Box::pin(async move {
            let row = self.db.one("warden_key_find", &json!({ "id": id })).await?;
            Ok(row.as_ref().map(key))
        })
    }

    fn list<'a>(&'a self, login: &'a str) -> BoxFuture<'a, Result<Vec<ApiKey>>> {
        Box::pin(async move {
            let rows = self
                .db
                .rows("warden_key_list", &json!({ "login": login }))
                .await?;
            Ok(rows.iter().map(key).collect())
        })
    }

    fn revoke<'a>(&'a self, login: &'a str, id: &'a str) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            let changed = self
                .db
                .execute("warden_key_revoke", &json!({ "id": id, "login": login }))
                .await?;
            Ok(changed > 0)
        })
    }

    fn touch<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.db
                .execute("warden_key_touch", &json!({ "id": id }))
                .await?;
            Ok(())
        })
    }
}
