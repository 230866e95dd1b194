//! MySQL and MariaDB through sqlx: positional `?` placeholders (a repeated parameter is bound
//! once per use), prepared statements cached per connection.

use std::str::FromStr;

use futures_util::TryStreamExt as _;
use serde_json::Value;
use sqlx::error::BoxDynError;
use sqlx::mysql::{
    MySql, MySqlArguments, MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlRow,
    MySqlValueRef,
};
use sqlx::{Arguments, AssertSqlSafe, Column, Decode, Either, Row, Type, TypeInfo, ValueRef};

use crate::bind::Bind;
use crate::error::{Error, ErrorKind, Result};
use crate::query::Rendered;
use crate::server::server_error;
use crate::transaction::{Fetch, Sink};
use crate::{Options, TxMode, value};

pub(crate) type MySqlTx = sqlx::Transaction<'static, MySql>;

pub(crate) async fn connect(url: &str, options: &Options, statements: usize) -> Result<MySqlPool> {
    let url = url
        .strip_prefix("mariadb:")
        .map_or_else(|| url.to_owned(), |rest| format!("mysql:{rest}"));
    let connect = MySqlConnectOptions::from_str(&url)
        .map_err(server_error)?
        .statement_cache_capacity(statements);
    MySqlPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.acquire_timeout)
        .connect_with(connect)
        .await
        .map_err(server_error)
}

pub(crate) async fn begin(pool: &MySqlPool, mode: TxMode) -> Result<MySqlTx> {
    match mode {
        TxMode::Read => pool.begin_with("START TRANSACTION READ ONLY").await,
        TxMode::Write => pool.begin_with("START TRANSACTION READ WRITE").await,
    }
    .map_err(server_error)
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

fn query<'q>(
    rendered: &Rendered,
    binds: &[Bind],
) -> Result<sqlx::query::Query<'q, MySql, MySqlArguments>> {
    Ok(sqlx::query_with(
        AssertSqlSafe(rendered.sql.clone()),
        arguments(rendered, binds)?,
    ))
}

pub(crate) async fn fetch<S: Sink>(
    tx: &mut MySqlTx,
    rendered: &Rendered,
    binds: &[Bind],
    how: Fetch,
    sink: &mut S,
) -> Result<()> {
    let query = query(rendered, binds)?;
    let rows = if how.last_insert_id {
        // MySQL has no RETURNING: like aiosql, an insert that returns no rows gives its new
        // row's id.
        let mut rows = Vec::new();
        let mut inserted = None;
        let mut results = sqlx::Executor::fetch_many(&mut **tx, query);
        while let Some(item) = results.try_next().await.map_err(server_error)? {
            match item {
                Either::Left(done) if done.rows_affected() > 0 && done.last_insert_id() > 0 => {
                    inserted = Some(done.last_insert_id());
                }
                Either::Left(_) => {}
                Either::Right(row) => rows.push(row),
            }
        }
        drop(results);
        if let (true, Some(id)) = (rows.is_empty(), inserted) {
            return sink.row(&["last_insert_id"], vec![Value::from(id)]);
        }
        rows
    } else if how.first_only {
        query
            .fetch_optional(&mut **tx)
            .await
            .map(|row| row.into_iter().collect())
            .map_err(server_error)?
    } else {
        query.fetch_all(&mut **tx).await.map_err(server_error)?
    };
    for row in rows
        .iter()
        .take(if how.first_only { 1 } else { usize::MAX })
    {
        let names: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
        let mut values = Vec::with_capacity(names.len());
        for index in 0..names.len() {
            let raw = row.try_get_raw(index).map_err(server_error)?;
            values.push(convert(raw).map_err(|e| decode_error(row, index, &e))?);
        }
        sink.row(&names, values)?;
    }
    Ok(())
}

fn decode_error(row: &MySqlRow, index: usize, error: &BoxDynError) -> Error {
    let column = &row.columns()[index];
    Error::new(
        ErrorKind::Decode,
        format!(
            "column {} of type {}: {error}",
            column.name(),
            column.type_info().name()
        ),
    )
}

pub(crate) async fn execute(
    tx: &mut MySqlTx,
    rendered: &Rendered,
    sets: &[Vec<Bind>],
) -> Result<u64> {
    let mut total = 0;
    for binds in sets {
        let done = query(rendered, binds)?
            .execute(&mut **tx)
            .await
            .map_err(server_error)?;
        total += done.rows_affected();
    }
    Ok(total)
}

pub(crate) async fn script(tx: &mut MySqlTx, sql: &std::sync::Arc<str>) -> Result<()> {
    sqlx::raw_sql(AssertSqlSafe(sql.clone()))
        .execute(&mut **tx)
        .await
        .map(drop)
        .map_err(server_error)
}

pub(crate) async fn run_script(pool: &MySqlPool, sql: &str) -> Result<()> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .map(drop)
        .map_err(server_error)
}

pub(crate) async fn commit(tx: MySqlTx) -> Result<()> {
    tx.commit().await.map_err(server_error)
}

pub(crate) async fn rollback(tx: MySqlTx) -> Result<()> {
    tx.rollback().await.map_err(server_error)
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
