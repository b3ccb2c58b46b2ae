//! Tests that add nothing: every counter a test hit (in either half) was also
//! hit by another test. Read straight from the hits rows, two passes.

use std::collections::HashMap;

use serde::Serialize;

use super::{sparse, Result, Store};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Redundant {
    pub test: String,
    /// Counters (statements, functions, branch arms) the test hit.
    pub counters: u64,
}

impl Store {
    /// Tests whose hit counters are all hit by other tests too, sorted by
    /// name; tests in `ignore` (the startup bucket) neither count nor cover.
    pub fn redundant(&self, ignore: &[String]) -> Result<Vec<Redundant>> {
        let mut stmt = self.conn.prepare(
            "SELECT tests.name, hits.unit, hits.counts FROM hits JOIN tests ON tests.id = hits.test ORDER BY tests.name",
        )?;
        let mut units: HashMap<String, u32> = HashMap::new();
        // (unit, slot) -> (tests hitting it, the last test seen), so a test hitting
        // a slot in both halves counts once.
        let mut slots: HashMap<(u32, u32), (u32, u32)> = HashMap::new();
        let mut names: Vec<String> = Vec::new();
        let mut rows: Vec<(u32, u32, Vec<u8>)> = Vec::new();
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let name: String = r.get(0)?;
            if ignore.contains(&name) {
                continue;
            }
            if names.last() != Some(&name) {
                names.push(name);
            }
            let test = names.len() as u32 - 1;
            let next = units.len() as u32;
            let unit = *units.entry(r.get(1)?).or_insert(next);
            let counts: Vec<u8> = r.get(2)?;
            for (slot, n) in sparse::decode(&counts)? {
                if n == 0 {
                    continue;
                }
                let e = slots.entry((unit, slot)).or_insert((0, u32::MAX));
                if e.1 != test {
                    *e = (e.0 + 1, test);
                }
            }
            rows.push((test, unit, counts));
        }
        let mut hit = vec![0u64; names.len()];
        let mut alone = vec![false; names.len()];
        for (test, unit, counts) in &rows {
            for (slot, n) in sparse::decode(counts)? {
                if n == 0 {
                    continue;
                }
                hit[*test as usize] += 1;
                if slots[&(*unit, slot)].0 < 2 {
                    alone[*test as usize] = true;
                }
            }
        }
        Ok(names
            .into_iter()
            .enumerate()
            .filter(|(i, _)| hit[*i] > 0 && !alone[*i])
            .map(|(i, test)| Redundant { test, counters: hit[i] })
            .collect())
    }

    /// `redundant` as JSON text (for the binding).
    pub fn redundant_json(&self, ignore: &[String]) -> Result<String> {
        Ok(serde_json::to_string(&self.redundant(ignore)?).expect("serializes"))
    }
}
