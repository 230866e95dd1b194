//! Settings of the rate limits and of login throttling, and the [`Rate`] they are written in.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::duration;

/// A rate for the GCRA limiter: on average `count` events per `period`, up to `burst` at once.
///
/// Written `"COUNT/PERIOD"` with an optional `" burst N"`: `"100/s"`, `"5/m"`, `"30/10s"`,
/// `"100/s burst 300"`. The period is a duration as the settings write them (`500ms`, `10s`,
/// `15m`, `2h`, `1d`; a bare unit means one of it). The burst defaults to `count`: a client that was quiet may send
/// `count` requests at once, and then one every `period / count`. Zero counts, zero periods and a
/// zero burst are refused.
///
/// ```
/// use std::time::Duration;
/// use warden::Rate;
///
/// let rate: Rate = "5/m".parse().unwrap();
/// assert_eq!(rate.interval(), Duration::from_secs(12));
/// assert_eq!(rate.burst(), 5);
/// assert_eq!("100/s burst 300".parse::<Rate>().unwrap().to_string(), "100/s burst 300");
/// assert!("0/s".parse::<Rate>().is_err());
/// assert_eq!(Rate::per_second(20), "20/s".parse().unwrap());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    count: u32,
    period: Duration,
    burst: u32,
}

impl Rate {
    /// `count` per `period`, bursts of `count`. `None` when either is zero.
    pub fn new(count: u32, period: Duration) -> Option<Self> {
        (count > 0 && !period.is_zero()).then_some(Self {
            count,
            period,
            burst: count,
        })
    }

    /// `count` per second (at least one).
    pub fn per_second(count: u32) -> Self {
        Self::per(count, Duration::from_secs(1))
    }

    /// `count` per minute (at least one).
    pub fn per_minute(count: u32) -> Self {
        Self::per(count, Duration::from_secs(60))
    }

    fn per(count: u32, period: Duration) -> Self {
        Self {
            count: count.max(1),
            period,
            burst: count.max(1),
        }
    }

    /// The same rate with bursts of up to `burst` (at least one).
    #[must_use]
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// The time between two events at the sustained rate: `period / count`, in whole
    /// milliseconds rounded down (at least one), as the store counts time.
    pub fn interval(&self) -> Duration {
        let millis = (self.period / self.count).as_millis();
        Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX).max(1))
    }

    /// How many events may come at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = |why: &str| {
            format!(
                "invalid rate {s:?}: {why} (expected e.g. \"100/s\", \"5/m\", \"30/10s burst 60\")"
            )
        };
        let (rate, burst) = match s.trim().split_once(" burst ") {
            Some((rate, burst)) => (
                rate.trim(),
                Some(
                    burst
                        .trim()
                        .parse::<u32>()
                        .map_err(|_| invalid("the burst is not a number"))?,
                ),
            ),
            None => (s.trim(), None),
        };
        let (count, period) = rate.split_once('/').ok_or_else(|| invalid("no '/'"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| invalid("the count is not a number"))?;
        let period = period.trim();
        let period = if period.starts_with(|c: char| c.is_ascii_digit()) {
            duration::parse(period)
        } else {
            duration::parse(&format!("1{period}"))
        }
        .map_err(|e| invalid(&e))?;
        let rate = Rate::new(count, period).ok_or_else(|| invalid("zero count or period"))?;
        match burst {
            Some(0) => Err(invalid("zero burst")),
            Some(burst) => Ok(rate.with_burst(burst)),
            None => Ok(rate),
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let period = self.period;
        write!(f, "{}/", self.count)?;
        match (period.as_secs(), period.subsec_millis()) {
            (1, 0) => f.write_str("s")?,
            (60, 0) => f.write_str("m")?,
            (3600, 0) => f.write_str("h")?,
            (86_400, 0) => f.write_str("d")?,
            (secs, 0) => write!(f, "{secs}s")?,
            _ => write!(f, "{}ms", period.as_millis())?,
        }
        if self.burst != self.count {
            write!(f, " burst {}", self.burst)?;
        }
        Ok(())
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Rate limits, answered with 429 and `Retry-After`, and login throttling.
///
/// Limits are counted in the application's store ([`AppBuilder::store`](crate::AppBuilder::store)):
/// in this process's memory by default, in Redis to share them between processes. Every rate
/// is optional and off by default: a request under no limit pays nothing for them. When the
/// store cannot answer, rate limits let requests through (logged), while the login path fails
/// closed (503).
///
/// ```toml
/// [limits]
/// ip = "100/s burst 200"      # every request, per client IP, before routing
/// user = "50/s"               # every authenticated request, per user
/// [limits.tags]
/// login = "10/m"              # per client IP, on the routes tagged `login`
/// [limits.routes]
/// "POST /stuff" = "30/m"      # per client IP, on one route
/// [limits.login]
/// pair_failures = 10          # the defaults
/// ```
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitSettings {
    /// Every request, per client IP, checked at the edge after the blocklist (before routing
    /// and authentication). Default: none.
    pub ip: Option<Rate>,
    /// Every authenticated request, per user, checked just after authentication. Default: none.
    pub user: Option<Rate>,
    /// Per client IP, on the routes that carry the tag (`login = "10/m"`); a route with several
    /// limited tags must pass each. A tag that no route carries is refused at build. Default:
    /// none.
    pub tags: BTreeMap<String, Rate>,
    /// Per client IP, on one route named `"METHOD /path"` as declared (`"POST /login"`), added
    /// to a limit the route declares itself ([`Policy::limit`](crate::Policy::limit)). A name
    /// that matches no route is refused at build. Default: none.
    pub routes: BTreeMap<String, Rate>,
    /// Throttling of failed logins.
    pub login: LoginThrottleSettings,
}

/// Throttling of failed credential checks (HTTP Basic, login/password parameters, API keys).
///
/// Failures are counted in the store within a window that starts with the first one: per
/// (account, client IP) pair, per client IP, and per account from every IP. An account is its
/// login after NFKC normalisation and case folding, so that `Hobbes` and `ｈｏｂｂｅｓ` are one
/// account. Past a limit the answer is 429 with `Retry-After` (the window's end), the same
/// whether the account exists or not. A successful login resets its pair's and its account's
/// counters.
///
/// An attacker failing on purpose cannot lock the owner out: the pair counter stops them on
/// their IP only; and past `account_failures` (NIST SP 800-63B's ceiling of 100 consecutive
/// failures) the account refuses new attempts from IPs it has never logged in from (within
/// `known_ip_lifetime`) until the window ends, which slows guessing to `account_failures`
/// per window, while the owner, from an IP they logged in from before, still logs in.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct LoginThrottleSettings {
    /// Whether failures are counted and throttled. Default true.
    pub enabled: bool,
    /// How long failures are remembered, from the first of a series. Default 15 minutes.
    #[serde(with = "duration")]
    pub window: Duration,
    /// Failures per (account, client IP) pair within the window before 429. Default 10.
    pub pair_failures: u32,
    /// Failures per client IP, across accounts, within the window before 429 (password
    /// spraying). Default 100.
    pub ip_failures: u32,
    /// Failures per account from all IPs within the window before unknown IPs get 429; at most
    /// 100 (NIST SP 800-63B). Default 100.
    pub account_failures: u32,
    /// How long an IP stays known for an account after a successful login there: known IPs
    /// pass the account's ceiling. Default 30 days.
    #[serde(with = "duration")]
    pub known_ip_lifetime: Duration,
}

impl Default for LoginThrottleSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            window: Duration::from_secs(15 * 60),
            pair_failures: 10,
            ip_failures: 100,
            account_failures: 100,
            known_ip_lifetime: Duration::from_secs(30 * 86_400),
        }
    }
}

