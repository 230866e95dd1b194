//! Result values: the JSON forms every backend converts its column types to, and typed rows.
//!
//! The mapping is documented in the crate documentation (section *Results*).

use std::fmt;

use base64::Engine as _;
use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Unexpected, Visitor};
use serde_json::{Number, Value};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::error::{Error, ErrorKind, Result};

/// A result row: column name -> value, in the order of the query's columns.
pub type Row = serde_json::Map<String, Value>;

pub(crate) fn float(value: f64) -> Value {
    match Number::from_f64(value) {
        Some(number) => Value::Number(number),
        None if value.is_nan() => Value::String("NaN".into()),
        None if value > 0.0 => Value::String("Infinity".into()),
        None => Value::String("-Infinity".into()),
    }
}

pub(crate) fn base64(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

pub(crate) fn date(date: Date) -> Value {
    Value::String(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}

pub(crate) fn time_of_day(time: Time) -> Value {
    let mut text = format!(
        "{:02}:{:02}:{:02}",
        time.hour(),
        time.minute(),
        time.second()
    );
    push_fraction(&mut text, time.nanosecond());
    Value::String(text)
}

fn push_fraction(text: &mut String, nanos: u32) {
    if nanos != 0 {
        let digits = format!(".{nanos:09}");
        text.push_str(digits.trim_end_matches('0'));
    }
}

/// A timestamp, in UTC with `Z`.
pub(crate) fn timestamp(at: OffsetDateTime) -> Value {
    // Near the ends of the supported range UTC may not exist: keep the offset then.
    let utc = at.checked_to_offset(UtcOffset::UTC).unwrap_or(at);
    let text = utc
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| utc.to_string());
    Value::String(text)
}

/// A timestamp without a zone, taken as UTC (see the module documentation).
pub(crate) fn naive_timestamp(at: PrimitiveDateTime) -> Value {
    timestamp(at.assume_utc())
}

/// Parses the timestamp texts SQLite's date functions write and RFC 3339:
/// `YYYY-MM-DD[ T]HH:MM[:SS[.fff]][Z|±HH:MM]`, a bare date meaning midnight. Without an offset,
/// UTC.
pub(crate) fn parse_timestamp(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let day = parse_date(text.get(..10)?)?;
    let rest = text.get(10..)?;
    if rest.is_empty() {
        return Some(day.midnight().assume_utc());
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(at) => (&rest[..at], parse_offset(&rest[at..])?),
        None => (rest, UtcOffset::UTC),
    };
    let clock = parse_time(clock)?;
    Some(PrimitiveDateTime::new(day, clock).assume_offset(offset))
}

fn number<T: std::str::FromStr>(text: &str, len: usize) -> Option<T> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

pub(crate) fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let year: i32 = number(parts.next()?, 4)?;
    let month: u8 = number(parts.next()?, 2)?;
    let day: u8 = number(parts.next()?, 2)?;
    if parts.next().is_some() {
        return None;
    }
    Date::from_calendar_date(year, month.try_into().ok()?, day).ok()
}

fn parse_time(text: &str) -> Option<Time> {
    let (clock, fraction) = match text.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (text, None),
    };
    let mut parts = clock.split(':');
    let hour: u8 = number(parts.next()?, 2)?;
    let minute: u8 = number(parts.next()?, 2)?;
    let second: u8 = match parts.next() {
        Some(second) => number(second, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let nanos = match fraction {
        None => 0,
        Some(digits) if (1..=9).contains(&digits.len()) => {
            let value: u32 = number(digits, digits.len())?;
            value * 10u32.pow(9 - digits.len() as u32)
        }
        Some(_) => return None,
    };
    Time::from_hms_nano(hour, minute, second, nanos).ok()
}

fn parse_offset(text: &str) -> Option<UtcOffset> {
    if text.eq_ignore_ascii_case("z") {
        return Some(UtcOffset::UTC);
    }
    let sign: i8 = if text.starts_with('-') { -1 } else { 1 };
    let digits = text.get(1..)?;
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 && digits.is_ascii() => digits.split_at(2),
        None => (digits, "00"),
    };
    let hours: i8 = number(hours, 2)?;
    let minutes: i8 = number(minutes, 2)?;
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
}

/// A row as a JSON object.
pub(crate) fn to_map(names: &[&str], values: Vec<Value>) -> Row {
    let mut row = Row::with_capacity(names.len());
    for (name, value) in names.iter().zip(values) {
        row.insert((*name).to_owned(), value);
    }
    row
}

/// A row as a `T`: by column name for structs and maps, by position for tuples, the value itself
/// for a one-column row and a scalar `T`.
pub(crate) fn to_typed<T: DeserializeOwned>(names: &[&str], values: Vec<Value>) -> Result<T> {
    T::deserialize(RowDeserializer { names, values }).map_err(DecodeError::into_error)
}

