//! Password hashing (argon2id, bcrypt verified for imported data), kept off the async workers,
//! and the password policy applications call when users choose a password.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::{OnceCell, Semaphore};

use crate::error::{Error, Result};

/// A password hashing scheme.
///
/// The default, [`Argon2id`], hashes with argon2id and verifies argon2 and bcrypt hashes. Tests
/// may plug in their own, for instance to count verifications. Implementations are blocking
/// and slow on purpose: warden always calls them on the blocking thread pool.
pub trait PasswordHasher: Send + Sync + 'static {
    /// Hashes a new password.
    fn hash(&self, password: &str) -> Result<String>;

    /// Whether `password` matches `hash`. A malformed or unknown hash never matches.
    fn verify(&self, password: &str, hash: &str) -> bool;

    /// Whether a stored hash should be replaced by a fresh [`hash`](Self::hash) at the next
    /// successful login (older algorithm or weaker parameters).
    fn needs_rehash(&self, hash: &str) -> bool;
}

/// argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane) by default; also verifies bcrypt
/// hashes (`$2a$`, `$2b$`, `$2y$`, such as passlib makes) and reports them for upgrade.
///
/// ```
/// use warden::users::{Argon2id, PasswordHasher};
///
/// let hasher = Argon2id::default();
/// let hash = hasher.hash("correct horse").unwrap();
/// assert!(hash.starts_with("$argon2id$"));
/// assert!(hasher.verify("correct horse", &hash));
/// assert!(!hasher.verify("wrong horse", &hash));
/// assert!(!hasher.needs_rehash(&hash));
/// // bcrypt, as imported from a Python back-end:
/// let legacy = "$2b$04$dsS5/kuUQaBHr7dVoqHlU.hHxMo24.kVbXwwjnBsvO6JwPNWfxybK";
/// assert!(hasher.verify("hobbes", legacy));
/// assert!(hasher.needs_rehash(legacy));
/// ```
#[derive(Clone)]
pub struct Argon2id {
    params: Params,
}

impl Default for Argon2id {
    fn default() -> Self {
        Self {
            params: Params::DEFAULT,
        }
    }
}

impl Argon2id {
    /// argon2id with explicit costs: memory in KiB, passes, lanes.
    pub fn with_costs(memory_kib: u32, passes: u32, lanes: u32) -> Result<Self> {
        let params = Params::new(memory_kib, passes, lanes, None)
            .map_err(|e| Error::internal(format!("invalid argon2 parameters: {e}")))?;
        Ok(Self { params })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }
}

fn is_bcrypt(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$", "$2x$"]
        .iter()
        .any(|prefix| hash.starts_with(prefix))
}

/// An argon2id hash with the default costs takes about 30 ms when the hashing crates are
/// optimised, and about a second when they are not (a debug build without the workspace's
/// `[profile.dev.package.argon2] opt-level = 3`): past this, say so once.
const SLOW_HASH: Duration = Duration::from_millis(400);

fn warn_if_slow(took: Duration) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    warn_once_if_slow(&WARNED, took);
}

fn warn_once_if_slow(warned: &AtomicBool, took: Duration) {
    if took > SLOW_HASH && !warned.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            took_ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            "argon2id is slow here: an unoptimised build? Add to Cargo.toml: \
             [profile.dev.package.argon2] opt-level = 3 and [profile.dev.package.blake2] opt-level = 3"
        );
    }
}

impl PasswordHasher for Argon2id {
    fn hash(&self, password: &str) -> Result<String> {
        let started = Instant::now();
        let hashed = self
            .argon2()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| Error::internal(format!("argon2 hashing failed: {e}")));
        warn_if_slow(started.elapsed());
        hashed
    }

    fn verify(&self, password: &str, hash: &str) -> bool {
        if is_bcrypt(hash) {
            return bcrypt::verify(password, hash).unwrap_or(false);
        }
        match PasswordHash::new(hash) {
            // The parameters come from the stored hash, so older costs still verify.
            Ok(parsed) => self
                .argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    fn needs_rehash(&self, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return true;
        };
        if parsed.algorithm.as_str() != "argon2id" {
            return true;
        }
        match Params::try_from(&parsed) {
            Ok(params) => {
                params.m_cost() < self.params.m_cost()
                    || params.t_cost() < self.params.t_cost()
                    || params.p_cost() < self.params.p_cost()
            }
            Err(_) => true,
        }
    }
}

