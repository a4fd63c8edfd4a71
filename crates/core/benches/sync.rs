//! Sync benchmarks (figures, not pass/fail): merging two replicas of 100,000 edits each,
//! one full sync round of a large plan, the document's size per item and per record, and
//! the memory a plan takes once read (counted by this binary's allocator).
//!
//! `cargo bench -p jindu-core --bench sync`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use jindu_core::doc::Doc;
use jindu_core::edit::Replica;
use jindu_core::generate::{edits, plan, Shape};
use jindu_core::hlc::Clock;
use jindu_core::sync::{Policy, Reply, Request, Step, SyncRound, SyncState};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// What reading a stored plan takes: bytes held by the document, by the plan view, and the
/// peak above what was in use before (the stored text included).
fn memory(stored: &str) -> (usize, usize, usize) {
    let before = IN_USE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let doc = jindu_core::stored::decode_snapshot(stored).unwrap();
    let with_doc = IN_USE.load(Relaxed);
    let view = jindu_core::model::Plan::from_doc(&doc);
    let with_view = IN_USE.load(Relaxed);
    let peak = PEAK.load(Relaxed) - before;
    drop((view, doc));
    (with_doc - before, with_view - with_doc, peak)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let base = plan(&Shape {
        items: 1_000,
        records_per_item: 0,
        devices: 20,
        seed: 1,
    });
    let a = edits(&base, 100_000, 20, "a", 2);
    let b = edits(&base, 100_000, 20, "b", 3);
    // Merge B into a copy of A; the copies are made before the clock starts.
    let mut copies: Vec<Doc> = (0..7).map(|_| a.clone()).collect();
    let merge = median(
        copies
            .iter_mut()
            .map(|m| {
                let t = Instant::now();
                m.merge(&b).unwrap();
                t.elapsed()
            })
            .collect(),
    );
    let clone = time(7, || a.clone());
    let contains = time(7, || copies[0].contains(&a));
    println!("merge of two replicas with 100,000 edits each (1,000 items): {} (cloning one replica, not included: {})", ms(merge), ms(clone));
    println!(
        "containment check of a merged replica against one side (the safety net): {}",
        ms(contains)
    );

    let auto = automerge_merge(100_000);
    println!(
        "automerge 0.12 merging two documents with 100,000 edits each (one change per edit, same mix): {} — ours is {:.1}x {}",
        ms(auto),
        if merge < auto { auto.as_secs_f64() / merge.as_secs_f64() } else { merge.as_secs_f64() / auto.as_secs_f64() },
        if merge < auto { "faster" } else { "slower" }
    );

    // One full round: the device holds one new record; the file holds everyone else's.
    let big = plan(&Shape {
        items: 1_000,
        records_per_item: 10,
        devices: 20,
        seed: 4,
    });
    let remote = big.to_json();
    let round = time(7, || {
        let mut r = Replica::new(big.clone(), "tablet", Clock::default());
        let record = serde_json::from_value(
            serde_json::json!({"on": "2021-07-01", "by": "甲", "item": "item-1", "pct": 50}),
        )
        .unwrap();
        r.apply(
            &jindu_core::edit::Edit::AddRecord { record },
            "甲",
            1_625_100_000_000,
        )
        .unwrap();
        let mut s = SyncState::default();
        let mut round = SyncRound::new(Policy::default(), 1);
        round.start(&r, &s);
        let step = round.on_reply(
            &mut r,
            &mut s,
            Reply::status(200, Some("\"e\""), remote.clone()),
            1_625_100_000_000,
        );
        let Step::Send(Request::Put { body, .. }) = step else {
            panic!("{step:?}")
        };
        round.on_reply(
            &mut r,
            &mut s,
            Reply::status(200, Some("\"f\""), ""),
            1_625_100_000_000,
        );
        body.len()
    });
    println!("one sync round of a 1,000-item plan with 10,000 records (edit, parse, merge, check, encode): {}", ms(round));

    for items in [100, 1_000] {
        let empty = plan(&Shape {
            items,
            records_per_item: 0,
            devices: 20,
            seed: 5,
        })
        .encoded_len();
        let full = plan(&Shape {
            items,
            records_per_item: 10,
            devices: 20,
            seed: 5,
        })
        .encoded_len();
        println!(
            "document size, {items} items: {} bytes without records ({} bytes per item); {} bytes with 10 records each ({} bytes per record)",
            empty,
            empty / items,
            full,
            (full - empty) / (items * 10)
        );
    }
    let seed = jindu_core::seed::xixing_2021();
    println!(
        "the built-in plan: {} bytes ({} entities, {} records)",
        seed.encoded_len(),
        seed.entities.len(),
        seed.records.len()
    );
    let snapshot = jindu_core::stored::encode_snapshot(&big);
    let encode = time(5, || jindu_core::stored::encode_snapshot(&big));
    let decode = time(5, || {
        jindu_core::stored::decode_snapshot(&snapshot).unwrap()
    });
    println!(
        "stored form of the 1,000-item plan: {} characters against {} for its JSON ({:.1}x fewer); writing it {}, reading it {}",
        snapshot.encode_utf16().count(),
        String::from_utf8_lossy(&remote).encode_utf16().count(),
        String::from_utf8_lossy(&remote).encode_utf16().count() as f64
            / snapshot.encode_utf16().count() as f64,
        ms(encode),
        ms(decode)
    );
    let (doc_bytes, view_bytes, peak) = memory(&snapshot);
    println!(
        "memory of the 1,000-item plan once read: document {}, plan view {}; peak while reading {} ({} bytes per item)",
        mb(doc_bytes),
        mb(view_bytes),
        mb(peak),
        peak / 1_000
    );
    let parse = time(7, || Doc::from_json(&remote).unwrap());
    println!(
        "parse of the 1,000-item plan ({} bytes): {}",
        remote.len(),
        ms(parse)
    );
}

