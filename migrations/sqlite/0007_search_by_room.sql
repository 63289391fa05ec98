-- Search tokens carry their room (`7x서울`), and the tokenizer folds accents and keeps
-- marks inside words (docs/search.md): the index of 0006 is rebuilt in the new form. The
-- `room` column goes (a query asks for each term in each of the reader's rooms), and every
-- message is indexed again by the store when it opens, a thousand per transaction.
DROP TABLE message_search;
CREATE VIRTUAL TABLE message_search USING fts5 (
    tokens,
    content = '',
    contentless_delete = 1,
    -- Full detail: bm25 needs each token's count in a message (with `detail = column` or
    -- `none` every match scores alike, whatever the message's length; tested).
    tokenize = 'ascii'
);
DELETE FROM search_backfill;
INSERT INTO search_backfill SELECT 0, COALESCE(MAX(id), 0) FROM messages;
