//! Column types map to the same JSON on every backend.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};
use time::OffsetDateTime;
use warden_sql::{Backend, Database, ErrorKind, Row};

/// Bytes serialized as bytes (a `Vec<u8>` would serialize as an array of numbers).
struct Bytes(&'static [u8]);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

#[derive(Serialize)]
struct Typed {
    id: i64,
    i: Option<i32>,
    big: Option<i64>,
    f: Option<f64>,
    d: Option<&'static str>,
    t: Option<&'static str>,
    b: Option<bool>,
    day: Option<&'static str>,
    tod: Option<&'static str>,
    at: Option<&'static str>,
    atz: Option<&'static str>,
    doc: Option<Value>,
    uid: Option<&'static str>,
    bin: Option<Bytes>,
}

fn full() -> Typed {
    Typed {
        id: 1,
        i: Some(42),
        big: Some(9_007_199_254_740_993),
        f: Some(1.5),
        d: Some("12.50"),
        t: Some("héllo ☃"),
        b: Some(true),
        day: Some("2024-05-01"),
        tod: Some("12:30:00"),
        at: Some("2024-05-01 12:30:00.25"),
        atz: Some("2024-05-01 12:30:00"),
        doc: Some(json!({"a": [1, 2], "b": null})),
        uid: Some("67e55044-10b1-426f-9247-bb680e5fe0c8"),
        bin: Some(Bytes(&[0, 1, 255])),
    }
}

/// MariaDB's `JSON` is `LONGTEXT` with a check: it comes back as the text it stores.
fn json_column(backend: Backend, value: &Value) -> Value {
    match (backend, value) {
        (Backend::MySql, Value::String(text)) => serde_json::from_str(text).expect("JSON text"),
        _ => value.clone(),
    }
}

async fn typed_row(db: &Database, id: i64) -> Row {
    db.one("get_typed", &json!({"id": id}))
        .await
        .unwrap()
        .expect("the row")
}

on_every_backend! {
    async fn each_column_type_maps_to_the_same_json(db: Database) {
        db.execute("add_typed", &full()).await.unwrap();
        let mut row = typed_row(&db, 1).await;
        let doc = json_column(db.backend(), &row["doc"]);
        row.insert("doc".into(), doc);
        assert_eq!(
            Value::Object(row),
            json!({
                "id": 1,
                "i": 42,
                "big": 9_007_199_254_740_993_i64,
                "f": 1.5,
                "d": "12.50",
                "t": "héllo ☃",
                "b": true,
                "day": "2024-05-01",
                "tod": "12:30:00",
                "at": "2024-05-01T12:30:00.25Z",
                "atz": "2024-05-01T12:30:00Z",
                "doc": {"a": [1, 2], "b": null},
                "uid": "67e55044-10b1-426f-9247-bb680e5fe0c8",
                "bin": "AAH/",
            })
        );
    }

    async fn nulls_of_every_type_are_null(db: Database) {
        let nulls = Typed {
            id: 2, i: None, big: None, f: None, d: None, t: None, b: None, day: None, tod: None,
            at: None, atz: None, doc: None, uid: None, bin: None,
        };
        db.execute("add_typed", &nulls).await.unwrap();
        let row = typed_row(&db, 2).await;
        assert_eq!(row.len(), 14);
        for (column, value) in &row {
            if column != "id" {
                assert_eq!(value, &Value::Null, "{column}");
            }
        }
    }

    async fn typed_rows_read_timestamps_and_decimals(db: Database) {
        #[derive(Debug, Deserialize)]
        struct Read {
            big: i64,
            d: String,
            b: bool,
            #[serde(with = "time::serde::rfc3339")]
            at: OffsetDateTime,
            #[serde(with = "time::serde::rfc3339")]
            atz: OffsetDateTime,
            uid: String,
        }
        db.execute("add_typed", &full()).await.unwrap();
        let read: Read = db.one_as("get_typed", &json!({"id": 1})).await.unwrap().expect("the row");
        assert_eq!(read.big, 9_007_199_254_740_993);
        assert_eq!(read.d, "12.50");
        assert!(read.b);
        assert_eq!(read.at.unix_timestamp(), 1_714_566_600);
        assert_eq!(read.at.millisecond(), 250);
        assert_eq!(read.atz.unix_timestamp(), 1_714_566_600);
        assert_eq!(read.uid.len(), 36);
    }

    async fn a_row_that_does_not_fit_the_type_is_a_decode_error(db: Database) {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Wrong {
            t: i64,
        }
        db.execute("add_typed", &full()).await.unwrap();
        let error = db.one_as::<Wrong, _>("get_typed", &json!({"id": 1})).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Decode);
        assert_eq!(error.query(), Some("get_typed"));
        assert!(!error.to_string().contains("héllo"), "{error}");
    }
}