/// One value as a `T`.
pub(crate) fn value_to_typed<T: DeserializeOwned>(value: Value) -> Result<T> {
    T::deserialize(ValueDeserializer(value)).map_err(DecodeError::into_error)
}

/// A decoding error whose message never quotes the data (serde's default messages do).
#[derive(Debug)]
pub(crate) struct DecodeError(String);

impl DecodeError {
    fn into_error(self) -> Error {
        Error::new(ErrorKind::Decode, self.0)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

fn describe(unexpected: &Unexpected<'_>) -> &'static str {
    match unexpected {
        Unexpected::Bool(_) => "a boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) => "an integer",
        Unexpected::Float(_) => "a number",
        Unexpected::Char(_) => "a character",
        Unexpected::Str(_) => "a string",
        Unexpected::Bytes(_) => "bytes",
        Unexpected::Unit => "null",
        Unexpected::Option => "an option",
        Unexpected::NewtypeStruct => "a newtype struct",
        Unexpected::Seq => "a sequence",
        Unexpected::Map => "a map",
        Unexpected::Enum => "an enum",
        Unexpected::UnitVariant
        | Unexpected::NewtypeVariant
        | Unexpected::TupleVariant
        | Unexpected::StructVariant => "an enum variant",
        Unexpected::Other(_) => "another type",
    }
}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self(format!(
            "invalid type: {}, expected {expected}",
            describe(&unexpected)
        ))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self(format!(
            "invalid value: {}, expected {expected}",
            describe(&unexpected)
        ))
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        Self(format!("unknown variant, expected one of {expected:?}"))
    }
}

/// Deserializes one JSON value with [`DecodeError`]s.
struct ValueDeserializer(Value);

impl<'de> IntoDeserializer<'de, DecodeError> for ValueDeserializer {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

fn visit_object<'de, V: Visitor<'de>>(
    object: serde_json::Map<String, Value>,
    visitor: V,
) -> Result<V::Value, DecodeError> {
    let mut map = MapDeserializer::new(object.into_iter().map(|(k, v)| (k, ValueDeserializer(v))));
    let value = visitor.visit_map(&mut map)?;
    map.end()?;
    Ok(value)
}

fn visit_values<'de, V: Visitor<'de>>(
    values: Vec<Value>,
    visitor: V,
) -> Result<V::Value, DecodeError> {
    let mut seq = SeqDeserializer::new(values.into_iter().map(ValueDeserializer));
    let value = visitor.visit_seq(&mut seq)?;
    seq.end()?;
    Ok(value)
}

impl<'de> de::Deserializer<'de> for ValueDeserializer {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_string(s),
            Value::Array(values) => visit_values(values, visitor),
            Value::Object(object) => visit_object(object, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            Value::Object(object) => {
                let entries = object.into_iter().map(|(k, v)| (k, ValueDeserializer(v)));
                visitor.visit_enum(MapAccessDeserializer::new(MapDeserializer::new(entries)))
            }
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"a string or an object for an enum",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

fn unexpected(value: &Value) -> Unexpected<'static> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(_) => Unexpected::Bool(false),
        Value::Number(_) => Unexpected::Signed(0),
        Value::String(_) => Unexpected::Str(""),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Deserializes a row: by name into structs and maps, by position into tuples and sequences,
/// and as its only value into anything else.
struct RowDeserializer<'n> {
    names: &'n [&'n str],
    values: Vec<Value>,
}

impl RowDeserializer<'_> {
    fn single(self) -> Result<ValueDeserializer, DecodeError> {
        let count = self.values.len();
        match <[Value; 1]>::try_from(self.values) {
            Ok([value]) => Ok(ValueDeserializer(value)),
            Err(_) => Err(DecodeError(format!(
                "a row of {count} columns cannot become a single value"
            ))),
        }
    }
}

macro_rules! single_value {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
                self.single()?.$method(visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for RowDeserializer<'_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let entries = self
            .names
            .iter()
            .copied()
            .zip(self.values.into_iter().map(ValueDeserializer));
        visitor.visit_map(MapDeserializer::new(entries))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visit_values(self.values, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visit_values(self.values, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visit_values(self.values, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.single()?.deserialize_unit(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    single_value! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_option
        deserialize_unit deserialize_identifier deserialize_ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[test]
    fn floats_that_json_cannot_hold_become_strings() {
        assert_eq!(float(1.5), json!(1.5));
        assert_eq!(float(f64::NAN), json!("NaN"));
        assert_eq!(float(f64::INFINITY), json!("Infinity"));
        assert_eq!(float(f64::NEG_INFINITY), json!("-Infinity"));
    }

    #[test]
    fn timestamps_are_utc_rfc3339_with_trimmed_fractions() {
        let at = parse_timestamp("2024-05-01 12:30:00").unwrap();
        assert_eq!(timestamp(at), json!("2024-05-01T12:30:00Z"));
        let at = parse_timestamp("2024-05-01T14:30:00.250+02:00").unwrap();
        assert_eq!(timestamp(at), json!("2024-05-01T12:30:00.25Z"));
        let at = parse_timestamp("2024-05-01T12:30:00.123456789Z").unwrap();
        assert_eq!(timestamp(at), json!("2024-05-01T12:30:00.123456789Z"));
        let at = parse_timestamp("2024-05-01 12:30-0130").unwrap();
        assert_eq!(timestamp(at), json!("2024-05-01T14:00:00Z"));
        let at = parse_timestamp("2024-05-01").unwrap();
        assert_eq!(timestamp(at), json!("2024-05-01T00:00:00Z"));
    }

    #[test]
    fn malformed_timestamps_are_not_parsed() {
        for text in [
            "",
            "2024-5-1 12:30:00",
            "2024-05-01X12:30",
            "2024-13-01",
            "2024-05-01 25:00",
            "2024-05-01 12:30:00.",
            "2024-05-01 12:30:00.1234567890",
            "2024-05-01 12:30:00+2",
            "2024-05-01 12:30:00:00",
            "２０２４-05-01",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn no_text_makes_the_timestamp_parser_panic(text in "\\PC{0,40}") {
            let _ = parse_timestamp(&text);
        }

        #[test]
        fn timestamp_like_text_does_not_panic_either(
            text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9:.]{0,12}[Z+\\-]?[0-9:é]{0,6}"
        ) {
            let _ = parse_timestamp(&text);
        }
    }

    #[test]
    fn timestamps_beyond_year_9999_in_utc_keep_their_offset() {
        let at = parse_timestamp("9999-12-31 23:30:00-05:00").unwrap();
        assert_eq!(timestamp(at), json!("9999-12-31T23:30:00-05:00"));
    }

    #[test]
    fn offsets_with_wide_characters_are_refused() {
        assert_eq!(parse_timestamp("2024-05-01 12:30+aéb"), None);
    }

    #[test]
    fn dates_and_times_of_day() {
        assert_eq!(date(parse_date("0999-01-31").unwrap()), json!("0999-01-31"));
        let t = Time::from_hms_micro(7, 5, 3, 120).unwrap();
        assert_eq!(time_of_day(t), json!("07:05:03.00012"));
        assert_eq!(time_of_day(Time::MIDNIGHT), json!("00:00:00"));
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Stuff {
        sid: i64,
        stuff: String,
        note: Option<String>,
    }

    #[test]
    fn rows_deserialize_by_name_by_position_or_as_their_single_value() {
        let names = ["sid", "stuff", "note"];
        let values = || vec![json!(1), json!("Chair"), Value::Null];
        let stuff: Stuff = to_typed(&names, values()).unwrap();
        assert_eq!(
            stuff,
            Stuff {
                sid: 1,
                stuff: "Chair".into(),
                note: None
            }
        );
        let tuple: (i64, String, Option<String>) = to_typed(&names, values()).unwrap();
        assert_eq!(tuple, (1, "Chair".into(), None));
        let sid: i64 = to_typed(&["sid"], vec![json!(1)]).unwrap();
        assert_eq!(sid, 1);
        let error = to_typed::<i64>(&names, values()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Decode);
    }

    #[test]
    fn decode_errors_do_not_quote_the_data() {
        let error =
            to_typed::<Stuff>(&["sid", "stuff"], vec![json!("s3cr3t"), json!("x")]).unwrap_err();
        assert_eq!(error.message(), "invalid type: a string, expected i64");
        #[derive(Debug, Deserialize)]
        enum Color {
            Red,
        }
        let error = value_to_typed::<Color>(json!("s3cr3t")).unwrap_err();
        assert!(!error.message().contains("s3cr3t"), "{error}");
        assert!(matches!(
            value_to_typed::<Color>(json!("Red")),
            Ok(Color::Red)
        ));
    }

    #[test]
    fn json_values_deserialize_into_nested_types() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Doc {
            tags: Vec<String>,
            n: Option<f64>,
        }
        let doc: Doc = value_to_typed(json!({"tags": ["a", "b"], "n": 2.5})).unwrap();
        assert_eq!(
            doc,
            Doc {
                tags: vec!["a".into(), "b".into()],
                n: Some(2.5)
            }
        );
        let none: Option<i64> = value_to_typed(Value::Null).unwrap();
        assert_eq!(none, None);
    }
}
