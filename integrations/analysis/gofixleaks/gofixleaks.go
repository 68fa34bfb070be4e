// Package gofixleaks exposes gofix-leaks as a go/analysis Analyzer, so that
// go vet (through a -vettool built with singlechecker), go fix -fixtool,
// gopls-style drivers and golangci-lint (as a module plugin) run it.
//
// The analysis itself stays in the gofix-leaks binary: for each package
// pass, the Analyzer runs `gofix-leaks --format json FILE...` on the pass's
// files and turns each finding into a Diagnostic whose SuggestedFixes carry
// the tool's edits. The binary is the one named by the -gofix-leaks flag,
// else by $GOFIX_LEAKS, else `gofix-leaks` on PATH.
package gofixleaks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Doc is the Analyzer's documentation, as `gofix-leaks-vet -help` prints it.
const Doc = `find goroutine leaks and suggest their fixes, with gofix-leaks

Runs the gofix-leaks binary (the -gofix-leaks flag, else $GOFIX_LEAKS, else
gofix-leaks on PATH) on each package's files and reports its findings; each
fix the tool proposes is a suggested fix, which go vet -fix or go fix
-fixtool applies. The tool reads .gofix-leaks.toml from the repository root
as it does when run by hand; -gofix-leaks-flags passes further flags.`

// Config says which binary to run and what else to pass it.
type Config struct {
	// Binary is the gofix-leaks executable; empty means $GOFIX_LEAKS, else
	// gofix-leaks on PATH.
	Binary string
	// Flags are passed to the tool before the files (e.g. --only RULE,
	// --config FILE, --no-config).
	Flags []string
}

// Analyzer runs the binary named by its flags: -gofix-leaks PATH and
// -gofix-leaks-flags "ARGS" (space-separated), which a multichecker
// prefixes with the analyzer's name.
var Analyzer = newFlagAnalyzer()

func newFlagAnalyzer() *analysis.Analyzer {
	var binary, flags string
	a := &analysis.Analyzer{
		Name: "gofixleaks",
		Doc:  Doc,
		URL:  "https://pkg.go.dev/gofix-leaks.invalid/analysis/gofixleaks",
	}
	a.Flags.StringVar(&binary, "gofix-leaks", "", "path of the gofix-leaks binary (default: $GOFIX_LEAKS, else gofix-leaks on PATH)")
	a.Flags.StringVar(&flags, "gofix-leaks-flags", "", "further gofix-leaks flags, space-separated (e.g. \"--only single-result-buffer\")")
	a.Run = func(pass *analysis.Pass) (any, error) {
		return run(pass, Config{Binary: binary, Flags: strings.Fields(flags)})
	}
	return a
}

// New returns an Analyzer that runs the binary cfg names, for callers that
// configure it in code (the golangci-lint plugin) rather than by flags.
func New(cfg Config) *analysis.Analyzer {
	return &analysis.Analyzer{
		Name: "gofixleaks",
		Doc:  Doc,
		URL:  Analyzer.URL,
		Run: func(pass *analysis.Pass) (any, error) {
			return run(pass, cfg)
		},
	}
}

// report is the part of the tool's JSON report the Analyzer reads.
type report struct {
	Findings       []finding `json:"findings"`
	Skipped        []note    `json:"skipped"`
	IgnoreProblems []note    `json:"ignore_problems"`
	Errors         []struct {
		File    string `json:"file"`
		Message string `json:"message"`
	} `json:"errors"`
}

