// Package testfaces locates the shared face images (../shared/faces) that
// tests and evaluations read. The images are never copied into the repo.
//
// Outside CI a missing folder skips the test with a message; in CI (CI=true)
// it fails the test, because CI has the folder and must not skip.
package testfaces

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Root returns the absolute path of the shared faces folder: $FACEGATE_FACES
// if set, else ../shared/faces relative to the module root.
func Root() string {
	if d := os.Getenv("FACEGATE_FACES"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	// file is <module>/internal/testfaces/testfaces.go
	mod := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	return filepath.Join(filepath.Dir(mod), "shared", "faces")
}

// Dir returns Root()/sub, skipping the test (outside CI) or failing it (in
// CI) when the folder is missing.
func Dir(tb testing.TB, sub string) string {
	tb.Helper()
	d := filepath.Join(Root(), sub)
	if _, err := os.Stat(d); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("face data %s is missing in CI: %v", d, err)
		}
		tb.Skipf("face data %s not present (set FACEGATE_FACES or check out ../shared/faces): %v", d, err)
	}
	return d
}

// Model returns the path of a model file under the module's models/
// directory, skipping (outside CI) or failing (in CI) when it is missing.
// Run `make models` to fetch them.
func Model(tb testing.TB, name string) string {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	mod := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	p := filepath.Join(mod, "models", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("model %s is missing in CI (make models): %v", p, err)
		}
		tb.Skipf("model %s not present: run `make models`", p)
	}
	return p
}
