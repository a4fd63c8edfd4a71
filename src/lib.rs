use leptos::prelude::*;
#[component]
pub fn App() -> impl IntoView {
    view! { <h1>"进度"</h1> }
}
