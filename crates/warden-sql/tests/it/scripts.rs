//! Schema scripts: create (idempotent), data, drop.

use serde_json::json;
use warden_sql::ErrorKind;

use crate::support::sql_dir;

on_every_backend! {
    async fn creation_scripts_are_idempotent(db: Database) {
        // The harness created the schema once already.
        db.run_script_file(sql_dir().join("create.sql")).await.unwrap();
        db.scalar("add_stuff", &json!({"stuff": "Chair"})).await.unwrap();
        db.run_script_file(sql_dir().join("create.sql")).await.unwrap();
        assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(1));
    }

    async fn data_and_drop_scripts_run_statement_after_statement(db: Database) {
        db.run_script(
            "INSERT INTO Stuff(stuff) VALUES ('Chair');\n\
             -- a comment; with a semicolon\n\
             INSERT INTO Stuff(stuff) VALUES ('it''s; a desk');",
        )
        .await
        .unwrap();
        assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(2));
        db.run_script_file(sql_dir().join("drop.sql")).await.unwrap();
        let error = db.scalar("count_stuff", &()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Other, "{error}");
        db.run_script_file(sql_dir().join("create.sql")).await.unwrap();
        assert_eq!(db.scalar("count_stuff", &()).await.unwrap(), json!(0));
    }

    async fn a_missing_script_file_is_a_load_error(db: Database) {
        let error = db.run_script_file(sql_dir().join("nope.sql")).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Load);
        assert!(error.message().contains("nope.sql"), "{error}");
    }
}
