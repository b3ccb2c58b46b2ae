use super::*;

fn run(code: &str) -> Instrumented {
    instrument(code, "/t/x.js", 0, &InstrumentOptions::default()).expect("instruments")
}

#[test]
fn counts_statements_functions_and_branches_like_istanbul() {
    let out = run("function f(a) { if (a) { return 1 } return a ? 2 : a || 3 }\nf(1);");
    let fc = &out.files[0];
    assert_eq!(fc.functions.len(), 1);
    assert_eq!(fc.functions[0].name, "f");
    // if, return, return, f(1)
    assert_eq!(fc.statements.len(), 4);
    let kinds: Vec<_> = fc.branches.iter().map(|b| b.kind).collect();
    assert_eq!(kinds, vec!["if", "cond-expr", "binary-expr"]);
    assert!(out.code.contains("__cov_"), "{}", out.code);
}

#[test]
fn unparseable_input_is_a_typed_error_with_position() {
    let err = instrument("let a = 1;\nlet = = 2;", "/t/bad.js", 0, &InstrumentOptions::default()).unwrap_err();
    assert_eq!(err.filename, "/t/bad.js");
    assert_eq!(err.line, 2);
    assert!(!err.message.is_empty());
}

#[test]
fn ignore_file_hint_leaves_code_alone() {
    let code = "/* istanbul ignore file */\nvar a = 1;";
    let out = run(code);
    assert_eq!(out.code, code);
    assert!(out.files.is_empty());
}

#[test]
fn header_keeps_hashbang_and_directives_first_and_adds_no_line() {
    let out = run("#!/usr/bin/env node\n'use strict';\nfoo();\n");
    assert!(out.code.starts_with("#!/usr/bin/env node\n'use strict';;var __cov_"), "{}", out.code);
    assert_eq!(out.code.lines().count(), 3);
}

#[test]
fn generators_resolve_the_table_after_each_yield() {
    let out = run("function* g() { const x = yield 1; yield* other(); }");
    assert_eq!(out.code.matches(".y(yield").count(), 2, "{}", out.code);
}

#[test]
fn generators_resolve_again_in_catch_and_finally() {
    let out = run("function* g() { try { yield 1 } catch (e) { a() } finally { b() } }\nfunction f() { try {} finally {} }");
    // At the top of the catch and finally blocks of the generator only.
    let again = format!("{{{} = {}();", names_for("/t/x.js").table, names_for("/t/x.js").resolver);
    assert_eq!(out.code.matches(&again).count(), 2, "{}", out.code);
}

#[test]
fn output_source_map_points_back_at_the_input() {
    let opts = InstrumentOptions { source_map: true, ..Default::default() };
    let out = instrument("a();\nb();\n", "/t/m.js", 0, &opts).unwrap();
    let map: serde_json::Value = serde_json::from_str(out.map.as_deref().unwrap()).unwrap();
    assert_eq!(map["sources"][0], "/t/m.js");
    assert!(!map["mappings"].as_str().unwrap().is_empty());
}
