//! Plan editing for the office: one editor for every kind of entity, and the list of
//! open conflicts with a button to keep each value.
//!
//! Inputs are uncontrolled (their value is set once, never re-rendered), so a Chinese
//! input method's composition is never interrupted.

use std::collections::BTreeMap;

use jindu_core::edit::Edit;
use jindu_core::model::{winners, DateSpec, Kind, Precision};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::{json, Map, Value};

use crate::i18n::Texts;
use crate::state::AppState;

#[derive(Clone, Copy, PartialEq)]
enum FieldType {
    Text,
    LongText,
    Number,
    /// A number that may be left empty (unset), such as a site's coordinates.
    OptNumber,
    Bool,
    List,
    Date,
    Ref(Kind),
    Measure,
}

type Label = fn(&Texts) -> &'static str;

fn schema(kind: Kind) -> Vec<(&'static str, FieldType, Label)> {
    use FieldType::*;
    match kind {
        Kind::Plan => vec![("title", Text, |t| t.plan_title)],
        Kind::Category => vec![
            ("name", Text, |t| t.name),
            ("order", Number, |t| t.order),
            ("numbered", Bool, |t| t.numbered),
        ],
        Kind::Item => vec![
            ("category", Ref(Kind::Category), |t| t.category),
            ("content", LongText, |t| t.content),
            ("departments", List, |t| t.department),
            ("deadline", Date, |t| t.deadline),
            ("order", Number, |t| t.order),
        ],
        Kind::Target => vec![
            ("name", Text, |t| t.name),
            ("quantity", Number, |t| t.quantity),
            ("unit", Text, |t| t.unit),
            ("text", LongText, |t| t.text),
            ("deadline", Date, |t| t.deadline),
            ("order", Number, |t| t.order),
        ],
        Kind::Stage => vec![
            ("name", Text, |t| t.name),
            ("completes", Bool, |t| t.completes),
            ("order", Number, |t| t.order),
        ],
        Kind::Milestone => vec![
            ("text", LongText, |t| t.text),
            ("due", Date, |t| t.due),
            ("revised", Date, |t| t.revised),
            ("order", Number, |t| t.order),
        ],
        Kind::Site => vec![
            ("name", Text, |t| t.name),
            ("aliases", List, |t| t.aliases),
            ("lat", OptNumber, |t| t.latitude),
            ("lon", OptNumber, |t| t.longitude),
        ],
        Kind::ItemSite => vec![
            ("site", Ref(Kind::Site), |t| t.site),
            ("deadline", Date, |t| t.deadline),
            ("order", Number, |t| t.order),
        ],
        Kind::Package => vec![
            ("label", Text, |t| t.label),
            ("name", Text, |t| t.name),
            ("measure", Measure, |t| t.status),
            ("order", Number, |t| t.order),
        ],
        // Edited on the report page, not in the plan's editor.
        Kind::CellEdit | Kind::Review | Kind::Issue => vec![],
    }
}

/// A link to the editor of an entity.
#[component]
pub fn EditButton(entity: String) -> impl IntoView {
    let state = AppState::expect();
    view! {
        <A href=format!("/edit/{entity}") attr:class="button" attr:data-testid="edit-button">{move || state.t().edit}</A>
    }
}

/// A link to the editor of a new entity of a kind, under a parent.
#[component]
pub fn AddButton(kind: Kind, parent: Option<String>, label: Label) -> impl IntoView {
    let state = AppState::expect();
    let mut href = format!("/edit/new?kind={}", kind.prefix());
    if let Some(p) = parent {
        href.push_str(&format!("&parent={}", js_sys::encode_uri_component(&p)));
    }
    view! { <A href=href attr:class="button">{move || label(state.t())}</A> }
}

fn value_to_text(v: Option<&Value>, ty: FieldType) -> (String, String) {
    match (ty, v) {
        (_, None) | (_, Some(Value::Null)) => (String::new(), String::new()),
        (FieldType::List, Some(Value::Array(a))) => (
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("、"),
            String::new(),
        ),
        (FieldType::Date, Some(v)) => {
            let d: Option<DateSpec> = serde_json::from_value(v.clone()).ok();
            d.map(|d| (d.date.to_string(), d.text)).unwrap_or_default()
        }
        (_, Some(Value::String(s))) => (s.clone(), String::new()),
        (_, Some(Value::Bool(b))) => (b.to_string(), String::new()),
        (_, Some(v)) => (v.to_string(), String::new()),
    }
}

