//! The plan index (`plans/index.json`): which plans the endpoint holds, as a mergeable
//! document like the plans themselves. Each entity is a plan id with its title.

use serde_json::{json, Value};

use crate::doc::{intern, Doc, Signer, Written};
use crate::hlc::Clock;
use crate::seed;

/// The index document's id.
pub const INDEX_ID: &str = "index";

/// A plan listed in the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub title: String,
}

/// Whether a string is a valid plan id: `[a-z0-9-]{1,40}`.
pub fn is_plan_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The path of a plan's document relative to the endpoint base.
pub fn plan_path(id: &str) -> String {
    format!("plans/{id}.json")
}

/// The path of the index relative to the endpoint base.
pub const INDEX_PATH: &str = "plans/index.json";

/// Who writes to the index: the device, the person using it and the account.
pub struct By<'a> {
    pub device: &'a str,
    pub author: &'a str,
    pub signer: &'a Signer,
}

/// Lists or renames a plan in the index, stamped by `clock`.
pub fn list_plan(doc: &mut Doc, clock: &mut Clock, by: By, id: &str, title: &str, wall_ms: u64) {
    let reg = doc
        .entities
        .entry(id.to_owned())
        .or_default()
        .entry("title")
        .or_default();
    let stamp = clock.tick_after(wall_ms, reg.max_stamp());
    reg.write(Written {
        stamp,
        device: intern(by.device),
        author: intern(by.author),
        signer: by.signer.clone(),
        value: json!(title),
    });
}

/// The plans an index lists, by id.
pub fn listed(doc: &Doc) -> Vec<Listed> {
    doc.entities
        .keys()
        .filter(|id| is_plan_id(id))
        .map(|id| Listed {
            id: id.clone(),
            title: doc
                .get(id, "title")
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_owned(),
        })
        .collect()
}

/// The index a fresh endpoint and a fresh app start from: the built-in plan alone.
pub fn built_in_index() -> Doc {
    let mut doc = Doc::new(INDEX_ID);
    let mut clock = Clock::default();
    let plan = crate::model::Plan::from_doc(&seed::xixing_2021());
    let title = plan.meta.map(|m| m.title).unwrap_or_default();
    list_plan(
        &mut doc,
        &mut clock,
        By {
            device: seed::SEED_DEVICE,
            author: seed::SEED_AUTHOR,
            signer: &Signer::none(),
        },
        seed::PLAN_ID,
        &title,
        1_609_430_400_000,
    );
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_ids_are_short_lower_case_words() {
        assert!(is_plan_id("xixing-2021"));
        assert!(!is_plan_id(""));
        assert!(!is_plan_id("Xixing"));
        assert!(!is_plan_id("../etc"));
        assert!(!is_plan_id(&"a".repeat(41)));
    }

    #[test]
    fn the_built_in_index_lists_the_built_in_plan() {
        let idx = built_in_index();
        assert_eq!(
            listed(&idx),
            vec![Listed {
                id: "xixing-2021".into(),
                title: "西兴街道2021年民生工程计划".into()
            }]
        );
        assert_eq!(built_in_index().to_json(), idx.to_json());
        let plan = crate::model::Plan::from_doc(&seed::xixing_2021());
        assert_eq!(plan.meta.unwrap().title, seed::PLAN_TITLE);
    }
}
