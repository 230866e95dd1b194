//! Profiles: what each run mode asks of the settings, checked in one place so that a build (and
//! `warden check`) names every problem at once.

use super::{RunMode, Settings};

impl Settings {
    /// What makes these settings unfit to run, every problem named with its setting: the rate
    /// limits' own consistency in every mode, and in production what would weaken it:
    /// credentials read from query strings, CORS open to every origin or to a plain-HTTP one,
    /// forwarded headers believed from any address. (The secret is checked by the build, which
    /// also refuses a weak one in production.)
    ///
    /// ```
    /// use warden::{RunMode, Settings};
    ///
    /// let mut settings = Settings::default();
    /// settings.auth.params_in_query = true;
    /// settings.http.cors.allowed_origins = vec!["*".into()];
    /// assert!(settings.problems().is_empty()); // development allows both
    /// settings.mode = RunMode::Production;
    /// assert_eq!(settings.problems().len(), 2);
    /// ```
    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.limits.problems();
        if self.mode != RunMode::Production {
            return problems;
        }
        if self.auth.params_in_query {
            problems.push(
                "auth.params_in_query: credentials in query strings end up in access logs and browser history; production refuses it"
                    .to_owned(),
            );
        }
        for origin in &self.http.cors.allowed_origins {
            if origin == "*" {
                problems.push(
                    "http.cors.allowed_origins: \"*\" lets every web site call the API; production lists its origins"
                        .to_owned(),
                );
            } else if origin.starts_with("http://") && !is_loopback_origin(origin) {
                problems.push(format!(
                    "http.cors.allowed_origins: {origin:?} is plain HTTP; production allows https:// origins only"
                ));
            }
        }
        for proxy in &self.server.trusted_proxies {
            if proxy.trim().ends_with("/0") {
                problems.push(format!(
                    "server.trusted_proxies: {proxy:?} believes forwarded client addresses from anyone; list the proxies' networks"
                ));
            }
        }
        problems
    }

    /// What is allowed but worth saying when the application starts: in development, the
    /// conveniences in force; in production, protections left off.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        match self.mode {
            RunMode::Development => {
                if self.secret.is_none() {
                    warnings.push(
                        "no secret configured: using a random per-process secret; tokens will not survive a restart (set WARDEN_SECRET)"
                            .to_owned(),
                    );
                }
            }
            RunMode::Test => {}
            RunMode::Production => {
                if self.store_url.is_none() {
                    warnings.push(
                        "no store_url: revocations, refresh families and rate limits live in this process's memory; a restart forgets revoked tokens and several processes do not share them"
                            .to_owned(),
                    );
                }
                if self.http.hsts.is_zero() {
                    warnings.push(
                        "http.hsts is off: set it when TLS terminates in front of the server, so that browsers never fall back to plain HTTP"
                            .to_owned(),
                    );
                }
            }
        }
        warnings
    }
}

/// `http://localhost:3000`, `http://127.0.0.1:8080`, `http://[::1]`: a developer's own machine.
fn is_loopback_origin(origin: &str) -> bool {
    let host = origin.trim_start_matches("http://");
    let host = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production() -> Settings {
        Settings {
            mode: RunMode::Production,
            ..Settings::default()
        }
    }

    #[test]
    fn production_names_each_weak_setting() {
        let mut settings = production();
        assert!(settings.problems().is_empty());
        settings.http.cors.allowed_origins = vec![
            "https://app.example.com".into(),
            "http://app.example.com".into(),
            "http://localhost:3000".into(),
            "http://[::1]:8080".into(),
        ];
        settings.server.trusted_proxies = vec!["10.0.0.0/8".into(), "::/0".into()];
        let problems = settings.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("\"http://app.example.com\""));
        assert!(problems[1].contains("\"::/0\""));
    }

    #[test]
    fn warnings_follow_the_mode() {
        assert_eq!(Settings::default().warnings().len(), 1);
        let test = Settings {
            mode: RunMode::Test,
            ..Settings::default()
        };
        assert!(test.warnings().is_empty());
        let warnings = production().warnings();
        assert!(warnings.iter().any(|w| w.contains("store_url")));
        assert!(warnings.iter().any(|w| w.contains("http.hsts")));
    }
}
