//! PostgreSQL through sqlx: `$n` placeholders, prepared statements cached per connection.
//! What it shares with MySQL (running queries, transactions, scripts) is in
//! [`server`](crate::server); here is only what PostgreSQL does its own way.

use std::str::FromStr;

use serde_json::Value;
use sqlx::encode::IsNull;
use sqlx::error::{BoxDynError, DatabaseError};
use sqlx::postgres::types::{Oid, PgInterval};
use sqlx::postgres::{
    PgArgumentBuffer, PgArguments, PgConnectOptions, PgDatabaseError, PgQueryResult, PgTypeInfo,
    PgTypeKind, PgValueRef,
};
use sqlx::{Arguments, Decode, Encode, Postgres, TypeInfo, ValueRef};

use crate::bind::Bind;
use crate::error::{Error, ErrorKind, Result};
use crate::query::Rendered;
use crate::server::{ConnectOptions, Server, server_error};
use crate::value;

impl Server for Postgres {
    const BEGIN_READ: &'static str = "BEGIN READ ONLY";
    const BEGIN_WRITE: Option<&'static str> = None;
    const REPORTS_INSERT_ID: bool = false;

    fn connect_options(url: &str, statements: usize) -> Result<ConnectOptions<Self>> {
        Ok(PgConnectOptions::from_str(url)
            .map_err(server_error::<Postgres>)?
            .statement_cache_capacity(statements))
    }

    fn arguments(_: &Rendered, binds: &[Bind]) -> Result<PgArguments> {
        arguments(binds)
    }

    fn convert(raw: PgValueRef<'_>) -> Result<Value, BoxDynError> {
        convert(raw)
    }

    fn rows_affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }

    fn error_kind(error: &dyn DatabaseError) -> ErrorKind {
        let Some(error) = error.try_downcast_ref::<PgDatabaseError>() else {
            return ErrorKind::Other;
        };
        let code = error.code();
        match code {
            "25006" => ErrorKind::ReadOnly,
            // Serialisation failure, deadlock, lock not available, too many connections, out of
            // resources, shutdown or crash in progress, connection exceptions: try again later.
            "40001" | "40P01" | "55P03" | "53300" | "53400" | "57P01" | "57P02" | "57P03" => {
                ErrorKind::Unavailable
            }
            _ if code.starts_with("08") => ErrorKind::Unavailable,
            _ => ErrorKind::Other,
        }
    }

    fn constraint(error: &dyn DatabaseError, _: ErrorKind) -> Option<String> {
        let error = error.try_downcast_ref::<PgDatabaseError>()?;
        error.constraint().or(error.column()).map(str::to_owned)
    }
}

/// A NULL of no declared type: PostgreSQL infers it from the context, so that a null parameter
/// fits an integer, date or JSON column alike (a text-typed null would not).
struct UntypedNull;

impl sqlx::Type<Postgres> for UntypedNull {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(Oid(0))
    }
}

impl Encode<'_, Postgres> for UntypedNull {
    fn encode_by_ref(&self, _: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Ok(IsNull::Yes)
    }
}

fn arguments(binds: &[Bind]) -> Result<PgArguments> {
    let mut args = PgArguments::default();
    for bind in binds {
        match bind {
            Bind::Null => args.add(UntypedNull),
            Bind::Bool(b) => args.add(*b),
            Bind::Int(i) => args.add(*i),
            Bind::Float(f) => args.add(*f),
            Bind::Text(s) => args.add(s.as_str()),
            Bind::Bytes(b) => args.add(b.as_slice()),
            Bind::Json(v) => args.add(sqlx::types::Json(v)),
        }
        .map_err(|e| Error::new(ErrorKind::InvalidParameter, format!("cannot bind: {e}")))?;
    }
    Ok(args)
}

fn decode<'r, T: Decode<'r, Postgres>>(raw: PgValueRef<'r>) -> Result<T, BoxDynError> {
    T::decode(raw)
}

