package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testfaces"
)

// TestEvalJSON runs `facegate eval --json` on a small subset of the dev set
// (linked, never copied) and checks the documented keys and their values.
func TestEvalJSON(t *testing.T) {
	dev := testfaces.Dir(t, "dev")
	models := filepath.Dir(testfaces.Model(t, "face_detection_short_range.tflite"))
	testfaces.Model(t, "MobileFaceNet.tflite")
	dir := t.TempDir()
	set := filepath.Join(dir, "set")
	for _, f := range []string{"df_angelina_jolie/1.jpg", "df_angelina_jolie/2.jpg", "df_matt_damon/1.jpg", "df_matt_damon/2.jpg", "lfw_condoleezza_rice/1.jpg", "lfw_condoleezza_rice/2.jpg"} {
		dst := filepath.Join(set, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(dev, f), dst); err != nil {
			t.Fatal(err)
		}
	}
	plot, cal := filepath.Join(dir, "roc.png"), filepath.Join(dir, "cal.json")
	var out, errb bytes.Buffer
	err := runEval(context.Background(), []string{set, "--json", "--flip=false", "--threads", "2", "--models", models, "--plot", plot, "--calibration-out", cal}, &out, &errb)
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, errb.String())
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	for _, k := range []string{"images", "detected", "genuine_pairs", "impostor_pairs", "eer", "tar_at_far", "threshold_at_far", "subsets", "ms_per_image"} {
		if _, ok := r[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	num := func(k string) float64 { v, _ := r[k].(float64); return v }
	if num("images") != 6 || num("detected") != 6 || num("genuine_pairs") != 3 || num("impostor_pairs") != 12 {
		t.Errorf("images %v detected %v genuine %v impostor %v, want 6 6 3 12", r["images"], r["detected"], r["genuine_pairs"], r["impostor_pairs"])
	}
	if e, ok := r["eer"].(float64); !ok || e < 0 || e > 0.2 {
		t.Errorf("eer %v, want a rate in [0, 0.2] on three easy genuine pairs", r["eer"])
	}
	if ms := num("ms_per_image"); !(ms > 0) {
		t.Errorf("ms_per_image %v, want > 0", ms)
	}
	tar, _ := r["tar_at_far"].(map[string]any)
	if _, ok := tar["1e-3"]; !ok || tar["1e-3"] != nil {
		t.Errorf("tar_at_far[1e-3] = %v, want present and null with 12 impostor pairs", tar["1e-3"])
	}
	subs, _ := r["subsets"].(map[string]any)
	if len(subs) != 2 || subs["df"] == nil || subs["lfw"] == nil {
		t.Errorf("subsets %v, want df and lfw", subs)
	}
	if st, err := os.Stat(plot); err != nil || st.Size() < 1000 {
		t.Errorf("plot not written: %v", err)
	}
	b, err := os.ReadFile(cal)
	if err != nil || !strings.Contains(string(b), `"points"`) {
		t.Errorf("calibration not written: %v", err)
	}
}

func TestEvalUsage(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{{}, {"a", "b"}, {"x", "--variant", "warp"}, {"x", "--threads", "0"}} {
		if err := runEval(context.Background(), args, &out, &errb); err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("%q: error %v, want a usage error", args, err)
		}
	}
	if err := runEval(context.Background(), []string{filepath.Join(t.TempDir(), "missing")}, &out, &errb); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing dir: error %v", err)
	}
}

// TestEvalLFWPairs runs the pairs.txt protocol on dev LFW images laid out
// the LFW way (DIR/<name>/<name>_<nnnn>.jpg, linked) with two folds.
func TestEvalLFWPairs(t *testing.T) {
	dev := testfaces.Dir(t, "dev")
	models := filepath.Dir(testfaces.Model(t, "face_detection_short_range.tflite"))
	testfaces.Model(t, "MobileFaceNet.tflite")
	dir := t.TempDir()
	for _, p := range []struct{ name, src string }{
		{"Condoleezza_Rice", "lfw_condoleezza_rice"},
		{"Jiang_Zemin", "lfw_jiang_zemin"},
	} {
		if err := os.MkdirAll(filepath.Join(dir, p.name), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 2; i++ {
			dst := filepath.Join(dir, p.name, p.name+"_000"+string(rune('0'+i))+".jpg")
			if err := os.Symlink(filepath.Join(dev, p.src, string(rune('0'+i))+".jpg"), dst); err != nil {
				t.Fatal(err)
			}
		}
	}
	pairs := filepath.Join(dir, "pairs.txt")
	txt := "2 1\nCondoleezza_Rice 1 2\nCondoleezza_Rice 1 Jiang_Zemin 1\nJiang_Zemin 1 2\nCondoleezza_Rice 2 Jiang_Zemin 2\n"
	if err := os.WriteFile(pairs, []byte(txt), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := runEval(context.Background(), []string{dir, "--pairs", pairs, "--json", "--flip=false", "--models", models}, &out, &errb); err != nil {
		t.Fatalf("eval: %v\n%s", err, errb.String())
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r["images"] != 4.0 || r["genuine_pairs"] != 2.0 || r["impostor_pairs"] != 2.0 {
		t.Errorf("images %v genuine %v impostor %v, want 4 2 2", r["images"], r["genuine_pairs"], r["impostor_pairs"])
	}
	m, ok := r["lfw_accuracy_mean"].(float64)
	if _, hasStd := r["lfw_accuracy_std"]; !ok || !hasStd || m < 0.75 || m > 1 {
		t.Errorf("lfw_accuracy_mean %v (std present %v), want ≥ 0.75 on two easy folds", r["lfw_accuracy_mean"], hasStd)
	}
}
