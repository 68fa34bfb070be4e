package golangci_test

import (
	"path/filepath"
	"strings"
	"testing"

	"gofix-leaks.invalid/analysis/gofixleaks"
	_ "gofix-leaks.invalid/analysis/golangci"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis/analysistest"
)

// golangci-lint finds the plugin by name, hands it the settings from
// .golangci.yml (decoded from JSON-like values), and runs its analyzers.
func TestPluginFromSettings(t *testing.T) {
	bin, err := gofixleaks.FindBinary("")
	if err != nil {
		t.Fatalf("this test runs the real binary: %v", err)
	}
	newPlugin, err := register.GetPlugin("gofixleaks")
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlugin(map[string]any{
		"binary": bin,
		"flags":  []any{"--only", "waitgroup-done"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.GetLoadMode() != register.LoadModeSyntax {
		t.Errorf("load mode %q: the tool parses files itself and needs no types", p.GetLoadMode())
	}
	analyzers, err := p.BuildAnalyzers()
	if err != nil || len(analyzers) != 1 {
		t.Fatalf("BuildAnalyzers: %v, %d analyzers", err, len(analyzers))
	}
	testdata, err := filepath.Abs("../gofixleaks/testdata")
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, testdata, analyzers[0], "onlywg")
}

// A misspelt setting is an error that names it, not a silent default.
func TestPluginRejectsUnknownSetting(t *testing.T) {
	newPlugin, err := register.GetPlugin("gofixleaks")
	if err != nil {
		t.Fatal(err)
	}
	_, err = newPlugin(map[string]any{"bianry": "/x"})
	if err == nil || !strings.Contains(err.Error(), "bianry") {
		t.Fatalf("unknown setting accepted or not named: %v", err)
	}
}