fn parse_field(ty: FieldType, text: &str, extra: &str, field: &str) -> Result<Value, String> {
    let text = text.trim();
    Ok(match ty {
        FieldType::Text | FieldType::LongText | FieldType::Ref(_) => json!(text),
        FieldType::Measure => json!(if text == "status" {
            "status"
        } else {
            "percent"
        }),
        FieldType::Number => {
            if text.is_empty() {
                json!(0)
            } else {
                let n: f64 = text.parse().map_err(|_| format!("{field}: '{text}'"))?;
                json!(n)
            }
        }
        FieldType::OptNumber => {
            if text.is_empty() {
                Value::Null
            } else {
                let n: f64 = text.parse().map_err(|_| format!("{field}: '{text}'"))?;
                json!(n)
            }
        }
        FieldType::Bool => json!(text == "true"),
        FieldType::List => json!(text
            .split([',', '，', '、'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()),
        FieldType::Date => {
            if text.is_empty() {
                Value::Null
            } else {
                let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| format!("{field}: '{text}'"))?;
                json!(DateSpec {
                    text: extra.trim().to_owned(),
                    date,
                    precision: Precision::Day
                })
            }
        }
    })
}

#[component]
pub fn EditorPage() -> impl IntoView {
    let state = AppState::expect();
    let params = use_params_map();
    let query = use_query_map();
    let target = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let (kind, parent) = query.with_untracked(|q| {
        (
            q.get("kind").unwrap_or_default(),
            q.get("parent").unwrap_or_default(),
        )
    });
    let is_new = target == "new";
    let kind = if is_new {
        Kind::ALL
            .into_iter()
            .find(|k| !k.is_report() && k.prefix() == kind)
    } else {
        Kind::of_id(&target).filter(|k| !k.is_report())
    };
    let Some(kind) = kind else {
        return view! { <section class="page"><h1>{move || state.t().not_found}</h1></section> }
            .into_any();
    };
    let entity = if is_new {
        state.new_id(kind)
    } else {
        target.clone()
    };
    let current = state.with_doc_untracked(|doc| winners(doc, &entity));
    // Field values as typed, by field name; "name.text" holds a date's wording.
    let values: RwSignal<BTreeMap<String, String>> = RwSignal::new(
        schema(kind)
            .into_iter()
            .flat_map(|(f, ty, _)| {
                let (v, extra) = value_to_text(current.get(f), ty);
                [(f.to_string(), v), (format!("{f}.text"), extra)]
            })
            .collect(),
    );
    let error: RwSignal<Option<(Option<String>, String)>> = RwSignal::new(None);
    // Only the fields the user touched are written: rewriting the others would stamp
    // values nobody changed and turn other devices' edits into conflicts.
    let dirty: RwSignal<std::collections::BTreeSet<String>> = RwSignal::new(Default::default());
    let parent_fields = {
        let mut m = Map::new();
        if is_new {
            match kind {
                Kind::Target | Kind::Milestone | Kind::ItemSite => {
                    m.insert("item".into(), json!(parent));
                }
                Kind::Stage => {
                    m.insert("target".into(), json!(parent));
                }
                Kind::Package => {
                    if let Some((i, s)) = parent.split_once('|') {
                        m.insert("item".into(), json!(i));
                        m.insert("site".into(), json!(s));
                    }
                }
                _ => {}
            }
        }
        m
    };
    let save = {
        let entity = entity.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut fields = parent_fields.clone();
            let vals = values.get_untracked();
            let touched = dirty.get_untracked();
            for (f, ty, _) in schema(kind) {
                if !is_new && !touched.contains(f) {
                    continue;
                }
                let text = vals.get(f).cloned().unwrap_or_default();
                let extra = vals.get(&format!("{f}.text")).cloned().unwrap_or_default();
                match parse_field(ty, &text, &extra, f) {
                    Ok(v) => {
                        if is_new || current.get(f) != Some(&v) {
                            fields.insert(f.to_owned(), v);
                        }
                    }
                    Err(e) => {
                        error.set(Some((Some(f.to_owned()), e)));
                        return;
                    }
                }
            }
            if fields.is_empty() {
                navigate_back();
                return;
            }
            match state.edit(Edit::Set {
                entity: entity.clone(),
                fields,
            }) {
                Ok(_) => navigate_back(),
                Err(e) => error.set(Some((
                    e.field().map(str::to_owned),
                    crate::i18n::describe_error(&e, state.lang()),
                ))),
            }
        }
    };
    let field_error = move |f: &'static str| {
        move || {
            error.with(|e| match e {
                Some((Some(ef), msg)) if ef == f || ef.starts_with(&format!("{f}.")) => {
                    Some(view! { <p class="error" role="alert">{msg.clone()}</p> })
                }
                _ => None,
            })
        }
    };
    let general_error = move || {
        error.with(|e| match e {
            Some((None, msg)) => Some(view! { <p class="error" role="alert">{msg.clone()}</p> }),
            Some((Some(f), msg)) if !schema(kind).iter().any(|(n, _, _)| n == f) => {
                Some(view! { <p class="error" role="alert">{msg.clone()}</p> })
            }
            _ => None,
        })
    };
    let inputs = schema(kind).into_iter().map(|(f, ty, label)| {
        let initial = values.with_untracked(|v| v.get(f).cloned().unwrap_or_default());
        let initial_extra = values.with_untracked(|v| v.get(&format!("{f}.text")).cloned().unwrap_or_default());
        let set = move |key: String| move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            dirty.update(|d| {
                d.insert(f.to_owned());
            });
            values.update(|m| {
                m.insert(key.clone(), v);
            });
        };
        let label_text = move || label(state.t());
        let control = match ty {
            FieldType::LongText => view! { <textarea name=f rows="4" aria-label=label_text on:input=set(f.to_string())>{initial}</textarea> }.into_any(),
            FieldType::Number | FieldType::OptNumber => view! { <input name=f type="number" step="any" inputmode="decimal" aria-label=label_text value=initial on:input=set(f.to_string()) /> }.into_any(),
            FieldType::Bool => {
                let checked = initial == "true";
                view! { <input name=f type="checkbox" aria-label=label_text checked=checked on:change=move |ev: leptos::ev::Event| {
                    let on = event_target_checked(&ev);
                    dirty.update(|d| { d.insert(f.to_owned()); });
                    values.update(|m| { m.insert(f.to_string(), on.to_string()); });
                } /> }.into_any()
            }
            FieldType::Date => view! {
                <span class="date-pair">
                    <input name=f type="date" aria-label=label_text value=initial on:input=set(f.to_string()) />
                    <input name=format!("{f}.text") type="text" aria-label=move || format!("{} ({})", label(state.t()), state.t().text) value=initial_extra on:input=set(format!("{f}.text")) />
                </span>
            }.into_any(),
            FieldType::Ref(k) => {
                let options = move || state.with_plan(|p| match k {
                    Kind::Category => p.categories.iter().map(|c| (c.id.clone(), c.name.clone())).collect::<Vec<_>>(),
                    _ => p.sites.iter().map(|c| (c.id.clone(), c.name.clone())).collect::<Vec<_>>(),
                });
                if initial.is_empty() {
                    if let Some(first) = options().first() {
                        values.update(|m| { m.insert(f.to_string(), first.0.clone()); });
                    }
                }
                let chosen = values.with_untracked(|v| v.get(f).cloned().unwrap_or_default());
                view! {
                    <select name=f aria-label=label_text on:change=set(f.to_string())>
                        {options().into_iter().map(|(id, name)| { let sel = id == chosen; view! { <option value=id selected=sel>{name}</option> } }).collect::<Vec<_>>()}
                    </select>
                }.into_any()
            }
            FieldType::Measure => view! {
                <select name=f aria-label=label_text on:change=set(f.to_string())>
                    <option value="percent" selected=initial != "status">"%"</option>
                    <option value="status" selected=initial == "status">{move || state.t().status}</option>
                </select>
            }.into_any(),
            FieldType::Text | FieldType::List => view! { <input name=f type="text" aria-label=label_text value=initial on:input=set(f.to_string()) /> }.into_any(),
        };
        view! {
            <label class="field">
                <span>{label_text}</span>
                {control}
                {field_error(f)}
            </label>
        }
    }).collect::<Vec<_>>();
    let on_delete = {
        let entity = entity.clone();
        move |_| {
            let ok = web_sys::window()
                .and_then(|w| w.confirm_with_message(state.t().delete).ok())
                .unwrap_or(false);
            if ok {
                let mut f = Map::new();
                f.insert("deleted".into(), json!(true));
                match state.edit(Edit::Set {
                    entity: entity.clone(),
                    fields: f,
                }) {
                    Ok(_) => navigate_back(),
                    Err(e) => {
                        error.set(Some((None, crate::i18n::describe_error(&e, state.lang()))))
                    }
                }
            }
        }
    };
    view! {
        <section class="page editor" aria-labelledby="editor-title">
            <h1 id="editor-title">{move || if is_new { state.t().add } else { state.t().edit }}</h1>
            <form on:submit=save data-testid="entity-editor">
                {inputs}
                {general_error}
                <div class="actions">
                    <button type="submit" class="primary big">{move || state.t().save}</button>
                    <button type="button" on:click=move |_| navigate_back()>{move || state.t().cancel}</button>
                    {(!is_new && kind != Kind::Plan).then(|| view! { <button type="button" class="danger" on:click=on_delete>{move || state.t().delete}</button> })}
                </div>
            </form>
        </section>
    }
    .into_any()
}

