//! Every suffix, called through the method that fits it.

use serde::Deserialize;
use serde_json::{Value, json};
use warden_sql::{Backend, Database, Row, TxMode};

pub(crate) fn row(value: Value) -> Row {
    match value {
        Value::Object(row) => row,
        other => panic!("not an object: {other}"),
    }
}

pub(crate) async fn add(db: &Database, stuff: &str) -> i64 {
    db.scalar_as("add_stuff", &json!({"stuff": stuff}))
        .await
        .expect("add_stuff")
}

#[derive(Debug, Deserialize, PartialEq)]
struct Stuff {
    sid: i64,
    stuff: String,
}

on_every_backend! {
    async fn no_suffix_returns_all_rows_in_order(db: Database) {
        let chair = add(&db, "Chair").await;
        let desk = add(&db, "Desk").await;
        let rows = db.rows("get_stuff_all", &()).await.unwrap();
        assert_eq!(
            rows,
            [
                row(json!({"sid": chair, "stuff": "Chair"})),
                row(json!({"sid": desk, "stuff": "Desk"}))
            ]
        );
        let keys: Vec<&String> = rows[0].keys().collect();
        assert_eq!(keys, ["sid", "stuff"], "columns keep their SELECT order");
        let typed: Vec<Stuff> = db.rows_as("get_stuff_like", &json!({"filter": "D%"})).await.unwrap();
        assert_eq!(typed, [Stuff { sid: desk, stuff: "Desk".into() }]);
    }

    async fn caret_returns_one_row_or_none(db: Database) {
        let sid = add(&db, "Chair").await;
        let found = db.one("get_stuff_sid", &json!({"sid": sid})).await.unwrap();
        assert_eq!(found, Some(row(json!({"sid": sid, "stuff": "Chair"}))));
        let typed: Option<Stuff> = db.one_as("get_stuff_sid", &json!({"sid": sid})).await.unwrap();
        assert_eq!(typed, Some(Stuff { sid, stuff: "Chair".into() }));
        let tuple: Option<(i64, String)> =
            db.one_as("get_stuff_sid", &json!({"sid": sid})).await.unwrap();
        assert_eq!(tuple, Some((sid, "Chair".into())));
        assert_eq!(db.one("get_stuff_sid", &json!({"sid": sid + 1000})).await.unwrap(), None);
    }

    async fn dollar_returns_one_value_or_null(db: Database) {
        assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(0));
        add(&db, "Chair").await;
        let count: i64 = db.scalar_as("count_stuff", &()).await.unwrap();
        assert_eq!(count, 1);
        // The seed's `new_user$`: an insert that returns the new id, or nothing on conflict.
        let desk: Option<i64> = db.scalar_as("add_stuff_if_new", &json!({"stuff": "Desk"})).await.unwrap();
        assert!(desk.is_some());
        let again: Option<i64> = db.scalar_as("add_stuff_if_new", &json!({"stuff": "Desk"})).await.unwrap();
        assert_eq!(again, None);
        assert_eq!(db.scalar("add_stuff_if_new", &json!({"stuff": "Desk"})).await.unwrap(), Value::Null);
    }

    async fn bang_returns_affected_rows(db: Database) {
        let sid = add(&db, "Chair").await;
        assert_eq!(db.execute("upd_stuff_sid", &json!({"sid": sid, "stuff": "Sofa"})).await.unwrap(), 1);
        // Matched rows, not changed ones, on every backend: the same value again still counts.
        assert_eq!(db.execute("upd_stuff_sid", &json!({"sid": sid, "stuff": "Sofa"})).await.unwrap(), 1);
        assert_eq!(db.execute("upd_stuff_sid", &json!({"sid": sid + 1000, "stuff": "X"})).await.unwrap(), 0);
        assert_eq!(db.execute("del_stuff_sid", &json!({"sid": sid})).await.unwrap(), 1);
        assert_eq!(db.execute("del_stuff_sid", &json!({"sid": sid})).await.unwrap(), 0);
    }

    async fn insert_returning_gives_the_new_id(db: Database) {
        let first: i64 = db.scalar_as("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        let second = db.scalar("add_stuff", &json!({"stuff": "Desk"})).await.unwrap();
        assert_eq!(second, json!(first + 1));
        let one = db.one("add_stuff", &json!({"stuff": "Lamp"})).await.unwrap().expect("a row");
        assert_eq!(one.len(), 1);
        assert_eq!(one.values().next(), Some(&json!(first + 2)));
        let rows = db.rows("add_stuff", &json!({"stuff": "Sofa"})).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(4));
    }

    async fn star_bang_runs_once_per_parameter_set(db: Database) {
        let sets = [json!({"stuff": "Chair"}), json!({"stuff": "Desk"}), json!({"stuff": "Lamp"})];
        assert_eq!(db.execute_many("add_stuffs", &sets).await.unwrap(), 3);
        #[derive(serde::Serialize)]
        struct New<'a> {
            stuff: &'a str,
        }
        let typed = vec![New { stuff: "Sofa" }];
        assert_eq!(db.execute_many("add_stuffs", &typed).await.unwrap(), 1);
        assert_eq!(db.execute_many("add_stuffs", Vec::<Value>::new()).await.unwrap(), 0);
        assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(4));
    }

    async fn hash_runs_a_script(db: Database) {
        add(&db, "Chair").await;
        db.execute("add_owner", &json!({"u": {"oid": 1, "login": "calvin"}})).await.unwrap();
        db.script("clear_all").await.unwrap();
        assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(0));
    }

    async fn transactions_offer_the_same_methods(db: Database) {
        let mut tx = db.begin(TxMode::Write).await.unwrap();
        let sid: i64 = tx.scalar_as("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        assert_eq!(tx.execute_many("add_stuffs", [json!({"stuff": "Desk"})]).await.unwrap(), 1);
        assert_eq!(tx.rows("get_stuff_all", &()).await.unwrap().len(), 2);
        let found: Option<Stuff> = tx.one_as("get_stuff_sid", &json!({"sid": sid})).await.unwrap();
        assert_eq!(found.map(|s| s.stuff).as_deref(), Some("Chair"));
        assert_eq!(tx.execute("del_stuff_sid", &json!({"sid": sid})).await.unwrap(), 1);
        tx.script("clear_all").await.unwrap();
        assert_eq!(tx.scalar_as::<i64, _>("count_stuff", &()).await.unwrap(), 0);
        assert_eq!(tx.backend(), db.backend());
        tx.commit().await.unwrap();
    }

    async fn slow_queries_give_the_same_results(db: Database) {
        let sid = add(&db, "Chair").await;
        assert!(db.queries().get("get_stuff_slow").unwrap().is_slow());
        let rows = db.rows("get_stuff_slow", &json!({"from": 0})).await.unwrap();
        assert_eq!(rows, [row(json!({"sid": sid, "stuff": "Chair"}))]);
        if db.backend() == Backend::Sqlite {
            let mut tx = db.begin(TxMode::Read).await.unwrap();
            assert_eq!(tx.rows("get_stuff_slow", &json!({"from": sid + 1})).await.unwrap(), []);
            // The connection came back from the blocking pool: the transaction goes on.
            assert_eq!(tx.rows("get_stuff_slow", &json!({"from": 0})).await.unwrap().len(), 1);
            tx.commit().await.unwrap();
        }
    }
}
