//! User Timing measures of the app's own steps (`jindu:mount`, the whole start, with
//! `jindu:load-plan` and its parts `jindu:read-stored` and `jindu:decode`,
//! `jindu:plan-view` and `jindu:overview`; `jindu:store`, `jindu:edit`; of a sync round
//! in the worker, `jindu:sync-load` (the whole replica's binary form, when the worker
//! needs it), `jindu:sync-request` (the round's message), `jindu:sync-finish` and
//! `jindu:sync-absorb` (reconciling its end with the live replica)), read by the
//! browser benchmarks and visible in any browser's performance panel. Without a
//! `performance` object, the work just runs.

/// Runs `f` and records its duration as a measure named `name`.
pub fn span<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let perf = web_sys::window().and_then(|w| w.performance());
    let Some(perf) = perf else { return f() };
    let start = format!("{name}:start");
    let _ = perf.mark(&start);
    let out = f();
    let _ = perf.measure_with_start_mark(name, &start);
    perf.clear_marks_with_mark_name(&start);
    out
}

/// Adds `value` to the list `globalThis.__jinduCounts[name]` (bytes posted to a worker,
/// say), read by the browser benchmarks and tests.
pub fn count(name: &str, value: f64) {
    use js_sys::{Array, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let global = js_sys::global();
    let key = JsValue::from_str("__jinduCounts");
    let counts = match Reflect::get(&global, &key) {
        Ok(c) if c.is_object() => c,
        _ => {
            let c: JsValue = Object::new().into();
            let _ = Reflect::set(&global, &key, &c);
            c
        }
    };
    let name = JsValue::from_str(name);
    let list = match Reflect::get(&counts, &name) {
        Ok(l) if Array::is_array(&l) => l.unchecked_into::<Array>(),
        _ => {
            let l = Array::new();
            let _ = Reflect::set(&counts, &name, &l);
            l
        }
    };
    list.push(&JsValue::from_f64(value));
}
