//! Named parameters: structs, maps, JSON, dotted names, and SQL that only looks like them.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use warden_sql::{Backend, ErrorKind};

use crate::suffixes::{add, row};

#[derive(Serialize)]
struct Owner<'a> {
    oid: i64,
    login: &'a str,
}

#[derive(Serialize)]
struct NewOwner<'a> {
    u: Owner<'a>,
}

on_every_backend! {
    async fn colons_in_strings_identifiers_and_comments_are_not_parameters(db: Database) {
        let query = db.queries().get("echo_params").unwrap();
        // Each backend's variant has its own quoting, and the same parameters.
        assert_eq!(query.params().collect::<Vec<_>>(), ["n", "u.login", "u.level"]);
        let echoed = db
            .one("echo_params", &json!({"n": 21, "u": {"login": "calvin", "level": 3}}))
            .await
            .unwrap()
            .expect("a row");
        assert_eq!(echoed["colon:alias"], json!(":nope"));
        assert_eq!(echoed["twice"], json!(42), "a repeated parameter binds the same value");
        assert_eq!(echoed["login"], json!("calvin"));
        assert_eq!(echoed["level"], json!(3));
        match db.backend() {
            Backend::Postgres => {
                assert_eq!(echoed["e"], json!("':nope"));
                assert_eq!(echoed["dollar"], json!(" :nope "));
            }
            Backend::MySql => assert_eq!(echoed["e"], json!("it's :nope")),
            Backend::Sqlite => assert_eq!(echoed.len(), 4),
        }
    }

    async fn structs_maps_and_json_are_parameters_alike(db: Database) {
        let sid = add(&db, "Chair").await;
        #[derive(Serialize)]
        struct BySid {
            sid: i64,
        }
        let expected = Some(row(json!({"sid": sid, "stuff": "Chair"})));
        assert_eq!(db.one("get_stuff_sid", &BySid { sid }).await.unwrap(), expected);
        let map: HashMap<&str, i64> = [("sid", sid), ("unused", 0)].into();
        assert_eq!(db.one("get_stuff_sid", &map).await.unwrap(), expected);
        assert_eq!(db.one("get_stuff_sid", &json!({"sid": sid})).await.unwrap(), expected);
    }

    async fn dotted_parameters_read_fields_of_an_object(db: Database) {
        let owner = NewOwner { u: Owner { oid: 7, login: "hobbes" } };
        assert_eq!(db.execute("add_owner", &owner).await.unwrap(), 1);
        db.execute("add_owned", &json!({"owner": 7, "object": "Tiger", "price": 9.99})).await.unwrap();
        let owned = db.rows("get_owned_by_login", &json!({"login": "hobbes"})).await.unwrap();
        assert_eq!(owned, [row(json!({"object": "Tiger", "price": "9.99"}))]);
    }

    async fn a_missing_parameter_is_named(db: Database) {
        let error = db.one("get_stuff_sid", &json!({"sdi": 1})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::MissingParameter);
        assert_eq!(error.to_string(), "missing parameter in query get_stuff_sid: parameter :sid is missing");
        let error = db.one("get_stuff_sid", &()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::MissingParameter);
        let error = db.execute("add_owner", &json!({"u": {"oid": 1}})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::MissingParameter);
        assert_eq!(error.message(), "parameter :u.login is missing");
        // Nothing ran: a missing parameter in the second set stops them all.
        let sets = [json!({"stuff": "Chair"}), json!({"nope": 1})];
        let error = db.execute_many("add_stuffs", &sets).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::MissingParameter);
        assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(0));
    }

    async fn parameters_must_be_an_object(db: Database) {
        let error = db.one("get_stuff_sid", &5).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidParameter);
        let error = db.one("get_stuff_sid", &json!({"sid": u64::MAX})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidParameter);
        let error = db.execute("add_owner", &json!({"u": "calvin"})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidParameter);
    }

    async fn null_parameters_fit_any_column(db: Database) {
        // PostgreSQL gets untyped nulls: a text-typed null would not fit an integer.
        let found = db.one("get_stuff_sid", &json!({"sid": null})).await.unwrap();
        assert_eq!(found, None);
        let error = db.scalar("add_stuff", &json!({"stuff": null})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotNullViolation);
    }

    async fn like_patterns_and_unicode_pass_through(db: Database) {
        add(&db, "Chaise ☃ longue").await;
        add(&db, "Desk").await;
        let rows = db.rows("get_stuff_like", &json!({"filter": "%☃%"})).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["stuff"], json!("Chaise ☃ longue"));
    }
}
