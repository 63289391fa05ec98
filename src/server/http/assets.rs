//! `/pkg/…`: the browser half (JS, WASM, CSS), as `scripts/build-site.sh` wrote it.
//!
//! The build names each file after its content (`parlor.<hash>.wasm`), writes the name in
//! `<site_root>/assets.txt`, and puts a brotli (`.br`) and a gzip (`.gz`) copy beside each
//! file. So the server sends the smallest copy the browser accepts, and a browser keeps the
//! files for a year without asking again: a new build has new names. Without `assets.txt` (a
//! `cargo leptos` build, whose names do not change), the files are plain `parlor.*` and
//! must be revalidated on every load.

use std::path::Path;

use axum::http::{header, HeaderValue};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;

/// The name of the built files without extension: `parlor.<hash>`, or `parlor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assets {
    pub stem: String,
    /// Whether the names carry their content's hash (so they may be cached for ever).
    pub hashed: bool,
}

impl Assets {
    /// Reads `<site_root>/assets.txt`; without one, the unhashed names.
    pub fn of(site_root: &str) -> Assets {
        let written = std::fs::read_to_string(Path::new(site_root).join("assets.txt"));
        match written.as_deref().map(str::trim) {
            Ok(stem) if is_hashed_stem(stem) => Assets {
                stem: stem.to_owned(),
                hashed: true,
            },
            _ => Assets {
                stem: "parlor".into(),
                hashed: false,
            },
        }
    }

    /// `Cache-Control` of the files.
    pub fn cache_control(&self) -> HeaderValue {
        HeaderValue::from_static(if self.hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        })
    }
}

/// `parlor.` and 16 lowercase hex digits, nothing else (the file names a page will ask for).
fn is_hashed_stem(stem: &str) -> bool {
    stem.strip_prefix("parlor.").is_some_and(|hash| {
        hash.len() == 16 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The `/pkg` service: the files, their precompressed copies, and their cache policy.
pub fn service(site_root: &str, assets: &Assets) -> SetResponseHeader<ServeDir, HeaderValue> {
    let files = ServeDir::new(Path::new(site_root).join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    SetResponseHeader::overriding(files, header::CACHE_CONTROL, assets.cache_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_hashed_name_written_by_the_build_is_cached_for_ever() {
        let dir = tempfile::tempdir().expect("dir");
        let root = dir.path().to_str().expect("utf-8");
        assert_eq!(Assets::of(root).stem, "parlor");
        for bad in [
            "parlor.../x",
            "parlor.0123",
            "other.0123456789abcdef",
            "parlor.0123456789ABCDEF",
        ] {
            std::fs::write(dir.path().join("assets.txt"), bad).expect("write");
            assert!(!Assets::of(root).hashed, "{bad}");
        }
        std::fs::write(dir.path().join("assets.txt"), "parlor.0123456789abcdef\n").expect("write");
        let assets = Assets::of(root);
        assert_eq!(
            (assets.stem.as_str(), assets.hashed),
            ("parlor.0123456789abcdef", true)
        );
        assert!(assets
            .cache_control()
            .to_str()
            .expect("ascii")
            .contains("immutable"));
    }
}
