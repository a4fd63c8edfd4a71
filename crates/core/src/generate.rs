//! A deterministic generator of plans of any size, for tests and benchmarks.
//!
//! Proportions follow the Xixing plan: per item about one target (every third with two
//! stages), two milestones, two sites drawn from a shared pool, three work packages, and
//! as many records as asked, written by a rotating set of devices. Writes go straight to
//! the document (no per-edit validation), so that plans with tens of thousands of edits
//! build in moments; the result still reads as a valid plan.

use serde_json::{json, Value};

use crate::doc::{intern, Doc, RecordVersion, Signer, Written};
use crate::edit::base36;
use crate::hlc::stamp;

/// 2021-01-01T00:00:00+08:00.
const START_MS: u64 = 1_609_430_400_000;

/// A small seeded generator (xorshift64*), so every run builds the same plan.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

const WORDS: [&str; 16] = [
    "提升",
    "改造",
    "小区",
    "环境",
    "道路",
    "绿化",
    "设施",
    "维护",
    "社区",
    "服务",
    "建设",
    "完成",
    "推进",
    "安装",
    "充电桩",
    "电梯",
];

fn phrase(rng: &mut Rng, words: usize) -> String {
    (0..words).map(|_| WORDS[rng.below(16) as usize]).collect()
}

/// Writes a whole entity with one stamp.
fn put(doc: &mut Doc, id: &str, device: &str, s: u64, fields: Value) {
    let Value::Object(fields) = fields else {
        return;
    };
    let entity = doc.entities.entry(id.to_owned()).or_default();
    for (k, v) in fields {
        entity.entry(&k).or_default().write(Written {
            stamp: s,
            device: intern(device),
            author: intern(""),
            signer: Signer::none(),
            value: v,
        });
    }
}

