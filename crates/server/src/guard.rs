//! The plan guard: a plan document (`plans/{id}.json`, `plans/index.json`) is written
//! only when it parses, names the plan its path holds, and keeps everything the stored
//! version holds. Other files pass unchecked.

use jindu_core::doc::Doc;
use jindu_core::index::{is_plan_id, INDEX_ID, INDEX_PATH};

use crate::store::{FilePath, Precondition, Store};
use crate::ApiError;

/// Checks a write before it reaches the store: for a guarded path, the precondition
/// against the stored version (412) and the document itself (409).
pub(crate) async fn check_put(
    store: &dyn Store,
    path: &FilePath,
    pre: &Precondition,
    body: &[u8],
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
    guard(&id, body, current.as_ref().map(|c| c.body.as_slice()))
    // The store re-checks the precondition under its lock, so a write that slipped
    // in after this read still turns this one into a 412.
}

/// Which document id a path holds, when it is a plan document the server guards.
fn guarded_doc_id(path: &FilePath) -> Option<String> {
    let rest = path.as_str().strip_prefix("plans/")?;
    if path.as_str() == INDEX_PATH {
        return Some(INDEX_ID.to_owned());
    }
    let id = rest.strip_suffix(".json")?;
    is_plan_id(id).then(|| id.to_owned())
}

/// Refuses a plan document that does not parse, names another plan, or would drop
/// anything the stored version holds.
fn guard(id: &str, body: &[u8], stored: Option<&[u8]>) -> Result<(), ApiError> {
    let new = Doc::from_json(body)
        .map_err(|e| ApiError::Conflict(format!("not a Jindu plan document: {e}")))?;
    if new.id != id {
        return Err(ApiError::Conflict(format!(
            "the document is '{}', but this path holds '{id}'",
            new.id
        )));
    }
    let Some(stored) = stored else { return Ok(()) };
    let Ok(old) = Doc::from_json(stored) else {
        // The stored file is damaged: any valid document may replace it.
        return Ok(());
    };
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
    Ok(())
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
}