// note is what else makes the tool exit 1: code it did not analyse
// (skipped, with a reason) and ignore comments that need attention (an
// unknown rule, or with --report-unused-ignores an unused one).
type note struct {
	Kind    string `json:"kind"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

type finding struct {
	Rule           string   `json:"rule"`
	Kind           string   `json:"kind"`
	File           string   `json:"file"`
	Start          position `json:"start"`
	End            position `json:"end"`
	Message        string   `json:"message"`
	SuggestedFixes []fix    `json:"suggested_fixes"`
	NoFixReason    string   `json:"no_fix_reason"`
}

// position: line and column are 1-based, the column and the offset count
// bytes, as go/token does.
type position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

type fix struct {
	Message string `json:"message"`
	Edits   []struct {
		Filename string `json:"filename"`
		Start    int    `json:"start"`
		End      int    `json:"end"`
		New      string `json:"new"`
	} `json:"edits"`
}

func run(pass *analysis.Pass, cfg Config) (any, error) {
	files := passFiles(pass)
	if len(files.names) == 0 {
		return nil, nil
	}
	bin, err := FindBinary(cfg.Binary)
	if err != nil {
		return nil, err
	}
	rep, err := invoke(bin, cfg.Flags, files)
	if err != nil {
		return nil, err
	}
	for _, n := range rep.Skipped {
		reportNote(pass, files, n, "skipped", "gofix-leaks did not analyse this: "+n.Reason)
	}
	for _, n := range rep.IgnoreProblems {
		reportNote(pass, files, n, n.Kind, n.Kind+": "+n.Message)
	}
	for _, f := range rep.Findings {
		d, err := diagnostic(f, files)
		if err != nil {
			return nil, err
		}
		if d != nil {
			pass.Report(*d)
		}
	}
	return nil, nil
}

// reportNote reports a note at its line and byte column; one in a file
// outside the pass belongs to another build of the package.
func reportNote(pass *analysis.Pass, files fileSet, n note, category, msg string) {
	tf := files.resolve(n.File)
	if tf == nil || n.Line < 1 || n.Line > tf.LineCount() {
		return
	}
	pos := tf.LineStart(n.Line)
	if n.Column > 1 && tf.Offset(pos)+n.Column-1 <= tf.Size() {
		pos += token.Pos(n.Column - 1)
	}
	pass.Report(analysis.Diagnostic{Pos: pos, Category: category, Message: msg})
}

// fileSet holds the pass's Go files by their path with symlinked
// directories resolved, as the tool prints paths.
type fileSet struct {
	dir   string // the directory the tool runs in
	names []string
	byAbs map[string]*token.File
}

func passFiles(pass *analysis.Pass) fileSet {
	fs := fileSet{byAbs: map[string]*token.File{}}
	for _, f := range pass.Files {
		tf := pass.Fset.File(f.FileStart)
		// A file that imports "C" reaches go vet as cgo's generated copy in
		// go's work directory, which the tool skips as generated: such
		// files go unchecked here (the README says so).
		if tf == nil || !strings.HasSuffix(tf.Name(), ".go") || !filepath.IsAbs(tf.Name()) {
			continue
		}
		if _, err := os.Stat(tf.Name()); err != nil {
			continue
		}
		dir := filepath.Dir(tf.Name())
		if fs.dir == "" {
			fs.dir = dir
		}
		fs.names = append(fs.names, tf.Name())
		fs.byAbs[canonical(tf.Name())] = tf
	}
	return fs
}

func canonical(path string) string {
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(filepath.Join(dir, filepath.Base(path)))
}

// resolve finds the pass file the tool means by name: an absolute path, or
// one relative to the repository root (or the directory it ran in), which
// is then a suffix of exactly one of the pass's files.
func (fs fileSet) resolve(name string) *token.File {
	name = filepath.ToSlash(name)
	if tf, ok := fs.byAbs[name]; ok {
		return tf
	}
	if path.IsAbs(name) {
		return fs.byAbs[canonical(name)]
	}
	for abs, tf := range fs.byAbs {
		if strings.HasSuffix(abs, "/"+name) {
			return tf
		}
	}
	return nil
}

// FindBinary names the gofix-leaks executable: flag when set, else
// $GOFIX_LEAKS, else gofix-leaks on PATH.
func FindBinary(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if env := os.Getenv("GOFIX_LEAKS"); env != "" {
		return env, nil
	}
	bin, err := exec.LookPath("gofix-leaks")
	if err != nil {
		return "", errors.New("gofix-leaks binary not found: pass -gofix-leaks PATH, set GOFIX_LEAKS, or put gofix-leaks on PATH")
	}
	return bin, nil
}

// invoke runs the tool in the package's directory, so that it finds the
// repository's .gofix-leaks.toml as a run by hand there would. Exit status
// 1 only means findings remain.
func invoke(bin string, flags []string, files fileSet) (*report, error) {
	args := append([]string{"--format", "json"}, flags...)
	args = append(args, "--")
	args = append(args, files.names...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = files.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return nil, fmt.Errorf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	var rep report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("%s: reading its JSON report: %v", bin, err)
	}
	if len(rep.Errors) > 0 {
		e := rep.Errors[0]
		return nil, fmt.Errorf("gofix-leaks: %s: %s", e.File, e.Message)
	}
	return &rep, nil
}

// diagnostic turns one finding into a Diagnostic; nil when the finding is
// in no file of the pass (a sibling file excluded by build constraints).
func diagnostic(f finding, files fileSet) (*analysis.Diagnostic, error) {
	tf := files.resolve(f.File)
	if tf == nil {
		return nil, nil
	}
	pos, err := at(tf, f.Start)
	if err != nil {
		return nil, err
	}
	end, err := at(tf, f.End)
	if err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("%s [%s]: %s", f.Rule, f.Kind, f.Message)
	if f.NoFixReason != "" {
		msg += " (no automatic fix: " + f.NoFixReason + ")"
	}
	d := &analysis.Diagnostic{Pos: pos, End: end, Category: f.Rule, Message: msg}
	for _, fx := range f.SuggestedFixes {
		if sf, ok := suggestedFix(fx, files); ok {
			d.SuggestedFixes = append(d.SuggestedFixes, sf)
		}
	}
	return d, nil
}

// at turns a tool position into a token.Pos by its byte offset, and checks
// that line and column agree, so that a file changed between go's parse
// and the tool's read is an error rather than a misplaced edit.
func at(tf *token.File, p position) (token.Pos, error) {
	if p.Offset < 0 || p.Offset > tf.Size() {
		return token.NoPos, fmt.Errorf("gofix-leaks: offset %d is outside %s (%d bytes): did the file change?", p.Offset, tf.Name(), tf.Size())
	}
	pos := tf.Pos(p.Offset)
	got := tf.PositionFor(pos, false)
	if got.Line != p.Line || got.Column != p.Column {
		return token.NoPos, fmt.Errorf("gofix-leaks: %s: offset %d is %d:%d for go, %d:%d for gofix-leaks: did the file change?", tf.Name(), p.Offset, got.Line, got.Column, p.Line, p.Column)
	}
	return pos, nil
}

// suggestedFix turns the tool's fix into text edits; false when an edit
// lies in a file outside the pass, which go/analysis cannot express (the
// finding is still reported; gofix-leaks itself can apply that fix).
func suggestedFix(fx fix, files fileSet) (analysis.SuggestedFix, bool) {
	sf := analysis.SuggestedFix{Message: fx.Message}
	for _, e := range fx.Edits {
		tf := files.resolve(e.Filename)
		if tf == nil || e.Start < 0 || e.Start > e.End || e.End > tf.Size() {
			return sf, false
		}
		sf.TextEdits = append(sf.TextEdits, analysis.TextEdit{
			Pos:     tf.Pos(e.Start),
			End:     tf.Pos(e.End),
			NewText: []byte(e.New),
		})
	}
	return sf, true
}