/// Writes the plan's own entity and its categories (one for every three items, 1 to 12);
/// returns how many categories there are.
fn plan_and_categories(
    doc: &mut Doc,
    rng: &mut Rng,
    items: usize,
    tick: &mut impl FnMut() -> u64,
    numbered: fn(usize) -> bool,
) -> usize {
    let office = "office";
    put(
        doc,
        "plan",
        office,
        tick(),
        json!({"title": "生成的计划", "year": 2021, "start": "2021-01-01", "end": "2021-12-31"}),
    );
    let categories = items.div_ceil(3).clamp(1, 12);
    for c in 0..categories {
        let s = tick();
        put(
            doc,
            &format!("cat-{c}"),
            office,
            s,
            json!({"name": format!("推进{}建设", phrase(rng, 2)), "order": c, "numbered": numbered(c)}),
        );
    }
    categories
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Shape {
    pub items: usize,
    pub records_per_item: usize,
    pub devices: usize,
    pub seed: u64,
}

/// A plan of `shape.items` items with their targets, stages, milestones, sites, packages
/// and records.
pub fn plan(shape: &Shape) -> Doc {
    let mut rng = Rng::new(shape.seed);
    let mut doc = Doc::new("generated");
    let mut counter: u64 = 0;
    let mut tick = |ms: u64| {
        counter += 1;
        stamp(ms, 0) + counter
    };
    let office = "office";
    let categories = plan_and_categories(
        &mut doc,
        &mut rng,
        shape.items,
        &mut || tick(START_MS),
        |c| c % 2 == 0,
    );
    let site_pool = (shape.items * 2 / 3).max(4);
    for s in 0..site_pool {
        let st = tick(START_MS);
        put(
            &mut doc,
            &format!("site-{s}"),
            office,
            st,
            json!({"name": format!("{}苑{s}", phrase(&mut rng, 1)), "aliases": []}),
        );
    }
    for i in 0..shape.items {
        let item = format!("item-{i}");
        let month = 1 + rng.below(12);
        let st = tick(START_MS);
        put(
            &mut doc,
            &item,
            office,
            st,
            json!({"category": format!("cat-{}", i % categories), "order": i,
                   "content": format!("{},计划{month}月底前完成;", phrase(&mut rng, 12)),
                   "departments": ["区域发展办", "相关社区"],
                   "deadline": {"text": format!("计划{month}月底前完成"), "date": format!("2021-{month:02}-28"), "precision": "month"}}),
        );
        let target = format!("tgt-{i}");
        let qty = 1 + rng.below(300);
        put(
            &mut doc,
            &target,
            office,
            tick(START_MS),
            json!({"item": item, "order": 0, "name": phrase(&mut rng, 2), "quantity": qty, "unit": "台", "text": format!("{}{qty}台", phrase(&mut rng, 2))}),
        );
        if i % 3 == 0 {
            put(
                &mut doc,
                &format!("stg-{i}-0"),
                office,
                tick(START_MS),
                json!({"target": target, "order": 0, "name": "新开", "completes": false}),
            );
            put(
                &mut doc,
                &format!("stg-{i}-1"),
                office,
                tick(START_MS),
                json!({"target": target, "order": 1, "name": "完成", "completes": true}),
            );
        }
        for m in 0..2 {
            let mm = 1 + rng.below(12);
            put(
                &mut doc,
                &format!("ms-{i}-{m}"),
                office,
                tick(START_MS),
                json!({"item": item, "order": m, "text": format!("{mm}月{}", phrase(&mut rng, 4)), "due": {"text": format!("{mm}月"), "date": format!("2021-{mm:02}-28"), "precision": "month"}}),
            );
        }
        for k in 0..2 {
            let site = format!("site-{}", rng.below(site_pool as u64));
            put(
                &mut doc,
                &format!("loc-{i}-{k}"),
                office,
                tick(START_MS),
                json!({"item": item, "site": site, "order": k}),
            );
            if k == 0 {
                for p in 0..3 {
                    put(
                        &mut doc,
                        &format!("wp-{i}-{p}"),
                        office,
                        tick(START_MS),
                        json!({"item": item, "site": site, "order": p, "label": format!("({})", p + 1), "name": phrase(&mut rng, 3)}),
                    );
                }
            }
        }
        for n in 0..shape.records_per_item {
            let device = format!("dev{:02}", (i + n) % shape.devices.max(1));
            let day = 1 + rng.below(180);
            let ms = START_MS + day * 86_400_000 + rng.below(86_400_000);
            let s = tick(ms);
            let body = json!({"on": format!("2021-{:02}-{:02}", 1 + (day / 31).min(11), 1 + day % 28), "by": format!("检查员{}", (i + n) % 7),
                              "item": item, "pct": rng.below(101), "note": phrase(&mut rng, 6)});
            doc.records.insert(
                format!("r-{device}-{}", base36(s)),
                vec![RecordVersion {
                    stamp: s,
                    device: intern(&device),
                    signer: Signer::none(),
                    body: crate::doc::Body::new(&body),
                }],
            );
        }
    }
    doc
}

/// A plan of `items` items with only what an items list shows: categories, items and
/// one target each (for list benchmarks at sizes whose full plan would not fit in a
/// browser's storage).
pub fn item_list(items: usize, seed: u64) -> Doc {
    let mut rng = Rng::new(seed);
    let mut doc = Doc::new("generated");
    let office = "office";
    let mut counter: u64 = 0;
    let mut tick = || {
        counter += 1;
        stamp(START_MS, 0) + counter
    };
    let categories = plan_and_categories(&mut doc, &mut rng, items, &mut tick, |_| true);
    for i in 0..items {
        let month = 1 + rng.below(12);
        put(
            &mut doc,
            &format!("item-{i}"),
            office,
            tick(),
            json!({"category": format!("cat-{}", i % categories), "order": i,
                   "content": format!("{},计划{month}月底前完成;", phrase(&mut rng, 8)),
                   "departments": ["区域发展办"]}),
        );
        let qty = 1 + rng.below(300);
        put(
            &mut doc,
            &format!("tgt-{i}"),
            office,
            tick(),
            json!({"item": format!("item-{i}"), "order": 0, "name": "完成", "quantity": qty, "unit": "台", "text": format!("完成{qty}台")}),
        );
    }
    doc
}

/// Applies `edits` random edits from `devices` devices to a copy of `base`: two in three
/// are new records, the rest field writes on existing items. Each device's stamps run
/// forward; devices are named with `prefix` so two calls make disjoint edits.
pub fn edits(base: &Doc, edits: usize, devices: usize, prefix: &str, seed: u64) -> Doc {
    let mut rng = Rng::new(seed);
    let mut doc = base.clone();
    let items: Vec<String> = doc
        .entities
        .keys()
        .filter(|k| k.starts_with("item-"))
        .cloned()
        .collect();
    let fields = ["content", "order", "departments"];
    for n in 0..edits {
        let device = format!("{prefix}{:02}", n % devices.max(1));
        let s = stamp(START_MS + 200 * 86_400_000 + n as u64, (n % 1000) as u16);
        let item = &items[rng.below(items.len() as u64) as usize];
        if rng.below(3) < 2 {
            let body = json!({"on": "2021-08-01", "by": device, "item": item, "pct": rng.below(101), "note": phrase(&mut rng, 4)});
            doc.records.insert(
                format!("r-{device}-{}", base36(s)),
                vec![RecordVersion {
                    stamp: s,
                    device: intern(&device),
                    signer: Signer::none(),
                    body: crate::doc::Body::new(&body),
                }],
            );
        } else {
            let f = fields[rng.below(3) as usize];
            let v = match f {
                "content" => json!(phrase(&mut rng, 10)),
                "order" => json!(rng.below(1000)),
                _ => json!([phrase(&mut rng, 2)]),
            };
            doc.entities
                .entry(item.clone())
                .or_default()
                .entry(f)
                .or_default()
                .write(Written {
                    stamp: s,
                    device: intern(&device),
                    author: intern(""),
                    signer: Signer::none(),
                    value: v,
                });
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Plan;

    #[test]
    fn generated_plans_are_deterministic_and_read_as_plans() {
        let shape = Shape {
            items: 50,
            records_per_item: 10,
            devices: 20,
            seed: 1,
        };
        let a = plan(&shape);
        assert_eq!(a.to_json(), plan(&shape).to_json());
        let p = Plan::from_doc(&a);
        assert!(p.unreadable.is_empty(), "{:?}", p.unreadable.first());
        assert_eq!(p.items.len(), 50);
        assert_eq!(p.records.len(), 500);
        let more = edits(&a, 300, 20, "x", 2);
        assert!(more.contains(&a));
        assert!(Plan::from_doc(&more).unreadable.is_empty());
    }
}