/// Converts one value, by its column type (domains by their base type).
fn convert(raw: PgValueRef<'_>) -> Result<Value, BoxDynError> {
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let mut info = raw.type_info().into_owned();
    while let PgTypeKind::Domain(base) = info.kind() {
        info = base.clone();
    }
    if let PgTypeKind::Enum(_) = info.kind() {
        return Ok(Value::String(decode::<String>(raw)?));
    }
    if let PgTypeKind::Array(element) = info.kind() {
        return array(raw, element.name());
    }
    Ok(match info.name() {
        "BOOL" => Value::Bool(decode(raw)?),
        "INT2" => Value::from(decode::<i16>(raw)?),
        "INT4" => Value::from(decode::<i32>(raw)?),
        "INT8" => Value::from(decode::<i64>(raw)?),
        "OID" => Value::from(decode::<Oid>(raw)?.0),
        "FLOAT4" => float4(decode(raw)?),
        "FLOAT8" => value::float(decode(raw)?),
        "NUMERIC" => Value::String(numeric(raw.as_bytes()?)?),
        "TEXT" | "VARCHAR" | "CHAR" | "NAME" | "UNKNOWN" | "CITEXT" | "citext" => {
            Value::String(decode(raw)?)
        }
        "\"CHAR\"" => Value::String(char::from(decode::<i8>(raw)?.cast_unsigned()).to_string()),
        "UUID" => Value::String(decode::<uuid::Uuid>(raw)?.hyphenated().to_string()),
        "JSON" | "JSONB" => decode::<Value>(raw)?,
        "BYTEA" => value::base64(decode(raw)?),
        "DATE" => value::date(decode(raw)?),
        "TIME" => value::time_of_day(decode(raw)?),
        "TIMESTAMP" => value::naive_timestamp(decode(raw)?),
        "TIMESTAMPTZ" => value::timestamp(decode(raw)?),
        "INTERVAL" => Value::String(interval(&decode::<PgInterval>(raw)?)),
        other => {
            return Err(format!(
                "unsupported PostgreSQL type {other}; cast it in SQL (e.g. ::text)"
            )
            .into());
        }
    })
}

/// FLOAT4 as its shortest decimal form, not the f64 widening (`0.1`, not `0.10000000149`).
fn float4(f: f32) -> Value {
    match f.to_string().parse::<f64>() {
        Ok(wide) if f.is_finite() => value::float(wide),
        _ => value::float(f64::from(f)),
    }
}

fn array(raw: PgValueRef<'_>, element: &str) -> Result<Value, BoxDynError> {
    fn list<T>(items: Vec<Option<T>>, f: impl Fn(T) -> Value) -> Value {
        Value::Array(
            items
                .into_iter()
                .map(|item| item.map_or(Value::Null, &f))
                .collect(),
        )
    }
    Ok(match element {
        "BOOL" => list(decode::<Vec<Option<bool>>>(raw)?, Value::Bool),
        "INT2" => list(decode::<Vec<Option<i16>>>(raw)?, Value::from),
        "INT4" => list(decode::<Vec<Option<i32>>>(raw)?, Value::from),
        "INT8" => list(decode::<Vec<Option<i64>>>(raw)?, Value::from),
        "FLOAT4" => list(decode::<Vec<Option<f32>>>(raw)?, float4),
        "FLOAT8" => list(decode::<Vec<Option<f64>>>(raw)?, value::float),
        "TEXT" | "VARCHAR" | "CHAR" | "NAME" => {
            list(decode::<Vec<Option<String>>>(raw)?, Value::String)
        }
        "UUID" => list(decode::<Vec<Option<uuid::Uuid>>>(raw)?, |id| {
            Value::String(id.hyphenated().to_string())
        }),
        "JSONB" | "JSON" => list(decode::<Vec<Option<Value>>>(raw)?, |v| v),
        other => {
            return Err(format!(
                "unsupported PostgreSQL array of {other}; cast it in SQL (e.g. ::text[])"
            )
            .into());
        }
    })
}

/// An interval in ISO 8601 form (`P1Y2M3DT4H5M6.5S`), PostgreSQL's `iso_8601` style.
fn interval(interval: &PgInterval) -> String {
    let mut text = String::from("P");
    let (years, months) = (interval.months / 12, interval.months % 12);
    for (amount, unit) in [(years, 'Y'), (months, 'M'), (interval.days, 'D')] {
        if amount != 0 {
            text.push_str(&format!("{amount}{unit}"));
        }
    }
    let micros = interval.microseconds;
    if micros != 0 {
        text.push('T');
        let (hours, rest) = (micros / 3_600_000_000, micros % 3_600_000_000);
        let (minutes, rest) = (rest / 60_000_000, rest % 60_000_000);
        if hours != 0 {
            text.push_str(&format!("{hours}H"));
        }
        if minutes != 0 {
            text.push_str(&format!("{minutes}M"));
        }
        if rest != 0 {
            let seconds = format!("{}.{:06}", rest / 1_000_000, (rest % 1_000_000).abs());
            let seconds = seconds.trim_end_matches('0').trim_end_matches('.');
            let sign = if rest < 0 && !seconds.starts_with('-') {
                "-"
            } else {
                ""
            };
            text.push_str(&format!("{sign}{seconds}S"));
        }
    }
    if text.len() == 1 {
        text.push_str("T0S");
    }
    text
}

