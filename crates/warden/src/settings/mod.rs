//! Typed, layered settings: defaults, then a TOML file, then `WARDEN_*` environment variables.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod api_keys;
mod audit;
mod bootstrap;
pub(crate) mod duration;
mod http;
mod jwt;
mod limits;
mod observe;
mod profile;
mod scoped;
mod sessions;

#[doc(inline)]
pub use api_keys::ApiKeySettings;
#[doc(inline)]
pub use audit::AuditSettings;
#[doc(inline)]
pub use bootstrap::BootstrapSettings;
pub use duration::parse as parse_duration;
#[doc(inline)]
pub use http::{CorsSettings, HttpSettings};
pub(crate) use jwt::read_pem;
#[doc(inline)]
pub use jwt::{JwtAlgorithm, JwtKey, JwtSettings};
#[doc(inline)]
pub use limits::{LimitSettings, LoginThrottleSettings, Rate};
#[doc(inline)]
pub use observe::{ErrorLevel, LogFormat, LogSettings, MetricsSettings};
#[doc(inline)]
pub use scoped::ScopedSettings;
#[doc(inline)]
pub use sessions::{REFRESH_COOKIE, SessionSettings};

use crate::scheme::Scheme;

/// Everything warden needs to know to run an application.
///
/// Every field has a default; [`Settings::load`] layers a TOML file and the environment on top:
/// `WARDEN_SECRET`, `WARDEN_MODE=production`, `WARDEN_AUTH__TOKEN_LIFETIME=15m`,
/// `WARDEN_SERVER__MAX_BODY_BYTES=65536`... (`__` separates nested keys).
///
/// ```
/// let settings = warden::Settings::default();
/// assert_eq!(settings.realm(), "warden");
/// assert_eq!(settings.server.max_body_bytes, 1 << 20);
/// assert_eq!(settings.auth.token_lifetime.as_secs(), 3600);
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The application's name; also the default realm. Default `warden`.
    pub name: String,
    /// Development or production. Default development.
    pub mode: RunMode,
    /// The authentication realm shown in challenges and bound into tokens. Default: `name`.
    pub realm: Option<String>,
    /// The signing secret for tokens. Required in production; a development start without one
    /// makes a random per-process secret (tokens then die with the process) and warns.
    pub secret: Option<Secret>,
    /// The address to listen on. Default `127.0.0.1:5000`.
    pub listen: String,
    /// The database URL, for applications that use one.
    pub database_url: Option<String>,
    /// The shared store for revocations, refresh families, nonces, rate limits and login
    /// failures: `redis://...` for several processes; none (the default) keeps them in this
    /// process's memory.
    pub store_url: Option<String>,
    /// Authentication settings.
    pub auth: AuthSettings,
    /// Server limits and timeouts.
    pub server: ServerSettings,
    /// Rate limits and login throttling.
    pub limits: LimitSettings,
    /// The HTTP edge: CORS, security headers, list pagination.
    pub http: HttpSettings,
    /// The audit trail.
    pub audit: AuditSettings,
    /// Log lines: format, filter, files ([`logs::init`](crate::logs::init)).
    pub log: LogSettings,
    /// Prometheus metrics: off unless they have an address of their own.
    pub metrics: MetricsSettings,
    /// The first administrator, created on an empty directory.
    pub bootstrap: BootstrapSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            name: "warden".to_owned(),
            mode: RunMode::Development,
            realm: None,
            secret: None,
            listen: "127.0.0.1:5000".to_owned(),
            database_url: None,
            store_url: None,
            auth: AuthSettings::default(),
            server: ServerSettings::default(),
            limits: LimitSettings::default(),
            http: HttpSettings::default(),
            audit: AuditSettings::default(),
            log: LogSettings::default(),
            metrics: MetricsSettings::default(),
            bootstrap: BootstrapSettings::default(),
        }
    }
}

impl Settings {
    /// Defaults, then `warden.toml` (or the file named by `WARDEN_CONFIG`) when it exists, then
    /// `WARDEN_*` environment variables.
    pub fn load() -> Result<Self, Box<figment::Error>> {
        Self::load_with(Settings::default())
    }

    /// Like [`Settings::load`], over the application's own defaults (its name, say).
    pub fn load_with(defaults: Settings) -> Result<Self, Box<figment::Error>> {
        Self::figment_with(defaults).extract().map_err(Box::new)
    }

    /// Like [`Settings::load`], from the file at `path` (which must exist) instead of
    /// `warden.toml`: what a `--config FILE` option reads.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Self, Box<figment::Error>> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(Box::new(figment::Error::from(format!(
                "no settings file at {}",
                path.display()
            ))));
        }
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(path))
            .merge(Env::prefixed("WARDEN_").split("__"))
            .extract()
            .map_err(Box::new)
    }

    /// The layered configuration source behind [`Settings::load`], for applications that read
    /// their own settings from the same file and environment.
    pub fn figment() -> Figment {
        Self::figment_with(Settings::default())
    }

    fn figment_with(defaults: Settings) -> Figment {
        let file = std::env::var("WARDEN_CONFIG").unwrap_or_else(|_| "warden.toml".to_owned());
        let mut figment = Figment::from(Serialized::defaults(defaults));
        if Path::new(&file).exists() {
            figment = figment.merge(Toml::file(file));
        }
        figment.merge(Env::prefixed("WARDEN_").split("__"))
    }

    /// The realm: the configured one, or the application's name.
    pub fn realm(&self) -> &str {
        self.realm.as_deref().unwrap_or(&self.name)
    }
}

