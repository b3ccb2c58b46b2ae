//! A unit: the count-independent part of one Istanbul file coverage (its
//! maps, already source-map composed) plus the layout that lays its counters
//! out flat: statements, functions, branch arms, then `bT` arms. Units are
//! content-addressed, so N processes (or shards) storing the same file store
//! it once.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::coverage::{content_hash, FileCoverage};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub s: Vec<String>,
    pub f: Vec<String>,
    pub b: Vec<(String, u32)>,
    /// Present when the file coverage has `bT` (reportLogic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bt: Option<Vec<(String, u32)>>,
}

impl Layout {
    pub fn counters(&self) -> usize {
        let arms = |v: &[(String, u32)]| v.iter().map(|(_, n)| *n as usize).sum::<usize>();
        self.s.len() + self.f.len() + arms(&self.b) + self.bt.as_deref().map_or(0, arms)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub hash: String,
    pub path: String,
    /// JSON object of every field but the counters (`s`, `f`, `b`, `bT`).
    pub maps: String,
    pub layout: Layout,
}

fn unit_hash(maps: &str, layout: &Layout) -> String {
    let layout = serde_json::to_string(layout).expect("layout serializes");
    content_hash(&format!("{maps}\n{layout}"))
}

impl Unit {
    /// The unit of a registry report (`maps_json` and `hash` as its flush writes them).
    /// Its `maps` starts with `{` and `maps_json` (the registry keeps no other copy).
    pub fn from_file_coverage(fc: &FileCoverage, maps_json: &str, hash: &str) -> Self {
        let maps =
            format!("{{{maps_json},\"_coverageSchema\":\"{}\",\"hash\":\"{hash}\"}}", crate::coverage::COVERAGE_SCHEMA);
        let has_bt = fc.report_logic && fc.branches.iter().any(|b| b.paths.iter().any(|p| p.true_slot.is_some()));
        let layout = Layout {
            s: (0..fc.statements.len()).map(|i| i.to_string()).collect(),
            f: (0..fc.functions.len()).map(|i| i.to_string()).collect(),
            b: fc.branches.iter().map(|b| (b.key.to_string(), b.paths.len() as u32)).collect(),
            bt: has_bt.then(|| {
                fc.branches
                    .iter()
                    .filter(|b| b.paths.iter().any(|p| p.true_slot.is_some()))
                    .map(|b| (b.key.to_string(), b.paths.len() as u32))
                    .collect()
            }),
        };
        Self { hash: unit_hash(&maps, &layout), path: fc.path.clone(), maps, layout }
    }

