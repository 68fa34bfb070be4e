// Package ignores holds an ignore comment naming no rule: the tool exits 1
// for it, so go vet must show it too.
package ignores

func f() int {
	n := 1 /* want `unknown-rule: .//gofix-leaks:ignore no-such-rule. names no loaded rule` */ //gofix-leaks:ignore no-such-rule
	return n
}
