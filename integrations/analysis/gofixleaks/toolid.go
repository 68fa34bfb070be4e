package gofixleaks

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// PrintToolID answers go vet's `-V=full` question in place of
// singlechecker. go vet and go fix cache each package's result (its
// diagnostics and its fixes) under the vet tool's ID, which by default
// hashes only the vet tool's own executable: an upgraded gofix-leaks
// binary, another $GOFIX_LEAKS, or an edited .gofix-leaks.toml would then
// replay stale results. The ID here also hashes the binary $GOFIX_LEAKS or
// PATH names and every .gofix-leaks.toml from the current directory up.
// (A binary named by the -gofix-leaks flag is keyed by its path only: the
// flag is not passed to -V=full.)
func PrintToolID(w io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	h := sha256.New()
	if err := hashFile(h, "vet tool", self); err != nil {
		return err
	}
	if bin, err := FindBinary(""); err == nil {
		// Missing binaries hash as absent: that run fails, and go does not
		// cache failures.
		_ = hashFile(h, "gofix-leaks", bin)
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			_ = hashFile(h, "config", filepath.Join(dir, ".gofix-leaks.toml"))
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	_, err = fmt.Fprintf(w, "%s version devel gofix-leaks buildID=%x\n", self, h.Sum(nil))
	return err
}

func hashFile(h io.Writer, label, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(h, "%s %s\n", label, path)
	_, err = io.Copy(h, f)
	return err
}
