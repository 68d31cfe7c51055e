package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCamerasNoDevices(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"cameras", "-dev", t.TempDir()}, &out, &errb); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "no V4L2 devices") {
		t.Errorf("output %q", out.String())
	}
}

func TestCamerasUnusableNode(t *testing.T) {
	dir := t.TempDir()
	// A node that is not a V4L2 device (here a plain file) is listed as unusable.
	if err := os.WriteFile(filepath.Join(dir, "video3"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"cameras", "-dev", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "video3") || !strings.Contains(out.String(), "unusable:") {
		t.Errorf("output %q, want video3 listed as unusable", out.String())
	}
}

func TestCamerasSnapshotUsage(t *testing.T) {
	tests := []struct {
		args    []string
		code    int
		mention string
	}{
		{[]string{"cameras", "snapshot"}, 2, "missing DEVICE"},
		{[]string{"cameras", "snapshot", "/dev/video0"}, 2, "missing -o"},
		{[]string{"cameras", "snapshot", "/dev/video0", "-o", "x.jpg", "-size", "big"}, 2, "-size"},
		{[]string{"cameras", "snapshot", "/nonexistent/video9", "-o", filepath.Join(t.TempDir(), "x.jpg")}, 1, "/nonexistent/video9"},
		{[]string{"cameras", "extra"}, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := dispatch(context.Background(), tt.args, &out, &errb)
		if code != tt.code || !strings.Contains(errb.String(), tt.mention) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, errb.String(), tt.code, tt.mention)
		}
	}
}
