//! The tutorial's text quotes the code as it is: every Rust and SQL block of README.md is in a
//! file of this crate, word for word (doc/build.py writes them from the files).

use std::path::Path;

fn sources() -> String {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = String::new();
    for dir in ["src", "tests/it", "sql"] {
        let mut entries: Vec<_> = std::fs::read_dir(crate_dir.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            text.push_str(&std::fs::read_to_string(path).unwrap());
            text.push('\n');
        }
    }
    text
}

#[test]
fn every_code_block_of_the_tutorial_is_the_code() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let sources = sources();
    let mut blocks = 0;
    let mut rest = readme.as_str();
    while let Some(start) = rest.find("\n```") {
        let after = &rest[start + 4..];
        let (language, body) = after.split_once('\n').unwrap();
        let end = body.find("\n```").expect("a closed block");
        let code = &body[..end];
        if language == "rust" || language == "sql" {
            assert!(
                sources.contains(code),
                "README.md quotes code that is not in the crate (run doc/build.py):\n{code}"
            );
            blocks += 1;
        }
        rest = &body[end + 4..];
    }
    assert!(blocks >= 20, "only {blocks} code blocks found");
}
