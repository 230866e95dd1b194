//! The audit trail: who did what, when, from where, with what result — in one append-only,
//! hash-chained table (`warden_audit`, step 6 of [`schema`](crate::schema)).
//!
//! With [`AppBuilder::audit`](crate::AppBuilder::audit), warden records, from the route
//! declarations alone:
//!
//! - every denial (401, 403), with the login a refused credential claimed
//!   (`auth.login_failed`), none (`authz.denied`), or the IP blocklist's refusal at the edge
//!   (`guard.blocked`); identical denials from one client within
//!   `audit.denial_window` become one row with a count;
//! - every request of an unsafe method that succeeds (`data.change`, or the action the route
//!   declares with [`Policy::audit`](crate::Policy::audit)), in the request's own transaction:
//!   the row commits with the data or not at all;
//! - authentication events, whatever their outcome: `auth.login`, `auth.logout`,
//!   `token.issue`, `token.refresh`, `token.reuse`, `token.revoke`, `key.create`, `key.revoke`,
//!   `user.kick`, `role.grant`, `role.revoke`, `blocklist.add`, `blocklist.remove`, and what a
//!   handler names with the [`Audit`] extractor (`user.password`, `user.groups`...).
//!
//! A request that merely carries valid credentials is not an event. Nothing secret is recorded
//! (no password, token, cookie, key or `Authorization` header: only logins, ids and what
//! handlers put in the detail), and client text is [`sanitize`]d.
//!
//! Rows are sealed into a SHA-256 chain shortly after they commit ([`chain`](self#the-chain)),
//! checked by [`verify`] (`warden audit verify`), and old rows leave through [`archive`],
//! which leaves a signed [`Checkpoint`] so that the rest still verifies.
//!
//! # The chain
//!
//! Requests never wait for the chain: each inserts its row in its own transaction, and a
//! sealer (started by requests every `audit.seal_interval`, in any process) gives committed
//! rows their place under the head's row lock — only sealers wait for each other. See
//! [`seal`] for the details and what the chain does and does not prove.
//!
//! # Making the table insert-only
//!
//! The schema's triggers refuse an `UPDATE` other than sealing and a `DELETE` of rows no
//! checkpoint covers (on PostgreSQL also `TRUNCATE`). Give the application's database role no
//! more than it needs, for instance on PostgreSQL:
//!
//! ```sql
//! REVOKE ALL ON warden_audit, warden_audit_head, warden_audit_checkpoint FROM app;
//! GRANT SELECT, INSERT, UPDATE (seq, hash) ON warden_audit TO app;
//! GRANT USAGE ON SEQUENCE warden_audit_id_seq TO app;
//! GRANT SELECT, UPDATE ON warden_audit_head TO app;
//! GRANT SELECT ON warden_audit_checkpoint TO app;
//! -- archiving, by an operator's role only:
//! GRANT INSERT ON warden_audit_checkpoint TO archivist; GRANT DELETE ON warden_audit TO archivist;
//! ```
//!
//! (MySQL/MariaDB: the same with `GRANT ... ON db.warden_audit TO 'app'@'%'`; SQLite has no
//! roles: protect the file.)

mod chain;
mod entry;
mod facts;
mod trail;

pub use chain::{Archived, Broken, Checkpoint, Verification, archive, seal, verify};
pub use entry::{Entry, sanitize};
pub(crate) use entry::{Request, blocked, decide, timestamp};
pub use facts::Audit;
pub(crate) use facts::RouteFacts;
pub(crate) use trail::Trail;
