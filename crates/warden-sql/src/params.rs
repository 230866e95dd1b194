//! Named parameters: from any `Serialize` value to the values bound to a query's placeholders.
//!
//! The parameters of a call are a struct, a map, a `serde_json` object or `()`. Only the fields
//! the query names are read, straight from `serialize` (no intermediate JSON tree, no key
//! copies); `:u.login` reads field `login` of the object in field `u`.

use serde::ser::{self, Impossible, Serialize};

use crate::bind::{Bind, BindSerializer, ParamError};
use crate::error::{Error, ErrorKind, Result};

/// The values for `names` (a query's parameters) read from `params`, in the same order; a name
/// in `fixed` takes the fixed value, whatever `params` says.
pub(crate) fn collect<P: Serialize + ?Sized>(
    params: &P,
    names: &[Box<str>],
    fixed: &[(Box<str>, Bind)],
) -> Result<Vec<Bind>> {
    let mut slots: Vec<Option<Bind>> = Vec::with_capacity(names.len());
    slots.resize(names.len(), None);
    if !names.is_empty() {
        params
            .serialize(Collector {
                names,
                slots: &mut slots,
                depth: 0,
                active: None,
            })
            .map_err(|e| Error::new(ErrorKind::InvalidParameter, e.0))?;
    }
    for (name, value) in fixed {
        if let Some(i) = names.iter().position(|n| n == name) {
            slots[i] = Some(value.clone());
        }
    }
    slots
        .into_iter()
        .zip(names)
        .map(|(slot, name)| {
            slot.ok_or_else(|| {
                Error::new(
                    ErrorKind::MissingParameter,
                    format!("parameter :{name} is missing"),
                )
            })
        })
        .collect()
}

/// Segment `depth` of a dotted name (`u` and `login` in `u.login`).
fn segment(name: &str, depth: usize) -> Option<&str> {
    if depth == 0 {
        // The common case, on every call: no iterator.
        let end = name.bytes().position(|b| b == b'.').unwrap_or(name.len());
        return Some(&name[..end]);
    }
    name.split('.').nth(depth)
}

/// Walks the parameters object, filling the slots of the names it finds.
struct Collector<'c> {
    names: &'c [Box<str>],
    slots: &'c mut [Option<Bind>],
    /// How many dots deep this object is (0: the parameters themselves).
    depth: usize,
    /// The names still looked for at this depth (`None`: all of them, at depth 0).
    active: Option<&'c [usize]>,
}

impl Collector<'_> {
    fn is_active(&self, index: usize) -> bool {
        self.active.is_none_or(|active| active.contains(&index))
    }

    /// The first looked-for name whose segment at this depth is `key`.
    fn find(&self, key: &str) -> Option<usize> {
        (0..self.names.len())
            .find(|&i| self.is_active(i) && segment(&self.names[i], self.depth) == Some(key))
    }

    /// Fills the slots of every name that reads `value` (found under the key of `first`).
    fn take<T: Serialize + ?Sized>(&mut self, first: usize, value: &T) -> Result<(), ParamError> {
        let Some(key) = segment(&self.names[first], self.depth) else {
            return Ok(());
        };
        let mut nested = Vec::new();
        for i in first..self.names.len() {
            if !self.is_active(i) || segment(&self.names[i], self.depth) != Some(key) {
                continue;
            }
            if segment(&self.names[i], self.depth + 1).is_some() {
                nested.push(i);
            } else {
                self.slots[i] = Some(value.serialize(BindSerializer)?);
            }
        }
        if !nested.is_empty() {
            value.serialize(Collector {
                names: self.names,
                slots: self.slots,
                depth: self.depth + 1,
                active: Some(&nested),
            })?;
        }
        Ok(())
    }

    fn not_an_object(&self, what: &str) -> ParamError {
        match self.active.and_then(|a| a.first()) {
            Some(&i) if self.depth > 0 => {
                let name = &self.names[i];
                let object = name
                    .split('.')
                    .take(self.depth)
                    .collect::<Vec<_>>()
                    .join(".");
                ParamError(format!(
                    "parameter :{object} must be a struct or a map to read :{name}, not {what}"
                ))
            }
            _ => ParamError(format!("parameters must be a struct or a map, not {what}")),
        }
    }
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*) $what:literal;)*) => {
        $(
            fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> {
                Err(self.not_an_object($what))
            }
        )*
    };
}

