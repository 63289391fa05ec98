-- Search tokens carry their room (`7x서울`), and the tokenizer folds accents and keeps
-- marks inside words (docs/search.md): the index of 0003 is emptied and every message is
-- indexed again by the store when it opens, a thousand per transaction (several nodes take
-- turns). Stop every node of the old version before the first new one starts: a message an
-- old node writes after this migration would be indexed in the old form and not be found.
TRUNCATE message_search;
DELETE FROM search_backfill;
INSERT INTO search_backfill SELECT 0, COALESCE(MAX(id), 0) FROM messages;
