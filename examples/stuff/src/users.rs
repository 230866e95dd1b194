//! Creating and changing users: /register for anyone, /auth and /users for administrators in
//! production (open in development, as the course has them, with its warning).

use axum::Json;
use http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use warden::openapi::Doc;
use warden::{
    Audit, Error, Open, Params, Passwords, Result, Routes, Tx, Users, delete, group, post, put,
};

pub(crate) fn routes() -> Routes {
    // "MUST NOT BE OPEN!" says the course: only administrators manage users, except in
    // development mode, where the course has them open (and warden warns at start).
    let managers = || group("ADMIN").in_development(Open);
    let created = || {
        Doc::new()
            .created::<NewUid>()
            .error(StatusCode::BAD_REQUEST, PASSWORD_RULES)
            .error(StatusCode::CONFLICT, "the login is taken")
    };
    let missing = (StatusCode::NOT_FOUND, "no such user");
    Routes::new()
        .route(
            "/register",
            post(Open.audit("user.create"), register)
                .doc(created().summary("Creates an account").params::<Register>()),
        )
        .route(
            "/auth",
            post(managers().audit("user.create"), post_auth).doc(
                created()
                    .summary("Creates a user, given as a JSON object `u`")
                    .params::<AuthParams>(),
            ),
        )
        .route(
            "/users",
            post(managers().audit("user.create"), post_users).doc(
                created()
                    .summary("Creates a user, given as `user` (JSON text in a form)")
                    .params::<UsersParams>(),
            ),
        )
        .route(
            "/users/{uid}",
            put(managers().audit("user.password"), put_user).doc(
                Doc::new()
                    .summary("Changes a user (and ends every token they hold)")
                    .params::<ChangeParams>()
                    .no_content()
                    .error(StatusCode::BAD_REQUEST, PASSWORD_RULES)
                    .error(missing.0, missing.1),
            ),
        )
        .route(
            "/users/{uid}/tokens",
            delete(group("ADMIN").audit("user.kick"), kick).doc(
                Doc::new()
                    .summary("Revokes every token a user holds")
                    .params::<Uid>()
                    .no_content()
                    .error(missing.0, missing.1),
            ),
        )
}

/// What the schemas cannot say about a new password.
const PASSWORD_RULES: &str =
    "the password is a common one or the login, or the user's id does not match the path";

/// A login: what Basic credentials and tokens can carry.
const LOGIN: &str = r"^[^:\u0000-\u001f\u007f-\u009f]{1,64}$";

/// The id of a new user.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct NewUid {
    uid: i64,
}

/// Logins travel in Basic credentials and tokens, which a `:` would break.
fn check_login(login: &str) -> Result<()> {
    if login.is_empty() || login.chars().count() > 64 {
        return Err(Error::bad_request("login must have 1 to 64 characters"));
    }
    if login.contains(':') || login.chars().any(char::is_control) {
        return Err(Error::bad_request(
            "login must not contain ':' or control characters",
        ));
    }
    Ok(())
}

/// A new password, checked against the policy and hashed with argon2id.
async fn new_hash(passwords: &Passwords, login: &str, password: &str) -> Result<String> {
    check_login(login)?;
    passwords.check(password, Some(login))?;
    passwords.hash(password).await
}

fn created(uid: i64) -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, Json(json!({ "uid": uid })))
}

fn conflict(login: &str) -> Error {
    Error::conflict(format!("conflict on user: {login}"))
}

#[derive(Deserialize, JsonSchema)]
struct Register {
    /// 1 to 64 characters, no `:`.
    #[schemars(regex(pattern = LOGIN))]
    login: String,
    #[schemars(with = "warden::openapi::NewPassword")]
    pword: String,
}

async fn register(
    tx: Tx,
    passwords: Passwords,
    audit: Audit,
    Params(p): Params<Register>,
) -> Result<(StatusCode, Json<Value>)> {
    audit.target("user", &p.login);
    let pword = new_hash(&passwords, &p.login, &p.pword).await?;
    let uid: Option<i64> = tx
        .scalar_as("add_new_user", &json!({ "login": p.login, "pword": pword }))
        .await?;
    uid.map(created).ok_or_else(|| conflict(&p.login))
}

/// The course's `model.User`.
#[derive(Deserialize, Serialize, JsonSchema)]
#[allow(non_snake_case)]
struct User {
    /// 1 to 64 characters, no `:`.
    #[schemars(regex(pattern = LOGIN))]
    login: String,
    #[schemars(with = "warden::openapi::NewPassword")]
    password: String,
    isAdmin: bool,
    uid: Option<i64>,
}

async fn insert(
    tx: &Tx,
    passwords: &Passwords,
    mut user: User,
) -> Result<(StatusCode, Json<Value>)> {
    user.password = new_hash(passwords, &user.login, &user.password).await?;
    let uid: Option<i64> = tx
        .scalar_as("new_user_with_object", &json!({ "u": user }))
        .await?;
    uid.map(created).ok_or_else(|| conflict(&user.login))
}

#[derive(Deserialize, JsonSchema)]
struct AuthParams {
    u: User,
}

/// `{"u": {"login": ..., "password": ..., "isAdmin": ...}}`.
async fn post_auth(
    tx: Tx,
    passwords: Passwords,
    Params(p): Params<AuthParams>,
) -> Result<(StatusCode, Json<Value>)> {
    insert(&tx, &passwords, p.u).await
}

#[derive(Deserialize, JsonSchema)]
struct UsersParams {
    user: User,
}

/// `user` as a JSON object, or as JSON text in a form field.
async fn post_users(
    tx: Tx,
    passwords: Passwords,
    Params(p): Params<UsersParams>,
) -> Result<(StatusCode, Json<Value>)> {
    insert(&tx, &passwords, p.user).await
}

#[derive(Deserialize, JsonSchema)]
struct ChangeParams {
    uid: i64,
    user: User,
}

async fn put_user(
    tx: Tx,
    passwords: Passwords,
    users: Users,
    audit: Audit,
    Params(p): Params<ChangeParams>,
) -> Result<StatusCode> {
    let mut user = p.user;
    audit.detail(json!({ "login": user.login, "isAdmin": user.isAdmin }));
    if user.uid != Some(p.uid) {
        return Err(Error::bad_request("inconsistent user id"));
    }
    let old: Option<String> = tx
        .scalar_as("get_user_login", &json!({ "uid": p.uid }))
        .await?;
    let old = old.ok_or_else(|| Error::not_found(format!("no such user: {}", p.uid)))?;
    user.password = new_hash(&passwords, &user.login, &user.password).await?;
    tx.execute("change_user_with_object", &json!({ "u": user }))
        .await?;
    // The old password and every token issued before the change stop working now.
    users.revoke_tokens(&old).await?;
    users.forget(&user.login);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, JsonSchema)]
struct Uid {
    uid: i64,
}

/// An administrator revokes every token a user holds ("kick").
async fn kick(tx: Tx, users: Users, Params(p): Params<Uid>) -> Result<StatusCode> {
    let login: Option<String> = tx
        .scalar_as("get_user_login", &json!({ "uid": p.uid }))
        .await?;
    let login = login.ok_or_else(|| Error::not_found(format!("no such user: {}", p.uid)))?;
    users.revoke_tokens(&login).await?;
    Ok(StatusCode::NO_CONTENT)
}
