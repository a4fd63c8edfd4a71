//! The .xlsx worker: the app posts a request, the worker answers with bytes or JSON.
//!
//! Requests (plain objects):
//! - `{op: "export", report: <report JSON>, doc: <plan document bytes>, photos?: <JSON
//!   of the evidence annex's entries>, thumbs?: [Uint8Array, …]}` → `{ok: true, bytes:
//!   Uint8Array}` (the workbook; with photos, a `照片` sheet with each thumbnail);
//! - `{op: "read", bytes: Uint8Array, plan: <new plan id>, year: <number>}` →
//!   `{ok: true, kind: "exact", doc: <document JSON>}` or
//!   `{ok: true, kind: "proposal", proposal: <proposal JSON>}`; `bytes` may be an .xlsx
//!   workbook or a Word document (.docx), told apart by their content; a file the import
//!   cannot read answers `{ok: true, kind: "refused", code: <ExchangeError::code>,
//!   error: <words>}`, so that the page can say why in the inspector's language.
//!
//! Failures answer `{ok: false, error: <words>}`. Once loaded, the worker posts
//! `{ready: true}`.

use jindu_web::{field as get, object};
use js_sys::Uint8Array;
use wasm_bindgen::JsValue;

fn reply(pairs: &[(&str, JsValue)]) -> JsValue {
    object(pairs).into()
}

fn handle(data: &JsValue) -> Result<JsValue, String> {
    match get(data, "op").as_string().as_deref() {
        Some("export") => {
            let report_json = get(data, "report").as_string().ok_or("no report")?;
            let report: jindu_core::report::Report =
                serde_json::from_str(&report_json).map_err(|e| e.to_string())?;
            let doc_bytes = Uint8Array::new(&get(data, "doc")).to_vec();
            let doc = jindu_core::doc::Doc::from_json(&doc_bytes).map_err(|e| e.to_string())?;
            let photos: Vec<jindu_core::report::evidence::AnnexPhoto> =
                match get(data, "photos").as_string() {
                    Some(json) => serde_json::from_str(&json).map_err(|e| e.to_string())?,
                    None => Vec::new(),
                };
            let thumbs = js_sys::Array::from(&get(data, "thumbs"));
            let with_bytes: Vec<_> = photos
                .into_iter()
                .enumerate()
                .map(|(i, p)| (p, Uint8Array::new(&thumbs.get(i as u32)).to_vec()))
                .collect();
            let bytes = jindu_exchange::report_xlsx_with_photos(&report, &doc, &with_bytes)
                .map_err(|e| e.to_string())?;
            Ok(reply(&[
                ("ok", JsValue::TRUE),
                ("bytes", Uint8Array::from(bytes.as_slice()).into()),
            ]))
        }
        Some("read") => {
            let bytes = Uint8Array::new(&get(data, "bytes")).to_vec();
            let plan = get(data, "plan")
                .as_string()
                .unwrap_or_else(|| "imported".into());
            let year = get(data, "year").as_f64().unwrap_or(2021.0) as i32;
            match jindu_exchange::read_file(&bytes, &plan, year) {
                Err(e) => Ok(reply(&[
                    ("ok", JsValue::TRUE),
                    ("kind", "refused".into()),
                    ("code", e.code().into()),
                    ("error", e.to_string().into()),
                ])),
                Ok(jindu_exchange::Imported::Exact(doc)) => {
                    let json = String::from_utf8(doc.to_json()).map_err(|e| e.to_string())?;
                    Ok(reply(&[
                        ("ok", JsValue::TRUE),
                        ("kind", "exact".into()),
                        ("doc", json.into()),
                    ]))
                }
                Ok(jindu_exchange::Imported::Proposal(p)) => {
                    let json = serde_json::to_string(&p).map_err(|e| e.to_string())?;
                    Ok(reply(&[
                        ("ok", JsValue::TRUE),
                        ("kind", "proposal".into()),
                        ("proposal", json.into()),
                    ]))
                }
            }
        }
        other => Err(format!("unknown request {other:?}")),
    }
}

fn main() {
    console_error_panic_hook::set_once();
    jindu_web::serve(|data| std::future::ready(handle(&data)));
}
