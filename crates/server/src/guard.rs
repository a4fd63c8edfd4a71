//! The plan guard: what a write of a plan document must be before it is stored.
//!
//! A plan document (`plans/{id}.json`, `plans/index.json`) is accepted only when it
//! reads as a Jindu document of this path's plan (strictly: no unknown keys, no key or
//! identity held twice), rewrites nothing the stored file holds, and drops nothing the
//! stored file holds. Anything else is refused with 409 and the reason, and nothing
//! stored changes.
//!
//! Nothing stored is ever rewritten: a record version and a field value are identified
//! by their stamp and device, and one identity has one content. A body that carries a
//! stored identity with other content is refused, naming the record or field and the
//! start of both contents; so is a body that holds one identity twice with different
//! contents (reading it refuses that).
//!
//! An issued report (签发, `jindu_core::report::issue`) is never changed at all: a body
//! that changes a stored issue in any way (even by a newer value), or adds one that was
//! not written once and whole, is refused (409).

use jindu_core::doc::{check_rewrite, Doc};
use jindu_core::index::{is_plan_id, INDEX_ID, INDEX_PATH};
use jindu_core::report::check_issues;
use jindu_core::roles::{check_write, Target, Writer};

use crate::store::{FilePath, Precondition, Store};
use crate::ApiError;

/// Checks a write before it reaches the store: for a guarded path, the precondition
/// against the stored version (412), the document itself (409), and, for a caller
/// with a role, the role rule (`jindu_core::roles`, 403).
pub(crate) async fn check_put(
    store: &dyn Store,
    path: &FilePath,
    pre: &Precondition,
    body: &[u8],
    writer: Option<Writer<'_>>,
) -> Result<(), ApiError> {
    let Some(id) = guarded_doc_id(path) else {
        return Ok(());
    };
    let current = store.get(path).await?;
    match (pre, &current) {
        (Precondition::IfMatch(tag), Some(c)) if *tag == c.etag => {}
        (Precondition::IfAbsent, None) => {}
        _ => return Err(ApiError::PreconditionFailed),
    }
    let (new, old) = check_docs(&id, body, current.as_ref().map(|c| c.body.as_slice()))?;
    let Some(writer) = writer else { return Ok(()) };
    let target = if id == INDEX_ID {
        Target::Index
    } else {
        Target::Plan
    };
    if check_write(writer, target, old.as_ref(), &[], &new).is_ok() {
        return Ok(());
    }
    // What a kept version held is not added: read them only when the stored file alone
    // does not explain the body (a tablet uploading again after `history restore`).
    let mut kept = Vec::new();
    if old.is_some() {
        for v in store.history(path).await? {
            if let Some(bytes) = store.version(path, v.number).await? {
                if let Ok(doc) = Doc::from_json(&bytes) {
                    kept.push(doc);
                }
            }
        }
    }
    check_write(writer, target, old.as_ref(), &kept, &new)
        .map_err(|r| ApiError::Forbidden(format!("{r}; nothing was stored")))
    // The store re-checks the precondition under its lock, so a write that slipped
    // in after this read still turns this one into a 412.
}

/// Which document id a path holds, when it is a plan document the server guards.
pub fn guarded_doc_id(path: &FilePath) -> Option<String> {
    let rest = path.as_str().strip_prefix("plans/")?;
    if path.as_str() == INDEX_PATH {
        return Some(INDEX_ID.to_owned());
    }
    let id = rest.strip_suffix(".json")?;
    is_plan_id(id).then(|| id.to_owned())
}

/// Refuses a plan document that does not read, names another plan, rewrites content
/// the stored version holds, or would drop anything the stored version holds.
pub fn check(id: &str, body: &[u8], stored: Option<&[u8]>) -> Result<(), ApiError> {
    check_docs(id, body, stored).map(|_| ())
}

