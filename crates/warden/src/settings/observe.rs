//! Settings of what an operator sees of a running application: its logs and its metrics.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where log lines go and how they look ([`logs::init`](crate::logs::init)).
///
/// ```toml
/// [log]
/// format = "json"             # text or json; default: text in development, json in production
/// filter = "info,sqlx=warn"   # tracing's EnvFilter syntax; RUST_LOG, when set, wins
/// directory = "/var/log/stuff"  # then NAME.YYYY-MM-DD.log and NAME.error.YYYY-MM-DD.log
/// error_level = "warn"        # what the error file keeps: warn (and error), or error only
/// ```
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// Readable text or one JSON object per line. Default: JSON in production, text in
    /// development and test.
    pub format: Option<LogFormat>,
    /// Which lines are kept, in tracing's `EnvFilter` syntax (`info`, `warn,warden=debug`...).
    /// The `RUST_LOG` variable, when set, replaces it. Default `info,sqlx=warn`.
    pub filter: Option<String>,
    /// A directory for the log files: every line to `{name}.YYYY-MM-DD.log`, and warnings
    /// and errors also to `{name}.error.YYYY-MM-DD.log`, both rotated daily at midnight UTC.
    /// Default: none, every line to standard error.
    pub directory: Option<PathBuf>,
    /// The least severe level the error file keeps: `warn` (the default) or `error`.
    pub error_level: ErrorLevel,
}

/// How log lines look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event, with its spans (`request{id=...}`) in front.
    Text,
    /// One JSON object per line, with the event's fields and its spans.
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!(
                "unknown log format {other:?} (expected text or json)"
            )),
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

/// The least severe level the error file keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ErrorLevel {
    /// Warnings and errors.
    #[default]
    Warn,
    /// Errors only.
    Error,
}

impl FromStr for ErrorLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "warn" | "warning" => Ok(ErrorLevel::Warn),
            "error" => Ok(ErrorLevel::Error),
            other => Err(format!(
                "unknown error level {other:?} (expected warn or error)"
            )),
        }
    }
}

impl fmt::Display for ErrorLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorLevel::Warn => "warn",
            ErrorLevel::Error => "error",
        })
    }
}

/// Serde through `FromStr` and `Display`, for the enums above.
macro_rules! serde_as_text {
    ($($kind:ty),*) => {$(
        impl Serialize for $kind {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $kind {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer)?
                    .parse()
                    .map_err(serde::de::Error::custom)
            }
        }
    )*};
}

serde_as_text!(LogFormat, ErrorLevel);

/// Prometheus metrics ([`Metrics`](crate::metrics::Metrics)): collected only when `listen` is
/// set, and then served there, on an address of their own, never on the application's.
///
/// ```toml
/// [metrics]
/// listen = "127.0.0.1:9100"
/// path = "/metrics"
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsSettings {
    /// The address the metrics are served on (port 0 picks one). Default: none, no metrics.
    pub listen: Option<String>,
    /// The path they are served at. Default `/metrics`.
    pub path: String,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            listen: None,
            path: "/metrics".to_owned(),
        }
    }
}
