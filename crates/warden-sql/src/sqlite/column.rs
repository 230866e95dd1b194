//! SQLite values by declared column type: booleans, timestamps, decimals, JSON and UUIDs are
//! only known by the type a column was declared with.

use rusqlite::types::ValueRef;
use serde_json::Value;

use crate::value;

/// How to read a column, from its declared type (SQLite values have no type of their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ColumnKind {
    Plain,
    Bool,
    Timestamp,
    Decimal { scale: Option<usize> },
    Json,
    Uuid,
}

impl ColumnKind {
    /// Runs per query and column: compares in place, allocates nothing.
    pub(super) fn of(declared: Option<&str>) -> Self {
        let Some(declared) = declared else {
            return Self::Plain;
        };
        let (base, size) = match declared.split_once('(') {
            Some((base, size)) => (base.trim(), Some(size)),
            None => (declared.trim(), None),
        };
        let is = |name: &str| base.eq_ignore_ascii_case(name);
        if is("BOOL") || is("BOOLEAN") {
            Self::Bool
        } else if is("DATETIME")
            || is("TIMESTAMP")
            || is("TIMESTAMPTZ")
            || is("TIMESTAMP WITH TIME ZONE")
            || is("TIMESTAMP WITHOUT TIME ZONE")
        {
            Self::Timestamp
        } else if is("DECIMAL") || is("NUMERIC") {
            Self::Decimal {
                // SQL scales stay far below 100; anything else is not a scale worth padding to.
                scale: size
                    .and_then(|size| size.split_once(','))
                    .and_then(|(_, scale)| scale.trim_end_matches(')').trim().parse().ok())
                    .filter(|&scale| scale <= 100),
            }
        } else if is("JSON") || is("JSONB") {
            Self::Json
        } else if is("UUID") {
            Self::Uuid
        } else {
            Self::Plain
        }
    }
}

pub(super) fn convert(value: ValueRef<'_>, kind: ColumnKind) -> Value {
    match (value, kind) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), ColumnKind::Bool) => Value::Bool(i != 0),
        (ValueRef::Integer(i), ColumnKind::Decimal { scale }) => match scale {
            Some(scale) if scale > 0 => Value::String(format!("{i}.{:0<scale$}", "")),
            _ => Value::String(i.to_string()),
        },
        (ValueRef::Real(f), ColumnKind::Decimal { scale }) => Value::String(match scale {
            Some(scale) => format!("{f:.scale$}"),
            None => f.to_string(),
        }),
        (ValueRef::Integer(i), ColumnKind::Timestamp) => {
            match time::OffsetDateTime::from_unix_timestamp(i) {
                Ok(at) => value::timestamp(at),
                Err(_) => Value::from(i),
            }
        }
        (ValueRef::Integer(i), _) => Value::from(i),
        (ValueRef::Real(f), _) => value::float(f),
        (ValueRef::Text(bytes), kind) => {
            let text = String::from_utf8_lossy(bytes);
            match kind {
                ColumnKind::Timestamp => match value::parse_timestamp(&text) {
                    Some(at) => value::timestamp(at),
                    None => Value::String(text.into_owned()),
                },
                ColumnKind::Json => {
                    serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned()))
                }
                _ => Value::String(text.into_owned()),
            }
        }
        (ValueRef::Blob(bytes), ColumnKind::Uuid) => match uuid::Uuid::from_slice(bytes) {
            Ok(id) => Value::String(id.hyphenated().to_string()),
            Err(_) => value::base64(bytes),
        },
        (ValueRef::Blob(bytes), _) => value::base64(bytes),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn declared_types_choose_the_conversion() {
        assert_eq!(ColumnKind::of(Some("boolean")), ColumnKind::Bool);
        assert_eq!(
            ColumnKind::of(Some("DECIMAL(10, 2)")),
            ColumnKind::Decimal { scale: Some(2) }
        );
        assert_eq!(
            ColumnKind::of(Some("NUMERIC")),
            ColumnKind::Decimal { scale: None }
        );
        assert_eq!(
            ColumnKind::of(Some("DECIMAL(10, 99999999999)")),
            ColumnKind::Decimal { scale: None }
        );
        assert_eq!(ColumnKind::of(Some("timestamp")), ColumnKind::Timestamp);
        assert_eq!(ColumnKind::of(Some("TEXT")), ColumnKind::Plain);
        assert_eq!(ColumnKind::of(None), ColumnKind::Plain);
    }

    #[test]
    fn values_convert_by_declared_type() {
        let dec = ColumnKind::Decimal { scale: Some(2) };
        assert_eq!(convert(ValueRef::Integer(1), ColumnKind::Bool), json!(true));
        assert_eq!(convert(ValueRef::Integer(12), dec), json!("12.00"));
        assert_eq!(convert(ValueRef::Real(12.5), dec), json!("12.50"));
        assert_eq!(
            convert(ValueRef::Real(0.1), ColumnKind::Decimal { scale: None }),
            json!("0.1")
        );
        assert_eq!(
            convert(
                ValueRef::Text(b"2024-05-01 12:30:00"),
                ColumnKind::Timestamp
            ),
            json!("2024-05-01T12:30:00Z")
        );
        assert_eq!(
            convert(ValueRef::Text(b"not a date"), ColumnKind::Timestamp),
            json!("not a date")
        );
        assert_eq!(
            convert(ValueRef::Integer(0), ColumnKind::Timestamp),
            json!("1970-01-01T00:00:00Z")
        );
        assert_eq!(
            convert(ValueRef::Text(br#"{"a":[1]}"#), ColumnKind::Json),
            json!({"a": [1]})
        );
        assert_eq!(
            convert(ValueRef::Blob(&[0xff, 0]), ColumnKind::Plain),
            json!("/wA=")
        );
        assert_eq!(
            convert(ValueRef::Real(f64::NAN), ColumnKind::Plain),
            json!("NaN")
        );
    }
}
