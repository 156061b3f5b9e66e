//! The tool's layers (docs/ARCHITECTURE.md): no layer of `src/` imports one
//! that imports it back, however long the way round. A layer is a top-level
//! module (`src/<layer>.rs` or `src/<layer>/`); an import is a `crate::`
//! path outside comments and unit tests. `lib.rs` and the `internals`
//! facade, which name every layer, are not layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src/ is readable") {
        let p = e.expect("a directory entry").path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a source file without its comments and its unit tests.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The layers each layer imports.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let layer_of = |p: &Path| -> String {
        let rel = p.strip_prefix(src).expect("under src/");
        let first = rel.components().next().expect("a file name");
        let first = first.as_os_str().to_string_lossy();
        first.trim_end_matches(".rs").to_string()
    };
    let layers: BTreeSet<String> = files.iter().map(|p| layer_of(p)).collect();
    // Items re-exported at the crate root, by the layer they come from.
    let root_items = [
        ("Error", "error"),
        ("ErrorKind", "error"),
        ("LoadBtf", "error"),
    ];
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let from = layer_of(f);
        if ["lib", "main", "internals"].contains(&from.as_str()) || f.ends_with("tests.rs") {
            continue;
        }
        let text = code(&std::fs::read_to_string(f).expect("a source file"));
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let to = root_items
                .iter()
                .find(|(item, _)| *item == name)
                .map(|(_, layer)| layer.to_string())
                .unwrap_or(name);
            if to != from && layers.contains(&to) {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("a path is never empty");
        for next in graph.get(last).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
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
fn no_layer_imports_one_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = imports(&src);
    // The check sees the layers it should: commands use the lower layers.
    let commands = graph.get("commands").expect("commands imports layers");
    for lower in ["btf", "elf", "resolve", "symbols", "output"] {
        assert!(
            commands.contains(lower),
            "commands -> {lower} not seen: {graph:?}"
        );
    }
    for layer in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, layer) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

/// The check finds a cycle when there is one.
#[test]
fn a_cycle_is_found() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph.entry(a.into()).or_default().insert(b.into());
    }
    assert_eq!(
        cycle_from(&graph, "a"),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(cycle_from(&graph, "d"), None);
}
