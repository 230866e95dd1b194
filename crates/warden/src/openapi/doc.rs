//! What a route says about itself in the OpenAPI document beyond its declaration.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;
use schemars::{JsonSchema, Schema, SchemaGenerator};

/// Makes the schema of a type, registering the types it names as shared components.
pub(crate) type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn subschema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn inline<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
}

/// A success answer: its status, what it means, and its JSON body's schema if it has one.
#[derive(Clone)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) description: Cow<'static, str>,
    pub(crate) body: Option<SchemaFn>,
}

/// What a route reads and answers, for the OpenAPI document: attach it with
/// [`MethodRoutes::doc`](crate::MethodRoutes::doc).
///
/// Without one, a route still appears with its path parameters (as text), its security and
/// the error statuses of its declaration, and a `2XX` answer that says nothing of its body.
///
/// ```
/// use schemars::JsonSchema;
/// use serde::Deserialize;
/// use http::StatusCode;
/// use warden::openapi::Doc;
/// use warden::{Auth, Params, Routes, get};
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Sid {
///     sid: i64,
/// }
///
/// async fn read(Params(p): Params<Sid>) -> axum::Json<i64> {
///     axum::Json(p.sid)
/// }
///
/// let routes: Routes = Routes::new().route(
///     "/stuff/{sid}",
///     get(Auth, read).doc(
///         Doc::new()
///             .summary("One stuff")
///             .params::<Sid>()
///             .returns::<i64>()
///             .error(StatusCode::NOT_FOUND, "no such sid"),
///     ),
/// );
/// ```
#[derive(Clone, Default)]
pub struct Doc {
    pub(crate) summary: Option<Cow<'static, str>>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) params: Option<SchemaFn>,
    /// The parameters' schema when it depends on the application (built-in endpoints).
    pub(crate) params_value: Option<serde_json::Value>,
    pub(crate) paged: bool,
    pub(crate) headers: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    pub(crate) answers: Vec<Answer>,
    pub(crate) errors: Vec<(StatusCode, Cow<'static, str>)>,
    pub(crate) hidden: bool,
}

impl fmt::Debug for Doc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Doc")
            .field("summary", &self.summary)
            .field("params", &self.params.is_some())
            .field("paged", &self.paged)
            .field(
                "answers",
                &self.answers.iter().map(|a| a.status).collect::<Vec<_>>(),
            )
            .field("errors", &self.errors)
            .field("hidden", &self.hidden)
            .finish_non_exhaustive()
    }
}

impl Doc {
    /// Nothing said yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A one-line summary of what the route does.
    #[must_use]
    pub fn summary(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.summary = Some(text.into());
        self
    }

    /// A longer description (CommonMark).
    #[must_use]
    pub fn description(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// The fields of the route's [`Params<T>`](crate::Params) (or [`Valid<T>`](crate::Valid)):
    /// those named in the path are its path parameters; the others are query parameters of a
    /// `GET`, `HEAD` or `DELETE`, and the fields of a JSON or form body otherwise (an object
    /// or list field of a form holds JSON text, as warden reads it). `T` must be a struct
    /// (its schema an object).
    #[must_use]
    pub fn params<T: JsonSchema>(mut self) -> Self {
        self.params = Some(inline::<T>);
        self
    }

    /// The parameters' schema as a JSON Schema object, for the built-in endpoints whose rules
    /// come from the settings and the routes.
    #[must_use]
    pub(crate) fn params_value(mut self, schema: serde_json::Value) -> Self {
        self.params_value = Some(schema);
        self
    }

    /// The route takes a [`Page`](crate::Page): `limit` and `offset` query parameters, and a
    /// `Link` header while there are more rows.
    #[must_use]
    pub fn paged(mut self) -> Self {
        self.paged = true;
        self
    }

    /// A request header the route requires (`X-Requested-With` on the session cookie routes).
    #[must_use]
    pub fn header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.headers.push((name.into(), description.into()));
        self
    }

    /// Answers 200 with a JSON body of type `T`.
    #[must_use]
    pub fn returns<T: JsonSchema>(self) -> Self {
        self.answers_with::<T>(StatusCode::OK, "success")
    }

    /// Answers 201 with a JSON body of type `T` (what was created).
    #[must_use]
    pub fn created<T: JsonSchema>(self) -> Self {
        self.answers_with::<T>(StatusCode::CREATED, "created")
    }

    /// Answers `status` with a JSON body of type `T`.
    #[must_use]
    pub fn answers_with<T: JsonSchema>(
        mut self,
        status: StatusCode,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.answers.push(Answer {
            status,
            description: description.into(),
            body: Some(subschema::<T>),
        });
        self
    }

    /// Answers `status` without a body (204 after a change, for instance).
    #[must_use]
    pub fn answers(
        mut self,
        status: StatusCode,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.answers.push(Answer {
            status,
            description: description.into(),
            body: None,
        });
        self
    }

    /// Answers 204 without a body.
    #[must_use]
    pub fn no_content(self) -> Self {
        self.answers(StatusCode::NO_CONTENT, "done")
    }

    /// An error the handler itself may answer, with warden's error body: 404 for a missing
    /// row, 409 for a conflict, 400 for a rule that the parameters' schema cannot say.
    #[must_use]
    pub fn error(mut self, status: StatusCode, description: impl Into<Cow<'static, str>>) -> Self {
        self.errors.push((status, description.into()));
        self
    }

    /// Leaves the route out of the document (the document's own routes are).
    #[must_use]
    pub fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }
}
