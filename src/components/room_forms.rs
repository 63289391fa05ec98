//! Forms on the room list: create a group room, start a direct room.

use leptos::prelude::*;

use super::FormError;
use crate::api::{CreateRoom, OpenDirect};
use crate::i18n::use_i18n;
use crate::model::MAX_ROOM_NAME_CHARS;

/// Creates a group room (public or private) and opens it.
#[component]
pub fn CreateRoomForm(action: ServerAction<CreateRoom>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t();
    view! {
        <ActionForm action attr:class="row-form" attr:aria-label=move || t().create_room_label>
            <input name="name" placeholder=move || t().new_room_name required maxlength=MAX_ROOM_NAME_CHARS />
            <label class="check">
                <input type="checkbox" name="public" value="on" checked />
                {move || t().public}
            </label>
            <button type="submit">{move || t().create}</button>
            <FormError result=action.value() />
        </ActionForm>
    }
}

/// Opens (or finds) the direct room with a user named by username.
#[component]
pub fn DirectRoomForm(action: ServerAction<OpenDirect>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t();
    view! {
        <ActionForm action attr:class="row-form" attr:aria-label=move || t().message_someone>
            <input name="username" placeholder=move || t().username_to_message required />
            <button type="submit">{move || t().message_button}</button>
            <FormError result=action.value() />
        </ActionForm>
    }
}
