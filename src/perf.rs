//! User Timing measures of the app's own steps (`jindu:mount`, the whole start, with
//! `jindu:load-plan` and its parts `jindu:read-stored` and `jindu:decode`,
//! `jindu:plan-view` and `jindu:overview`; `jindu:store`, `jindu:edit`), read by the
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
