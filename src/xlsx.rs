//! The client of the .xlsx worker (crates/xlsx-worker): a separate wasm module started on
//! first use, so the app shell does not carry the zip and spreadsheet code. It also writes
//! the table and the supervision bulletin as Word documents ([`export_docx`]).

use jindu_core::doc::Doc;
use jindu_core::import::Proposal;
use jindu_core::report::evidence::AnnexPhoto;
use jindu_core::report::{Bulletin, Report};
use js_sys::Uint8Array;
use wasm_bindgen::JsValue;

use crate::workers::{ask, get, request};

/// Where Trunk's loader shim for the worker is served.
const WORKER_URL: &str = "/jindu-xlsx-worker_loader.js";
/// The worker, as errors name it.
const MODULE: &str = "spreadsheet module";

/// What a workbook or Word document held.
pub enum Read {
    Exact(Doc),
    Proposal(Proposal),
    /// A file the import cannot read: why, as `jindu_exchange::ExchangeError::code`
    /// names it, and in the module's words.
    Refused {
        code: String,
        words: String,
    },
}

/// The report and the plan's structure as an .xlsx workbook; with `photos` (the evidence
/// annex's entries and each one's thumbnail bytes), a `照片` sheet too.
pub async fn export(
    report: &Report,
    doc: &Doc,
    photos: &[(AnnexPhoto, Vec<u8>)],
) -> Result<Vec<u8>, String> {
    export_with(report, doc, photos, None).await
}

/// [`export`] with the supervision bulletin, when given, as a sheet `督查通报`.
pub async fn export_with(
    report: &Report,
    doc: &Doc,
    photos: &[(AnnexPhoto, Vec<u8>)],
    bulletin: Option<&Bulletin>,
) -> Result<Vec<u8>, String> {
    let report_json = serde_json::to_string(report).map_err(|e| e.to_string())?;
    let entries: Vec<&AnnexPhoto> = photos.iter().map(|(p, _)| p).collect();
    let thumbs = js_sys::Array::new();
    for (_, bytes) in photos {
        thumbs.push(&Uint8Array::from(bytes.as_slice()));
    }
    let mut fields: Vec<(&str, JsValue)> = vec![
        ("op", "export".into()),
        ("report", report_json.into()),
        ("doc", Uint8Array::from(doc.to_json().as_slice()).into()),
        (
            "photos",
            serde_json::to_string(&entries)
                .map_err(|e| e.to_string())?
                .into(),
        ),
        ("thumbs", thumbs.into()),
    ];
    if let Some(b) = bulletin {
        let json = serde_json::to_string(b).map_err(|e| e.to_string())?;
        fields.push(("bulletin", json.into()));
    }
    let answer = ask(WORKER_URL, MODULE, &request(&fields)).await?;
    Ok(Uint8Array::new(&get(&answer, "bytes")).to_vec())
}

/// A Word document (.docx) of the table, of the supervision bulletin, or of both (the
/// bulletin on a new page after the table): A4 landscape, the heading row repeated on
/// every page, merged cells as printed.
pub async fn export_docx(
    report: Option<&Report>,
    bulletin: Option<&Bulletin>,
) -> Result<Vec<u8>, String> {
    let mut fields: Vec<(&str, JsValue)> = vec![("op", "docx".into())];
    if let Some(r) = report {
        let json = serde_json::to_string(r).map_err(|e| e.to_string())?;
        fields.push(("report", json.into()));
    }
    if let Some(b) = bulletin {
        let json = serde_json::to_string(b).map_err(|e| e.to_string())?;
        fields.push(("bulletin", json.into()));
    }
    if fields.len() == 1 {
        return Err("nothing to export".into());
    }
    let answer = ask(WORKER_URL, MODULE, &request(&fields)).await?;
    Ok(Uint8Array::new(&get(&answer, "bytes")).to_vec())
}

/// Reads a workbook or a Word document: a Jindu export exactly (as plan `plan_id`),
/// another table as a proposal.
pub async fn read(bytes: &[u8], plan_id: &str, year: i32) -> Result<Read, String> {
    let req = request(&[
        ("op", "read".into()),
        ("bytes", Uint8Array::from(bytes).into()),
        ("plan", plan_id.into()),
        ("year", JsValue::from_f64(f64::from(year))),
    ]);
    let answer = ask(WORKER_URL, MODULE, &req).await?;
    match get(&answer, "kind").as_string().as_deref() {
        Some("exact") => {
            let json = get(&answer, "doc").as_string().unwrap_or_default();
            Doc::from_json(json.as_bytes())
                .map(Read::Exact)
                .map_err(|e| e.to_string())
        }
        Some("proposal") | None => {
            let json = get(&answer, "proposal").as_string().unwrap_or_default();
            serde_json::from_str(&json)
                .map(Read::Proposal)
                .map_err(|e| e.to_string())
        }
        Some("refused") => Ok(Read::Refused {
            code: get(&answer, "code").as_string().unwrap_or_default(),
            words: get(&answer, "error").as_string().unwrap_or_default(),
        }),
        Some(other) => Err(format!("unknown answer {other}")),
    }
}
