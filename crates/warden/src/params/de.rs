//! A serde deserializer over request parameters whose errors speak to API clients: they name
//! the parameter (`user.login`, `tags[2]`) and the expected type in plain words, and never show
//! Rust type names, serde paths or parser positions.

use std::fmt::{self, Display};

use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, VariantAccess, Visitor,
};
use serde_json::Value;

use super::{RequestParams, Source};

/// A parameter value as its source gave it.
#[derive(Clone, Copy)]
pub(crate) enum Raw<'a> {
    /// Text from the path, the query string or a form.
    Text(&'a str),
    /// A value of a JSON body.
    Json(&'a Value),
}

/// A merged parameter value: repeated query or form keys become a list.
enum Val<'a> {
    Text(&'a str),
    List(Vec<&'a str>),
    Json(&'a Value),
}

/// Deserializes every parameter of a request into `T`; the error is the client message.
pub(crate) fn from_params<T: DeserializeOwned>(params: &RequestParams) -> Result<T, String> {
    let mut entries: Vec<(&str, Source, Raw<'_>)> = params.entries().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
    let mut merged: Vec<(&str, Val<'_>)> = Vec::with_capacity(entries.len());
    let mut rest = entries.as_slice();
    while let Some(&(key, source, raw)) = rest.first() {
        let same = rest.iter().take_while(|e| e.0 == key).count();
        let group = &rest[..same];
        rest = &rest[same..];
        let value = match raw {
            _ if same == 1 => match raw {
                Raw::Text(text) => Val::Text(text),
                Raw::Json(json) => Val::Json(json),
            },
            Raw::Text(_) if group.iter().all(|e| e.1 == source) => Val::List(
                group
                    .iter()
                    .filter_map(|e| match e.2 {
                        Raw::Text(t) => Some(t),
                        Raw::Json(_) => None,
                    })
                    .collect(),
            ),
            _ => return Err(format!("parameter \"{key}\" is given more than once")),
        };
        merged.push((key, value));
    }
    T::deserialize(Top(merged)).map_err(|e| e.message())
}

/// Deserializes one text value (a path parameter, say) named `name` into `T`.
pub(crate) fn from_text<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
    T::deserialize(ValueDe(Val::Text(text))).map_err(|e| e.at(Seg::Key(name.to_owned())).message())
}

/// Where in the parameters an error is.
enum Seg {
    Key(String),
    Index(usize),
}

enum Kind {
    Missing,
    Expected(&'static str),
    Range(String),
    OneOf(&'static [&'static str]),
    Repeated,
    Unknown,
    Nul,
    Invalid(Option<String>),
}

/// A parameter error with its location, innermost segment first.
pub(crate) struct ParamError {
    kind: Kind,
    path: Vec<Seg>,
}

impl ParamError {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            path: Vec::new(),
        }
    }

    fn expected(what: &'static str) -> Self {
        Self::new(Kind::Expected(what))
    }

    fn at(mut self, seg: Seg) -> Self {
        self.path.push(seg);
        self
    }

    fn message(&self) -> String {
        let mut name = String::new();
        for seg in self.path.iter().rev() {
            match seg {
                Seg::Key(key) if name.is_empty() => name.push_str(key),
                Seg::Key(key) => {
                    name.push('.');
                    name.push_str(key);
                }
                Seg::Index(i) => name.push_str(&format!("[{i}]")),
            }
        }
        if name.is_empty() {
            return match &self.kind {
                Kind::Invalid(Some(msg)) => format!("invalid parameters: {msg}"),
                _ => "invalid parameters".to_owned(),
            };
        }
        match &self.kind {
            Kind::Missing => format!("parameter \"{name}\" is missing"),
            Kind::Expected(what) => format!("parameter \"{name}\" must be {what}"),
            Kind::Range(range) => format!("parameter \"{name}\" must be {range}"),
            Kind::OneOf(options) => format!(
                "parameter \"{name}\" must be one of: {}",
                options.join(", ")
            ),
            Kind::Repeated => format!("parameter \"{name}\" is given more than once"),
            Kind::Unknown => format!("parameter \"{name}\" is not expected"),
            Kind::Nul => format!("parameter \"{name}\" contains a NUL character"),
            Kind::Invalid(None) => format!("parameter \"{name}\" is invalid"),
            Kind::Invalid(Some(msg)) => format!("parameter \"{name}\" is invalid: {msg}"),
        }
    }
}

impl fmt::Debug for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ParamError {}

/// Longest custom message (from a type's own parser) passed on to the client.
const MAX_CUSTOM_LEN: usize = 160;

impl de::Error for ParamError {
    fn custom<T: Display>(msg: T) -> Self {
        let mut text = msg.to_string();
        if text.len() > MAX_CUSTOM_LEN {
            let mut cut = MAX_CUSTOM_LEN;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push('…');
        }
        Self::new(Kind::Invalid(Some(text)))
    }

    fn invalid_type(_unexp: de::Unexpected<'_>, _exp: &dyn de::Expected) -> Self {
        Self::new(Kind::Invalid(None))
    }

    fn invalid_value(_unexp: de::Unexpected<'_>, _exp: &dyn de::Expected) -> Self {
        Self::new(Kind::Invalid(None))
    }

    fn invalid_length(_len: usize, _exp: &dyn de::Expected) -> Self {
        Self::new(Kind::Invalid(Some("wrong number of items".to_owned())))
    }

    fn unknown_variant(_variant: &str, expected: &'static [&'static str]) -> Self {
        Self::new(Kind::OneOf(expected))
    }

    fn unknown_field(field: &str, _expected: &'static [&'static str]) -> Self {
        Self::new(Kind::Unknown).at(Seg::Key(field.to_owned()))
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(Kind::Missing).at(Seg::Key(field.to_owned()))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::new(Kind::Repeated).at(Seg::Key(field.to_owned()))
    }
}