/// [`check`], handing back the body and the stored document as read (no stored
/// document when there is none or it is damaged).
fn check_docs(
    id: &str,
    body: &[u8],
    stored: Option<&[u8]>,
) -> Result<(Doc, Option<Doc>), ApiError> {
    let new = Doc::from_json(body)
        .map_err(|e| ApiError::Conflict(format!("not a Jindu plan document: {e}")))?;
    if new.id != id {
        return Err(ApiError::Conflict(format!(
            "the document is '{}', but this path holds '{id}'",
            new.id
        )));
    }
    let issues = |old: &Doc| {
        check_issues(old, &new).map_err(|e| ApiError::Conflict(format!("{e}; nothing was stored")))
    };
    let Some(stored) = stored else {
        issues(&Doc::new(id))?;
        return Ok((new, None));
    };
    let Ok(old) = Doc::from_json(stored) else {
        // The stored file is damaged: any valid document may replace it.
        issues(&Doc::new(id))?;
        return Ok((new, None));
    };
    if let Err(rewrite) = check_rewrite(&old, &new) {
        return Err(ApiError::Conflict(format!(
            "{rewrite}; nothing stored is ever rewritten: fetch the file and write your \
             changes as new versions"
        )));
    }
    issues(&old)?;
    if !new.contains(&old) {
        let lost_entities = old
            .entities
            .keys()
            .filter(|k| !new.entities.contains_key(*k))
            .count();
        let lost_records = old
            .records
            .keys()
            .filter(|k| !new.records.contains_key(*k))
            .count();
        return Err(ApiError::Conflict(format!(
            "the document would drop data the stored version holds \
             ({lost_entities} entities and {lost_records} records missing, or older field values): \
             fetch the file, merge, and write the merged document"
        )));
    }
    Ok((new, Some(old)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_paths_are_guarded() {
        let p = |s| guarded_doc_id(&FilePath::parse(s).unwrap());
        assert_eq!(p("plans/xixing-2021.json"), Some("xixing-2021".into()));
        assert_eq!(p("plans/index.json"), Some("index".into()));
        assert_eq!(p("plans/Notes.json"), None);
        assert_eq!(p("other/x.json"), None);
    }

    const STORED: &str = r#"{"format":1,"id":"p","entities":{"e":{"f":{"v":[{"s":2,"d":"a","v":"new"}],"h":[{"s":1,"d":"a","v":"old"}]}}},"records":{"r":[{"s":1,"d":"a","r":{"n":1}}]}}"#;

    fn refusal(body: &str) -> String {
        match check("p", body.as_bytes(), Some(STORED.as_bytes())) {
            Err(ApiError::Conflict(why)) => why,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn a_body_that_rewrites_stored_content_is_refused_naming_it() {
        assert!(check("p", STORED.as_bytes(), Some(STORED.as_bytes())).is_ok());
        let why = refusal(&STORED.replace(r#"{"n":1}"#, r#"{"n":2}"#));
        assert!(why.starts_with("record r's version written at 1970-01-01 00:00:00 UTC on device a (stamp 1) was rewritten in place: it held {\"n\":1}, now {\"n\":2}"), "{why}");
        let why = refusal(&STORED.replace(r#""v":"new""#, r#""v":"newer""#));
        assert!(
            why.contains("field e.f's value") && why.contains("\"newer\""),
            "{why}"
        );
        // A history entry, alongside a new record.
        let body = STORED.replace(r#""v":"old""#, r#""v":"older""#).replace(
            r#""records":{"#,
            r#""records":{"q":[{"s":5,"d":"b","r":{}}],"#,
        );
        assert!(refusal(&body).contains("field e.f's value"));
    }

    #[test]
    fn a_body_holding_one_identity_twice_or_an_unknown_key_is_refused() {
        let twice = STORED.replace(r#""v":"old""#, r#""v":"old"},{"s":1,"d":"a","v":"other""#);
        assert!(refusal(&twice).contains("held twice"));
        for (known, unknown) in [
            (r#"{"format":1,"#, r#"{"format":1,"x":1,"#),
            (r#"{"f":{"v""#, r#"{"f":{"x":1,"v""#),
            (r#"{"s":2,"d":"a","v""#, r#"{"s":2,"d":"a","x":1,"v""#),
            (r#"{"s":1,"d":"a","v""#, r#"{"s":1,"d":"a","x":1,"v""#),
            (r#"{"s":1,"d":"a","r""#, r#"{"s":1,"d":"a","x":1,"r""#),
        ] {
            assert_eq!(STORED.matches(known).count(), 1, "{known}");
            let why = refusal(&STORED.replacen(known, unknown, 1));
            assert!(why.contains("unknown field"), "{why}");
        }
    }
}
