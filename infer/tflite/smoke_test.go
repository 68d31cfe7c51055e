package tflite

import (
	"context"
	"testing"

	"github.com/facegate/facegate/internal/testfaces"
)

func TestSmokeModels(t *testing.T) {
	for _, name := range []string{"face_detection_short_range.tflite", "face_detection_full_range.tflite", "MobileFaceNet.tflite", "FaceAntiSpoofing.tflite", "face_landmark.tflite"} {
		m, err := Load(testfaces.Model(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %d ops %v in=%v out=%v", name, m.NumOps(), m.OpCounts(), m.Inputs(), m.Outputs())
		ip, err := NewInterpreter(m, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		in := ip.Input(0).Float32s()
		for i := range in {
			in[i] = float32(i%255)/255 - 0.5
		}
		if err := ip.Invoke(context.Background()); err != nil {
			t.Fatal(err)
		}
		o := ip.Output(0).Float32s()
		t.Logf("%s: out0 %v first %v", name, ip.Output(0).Shape(), o[:min(6, len(o))])
	}
}
