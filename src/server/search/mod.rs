//! Message search (docs/search.md): the one tokenizer both stores' indexes use, and the
//! snippets of hits. The index and the query are in `server::store::search`.
//!
//! - [`tokens`]: a text's index tokens and a query's terms, the same rules for both: NFKC,
//!   Latin accents folded, lower case, overlapping bigrams for runs of scripts written
//!   without spaces (Hangul, Han, kana, Thai…), whole words elsewhere.
//! - [`snippet`]: the part of a hit's body around its first match, the matches marked on
//!   the body as written, as plain text.

pub mod snippet;
pub mod tokens;
