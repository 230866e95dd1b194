//! Schemas of values whose rules warden knows better than their Rust types.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::users::common_passwords;

/// The schema of a new password under the default [`PasswordPolicy`](crate::users::PasswordPolicy):
/// at least 8 characters, none of the common passwords it refuses. Name it on a field with
/// `#[schemars(with = "warden::openapi::NewPassword")]`. What a schema cannot say (the policy
/// also refuses the login itself, the application's name, and more than 1,024 bytes) is the
/// route's 400.
///
/// ```
/// use schemars::JsonSchema;
///
/// #[derive(serde::Deserialize, JsonSchema)]
/// struct Register {
///     login: String,
///     #[schemars(with = "warden::openapi::NewPassword")]
///     password: String,
/// }
/// ```
#[derive(Debug)]
pub struct NewPassword;

impl JsonSchema for NewPassword {
    fn schema_name() -> Cow<'static, str> {
        "NewPassword".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        let common: Vec<&str> = common_passwords().collect();
        json_schema!({
            "type": "string",
            "description": "at least 8 characters, not a common password, not the login",
            "minLength": 8,
            "not": { "enum": common },
        })
    }
}
