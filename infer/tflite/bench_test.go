package tflite

import (
	"context"
	"fmt"
	"math"
	"syscall"
	"testing"

	"github.com/facegate/facegate/internal/testfaces"
)

// BenchmarkInvoke times one Invoke of each model at one thread; -benchmem
// shows the zero allocations per run.
func BenchmarkInvoke(b *testing.B) {
	cases := []struct {
		name, file string
		shape      []int
		threads    int
	}{
		{"blazeface", "face_detection_short_range.tflite", nil, 1},
		{"mobilefacenet_b1", "MobileFaceNet.tflite", []int{1, 112, 112, 3}, 1},
		{"mobilefacenet_b2", "MobileFaceNet.tflite", nil, 1},
		{"mobilefacenet_b1_t2", "MobileFaceNet.tflite", []int{1, 112, 112, 3}, 2},
		{"face_landmark", "face_landmark.tflite", nil, 1},
		{"antispoof", "FaceAntiSpoofing.tflite", nil, 1},
	}
	for _, c := range cases {
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
			// CPU time is reported too: on a shared machine wall time
			// measures the neighbours as much as the kernels.
			cpu := cpuSeconds() - c0
			b.ReportMetric(cpu/float64(b.N)*1e3, "cpu-ms/op")
			b.ReportMetric(float64(ip.MACs())*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
	}
}

// cpuSeconds is the process's user+system CPU time.
func cpuSeconds() float64 {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e9
}

// BenchmarkGemmKernel measures the GEMM microkernels alone on every kernel
// path this CPU runs: gemmMaxRows rows × gemmNR columns (2panels: two
// panels per call, gemmKernel2) over k, operands in L1 (GMAC/s by CPU
// time).
func BenchmarkGemmKernel(b *testing.B) {
	for _, path := range availablePaths() {
		for _, k := range []int{64, 256} {
			b.Run(fmt.Sprintf("%s/k%d", pathName(path), k), func(b *testing.B) {
				old := kernelPath
				kernelPath = path
				defer func() { kernelPath = old }()
				a := make([]float32, gemmMaxRows*k)
				w := make([]float32, k*gemmNR)
				for i := range a {
					a[i] = float32(i%13) - 6
				}
				for i := range w {
					w[i] = float32(i%7) / 7
				}
				bias := make([]float32, gemmNR)
				c := make([]float32, gemmMaxRows*gemmNR)
				inf := float32(math.Inf(1))
				b.ResetTimer()
				c0 := cpuSeconds()
				for i := 0; i < b.N; i++ {
					gemmKernel(k, a, k, w, bias, c, gemmNR, gemmMaxRows, -inf, inf)
				}
				cpu := cpuSeconds() - c0
				b.ReportMetric(float64(b.N)*float64(gemmMaxRows*gemmNR*k)/cpu/1e9, "GMAC/s-cpu")
			})
			b.Run(fmt.Sprintf("%s/k%d/2panels", pathName(path), k), func(b *testing.B) {
				old := kernelPath
				kernelPath = path
				defer func() { kernelPath = old }()
				a := make([]float32, gemmMaxRows*k)
				w0, w1 := make([]float32, k*gemmNR), make([]float32, k*gemmNR)
				for i := range a {
					a[i] = float32(i%13) - 6
				}
				for i := range w0 {
					w0[i], w1[i] = float32(i%7)/7, float32(i%5)/5
				}
				bias := make([]float32, gemmNR)
				c := make([]float32, gemmMaxRows*2*gemmNR)
				inf := float32(math.Inf(1))
				b.ResetTimer()
				c0 := cpuSeconds()
				for i := 0; i < b.N; i++ {
					gemmKernel2(k, a, k, w0, w1, bias, bias, c, 2*gemmNR, gemmMaxRows, -inf, inf)
				}
				cpu := cpuSeconds() - c0
				b.ReportMetric(float64(b.N)*float64(2*gemmMaxRows*gemmNR*k)/cpu/1e9, "GMAC/s-cpu")
			})
		}
	}
}
