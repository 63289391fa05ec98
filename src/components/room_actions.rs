//! What a member can do to a room from its header: leave a group room, or block (and
//! unblock) the other person of a direct room.

use leptos::prelude::*;

use super::FormError;
use crate::api::{BlockUser, LeaveRoom};
use crate::i18n::use_i18n;
use crate::model::{RoomKind, RoomSummary};

/// "Leave room" for a group room; "Block" / "Unblock" for a direct room.
#[component]
pub fn RoomActions(room: RoomSummary) -> impl IntoView {
    let i18n = use_i18n();
    match (room.kind, room.peer_username) {
        (RoomKind::Group, _) => {
            let leave = ServerAction::<LeaveRoom>::new();
            view! {
                <ActionForm action=leave attr:class="inline room-action">
                    <input type="hidden" name="room_id" value=room.id />
                    <button type="submit" class="link">{move || i18n.t().leave_room}</button>
                    <FormError result=leave.value() />
                </ActionForm>
            }
            .into_any()
        }
        (RoomKind::Direct, Some(peer)) => {
            let block = ServerAction::<BlockUser>::new();
            // Blocked now: what the server said at load, flipped by every block or unblock
            // that succeeded.
            let blocked = RwSignal::new(room.peer_blocked);
            Effect::new(move |_| {
                if let Some(Ok(())) = block.value().get() {
                    blocked.update(|b| *b = !*b);
                }
            });
            let blocked = move || blocked.get();
            view! {
                <ActionForm action=block attr:class="inline room-action">
                    <input type="hidden" name="username" value=peer />
                    <input
                        type="hidden"
                        name="block"
                        value=move || if blocked() { "false" } else { "true" }
                    />
                    <button type="submit" class="link">
                        {move || if blocked() { i18n.t().unblock } else { i18n.t().block }}
                    </button>
                    <FormError result=block.value() />
                </ActionForm>
            }
            .into_any()
        }
        (RoomKind::Direct, None) => ().into_any(),
    }
}