/// The profile the application runs in: development, test or production.
///
/// - **development** (the default): conveniences, said out loud. A random per-process secret
///   when none is configured, routes' [development declarations](crate::Policy::in_development)
///   in force, readable logs; the start warns about each.
/// - **test**: production's declarations with development's leniency about secrets (a random
///   secret, silently), so that a test suite exercises what production enforces.
/// - **production**: strict. A strong secret is required, and [`Settings::problems`] refuses
///   weak settings (credentials in query strings, CORS open to every origin or over plain
///   HTTP, forwarded headers believed from anyone); docs are off unless asked and logs are
///   JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RunMode {
    /// Conveniences allowed, and warned about at start.
    #[default]
    Development,
    /// Production's declarations; a random secret allowed without a warning.
    Test,
    /// Strict: a strong secret is required and weak settings are refused.
    Production,
}

impl FromStr for RunMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(RunMode::Development),
            "test" => Ok(RunMode::Test),
            "production" | "prod" => Ok(RunMode::Production),
            other => Err(format!(
                "unknown mode {other:?} (expected development, test or production)"
            )),
        }
    }
}

impl fmt::Display for RunMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunMode::Development => "development",
            RunMode::Test => "test",
            RunMode::Production => "production",
        })
    }
}

impl Serialize for RunMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RunMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A secret string that never prints.
///
/// ```
/// let s = warden::Secret::new("hunter2-hunter2-hunter2");
/// assert_eq!(format!("{s:?}"), "Secret([redacted])");
/// assert_eq!(s.expose(), "hunter2-hunter2-hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the code that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Environment values that look like numbers arrive as numbers; a secret is text.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(i128),
        }
        Ok(match Raw::deserialize(deserializer)? {
            Raw::Text(s) => Secret(s),
            Raw::Int(i) => Secret(i.to_string()),
        })
    }
}

/// Where a token travels.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum TokenCarrier {
    /// `Authorization: Bearer <token>` (the default).
    #[default]
    Bearer,
    /// A cookie with this name.
    Cookie(String),
    /// A custom request header with this name.
    Header(String),
}

impl FromStr for TokenCarrier {
    type Err = String;

    /// `bearer`, `cookie:NAME` or `header:NAME`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (kind, name) = s.split_once(':').unwrap_or((s, ""));
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        match kind.to_ascii_lowercase().as_str() {
            "bearer" if name.is_empty() => Ok(TokenCarrier::Bearer),
            "cookie" if valid_name => Ok(TokenCarrier::Cookie(name.to_owned())),
            "header" if valid_name => Ok(TokenCarrier::Header(name.to_ascii_lowercase())),
            _ => Err(format!(
                "invalid token carrier {s:?} (expected bearer, cookie:NAME or header:NAME)"
            )),
        }
    }
}

impl fmt::Display for TokenCarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenCarrier::Bearer => f.write_str("bearer"),
            TokenCarrier::Cookie(name) => write!(f, "cookie:{name}"),
            TokenCarrier::Header(name) => write!(f, "header:{name}"),
        }
    }
}

impl Serialize for TokenCarrier {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TokenCarrier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// How clients authenticate.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// The schemes a route accepts unless it says otherwise. Default basic, param and token.
    pub schemes: Vec<Scheme>,
    /// The login parameter of the param scheme. Default `USER`.
    pub user_param: String,
    /// The password parameter of the param scheme. Default `PASS`.
    pub pass_param: String,
    /// Whether the param scheme also reads the query string, where credentials end up in
    /// access logs and browser history. Default false.
    pub params_in_query: bool,
    /// How long a minted token lives. Default one hour.
    #[serde(with = "duration")]
    pub token_lifetime: Duration,
    /// Where tokens travel. Default `bearer`.
    pub token_carrier: TokenCarrier,
    /// How long a user lookup stays cached. Short, because a changed password or a removed
    /// user is only noticed when it runs out. Default 10 s; zero disables the caches. A
    /// verified password is remembered longer (an hour, or this if longer) but only counts
    /// while the looked-up hash is the one it was checked against.
    #[serde(with = "duration")]
    pub cache_ttl: Duration,
    /// How many users the caches hold at most. Default 10,000.
    pub cache_capacity: u64,
    /// Former secrets: compact tokens they signed still verify, and API keys' signing keys
    /// sealed under them still unseal (their keys sign requests), until they are removed from
    /// this list; new tokens and new keys use `secret`.
    pub previous_secrets: Vec<Secret>,
    /// What [`Tokens::mint`](crate::Tokens::mint) makes: `compact` (the default) or `jwt`.
    pub token_format: TokenFormat,
    /// JSON Web Tokens: algorithm, keys, issuer, audience.
    pub jwt: JwtSettings,
    /// The access + refresh cookie flow.
    pub sessions: SessionSettings,
    /// API keys.
    pub api_keys: ApiKeySettings,
    /// Scoped tokens.
    pub scoped: ScopedSettings,
}

