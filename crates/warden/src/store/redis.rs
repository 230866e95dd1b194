//! The shared store: Redis through a reconnecting connection, every call bounded in time.

use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{
    Cmd, ErrorKind, FromRedisValue, RedisError, RedisResult, Script, ScriptInvocation, Value,
};

use super::{Admission, Count, Store, config_error, redact_url, ttl_millis};
use crate::error::{Error, Fault};
use futures_util::future::BoxFuture;

/// What a client is told to wait before retrying when Redis cannot answer.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// Replaces the value only if it is the expected one; a missing key (`GET` gives `false` in Lua)
/// never matches. One script, so no other client runs between the read and the write.
static COMPARE_AND_SWAP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    return 1
end
return 0",
    )
});

/// Adds to a counter, giving it its time to live only when this call created it (a fixed
/// window), and answers the new value with the time it has left: one round trip, atomic.
static INCR: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local value = redis.call('INCRBY', KEYS[1], ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    left = tonumber(ARGV[2])
end
return {value, left}",
    )
});

/// One GCRA step on Redis's clock (`TIME`, so that instances whose clocks differ share one
/// schedule): 0 when admitted (the TAT moved on), else the milliseconds to wait. The same
/// arithmetic as `store::gcra`.
static ADMIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local interval = tonumber(ARGV[1])
local limit = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then tat = now end
local next = tat + interval
if next - now > limit then
    return next - now - limit
end
redis.call('SET', KEYS[1], string.format('%d', next), 'PX', string.format('%d', next - now))
return 0",
    )
});

/// How a [`RedisStore`] talks to Redis.
///
/// Defaults: each operation (including waiting for a connection) must finish within one second.
///
/// ```
/// use std::time::Duration;
/// use warden::store::RedisOptions;
///
/// let options = RedisOptions::default().timeout(Duration::from_millis(250));
/// assert_eq!(options.get_timeout(), Duration::from_millis(250));
/// ```
#[derive(Clone, Debug)]
pub struct RedisOptions {
    timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(1),
        }
    }
}

impl RedisOptions {
    /// The longest an operation may take, connecting included (default one second; at least one
    /// millisecond). Past it the operation fails with a 503, so a dead or stalled Redis slows
    /// requests by this much at most.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The operation timeout.
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }
}

