//! The literal prefilter: each rule's `require` literals, found in a file
//! in one pass, then asked per byte range (the file, a top-level
//! declaration) whether all of a rule's literals occur there. A file or a
//! declaration is parsed and queried for a rule only where they all do.

use memchr::memmem::Finder;
use std::ops::Range;

/// Every rule's literals, each searched once per file.
pub struct Prefilter {
    /// The distinct literals of all rules, with their searchers.
    literals: Vec<String>,
    finders: Vec<Finder<'static>>,
    /// Per rule, the indexes (into `literals`) of the literals it requires.
    of_rule: Vec<Vec<usize>>,
}

impl Prefilter {
    /// `require[i]`: the literals rule `i` requires (none: it always runs).
    pub fn new(require: &[&[String]]) -> Prefilter {
        let mut literals: Vec<String> = Vec::new();
        let of_rule = require
            .iter()
            .map(|lits| {
                lits.iter()
                    .map(|l| match literals.iter().position(|x| x == l) {
                        Some(k) => k,
                        None => {
                            literals.push(l.clone());
                            literals.len() - 1
                        }
                    })
                    .collect()
            })
            .collect();
        let finders = literals
            .iter()
            .map(|l| Finder::new(l.as_bytes()).into_owned())
            .collect();
        Prefilter {
            literals,
            finders,
            of_rule,
        }
    }

    /// Where the literals occur in `src`, overlapping ones included
    /// (memmem's own iterator skips them). A SIMD search per literal cost
    /// a quarter of one overlapping automaton over all of them on grpc.
    pub fn scan(&self, src: &[u8]) -> Found<'_> {
        let at = self
            .finders
            .iter()
            .map(|f| {
                let mut at = Vec::new();
                let mut from = 0;
                while let Some(i) = f.find(&src[from..]) {
                    let p = from + i;
                    if starts_word(f.needle(), src, p) {
                        at.push(p);
                    }
                    from = p + 1;
                }
                at
            })
            .collect();
        Found { filter: self, at }
    }
}

/// A literal that starts with an identifier character must start a word
/// (`go ` does not match inside `ago `), so that a file is parsed only when
/// it can hold the token the rule needs.
fn starts_word(literal: &[u8], src: &[u8], at: usize) -> bool {
    let ident = crate::go::syntax::is_ident_byte;
    !literal.first().is_some_and(|&b| ident(b)) || at == 0 || !ident(src[at - 1])
}

/// The literals' occurrences in one file, each list in ascending order.
pub struct Found<'p> {
    filter: &'p Prefilter,
    at: Vec<Vec<usize>>,
}

impl Found<'_> {
    /// Whether every literal rule `rule` requires occurs wholly in `range`.
    pub fn holds(&self, rule: usize, range: Range<usize>) -> bool {
        self.filter.of_rule[rule].iter().all(|&k| {
            let at = &self.at[k];
            let first = at.partition_point(|&p| p < range.start);
            at.get(first)
                .is_some_and(|&p| p + self.filter.literals[k].len() <= range.end)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass answers are the ones a search of each range gives.
    #[test]
    fn holds_as_a_search_of_the_range_would() {
        let rules: Vec<Vec<String>> = vec![
            vec!["make(".into(), "go ".into()],
            vec!["make(chan".into()],
            vec![],
            vec!["After(".into(), "select".into()],
        ];
        let refs: Vec<&[String]> = rules.iter().map(Vec::as_slice).collect();
        let filter = Prefilter::new(&refs);
        let src =
            b"x := make(chan int) // ago \ngo f()\nselect { case <-time.After(d): }\nmake(go ";
        let found = filter.scan(src);
        for (i, lits) in rules.iter().enumerate() {
            for start in 0..=src.len() {
                for end in start..=src.len() {
                    let want = lits.iter().all(|l| {
                        (start..end).any(|p| {
                            src[p..end].starts_with(l.as_bytes())
                                && starts_word(l.as_bytes(), src, p)
                        })
                    });
                    assert_eq!(found.holds(i, start..end), want, "rule {i} {start}..{end}");
                }
            }
        }
    }
}
