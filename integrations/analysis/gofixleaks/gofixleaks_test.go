package gofixleaks_test

import (
	"testing"

	"gofix-leaks.invalid/analysis/gofixleaks"

	"golang.org/x/tools/go/analysis/analysistest"
)

// The real binary on the testdata package: each finding's message and line
// (// want), and each fix applied gives the .golden files, which hold what
// `gofix-leaks --write` makes of the same files.
func TestAnalyzerFindsAndFixes(t *testing.T) {
	requireBinary(t)
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), gofixleaks.Analyzer, "leaky")
}

// The Analyzer built in code (as the golangci-lint plugin builds it) runs
// the binary it is given, with the flags it is given.
func TestNewPassesFlags(t *testing.T) {
	bin := requireBinary(t)
	a := gofixleaks.New(gofixleaks.Config{Binary: bin, Flags: []string{"--only", "waitgroup-done"}})
	analysistest.Run(t, analysistest.TestData(), a, "onlywg")
}

func requireBinary(t *testing.T) string {
	t.Helper()
	bin, err := gofixleaks.FindBinary("")
	if err != nil {
		t.Fatalf("these tests run the real binary: %v", err)
	}
	return bin
}

// What else makes the tool exit 1 shows in go vet too: an ignore comment
// that names no rule, at its byte column.
func TestIgnoreProblemsAreReported(t *testing.T) {
	requireBinary(t)
	analysistest.Run(t, analysistest.TestData(), gofixleaks.Analyzer, "ignores")
}
