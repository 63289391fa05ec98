//! Forms on the room list: create a group room, start a direct room.

use leptos::prelude::*;

use super::FormError;
use crate::api::{CreateRoom, OpenDirect};

/// Creates a group room (public or private) and opens it.
#[component]
pub fn CreateRoomForm(action: ServerAction<CreateRoom>) -> impl IntoView {
    view! {
        <ActionForm action attr:class="row-form" attr:aria-label="Create a room">
            <input name="name" placeholder="New room name" required maxlength="80" />
            <label class="check">
                <input type="checkbox" name="public" value="on" checked />
                "Public"
            </label>
            <button type="submit">"Create"</button>
            <FormError result=action.value() />
        </ActionForm>
    }
}

/// Opens (or finds) the direct room with a user named by username.
#[component]
pub fn DirectRoomForm(action: ServerAction<OpenDirect>) -> impl IntoView {
    view! {
        <ActionForm action attr:class="row-form" attr:aria-label="Message someone">
            <input name="username" placeholder="Username to message" required />
            <button type="submit">"Message"</button>
            <FormError result=action.value() />
        </ActionForm>
    }
}
