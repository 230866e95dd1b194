//! One parameter value, as it is bound: serialized from any `Serialize` value, scalars as
//! themselves, arrays, maps and structs as JSON.

use std::fmt;

use serde::ser::{self, Serialize};
use serde_json::Value;
use serde_json::value::Serializer as JsonSerializer;

/// One value to bind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    /// An array or object; bound as JSON text (as `jsonb` on PostgreSQL).
    Json(Value),
}

/// Why parameters could not be read. Never holds a parameter's value.
#[derive(Debug)]
pub(crate) struct ParamError(pub(crate) String);

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParamError {}

impl ser::Error for ParamError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

impl From<serde_json::Error> for ParamError {
    fn from(error: serde_json::Error) -> Self {
        Self(error.to_string())
    }
}

/// Serializes one parameter's value into a [`Bind`].
pub(crate) struct BindSerializer;

fn int<T: TryInto<i64>>(value: T) -> Result<Bind, ParamError> {
    value
        .try_into()
        .map(Bind::Int)
        .map_err(|_| ParamError("integer parameter out of the 64-bit signed range".into()))
}

impl ser::Serializer for BindSerializer {
    type Ok = Bind;
    type Error = ParamError;
    type SerializeSeq = AsJson<<JsonSerializer as ser::Serializer>::SerializeSeq>;
    type SerializeTuple = AsJson<<JsonSerializer as ser::Serializer>::SerializeTuple>;
    type SerializeTupleStruct = AsJson<<JsonSerializer as ser::Serializer>::SerializeTupleStruct>;
    type SerializeTupleVariant = AsJson<<JsonSerializer as ser::Serializer>::SerializeTupleVariant>;
    type SerializeMap = AsJson<<JsonSerializer as ser::Serializer>::SerializeMap>;
    type SerializeStruct = AsJson<<JsonSerializer as ser::Serializer>::SerializeStruct>;
    type SerializeStructVariant =
        AsJson<<JsonSerializer as ser::Serializer>::SerializeStructVariant>;

