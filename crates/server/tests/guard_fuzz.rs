//! A structure-aware fuzz test of the plan guard, through the real router (`oneshot`,
//! no socket) over a directory store in a temporary directory.
//!
//! Thousands of mutations of a small plan document are PUT with the current `If-Match`:
//! keys dropped or unknown ones added, values of the wrong type, extreme numbers, deep
//! nesting, truncation, invalid UTF-8, keys and elements duplicated, and content changed
//! under an existing stamp. Honest edits are mixed in so the stored file keeps changing.
//! The server never answers 5xx and never panics; a refusal leaves the file as it was;
//! an accepted write keeps every version and value the stored file held, with its
//! content unchanged; and a well-formed rewrite of stored content is always refused.
//! `JINDU_FUZZ_CASES` overrides the number of mutated documents (3,000); a failing run
//! prints its seed, which `JINDU_FUZZ_SEED` replays.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{temp_dir, Rng};
use http_body_util::BodyExt;
use jindu_core::doc::Doc;
use jindu_core::edit::{Edit, Replica};
use jindu_core::hlc::{stamp, Clock};
use jindu_server::store::{FilePath, FsStore, SharedFs, Store};
use jindu_server::{app, AppState, Config, DEFAULT_MAX_BODY};
use serde_json::{json, Map, Value};
use tower::ServiceExt;

const PATH: &str = "plans/fuzz-1.json";
const T0: u64 = 1_625_000_000_000;

fn fields(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("fields are an object"),
    }
}

fn record(item: &str, pct: u32) -> jindu_core::model::Record {
    serde_json::from_value(json!({"on": "2021-07-01", "by": "甲", "item": item, "pct": pct}))
        .expect("a valid record")
}

/// A small plan with what the guard must protect: fields written several times (with a
/// history), a conflict, records with corrections and a tombstone.
fn small_plan() -> Doc {
    let mut a = Replica::new(Doc::new("fuzz-1"), "office", Clock::default());
    let set = |r: &mut Replica, entity: &str, f: Value, t: u64| {
        r.apply(
            &Edit::Set {
                entity: entity.into(),
                fields: fields(f),
            },
            "甲",
            t,
        )
        .expect("a valid edit");
    };
    set(
        &mut a,
        "plan",
        json!({"title": "试", "year": 2021, "start": "2021-01-01", "end": "2021-12-31"}),
        T0,
    );
    set(&mut a, "cat-1", json!({"name": "c", "order": 1}), T0);
    for i in 0..3 {
        set(
            &mut a,
            &format!("item-{i}"),
            json!({"category": "cat-1", "order": i, "content": "x"}),
            T0 + 1,
        );
    }
    for n in 0..5 {
        set(
            &mut a,
            "item-0",
            json!({"content": format!("v{n}")}),
            T0 + 10 + n,
        );
    }
    let mut b = Replica::new(a.doc.clone(), "tab-b", Clock::default());
    set(&mut a, "item-1", json!({"content": "from a"}), T0 + 20);
    set(&mut b, "item-1", json!({"content": "from b"}), T0 + 21);
    let mut ids = Vec::new();
    for (i, pct) in [10, 40, 70].into_iter().enumerate() {
        let item = format!("item-{i}");
        let applied = b
            .apply(
                &Edit::AddRecord {
                    record: record(&item, pct),
                },
                "乙",
                T0 + 30,
            )
            .expect("a valid record");
        ids.push(applied.id);
    }
    b.apply(
        &Edit::CorrectRecord {
            id: ids[0].clone(),
            record: record("item-0", 15),
        },
        "乙",
        T0 + 40,
    )
    .expect("a valid correction");
    b.apply(&Edit::DeleteRecord { id: ids[1].clone() }, "乙", T0 + 41)
        .expect("a valid deletion");
    a.merge_remote(&b.doc, T0 + 50).expect("same plan");
    a.doc
}

/// Every write a document holds, by identity, with its content as canonical text.
fn identities(doc: &Doc) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (id, versions) in &doc.records {
        for v in versions {
            out.push((
                format!("record {id} {}/{}", v.stamp, v.device),
                v.body.json().to_owned(),
            ));
        }
    }
    for (id, fields) in &doc.entities {
        for (name, reg) in fields {
            for w in reg.values().iter().chain(&reg.history()) {
                out.push((
                    format!("field {id}.{name} {}/{}", w.stamp, w.device),
                    serde_json::to_string(w).expect("plain data"),
                ));
            }
        }
    }
    out
}

