package gofixleaks

import (
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// A position whose offset and line:column disagree (the file changed
// between go's parse and the tool's read, or the columns were counted in
// characters) is an error, not a misplaced edit.
func TestAtChecksLineAndColumn(t *testing.T) {
	src := "package p\n\nvar é, x = 1, make(chan int)\n"
	fset := token.NewFileSet()
	tf := fset.AddFile("p.go", -1, len(src))
	tf.SetLinesForContent([]byte(src))
	off := strings.Index(src, "make")
	// "var é, x = 1, " is 15 bytes, 14 characters: make is at byte column 16.
	if _, err := at(tf, position{Line: 3, Column: 16, Offset: off}); err != nil {
		t.Fatalf("byte column rejected: %v", err)
	}
	if _, err := at(tf, position{Line: 3, Column: 15, Offset: off}); err == nil || !strings.Contains(err.Error(), "did the file change?") {
		t.Fatalf("character column accepted: %v", err)
	}
	if _, err := at(tf, position{Line: 3, Column: 1, Offset: len(src) + 1}); err == nil || !strings.Contains(err.Error(), "outside p.go") {
		t.Fatalf("offset past the end accepted: %v", err)
	}
}

// The tool prints paths relative to the repository root; each names the
// one pass file it is a suffix of, and nothing else.
func TestResolveMatchesWholePathElements(t *testing.T) {
	dir := t.TempDir()
	fset := token.NewFileSet()
	fs := fileSet{byAbs: map[string]*token.File{}}
	for _, name := range []string{"a.go", "xa.go"} {
		abs := filepath.Join(dir, "pkg", name)
		fs.byAbs[canonical(abs)] = fset.AddFile(abs, -1, 1)
	}
	for name, want := range map[string]string{
		"a.go":                         "a.go",
		"repo/pkg/a.go":                "",
		"pkg/xa.go":                    "xa.go",
		filepath.Join(dir, "pkg/a.go"): "a.go",
		"other/a.go":                   "",
		"pkg/b.go":                     "",
	} {
		got := ""
		if tf := fs.resolve(name); tf != nil {
			got = filepath.Base(tf.Name())
		}
		if got != want {
			t.Errorf("resolve(%q) = %q, want %q", name, got, want)
		}
	}
}
