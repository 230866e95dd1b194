//! MySQL and MariaDB through sqlx: positional `?` placeholders (a repeated parameter is bound
//! once per use), prepared statements cached per connection. What they share with PostgreSQL
//! (running queries, transactions, scripts) is in [`server`](crate::server); here is only what
//! MySQL does its own way.

use std::str::FromStr;

use serde_json::Value;
use sqlx::error::{BoxDynError, DatabaseError};
use sqlx::mysql::{
    MySql, MySqlArguments, MySqlConnectOptions, MySqlDatabaseError, MySqlQueryResult, MySqlValueRef,
};
use sqlx::{Arguments, Decode, Type, TypeInfo, ValueRef};

use crate::bind::Bind;
use crate::error::{Error, ErrorKind, Result};
use crate::query::Rendered;
use crate::server::{ConnectOptions, Server, server_error};
use crate::value;

impl Server for MySql {
    const BEGIN_READ: &'static str = "START TRANSACTION READ ONLY";
    const BEGIN_WRITE: Option<&'static str> = Some("START TRANSACTION READ WRITE");
    const REPORTS_INSERT_ID: bool = true;

    fn connect_options(url: &str, statements: usize) -> Result<ConnectOptions<Self>> {
        let url = url
            .strip_prefix("mariadb:")
            .map_or_else(|| url.to_owned(), |rest| format!("mysql:{rest}"));
        Ok(MySqlConnectOptions::from_str(&url)
            .map_err(server_error::<MySql>)?
            .statement_cache_capacity(statements))
    }

    fn arguments(rendered: &Rendered, binds: &[Bind]) -> Result<MySqlArguments> {
        arguments(rendered, binds)
    }

    fn convert(raw: MySqlValueRef<'_>) -> Result<Value, BoxDynError> {
        convert(raw)
    }

    fn rows_affected(done: &MySqlQueryResult) -> u64 {
        done.rows_affected()
    }

    fn inserted_id(done: &MySqlQueryResult) -> Option<u64> {
        Some(done.last_insert_id())
    }

    fn error_kind(error: &dyn DatabaseError) -> ErrorKind {
        let Some(error) = error.try_downcast_ref::<MySqlDatabaseError>() else {
            return ErrorKind::Other;
        };
        match error.number() {
            // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
            1792 => ErrorKind::ReadOnly,
            // Too many connections, lock wait timeout, deadlock, server shutdown, lost connection.
            1040 | 1205 | 1213 | 1053 | 2006 | 2013 => ErrorKind::Unavailable,
            _ => ErrorKind::Other,
        }
    }

    /// MySQL and MariaDB only name the constraint in their messages, which may quote the
    /// offending value: the key name is looked for after it.
    fn constraint(error: &dyn DatabaseError, kind: ErrorKind) -> Option<String> {
        let message = error.message();
        let name = match kind {
            ErrorKind::UniqueViolation => after_last(message, "for key '", "'"),
            ErrorKind::NotNullViolation => {
                between(message, "Column '", "'").or_else(|| between(message, "Field '", "'"))
            }
            _ => between(message, "CONSTRAINT `", "`")
                .or_else(|| between(message, "constraint '", "'")),
        };
        name.map(str::to_owned)
    }

    /// The message of a duplicate quotes the value ("Duplicate entry 'calvin' for key
    /// 'login'"): keep the log free of data.
    fn safe_message(
        _: &dyn DatabaseError,
        kind: ErrorKind,
        constraint: Option<&str>,
    ) -> Option<String> {
        (kind == ErrorKind::UniqueViolation).then(|| {
            format!(
                "error returned from database: duplicate entry for key '{}'",
                constraint.unwrap_or("?")
            )
        })
    }
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

fn after_last<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.rfind(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

fn arguments(rendered: &Rendered, binds: &[Bind]) -> Result<MySqlArguments> {
    let mut args = MySqlArguments::default();
    for &index in &rendered.binds {
        let bind = binds
            .get(index)
            .ok_or_else(|| Error::new(ErrorKind::Other, "placeholder without a parameter value"))?;
        match bind {
            Bind::Null => args.add(Option::<&str>::None),
            Bind::Bool(b) => args.add(*b),
            Bind::Int(i) => args.add(*i),
            Bind::Float(f) => args.add(*f),
            Bind::Text(s) => args.add(s.as_str()),
            Bind::Bytes(b) => args.add(b.as_slice()),
            Bind::Json(v) => args.add(v.to_string()),
        }
        .map_err(|e| Error::new(ErrorKind::InvalidParameter, format!("cannot bind: {e}")))?;
    }
    Ok(args)
}

fn decode<'r, T: Decode<'r, MySql>>(raw: MySqlValueRef<'r>) -> Result<T, BoxDynError> {
    T::decode(raw)
}

/// Converts one value, by its column type. MariaDB's `JSON` is `LONGTEXT` underneath and
/// arrives as text.
fn convert(raw: MySqlValueRef<'_>) -> Result<Value, BoxDynError> {
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let info = raw.type_info().into_owned();
    let name = info.name();
    Ok(match name {
        "BOOLEAN" => Value::Bool(decode::<i64>(raw)? != 0),
        "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => {
            Value::from(decode::<i64>(raw)?)
        }
        _ if name.ends_with(" UNSIGNED") || name == "BIT" => Value::from(decode::<u64>(raw)?),
        "FLOAT" => match decode::<f32>(raw)? {
            f if f.is_finite() => value::float(f.to_string().parse().unwrap_or(f64::from(f))),
            f => value::float(f64::from(f)),
        },
        "DOUBLE" => value::float(decode(raw)?),
        "DECIMAL" => Value::String(decode::<&str>(raw)?.to_owned()),
        "DATE" => value::date(decode(raw)?),
        "TIME" => value::time_of_day(decode(raw)?),
        "DATETIME" => value::naive_timestamp(decode(raw)?),
        // Stored in UTC and shown in the session's zone, which sqlx sets to UTC.
        "TIMESTAMP" => value::timestamp(decode(raw)?),
        "JSON" => decode::<Value>(raw)?,
        "NULL" => Value::Null,
        _ if <str as Type<MySql>>::compatible(&info) => {
            Value::String(decode::<&str>(raw)?.to_owned())
        }
        _ => value::base64(decode(raw)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_finds_the_quoted_name() {
        let message = "Duplicate entry 'x for key 'y' for key 'stuff'";
        assert_eq!(after_last(message, "for key '", "'"), Some("stuff"));
        let message = "CONSTRAINT `positive` failed for `db`.`t`";
        assert_eq!(between(message, "CONSTRAINT `", "`"), Some("positive"));
        assert_eq!(between("nothing", "CONSTRAINT `", "`"), None);
        assert_eq!(between("CONSTRAINT `open", "CONSTRAINT `", "`"), None);
    }
}
