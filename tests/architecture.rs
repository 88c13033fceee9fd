//! The shape of the house, checked on the source: no file imports a file that imports it back,
//! no source file passes 500 lines, no handler picks a refusal's status by hand, no status is
//! compared as a string. Reads `src/` as text; needs no server.
use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/leavers/views/mod.rs` → `leavers::views`; `src/clock.rs` → `clock`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The code before the unit tests (they may use anything).
fn code(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or(text)
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// Every path a `use crate::…` tree names, expanded (`a::{b, c::d}` → `a::b`, `a::c::d`).
fn expand_tree(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let mut depth = 0;
    let mut item = String::new();
    let mut items = Vec::new();
    for c in tree.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    items.push(item);
    for item in items {
        let item: String = item.split_whitespace().collect::<Vec<_>>().join(" ");
        if item.is_empty() {
            continue;
        }
        if let Some(open) = item.find('{') {
            let head = item[..open].trim().trim_end_matches("::");
            let inner = &item[open + 1..item.rfind('}').unwrap_or(item.len())];
            expand_tree(&join(prefix, head), inner, out);
        } else {
            let name = item.split(" as ").next().unwrap_or("").trim();
            out.push(join(prefix, name));
        }
    }
}

fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}::{rest}"),
    }
}

/// The paths below `crate::` a file of `module` refers to: its `use crate::…` trees, inline
/// paths, and what it re-exports from its own submodules (`pub use state::AppState`).
fn crate_paths(module: &str, code: &str) -> Vec<String> {
    let mut out = Vec::new();
    // A parent's own use of its children (`views::list` in `mount`) counts too.
    for line in code.lines() {
        if let Some(child) = line
            .trim()
            .strip_prefix("pub mod ")
            .and_then(|c| c.strip_suffix(';'))
        {
            let used = code.match_indices(&format!("{child}::")).any(|(at, _)| {
                !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
            });
            if used {
                out.push(join(module, child));
            }
        }
    }
    for line in code.lines() {
        if let Some(tree) = line.trim().strip_prefix("pub use ")
            && !tree.starts_with("crate::")
            && !tree.starts_with("entity::")
            && !tree.starts_with("super::")
        {
            expand_tree(module, tree.trim_end_matches(';'), &mut out);
        }
    }
    let mut rest = code;
    while let Some(at) = rest.find("use crate::") {
        let after = &rest[at + "use crate::".len()..];
        let end = after.find(';').unwrap_or(after.len());
        expand_tree("", &after[..end], &mut out);
        rest = &after[end..];
    }
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let path: String = after.chars().take_while(|c| is_path_char(*c)).collect();
        out.push(path.trim_end_matches(':').to_string());
        rest = after;
    }
    out
}

/// The longest module prefix of `path` that is a file of the crate.
fn resolve<'a>(modules: &'a BTreeSet<String>, path: &str) -> Option<&'a String> {
    let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    while !parts.is_empty() {
        if let Some(m) = modules.get(&parts.join("::")) {
            return Some(m);
        }
        parts.pop();
    }
    None
}

struct Source {
    files: BTreeMap<String, (PathBuf, String)>,
}

fn source() -> Source {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    let files = paths
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            (module_of(&src, &p), (p, text))
        })
        .filter(|(m, _)| m != "lib" && m != "main")
        .collect();
    Source { files }
}

/// Who imports whom, one edge per file and imported file.
fn import_graph(source: &Source) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = source.files.keys().cloned().collect();
    source
        .files
        .iter()
        .map(|(module, (_, text))| {
            let deps = crate_paths(module, code(text))
                .iter()
                .filter_map(|p| resolve(&modules, p))
                .filter(|m| *m != module)
                .cloned()
                .collect();
            (module.clone(), deps)
        })
        .collect()
}

/// A cycle of imports, if any (depth-first search).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        marks.insert(node.to_string(), Mark::Open);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let from = stack.iter().position(|m| m == next).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(next, graph, marks, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if marks.get(node).copied().unwrap_or(Mark::New) == Mark::New
            && let Some(c) = visit(node, graph, &mut marks, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_checker_finds_a_cycle_when_there_is_one() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.insert("a".into(), ["b".to_string()].into());
    graph.insert("b".into(), ["c".to_string()].into());
    graph.insert("c".into(), BTreeSet::new());
    assert_eq!(find_cycle(&graph), None);
    graph.insert("c".into(), ["a".to_string()].into());
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let mut paths = Vec::new();
    expand_tree("", "a::{b, c::{d as e, f}}, g", &mut paths);
    assert_eq!(paths, ["a::b", "a::c::d", "a::c::f", "g"]);
}

#[test]
fn no_file_imports_a_file_that_imports_it() {
    let graph = import_graph(&source());
    assert!(graph.len() > 50, "the source was read");
    assert!(
        graph["leavers::views::profile"].contains("allowances::views"),
        "imports are found"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn no_source_file_passes_500_lines() {
    for (module, (path, text)) in source().files {
        let lines = text.lines().count();
        assert!(
            lines <= 500,
            "{module} ({}) has {lines} lines",
            path.display()
        );
    }
}

#[test]
fn no_handler_picks_a_refusals_status_by_hand() {
    for (module, (_, text)) in source().files {
        if module == "error" {
            continue;
        }
        for status in ["UNPROCESSABLE_ENTITY", "CONFLICT", "TOO_MANY_REQUESTS"] {
            assert!(
                !code(&text).contains(&format!("StatusCode::{status}")),
                "{module} names StatusCode::{status}: return the AppError instead"
            );
        }
    }
}

#[test]
fn no_status_or_kind_is_compared_as_a_string() {
    for (module, (_, text)) in source().files {
        for pattern in [
            "status == \"",
            "status != \"",
            "kind == \"",
            "Status.eq(\"",
            "Kind.eq(\"",
        ] {
            assert!(
                !code(&text).contains(pattern),
                "{module} compares `{pattern}…`: use the stored enum"
            );
        }
    }
}
