//! The .xlsx worker: the app posts a request, the worker answers with bytes or JSON.
//!
//! Requests (plain objects):
//! - `{op: "export", report: <report JSON>, doc: <plan document bytes>, photos?: <JSON
//!   of the evidence annex's entries>, thumbs?: [Uint8Array, …]}` → `{ok: true, bytes:
//!   Uint8Array}` (the workbook; with photos, a `照片` sheet with each thumbnail);
//!   with `bulletin: <bulletin JSON>`, a `督查通报` sheet too;
//! - `{op: "docx", report?: <report JSON>, bulletin?: <bulletin JSON>}` → `{ok: true,
//!   bytes: Uint8Array}`: a Word document of the table, of the bulletin, or of both (the
//!   bulletin on a new page after the table); at least one must be given;
//! - `{op: "read", bytes: Uint8Array, plan: <new plan id>, year: <number>}` →
//!   `{ok: true, kind: "exact", doc: <document JSON>}` or
//!   `{ok: true, kind: "proposal", proposal: <proposal JSON>}`; `bytes` may be an .xlsx
//!   workbook or a Word document (.docx), told apart by their content; a file the import
//!   cannot read answers `{ok: true, kind: "refused", code: <ExchangeError::code>,
//!   error: <words>}`, so that the page can say why in the inspector's language.
//!
//! Failures answer `{ok: false, error: <words>}`. Once loaded, the worker posts
//! `{ready: true}`.

use jindu_core::report::{Bulletin, Report};
use jindu_web::{field as get, object};
use js_sys::Uint8Array;
use wasm_bindgen::JsValue;

fn reply(pairs: &[(&str, JsValue)]) -> JsValue {
    object(pairs).into()
}

/// A request's field holding JSON, parsed; none when absent.
fn json_field<T: serde::de::DeserializeOwned>(
    data: &JsValue,
    name: &str,
) -> Result<Option<T>, String> {
    match get(data, name).as_string() {
        Some(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| format!("{name}: {e}")),
        None => Ok(None),
    }
}

fn handle(data: &JsValue) -> Result<JsValue, String> {
    match get(data, "op").as_string().as_deref() {
        Some("export") => {
            let report = json_field::<Report>(data, "report")?.ok_or("no report")?;
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
            let bulletin = json_field::<Bulletin>(data, "bulletin")?;
            let bytes =
                jindu_exchange::report_xlsx_with(&report, &doc, &with_bytes, bulletin.as_ref())
                    .map_err(|e| e.to_string())?;
            Ok(reply(&[
                ("ok", JsValue::TRUE),
                ("bytes", Uint8Array::from(bytes.as_slice()).into()),
            ]))
        }
        Some("docx") => {
            let report = json_field::<Report>(data, "report")?;
            let bulletin = json_field::<Bulletin>(data, "bulletin")?;
            if report.is_none() && bulletin.is_none() {
                return Err("no report and no bulletin".into());
            }
            let bytes =
                jindu_exchange::report_and_bulletin_docx(report.as_ref(), bulletin.as_ref())
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
