//! Cookie jars: one per test user, one for anonymous requests.
//!
//! The jar follows RFC 6265's storage and matching rules (domain, path, expiry, `Max-Age`
//! deletion, `Secure`), with one browser behaviour that matters for tests: loopback hosts
//! (`127.0.0.0/8`, `::1`, `localhost` and `*.localhost`) count as secure, so a `Secure` cookie
//! set by a server on `http://127.0.0.1:PORT` comes back to it. In-process requests count as
//! loopback too.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use cookie::Cookie;
use cookie::time::OffsetDateTime;

/// A cookie jar shared by the client and the test that holds it.
///
/// Get one with [`Client::jar`](crate::Client::jar) (a test user's) or
/// [`Client::anonymous_jar`](crate::Client::anonymous_jar). Clones share the same cookies.
/// Expired cookies are never returned.
///
/// # Example
///
/// ```
/// use axum::{Router, routing::get};
/// use warden_test::Client;
///
/// # #[tokio::main] async fn main() {
/// let app = Router::new().route(
///     "/login",
///     get(|| async { ([("set-cookie", "session=abc; Path=/; Secure; HttpOnly")], "ok") }),
/// );
/// let client = Client::in_process(app);
/// client.user("calvin", "hobbes");
/// client.get("/login").user("calvin").expect(200).await;
///
/// let jar = client.jar("calvin");
/// let session = jar.get("session").expect("the session cookie");
/// assert_eq!(session.value(), "abc");
/// assert_eq!(session.secure(), Some(true));
/// assert!(client.anonymous_jar().is_empty());
///
/// jar.clear();
/// assert!(jar.get("session").is_none());
/// # }
/// ```
#[derive(Clone, Default)]
pub struct CookieJar {
    store: Arc<Mutex<Store>>,
}

impl CookieJar {
    /// Creates an empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// The unexpired cookie called `name`, with the attributes it was set with.
    ///
    /// When several cookies share the name (different domains or paths), the one with the
    /// longest path wins, then the oldest.
    pub fn get(&self, name: &str) -> Option<Cookie<'static>> {
        let now = OffsetDateTime::now_utc();
        let mut store = self.lock();
        store.purge(now);
        let mut found: Vec<&Stored> = store.cookies.iter().filter(|c| c.name() == name).collect();
        found.sort_by(Stored::send_order);
        found.first().map(|c| c.cookie.clone())
    }

    /// The value of the unexpired cookie called `name`, as [`get`](Self::get) chooses it.
    pub fn value(&self, name: &str) -> Option<String> {
        self.get(name).map(|c| c.value().to_owned())
    }

    /// All unexpired cookies, in the order they would be sent (longest path first, then oldest).
    pub fn cookies(&self) -> Vec<Cookie<'static>> {
        let now = OffsetDateTime::now_utc();
        let mut store = self.lock();
        store.purge(now);
        let mut all: Vec<&Stored> = store.cookies.iter().collect();
        all.sort_by(Stored::send_order);
        all.into_iter().map(|c| c.cookie.clone()).collect()
    }

    /// Removes every cookie called `name`; tells whether there was any.
    pub fn remove(&self, name: &str) -> bool {
        let mut store = self.lock();
        let before = store.cookies.len();
        store.cookies.retain(|c| c.name() != name);
        store.cookies.len() != before
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        self.lock().cookies.clear();
    }

    /// How many unexpired cookies the jar holds.
    pub fn len(&self) -> usize {
        let mut store = self.lock();
        store.purge(OffsetDateTime::now_utc());
        store.cookies.len()
    }

    /// Whether the jar holds no unexpired cookie.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stores the cookies of `Set-Cookie` header values received from `url`.
    pub(crate) fn store<'a>(
        &self,
        url: &CookieUrl,
        set_cookies: impl IntoIterator<Item = &'a str>,
    ) {
        let now = OffsetDateTime::now_utc();
        let mut store = self.lock();
        for header in set_cookies {
            store.set(url, header, now);
        }
    }

    /// The `Cookie` header value to send to `url`, if any cookie matches.
    pub(crate) fn header_for(&self, url: &CookieUrl) -> Option<String> {
        self.lock().header_for(url, OffsetDateTime::now_utc())
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the store half-updated in a way that
        // matters to a test, so a poisoned lock is still usable.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.cookies().iter().map(|c| c.to_string()))
            .finish()
    }
}

