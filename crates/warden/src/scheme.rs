//! Authentication schemes and the sets of them that a route accepts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A way for a client to prove who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// HTTP Basic: `Authorization: Basic base64(login:password)`.
    Basic,
    /// Login and password as request parameters (`USER` and `PASS` by default), read from a form
    /// or JSON body (and from the query string only when the application enables it).
    Param,
    /// A signed token, carried as `Authorization: Bearer ...` by default, or in a cookie or a
    /// custom header as configured: compact tokens and JWT access tokens alike.
    Token,
    /// An API key sent directly in a header, for server-to-server clients (off unless the
    /// application configures the header).
    ApiKey,
    /// A request signed with an API key: HMAC-SHA256 over method, path, query, timestamp and
    /// body hash, within a time window, each signature usable once.
    Signed,
}

impl Scheme {
    /// Every scheme, in the order credentials are looked for.
    pub const ALL: [Scheme; 5] = [
        Scheme::Basic,
        Scheme::Param,
        Scheme::Token,
        Scheme::ApiKey,
        Scheme::Signed,
    ];

    /// The scheme's name in configuration text.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Basic => "basic",
            Scheme::Param => "param",
            Scheme::Token => "token",
            Scheme::ApiKey => "api_key",
            Scheme::Signed => "signed",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Scheme::Basic => 1,
            Scheme::Param => 2,
            Scheme::Token => 4,
            Scheme::ApiKey => 8,
            Scheme::Signed => 16,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "basic" => Ok(Scheme::Basic),
            "param" | "params" => Ok(Scheme::Param),
            "token" | "bearer" => Ok(Scheme::Token),
            "api_key" | "apikey" | "api-key" => Ok(Scheme::ApiKey),
            "signed" => Ok(Scheme::Signed),
            other => Err(format!(
                "unknown authentication scheme {other:?} (expected basic, param, token, api_key or signed)"
            )),
        }
    }
}

impl Serialize for Scheme {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Scheme {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A set of schemes, small and `Copy`.
///
/// ```
/// use warden::{Scheme, Schemes};
/// let s = Schemes::from_iter([Scheme::Token]);
/// assert!(s.contains(Scheme::Token) && !s.contains(Scheme::Basic));
/// assert_eq!(s.to_string(), "token");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Schemes(u8);

impl Schemes {
    /// No scheme at all.
    pub const NONE: Schemes = Schemes(0);
    /// Every scheme.
    pub const ALL: Schemes = Schemes(31);

    /// Whether `scheme` is in the set.
    pub fn contains(self, scheme: Scheme) -> bool {
        self.0 & scheme.bit() != 0
    }

    /// The set with `scheme` added.
    #[must_use]
    pub fn with(self, scheme: Scheme) -> Self {
        Schemes(self.0 | scheme.bit())
    }

    /// The schemes in both sets.
    #[must_use]
    pub fn intersect(self, other: Schemes) -> Self {
        Schemes(self.0 & other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The schemes in the set, in lookup order.
    pub fn iter(self) -> impl Iterator<Item = Scheme> {
        Scheme::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl FromIterator<Scheme> for Schemes {
    fn from_iter<I: IntoIterator<Item = Scheme>>(iter: I) -> Self {
        iter.into_iter().fold(Schemes::NONE, Schemes::with)
    }
}

impl fmt::Display for Schemes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scheme) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(scheme.name())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Schemes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schemes({self})")
    }
}

impl FromStr for Schemes {
    type Err = String;

    /// Parses a comma-separated list: `"basic,token"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .filter(|part| !part.trim().is_empty())
            .map(str::parse)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_round_trip_through_text() {
        let set: Schemes = "token, basic".parse().unwrap();
        assert_eq!(set.to_string(), "basic,token");
        assert!("basic,nope".parse::<Schemes>().is_err());
    }
}
