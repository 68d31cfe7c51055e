package tflite

import (
	"context"
	"testing"

	"github.com/facegate/facegate/internal/testfaces"
)

// BenchmarkInvokeInt8 times one Invoke of the int8 models that make models
// writes (and the float models they come from, in the same run), at one
// thread and two.
func BenchmarkInvokeInt8(b *testing.B) {
	mfn := []int{1, 112, 112, 3}
	for _, c := range []struct {
		name, file string
		shape      []int
		threads    int
	}{
		{"blazeface_float", "face_detection_short_range.tflite", nil, 1},
		{"blazeface_int8", "face_detection_short_range-int8.tflite", nil, 1},
		{"mobilefacenet_b1_float", "MobileFaceNet.tflite", mfn, 1},
		{"mobilefacenet_b1_int8", "MobileFaceNet-int8.tflite", mfn, 1},
		{"mobilefacenet_b1_int8_t2", "MobileFaceNet-int8.tflite", mfn, 2},
	} {
		b.Run(c.name, func(b *testing.B) {
			m, err := Load(testfaces.Model(b, c.file))
			if err != nil {
				b.Fatal(err)
			}
			ip, err := NewInterpreter(m, Options{Threads: c.threads})
			if err != nil {
				b.Fatal(err)
			}
			defer ip.Close()
			if c.shape != nil {
				if err := ip.ResizeInput(0, c.shape); err != nil {
					b.Fatal(err)
				}
			}
			in := ip.Input(0).Float32s()
			for i := range in {
				in[i] = float32(i%255)/127.5 - 1
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				if err := ip.Invoke(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuSeconds()-c0)/float64(b.N)*1e3, "cpu-ms/op")
		})
	}
}
