package liveness

import (
	"strings"
	"testing"
	"time"
)

func TestDecodeConfig(t *testing.T) {
	c, err := DecodeConfig([]byte("mode: strict\nwindow: 2s\nplanarity:\n  live: 0.03\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != ModeStrict || c.Window != 2*time.Second || c.Planarity.Live != 0.03 {
		t.Errorf("got mode %q window %v live %v, want strict 2s 0.03", c.Mode, c.Window, c.Planarity.Live)
	}
	if c.MinFrames != DefaultConfig().MinFrames || c.Blink.Drop != DefaultConfig().Blink.Drop {
		t.Errorf("defaults not filled: %+v", c)
	}
	if c, err := DecodeConfig(nil); err != nil || c.Mode != ModePassive {
		t.Errorf("empty section: %+v, %v; want passive defaults", c, err)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	cases := []struct{ yaml, field string }{
		{"mode: sometimes", "liveness.mode"},
		{"window: -1s", "liveness.window"},
		{"min_frames: 1", "liveness.min_frames"},
		{"window: 5s\ntimeout: 2s", "liveness.timeout"},
		{"planarity:\n  attack: 0.5", "liveness.planarity.attack"},
		{"planarity:\n  min_iod: -3", "liveness.planarity.min_iod"},
		{"planarity:\n  blink_veto: 0.05", "liveness.planarity.blink_veto"},
		{"planarity:\n  points: pixels", "liveness.planarity.points"},
		{"blink:\n  drop: 1.5", "liveness.blink.drop"},
		{"blink:\n  recover: 0.5", "liveness.blink.recover"},
		{"stillness:\n  still: 0.5", "liveness.stillness.still"},
		{"stillness:\n  jump: 0.005", "liveness.stillness.jump"},
		{"border:\n  min_sides: 7", "liveness.border.min_sides"},
		{"ir:\n  min_texture: -1", "liveness.ir.min_texture"},
		{"colour: red", "colour"},  // unknown key
		{"window: soon", "line 1"}, // yaml type errors name the line
	}
	for _, c := range cases {
		_, err := DecodeConfig([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%q: err %v, want one naming %s", c.yaml, err, c.field)
		}
	}
}

// FuzzDecodeConfig: any bytes give a valid config or an error, never a panic.
func FuzzDecodeConfig(f *testing.F) {
	for _, s := range []string{"", "mode: passive", "mode: strict\nwindow: 1.5s\ntimeout: 3s", "planarity: {live: 0.02, attack: 0.01}", "blink: [1,2]", "\x00\xff", "mode: &a [*a]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeConfig(b)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("DecodeConfig returned an invalid config: %v", err)
		}
		if _, err := NewEvaluator(c, Visible); err != nil {
			t.Fatalf("decoded config rejected by NewEvaluator: %v", err)
		}
	})
}
