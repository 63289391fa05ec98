-- Message search (docs/search.md). The application tokenizes (server::search::tokens) and
-- stores the tokens here, space-separated; FTS5's `ascii` tokenizer only splits them at the
-- spaces again (every non-ASCII character is a token character to it). Contentless: the
-- body stays in `messages`; `rowid` is the message's id. Written in the same transaction as
-- the message, re-indexed on edit, removed on delete.
-- `room` holds the message's room id: a query narrows to the reader's rooms inside the
-- index (`room : (1 OR 7 …)`), and bm25 gives that column no weight.
CREATE VIRTUAL TABLE message_search USING fts5 (
    tokens,
    room,
    content = '',
    contentless_delete = 1,
    -- Full detail: bm25 needs each token's count in a message (with `detail = column` or
    -- `none` every match scores alike, whatever the message's length; tested).
    tokenize = 'ascii'
);

-- The messages stored before this migration, indexed by the store when it opens, a
-- thousand per transaction; the row goes when they all are.
CREATE TABLE search_backfill (
    next_id INTEGER NOT NULL,
    upto    INTEGER NOT NULL
);
INSERT INTO search_backfill SELECT 0, COALESCE(MAX(id), 0) FROM messages;
