package quantize

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRanges(t *testing.T) {
	tests := []struct {
		name, in, err string
	}{
		{"ok", `{"model":"m","samples":3,"tensors":{"a":[-1,2.5],"b":[0,0]}}`, ""},
		{"stat", `{"model":"m","samples":3,"stat":"mean","tensors":{"a":[-1,2.5]}}`, ""},
		{"bad stat", `{"model":"m","samples":3,"stat":"p99","tensors":{"a":[-1,2.5]}}`, `stat "p99"`},
		{"unknown field", `{"model":"m","samples":1,"tensors":{"a":[0,1]},"extra":1}`, "unknown field"},
		{"min > max", `{"model":"m","samples":1,"tensors":{"a":[2,1]}}`, `tensor "a": min 2 > max 1`},
		{"empty name", `{"model":"m","samples":1,"tensors":{"":[0,1]}}`, "empty name"},
		{"no samples", `{"model":"m","samples":0,"tensors":{"a":[0,1]}}`, "samples 0"},
		{"means", `{"model":"m","samples":1,"tensors":{"a":[0,1]},"means":{"a":[0.5,0.25]}}`, ""},
		{"means unnamed", `{"model":"m","samples":1,"tensors":{"a":[0,1]},"means":{"":[0.5]}}`, "empty name"},
		{"no tensors", `{"model":"m","samples":1,"tensors":{}}`, "no tensors"},
		{"overflow", `{"model":"m","samples":1,"tensors":{"a":[0,1e39]}}`, "tensors"},
		{"trailing", `{"model":"m","samples":1,"tensors":{"a":[0,1]}} {}`, "after the JSON"},
		{"truncated", `{"model":"m","samples":1,"tens`, "unexpected EOF"},
		{"extra values ignored (encoding/json arrays)", `{"model":"m","samples":1,"tensors":{"a":[0,1,2]}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRanges([]byte(tc.in))
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("ParseRanges: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("ParseRanges error %v, want one containing %q", err, tc.err)
			case tc.err == "" && r.Samples < 1:
				t.Fatalf("ParseRanges gave %+v", r)
			}
		})
	}
}

// TestCommittedRanges checks the ranges shipped for `make models` parse
// and survive a write/read round trip unchanged.
func TestCommittedRanges(t *testing.T) {
	files, _ := filepath.Glob("ranges/*.json")
	if len(files) < 2 {
		t.Fatalf("ranges/: %d files, want the MobileFaceNet and BlazeFace ranges", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ParseRanges(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, b) {
			t.Errorf("%s: Marshal(ParseRanges(file)) differs from the file", f)
		}
	}
}

func FuzzParseRanges(f *testing.F) {
	f.Add([]byte(`{"model":"m","samples":3,"tensors":{"a":[-1,2.5],"b":[0,0]}}`))
	f.Add([]byte(`{"model":"m","samples":1,"stat":"mean","tensors":{"x":[1e-30,3e38]}}`))
	f.Add([]byte(`{"samples":-1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRanges(b)
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("ParseRanges accepted ranges Validate rejects: %v", err)
		}
		out, err := r.Marshal()
		if err != nil {
			t.Fatalf("Marshal of parsed ranges: %v", err)
		}
		if _, err := ParseRanges(out); err != nil {
			t.Fatalf("re-parse of marshalled ranges: %v", err)
		}
	})
}