    fn serialize_bool(self, v: bool) -> Result<Bind, ParamError> {
        Ok(Bind::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Bind, ParamError> {
        int(v)
    }
    fn serialize_i16(self, v: i16) -> Result<Bind, ParamError> {
        int(v)
    }
    fn serialize_i32(self, v: i32) -> Result<Bind, ParamError> {
        int(v)
    }
    fn serialize_i64(self, v: i64) -> Result<Bind, ParamError> {
        int(v)
    }
    fn serialize_i128(self, v: i128) -> Result<Bind, ParamError> {
        int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<Bind, ParamError> {
        int(v)
    }
    fn serialize_u16(self, v: u16) -> Result<Bind, ParamError> {
        int(v)
    }
    fn serialize_u32(self, v: u32) -> Result<Bind, ParamError> {
        int(v)
    }
    fn serialize_u64(self, v: u64) -> Result<Bind, ParamError> {
        int(v)
    }
    fn serialize_u128(self, v: u128) -> Result<Bind, ParamError> {
        int(v)
    }
    fn serialize_f32(self, v: f32) -> Result<Bind, ParamError> {
        Ok(Bind::Float(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<Bind, ParamError> {
        Ok(Bind::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Bind, ParamError> {
        Ok(Bind::Text(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Bind, ParamError> {
        Ok(Bind::Text(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Bind, ParamError> {
        Ok(Bind::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Bind, ParamError> {
        Ok(Bind::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Bind, ParamError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Bind, ParamError> {
        Ok(Bind::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Bind, ParamError> {
        Ok(Bind::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Bind, ParamError> {
        Ok(Bind::Text(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Bind, ParamError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Bind, ParamError> {
        Ok(Bind::Json(ser::Serializer::serialize_newtype_variant(
            JsonSerializer,
            name,
            index,
            variant,
            value,
        )?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, ParamError> {
        Ok(AsJson(ser::Serializer::serialize_seq(JsonSerializer, len)?))
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, ParamError> {
        Ok(AsJson(ser::Serializer::serialize_tuple(
            JsonSerializer,
            len,
        )?))
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, ParamError> {
        Ok(AsJson(ser::Serializer::serialize_tuple_struct(
            JsonSerializer,
            name,
            len,
        )?))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, ParamError> {
        Ok(AsJson(ser::Serializer::serialize_tuple_variant(
            JsonSerializer,
            name,
            index,
            variant,
            len,
        )?))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, ParamError> {
        Ok(AsJson(ser::Serializer::serialize_map(JsonSerializer, len)?))
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, ParamError> {
        Ok(AsJson(ser::Serializer::serialize_struct(
            JsonSerializer,
            name,
            len,
        )?))
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, ParamError> {
        Ok(AsJson(ser::Serializer::serialize_struct_variant(
            JsonSerializer,
            name,
            index,
            variant,
            len,
        )?))
    }
}

/// A compound value built by serde_json, bound as JSON.
pub(crate) struct AsJson<S>(S);

macro_rules! as_json {
    ($trait:ident, $($method:ident($($key:ident: $key_ty:ty),*);)*) => {
        impl<S: ser::$trait<Ok = Value, Error = serde_json::Error>> ser::$trait for AsJson<S> {
            type Ok = Bind;
            type Error = ParamError;
            $(
                fn $method<T: Serialize + ?Sized>(
                    &mut self,
                    $($key: $key_ty,)*
                    value: &T,
                ) -> Result<(), ParamError> {
                    Ok(self.0.$method($($key,)* value)?)
                }
            )*
            fn end(self) -> Result<Bind, ParamError> {
                Ok(Bind::Json(self.0.end()?))
            }
        }
    };
}

as_json!(SerializeSeq, serialize_element(););
as_json!(SerializeTuple, serialize_element(););
as_json!(SerializeTupleStruct, serialize_field(););
as_json!(SerializeTupleVariant, serialize_field(););
as_json!(SerializeStruct, serialize_field(key: &'static str););
as_json!(SerializeStructVariant, serialize_field(key: &'static str););

impl<S: ser::SerializeMap<Ok = Value, Error = serde_json::Error>> ser::SerializeMap for AsJson<S> {
    type Ok = Bind;
    type Error = ParamError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ParamError> {
        Ok(self.0.serialize_key(key)?)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamError> {
        Ok(self.0.serialize_value(value)?)
    }

    fn end(self) -> Result<Bind, ParamError> {
        Ok(Bind::Json(self.0.end()?))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn bind<T: Serialize>(value: T) -> Bind {
        value.serialize(BindSerializer).unwrap()
    }

    #[test]
    fn scalars_bind_as_themselves_and_compounds_as_json() {
        assert_eq!(bind(3_u8), Bind::Int(3));
        assert_eq!(bind(1.5_f32), Bind::Float(1.5));
        assert_eq!(bind('x'), Bind::Text("x".into()));
        assert_eq!(bind(Option::<i64>::None), Bind::Null);
        assert_eq!(bind(()), Bind::Null);
        assert_eq!(bind(vec![1, 2]), Bind::Json(json!([1, 2])));
        assert_eq!(bind((1, "a")), Bind::Json(json!([1, "a"])));
        #[derive(serde::Serialize)]
        enum Color {
            Red,
            Custom(u8),
        }
        assert_eq!(bind(Color::Red), Bind::Text("Red".into()));
        assert_eq!(bind(Color::Custom(7)), Bind::Json(json!({"Custom": 7})));
    }

    #[test]
    fn integers_must_fit_64_signed_bits() {
        assert_eq!(bind(i64::MIN), Bind::Int(i64::MIN));
        assert!(u64::MAX.serialize(BindSerializer).is_err());
        assert!(i128::MAX.serialize(BindSerializer).is_err());
    }
}