impl<'c> ser::Serializer for Collector<'c> {
    type Ok = ();
    type Error = ParamError;
    type SerializeSeq = Impossible<(), ParamError>;
    type SerializeTuple = Impossible<(), ParamError>;
    type SerializeTupleStruct = Impossible<(), ParamError>;
    type SerializeTupleVariant = Impossible<(), ParamError>;
    type SerializeMap = CollectMap<'c>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), ParamError>;

    refuse! {
        serialize_bool(bool) "a boolean";
        serialize_i8(i8) "an integer";
        serialize_i16(i16) "an integer";
        serialize_i32(i32) "an integer";
        serialize_i64(i64) "an integer";
        serialize_i128(i128) "an integer";
        serialize_u8(u8) "an integer";
        serialize_u16(u16) "an integer";
        serialize_u32(u32) "an integer";
        serialize_u64(u64) "an integer";
        serialize_u128(u128) "an integer";
        serialize_f32(f32) "a number";
        serialize_f64(f64) "a number";
        serialize_char(char) "a character";
        serialize_str(&str) "a string";
        serialize_bytes(&[u8]) "bytes";
        serialize_unit_variant(&'static str, u32, &'static str) "an enum variant";
    }

    /// No parameters: every name stays missing.
    fn serialize_unit(self) -> Result<(), ParamError> {
        Ok(())
    }