/// After an accepted write: every record version the old file held is in the new one
/// with the same content, and every field value the old file held is either in the new
/// register with the same content or was replaced by a later write (the history keeps
/// only the newest).
fn assert_kept(old: &Doc, new: &Doc, case: &str) {
    let held: std::collections::HashMap<String, String> = identities(new).into_iter().collect();
    for (id, versions) in &old.records {
        for v in versions {
            let key = format!("record {id} {}/{}", v.stamp, v.device);
            assert_eq!(
                held.get(&key).map(String::as_str),
                Some(v.body.json()),
                "{case}: {key} lost or rewritten"
            );
        }
    }
    for (id, fields) in &old.entities {
        for (name, reg) in fields {
            let mine = new
                .register(id, name)
                .unwrap_or_else(|| panic!("{case}: field {id}.{name} lost"));
            for w in reg.values().iter().chain(&reg.history()) {
                let key = format!("field {id}.{name} {}/{}", w.stamp, w.device);
                assert!(mine.has_seen(w.stamp, &w.device), "{case}: {key} lost");
                if let Some(content) = held.get(&key) {
                    let was: String = serde_json::to_string(w).expect("plain data");
                    assert_eq!(content, &was, "{case}: {key} rewritten");
                }
            }
        }
    }
}

/// The nodes of a JSON value in pre-order, as paths of keys and indexes.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    At(usize),
}

fn paths(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                here.push(Step::Key(k.clone()));
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(Step::At(i));
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::At(i) => &mut v[*i],
    })
}

fn at_ref<'a>(v: &'a Value, path: &[Step]) -> &'a Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &v[k.as_str()],
        Step::At(i) => &v[*i],
    })
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len() as u64) as usize]
}

fn odd_value(rng: &mut Rng) -> Value {
    let deep = |n: usize| (0..n).fold(json!(1), |v, _| json!([v]));
    match rng.below(16) {
        0 => json!(null),
        1 => json!(true),
        2 => json!(u64::MAX),
        3 => json!(i64::MIN),
        4 => json!(-1),
        5 => json!(0),
        6 => json!(1e308),
        7 => json!(-0.0),
        8 => json!(""),
        9 => json!("白鹤苑 \u{0} \u{202e} 🏗"),
        10 => json!([]),
        11 => json!({}),
        12 => deep(20 + rng.below(200) as usize),
        13 => json!({"s": 1, "d": "x", "v": 1}),
        14 => json!("x".repeat(rng.below(5000) as usize)),
        _ => json!(rng.below(1 << 20)),
    }
}

/// One structural change of a document as JSON, at a node it applies to.
fn mutate_value(doc: &mut Value, rng: &mut Rng) {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let kind = rng.below(6);
    let fits = |v: &Value| match kind {
        0 | 4 => v.is_object(),
        3 => v.as_array().is_some_and(|a| !a.is_empty()),
        5 => v.get("s").is_some(),
        _ => true,
    };
    let spots: Vec<&Vec<Step>> = all.iter().filter(|p| fits(at_ref(doc, p))).collect();
    if spots.is_empty() {
        return;
    }
    let path = (*pick(rng, &spots)).clone();
    let node = at(doc, &path);
    match kind {
        // A field dropped.
        0 => {
            if let Value::Object(m) = node {
                if let Some(k) = m
                    .keys()
                    .nth(rng.below(m.len().max(1) as u64) as usize)
                    .cloned()
                {
                    m.remove(&k);
                }
            }
        }
        // A value of the wrong type, an extreme number, deep nesting.
        1 | 2 => *node = odd_value(rng),
        // An element duplicated (sometimes altered).
        3 => {
            if let Value::Array(a) = node {
                let mut x = a[rng.below(a.len() as u64) as usize].clone();
                if rng.below(2) == 0 {
                    if let Value::Object(o) = &mut x {
                        let key = if o.contains_key("v") { "v" } else { "r" };
                        if let Some(v) = o.get_mut(key) {
                            *v = odd_value(rng);
                        }
                    }
                }
                let i = rng.below(a.len() as u64 + 1) as usize;
                a.insert(i, x);
            }
        }
        // An unknown key.
        4 => {
            if let Value::Object(m) = node {
                m.insert(format!("zz{}", rng.below(3)), odd_value(rng));
            }
        }
        // A stamp moved.
        _ => {
            if let Some(s) = node.get_mut("s") {
                *s = match rng.below(3) {
                    0 => json!(s.as_u64().unwrap_or(0).wrapping_add(1)),
                    1 => json!(s.as_u64().unwrap_or(0).saturating_sub(1)),
                    _ => odd_value(rng),
                };
            }
        }
    }
}

