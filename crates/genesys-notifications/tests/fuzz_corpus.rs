//! The cargo-fuzz corpus (`fuzz/corpus/`), replayed as ordinary stable tests through the
//! same harnesses the fuzz targets use (`fuzz/harness/`). A crash found by fuzzing is
//! minimised (`cargo fuzz tmin`) and committed to the corpus, so it stays fixed.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub)]

#[path = "../../../fuzz/harness/frame.rs"]
mod frame;

#[path = "../../../fuzz/harness/channel.rs"]
mod channel;

use std::path::PathBuf;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    files.sort();
    files
}

#[test]
fn frame_corpus() {
    let files = corpus("frame");
    assert!(files.len() >= 20, "{} inputs", files.len());
    for (name, data) in files {
        let outcome = std::panic::catch_unwind(|| frame::check(&data));
        assert!(outcome.is_ok(), "fuzz/corpus/frame/{name} fails");
    }
}

#[test]
fn channel_corpus() {
    let files = corpus("channel");
    assert!(files.len() >= 10, "{} inputs", files.len());
    for (name, data) in files {
        let outcome = std::panic::catch_unwind(|| channel::check(&data));
        assert!(outcome.is_ok(), "fuzz/corpus/channel/{name} fails");
    }
}
