use super::*;

fn run(code: &str) -> Instrumented {
    instrument(code, "/t/x.js", 0, &InstrumentOptions::default()).expect("instruments").expect("not ignored")
}

#[test]
fn counts_statements_functions_and_branches_like_istanbul() {
    let out = run("function f(a) { if (a) { return 1 } return a ? 2 : a || 3 }\nf(1);");
    let fc = &out.files[0];
    assert_eq!(fc.functions.len(), 1);
    assert_eq!(fc.functions[0].name, "f");
    // if, return, return, f(1)
    assert_eq!(fc.statements.len(), 4);
    let kinds: Vec<_> = fc.branches.iter().map(|b| b.kind.as_str()).collect();
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
    assert!(instrument(code, "/t/x.js", 0, &InstrumentOptions::default()).expect("parses").is_none());
}

#[test]
fn header_keeps_hashbang_and_directives_first_and_adds_no_line() {
    let out = run("#!/usr/bin/env node\n'use strict';\nfoo();\n");
    assert!(
        out.code.starts_with("#!/usr/bin/env node\n'use strict';;/*cov-als-native*/function __cov_"),
        "{}",
        out.code
    );
    assert_eq!(out.code.lines().count(), 3);
}

#[test]
fn module_initialisation_ends_after_the_last_statement() {
    let names = names_for("/t/x.js");
    let end = format!(";var {i} = {}.e({i});", names.resolver, i = names.init);
    let begin = format!("var {} = ({r}.b || {r})(0, 0, 1), {} = {r}();", names.init, names.table, r = names.resolver);
    // After the last statement (one ending by ASI too), before trailing
    // comments: a `//# sourceMappingURL` stays last.
    let out = run("const a = 1\nf()\n// done\n//# sourceMappingURL=x.js.map\n");
    assert!(out.code.contains(&begin), "{}", out.code);
    assert_eq!(out.code.matches(&end).count(), 1, "{}", out.code);
    let tail = &out.code[out.code.find(&end).unwrap()..];
    assert_eq!(tail, format!("{end}\n// done\n//# sourceMappingURL=x.js.map\n"));
    assert!(out.code[..out.code.find(&end).unwrap()].ends_with("f()"), "{}", out.code);
    // The last statement's own inserted closing text (the else counter) comes first.
    let out = run("if (a) b()");
    assert!(out.code.ends_with(&format!(" }}{end}")), "{}", out.code);
    // Without statements: begun and ended in the header.
    let out = run("'use strict'\n// nothing\n");
    assert!(out.code.contains(&format!("{begin}{end}")), "{}", out.code);
    // A script's completion value (what eval and vm return) stays its last statement's.
    let out = run("1 + 1");
    assert!(out.code.ends_with(&format!("1 + 1{end}")), "{}", out.code);
    // The browser form has no module initialisation of its own.
    let browser = InstrumentOptions { form: Form::Browser, ..InstrumentOptions::default() };
    let out = instrument("a()", "/t/x.js", 0, &browser).unwrap().unwrap();
    assert!(!out.code.contains(&end) && !out.code.contains("(0, 0, 1)"), "{}", out.code);
}

#[test]
fn bundler_module_factories_begin_and_end_module_initialisation() {
    // A chunk of two module factories whose statements map to the top level
    // of a.js and b.js; `f` maps to a function of a.js.
    let chunk = "module.exports = [\n1, ((ctx) => {\nconst a = ctx.r(2)\nfunction f() { return a }\nctx.e = f\n}),\n2, ((ctx) => {\nctx.x(1)\n}),\n];\n";
    let map = r#"{"version":3,"sources":["a.js","b.js"],"names":[],"mappings":";;AAAA;AACA;AACA;;;ACFA"}"#;
    let names = names_for("/t/chunk.js");
    let (r, i) = (&names.resolver, &names.init);
    let begin = format!("var {i} = ({r}.b || {r})(0, 0, 1);");
    let with_map = InstrumentOptions { input_source_map: Some(map.into()), ..InstrumentOptions::default() };
    let out = instrument(chunk, "/t/chunk.js", 0, &with_map).unwrap().unwrap();
    // The header's, and one per factory; none in f.
    assert_eq!(out.code.matches(&begin).count(), 2, "{}", out.code);
    let f = out.code.find("function f()").unwrap();
    assert!(!out.code[f..out.code.find("ctx.e = f").unwrap()].contains(&begin), "{}", out.code);
    // A body with a function declaration ends at its close; a cached entry in a finally.
    assert!(out.code.contains(&format!("ctx.e = f\n;var {i} = {r}.e({i});}})")), "{}", out.code);
    assert!(out.code.contains(&format!("{begin} try {{")), "{}", out.code);
    assert!(out.code.contains(&format!("}} finally {{ {r}.e({i}); }}}})")), "{}", out.code);
    // Without a map to original files, a function is only a function.
    let out = run(chunk);
    assert!(!out.code.contains(&begin), "{}", out.code);
}