/// The same work in automerge: a map of 1,000 items with three fields and a map of
/// records; each side makes 100,000 edits (two in three new records, the rest field
/// writes), one change each; the merge of one side into a copy of the other is timed.
fn automerge_merge(edits: usize) -> Duration {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, AutoCommit, ObjType, ROOT};
    let mut base = AutoCommit::new().with_actor(ActorId::from(b"base".as_slice()));
    let items = base.put_object(ROOT, "items", ObjType::Map).unwrap();
    let records = base.put_object(ROOT, "records", ObjType::Map).unwrap();
    let mut item_ids = Vec::new();
    for i in 0..1_000 {
        let item = base
            .put_object(&items, format!("item-{i}"), ObjType::Map)
            .unwrap();
        for f in ["content", "order", "departments"] {
            base.put(&item, f, "提升改造小区环境").unwrap();
        }
        item_ids.push(item);
    }
    base.commit();
    let mut side = |name: &str, seed: u64| {
        let mut doc = base.fork().with_actor(ActorId::from(name.as_bytes()));
        let mut rng = jindu_core::generate::Rng::new(seed);
        for n in 0..edits {
            if rng.below(3) < 2 {
                let body = format!(
                    r#"{{"on":"2021-08-01","by":"{name}","item":"item-{}","pct":{},"note":"提升改造"}}"#,
                    rng.below(1000),
                    rng.below(101)
                );
                doc.put(&records, format!("r-{name}-{n}"), body).unwrap();
            } else {
                let item = &item_ids[rng.below(1_000) as usize];
                let f = ["content", "order", "departments"][rng.below(3) as usize];
                doc.put(item, f, format!("{}", rng.below(1000))).unwrap();
            }
            doc.commit();
        }
        doc
    };
    let a = side("a", 2);
    let b = side("b", 3);
    let mut copies: Vec<(AutoCommit, AutoCommit)> =
        (0..3).map(|_| (a.clone(), b.clone())).collect();
    median(
        copies
            .iter_mut()
            .map(|(x, y)| {
                let t = Instant::now();
                x.merge(y).unwrap();
                t.elapsed()
            })
            .collect(),
    )
}