/// A [`Store`] on Redis, shared by several warden processes.
///
/// Every key is prefixed with the store's namespace (`warden:stuff` stores `nonce:1` as
/// `warden:stuff:nonce:1`), so several applications can share one Redis. Values are written with
/// millisecond expiry (`SET ... PX`), `set_if_absent` is `SET ... NX PX`, `compare_and_swap`,
/// `incr` (`INCRBY`, and `PEXPIRE` on a new key) and `admit` (GCRA on Redis's `TIME`) are Lua
/// scripts run by `EVALSHA`, `delete` is `DEL`: each operation is one round trip, and atomic
/// however many processes call it at once.
///
/// It fails closed and fast: every operation, waiting for a connection included, is bounded by
/// [`RedisOptions::timeout`]; when Redis is unreachable, refuses connections, or does not answer
/// in time, the operation returns a 503 [`Error`] with `Retry-After` (the cause goes to the log).
/// One connection is shared by all requests and re-established by itself: after Redis comes back,
/// the next operations succeed without a restart. The same holds when Redis is not there yet
/// when the store is made: [`connect`](Self::connect) then logs a warning and returns the store.
/// `GET`, `SET` and `DEL` are retried once within the time limit when the connection turns out
/// to be broken (repeating them is harmless); the non-idempotent `set_if_absent`,
/// `compare_and_swap`, `incr` and `admit` only when the connection was refused, which proves the
/// command never reached Redis.
///
/// Cloning is cheap: clones share the connection.
///
/// ```no_run
/// use std::time::Duration;
/// use warden::store::{RedisStore, Store};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> warden::Result<()> {
/// let store = RedisStore::connect("redis://127.0.0.1:6379", "warden:stuff").await?;
/// store.set("revoked:jti-42", "1", Duration::from_secs(900)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: Arc<str>,
    timeout: Duration,
    /// `host:port` or the socket path, for messages: never the URL, which may hold a password.
    server: Arc<str>,
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://[user:password@]host[:port][/db]`, or a
    /// `redis+unix://` / `unix://` socket path) with [`RedisOptions::default`], for keys under
    /// `namespace`.
    ///
    /// Fails at once when the URL or the namespace is invalid, or when Redis answers its first
    /// `PING` with an error (refused credentials, say). A Redis that cannot be reached (refused,
    /// unknown host, no answer within the timeout) does not stop startup: the failure is logged,
    /// operations fail with a 503 until Redis answers, and then the store works, without a
    /// restart. Takes at most the timeout.
    pub async fn connect(url: &str, namespace: &str) -> crate::Result<Self> {
        Self::connect_with(url, namespace, RedisOptions::default()).await
    }

    /// [`connect`](Self::connect) with options.
    pub async fn connect_with(
        url: &str,
        namespace: &str,
        options: RedisOptions,
    ) -> crate::Result<Self> {
        if namespace.is_empty() {
            return Err(config_error(
                "the Redis store needs a namespace (e.g. \"warden:myapp\")".to_owned(),
            ));
        }
        let client = ::redis::Client::open(url).map_err(|e| {
            config_error(format!("invalid Redis URL {:?}", redact_url(url))).with_source(e)
        })?;
        let server: Arc<str> = client.get_connection_info().addr().to_string().into();
        // No retry loop inside the connection manager: a failed attempt is reported to the
        // waiting operations at once (they fail closed), and the next operation starts a new
        // attempt, so recovery follows traffic without anyone waiting on backoff delays.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout));
        let connection = ConnectionManager::new_lazy_with_config(client, config).map_err(|e| {
            config_error(format!("invalid Redis URL {:?}", redact_url(url))).with_source(e)
        })?;
        let prefix = if namespace.ends_with(':') {
            namespace.to_owned()
        } else {
            format!("{namespace}:")
        };
        let store = Self {
            connection,
            prefix: prefix.into(),
            timeout: options.timeout,
            server,
        };
        store.ping_at_start().await?;
        Ok(store)
    }

    /// One `PING`, within the timeout: a Redis that answers with an error (refused credentials,
    /// an unknown database) is a configuration error, reported at once; one that cannot be
    /// reached is only logged, for Redis may come up after warden (a deployment starting both, a
    /// restart): the store serves 503s until it answers, then works without a restart.
    async fn ping_at_start(&self) -> crate::Result<()> {
        let ping = async {
            let mut connection = self.connection.clone();
            ::redis::cmd("PING")
                .query_async::<String>(&mut connection)
                .await
        };
        let unreachable = match tokio::time::timeout(self.timeout, ping).await {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(e)) if e.is_io_error() || e.is_timeout() => self.failure("PING", e),
            Ok(Err(e)) => {
                return Err(config_error(format!(
                    "Redis at {} refused the connection's setup",
                    self.server
                ))
                .with_source(e));
            }
            Err(_) => Error::unavailable(
                Failure {
                    server: self.server.clone(),
                    operation: "PING",
                    cause: Cause::Timeout(self.timeout),
                },
                RETRY_AFTER,
            ),
        };
        tracing::warn!(
            error = %unreachable,
            "the Redis store is unreachable: starting anyway; requests that need it get 503 until it answers"
        );
        Ok(())
    }

    /// The prefix of every key: the namespace, ending with `:`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Sends `request` on the shared connection within the timeout, retrying once when the
    /// failure shows that repeating it is safe.
    async fn run<T: FromRedisValue>(
        &self,
        name: &'static str,
        retry: Retry,
        request: &Request<'_>,
    ) -> crate::Result<T> {
        let attempts = async {
            let mut connection = self.connection.clone();
            match request.send(&mut connection).await {
                // The manager has started a new connection; the retry waits for it.
                Err(e) if retry.allows(&e) => request.send(&mut connection).await,
                result => result,
            }
        };
        match tokio::time::timeout(self.timeout, attempts).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.failure(name, e)),
            Err(_) => Err(Error::unavailable(
                Failure {
                    server: self.server.clone(),
                    operation: name,
                    cause: Cause::Timeout(self.timeout),
                },
                RETRY_AFTER,
            )
            .fault(Fault::Store)),
        }
    }

    /// A 503 for Redis being unreachable, slow or refusing service; a 500 for an answer of the
    /// wrong shape (a value that is not UTF-8, a key holding another type).
    fn failure(&self, operation: &'static str, e: RedisError) -> Error {
        let internal = matches!(e.kind(), ErrorKind::UnexpectedReturnType | ErrorKind::Parse)
            || e.code() == Some("WRONGTYPE");
        let cause = if e.is_timeout() {
            // The connection's own timeouts equal ours: whichever fires first, say the same.
            Cause::Timeout(self.timeout)
        } else {
            Cause::Redis(e)
        };
        let failure = Failure {
            server: self.server.clone(),
            operation,
            cause,
        };
        let error = if internal {
            Error::internal(failure)
        } else {
            Error::unavailable(failure, RETRY_AFTER)
        };
        error.fault(Fault::Store)
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.server)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What an operation sends: one command, or a script (`EVALSHA`, loading it on `NOSCRIPT`).
enum Request<'a> {
    Command(Cmd),
    Script(ScriptInvocation<'a>),
}