/// The document's text with one object's entry written twice (sometimes with another
/// value): serde_json never writes that, but a hand-made file can.
fn with_duplicate_key(doc: &Value, rng: &mut Rng) -> Vec<u8> {
    fn count(v: &Value) -> usize {
        match v {
            Value::Object(m) => 1 + m.values().map(count).sum::<usize>(),
            Value::Array(a) => a.iter().map(count).sum(),
            _ => 0,
        }
    }
    fn write(v: &Value, target: &mut i64, twice: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let me = *target == 0;
                *target -= 1;
                out.push('{');
                let mut first = true;
                for (k, x) in m {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push_str(&serde_json::to_string(k).expect("a string"));
                    out.push(':');
                    write(x, target, twice, out);
                }
                if me {
                    if let Some((k, x)) = m.iter().next() {
                        if !first {
                            out.push(',');
                        }
                        out.push_str(&serde_json::to_string(k).expect("a string"));
                        out.push(':');
                        let again = if twice.is_null() { x } else { twice };
                        out.push_str(&serde_json::to_string(again).expect("plain data"));
                    }
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(x, target, twice, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut target = rng.below(count(doc).max(1) as u64) as i64;
    let twice = if rng.below(2) == 0 {
        Value::Null
    } else {
        odd_value(rng)
    };
    let mut out = String::new();
    write(doc, &mut target, &twice, &mut out);
    out.into_bytes()
}

/// The document with the content under one existing identity changed: a record
/// version's body (a record, correction or tombstone), or a field value or history
/// entry (its value or its author). Still well formed, so only the rewrite rule can
/// refuse it.
fn rewritten(doc: &Doc, rng: &mut Rng) -> Option<Vec<u8>> {
    let mut v = serde_json::to_value(doc).expect("plain data");
    let mut spots: Vec<Vec<Step>> = Vec::new();
    let mut all = Vec::new();
    paths(&v, &mut Vec::new(), &mut all);
    for p in all {
        let n = p.len();
        let is = |i: usize, k: &str| matches!(p.get(i), Some(Step::Key(x)) if x == k);
        let record_body = n == 4 && is(0, "records") && is(3, "r");
        let field_value =
            n == 6 && is(0, "entities") && (is(3, "v") || is(3, "h")) && (is(5, "v") || is(5, "a"));
        if record_body || field_value {
            spots.push(p);
        }
    }
    let spot = pick(rng, &spots).clone();
    let node = at(&mut v, &spot);
    let new = match (&*node, rng.below(3)) {
        (Value::Null, _) => json!({"on": "2021-07-02", "by": "x", "item": "item-0", "pct": 99}),
        (_, 0) => Value::Null,
        (Value::String(s), _) => json!(format!("{s}!")),
        (Value::Object(o), _) => {
            let mut o = o.clone();
            o.insert("pct".into(), json!(100));
            o.insert("note".into(), json!("rewritten"));
            Value::Object(o)
        }
        (other, _) => json!([other.clone()]),
    };
    if *node == new {
        return None;
    }
    // An author must stay a string; an absent author is empty.
    let is_author = matches!(spot.last(), Some(Step::Key(k)) if k == "a");
    *node = if is_author {
        json!("someone else")
    } else {
        new
    };
    Some(serde_json::to_vec(&v).expect("plain data"))
}

struct Harness {
    router: axum::Router,
    store: SharedFs,
    path: FilePath,
}

impl Harness {
    async fn put(&self, body: Vec<u8>, etag: &str) -> StatusCode {
        let req = Request::put(format!("/files/{PATH}"))
            .header("If-Match", etag)
            .body(Body::from(body))
            .expect("a valid request");
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let _ = res.into_body().collect().await;
        status
    }

    async fn stored(&self) -> (Vec<u8>, String) {
        let s = self
            .store
            .get(&self.path)
            .await
            .unwrap()
            .expect("the file exists");
        (s.body, s.etag)
    }
}

#[tokio::test]
async fn the_guard_survives_thousands_of_mutated_plans_and_never_loses_or_rewrites() {
    let cases: u64 = std::env::var("JINDU_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000);
    let seed: u64 = std::env::var("JINDU_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026);
    let dir = temp_dir("guard-fuzz");
    let store = SharedFs(Arc::new(FsStore::open(&dir, 3).expect("a data directory")));
    let config = Config {
        max_body: DEFAULT_MAX_BODY,
        ..Config::default()
    };
    let h = Harness {
        router: app(AppState::new(Arc::new(store.clone()), config)),
        store,
        path: FilePath::parse(PATH).expect("a valid path"),
    };
    let req = Request::put(format!("/files/{PATH}"))
        .header("If-None-Match", "*")
        .body(Body::from(small_plan().to_json()))
        .expect("a valid request");
    let res = h.router.clone().oneshot(req).await.expect("infallible");
    assert_eq!(res.status(), StatusCode::CREATED);

    let mut rng = Rng(seed);
    let mut tally = std::collections::BTreeMap::<(&str, u16), u32>::new();
    let started = std::time::Instant::now();
    for case in 0..cases {
        let (before, etag) = h.stored().await;
        let old = Doc::from_json(&before).expect("the stored file always reads");
        let mut value: Value = serde_json::from_slice(&before).expect("JSON");
        let (kind, body): (&str, Vec<u8>) = match rng.below(20) {
            0..=2 => {
                // An honest edit, to keep the stored file changing.
                if old.max_stamp() > stamp(T0 + 1_000_000_000, 0) {
                    continue;
                }
                let device = *pick(&mut rng, &["office", "tab-b", "tab-c"]);
                let mut r = Replica::new(old.clone(), device, Clock::default());
                let item = format!("item-{}", rng.below(3));
                let edit = match rng.below(3) {
                    0 => Edit::AddRecord {
                        record: record(&item, rng.below(101) as u32),
                    },
                    _ => Edit::Set {
                        entity: item,
                        fields: fields(json!({"content": format!("c{case}")})),
                    },
                };
                // A document the mutations left valid for the wire but not for the model
                // takes no honest edit; the guard's job is the wire.
                if r.apply(&edit, "丙", T0 + 100 + case).is_err() {
                    continue;
                }
                ("honest", r.doc.to_json())
            }
            3..=6 => match rewritten(&old, &mut rng) {
                Some(body) => ("rewrite", body),
                None => continue,
            },
            7..=12 => {
                let unchanged = value.clone();
                for _ in 0..=rng.below(3) {
                    mutate_value(&mut value, &mut rng);
                }
                if value == unchanged {
                    continue;
                }
                ("structure", serde_json::to_vec(&value).expect("plain data"))
            }
            13..=14 => ("duplicate key", with_duplicate_key(&value, &mut rng)),
            15..=16 => {
                let cut = rng.below(before.len() as u64) as usize;
                ("truncated", before[..cut].to_vec())
            }
            17 => {
                let mut b = before.clone();
                let i = rng.below(b.len() as u64) as usize;
                b.splice(
                    i..i,
                    [0xff, 0xc3, 0x28][..1 + rng.below(3) as usize]
                        .iter()
                        .copied(),
                );
                ("invalid UTF-8", b)
            }
            _ => {
                let n = 130 + rng.below(2_000) as usize;
                let mut b = b"[".repeat(n);
                b.extend(std::iter::repeat_n(b']', rng.below(n as u64) as usize));
                ("deep nesting", b)
            }
        };
        let status = h.put(body, &etag).await;
        let why = format!("case {case} ({kind}, seed {seed})");
        assert!(!status.is_server_error(), "{why}: {status}");
        *tally.entry((kind, status.as_u16())).or_default() += 1;
        let (after, _) = h.stored().await;
        match status {
            StatusCode::OK => {
                assert_ne!(kind, "rewrite", "{why}: a rewrite was stored");
                let new = Doc::from_json(&after).expect("an accepted file reads");
                assert_kept(&old, &new, &why);
            }
            StatusCode::CONFLICT => assert_eq!(after, before, "{why}: a refusal changed the file"),
            other => panic!("{why}: unexpected {other}"),
        }
        if kind == "honest" {
            assert_eq!(status, StatusCode::OK, "{why}: an honest edit was refused");
        }
    }
    eprintln!(
        "{cases} mutated plans in {:.1} s: {tally:?}",
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
