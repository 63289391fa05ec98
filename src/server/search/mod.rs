//! Message search (docs/search.md): the one tokenizer both stores' indexes use, and the
//! snippets of hits. The index and the query are in `server::store::search`.
//!
//! - [`tokens`]: a text's index tokens and a query's terms, the same rules for both: NFKC,
//!   lower case, overlapping bigrams for CJK runs (Hangul, Han, kana), whole words
//!   elsewhere.
//! - [`snippet`]: the part of a hit's body around its first match, the matches marked, as
//!   plain text.

pub mod snippet;
pub mod tokens;
