//! Authorization declarations: what every route must say about who may call it.
//!
//! Declarations are plain data. They are built in Rust (`Auth`, `group("ADMIN")`,
//! `object("owned", "oid")`, `any([...])`) or parsed from configuration text
//! (`"AUTH"`, `"group:ADMIN"`, `"object:owned:oid:read"`, `"any(group:ADMIN, object:owned:oid)"`),
//! and the application lists them back for documentation and audits.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use http::Method;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::scheme::{Scheme, Schemes};
use crate::settings::Rate;

/// Who may call a route.
///
/// ```
/// use warden::{Auth, Authz, Open, group, object};
///
/// let admin_or_owner = warden::any([group("ADMIN"), object("owned", "oid")]);
/// assert_eq!(admin_or_owner.to_string(), "any(group:ADMIN, object:owned:oid)");
/// assert_eq!("any(group:ADMIN, object:owned:oid)".parse::<Authz>().unwrap(), admin_or_owner);
/// assert_eq!("OPEN".parse::<Authz>().unwrap(), Open);
/// assert_eq!("auth".parse::<Authz>().unwrap(), Auth);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Authz {
    /// Anyone, without credentials. Handlers may still ask for `Option<CurrentUser>`.
    Open,
    /// No one: always 403 (a route switched off on purpose).
    Close,
    /// Any authenticated user; otherwise 401 with a challenge per accepted scheme.
    Auth,
    /// An authenticated member of the group (else 403), decided by the group's registered
    /// checker or by the groups the directory gives the user.
    Group(Cow<'static, str>),
    /// An authenticated user who holds the permission (else 403): the directory gives a user's
    /// permissions, e.g. those of their roles ([`SqlRoles`](crate::users::SqlRoles)).
    Perm(Cow<'static, str>),
    /// An authenticated user whom the checker registered for `domain` allows to `mode` the
    /// object named by the path parameter `param`: allow -> pass, deny -> 403, not found -> 404.
    /// Without a mode, it follows the method: GET/HEAD/OPTIONS read, DELETE delete, others write.
    Object {
        /// The checker's domain, e.g. `owned`.
        domain: Cow<'static, str>,
        /// The path parameter naming the object, e.g. `oid`.
        param: Cow<'static, str>,
        /// The operation; `None` derives it from the method.
        mode: Option<Mode>,
    },
    /// Every condition holds (checked in order; the first failure answers).
    All(Vec<Authz>),
    /// At least one condition holds.
    Any(Vec<Authz>),
}

pub use Authz::{Auth, Close, Open};

/// Membership of a group: `group("ADMIN")`.
pub fn group(name: impl Into<Cow<'static, str>>) -> Authz {
    Authz::Group(name.into())
}

/// A permission, as roles carry them: `perm("projects.write")`, in text `perm:projects.write`.
///
/// ```
/// use warden::{Authz, all, group, perm};
///
/// let write = all([perm("projects.write"), group("staff")]);
/// assert_eq!(write.to_string(), "all(perm:projects.write, group:staff)");
/// assert_eq!("all(perm:projects.write, group:staff)".parse::<Authz>().unwrap(), write);
/// ```
pub fn perm(name: impl Into<Cow<'static, str>>) -> Authz {
    Authz::Perm(name.into())
}

/// An object permission: `object("owned", "oid")`; the mode follows the method.
pub fn object(domain: impl Into<Cow<'static, str>>, param: impl Into<Cow<'static, str>>) -> Authz {
    Authz::Object {
        domain: domain.into(),
        param: param.into(),
        mode: None,
    }
}

/// Every condition must hold.
pub fn all(conditions: impl IntoIterator<Item = Authz>) -> Authz {
    Authz::All(conditions.into_iter().collect())
}

/// At least one condition must hold.
pub fn any(conditions: impl IntoIterator<Item = Authz>) -> Authz {
    Authz::Any(conditions.into_iter().collect())
}

impl Authz {
    /// Sets the mode of an [`Authz::Object`] declaration (other declarations are unchanged).
    #[must_use]
    pub fn mode(self, mode: Mode) -> Authz {
        match self {
            Authz::Object { domain, param, .. } => Authz::Object {
                domain,
                param,
                mode: Some(mode),
            },
            other => other,
        }
    }

    /// Restricts the route to these authentication schemes.
    pub fn schemes(self, schemes: impl IntoIterator<Item = Scheme>) -> Policy {
        Policy::from(self).schemes(schemes)
    }

    /// Tags the route (scoped tokens are restricted to tags).
    pub fn tag(self, tag: impl Into<Cow<'static, str>>) -> Policy {
        Policy::from(self).tag(tag)
    }

    /// Limits the route's rate per client IP ([`Policy::limit`]).
    pub fn limit(self, rate: Rate) -> Policy {
        Policy::from(self).limit(rate)
    }

    /// Names the route's action in the audit trail ([`Policy::audit`]).
    pub fn audit(self, action: impl Into<Cow<'static, str>>) -> Policy {
        Policy::from(self).audit(action)
    }

    /// Another declaration for development mode only ([`Policy::in_development`]).
    pub fn in_development(self, authz: Authz) -> Policy {
        Policy::from(self).in_development(authz)
    }

    /// Whether a caller must be authenticated before this can be decided.
    pub fn needs_auth(&self) -> bool {
        match self {
            Authz::Open | Authz::Close => false,
            Authz::Auth | Authz::Group(_) | Authz::Perm(_) | Authz::Object { .. } => true,
            Authz::All(parts) => parts.iter().any(Authz::needs_auth),
            Authz::Any(parts) => !parts.is_empty() && parts.iter().all(Authz::needs_auth),
        }
    }

    /// Calls `f` on this declaration and every nested one.
    pub fn visit(&self, f: &mut impl FnMut(&Authz)) {
        f(self);
        if let Authz::All(parts) | Authz::Any(parts) = self {
            for part in parts {
                part.visit(f);
            }
        }
    }
}

impl fmt::Display for Authz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Authz::Open => f.write_str("OPEN"),
            Authz::Close => f.write_str("CLOSE"),
            Authz::Auth => f.write_str("AUTH"),
            Authz::Group(name) => write!(f, "group:{name}"),
            Authz::Perm(name) => write!(f, "perm:{name}"),
            Authz::Object {
                domain,
                param,
                mode,
            } => {
                write!(f, "object:{domain}:{param}")?;
                match mode {
                    Some(mode) => write!(f, ":{mode}"),
                    None => Ok(()),
                }
            }
            Authz::All(parts) | Authz::Any(parts) => {
                f.write_str(if matches!(self, Authz::All(_)) {
                    "all("
                } else {
                    "any("
                })?;
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    fmt::Display::fmt(part, f)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl FromStr for Authz {
    type Err = String;

    /// Parses `OPEN`, `CLOSE`, `AUTH`, `group:NAME` (or a bare group `NAME`), `perm:NAME`,
    /// `object:DOMAIN:PARAM[:MODE]`, `all(...)` and `any(...)`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parser = Parser { text: s, pos: 0 };
        let authz = parser.expr()?;
        parser.skip_spaces();
        if parser.pos != s.len() {
            return Err(parser.error("unexpected text"));
        }
        Ok(authz)
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!(
            "invalid authorization {:?}: {what} at offset {}",
            self.text, self.pos
        )
    }

    fn skip_spaces(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn name(&mut self) -> Result<&str, String> {
        self.skip_spaces();
        let rest = &self.text[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_-.".contains(c)))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(self.error("expected a name"));
        }
        self.pos += len;
        Ok(&rest[..len])
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_spaces();
        if self.text[self.pos..].starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Authz, String> {
        let word = self.name()?.to_owned();
        match word.to_ascii_lowercase().as_str() {
            "open" => Ok(Authz::Open),
            "close" | "closed" => Ok(Authz::Close),
            "auth" => Ok(Authz::Auth),
            "all" | "any" => {
                if !self.eat('(') {
                    return Err(self.error("expected '('"));
                }
                let mut parts = vec![self.expr()?];
                while self.eat(',') {
                    parts.push(self.expr()?);
                }
                if !self.eat(')') {
                    return Err(self.error("expected ')' or ','"));
                }
                Ok(if word.eq_ignore_ascii_case("all") {
                    Authz::All(parts)
                } else {
                    Authz::Any(parts)
                })
            }
            "group" if self.eat(':') => Ok(group(self.name()?.to_owned())),
            "perm" if self.eat(':') => Ok(perm(self.name()?.to_owned())),
            "object" if self.eat(':') => {
                let domain = self.name()?.to_owned();
                if !self.eat(':') {
                    return Err(self.error("expected ':PARAM'"));
                }
                let param = self.name()?.to_owned();
                let mode = if self.eat(':') {
                    Some(self.name()?.parse().map_err(|e: String| self.error(&e))?)
                } else {
                    None
                };
                Ok(Authz::Object {
                    domain: domain.into(),
                    param: param.into(),
                    mode,
                })
            }
            _ => Ok(group(word)),
        }
    }
}

impl Serialize for Authz {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Authz {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The operation an object permission is checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Reading (GET, HEAD, OPTIONS).
    Read,
    /// Creating or changing (POST, PUT, PATCH...).
    Write,
    /// Deleting (DELETE).
    Delete,
}

impl Mode {
    /// The mode a method implies.
    pub fn for_method(method: &Method) -> Mode {
        match *method {
            Method::GET | Method::HEAD | Method::OPTIONS => Mode::Read,
            Method::DELETE => Mode::Delete,
            _ => Mode::Write,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Read => "read",
            Mode::Write => "write",
            Mode::Delete => "delete",
        })
    }
}

impl Serialize for Mode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "r" | "read" => Ok(Mode::Read),
            "w" | "write" => Ok(Mode::Write),
            "d" | "delete" => Ok(Mode::Delete),
            other => Err(format!(
                "unknown mode {other:?} (expected read, write or delete)"
            )),
        }
    }
}

