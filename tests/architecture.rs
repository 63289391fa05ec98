//! The code map: the modules of `src/` and who imports whom, with no cycle.
//!
//! A module here is a top-level module of the crate (`api`, `client`, `components`…) or a
//! child of `server` (`server::hub`, `server::ws`…): the units `ARCHITECTURE.md` lists. Every
//! `crate::…` and `super::…` path outside `#[cfg(test)] mod tests` counts as an import. The
//! test fails with the cycle when one module can reach itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The module path of a source file: `src/server/ws/sink.rs` → `["server", "ws", "sink"]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix("src").expect("under src");
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The unit of the map a module belongs to.
fn unit(parts: &[String]) -> Option<String> {
    match parts {
        [] => None,
        [server, child, ..] if server == "server" => Some(format!("server::{child}")),
        [top, ..] => Some(top.clone()),
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::a::b` or `super::…::x` path in `text`, resolved against `module`.
/// `is_dir_module` is whether the file is a `mod.rs` (whose `super` is one level up less).
fn imports(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(start) {
            let begin = from + at;
            from = begin + start.len();
            if begin > 0 && (bytes[begin - 1].is_ascii_alphanumeric() || bytes[begin - 1] == b'_') {
                continue;
            }
            let end = text[begin..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(text.len(), |n| begin + n);
            let segments: Vec<&str> = text[begin..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .collect();
            let path = if segments[0] == "crate" {
                segments[1..].iter().map(|s| s.to_string()).collect()
            } else {
                let ups = segments.iter().take_while(|s| **s == "super").count();
                let mut base = module.to_vec();
                base.truncate(base.len().saturating_sub(ups));
                base.extend(segments[ups..].iter().map(|s| s.to_string()));
                base
            };
            out.push(path);
        }
    }
    out
}

/// The source without its test modules (tests may reach anywhere).
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests {") {
        Some(at) => &text[..at],
        None => text,
    }
}

fn map() -> BTreeMap<String, BTreeSet<String>> {
    let mut all = Vec::new();
    files(Path::new("src"), &mut all);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in all {
        let module = module_of(&file);
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == "main.rs" || name == "tests.rs" {
            continue;
        }
        let Some(from) = unit(&module) else { continue };
        let text = std::fs::read_to_string(&file).expect("read");
        for path in imports(without_tests(&text), &module) {
            if let Some(to) = unit(&path).filter(|to| *to != from) {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    edges
}

/// A path from `from` back to `to`, if there is one.
fn path_back(
    edges: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![from.to_owned()]];
    while let Some(path) = stack.pop() {
        let last = path.last().expect("non-empty").clone();
        if last == to {
            return Some(path);
        }
        for next in edges.get(&last).into_iter().flatten() {
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn the_modules_import_each_other_without_a_cycle() {
    let edges = map();
    assert!(
        edges.contains_key("server::ws"),
        "the map found the modules: {edges:?}"
    );
    let mut cycles = Vec::new();
    for (from, tos) in &edges {
        for to in tos {
            if let Some(back) = path_back(&edges, to, from) {
                cycles.push(format!("{from} -> {}", back.join(" -> ")));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_map_sees_a_cycle_when_there_is_one() {
    let module = vec!["server".to_owned(), "hub".to_owned()];
    let found = imports(
        "use super::ws::Gone; let x = crate::server::store::now_ms();",
        &module,
    );
    assert_eq!(found[0], ["server", "store", "now_ms"]);
    assert_eq!(found[1], ["server", "ws", "Gone"]);
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    edges.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        path_back(&edges, "b", "a"),
        Some(vec!["b".to_owned(), "a".to_owned()])
    );
}