    fn serialize_none(self) -> Result<(), ParamError> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), ParamError> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ParamError> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), ParamError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), ParamError> {
        Err(self.not_an_object("an enum variant"))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, ParamError> {
        Err(self.not_an_object("a sequence"))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, ParamError> {
        Err(self.not_an_object("a tuple"))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, ParamError> {
        Err(self.not_an_object("a tuple struct"))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, ParamError> {
        Err(self.not_an_object("an enum variant"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<CollectMap<'c>, ParamError> {
        Ok(CollectMap {
            collector: self,
            pending: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, ParamError> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, ParamError> {
        Err(self.not_an_object("an enum variant"))
    }
}

impl ser::SerializeStruct for Collector<'_> {
    type Ok = ();
    type Error = ParamError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ParamError> {
        match self.find(key) {
            Some(first) => self.take(first, value),
            None => Ok(()),
        }
    }

    fn end(self) -> Result<(), ParamError> {
        Ok(())
    }
}

/// A map of parameters: keys are matched as they come, values read only when looked for.
struct CollectMap<'c> {
    collector: Collector<'c>,
    /// The first name matching the last key, if it matched.
    pending: Option<usize>,
}

impl ser::SerializeMap for CollectMap<'_> {
    type Ok = ();
    type Error = ParamError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ParamError> {
        self.pending = key.serialize(KeyMatcher {
            collector: &self.collector,
        })?;
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamError> {
        match self.pending.take() {
            Some(first) => self.collector.take(first, value),
            None => Ok(()),
        }
    }

    fn end(self) -> Result<(), ParamError> {
        Ok(())
    }
}

/// Serializes a map key into the index of the first name it matches.
struct KeyMatcher<'k, 'c> {
    collector: &'k Collector<'c>,
}

macro_rules! ignore_key {
    ($($method:ident($($arg:ty),*);)*) => {
        $(
            fn $method(self, $(_: $arg),*) -> Result<Option<usize>, ParamError> {
                Ok(None)
            }
        )*
    };
}

impl ser::Serializer for KeyMatcher<'_, '_> {
    type Ok = Option<usize>;
    type Error = ParamError;
    type SerializeSeq = Impossible<Option<usize>, ParamError>;
    type SerializeTuple = Impossible<Option<usize>, ParamError>;
    type SerializeTupleStruct = Impossible<Option<usize>, ParamError>;
    type SerializeTupleVariant = Impossible<Option<usize>, ParamError>;
    type SerializeMap = Impossible<Option<usize>, ParamError>;
    type SerializeStruct = Impossible<Option<usize>, ParamError>;
    type SerializeStructVariant = Impossible<Option<usize>, ParamError>;

    fn serialize_str(self, key: &str) -> Result<Option<usize>, ParamError> {
        Ok(self.collector.find(key))
    }

    fn serialize_char(self, key: char) -> Result<Option<usize>, ParamError> {
        self.serialize_str(key.encode_utf8(&mut [0; 4]))
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Option<usize>, ParamError> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Option<usize>, ParamError> {
        value.serialize(self)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Option<usize>, ParamError> {
        value.serialize(self)
    }

    // Keys that are not strings cannot name a parameter.
    ignore_key! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_u128(u128);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_bytes(&[u8]);
        serialize_unit_struct(&'static str);
    }

    fn serialize_unit(self) -> Result<Option<usize>, ParamError> {
        Ok(None)
    }

    fn serialize_none(self) -> Result<Option<usize>, ParamError> {
        Ok(None)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Option<usize>, ParamError> {
        Ok(None)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, ParamError> {
        Err(ParamError("map keys must be strings".into()))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, ParamError> {
        Err(ParamError("map keys must be strings".into()))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, ParamError> {
        Err(ParamError("map keys must be strings".into()))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, ParamError> {
        Err(ParamError("map keys must be strings".into()))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, ParamError> {
        Err(ParamError("map keys must be strings".into()))
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, ParamError> {
        Err(ParamError("map keys must be strings".into()))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, ParamError> {
        Err(ParamError("map keys must be strings".into()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use serde_json::json;

    use super::*;

    fn names(list: &[&str]) -> Vec<Box<str>> {
        list.iter().map(|&n| n.into()).collect()
    }

    #[derive(Serialize)]
    struct User {
        login: String,
        admin: bool,
        email: Option<String>,
    }

    #[derive(Serialize)]
    struct NewUser<'a> {
        u: &'a User,
        tenant: u32,
    }

    #[test]
    fn reads_struct_fields_by_name_in_query_order() {
        let user = User {
            login: "calvin".into(),
            admin: true,
            email: None,
        };
        let binds = collect(&user, &names(&["email", "login", "admin"]), &[]).unwrap();
        assert_eq!(
            binds,
            [Bind::Null, Bind::Text("calvin".into()), Bind::Bool(true)]
        );
    }

    #[test]
    fn dotted_names_read_fields_of_object_parameters() {
        let user = User {
            login: "hobbes".into(),
            admin: false,
            email: Some("h@x".into()),
        };
        let params = NewUser {
            u: &user,
            tenant: 7,
        };
        let binds = collect(&params, &names(&["u.login", "tenant", "u.email", "u"]), &[]).unwrap();
        assert_eq!(binds[0], Bind::Text("hobbes".into()));
        assert_eq!(binds[1], Bind::Int(7));
        assert_eq!(binds[2], Bind::Text("h@x".into()));
        assert_eq!(
            binds[3],
            Bind::Json(json!({"login": "hobbes", "admin": false, "email": "h@x"}))
        );
    }

    #[test]
    fn json_objects_and_maps_work_like_structs() {
        let params = json!({"sid": 3, "stuff": "Chair", "tags": ["a"], "deep": {"x": {"y": 1.5}}});
        let binds = collect(&params, &names(&["stuff", "sid", "tags", "deep.x.y"]), &[]).unwrap();
        assert_eq!(
            binds,
            [
                Bind::Text("Chair".into()),
                Bind::Int(3),
                Bind::Json(json!(["a"])),
                Bind::Float(1.5)
            ]
        );
        let map: BTreeMap<&str, i64> = [("a", 1), ("b", 2)].into();
        assert_eq!(collect(&map, &names(&["b"]), &[]).unwrap(), [Bind::Int(2)]);
    }

    #[test]
    fn unit_gives_no_parameters() {
        assert_eq!(collect(&(), &[], &[]).unwrap(), []);
        let error = collect(&(), &names(&["sid"]), &[]).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::MissingParameter);
        assert_eq!(error.message(), "parameter :sid is missing");
    }

    #[test]
    fn missing_nested_fields_are_missing_parameters() {
        let error = collect(&json!({"u": {"name": "x"}}), &names(&["u.login"]), &[]).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::MissingParameter);
        assert_eq!(error.message(), "parameter :u.login is missing");
    }

    #[test]
    fn scalars_are_not_parameter_objects() {
        let error = collect(&5, &names(&["sid"]), &[]).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidParameter);
        assert_eq!(
            error.message(),
            "parameters must be a struct or a map, not an integer"
        );
        let error = collect(&json!({"u": "secret-value"}), &names(&["u.login"]), &[]).unwrap_err();
        assert_eq!(
            error.message(),
            "parameter :u must be a struct or a map to read :u.login, not a string"
        );
    }

    #[test]
    fn integers_beyond_i64_are_refused() {
        let error = collect(&json!({"n": u64::MAX}), &names(&["n"]), &[]).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidParameter);
        assert!(!error.message().contains(&u64::MAX.to_string()));
    }
}
