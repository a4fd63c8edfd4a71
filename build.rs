//! Writes the built-in plan as its canonical JSON for the app to embed, so the wasm
//! carries the document's bytes rather than the code that builds it.

fn main() {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(
        out.join("xixing-2021.json"),
        jindu_core::seed::xixing_2021().to_json(),
    )
    .expect("OUT_DIR is writable");
    std::fs::write(
        out.join("plan-index.json"),
        jindu_core::index::built_in_index().to_json(),
    )
    .expect("OUT_DIR is writable");
    println!("cargo::rerun-if-changed=crates/core/src");
}