#[test]
fn generators_resolve_the_table_after_each_yield() {
    let out = run("function* g() { const x = yield 1; yield* other(); }");
    assert_eq!(out.code.matches(".y(yield").count(), 2, "{}", out.code);
}

#[test]
fn generators_resolve_again_in_catch_and_finally() {
    let out =
        run("function* g() { try { yield 1 } catch (e) { a() } finally { b() } }\nfunction f() { try {} finally {} }");
    // At the top of the catch and finally blocks of the generator only.
    let again = format!("{{{} = {}();", names_for("/t/x.js").table, names_for("/t/x.js").resolver);
    assert_eq!(out.code.matches(&again).count(), 2, "{}", out.code);
}

#[test]
fn output_source_map_points_back_at_the_input() {
    let opts = InstrumentOptions { source_map: true, ..Default::default() };
    let out = instrument("a();\nb();\n", "/t/m.js", 0, &opts).unwrap().unwrap();
    let map: serde_json::Value = serde_json::from_str(out.map.as_deref().unwrap()).unwrap();
    assert_eq!(map["sources"][0], "/t/m.js");
    assert!(!map["mappings"].as_str().unwrap().is_empty());
}

fn with_hints(code: &str) -> FileCoverage {
    run(code).files.into_iter().next().expect("coverage")
}

#[test]
fn c8_ignore_next_n_ignores_the_next_n_lines() {
    let fc = with_hints("a();\n/* c8 ignore next 2 */\nb();\nc();\nd();");
    let lines: Vec<u32> = fc.statements.iter().map(|s| s.loc.start.line).collect();
    assert_eq!(lines, vec![1, 5]);
}

#[test]
fn hint_words_need_a_boundary_and_else_is_not_skipped() {
    assert_eq!(with_hints("/* istanbul ignore next1 */ f();").statements.len(), 1);
    // A comment before `else` trails the block: it leads nothing.
    let fc = with_hints("if (a) { x() } /* istanbul ignore next */ else { z() }");
    assert_eq!(fc.statements.len(), 3);
}

#[test]
fn branches_without_paths_are_dropped_keeping_key_gaps() {
    let fc = with_hints("switch (a) {}\nx ? 1 : 2;");
    assert_eq!(fc.branches.len(), 1);
    assert_eq!(fc.branches[0].key, 1);
}

#[test]
fn private_methods_have_no_function_entry_but_count_their_statements() {
    let fc = with_hints("class A { #m() { a() } n() { b() } }");
    assert_eq!(fc.functions.len(), 1);
    assert_eq!(fc.statements.len(), 2);
}

#[test]
fn a_wrapped_initializer_loses_its_hint_a_hoisted_function_keeps_it() {
    // Istanbul replaces `a ? b : c` by `(counter, a ? b : c)` first: the hint goes with the wrapper.
    assert_eq!(with_hints("var f = /* istanbul ignore next */ a ? b : c;").branches.len(), 1);
    assert_eq!(with_hints("var f = /* istanbul ignore next */ function () { a() };").functions.len(), 0);
}

#[test]
fn top_level_return_is_accepted_unless_a_module_is_asked_for() {
    assert!(instrument("if (a) return\nb()", "/t/r.js", 0, &InstrumentOptions::default()).is_ok());
    let module = InstrumentOptions { mode: ModuleMode::Module, ..Default::default() };
    assert!(instrument("return 1", "/t/r.mjs", 0, &module).is_err());
}

#[test]
fn code_declaring_global_this_reaches_the_runtime_another_way() {
    assert!(run("let globalThis = {};").code.contains(".constructor(\"return this\")()"));
    assert!(run("/* istanbul ignore next */ function globalThis() {}")
        .code
        .contains(".constructor(\"return this\")()"));
    assert!(!run("globalThis.x = 1;").code.contains(".constructor("));
}

