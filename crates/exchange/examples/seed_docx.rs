//! Writes the Xixing 2021 table, built from the seed's text, as the office's Word
//! document (`xixing-2021.docx`) and as the HTML Word puts on the clipboard when the
//! table is copied (`xixing-2021.html`), into the directory given: the end-to-end tests
//! import them (`tests/e2e/word-import.test.mjs`).
//!
//! `cargo run -p jindu-exchange --example seed_docx -- DIR`

#[path = "../tests/support/docx.rs"]
mod docx;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let dir = std::path::Path::new(&dir);
    std::fs::write(dir.join("xixing-2021.docx"), docx::seed_docx()).expect("writes the .docx");
    std::fs::write(dir.join("xixing-2021.html"), docx::seed_html()).expect("writes the HTML");
}
