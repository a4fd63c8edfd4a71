use jindu_core::generate::{plan, Shape};
use jindu_core::model::Plan;
use jindu_core::progress::*;
use std::time::Instant;
fn main() {
    let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let doc = plan(&Shape {
        items: n,
        records_per_item: 10,
        devices: 20,
        seed: 7,
    });
    let json = doc.to_json();
    let t = Instant::now();
    let doc = jindu_core::doc::Doc::from_json(&json).unwrap();
    println!("parse {:?}", t.elapsed());
    let t = Instant::now();
    let p = Plan::from_doc(&doc);
    println!("from_doc {:?}", t.elapsed());
    let d = chrono::NaiveDate::from_ymd_opt(2021, 6, 30).unwrap();
    let t = Instant::now();
    let _ = plan_progress(&p, d);
    println!("plan_progress {:?}", t.elapsed());
    let t = Instant::now();
    for i in &p.items {
        let _ = item_schedule(&p, i, d);
    }
    println!("schedules {:?}", t.elapsed());
    let t = Instant::now();
    for c in &p.categories {
        let _ = category_progress(&p, &c.id, d);
    }
    println!("categories {:?}", t.elapsed());
    let t = Instant::now();
    let _ = problems(&p, d);
    println!("problems {:?}", t.elapsed());
    let t = Instant::now();
    let _ = jindu_core::edit::Replica::new(doc.clone(), "x", Default::default());
    println!("replica {:?}", t.elapsed());
}
