//! Generated plans for the browser benchmarks (`scripts/bench`).
//!
//! ```text
//! generate capacity [CHARS]        the largest plan (items with ten records each) whose
//!                                  stored form (a compressed snapshot) fits in CHARS UTF-16
//!                                  units (default 2,500,000), as JSON figures
//! generate plan ITEMS RECORDS      a full plan (sites, packages, milestones, records)
//! generate list ITEMS              a plan with only categories, items and targets
//! generate stored FILE             the stored form (compressed snapshot) of a plan document
//! generate rows FILE               an items list's rows of a plan document, for the plain
//!                                  JavaScript baseline: [number, content, departments, percent]
//! ```

use jindu_core::doc::Doc;
use jindu_core::generate::{item_list, plan, Shape};
use jindu_core::model::Plan;
use jindu_core::progress::item_progress;
use jindu_core::stored::encode_snapshot;

fn full(items: usize, records: usize) -> Doc {
    plan(&Shape {
        items,
        records_per_item: records,
        devices: 20,
        seed: 7,
    })
}

/// Characters of the canonical JSON as localStorage would count them (UTF-16 units).
fn json_chars(doc: &Doc) -> usize {
    String::from_utf8(doc.to_json())
        .expect("JSON is UTF-8")
        .encode_utf16()
        .count()
}

/// Characters of the stored form: the compressed snapshot the app writes.
fn stored_chars(doc: &Doc) -> usize {
    encode_snapshot(doc).encode_utf16().count()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| -> usize {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("argument {i} must be a number"))
    };
    match args.first().map(String::as_str) {
        Some("capacity") => {
            let budget = args
                .get(1)
                .and_then(|a| a.parse().ok())
                .unwrap_or(2_500_000);
            // The stored form grows about linearly: estimate from a sample, then step
            // down until a generated plan of that size fits.
            let sample = 500;
            let per_item = stored_chars(&full(sample, 10)) as f64 / sample as f64;
            let mut items = (budget as f64 / per_item) as usize;
            let mut doc = full(items, 10);
            while stored_chars(&doc) > budget {
                items = items * 99 / 100;
                doc = full(items, 10);
            }
            let without = full(items, 0);
            let (w, wo) = (doc.encoded_len(), without.encoded_len());
            let (s, so) = (stored_chars(&doc), stored_chars(&without));
            println!(
                "{}",
                serde_json::json!({
                    "budget_chars": budget,
                    "items": items,
                    "stored_chars": s,
                    "json_chars": json_chars(&doc),
                    "bytes": w,
                    "bytes_per_item": wo / items,
                    "bytes_per_record": (w - wo) / (items * 10),
                    "stored_chars_per_item": so / items,
                    "stored_chars_per_record": (s - so) / (items * 10),
                    "json_only_items": (budget as f64 / (json_chars(&doc) as f64 / items as f64)) as usize,
                })
            );
        }
        Some("plan") => {
            let doc = full(arg(1), arg(2));
            println!("{}", String::from_utf8(doc.to_json()).unwrap());
        }
        Some("list") => {
            let doc = item_list(arg(1), 7);
            println!("{}", String::from_utf8(doc.to_json()).unwrap());
        }
        Some("stored") => {
            let path = args.get(1).expect("a plan file");
            let doc = Doc::from_json(&std::fs::read(path).unwrap()).unwrap();
            print!("{}", encode_snapshot(&doc));
        }
        Some("rows") => {
            let path = args.get(1).expect("a plan file");
            let doc = Doc::from_json(&std::fs::read(path).unwrap()).unwrap();
            let p = Plan::from_doc(&doc);
            let as_of = chrono::NaiveDate::from_ymd_opt(2021, 6, 30).unwrap();
            let rows: Vec<_> = p
                .items
                .iter()
                .map(|i| {
                    serde_json::json!([
                        p.display_number(i),
                        i.content,
                        i.departments.join("、"),
                        item_progress(&p, i, as_of).percent.map(|v| v.round()),
                    ])
                })
                .collect();
            println!("{}", serde_json::Value::Array(rows));
        }
        _ => {
            eprintln!("usage: generate capacity [CHARS] | plan ITEMS RECORDS | list ITEMS | stored FILE | rows FILE");
            std::process::exit(2);
        }
    }
}
