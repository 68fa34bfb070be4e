//! The literal prefilter: each rule's `require` literals, found in a file
//! in one pass, then asked per byte range (the file, a top-level
//! declaration) whether all of a rule's literals occur there, and then
//! whether its `require_match` expressions match there, and whether its
//! `require_in_loop` literals occur inside a `for` statement's text. A file
//! or a declaration is parsed and queried for a rule only where they all
//! do.

use memchr::memmem::Finder;
use regex::bytes::Regex;
use std::ops::Range;

/// Every rule's literals, each searched once per file.
pub struct Prefilter {
    /// The distinct literals of all rules, with their searchers.
    literals: Vec<String>,
    finders: Vec<Finder<'static>>,
    /// Per rule, the indexes (into `literals`) of the literals it requires.
    of_rule: Vec<Vec<usize>>,
    /// Per rule, its `require_match` expressions.
    matches: Vec<Vec<Regex>>,
    /// Per rule, the indexes of the literals that must occur in a loop.
    in_loop: Vec<Vec<usize>>,
}

/// What one rule requires of the text it runs on.
pub struct Require<'r> {
    pub literals: &'r [String],
    pub matches: &'r [Regex],
    /// Literals (among `literals`) that must occur inside a loop.
    pub in_loop: &'r [String],
}

impl Prefilter {
    /// `require[i]`: what rule `i` requires (nothing: it always runs).
    pub fn new(require: &[Require]) -> Prefilter {
        let mut literals: Vec<String> = Vec::new();
        let mut index = |l: &String| match literals.iter().position(|x| x == l) {
            Some(k) => k,
            None => {
                literals.push(l.clone());
                literals.len() - 1
            }
        };
        let of_rule = require
            .iter()
            .map(|r| r.literals.iter().map(&mut index).collect())
            .collect();
        let in_loop = require
            .iter()
            .map(|r| r.in_loop.iter().map(&mut index).collect())
            .collect();
        let finders = literals
            .iter()
            .map(|l| Finder::new(l.as_bytes()).into_owned())
            .collect();
        Prefilter {
            literals,
            finders,
            of_rule,
            matches: require.iter().map(|r| r.matches.to_vec()).collect(),
            in_loop,
        }
    }

    /// Where the literals occur in `src`, overlapping ones included
    /// (memmem's own iterator skips them). A SIMD search per literal cost
    /// a quarter of one overlapping automaton over all of them on grpc.
    pub fn scan<'s>(&'s self, src: &'s [u8]) -> Found<'s> {
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
        Found {
            filter: self,
            src,
            at,
        }
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
    src: &'p [u8],
    at: Vec<Vec<usize>>,
}

impl Found<'_> {
    /// Whether every literal rule `rule` requires occurs wholly in `range`,
    /// each of its expressions matches the text of `range`, and each of
    /// its loop literals occurs there inside a `for` statement's text.
    pub fn holds(&self, rule: usize, range: Range<usize>) -> bool {
        let within = |k: usize| {
            let at = &self.at[k];
            let first = at.partition_point(|&p| p < range.start);
            let len = self.filter.literals[k].len();
            at[first..]
                .iter()
                .take_while(move |&&p| p + len <= range.end)
                .copied()
        };
        self.filter.of_rule[rule]
            .iter()
            .all(|&k| within(k).next().is_some())
            && self.filter.matches[rule]
                .iter()
                .all(|re| re.is_match(&self.src[range.clone()]))
            && (self.filter.in_loop[rule].is_empty() || {
                match crate::go::syntax::loop_spans(&self.src[range.clone()]) {
                    None => true,
                    Some(spans) => self.filter.in_loop[rule].iter().all(|&k| {
                        let len = self.filter.literals[k].len();
                        within(k).any(|p| {
                            let (start, end) = (p - range.start, p - range.start + len);
                            spans.iter().any(|s| s.start <= start && end <= s.end)
                        })
                    }),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn require<'r>(
        literals: &'r [String],
        matches: &'r [Regex],
        in_loop: &'r [String],
    ) -> Require<'r> {
        Require {
            literals,
            matches,
            in_loop,
        }
    }

    /// A loop literal must occur inside a `for` statement of the range (one
    /// occurrence is enough), unless the range holds a `goto`.
    #[test]
    fn loop_literals_must_sit_in_a_loop() {
        let lits: Vec<String> = vec!["After(".into(), "select".into()];
        let filter = Prefilter::new(&[require(&lits, &[], &lits[..1]), require(&lits, &[], &[])]);
        let decls = [
            (
                "func a() {\n\tselect {\n\tcase <-time.After(d):\n\t}\n}\n",
                false,
            ),
            (
                "func b() {\n\tfor {\n\t\tselect {\n\t\tcase <-time.After(d):\n\t\t}\n\t}\n}\n",
                true,
            ),
            (
                "func c() {\n\tfor {\n\t}\n\tselect {\n\tcase <-time.After(d):\n\t}\n}\n",
                false,
            ),
            (
                "func d() {\n\t<-time.After(d)\n\tfor {\n\t\tselect {\n\t\tcase <-time.After(d):\n\t\t}\n\t}\n}\n",
                true,
            ),
            (
                "func e() {\nL:\n\tselect {\n\tcase <-time.After(d):\n\t\tgoto L\n\t}\n}\n",
                true,
            ),
        ];
        let src: String = decls.iter().map(|(d, _)| *d).collect();
        let found = filter.scan(src.as_bytes());
        let mut start = 0;
        for (d, in_loop) in decls {
            let range = start..start + d.len();
            assert_eq!(found.holds(0, range.clone()), in_loop, "{d}");
            assert!(found.holds(1, range), "{d}");
            start += d.len();
        }
        // Over the whole text, a loop anywhere with the literal in it will do.
        assert!(found.holds(0, 0..src.len()));
    }

    /// The one-pass answers are the ones a search of each range gives.
    #[test]
    fn holds_as_a_search_of_the_range_would() {
        let rules: Vec<Vec<String>> = vec![
            vec!["make(".into(), "go ".into()],
            vec!["make(chan".into()],
            vec![],
            vec!["After(".into(), "select".into()],
        ];
        let refs: Vec<Require> = rules.iter().map(|r| require(r, &[], &[])).collect();
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

    /// A rule's expressions must all match inside the range too, on top of
    /// its literals; a rule with only expressions runs where they match.
    #[test]
    fn expressions_narrow_what_the_literals_let_through() {
        let lits: Vec<String> = vec!["make(".into()];
        let chan = [Regex::new(r"\bmake\(\s*chan\b").unwrap()];
        let go = [Regex::new(r"\bgo ").unwrap()];
        let filter = Prefilter::new(&[
            require(&lits, &chan, &[]),
            require(&[], &go, &[]),
            require(&lits, &[], &[]),
        ]);
        let src = b"a := make([]int)\nb := make(chan int)\ngo f()";
        let found = filter.scan(src);
        let line = |n: usize| {
            let start = src
                .split(|&b| b == b'\n')
                .take(n)
                .map(|l| l.len() + 1)
                .sum::<usize>();
            let len = src[start..].iter().position(|&b| b == b'\n');
            start..len.map_or(src.len(), |l| start + l)
        };
        assert!(!found.holds(0, line(0)), "a make, but not of a channel");
        assert!(found.holds(0, line(1)));
        assert!(found.holds(0, 0..src.len()));
        assert!(!found.holds(1, line(1)));
        assert!(found.holds(1, line(2)));
        assert!(
            found.holds(2, line(0)),
            "no expressions: the literal is enough"
        );
        assert!(!found.holds(2, line(2)));
    }
}
