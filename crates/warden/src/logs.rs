//! An application's log, set up from its settings in one call: [`init`].
//!
//! Readable text in development and one JSON object per line in production (`log.format`
//! says otherwise), filtered by `log.filter` or `RUST_LOG`; to standard error, or with
//! `log.directory` to a file rotated daily (`{name}.YYYY-MM-DD.log`) and an error file
//! (`{name}.error.YYYY-MM-DD.log`) that keeps only warnings and errors (or errors only:
//! `log.error_level`), whatever the filter. Lines are written by a thread of their own
//! (`tracing-appender`'s non-blocking writer), so that a slow disk never holds up a request;
//! past 128k lines waiting, new lines are dropped rather than waited for.
//!
//! Every line logged while a request is served, by warden or by a handler, carries the
//! request's id: the observing layer runs each request inside a `request` span whose `id` is
//! the `X-Request-Id` of the answer (`request{id=3f2a9c1e-1b}:` in text, `"span":{"id":...,
//! "name":"request"}` in JSON). Credentials never reach the log (see the access line's
//! redaction in the README).
//!
//! ```no_run
//! fn main() -> Result<(), warden::BoxError> {
//!     let settings = warden::Settings::load()?;
//!     // Kept until the end of main: dropping it writes out the lines still waiting.
//!     let _log = warden::logs::init(&settings)?;
//!     tracing::info!("started");
//!     Ok(())
//! }
//! ```

use std::io::IsTerminal as _;
use std::path::Path;

use tracing::{Level, Subscriber};
use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::error::BoxError;
use crate::settings::{ErrorLevel, LogFormat, RunMode, Settings};

/// What is kept when neither `log.filter` nor `RUST_LOG` says: information, but not the
/// database driver's (sqlx reports each PostgreSQL notice, such as "relation already exists,
/// skipping", at info).
const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// Keeps the log's writer threads; dropping it writes out the lines still waiting and stops
/// them. Keep it alive as long as the application logs (bind it in `main`).
#[must_use = "dropping the guard stops the log's writers"]
pub struct LogGuard {
    _writers: Vec<WorkerGuard>,
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGuard")
            .field("writers", &self._writers.len())
            .finish()
    }
}

/// The format `settings` ask for: `log.format`, or JSON in production and text otherwise.
pub fn format(settings: &Settings) -> LogFormat {
    settings.log.format.unwrap_or(match settings.mode {
        RunMode::Development | RunMode::Test => LogFormat::Text,
        RunMode::Production => LogFormat::Json,
    })
}

/// Sets the process's log up from `settings.log` (see the [module](self)): the global tracing
/// subscriber, which a process has only one of.
///
/// # Errors
/// A filter that does not parse, a log directory that cannot be created or written, or a
/// global subscriber already set.
pub fn init(settings: &Settings) -> Result<LogGuard, BoxError> {
    let log = &settings.log;
    let filter = match std::env::var("RUST_LOG") {
        Ok(text) if !text.trim().is_empty() => EnvFilter::try_new(&text)
            .map_err(|e| format!("RUST_LOG={text:?} is not a valid log filter: {e}"))?,
        _ => {
            let text = log.filter.as_deref().unwrap_or(DEFAULT_FILTER);
            EnvFilter::try_new(text)
                .map_err(|e| format!("log.filter = {text:?} is not a valid log filter: {e}"))?
        }
    };
    let format = format(settings);
    let mut writers = Vec::new();
    let mut layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> = Vec::new();
    match &log.directory {
        None => {
            let ansi = std::io::stderr().is_terminal();
            let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
            writers.push(guard);
            layers.push(lines(format, writer, ansi).with_filter(filter).boxed());
        }
        Some(directory) => {
            std::fs::create_dir_all(directory).map_err(|e| {
                format!("log.directory: cannot create {}: {e}", directory.display())
            })?;
            let (all, guard) = tracing_appender::non_blocking(daily(directory, &settings.name)?);
            writers.push(guard);
            layers.push(lines(format, all, false).with_filter(filter).boxed());
            let errors_prefix = format!("{}.error", settings.name);
            let (errors, guard) = tracing_appender::non_blocking(daily(directory, &errors_prefix)?);
            writers.push(guard);
            let level = match log.error_level {
                ErrorLevel::Warn => Level::WARN,
                ErrorLevel::Error => Level::ERROR,
            };
            // Every span, so that a request's warning carries the request's id here too; of the
            // events, only warnings and errors.
            let severe = filter_fn(move |meta| meta.is_span() || *meta.level() <= level);
            layers.push(lines(format, errors, false).with_filter(severe).boxed());
        }
    }
    tracing_subscriber::registry()
        .with(layers)
        .try_init()
        .map_err(|e| format!("the log is already set up in this process: {e}"))?;
    Ok(LogGuard { _writers: writers })
}

/// A file in `directory` named `{prefix}.YYYY-MM-DD.log`, a new one each UTC day.
fn daily(directory: &Path, prefix: &str) -> Result<RollingFileAppender, BoxError> {
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(prefix)
        .filename_suffix("log")
        .build(directory)
        .map_err(|e| {
            format!(
                "log.directory: cannot write {prefix} logs in {}: {e}",
                directory.display()
            )
            .into()
        })
}

/// The layer that formats lines as `format` says, to `writer`.
fn lines<S>(format: LogFormat, writer: NonBlocking, ansi: bool) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let layer = tracing_subscriber::fmt::layer().with_writer(writer);
    match format {
        LogFormat::Text => layer.with_ansi(ansi).boxed(),
        LogFormat::Json => layer
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_logs_text_and_production_json_unless_told() {
        let mut settings = Settings::default();
        assert_eq!(format(&settings), LogFormat::Text);
        settings.mode = RunMode::Production;
        assert_eq!(format(&settings), LogFormat::Json);
        settings.log.format = Some(LogFormat::Text);
        assert_eq!(format(&settings), LogFormat::Text);
    }
}