/// A route's full declaration: its authorization, the schemes it accepts, its tags and its
/// rate limit.
///
/// ```
/// use warden::{Auth, Policy, Rate, Scheme, Schemes};
///
/// let p: Policy = Auth.schemes([Scheme::Token]).tag("tasks").limit(Rate::per_minute(30));
/// assert_eq!(p.accepted_schemes(), Some(Schemes::from_iter([Scheme::Token])));
/// assert_eq!(p.to_string(), "AUTH schemes=token tags=tasks limit=30/m");
///
/// // The same from configuration data:
/// let q: Policy = serde_json::from_str(
///     r#"{"authorize": "AUTH", "schemes": "token", "tags": ["tasks"], "limit": "30/m"}"#,
/// )
/// .unwrap();
/// assert_eq!(p, q);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Who may call.
    pub authorize: Authz,
    /// The accepted schemes; `None` means the application's defaults.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "schemes_text"
    )]
    pub schemes: Option<Schemes>,
    /// The route's tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Cow<'static, str>>,
    /// The route's own rate limit, per client IP, checked before authentication; the settings
    /// may add limits by route and by tag ([`LimitSettings`](crate::LimitSettings)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Rate>,
    /// The action the audit trail records for the route's successful changes (`data.change`
    /// when none is named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<Cow<'static, str>>,
    /// The declaration that holds instead of `authorize` when the application runs in
    /// development mode, such as `OPEN` for the course's user administration routes; test and
    /// production modes keep `authorize`. A development start names every such route in a
    /// warning, so that nobody deploys them open by mistake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub development: Option<Authz>,
}