/// The rules a new password must follow.
///
/// ```
/// use warden::users::PasswordPolicy;
///
/// let policy = PasswordPolicy::default();
/// assert!(policy.check("correct horse battery", Some("calvin")).is_ok());
/// assert_eq!(policy.check("short", None).unwrap_err().message(), "password must have at least 8 characters");
/// assert!(policy.check("password123", None).is_err()); // a well-known password
/// assert!(policy.check("calvin-calvin", Some("calvin-calvin")).is_err()); // the login itself
///
/// // An application adds its own name (warden adds `Settings::name` and the realm at build).
/// let policy = policy.forbid_names(["Stuff"]);
/// assert!(policy.check("  STUFF  ", None).is_err());
/// assert!(policy.check("stuff-2024!", None).is_err());
/// assert!(policy.check("stuffstuff", None).is_err());
/// assert!(policy.check("my stuff is mine", None).is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct PasswordPolicy {
    min_chars: usize,
    max_bytes: usize,
    forbidden: HashSet<String>,
    /// Names a password must not resemble, as [`name_core`] gives them.
    names: Vec<String>,
}

/// A short list of the most common passwords, refused by the default policy.
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// The common passwords the default policy refuses, lowercase.
pub(crate) fn common_passwords() -> impl Iterator<Item = &'static str> {
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Default for PasswordPolicy {
    /// At least 8 characters, at most 1,024 bytes, none of a list of common passwords.
    fn default() -> Self {
        Self {
            min_chars: 8,
            max_bytes: 1024,
            forbidden: common_passwords().map(str::to_lowercase).collect(),
            names: Vec::new(),
        }
    }
}

/// The letters and digits of `text`, lowercased: what is left of a name or a password once
/// case, spaces and punctuation are set aside.
fn name_core(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `password` is `name` (already a [`name_core`]) give or take case, spaces,
/// punctuation, digits before or after, or repetition: `Stuff`, ` stuff `, `stuff2024!`,
/// `s-t-u-f-f`, `stuffstuff`.
fn resembles(password: &str, name: &str) -> bool {
    let core = name_core(password);
    let core = core.trim_matches(|c: char| c.is_ascii_digit());
    let name = name.trim_matches(|c: char| c.is_ascii_digit());
    !name.is_empty()
        && core.len() % name.len() == 0
        && core.len() >= name.len()
        && core
            .as_bytes()
            .chunks(name.len())
            .all(|part| part == name.as_bytes())
}

impl PasswordPolicy {
    /// Sets the minimum length in characters.
    #[must_use]
    pub fn min_length(mut self, chars: usize) -> Self {
        self.min_chars = chars;
        self
    }

    /// Replaces the list of forbidden passwords (compared case-insensitively).
    #[must_use]
    pub fn forbidden<I, S>(mut self, passwords: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.forbidden = passwords
            .into_iter()
            .map(|p| p.as_ref().to_lowercase())
            .collect();
        self
    }

    /// Also refuses passwords that are one of `names` give or take case, spaces, punctuation,
    /// digits before or after, or repetition (`Stuff`, ` stuff `, `stuff2024!`, `stuffstuff` for
    /// `stuff`). Names with no letter or digit are ignored. The application's name and realm
    /// are added when the application is built.
    #[must_use]
    pub fn forbid_names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for name in names {
            let core = name_core(name.as_ref());
            if !core.is_empty() && !self.names.contains(&core) {
                self.names.push(core);
            }
        }
        self
    }

    /// Checks a new password (and that it is not the login); a failure is a 400 saying why.
    pub fn check(&self, password: &str, login: Option<&str>) -> Result<()> {
        if password.chars().count() < self.min_chars {
            return Err(Error::bad_request(format!(
                "password must have at least {} characters",
                self.min_chars
            )));
        }
        if password.len() > self.max_bytes {
            return Err(Error::bad_request(format!(
                "password must have at most {} bytes",
                self.max_bytes
            )));
        }
        let lower = password.to_lowercase();
        if self.forbidden.contains(&lower) {
            return Err(Error::bad_request("password is too common"));
        }
        if login.is_some_and(|login| login.to_lowercase() == lower) {
            return Err(Error::bad_request("password must not be the login"));
        }
        if self.names.iter().any(|name| resembles(password, name)) {
            return Err(Error::bad_request(
                "password must not be the application's name",
            ));
        }
        Ok(())
    }
}

/// The application's password service: hashing and verification on the blocking pool, bounded
/// so that a burst of logins cannot take every thread (or every megabyte: argon2id uses 19 MiB
/// per hash), and the policy. Handlers get it as an extractor.
///
/// ```no_run
/// # async fn handler(passwords: warden::Passwords) -> warden::Result<()> {
/// passwords.check("a new password", Some("calvin"))?;
/// let hash = passwords.hash("a new password").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Passwords(Arc<PasswordsInner>);

struct PasswordsInner {
    hasher: Arc<dyn PasswordHasher>,
    policy: PasswordPolicy,
    permits: Semaphore,
    dummy: OnceCell<String>,
}