/// NUMERIC's binary form to its decimal text, exactly as PostgreSQL prints it: every digit,
/// `dscale` digits after the point, `NaN`, `Infinity`, `-Infinity`.
fn numeric(bytes: &[u8]) -> Result<String, BoxDynError> {
    let word = |index: usize| -> Result<i16, BoxDynError> {
        bytes
            .get(index * 2..index * 2 + 2)
            .map(|b| i16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "truncated NUMERIC".into())
    };
    let count = usize::try_from(word(0)?).map_err(|_| "bad NUMERIC digit count")?;
    let weight = i32::from(word(1)?);
    let sign = word(2)?.cast_unsigned();
    let scale = usize::try_from(word(3)?).map_err(|_| "bad NUMERIC scale")?;
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        _ => return Err("bad NUMERIC sign".into()),
    }
    let digits = (0..count)
        .map(|i| {
            let digit = word(4 + i)?;
            if (0..10_000).contains(&digit) {
                Ok(digit)
            } else {
                Err(BoxDynError::from("bad NUMERIC digit"))
            }
        })
        .collect::<Result<Vec<i16>, _>>()?;
    // Base-10000 digit `i` is worth 10000^(weight - i).
    let digit_at = |position: i32| -> i16 {
        usize::try_from(weight - position)
            .ok()
            .and_then(|i| digits.get(i).copied())
            .unwrap_or(0)
    };
    let mut text = String::new();
    if sign == 0x4000 {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        text.push_str(&digit_at(weight).to_string());
        for position in (0..weight).rev() {
            text.push_str(&format!("{:04}", digit_at(position)));
        }
    }
    if scale > 0 {
        text.push('.');
        let mut fraction = String::with_capacity(scale + 4);
        let mut position = -1;
        while fraction.len() < scale {
            fraction.push_str(&format!("{:04}", digit_at(position)));
            position -= 1;
        }
        fraction.truncate(scale);
        text.push_str(&fraction);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_bytes(weight: i16, sign: u16, scale: i16, digits: &[i16]) -> Vec<u8> {
        let mut bytes = Vec::new();
        let count = i16::try_from(digits.len()).unwrap();
        for word in [count, weight, sign.cast_signed(), scale] {
            bytes.extend_from_slice(&word.to_be_bytes());
        }
        for digit in digits {
            bytes.extend_from_slice(&digit.to_be_bytes());
        }
        bytes
    }

    #[test]
    fn numerics_print_like_postgresql() {
        // 12.50 as NUMERIC(10,2): digits [12, 5000], weight 0, dscale 2.
        assert_eq!(
            numeric(&numeric_bytes(0, 0, 2, &[12, 5000])).unwrap(),
            "12.50"
        );
        // -123456789.000012345: [1, 2345, 6789, 0, 1234, 5000], weight 2, dscale 9.
        assert_eq!(
            numeric(&numeric_bytes(
                2,
                0x4000,
                9,
                &[1, 2345, 6789, 0, 1234, 5000]
            ))
            .unwrap(),
            "-123456789.000012345"
        );
        // 0.0001: [1], weight -1, dscale 4.
        assert_eq!(numeric(&numeric_bytes(-1, 0, 4, &[1])).unwrap(), "0.0001");
        // 0.00000001: [1], weight -2, dscale 8.
        assert_eq!(
            numeric(&numeric_bytes(-2, 0, 8, &[1])).unwrap(),
            "0.00000001"
        );
        // 100000000 (trailing zero digits omitted): [1], weight 2, dscale 0.
        assert_eq!(numeric(&numeric_bytes(2, 0, 0, &[1])).unwrap(), "100000000");
        assert_eq!(numeric(&numeric_bytes(0, 0, 0, &[])).unwrap(), "0");
        assert_eq!(numeric(&numeric_bytes(0, 0, 3, &[])).unwrap(), "0.000");
        assert_eq!(numeric(&numeric_bytes(0, 0xC000, 0, &[])).unwrap(), "NaN");
        assert!(numeric(&[0, 1]).is_err());
        assert!(numeric(&numeric_bytes(0, 0, 0, &[10_000])).is_err());
    }

    #[test]
    fn intervals_print_in_iso_8601() {
        let i = |months, days, microseconds| {
            interval(&PgInterval {
                months,
                days,
                microseconds,
            })
        };
        assert_eq!(
            i(14, 3, 4 * 3_600_000_000 + 5 * 60_000_000 + 6_500_000),
            "P1Y2M3DT4H5M6.5S"
        );
        assert_eq!(i(0, 0, 0), "PT0S");
        assert_eq!(i(0, 1, 0), "P1D");
        assert_eq!(i(0, 0, -1_500_000), "PT-1.5S");
    }

    #[test]
    fn float4_keeps_its_short_form() {
        assert_eq!(float4(0.1), serde_json::json!(0.1));
        assert_eq!(float4(f32::NAN), serde_json::json!("NaN"));
    }
}