fn navigate_back() {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.back();
    }
}

/// Open conflicts of an item and of everything under it, each value with a button to
/// keep it (which writes it again, replacing all the values seen).
#[component]
pub fn ConflictList(item: String) -> impl IntoView {
    let state = AppState::expect();
    let conflicts = Memo::new(move |_| {
        let entities: Vec<String> = state.with_plan(|p| {
            let plan = p;
            let mut ids = vec![item.clone()];
            ids.extend(plan.targets_of(&item).map(|t| t.id.clone()));
            ids.extend(
                plan.targets_of(&item)
                    .flat_map(|t| plan.stages_of(&t.id).map(|s| s.id.clone())),
            );
            ids.extend(plan.milestones_of(&item).map(|m| m.id.clone()));
            ids.extend(plan.sites_of(&item).map(|s| s.id.clone()));
            ids.extend(plan.packages_of_item(&item).map(|p| p.id.clone()));
            ids
        });
        state.with_doc(|doc| {
            let mut out = Vec::new();
            for e in &entities {
                let Some(fields) = doc.entities.get(e) else {
                    continue;
                };
                for (name, reg) in fields {
                    if reg.values().len() > 1 {
                        out.push((
                            e.clone(),
                            name.to_owned(),
                            reg.values()
                                .iter()
                                .rev()
                                .map(|w| {
                                    (w.value.clone(), w.author.clone(), w.device.clone(), w.stamp)
                                })
                                .collect::<Vec<_>>(),
                        ));
                    }
                }
            }
            out
        })
    });
    view! {
        <Show when=move || !conflicts.with(Vec::is_empty)>
            <div class="card conflicts" role="region" aria-label=move || state.t().conflicts>
                <h2>{move || state.t().conflicts}</h2>
                <p>{move || state.t().conflict_explain}</p>
                <ul>
                    {move || conflicts.get().into_iter().map(|(entity, field, values)| view! {
                        <li data-testid="conflict">
                            <p><strong>{field.clone()}</strong></p>
                            <ul class="choices">
                                {values.into_iter().map(|(v, author, device, stamp)| {
                                    let shown = match &v { Value::String(s) => s.clone(), other => other.to_string() };
                                    let when = {
                                        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(jindu_core::hlc::stamp_ms(stamp) as f64));
                                        format!("{}-{:02}-{:02} {:02}:{:02}", d.get_full_year(), d.get_month() + 1, d.get_date(), d.get_hours(), d.get_minutes())
                                    };
                                    let (entity, field) = (entity.clone(), field.clone());
                                    let keep = move |_| {
                                        let mut f = Map::new();
                                        f.insert(field.to_owned(), v.clone());
                                        if let Err(e) = state.edit(Edit::Set { entity: entity.clone(), fields: f }) {
                                            leptos::logging::error!("{}", e);
                                        }
                                    };
                                    view! {
                                        <li>
                                            <p class="value">{shown}</p>
                                            <p class="muted">{format!("{author} · {device} · {when}")}</p>
                                            <button on:click=keep>{move || state.t().keep_this}</button>
                                        </li>
                                    }
                                }).collect::<Vec<_>>()}
                            </ul>
                        </li>
                    }).collect::<Vec<_>>()}
                </ul>
            </div>
        </Show>
    }
}
