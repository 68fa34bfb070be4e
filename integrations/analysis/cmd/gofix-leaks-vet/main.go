// Command gofix-leaks-vet runs gofix-leaks as a go vet tool:
//
//	go vet -vettool=$(command -v gofix-leaks-vet) ./...            # report
//	go vet -vettool=$(command -v gofix-leaks-vet) -fix ./...       # apply the fixes
//	go vet -vettool=$(command -v gofix-leaks-vet) -fix -diff ./... # print them
//	go fix -fixtool=$(command -v gofix-leaks-vet) ./...            # apply, as go fix
//
// Run alone (gofix-leaks-vet ./...), it loads the packages itself; -fix
// applies the fixes, -diff prints them.
package main

import (
	"fmt"
	"log"
	"os"
	"strings"

	"gofix-leaks.invalid/analysis/gofixleaks"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/singlechecker"
)

func main() {
	// go vet and go fix ask for the tool's ID to key their result cache;
	// the ID must change with the gofix-leaks binary too.
	if len(os.Args) == 2 && os.Args[1] == "-V=full" {
		if err := gofixleaks.PrintToolID(os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	if fixRequested(os.Args[1:]) {
		// In -fix mode x/tools applies fixes and drops analyzer errors
		// without a word, and go vet would cache that empty result: a
		// missing binary or a bad .gofix-leaks.toml must fail the run.
		run := gofixleaks.Analyzer.Run
		gofixleaks.Analyzer.Run = func(pass *analysis.Pass) (any, error) {
			res, err := run(pass)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", pass.Pkg.Path(), err)
				os.Exit(1)
			}
			return res, nil
		}
	}
	singlechecker.Main(gofixleaks.Analyzer)
}

func fixRequested(args []string) bool {
	for _, a := range args {
		a = strings.TrimPrefix(a, "-")
		if a == "-fix" || a == "fix" || a == "-fix=true" || a == "fix=true" {
			return true
		}
	}
	return false
}
