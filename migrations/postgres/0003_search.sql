-- Message search (docs/search.md). The application tokenizes (server::search::tokens); the
-- tokens become the tsvector as they are (array_to_tsvector: no parser, no dictionary, so
-- Hangul survives any locale). Written in the same transaction as the message, re-indexed
-- on edit, removed on delete. Each tsvector also holds `§<room id>` (the tokenizer never
-- makes a `§`), so that a query narrows to the reader's rooms inside the GIN index.
CREATE TABLE message_search (
    message_id BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    tokens     tsvector NOT NULL
);
CREATE INDEX message_search_tokens ON message_search USING gin (tokens);

-- The messages stored before this migration, indexed by the store when it opens, a
-- thousand per transaction; the row goes when they all are.
CREATE TABLE search_backfill (
    next_id BIGINT NOT NULL,
    upto    BIGINT NOT NULL
);
INSERT INTO search_backfill SELECT 0, COALESCE(MAX(id), 0) FROM messages;
