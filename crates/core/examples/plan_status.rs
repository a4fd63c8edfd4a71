//! Prints the progress and schedule of the built-in plan as of a date.
//!
//! `cargo run -p jindu-core --example plan_status -- 2021-06-30`

use chrono::NaiveDate;
use jindu_core::progress::{
    category_progress, item_progress, item_schedule, plan_progress, problems,
};
use jindu_core::{seed, Plan};

fn pct(p: Option<f64>) -> String {
    p.map_or_else(|| "  —  ".into(), |p| format!("{p:5.1}%"))
}

fn main() {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "2021-06-30".into());
    let as_of = match NaiveDate::parse_from_str(&arg, "%Y-%m-%d") {
        Ok(d) => d,
        Err(e) => {
            eprintln!("usage: plan_status [YYYY-MM-DD]: '{arg}' is not a date ({e})");
            std::process::exit(2);
        }
    };
    let doc = seed::xixing_2021();
    let plan = Plan::from_doc(&doc);
    let title = plan.meta.as_ref().map_or("", |m| m.title.as_str());
    println!(
        "{title} — as of {as_of}: {}",
        pct(plan_progress(&plan, as_of).percent)
    );
    for cat in &plan.categories {
        println!(
            "\n{} {}",
            pct(category_progress(&plan, &cat.id, as_of).percent),
            cat.name
        );
        for item in plan.items_of(&cat.id) {
            let p = item_progress(&plan, item, as_of);
            let content: String = item.content.chars().take(36).collect();
            println!(
                "  {:>4} {} {:<9} {content}…",
                plan.display_number(item),
                pct(p.percent),
                format!("{:?}", item_schedule(&plan, item, as_of)),
            );
        }
    }
    println!(
        "\nDocument: {} bytes, {} entities, {} records",
        doc.encoded_len(),
        doc.entities.len(),
        doc.records.len()
    );
    println!("\nOverdue or at risk:");
    for d in problems(&plan, as_of) {
        let number = plan
            .item(&d.item)
            .map(|i| plan.display_number(i))
            .unwrap_or_default();
        println!("  {} {:>4} {:?} {}", d.date, number, d.schedule, d.text);
    }
}