impl Request<'_> {
    async fn send<T: FromRedisValue>(&self, connection: &mut ConnectionManager) -> RedisResult<T> {
        match self {
            Self::Command(cmd) => cmd.query_async(connection).await,
            Self::Script(invocation) => invocation.invoke_async(connection).await,
        }
    }
}

/// When a failed request may be sent again.
#[derive(Clone, Copy)]
enum Retry {
    /// Repeating the command has the same effect as running it once: retry when the connection
    /// was refused or dropped.
    Idempotent,
    /// The command may have run before the connection dropped: retry only when the connection
    /// was refused, so the command cannot have reached Redis.
    IfNotSent,
}

impl Retry {
    fn allows(self, e: &RedisError) -> bool {
        match self {
            Self::Idempotent => e.is_connection_refusal() || e.is_connection_dropped(),
            Self::IfNotSent => e.is_connection_refusal(),
        }
    }
}

/// Why an operation failed, for the log.
#[derive(Debug)]
struct Failure {
    server: Arc<str>,
    operation: &'static str,
    cause: Cause,
}

#[derive(Debug)]
enum Cause {
    Timeout(Duration),
    Redis(RedisError),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            server, operation, ..
        } = self;
        match &self.cause {
            Cause::Timeout(limit) => {
                write!(
                    f,
                    "Redis at {server}: {operation} got no answer within {limit:?}"
                )
            }
            Cause::Redis(e) => write!(f, "Redis at {server}: {operation} failed: {e}"),
        }
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Timeout(_) => None,
            Cause::Redis(e) => Some(e),
        }
    }
}

/// `SET ... NX` answers `OK` when it set the key and nil when the key was there.
fn was_set(value: &Value) -> bool {
    match value {
        Value::Okay => true,
        Value::SimpleString(s) => s == "OK",
        _ => false,
    }
}