type Result<T, E = ParamError> = std::result::Result<T, E>;

/// The whole parameter set: a map.
struct Top<'a>(Vec<(&'a str, Val<'a>)>);

impl<'de> Deserializer<'de> for Top<'_> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_map(Entries::new(self.0.into_iter()))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// A map of named values, attaching the key to errors in values.
struct Entries<'a, I: Iterator<Item = (&'a str, Val<'a>)>> {
    iter: I,
    pending: Option<(&'a str, Val<'a>)>,
}

impl<'a, I: Iterator<Item = (&'a str, Val<'a>)>> Entries<'a, I> {
    fn new(iter: I) -> Self {
        Self {
            iter,
            pending: None,
        }
    }
}

impl<'de, 'a, I: Iterator<Item = (&'a str, Val<'a>)>> MapAccess<'de> for Entries<'a, I> {
    type Error = ParamError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.pending = Some((key, value));
        let key_de: StrDeserializer<'_, ParamError> = key.into_deserializer();
        seed.deserialize(key_de).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| ParamError::new(Kind::Invalid(None)))?;
        seed.deserialize(ValueDe(value))
            .map_err(|e| e.at(Seg::Key(key.to_owned())))
    }
}

/// A sequence of values, attaching the index to errors in items.
struct Items<'a, I: Iterator<Item = Val<'a>>> {
    iter: I,
    index: usize,
}

impl<'de, 'a, I: Iterator<Item = Val<'a>>> SeqAccess<'de> for Items<'a, I> {
    type Error = ParamError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some(value) = self.iter.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(ValueDe(value))
            .map(Some)
            .map_err(|e| e.at(Seg::Index(index)))
    }
}

fn items<'a, I: Iterator<Item = Val<'a>>>(iter: I) -> Items<'a, I> {
    Items { iter, index: 0 }
}

/// One parameter value.
struct ValueDe<'a>(Val<'a>);