/// What the jar needs to know about a request's URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CookieUrl {
    /// Lowercase host name or IP address (IPv6 without brackets).
    pub(crate) host: String,
    /// The path, without the query string.
    pub(crate) path: String,
    /// Whether `Secure` cookies may be sent and set: https, or a loopback host.
    pub(crate) secure: bool,
}

impl CookieUrl {
    /// Describes a request to `host` and `path` over `scheme`.
    pub(crate) fn new(scheme: &str, host: &str, path: &str) -> Self {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let secure = scheme.eq_ignore_ascii_case("https") || is_loopback(&host);
        let path = match path.find('?') {
            Some(i) => &path[..i],
            None => path,
        };
        let path = if path.is_empty() { "/" } else { path };
        Self {
            host,
            path: path.to_owned(),
            secure,
        }
    }
}

/// Whether browsers treat `host` as a secure context over plain http.
fn is_loopback(host: &str) -> bool {
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host == "localhost" || host.ends_with(".localhost"),
    }
}

#[derive(Default)]
struct Store {
    cookies: Vec<Stored>,
    /// Creation counter: equal paths are sent oldest first.
    next: u64,
}

struct Stored {
    cookie: Cookie<'static>,
    domain: String,
    host_only: bool,
    path: String,
    expires: Option<OffsetDateTime>,
    created: u64,
}

impl Stored {
    fn name(&self) -> &str {
        self.cookie.name()
    }

    fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires.is_some_and(|t| t <= now)
    }

    fn matches(&self, url: &CookieUrl) -> bool {
        let domain_ok = if self.host_only {
            url.host == self.domain
        } else {
            domain_matches(&url.host, &self.domain)
        };
        domain_ok
            && path_matches(&url.path, &self.path)
            && (url.secure || self.cookie.secure() != Some(true))
    }

    fn send_order(a: &&Stored, b: &&Stored) -> std::cmp::Ordering {
        b.path
            .len()
            .cmp(&a.path.len())
            .then(a.created.cmp(&b.created))
    }
}

impl Store {
    fn purge(&mut self, now: OffsetDateTime) {
        self.cookies.retain(|c| !c.is_expired(now));
    }

    /// Applies one `Set-Cookie` header (RFC 6265 section 5.3); invalid ones are ignored, as
    /// browsers do.
    fn set(&mut self, url: &CookieUrl, header: &str, now: OffsetDateTime) {
        let Ok(cookie) = Cookie::parse(header.to_owned()) else {
            return;
        };
        let (domain, host_only) = match cookie.domain().map(|d| d.to_ascii_lowercase()) {
            Some(d) if !d.is_empty() => {
                if !domain_matches(&url.host, &d) {
                    return;
                }
                (d, false)
            }
            _ => (url.host.clone(), true),
        };
        let path = match cookie.path() {
            Some(p) if p.starts_with('/') => p.to_owned(),
            _ => default_path(&url.path),
        };
        // An insecure origin may not set a Secure cookie (RFC 6265bis).
        if cookie.secure() == Some(true) && !url.secure {
            return;
        }
        let expires = match (cookie.max_age(), cookie.expires_datetime()) {
            (Some(age), _) if age.is_positive() => Some(now.saturating_add(age)),
            (Some(_), _) => Some(OffsetDateTime::UNIX_EPOCH),
            (None, Some(at)) => Some(at),
            (None, None) => None,
        };
        let created = match self
            .cookies
            .iter()
            .position(|c| c.name() == cookie.name() && c.domain == domain && c.path == path)
        {
            // Replacing a cookie keeps its creation time (RFC 6265 5.3 step 11.3).
            Some(i) => self.cookies.swap_remove(i).created,
            None => {
                self.next += 1;
                self.next
            }
        };
        let stored = Stored {
            cookie: cookie.into_owned(),
            domain,
            host_only,
            path,
            expires,
            created,
        };
        if !stored.is_expired(now) {
            self.cookies.push(stored);
        }
    }

    fn header_for(&mut self, url: &CookieUrl, now: OffsetDateTime) -> Option<String> {
        self.purge(now);
        let mut matching: Vec<&Stored> = self.cookies.iter().filter(|c| c.matches(url)).collect();
        if matching.is_empty() {
            return None;
        }
        matching.sort_by(Stored::send_order);
        let pairs: Vec<String> = matching
            .iter()
            .map(|c| format!("{}={}", c.cookie.name(), c.cookie.value()))
            .collect();
        Some(pairs.join("; "))
    }
}