#[test]
fn browser_form_counts_into_istanbul_objects_not_the_runtime() {
    let opts = InstrumentOptions { form: Form::Browser, ..Default::default() };
    let out = instrument("function f(a) { return a ? 1 : 2 }", "/t/b.js", 0, &opts).unwrap().unwrap();
    assert!(out.code.contains("g.__coverage__ || (g.__coverage__ = {})"), "{}", out.code);
    assert!(!out.code.contains(RUNTIME_GLOBAL), "{}", out.code);
    let c = names_for("/t/b.js").table;
    for inc in [".f[0]++", ".s[0]++", ".b[0][0]++", ".b[0][1]++"] {
        assert!(out.code.contains(&format!("{c}{inc}")), "{inc}: {}", out.code);
    }
    // The same maps as the server form.
    let server = run_at("function f(a) { return a ? 1 : 2 }", "/t/b.js");
    assert!(out.code.contains(&server.files[0].maps_json()));
}

fn run_at(code: &str, filename: &str) -> Instrumented {
    instrument(code, filename, 0, &InstrumentOptions::default()).unwrap().unwrap()
}

/// The output parses (as a script, or as a module for `module` code).
fn assert_parses(code: &str) {
    let alloc = oxc_allocator::Allocator::default();
    let ret = oxc_parser::Parser::new(&alloc, code, oxc_span::SourceType::cjs()).parse();
    assert!(ret.diagnostics.is_empty() && !ret.panicked, "{:?}\n{code}", ret.diagnostics);
}

#[test]
fn entry_cache_wraps_bodies_in_try_finally_and_restores_the_entry_value() {
    let out = run("function f() { return g() }\nconst a = (x) => g(x)\nclass K { m() { new g() } }");
    let n = names_for("/t/x.js");
    let (p, r, c) = (&n.prev, &n.resolver, &n.table);
    // The cached context's table inline (file id 0), a call to R only without one.
    let entry = format!("var {p} = {}.c; try {{ var {c} = {p} && {p}.tables[0] || {r}({p}, 1);", emit::ENTRY_CACHE);
    let exit = format!("}} finally {{ {}.c = {p}; }}", emit::ENTRY_CACHE);
    assert_eq!(out.code.matches(&entry).count(), 3, "{}", out.code);
    assert_eq!(out.code.matches(&exit).count(), 3, "{}", out.code);
    assert!(emit::ENTRY_CACHE.starts_with(RUNTIME_GLOBAL));
    assert_parses(&out.code);
}

#[test]
fn a_body_declaring_a_function_at_its_top_level_keeps_the_plain_lookup() {
    // `var g; function g() {}` is legal in a function body, a SyntaxError in a block.
    let out =
        run("function f() { var g = 1; function g() { x() } return g }\nfunction h() { l: function k() { x() } }");
    let n = names_for("/t/x.js");
    for f in ["f", "h"] {
        let plain = format!(
            "function {f}() {{var {c} = {e}.c; {c} = {c} && {c}.tables[0] || {}();",
            n.resolver,
            c = n.table,
            e = emit::ENTRY_CACHE
        );
        assert!(out.code.contains(&plain), "{}", out.code);
    }
    // The declared functions themselves have no such declarations.
    assert_eq!(out.code.matches(" try {").count(), 2, "{}", out.code);
    assert_parses(&out.code);
}

#[test]
fn empty_bodies_and_directive_only_bodies_stay_well_formed() {
    let out = run("async function a() {}\nasync function b() {'use strict'}\nconst c = async () => {}\nasync function d() { for await (const x of y) {} }\nfunction* e() {}");
    assert_parses(&out.code);
    assert_eq!(out.code.matches(" try {").count(), 6, "{}", out.code);
}

#[test]
fn suspension_points_hand_the_cache_back() {
    let code = "async function a() { await x; for await (const y of z) w(y); }\nfunction* g() { yield; yield* h(); }\nasync function* ag() { yield 1; return 2 }";
    let out = run(code);
    let n = names_for("/t/x.js");
    let hand_back = format!("{}.s(", emit::ENTRY_CACHE);
    // await x, for await's iterable, yield (no operand), yield*, yield 1, return 2
    assert_eq!(out.code.matches(&hand_back).count(), 6, "{}", out.code);
    // An async body re-takes its own context after the await, at the top of the loop body.
    assert_eq!(out.code.matches(&format!("{}.c = {}", emit::ENTRY_CACHE, n.context)).count(), 2, "{}", out.code);
    assert_parses(&out.code);
}

