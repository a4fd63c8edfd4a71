//! A record's evidence on screen: the photo controls of the record form (拍照,
//! 从相册选择), thumbnails that open the full photo, and the location button.

use jindu_core::model::{Location, Photo};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::media::{self, Refusal, Shown};
use crate::state::AppState;

/// One photo or thumbnail, shown from this device's copy or fetched once.
#[component]
fn MediaImage(hash: String, alt: String, #[prop(optional)] full: bool) -> impl IntoView {
    let state = AppState::expect();
    let shown: RwSignal<Option<Shown>> = RwSignal::new(None);
    let plan = state.plan_id();
    let (base, token) = state.media_endpoint();
    spawn_local(async move {
        let got = media::show(&base, token.as_deref(), &plan, &hash)
            .await
            .unwrap_or(Shown::Offline);
        shown.set(Some(got));
    });
    on_cleanup(move || {
        if let Some(Some(Shown::Url(u))) = shown.try_get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    });
    let class = if full { "photo-full" } else { "thumb" };
    move || {
        match shown.get() {
        None => view! { <span class=class aria-busy="true"></span> }.into_any(),
        Some(Shown::Url(u)) => {
            view! { <img class=class src=u alt=alt.clone() data-testid="photo-image" /> }.into_any()
        }
        Some(Shown::Missing) => view! {
            <span class=format!("{class} placeholder") data-testid="photo-missing">{move || state.t().photo_missing}</span>
        }
        .into_any(),
        Some(Shown::Damaged) => view! {
            <span class=format!("{class} placeholder") data-testid="photo-damaged">{move || state.t().photo_damaged}</span>
        }
        .into_any(),
        Some(Shown::Offline) => view! {
            <span class=format!("{class} placeholder") data-testid="photo-offline">{move || state.t().photo_offline}</span>
        }
        .into_any(),
    }
    }
}

/// A record's thumbnails; a tap opens the photo over the page. With `on_remove`, each
/// has a button that takes it off the form.
#[component]
pub fn Thumbs(
    photos: Signal<Vec<Photo>>,
    #[prop(optional, into)] on_remove: Option<Callback<String>>,
) -> impl IntoView {
    let state = AppState::expect();
    let open: RwSignal<Option<String>> = RwSignal::new(None);
    view! {
        <ul class="thumbs" data-testid="thumbs">
            {move || photos.get().into_iter().enumerate().map(|(i, p)| {
                let photo = p.photo.clone();
                let remove = p.photo.clone();
                let alt = format!("{} {}", state.t().photos, i + 1);
                view! {
                    <li class="thumb-item" data-testid="thumb" data-photo=p.photo.clone()>
                        <button type="button" class="thumb-open" aria-label=move || format!("{} {}", state.t().open_photo, i + 1) on:click=move |_| open.set(Some(photo.clone()))>
                            <MediaImage hash=p.thumb.clone() alt=alt />
                        </button>
                        {on_remove.map(|cb| view! {
                            <button type="button" class="remove" aria-label=move || format!("{} {}", state.t().remove_photo, i + 1) on:click=move |_| cb.run(remove.clone())>"×"</button>
                        })}
                    </li>
                }
            }).collect::<Vec<_>>()}
        </ul>
        {move || open.get().map(|hash| view! {
            <div class="photo-overlay" role="dialog" aria-modal="true" aria-label=move || state.t().photos data-testid="photo-dialog">
                <MediaImage hash=hash alt=state.t().photos.to_string() full=true />
                <button type="button" class="big" on:click=move |_| open.set(None)>{move || state.t().close}</button>
            </div>
        })}
    }
}

/// The two photo controls of the record form and the messages for files not added.
#[component]
pub fn PhotoPicker(photos: RwSignal<Vec<Photo>>) -> impl IntoView {
    let state = AppState::expect();
    let busy = RwSignal::new(false);
    // Picks answered so far (added or refused): what a test waits on.
    let picks = RwSignal::new(0u32);
    let refused: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let picked = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(files) = input.files() else { return };
        if files.length() == 0 {
            return;
        }
        busy.set(true);
        let plan = state.plan_id();
        spawn_local(async move {
            let t = state.t();
            match media::add(&plan, &files).await {
                Ok(added) => {
                    photos.update(|p| p.extend(added.photos));
                    refused.set(
                        added
                            .refused
                            .into_iter()
                            .map(|(name, why)| {
                                let why = match why {
                                    Refusal::Decode => t.photo_not_image,
                                    Refusal::TooLarge => t.photo_too_large,
                                    Refusal::Storage => t.photo_no_room,
                                };
                                format!("{name}: {why}")
                            })
                            .collect(),
                    );
                }
                Err(e) => refused.set(vec![e]),
            }
            input.set_value("");
            busy.set(false);
            picks.update(|n| *n += 1);
        });
    };
    let remove =
        Callback::new(move |hash: String| photos.update(|p| p.retain(|x| x.photo != hash)));
    view! {
        <fieldset class="field photos" data-testid="photo-picker" data-picks=move || picks.get().to_string()>
            <legend>{move || state.t().photos}</legend>
            <Thumbs photos=photos.into() on_remove=remove />
            <div class="row">
                <label class="button big file-button">
                    <span>{move || state.t().take_photo}</span>
                    <input type="file" accept="image/*" capture="environment" name="camera" data-testid="take-photo" on:change=picked />
                </label>
                <label class="button big file-button">
                    <span>{move || state.t().choose_photos}</span>
                    <input type="file" accept="image/*" multiple name="gallery" data-testid="choose-photos" on:change=picked />
                </label>
            </div>
            <Show when=move || busy.get()>
                <p class="muted" role="status" data-testid="photo-busy">{move || state.t().photo_processing}</p>
            </Show>
            {move || refused.get().into_iter().map(|m| view! { <p class="error" role="alert" data-testid="photo-refused">{m}</p> }).collect::<Vec<_>>()}
        </fieldset>
    }
}

