//! Finds the built app the release binary embeds: `$JINDU_DIST`, else `<repo>/dist`.
//!
//! With an `index.html` there, the build sets `cfg(jindu_embed)` and `JINDU_EMBED_DIR`
//! (read by `rust-embed` in `src/embedded.rs`) and asks Cargo to build the server again
//! whenever anything in that directory changes (a new Trunk build). Without one the
//! server embeds nothing and says so at start: the lints and native tests run before the
//! app is built. Cargo is then not asked to watch the absent directory (a missing path
//! would rebuild the server on every command): build the app before the release server,
//! as `scripts/run` and `scripts/test` do.

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(jindu_embed)");
    println!("cargo:rerun-if-env-changed=JINDU_DIST");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dist = std::env::var_os("JINDU_DIST")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../dist"));
    let Ok(dist) = dist.canonicalize() else {
        return;
    };
    // Watch the directory whenever it exists, so that a build finishing in it later
    // (index.html written last) is noticed.
    println!("cargo:rerun-if-changed={}", dist.display());
    if dist.join("index.html").is_file() {
        println!("cargo:rustc-cfg=jindu_embed");
        println!("cargo:rustc-env=JINDU_EMBED_DIR={}", dist.display());
    }
}