/// RFC 6265 5.1.3: `host` is `domain` or a subdomain of it; IP addresses match only themselves.
fn domain_matches(host: &str, domain: &str) -> bool {
    if host == domain {
        return true;
    }
    host.parse::<IpAddr>().is_err()
        && domain.parse::<IpAddr>().is_err()
        && host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// RFC 6265 5.1.4: the cookie path is the request path or a `/`-bounded prefix of it.
fn path_matches(request: &str, cookie: &str) -> bool {
    request == cookie
        || request
            .strip_prefix(cookie)
            .is_some_and(|rest| cookie.ends_with('/') || rest.starts_with('/'))
}

/// RFC 6265 5.1.4: the directory of the request path.
fn default_path(request: &str) -> String {
    match request.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => request[..i].to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cookie::time::Duration;

    fn url(host: &str, path: &str) -> CookieUrl {
        CookieUrl::new("http", host, path)
    }

    fn jar_with(at: &CookieUrl, headers: &[&str], now: OffsetDateTime) -> Store {
        let mut store = Store::default();
        for h in headers {
            store.set(at, h, now);
        }
        store
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    #[test]
    fn loopback_hosts_are_secure_over_http_and_others_are_not() {
        assert!(url("127.0.0.1", "/").secure);
        assert!(url("127.8.9.10", "/").secure);
        assert!(url("[::1]", "/").secure);
        assert!(url("localhost", "/").secure);
        assert!(url("api.localhost", "/").secure);
        assert!(!url("example.com", "/").secure);
        assert!(!url("192.168.1.2", "/").secure);
        assert!(!url("localhost.example.com", "/").secure);
        assert!(CookieUrl::new("https", "example.com", "/").secure);
    }

    #[test]
    fn secure_cookie_round_trips_on_loopback_but_is_refused_elsewhere_over_http() {
        let local = url("127.0.0.1", "/");
        let mut store = jar_with(&local, &["s=1; Secure"], now());
        assert_eq!(store.header_for(&local, now()).as_deref(), Some("s=1"));

        let remote = url("example.com", "/");
        let mut store = jar_with(&remote, &["s=1; Secure"], now());
        assert_eq!(store.header_for(&remote, now()), None);
    }

    #[test]
    fn secure_cookie_set_over_https_is_not_sent_over_http() {
        let https = CookieUrl::new("https", "example.com", "/");
        let mut store = jar_with(&https, &["s=1; Secure", "p=2"], now());
        assert_eq!(store.header_for(&https, now()).as_deref(), Some("s=1; p=2"));
        assert_eq!(
            store.header_for(&url("example.com", "/"), now()).as_deref(),
            Some("p=2")
        );
    }

    #[test]
    fn host_only_cookie_does_not_reach_subdomains() {
        let mut store = jar_with(&url("example.com", "/"), &["a=1"], now());
        assert_eq!(
            store.header_for(&url("example.com", "/"), now()).as_deref(),
            Some("a=1")
        );
        assert_eq!(store.header_for(&url("www.example.com", "/"), now()), None);
    }

    #[test]
    fn domain_cookie_reaches_subdomains_but_not_lookalikes() {
        let mut store = jar_with(
            &url("www.example.com", "/"),
            &["a=1; Domain=.Example.com"],
            now(),
        );
        for host in ["example.com", "www.example.com", "a.b.example.com"] {
            assert_eq!(
                store.header_for(&url(host, "/"), now()).as_deref(),
                Some("a=1"),
                "{host}"
            );
        }
        assert_eq!(store.header_for(&url("badexample.com", "/"), now()), None);
    }

    #[test]
    fn cookie_for_another_domain_is_rejected() {
        let store = jar_with(&url("example.com", "/"), &["a=1; Domain=other.com"], now());
        assert!(store.cookies.is_empty());
        let store = jar_with(
            &url("example.com", "/"),
            &["a=1; Domain=www.example.com"],
            now(),
        );
        assert!(store.cookies.is_empty());
    }

    #[test]
    fn ip_hosts_accept_only_their_own_address_as_domain() {
        let ip = url("127.0.0.1", "/");
        assert_eq!(
            jar_with(&ip, &["a=1; Domain=127.0.0.1"], now())
                .cookies
                .len(),
            1
        );
        assert!(
            jar_with(&ip, &["a=1; Domain=0.0.1"], now())
                .cookies
                .is_empty()
        );
        assert!(!domain_matches("127.0.0.1", "0.0.1"));
    }

    #[test]
    fn path_attribute_limits_cookie_to_path_prefix_on_segment_boundary() {
        let mut store = jar_with(&url("h", "/"), &["a=1; Path=/api"], now());
        for (path, sent) in [
            ("/api", true),
            ("/api/", true),
            ("/api/x/y", true),
            ("/apis", false),
            ("/", false),
            ("/other/api", false),
        ] {
            assert_eq!(
                store.header_for(&url("h", path), now()).is_some(),
                sent,
                "{path}"
            );
        }
    }

    #[test]
    fn default_path_is_the_request_directory() {
        assert_eq!(default_path("/"), "/");
        assert_eq!(default_path("/login"), "/");
        assert_eq!(default_path("/auth/login"), "/auth");
        assert_eq!(default_path("/a/b/"), "/a/b");
        let store = jar_with(&url("h", "/auth/login?x=/y"), &["a=1"], now());
        assert_eq!(store.cookies[0].path, "/auth");
    }

    #[test]
    fn longer_paths_are_sent_first_then_older_cookies() {
        let at = url("h", "/");
        let mut store = jar_with(&at, &["b=2; Path=/", "a=1; Path=/", "c=3; Path=/x"], now());
        assert_eq!(
            store.header_for(&url("h", "/x/y"), now()).as_deref(),
            Some("c=3; b=2; a=1")
        );
    }

    #[test]
    fn same_name_domain_and_path_replaces_while_other_paths_coexist() {
        let at = url("h", "/");
        let mut store = jar_with(&at, &["a=1; Path=/", "a=2; Path=/x", "a=3; Path=/"], now());
        assert_eq!(store.cookies.len(), 2);
        assert_eq!(
            store.header_for(&url("h", "/x"), now()).as_deref(),
            Some("a=2; a=3")
        );
    }

    #[test]
    fn max_age_zero_or_negative_deletes_the_cookie() {
        let at = url("h", "/");
        let mut store = jar_with(&at, &["a=1", "b=2"], now());
        store.set(&at, "a=gone; Max-Age=0", now());
        store.set(&at, "b=gone; Max-Age=-5", now());
        assert_eq!(store.header_for(&at, now()), None);
        assert!(store.cookies.is_empty());
    }

    #[test]
    fn max_age_expires_the_cookie_after_its_time() {
        let at = url("h", "/");
        let start = now();
        let mut store = jar_with(&at, &["a=1; Max-Age=60"], start);
        assert!(
            store
                .header_for(&at, start + Duration::seconds(59))
                .is_some()
        );
        assert!(
            store
                .header_for(&at, start + Duration::seconds(61))
                .is_none()
        );
    }

    #[test]
    fn max_age_wins_over_expires() {
        let at = url("h", "/");
        let start = now();
        let store = jar_with(
            &at,
            &["a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT"],
            start,
        );
        assert_eq!(store.cookies.len(), 1);
    }

    #[test]
    fn expires_in_the_past_deletes_and_in_the_future_keeps() {
        let at = url("h", "/");
        let mut store = jar_with(
            &at,
            &["a=1", "b=2; Expires=Fri, 01 Jan 2100 00:00:00 GMT"],
            now(),
        );
        store.set(&at, "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", now());
        assert_eq!(store.header_for(&at, now()).as_deref(), Some("b=2"));
    }

    #[test]
    fn unparsable_set_cookie_is_ignored() {
        let store = jar_with(&url("h", "/"), &["", "=novalue", "noequals"], now());
        assert!(store.cookies.is_empty());
    }

    #[test]
    fn public_jar_reads_removes_and_clears() {
        let jar = CookieJar::new();
        let at = url("localhost", "/");
        jar.store(&at, ["a=1; HttpOnly; Path=/", "b=2; Path=/deep", "c=3"]);
        assert_eq!(jar.len(), 3);
        assert_eq!(jar.value("a").as_deref(), Some("1"));
        assert_eq!(jar.get("a").and_then(|c| c.http_only()), Some(true));
        assert_eq!(jar.cookies()[0].name(), "b");
        assert!(jar.remove("a"));
        assert!(!jar.remove("a"));
        assert_eq!(
            jar.header_for(&url("localhost", "/deep")).as_deref(),
            Some("b=2; c=3")
        );
        jar.clear();
        assert!(jar.is_empty());
        assert_eq!(jar.header_for(&at), None);
    }
}
