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

func TestLvLabel(t *testing.T) {
	cases := []struct {
		clip, manifest, label, typ string
		synth                      bool
	}{
		{"live_hamilton", "", "live", "", false},
		{"attack_silentface_print", "print (paper)", "attack", "print (paper)", false},
		{"attack_silentface_print", "", "attack", "silentface", false},
		{"attack_synth_screen-noborder_bbt_amy-1_m1.0_s3", "", "attack", "synthetic screen-noborder", true},
	}
	for _, c := range cases {
		l, typ, s := lvLabel(c.clip, c.manifest)
		if l != c.label || typ != c.typ || s != c.synth {
			t.Errorf("lvLabel(%q, %q) = %q, %q, %v; want %q, %q, %v", c.clip, c.manifest, l, typ, s, c.label, c.typ, c.synth)
		}
	}
}

// TestSynthAttackThenEval renders a small synthetic print attack and runs
// eval-liveness on it: the JSON has the documented keys and the attack is
// not accepted. A second, tiny rendering (eyes far closer than
// liveness.min_eye_distance) must count as a non-response.
func TestSynthAttackThenEval(t *testing.T) {
	photo := filepath.Join(testfaces.Dir(t, "dev"), "df_elon_musk")
	ents, err := os.ReadDir(photo)
	if err != nil || len(ents) == 0 {
		t.Fatalf("dev photos: %v", err)
	}
	photo = filepath.Join(photo, ents[0].Name())
	models := filepath.Dir(testfaces.Model(t, "face_landmark.tflite"))
	testfaces.Model(t, "face_detection_short_range.tflite")

	dir := t.TempDir()
	clip := filepath.Join(dir, "attack_synth_print-border_test_s5")
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := runSynthAttack(ctx, []string{photo, "-o", clip, "--frames", "20", "--size", "480x360", "--seed", "5", "--motion", "1.5"}, &out, &errb); err != nil {
		t.Fatalf("synth-attack: %v (%s)", err, errb.String())
	}
	if fs, _ := filepath.Glob(filepath.Join(clip, "frame_*.jpg")); len(fs) != 20 {
		t.Fatalf("synth-attack wrote %d frames, want 20", len(fs))
	}
	tiny := filepath.Join(dir, "attack_synth_print-border_tiny_s6")
	if err := runSynthAttack(ctx, []string{photo, "-o", tiny, "--frames", "20", "--size", "160x120", "--seed", "6", "--motion", "1.5"}, &out, &errb); err != nil {
		t.Fatalf("synth-attack: %v (%s)", err, errb.String())
	}
	out.Reset()
	if err := runEvalLiveness(ctx, []string{dir, "--json", "--models", models}, &out, &errb); err != nil {
		t.Fatalf("eval-liveness: %v (%s)", err, errb.String())
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatalf("eval-liveness --json: %v\n%s", err, out.String())
	}
	for _, k := range []string{"clips", "live_clips", "attack_clips", "bpcer", "apcer", "bpnrr", "apnrr", "per_clip"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks key %q", k)
		}
	}
	var rep lvReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Clips != 2 || rep.AttackClips != 2 || rep.Synthetic != 2 || len(rep.PerClip) != 2 {
		t.Fatalf("counts: clips %d attack %d synthetic %d per_clip %d, want 2 each", rep.Clips, rep.AttackClips, rep.Synthetic, len(rep.PerClip))
	}
	c, small := rep.PerClip[0], rep.PerClip[1]
	if c.Clip != filepath.Base(clip) {
		c, small = small, c
	}
	if small.Decision != lvNoResponse || small.Accepted || small.Usable != 0 {
		t.Errorf("tiny clip: decision %q, accepted %v, %d usable frames; want no-response, false, 0", small.Decision, small.Accepted, small.Usable)
	}
	if rep.NoResponse != 1 || rep.APNRR != 0.5 || rep.BPNRR != 0 {
		t.Errorf("no response: %d clips, APNRR %v, BPNRR %v; want 1, 0.5, 0", rep.NoResponse, rep.APNRR, rep.BPNRR)
	}
	if c.Decision == lvNoResponse || c.Usable == 0 {
		t.Errorf("480x360 clip: decision %q with %d usable frames; want a judged clip", c.Decision, c.Usable)
	}
	if c.Accepted || rep.APCER != 0 {
		t.Errorf("synthetic print accepted as live: %+v", c)
	}
	if len(c.Cues) < 4 {
		t.Errorf("clip reports %d cues, want planarity, blink, stillness, border", len(c.Cues))
	}
	if err := runEvalLiveness(ctx, []string{filepath.Join(dir, "nope")}, &out, &errb); err == nil {
		t.Error("missing clip directory: no error")
	}
}

func TestLvParseManifest(t *testing.T) {
	m := lvParseManifest(strings.NewReader("clip,label,attack_type,fps\nattack_x,attack,\"print, held\",15\nlive_y,bona_fide,,25\nshort\n"))
	if got := m["attack_x"]; got.attackType != "print, held" || got.fps != 15 {
		t.Errorf("attack_x: %+v, want print, held at 15 fps", got)
	}
	if got := m["live_y"]; got.fps != 25 {
		t.Errorf("live_y fps %v, want 25", got.fps)
	}
	if len(lvParseManifest(strings.NewReader("no header\n"))) != 0 {
		t.Error("manifest without a clip column gave rows")
	}
}

// FuzzLvParseManifest: any bytes parse to some rows or none, never a panic.
func FuzzLvParseManifest(f *testing.F) {
	f.Add([]byte("clip,label,attack_type,fps\nattack_x,attack,print,15\n"))
	f.Add([]byte("clip\n\"unterminated"))
	f.Add([]byte("fps,clip\nNaN,a\n1e400,b\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for clip, row := range lvParseManifest(bytes.NewReader(b)) {
			if row.fps != 0 && !(row.fps > 0 && row.fps <= 1000) {
				t.Fatalf("clip %q: fps %v accepted, want 0 (unset) or in (0,1000]", clip, row.fps)
			}
		}
	})
}
