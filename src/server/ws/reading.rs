//! `read` frames: clamped, coalesced (see `reads`) and stored; markers to the reader's own
//! sockets and a direct room's other person.

use tokio::time::Instant;

use super::connection::Connection;
use super::sink::{send_error, Sink};
use super::Gone;
use crate::protocol::{ErrorCode, RoomId, Seq, ServerFrame};

impl Connection {
    /// The reader has seen up to `seq`. Clamped to what this socket was sent, and written
    /// only when it moves the position (coalesced per room, see [`reads`]).
    pub(super) async fn read(
        &mut self,
        sink: &mut Sink,
        room_id: RoomId,
        seq: Seq,
    ) -> Result<(), Gone> {
        let Some(&sent) = self.sent.get(&room_id) else {
            let detail = "watch a room before marking it read";
            return send_error(sink, ErrorCode::NotWatching, detail, None, Some(room_id)).await;
        };
        if self.reads.offer(room_id, seq.min(sent), Instant::now()) {
            return self.flush_reads(sink, false).await;
        }
        Ok(())
    }

    /// Stores the read positions that are due (or, with `all`, every waiting one), answering
    /// on the socket what could not be stored.
    pub(super) async fn flush_reads(&mut self, sink: &mut Sink, all: bool) -> Result<(), Gone> {
        for (code, detail, room) in self.store_reads(all).await {
            send_error(sink, code, detail, None, Some(room)).await?;
        }
        Ok(())
    }

    /// Stores read positions and tells the reader's own sockets (and, in a direct room, the
    /// other person's): nobody else learns when a member reads. Returns the refusals.
    pub(super) async fn store_reads(
        &mut self,
        all: bool,
    ) -> Vec<(ErrorCode, &'static str, RoomId)> {
        let now = Instant::now();
        let due = if all {
            self.reads.all_pending(now)
        } else {
            self.reads.due(now)
        };
        let mut refused = Vec::new();
        for (room_id, seq) in due {
            match self
                .state
                .store
                .mark_read(room_id, self.user.user_id, seq)
                .await
            {
                Ok(Some(seq)) => {
                    self.reads.stored(room_id, seq);
                    let frame = ServerFrame::ReadMarker {
                        room_id,
                        user_id: self.user.user_id,
                        seq,
                    };
                    let direct = self.direct.contains(&room_id);
                    let bus = &self.state.bus;
                    bus.read_marker(room_id, self.user.user_id, direct, &frame);
                }
                Ok(None) => {
                    refused.push((ErrorCode::NotMember, "not a member of this room", room_id))
                }
                Err(e) => {
                    tracing::error!(error = %e, room_id, "read position not stored");
                    let detail = "the store is unavailable; send the read position again later";
                    refused.push((ErrorCode::StoreUnavailable, detail, room_id));
                }
            }
        }
        refused
    }
}
