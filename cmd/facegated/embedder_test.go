package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbedderID(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "MobileFaceNet.tflite"), filepath.Join(dir, "MobileFaceNet-int8.tflite")
	os.WriteFile(a, []byte("float model"), 0o600)
	os.WriteFile(b, []byte("int8 model"), 0o600)
	ia, err := embedderID(a)
	if err != nil {
		t.Fatal(err)
	}
	ib, err := embedderID(b)
	if err != nil {
		t.Fatal(err)
	}
	if ia == ib || !strings.HasPrefix(ia, "MobileFaceNet.tflite sha256:") {
		t.Errorf("ids %q and %q", ia, ib)
	}
	os.WriteFile(a, []byte("float model, replaced"), 0o600)
	if again, _ := embedderID(a); again == ia {
		t.Errorf("a replaced file keeps id %q", ia)
	}
	if _, err := embedderID(filepath.Join(dir, "missing.tflite")); err == nil || !strings.Contains(err.Error(), "infer.embedder_model") {
		t.Errorf("missing file: %v", err)
	}
}