    /// Split one Istanbul file coverage object into its unit and flat counts.
    pub fn from_istanbul(key: &str, value: &Value) -> Result<(Self, Vec<u64>), String> {
        let obj = value.as_object().ok_or_else(|| format!("coverage of {key:?} is not an object"))?;
        // Istanbul's FileCoverage objects serialize as `{ data: {...} }` in some tools.
        let obj = match obj.get("data").and_then(Value::as_object) {
            Some(data) if !obj.contains_key("statementMap") => data,
            _ => obj,
        };
        let map_of = |name: &str| -> Result<&Map<String, Value>, String> {
            obj.get(name)
                .and_then(Value::as_object)
                .ok_or_else(|| format!("coverage of {key:?} is not an Istanbul file coverage: no {name} object"))
        };
        let (statement_map, fn_map, branch_map) = (map_of("statementMap")?, map_of("fnMap")?, map_of("branchMap")?);
        let path = obj.get("path").and_then(Value::as_str).unwrap_or(key).to_string();
        let counts_of = |name: &str| obj.get(name).and_then(Value::as_object);
        let number = |v: Option<&Value>| -> Result<u64, String> {
            match v {
                None | Some(Value::Null) => Ok(0),
                Some(v) => v
                    .as_u64()
                    .or_else(|| v.as_f64().filter(|f| *f >= 0.0 && f.is_finite()).map(|f| f as u64))
                    .ok_or_else(|| format!("coverage of {path:?} has a counter that is not a count: {v}")),
            }
        };
        let mut counts = Vec::new();
        let s = sorted_keys(statement_map);
        for k in &s {
            counts.push(number(counts_of("s").and_then(|m| m.get(k)))?);
        }
        let f = sorted_keys(fn_map);
        for k in &f {
            counts.push(number(counts_of("f").and_then(|m| m.get(k)))?);
        }
        let arms = |name: &str, keys: Vec<String>, counts: &mut Vec<u64>| -> Result<Vec<(String, u32)>, String> {
            let mut out = Vec::new();
            for k in keys {
                let given = counts_of(name).and_then(|m| m.get(&k)).and_then(Value::as_array);
                let declared = branch_map
                    .get(&k)
                    .and_then(|b| b.get("locations"))
                    .and_then(Value::as_array)
                    .map_or(0, |l| l.len());
                let n = given.map_or(declared, |g| g.len().max(declared));
                for i in 0..n {
                    counts.push(number(given.and_then(|g| g.get(i)))?);
                }
                out.push((k, n as u32));
            }
            Ok(out)
        };
        let b = arms("b", sorted_keys(branch_map), &mut counts)?;
        let bt = match counts_of("bT") {
            Some(bt) => Some(arms("bT", sorted_keys(bt), &mut counts)?),
            None => None,
        };
        let mut maps = obj.clone();
        for k in ["s", "f", "b", "bT"] {
            maps.remove(k);
        }
        maps.insert("path".into(), Value::String(path.clone()));
        // serde_json's Map is sorted by key here: the same coverage gives the same text.
        let maps = serde_json::to_string(&maps).map_err(|e| e.to_string())?;
        let layout = Layout { s, f, b, bt };
        Ok((Self { hash: unit_hash(&maps, &layout), path, maps, layout }, counts))
    }

    /// The Istanbul file coverage JSON of this unit with `counts` (dense, by
    /// flat slot; missing slots are zero).
    pub fn write_json(&self, out: &mut String, counts: &[u64]) {
        let at = |i: usize| counts.get(i).copied().unwrap_or(0);
        let mut slot = 0usize;
        out.push_str(self.maps.trim_end().strip_suffix('}').unwrap_or(&self.maps));
        let empty = self.maps.trim_end() == "{}";
        out.push_str(if empty { "\"s\":{" } else { ",\"s\":{" });
        for (name, keys) in [("s", &self.layout.s), ("f", &self.layout.f)] {
            if name == "f" {
                out.push_str("},\"f\":{");
            }
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                crate::coverage::write_json_string(out, k);
                let _ = write!(out, ":{}", at(slot));
                slot += 1;
            }
        }
        out.push('}');
        let arms = |out: &mut String, name: &str, arms: &[(String, u32)], slot: &mut usize| {
            let _ = write!(out, ",\"{name}\":{{");
            for (i, (k, n)) in arms.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                crate::coverage::write_json_string(out, k);
                out.push_str(":[");
                for j in 0..*n {
                    if j > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{}", at(*slot));
                    *slot += 1;
                }
                out.push(']');
            }
            out.push('}');
        };
        arms(out, "b", &self.layout.b, &mut slot);
        if let Some(bt) = &self.layout.bt {
            arms(out, "bT", bt, &mut slot);
        }
        out.push('}');
    }
}

/// Keys in Istanbul's order: numeric keys by value, others after, by text.
fn sorted_keys(m: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort_by(|a, b| match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        _ => a.cmp(b),
    });
    keys.into_iter().cloned().collect()
}

/// Flat counts of a registry report, in its unit's layout order.
pub fn flat_counts(fc: &FileCoverage, count: &dyn Fn(u32) -> u64) -> Vec<u64> {
    let mut out = Vec::with_capacity(fc.statements.len() + fc.functions.len() + 2 * fc.branches.len());
    out.extend(fc.statements.iter().map(|s| count(s.slot)));
    out.extend(fc.functions.iter().map(|f| count(f.slot)));
    for b in &fc.branches {
        out.extend(b.paths.iter().map(|p| count(p.slot)));
    }
    if fc.report_logic {
        for b in fc.branches.iter().filter(|b| b.paths.iter().any(|p| p.true_slot.is_some())) {
            out.extend(b.paths.iter().map(|p| p.true_slot.map(count).unwrap_or(0)));
        }
    }
    out
}