impl<'a> ValueDe<'a> {
    /// The value as text, refusing lists (a scalar given twice).
    fn text(&self) -> Result<Option<&'a str>> {
        match self.0 {
            Val::Text(text) => Ok(Some(text)),
            Val::List(_) => Err(ParamError::new(Kind::Repeated)),
            Val::Json(_) => Ok(None),
        }
    }

    fn integer(&self) -> Result<i128> {
        let expected = || ParamError::expected("an integer");
        match (self.text()?, &self.0) {
            (Some(text), _) => text.parse::<i128>().map_err(|_| expected()),
            // A JSON number without a fraction is an integer, as JSON Schema says: `2.0` too.
            (None, Val::Json(Value::Number(n))) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite() && f.fract() == 0.0)
                        .map(|f| f as i128)
                })
                .ok_or_else(expected),
            _ => Err(expected()),
        }
    }

    fn float(&self) -> Result<f64> {
        let expected = || ParamError::expected("a number");
        match (self.text()?, &self.0) {
            (Some(text), _) => text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(expected),
            (None, Val::Json(Value::Number(n))) => n.as_f64().ok_or_else(expected),
            _ => Err(expected()),
        }
    }

    fn string(&self, what: &'static str) -> Result<&'a str> {
        match (self.text()?, &self.0) {
            (Some(text), _) => Ok(text),
            (None, Val::Json(Value::String(s))) => Ok(s),
            _ => Err(ParamError::expected(what)),
        }
    }

    /// Text holding JSON, for object and list parameters sent in forms.
    fn parse_json(text: &str, what: &'static str) -> Result<Value> {
        let value: Value = serde_json::from_str(text).map_err(|_| ParamError::expected(what))?;
        if super::json_has_nul(&value) {
            return Err(ParamError::new(Kind::Nul));
        }
        Ok(value)
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    const TRUE: [&str; 4] = ["true", "1", "yes", "on"];
    const FALSE: [&str; 4] = ["false", "0", "no", "off"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

macro_rules! integers {
    ($($method:ident $visit:ident $ty:ty;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let n = self.integer()?;
            let n = <$ty>::try_from(n).map_err(|_| {
                ParamError::new(Kind::Range(format!(
                    "an integer between {} and {}",
                    <$ty>::MIN,
                    <$ty>::MAX
                )))
            })?;
            visitor.$visit(n)
        }
    )*};
}

fn visit_json<'de, V: Visitor<'de>>(value: &Value, visitor: V) -> Result<V::Value> {
    match value {
        Value::Null => visitor.visit_unit(),
        Value::Bool(b) => visitor.visit_bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                visitor.visit_i64(i)
            } else if let Some(u) = n.as_u64() {
                visitor.visit_u64(u)
            } else {
                visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => visitor.visit_str(s),
        Value::Array(list) => visitor.visit_seq(items(list.iter().map(Val::Json))),
        Value::Object(map) => visitor.visit_map(Entries::new(
            map.iter().map(|(k, v)| (k.as_str(), Val::Json(v))),
        )),
    }
}

impl<'de> Deserializer<'de> for ValueDe<'_> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Val::Text(text) => visitor.visit_str(text),
            Val::List(list) => visitor.visit_seq(items(list.into_iter().map(Val::Text))),
            Val::Json(value) => visit_json(value, visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let expected = || ParamError::expected("a boolean");
        let b = match (self.text()?, &self.0) {
            (Some(text), _) => parse_bool(text).ok_or_else(expected)?,
            (None, Val::Json(Value::Bool(b))) => *b,
            _ => return Err(expected()),
        };
        visitor.visit_bool(b)
    }

    integers! {
        deserialize_i8 visit_i8 i8;
        deserialize_i16 visit_i16 i16;
        deserialize_i32 visit_i32 i32;
        deserialize_i64 visit_i64 i64;
        deserialize_i128 visit_i128 i128;
        deserialize_u8 visit_u8 u8;
        deserialize_u16 visit_u16 u16;
        deserialize_u32 visit_u32 u32;
        deserialize_u64 visit_u64 u64;
        deserialize_u128 visit_u128 u128;
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let f = self.float()?;
        #[allow(clippy::cast_possible_truncation)]
        let narrow = f as f32;
        if !narrow.is_finite() {
            return Err(ParamError::expected("a number"));
        }
        visitor.visit_f32(narrow)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_f64(self.float()?)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let text = self.string("a single character")?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(ParamError::expected("a single character")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_str(self.string("a string")?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_bytes(self.string("a string")?.as_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Val::Json(Value::Null) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Val::Json(Value::Null) | Val::Text("") => visitor.visit_unit(),
            _ => Err(ParamError::expected("empty")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        const WHAT: &str = "a list";
        match self.0 {
            Val::Text(text) if text.trim_start().starts_with('[') => {
                let value = Self::parse_json(text, WHAT)?;
                ValueDe(Val::Json(&value)).deserialize_seq(visitor)
            }
            Val::Text(text) => visitor.visit_seq(items(std::iter::once(Val::Text(text)))),
            Val::List(list) => visitor.visit_seq(items(list.into_iter().map(Val::Text))),
            Val::Json(Value::Array(list)) => visitor.visit_seq(items(list.iter().map(Val::Json))),
            Val::Json(_) => Err(ParamError::expected(WHAT)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        const WHAT: &str = "an object";
        match self.0 {
            Val::Text(text) => {
                let value = Self::parse_json(text, WHAT)?;
                match &value {
                    Value::Object(_) => ValueDe(Val::Json(&value)).deserialize_map(visitor),
                    _ => Err(ParamError::expected(WHAT)),
                }
            }
            Val::Json(Value::Object(map)) => visitor.visit_map(Entries::new(
                map.iter().map(|(k, v)| (k.as_str(), Val::Json(v))),
            )),
            Val::List(_) => Err(ParamError::new(Kind::Repeated)),
            Val::Json(_) => Err(ParamError::expected(WHAT)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.0 {
            Val::Json(Value::Object(map)) if map.len() == 1 => {
                let (variant, value) = map
                    .iter()
                    .next()
                    .ok_or_else(|| ParamError::new(Kind::OneOf(variants)))?;
                visitor.visit_enum(Variant { variant, value })
            }
            Val::Text(text) => {
                let de: StrDeserializer<'_, ParamError> = text.into_deserializer();
                visitor.visit_enum(de)
            }
            Val::Json(Value::String(text)) => {
                let de: StrDeserializer<'_, ParamError> = text.as_str().into_deserializer();
                visitor.visit_enum(de)
            }
            Val::List(_) => Err(ParamError::new(Kind::Repeated)),
            Val::Json(_) => Err(ParamError::new(Kind::OneOf(variants))),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

/// An externally tagged enum value in JSON: `{"Variant": content}`.
struct Variant<'a> {
    variant: &'a str,
    value: &'a Value,
}

impl<'de, 'a> EnumAccess<'de> for Variant<'a> {
    type Error = ParamError;
    type Variant = ValueDe<'a>;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self::Variant)> {
        let de: StrDeserializer<'_, ParamError> = self.variant.into_deserializer();
        let variant = seed.deserialize(de)?;
        Ok((variant, ValueDe(Val::Json(self.value))))
    }
}

impl<'de> VariantAccess<'de> for ValueDe<'_> {
    type Error = ParamError;

    fn unit_variant(self) -> Result<()> {
        match self.0 {
            Val::Json(Value::Null) => Ok(()),
            _ => Err(ParamError::new(Kind::Invalid(None))),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    fn params(path: &[(&str, &str)], query: &str, json: Option<Value>) -> RequestParams {
        RequestParams {
            path: path
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            query: form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            body: match json {
                Some(Value::Object(map)) => super::super::BodyParams::Json(map),
                _ => super::super::BodyParams::None,
            },
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Add {
        i: i64,
        j: i64,
        #[serde(default)]
        k: u8,
    }

    #[test]
    fn typed_values_from_text() {
        let p = params(&[("i", "30")], "j=12&k=0", None);
        assert_eq!(from_params::<Add>(&p), Ok(Add { i: 30, j: 12, k: 0 }));
    }

    #[test]
    fn a_json_number_without_a_fraction_is_an_integer() {
        let p = params(&[], "", Some(serde_json::json!({"i": 2765.0, "j": -1.0})));
        assert_eq!(
            from_params::<Add>(&p),
            Ok(Add {
                i: 2765,
                j: -1,
                k: 0
            })
        );
    }

    #[test]
    fn errors_name_the_parameter_in_plain_words() {
        let cases = [
            (params(&[], "i=1", None), "parameter \"j\" is missing"),
            (
                params(&[], "i=abc&j=1", None),
                "parameter \"i\" must be an integer",
            ),
            (
                params(&[], "i=99999999999999999999&j=1", None),
                "parameter \"i\" must be an integer between -9223372036854775808 and 9223372036854775807",
            ),
            (
                params(&[], "i=1&j=1&k=300", None),
                "parameter \"k\" must be an integer between 0 and 255",
            ),
            (
                params(&[("i", "1")], "i=2&j=1", None),
                "parameter \"i\" is given more than once",
            ),
            (
                params(&[], "i=1&i=2&j=1", None),
                "parameter \"i\" is given more than once",
            ),
            (
                params(&[], "", Some(serde_json::json!({"i": 1.5, "j": 1}))),
                "parameter \"i\" must be an integer",
            ),
            (
                params(&[], "", Some(serde_json::json!({"i": "1", "j": 1}))),
                "parameter \"i\" must be an integer",
            ),
            (
                params(&[], "", Some(serde_json::json!({"i": 1e300, "j": 1}))),
                "parameter \"i\" must be an integer between -9223372036854775808 and 9223372036854775807",
            ),
        ];
        for (p, message) in cases {
            assert_eq!(from_params::<Add>(&p).unwrap_err(), message);
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[allow(non_snake_case)]
    struct User {
        login: String,
        password: String,
        isAdmin: bool,
        uid: Option<i64>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Users {
        user: User,
        tags: Option<Vec<String>>,
    }

    #[test]
    fn objects_from_json_or_from_json_text() {
        let json = params(
            &[],
            "",
            Some(serde_json::json!({"user": {"login": "sis", "password": "pw", "isAdmin": false}})),
        );
        let text = params(
            &[],
            "user=%7B%22login%22%3A%22sis%22%2C%22password%22%3A%22pw%22%2C%22isAdmin%22%3Afalse%7D",
            None,
        );
        for p in [json, text] {
            let users: Users = from_params(&p).unwrap();
            assert_eq!(users.user.login, "sis");
            assert_eq!(users.user.uid, None);
            assert_eq!(users.tags, None);
        }
    }

    #[test]
    fn nested_errors_have_a_path() {
        let p = params(
            &[],
            "",
            Some(serde_json::json!({"user": {"login": "sis", "isAdmin": "no"}, "tags": ["a"]})),
        );
        let err = from_params::<Users>(&p).unwrap_err();
        assert_eq!(err, "parameter \"user.isAdmin\" must be a boolean");
        let p = params(
            &[],
            "",
            Some(
                serde_json::json!({"user": {"login": "sis", "password": "p", "isAdmin": true}, "tags": ["a", 2]}),
            ),
        );
        assert_eq!(
            from_params::<Users>(&p).unwrap_err(),
            "parameter \"tags[1]\" must be a string"
        );
        let p = params(&[], "user=%7Bnope", None);
        assert_eq!(
            from_params::<Users>(&p).unwrap_err(),
            "parameter \"user\" must be an object"
        );
        let p = params(&[], "user=%7B%22login%22%3A%22a%5Cu0000%22%7D", None);
        assert_eq!(
            from_params::<Users>(&p).unwrap_err(),
            "parameter \"user\" contains a NUL character"
        );
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Color {
        Red,
        Blue,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Paint {
        color: Color,
        opacity: Option<f64>,
        tags: Vec<String>,
    }

    #[test]
    fn enums_lists_and_unknown_fields() {
        let p = params(&[], "color=red&tags=a&tags=b&opacity=0.5", None);
        assert_eq!(
            from_params::<Paint>(&p).unwrap(),
            Paint {
                color: Color::Red,
                opacity: Some(0.5),
                tags: vec!["a".into(), "b".into()]
            }
        );
        let p = params(&[], "color=green&tags=a", None);
        assert_eq!(
            from_params::<Paint>(&p).unwrap_err(),
            "parameter \"color\" must be one of: red, blue"
        );
        let p = params(&[], "color=blue&tags=a&paint=1", None);
        assert_eq!(
            from_params::<Paint>(&p).unwrap_err(),
            "parameter \"paint\" is not expected"
        );
        let p = params(&[], "color=blue&tags=a&opacity=NaN", None);
        assert_eq!(
            from_params::<Paint>(&p).unwrap_err(),
            "parameter \"opacity\" must be a number"
        );
    }

    #[test]
    fn booleans_read_common_spellings() {
        #[derive(Deserialize)]
        struct Flag {
            on: bool,
        }
        for (text, value) in [("true", true), ("0", false), ("YES", true), ("off", false)] {
            let p = params(&[], &format!("on={text}"), None);
            assert_eq!(from_params::<Flag>(&p).unwrap().on, value);
        }
        let p = params(&[], "on=maybe", None);
        assert_eq!(
            from_params::<Flag>(&p).err().unwrap(),
            "parameter \"on\" must be a boolean"
        );
    }
}