impl Policy {
    /// Restricts the route to these schemes.
    #[must_use]
    pub fn schemes(mut self, schemes: impl IntoIterator<Item = Scheme>) -> Self {
        self.schemes = Some(schemes.into_iter().collect());
        self
    }

    /// Adds a tag.
    #[must_use]
    pub fn tag(mut self, tag: impl Into<Cow<'static, str>>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Limits the route's rate per client IP: past it, 429 with `Retry-After`, before
    /// authentication (so a login route limited this way pays no password hash for refused
    /// attempts).
    #[must_use]
    pub fn limit(mut self, rate: Rate) -> Self {
        self.limit = Some(rate);
        self
    }

    /// Names the route's action in the audit trail, such as `user.password`: its successful
    /// changes are recorded under that name (see [`audit`](crate::audit)).
    #[must_use]
    pub fn audit(mut self, action: impl Into<Cow<'static, str>>) -> Self {
        self.audit = Some(action.into());
        self
    }

    /// Declares what holds in development mode instead (test and production keep the
    /// declaration): the course's "MUST NOT BE OPEN!" administration routes, open while
    /// developing and for administrators only in production.
    ///
    /// ```
    /// use warden::{Open, group};
    ///
    /// let managers = group("ADMIN").in_development(Open);
    /// assert_eq!(managers.to_string(), "group:ADMIN development=OPEN");
    /// ```
    #[must_use]
    pub fn in_development(mut self, authz: Authz) -> Self {
        self.development = Some(authz);
        self
    }

    /// The first object check of the declaration: its domain and path parameter.
    pub(crate) fn object_target(&self) -> Option<(String, String)> {
        fn first(authz: &Authz) -> Option<(String, String)> {
            match authz {
                Authz::Object { domain, param, .. } => {
                    Some((domain.to_string(), param.to_string()))
                }
                Authz::All(list) | Authz::Any(list) => list.iter().find_map(first),
                _ => None,
            }
        }
        first(&self.authorize)
    }

    /// The declared schemes, if the route restricts them.
    pub fn accepted_schemes(&self) -> Option<Schemes> {
        self.schemes
    }
}

impl From<Authz> for Policy {
    fn from(authorize: Authz) -> Self {
        Policy {
            authorize,
            schemes: None,
            tags: Vec::new(),
            limit: None,
            audit: None,
            development: None,
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.authorize)?;
        if let Some(schemes) = self.schemes {
            write!(f, " schemes={schemes}")?;
        }
        if !self.tags.is_empty() {
            write!(f, " tags={}", self.tags.join(","))?;
        }
        if let Some(limit) = self.limit {
            write!(f, " limit={limit}")?;
        }
        if let Some(action) = &self.audit {
            write!(f, " audit={action}")?;
        }
        if let Some(development) = &self.development {
            write!(f, " development={development}")?;
        }
        Ok(())
    }
}

mod schemes_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::scheme::Schemes;

    pub(super) fn serialize<S: Serializer>(v: &Option<Schemes>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(set) => s.collect_str(set),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Schemes>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| text.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        for text in [
            "OPEN",
            "CLOSE",
            "AUTH",
            "group:ADMIN",
            "perm:projects.write",
            "object:owned:oid",
            "object:owned:oid:delete",
            "all(AUTH, any(group:A, group:B), object:d:p:read)",
        ] {
            let parsed: Authz = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
        }
        assert_eq!("ADMIN".parse::<Authz>().unwrap(), group("ADMIN"));
    }

    #[test]
    fn bad_text_is_refused() {
        for text in [
            "",
            "all(",
            "all()",
            "object:owned",
            "object:owned:oid:fly",
            "group:",
            "perm:",
            "AUTH AUTH",
            "any(OPEN,)",
        ] {
            assert!(text.parse::<Authz>().is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn authentication_need_follows_the_combination() {
        assert!(!Open.needs_auth());
        assert!(!Close.needs_auth());
        assert!(object("d", "p").needs_auth());
        assert!(perm("p").needs_auth());
        assert!(all([Open, group("A")]).needs_auth());
        assert!(!any([Open, group("A")]).needs_auth());
        assert!(any([Auth, group("A")]).needs_auth());
    }
}