/// "附加位置": asks the browser for a fix (10 s at most) and never holds up saving.
#[component]
pub fn LocationButton(location: RwSignal<Option<Location>>) -> impl IntoView {
    let state = AppState::expect();
    let locating = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let locate = move |_| {
        let Ok(geo) = window().navigator().geolocation() else {
            failed.set(true);
            return;
        };
        locating.set(true);
        failed.set(false);
        let ok = Closure::once_into_js(move |pos: web_sys::Position| {
            let c = pos.coords();
            location.set(Some(Location {
                lat: c.latitude(),
                lon: c.longitude(),
                accuracy: c.accuracy(),
                at: pos.timestamp() as i64,
            }));
            locating.set(false);
        });
        let err = Closure::once_into_js(move |_e: JsValue| {
            locating.set(false);
            failed.set(true);
        });
        let options = web_sys::PositionOptions::new();
        options.set_enable_high_accuracy(true);
        options.set_timeout(10_000);
        options.set_maximum_age(60_000);
        if geo
            .get_current_position_with_error_callback_and_options(
                ok.unchecked_ref(),
                Some(err.unchecked_ref()),
                &options,
            )
            .is_err()
        {
            locating.set(false);
            failed.set(true);
        }
    };
    view! {
        <div class="field location">
            {move || match location.get() {
                Some(l) => view! {
                    <p data-testid="location">
                        <strong>{move || state.t().location}</strong>
                        {format!("：{:.5}, {:.5} ±{:.0} ", l.lat, l.lon, l.accuracy)}{move || state.t().metres}
                        " "<button type="button" on:click=move |_| location.set(None)>{move || state.t().remove_location}</button>
                    </p>
                }.into_any(),
                None => view! {
                    <button type="button" class="big" data-testid="attach-location" on:click=locate disabled=move || locating.get()>
                        {move || if locating.get() { state.t().locating } else { state.t().attach_location }}
                    </button>
                }.into_any(),
            }}
            <Show when=move || failed.get()>
                <p class="muted" role="status" data-testid="location-failed">{move || state.t().location_failed}</p>
            </Show>
        </div>
    }
}

/// "1.2 km from the site" for a record with a location at a site with coordinates.
pub fn distance_words(
    state: AppState,
    location: Option<Location>,
    site: Option<&str>,
) -> Option<String> {
    let l = location?;
    let (lat, lon) = state.with_plan_untracked(|p| p.site(site?)?.position())?;
    let d = jindu_core::model::distance_m(l.lat, l.lon, lat, lon);
    let t = state.t();
    Some(if d >= 1_000.0 {
        format!("{} {:.1} km", t.from_site, d / 1_000.0)
    } else {
        format!("{} {:.0} {}", t.from_site, d, t.metres)
    })
}

/// The print view's evidence annex: per item, the period's photos with their captions.
#[component]
pub fn EvidenceAnnex(
    period: jindu_core::report::Period,
    as_of: chrono::NaiveDate,
) -> impl IntoView {
    let state = AppState::expect();
    let photos = state.with_plan(|p| jindu_core::report::evidence::annex(p, &period, as_of));
    view! {
        <section class="evidence-annex" data-testid="evidence-annex" aria-labelledby="annex-title">
            <h2 id="annex-title">{move || state.t().evidence_annex}</h2>
            {photos.is_empty().then(|| view! { <p class="muted">{move || state.t().no_photos}</p> })}
            <ul class="annex-photos">
                {photos.into_iter().map(|p| {
                    let caption = format!("{} {}", p.caption(), p.item.chars().take(30).collect::<String>());
                    view! {
                        <li class="annex-photo" data-testid="annex-photo">
                            <MediaImage hash=p.photo.photo.clone() alt=caption.clone() full=true />
                            <p class="caption">{caption}</p>
                        </li>
                    }
                }).collect::<Vec<_>>()}
            </ul>
        </section>
    }
}