/// The format of minted tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenFormat {
    /// `realm:login:expiry:signature`, as the seed course makes them.
    #[default]
    Compact,
    /// A JSON Web Token (access kind), signed with the configured algorithm.
    Jwt,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            schemes: Scheme::ALL.to_vec(),
            user_param: "USER".to_owned(),
            pass_param: "PASS".to_owned(),
            params_in_query: false,
            token_lifetime: Duration::from_secs(3600),
            token_carrier: TokenCarrier::Bearer,
            cache_ttl: Duration::from_secs(10),
            cache_capacity: 10_000,
            previous_secrets: Vec::new(),
            token_format: TokenFormat::Compact,
            jwt: JwtSettings::default(),
            sessions: SessionSettings::default(),
            api_keys: ApiKeySettings::default(),
            scoped: ScopedSettings::default(),
        }
    }
}

/// Limits that protect the server from slow or greedy clients.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    /// Time a client has to send a request's headers; slower connections are closed
    /// (slowloris). Default 10 s.
    #[serde(with = "duration")]
    pub header_read_timeout: Duration,
    /// Time a request may take from routing to response; then 503. Default 30 s.
    #[serde(with = "duration")]
    pub request_timeout: Duration,
    /// Largest total size of request headers; larger requests get 431. Default 16 KiB.
    pub max_header_bytes: usize,
    /// Largest request body; larger bodies get 413. Default 1 MiB.
    pub max_body_bytes: usize,
    /// On SIGTERM or SIGINT, how long in-flight requests may take to finish. Default 30 s.
    #[serde(with = "duration")]
    pub drain_timeout: Duration,
    /// The networks of the reverse proxies whose `Forwarded` / `X-Forwarded-For` headers are
    /// believed, in CIDR notation (`10.0.0.0/8`, `fd00::/8`; a bare address is one host).
    /// Empty (the default): the client IP is the socket's peer and the headers are ignored.
    pub trusted_proxies: Vec<String>,
    /// Client IP ranges refused with 403 before routing and authentication, in CIDR notation,
    /// added to those of the blocklist table when the application mounts it
    /// (`AppBuilder::blocklist`). Default: none.
    pub blocklist: Vec<String>,
    /// How old the in-memory copy of the blocklist table may grow before a request reloads it:
    /// a change made by another process counts within this time (at once in the process that
    /// made it). Default 10 s.
    #[serde(with = "duration")]
    pub blocklist_refresh: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_header_bytes: 16 * 1024,
            max_body_bytes: 1 << 20,
            drain_timeout: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            blocklist: Vec::new(),
            blocklist_refresh: Duration::from_secs(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(duration::parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration::parse("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(duration::parse("7"), Ok(Duration::from_secs(7)));
        assert!(duration::parse("7 fortnights").is_err());
        assert!(duration::parse("99999999999999999999h").is_err());
    }

    #[test]
    fn carriers_parse() {
        assert_eq!("bearer".parse(), Ok(TokenCarrier::Bearer));
        assert_eq!(
            "cookie:auth".parse(),
            Ok(TokenCarrier::Cookie("auth".to_owned()))
        );
        assert!("cookie:".parse::<TokenCarrier>().is_err());
        assert!("header:a b".parse::<TokenCarrier>().is_err());
    }

    #[test]
    fn the_readme_configuration_parses() {
        let readme = include_str!("../../../../README.md");
        let start = readme.find("```toml\nmode = ").unwrap() + "```toml\n".len();
        let text = &readme[start..start + readme[start..].find("```").unwrap()];
        let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(text))
            .extract()
            .unwrap();
        assert_eq!(settings.auth.jwt.keys.len(), 2);
        assert_eq!(
            settings.auth.sessions.access_lifetime,
            Duration::from_secs(300)
        );
        assert_eq!(
            settings.store_url.as_deref(),
            Some("redis://127.0.0.1:6379")
        );
        assert_eq!(
            settings.limits.ip,
            Some(Rate::per_second(100).with_burst(200))
        );
        assert_eq!(
            settings.limits.routes["POST /register"],
            Rate::per_minute(10).with_burst(60)
        );
        assert!(settings.limits.problems().is_empty());
    }

    #[test]
    fn settings_layer_toml_over_defaults() {
        let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(
                "mode = \"production\"\nsecret = \"s3cr3t\"\n[auth]\ntoken_lifetime = \"15m\"\nschemes = [\"token\"]\n",
            ))
            .extract()
            .unwrap();
        assert_eq!(settings.mode, RunMode::Production);
        assert_eq!(settings.secret.unwrap().expose(), "s3cr3t");
        assert_eq!(settings.auth.token_lifetime, Duration::from_secs(900));
        assert_eq!(settings.auth.schemes, vec![Scheme::Token]);
        assert_eq!(settings.server.max_header_bytes, 16 * 1024);
    }
}
