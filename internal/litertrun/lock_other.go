//go:build !unix

package litertrun

// lockFile is a no-op where flock is missing (the tests that install
// LiteRT.js run on Linux).
func lockFile(string) (func(), error) { return func() {}, nil }