impl LimitSettings {
    /// What is wrong with these settings, each problem named with its setting.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let login = &self.login;
        if login.enabled {
            if login.window.is_zero() {
                problems.push("limits.login.window must be longer than zero".to_owned());
            }
            for (name, value) in [
                ("pair_failures", login.pair_failures),
                ("ip_failures", login.ip_failures),
                ("account_failures", login.account_failures),
            ] {
                if value == 0 {
                    problems.push(format!(
                        "limits.login.{name} must be at least 1 (set limits.login.enabled = false to turn throttling off)"
                    ));
                }
            }
            if login.account_failures > 100 {
                problems.push(format!(
                    "limits.login.account_failures is {}: NIST SP 800-63B allows at most 100 consecutive failures per account",
                    login.account_failures
                ));
            }
            if login.pair_failures > login.account_failures {
                problems.push(
                    "limits.login.pair_failures exceeds account_failures: one IP could reach the account's ceiling"
                        .to_owned(),
                );
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print_back() {
        for (text, interval, burst) in [
            ("100/s", Duration::from_millis(10), 100),
            ("5/m", Duration::from_secs(12), 5),
            ("30/10s", Duration::from_millis(333), 30),
            ("1/h burst 3", Duration::from_secs(3600), 3),
            ("10/500ms", Duration::from_millis(50), 10),
        ] {
            let rate: Rate = text.parse().unwrap();
            assert_eq!((rate.interval(), rate.burst()), (interval, burst), "{text}");
            assert_eq!(rate.to_string(), text);
        }
        // More than one per millisecond still limits, at one per millisecond.
        assert_eq!(
            "5000/s".parse::<Rate>().unwrap().interval(),
            Duration::from_millis(1)
        );
    }

    #[test]
    fn nonsensical_rates_are_refused() {
        for text in [
            "",
            "5",
            "0/s",
            "5/0s",
            "-1/s",
            "5/fortnight",
            "5/s burst 0",
            "5/s burst x",
        ] {
            assert!(text.parse::<Rate>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn login_settings_are_checked() {
        assert!(LimitSettings::default().problems().is_empty());
        let mut settings = LimitSettings::default();
        settings.login.account_failures = 1000;
        settings.login.window = Duration::ZERO;
        settings.login.ip_failures = 0;
        let problems = settings.problems().join("\n");
        assert!(problems.contains("NIST"), "{problems}");
        assert!(problems.contains("limits.login.window"), "{problems}");
        assert!(problems.contains("limits.login.ip_failures"), "{problems}");
        settings.login.enabled = false;
        assert!(settings.problems().is_empty());
    }
}