impl Store for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, crate::Result<Option<String>>> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("GET");
            cmd.arg(self.key(key));
            self.run("GET", Retry::Idempotent, &Request::Command(cmd))
                .await
        })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<()>> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("SET");
            cmd.arg(self.key(key))
                .arg(value)
                .arg("PX")
                .arg(ttl_millis(ttl));
            self.run("SET", Retry::Idempotent, &Request::Command(cmd))
                .await
        })
    }

    fn set_if_absent<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<bool>> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("SET");
            cmd.arg(self.key(key))
                .arg(value)
                .arg("NX")
                .arg("PX")
                .arg(ttl_millis(ttl));
            let answer: Value = self
                .run("SET NX", Retry::IfNotSent, &Request::Command(cmd))
                .await?;
            Ok(was_set(&answer))
        })
    }

    fn compare_and_swap<'a>(
        &'a self,
        key: &'a str,
        expected: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<bool>> {
        Box::pin(async move {
            let mut invocation = COMPARE_AND_SWAP.key(self.key(key));
            invocation.arg(expected).arg(value).arg(ttl_millis(ttl));
            let swapped: i64 = self
                .run(
                    "compare-and-swap",
                    Retry::IfNotSent,
                    &Request::Script(invocation),
                )
                .await?;
            Ok(swapped == 1)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, crate::Result<()>> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("DEL");
            cmd.arg(self.key(key));
            self.run("DEL", Retry::Idempotent, &Request::Command(cmd))
                .await
        })
    }

    fn incr<'a>(
        &'a self,
        key: &'a str,
        delta: i64,
        ttl: Duration,
    ) -> BoxFuture<'a, crate::Result<Count>> {
        Box::pin(async move {
            let mut invocation = INCR.key(self.key(key));
            invocation.arg(delta).arg(ttl_millis(ttl));
            let (value, left): (i64, i64) = self
                .run("incr", Retry::IfNotSent, &Request::Script(invocation))
                .await?;
            Ok(Count {
                value,
                expires_in: Duration::from_millis(u64::try_from(left).unwrap_or(0)),
            })
        })
    }

    fn admit<'a>(
        &'a self,
        key: &'a str,
        interval: Duration,
        burst: u32,
    ) -> BoxFuture<'a, crate::Result<Admission>> {
        Box::pin(async move {
            let mut invocation = ADMIT.key(self.key(key));
            invocation.arg(ttl_millis(interval)).arg(burst.max(1));
            let wait: i64 = self
                .run("admit", Retry::IfNotSent, &Request::Script(invocation))
                .await?;
            Ok(match u64::try_from(wait) {
                Ok(0) | Err(_) => Admission::Admitted,
                Ok(wait) => Admission::Refused {
                    retry_after: Duration::from_millis(wait),
                },
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_nx_answers_are_read_as_set_or_not() {
        assert!(was_set(&Value::Okay));
        assert!(was_set(&Value::SimpleString("OK".into())));
        assert!(!was_set(&Value::Nil));
    }

    #[test]
    fn failures_name_the_server_and_operation_but_not_the_url() {
        let failure = Failure {
            server: "db.example:6379".into(),
            operation: "GET",
            cause: Cause::Timeout(Duration::from_millis(250)),
        };
        assert_eq!(
            failure.to_string(),
            "Redis at db.example:6379: GET got no answer within 250ms"
        );
    }

    #[test]
    fn the_timeout_is_at_least_a_millisecond() {
        assert_eq!(
            RedisOptions::default().get_timeout(),
            Duration::from_secs(1)
        );
        assert_eq!(
            RedisOptions::default()
                .timeout(Duration::ZERO)
                .get_timeout(),
            Duration::from_millis(1)
        );
    }

    #[tokio::test]
    async fn bad_urls_and_namespaces_fail_before_any_connection() {
        let err = RedisStore::connect("redis://:secret@[::1", "ns")
            .await
            .unwrap_err();
        assert!(err.message().starts_with("invalid Redis URL"), "{err}");
        assert!(!err.to_string().contains("secret"), "{err}");

        let err = RedisStore::connect("redis://127.0.0.1:1", "")
            .await
            .unwrap_err();
        assert!(err.message().contains("namespace"), "{err}");
    }

    #[tokio::test]
    async fn a_closed_port_is_a_store_that_503s_promptly() {
        let started = std::time::Instant::now();
        let store = RedisStore::connect("redis://127.0.0.1:1", "ns")
            .await
            .unwrap();
        let err = store.get("k").await.unwrap_err();
        assert_eq!(err.status(), http::StatusCode::SERVICE_UNAVAILABLE);
        assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
        assert!(started.elapsed() < Duration::from_millis(500));
    }
}
