//! Where the endpoint is. The endpoint itself, over `fetch`, is in `jindu-web`, shared
//! with the sync worker.

pub use jindu_web::FetchEndpoint;

/// The endpoint base for these settings: the configured one, or this origin's `/files/`.
pub fn endpoint_base(configured: Option<&str>) -> String {
    match configured.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.ends_with('/') => s.to_owned(),
        Some(s) => format!("{s}/"),
        None => {
            let origin = web_sys::window()
                .and_then(|w| w.location().origin().ok())
                .unwrap_or_default();
            format!("{origin}/files/")
        }
    }
}
