//! Writes the built-in plan and plan index in the document's binary form for the app to
//! embed: the wasm carries the documents' bytes rather than the code that builds them,
//! and a first start reads them with the reader stored plans use (no JSON parsing).

fn main() {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(
        out.join("xixing-2021.bin"),
        jindu_core::seed::xixing_2021().to_binary(),
    )
    .expect("OUT_DIR is writable");
    std::fs::write(
        out.join("plan-index.bin"),
        jindu_core::index::built_in_index().to_binary(),
    )
    .expect("OUT_DIR is writable");
    println!("cargo::rerun-if-changed=crates/core/src");
}
