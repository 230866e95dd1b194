//! Rate limits: per client IP at the edge, per route or tag before authentication, per user
//! after it; GCRA over the store's atomic [`admit`](crate::store::Store::admit).
//!
//! Why GCRA: it keeps one number per key (the theoretical arrival time of the next request),
//! updated in one atomic step, so that a key costs one small entry, a check one store round
//! trip (one Lua script on Redis), and the limit is exact however many requests or processes
//! race on it; it paces a client smoothly instead of letting it spend a whole window's quota at
//! the window's edge, as fixed windows do, and it says exactly when the next request would pass
//! (`Retry-After`). It is the algorithm of the `governor` crate, which warden does not use: its
//! keyed state lives in one process, while warden's limits live in the application's store, in
//! memory for one process and in Redis for several, with one implementation and one meaning.
//!
//! The limits fail open: a store that cannot answer lets the request through (logged). The
//! login path, where a missed count helps an attacker, fails closed instead (`throttle.rs`).

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::settings::{LimitSettings, Rate};
use crate::store::{Admission, Store};

/// Checks requests against rates in the store.
#[derive(Clone)]
pub(crate) struct Limiter(Arc<dyn Store>);

impl Limiter {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Self(store)
    }

    /// Admits one request on `key` at `rate`, or answers 429 with `Retry-After`.
    pub(crate) async fn check(&self, key: &str, rate: Rate) -> Result<()> {
        match self.0.admit(key, rate.interval(), rate.burst()).await {
            Ok(Admission::Admitted) => Ok(()),
            Ok(Admission::Refused { retry_after }) => Err(Error::too_many_requests(retry_after)),
            Err(e) => {
                tracing::warn!(error = %e, key, "rate limit not checked: the store did not answer");
                Ok(())
            }
        }
    }
}

/// The per-IP limit checked at the edge.
#[derive(Clone)]
pub(crate) struct IpLimit {
    limiter: Limiter,
    rate: Rate,
}

impl IpLimit {
    /// The edge's limit, when the settings set one.
    pub(crate) fn new(limiter: &Limiter, settings: &LimitSettings) -> Option<Self> {
        settings.ip.map(|rate| Self {
            limiter: limiter.clone(),
            rate,
        })
    }

    /// Admits one request from `ip`, or answers 429.
    pub(crate) async fn check(&self, ip: IpAddr) -> Result<()> {
        let key = format!("limit:ip:{}", IpKey(ip));
        self.limiter.check(&key, self.rate).await
    }
}

/// A route's limits: its own and its tags' per client IP, and the per-user limit.
#[derive(Clone, Default)]
pub(crate) struct RouteRates {
    limiter: Option<Limiter>,
    /// Key prefixes (`limit:route:POST /login:`) and their rates.
    per_ip: Vec<(String, Rate)>,
    user: Option<Rate>,
}

impl RouteRates {
    /// The limits of the route `method path` with `tags` and its declared `own` limit; no
    /// limiter is kept when none applies, so that its requests pay nothing.
    pub(crate) fn new(
        limiter: &Limiter,
        settings: &LimitSettings,
        route: &str,
        tags: &[String],
        own: Option<Rate>,
    ) -> Self {
        let mut per_ip: Vec<(String, Rate)> = own
            .into_iter()
            .chain(settings.routes.get(route).copied())
            .map(|rate| (format!("limit:route:{route}:"), rate))
            .collect();
        // A route declaring a limit and named in the settings keeps both, each on its own key.
        if per_ip.len() == 2 {
            per_ip[1].0 = format!("limit:route-settings:{route}:");
        }
        for tag in tags {
            if let Some(rate) = settings.tags.get(tag) {
                per_ip.push((format!("limit:tag:{tag}:"), *rate));
            }
        }
        let user = settings.user;
        let limiter = (!per_ip.is_empty() || user.is_some()).then(|| limiter.clone());
        Self {
            limiter,
            per_ip,
            user,
        }
    }

    /// Whether the route has per-IP limits to check before authentication.
    pub(crate) fn has_per_ip(&self) -> bool {
        !self.per_ip.is_empty()
    }

    /// The route's and its tags' limits for a request from `ip`.
    pub(crate) async fn check_ip(&self, ip: IpAddr) -> Result<()> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        for (prefix, rate) in &self.per_ip {
            limiter
                .check(&format!("{prefix}{}", IpKey(ip)), *rate)
                .await?;
        }
        Ok(())
    }

    /// The per-user limit for an authenticated request.
    pub(crate) async fn check_user(&self, login: &str) -> Result<()> {
        match (&self.limiter, self.user) {
            (Some(limiter), Some(rate)) => {
                limiter.check(&format!("limit:user:{login}"), rate).await
            }
            _ => Ok(()),
        }
    }
}

/// The names in `limits.routes` and `limits.tags` that match no route: likely typos, refused.
pub(crate) fn unmatched(settings: &LimitSettings, routes: &[String], tags: &[&str]) -> Vec<String> {
    let routes = settings
        .routes
        .keys()
        .filter(|name| !routes.contains(name))
        .map(|name| {
            format!("limits.routes: no route {name:?} (write \"METHOD /path\" as declared)")
        });
    let tags = settings
        .tags
        .keys()
        .filter(|name| !tags.contains(&name.as_str()))
        .map(|name| format!("limits.tags: no route carries the tag {name:?}"));
    routes.chain(tags).collect()
}

/// How a client IP keys a limit: IPv4 addresses whole, IPv6 addresses by their /64 network,
/// which a single host usually holds whole (and could otherwise rotate through).
pub(crate) struct IpKey(pub(crate) IpAddr);

impl fmt::Display for IpKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.to_canonical() {
            IpAddr::V4(v4) => v4.fmt(f),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                write!(f, "{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_network() {
        let key = |ip: &str| IpKey(ip.parse().unwrap()).to_string();
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2::ffff"), key("2001:db8:1:2:aaaa::1"));
    }

    #[test]
    fn a_route_without_limits_keeps_no_limiter() {
        let limiter = Limiter::new(Arc::new(crate::store::MemoryStore::new()));
        let mut settings = LimitSettings::default();
        settings.tags.insert("login".into(), Rate::per_minute(5));
        let none = RouteRates::new(&limiter, &settings, "GET /", &["other".into()], None);
        assert!(none.limiter.is_none() && !none.has_per_ip());
        let tagged = RouteRates::new(&limiter, &settings, "POST /login", &["login".into()], None);
        assert!(tagged.has_per_ip());
        settings
            .routes
            .insert("POST /login".into(), Rate::per_minute(3));
        let both = RouteRates::new(
            &limiter,
            &settings,
            "POST /login",
            &[],
            Some(Rate::per_second(1)),
        );
        assert_eq!(both.per_ip.len(), 2);
        assert_ne!(both.per_ip[0].0, both.per_ip[1].0);
    }

    #[test]
    fn unmatched_names_are_reported() {
        let mut settings = LimitSettings::default();
        settings
            .routes
            .insert("POST /login".into(), Rate::per_minute(5));
        settings
            .routes
            .insert("POST /logn".into(), Rate::per_minute(5));
        settings.tags.insert("auth".into(), Rate::per_minute(5));
        let problems = unmatched(&settings, &["POST /login".into()], &["login"]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("/logn"));
        assert!(problems[1].contains("\"auth\""));
    }
}
