// Package golangci registers gofix-leaks as a golangci-lint v2 module
// plugin named "gofixleaks". Build a custom golangci-lint that imports it
// (see .custom-gcl.yml in the README) and enable it:
//
//	linters:
//	  enable: [gofixleaks]
//	  settings:
//	    custom:
//	      gofixleaks:
//	        type: module
//	        settings:
//	          binary: /usr/local/bin/gofix-leaks   # default: $GOFIX_LEAKS, else PATH
//	          flags: ["--only", "single-result-buffer"]
package golangci

import (
	"gofix-leaks.invalid/analysis/gofixleaks"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"
)

func init() {
	register.Plugin("gofixleaks", New)
}

// Settings are the plugin's settings in .golangci.yml; an unknown key is
// an error.
type Settings struct {
	Binary string   `json:"binary"`
	Flags  []string `json:"flags"`
}

// Plugin builds the Analyzer from its settings.
type Plugin struct {
	settings Settings
}

// New decodes the settings golangci-lint hands over.
func New(settings any) (register.LinterPlugin, error) {
	s, err := register.DecodeSettings[Settings](settings)
	if err != nil {
		return nil, err
	}
	return &Plugin{settings: s}, nil
}

// BuildAnalyzers returns the one Analyzer.
func (p *Plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return []*analysis.Analyzer{gofixleaks.New(gofixleaks.Config{
		Binary: p.settings.Binary,
		Flags:  p.settings.Flags,
	})}, nil
}

// GetLoadMode: the tool parses the files itself; golangci-lint need not
// type-check for it.
func (p *Plugin) GetLoadMode() string {
	return register.LoadModeSyntax
}