#[test]
fn awaits_at_module_top_level_and_in_plain_bodies_are_left_alone() {
    let opts = InstrumentOptions { mode: ModuleMode::Module, ..Default::default() };
    let out =
        instrument("await x;\nfor await (const y of z) {}\nfunction f() {}", "/t/m.mjs", 0, &opts).unwrap().unwrap();
    assert!(!out.code.contains(&format!("{}.s(", emit::ENTRY_CACHE)), "{}", out.code);
}

#[test]
fn the_browser_form_has_no_entry_cache() {
    let opts = InstrumentOptions { form: Form::Browser, ..Default::default() };
    let out = instrument("async function f() { await g() }", "/t/b.js", 0, &opts).unwrap().unwrap();
    assert!(!out.code.contains(emit::ENTRY_CACHE), "{}", out.code);
}

fn run_checked(code: &str) -> Result<Option<Instrumented>, InstrumentError> {
    instrument(code, "/t/x.mjs", 0, &InstrumentOptions { check_tokens: true, ..InstrumentOptions::default() })
}

#[test]
fn inserted_code_is_separated_from_await_and_yield() {
    for code in ["async function f(){ await(g)(); }", "function* g(){ yield(0,h.x)(); }", "async()=>await(1)"] {
        let out = run_checked(code).expect("keeps every token").expect("not ignored");
        assert!(!out.code.contains("await__") && !out.code.contains("yield__"), "{}", out.code);
    }
}

#[test]
fn a_for_await_body_that_is_an_if_without_else_keeps_its_else_counter_inside() {
    // esbuild writes loop bodies without braces: the implicit else's counter
    // closes before the body's context wrapper does.
    for code in [
        "async function f(b){ for await (const c of b) if (c) g(); }",
        "async function f(b){ for await (const c of b) if (c) if (d) g(); }",
        "async function f(b){ for await (const c of b) { if (c) g() } }",
    ] {
        run_checked(code).expect("the output parses and keeps every token");
    }
}

#[test]
fn leaf_functions_read_the_cache_without_setting_it() {
    // Leaves: no call, `new`, tagged template, import() or class in their own frame.
    let leaves = "const cmp = (a, b) => a.price - b.price\nfunction get() { return this.x + 1 }\nconst o = { get y() { return 2 } }\nfunction outer() { return () => g() }";
    // Not leaves: each calls in its own frame; async and generator bodies always hand back.
    let callers = "const c1 = (a) => f(a)\nfunction c2() { return new K() }\nfunction c3() { return t`x` }\nfunction c4() { return import('m') }\nfunction c5() { return class { static s = f() } }\nasync function c6() { return 1 }\nfunction* c7() {}";
    let n = names_for("/t/x.js");
    let plain =
        format!("var {c} = {e}.c; {c} = {c} && {c}.tables[0] || {}();", n.resolver, c = n.table, e = emit::ENTRY_CACHE);
    let out = run(leaves);
    // cmp, get, the getter and outer; the arrow outer returns calls g, so it is cached.
    assert_eq!(out.code.matches(&plain).count(), 4, "{}", out.code);
    assert_eq!(out.code.matches(" try {").count(), 1, "{}", out.code);
    assert_parses(&out.code);
    let out = run(callers);
    assert_eq!(out.code.matches(" try {").count(), 7, "{}", out.code);
    assert_parses(&out.code);
}

#[test]
fn entries_read_the_cached_table_of_their_own_file_id_on_the_server_only() {
    let code = "function f() { return g() }\nconst cmp = (a, b) => a - b";
    let out = instrument(code, "/t/x.js", 7, &InstrumentOptions::default()).unwrap().unwrap();
    assert!(out.code.contains("rt.file(7, "), "{}", out.code);
    assert_eq!(out.code.matches(".tables[7] || ").count(), 2, "{}", out.code);
    assert!(!out.code.contains(".tables[0]"), "{}", out.code);
    let browser = InstrumentOptions { form: Form::Browser, ..Default::default() };
    let out = instrument(code, "/t/x.js", 7, &browser).unwrap().unwrap();
    assert!(!out.code.contains(".tables["), "{}", out.code);
    assert_parses(&out.code);
}
