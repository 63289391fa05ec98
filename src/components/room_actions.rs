//! What a member can do to a room from its header: invite someone into a group room or leave
//! it, or block (and unblock) the other person of a direct room.

use leptos::prelude::*;

use super::FormError;
use crate::api::{BlockUser, Invite, LeaveRoom};
use crate::i18n::use_i18n;
use crate::model::{RoomKind, RoomSummary};

/// "Invite" and "Leave room" for a group room; "Block" / "Unblock" for a direct room.
#[component]
pub fn RoomActions(room: RoomSummary) -> impl IntoView {
    let i18n = use_i18n();
    match (room.kind, room.peer_username) {
        (RoomKind::Group, _) => {
            let leave = ServerAction::<LeaveRoom>::new();
            let invite = ServerAction::<Invite>::new();
            let sent = move || matches!(invite.value().get(), Some(Ok(())));
            view! {
                <ActionForm action=invite attr:class="inline room-action invite">
                    <input type="hidden" name="room_id" value=room.id />
                    <input
                        name="username"
                        required
                        placeholder=move || i18n.t().username_to_invite
                        aria-label=move || i18n.t().username_to_invite
                    />
                    <button type="submit">{move || i18n.t().invite}</button>
                    <Show when=sent>
                        <span class="note" role="status">{move || i18n.t().invitation_sent}</span>
                    </Show>
                    <FormError result=invite.value() />
                </ActionForm>
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