impl Passwords {
    pub(crate) fn new(hasher: Arc<dyn PasswordHasher>, policy: PasswordPolicy) -> Self {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self(Arc::new(PasswordsInner {
            hasher,
            policy,
            permits: Semaphore::new(threads),
            dummy: OnceCell::new(),
        }))
    }

    /// Checks a new password against the policy.
    pub fn check(&self, password: &str, login: Option<&str>) -> Result<()> {
        self.0.policy.check(password, login)
    }

    /// Hashes a password off the async workers.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_owned();
        self.blocking(move |hasher| hasher.hash(&password)).await?
    }

    /// Verifies a password off the async workers.
    pub async fn verify(&self, password: &str, hash: &str) -> Result<bool> {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        self.blocking(move |hasher| hasher.verify(&password, &hash))
            .await
    }

    /// Whether a stored hash should be upgraded.
    pub fn needs_rehash(&self, hash: &str) -> bool {
        self.0.hasher.needs_rehash(hash)
    }

    /// Verifies against a hash of an unguessable password, made with the current hasher, so
    /// that an unknown user costs the same work as a wrong password (and a wrong password
    /// against a cheaper, outdated hash costs at least as much as an unknown user).
    pub(crate) async fn verify_dummy(&self, password: &str) -> Result<()> {
        let dummy = self
            .0
            .dummy
            .get_or_try_init(|| async {
                let mut random = [0u8; 24];
                getrandom::fill(&mut random)
                    .map_err(|e| Error::internal(format!("no randomness: {e}")))?;
                let unguessable =
                    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, random);
                self.blocking(move |hasher| hasher.hash(&unguessable))
                    .await?
            })
            .await?;
        self.verify(password, dummy).await?;
        Ok(())
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn PasswordHasher) -> T + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .0
            .permits
            .acquire()
            .await
            .map_err(|e| Error::internal(format!("password service closed: {e}")))?;
        let hasher = Arc::clone(&self.0.hasher);
        // In the request's span, so that what the hasher logs carries the request id.
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| work(hasher.as_ref())))
            .await
            .map_err(|e| Error::internal(format!("password hashing task failed: {e}")))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_slow_hash_is_announced_once_with_the_fix() {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = std::sync::Arc::clone(&lines);
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || SharedBuffer(std::sync::Arc::clone(&sink)))
            .finish();
        let warned = AtomicBool::new(false);
        tracing::subscriber::with_default(subscriber, || {
            warn_once_if_slow(&warned, Duration::from_millis(30));
            warn_once_if_slow(&warned, Duration::from_millis(900));
            warn_once_if_slow(&warned, Duration::from_millis(900));
        });
        let text = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches("argon2id is slow here").count(), 1, "{text}");
        assert!(
            text.contains("[profile.dev.package.argon2] opt-level = 3"),
            "{text}"
        );
        assert!(text.contains("took_ms=900"), "{text}");
    }

    struct SharedBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for SharedBuffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    use super::*;

    #[test]
    fn argon2_with_weaker_costs_needs_rehash() {
        let weak = Argon2id::with_costs(1024, 1, 1).unwrap();
        let hash = weak.hash("pw").unwrap();
        assert!(Argon2id::default().needs_rehash(&hash));
        assert!(Argon2id::default().verify("pw", &hash));
    }

    #[test]
    fn bcrypt_2y_hashes_verify() {
        let hash_2b = bcrypt::hash("susie", 4).unwrap();
        let hash_2y = hash_2b.replacen("$2b$", "$2y$", 1);
        let hasher = Argon2id::default();
        assert!(hasher.verify("susie", &hash_2b));
        assert!(hasher.verify("susie", &hash_2y));
        assert!(!hasher.verify("derkins", &hash_2y));
    }

    #[test]
    fn names_are_refused_with_trivial_variations_only() {
        let policy =
            PasswordPolicy::default()
                .min_length(1)
                .forbid_names(["stuff", "Warden Realm", "--"]);
        for refused in [
            "stuff",
            "Stuff",
            " STUFF\t",
            "s-t-u-f-f",
            "stuff2024!",
            "123stuff",
            "StuffStuff",
            "warden realm",
            "wardenrealm1",
        ] {
            assert!(policy.check(refused, None).is_err(), "{refused:?}");
        }
        for accepted in [
            "stuffy",
            "my stuff",
            "stuff-and-things",
            "stufstuff",
            "--",
            "42",
        ] {
            assert!(policy.check(accepted, None).is_ok(), "{accepted:?}");
        }
    }

    #[test]
    fn garbage_hashes_never_verify() {
        let hasher = Argon2id::default();
        for hash in ["", "$", "$2b$", "$argon2id$v=19$", "plain", "$2b$04$short"] {
            assert!(!hasher.verify("", hash));
            assert!(hasher.needs_rehash(hash));
        }
    }
}
