-- When each room last had a message (or was created): the public room list is ordered by
-- it, most active first, and paged through an index instead of scanning every room.
ALTER TABLE rooms ADD COLUMN last_active_at INTEGER NOT NULL DEFAULT 0;
UPDATE rooms SET last_active_at = COALESCE(
    (SELECT MAX(m.created_at) FROM messages m WHERE m.room_id = rooms.id), created_at);
CREATE INDEX rooms_public_by_activity ON rooms (last_active_at DESC, id DESC)
    WHERE kind = 'group' AND is_public = 1;
