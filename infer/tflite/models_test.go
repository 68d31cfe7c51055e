package tflite

import (
	"context"
	"os"
	"testing"

	"github.com/facegate/facegate/internal/testfaces"
)

// realModels are the model files `make models` fetches.
var realModels = []string{
	"face_detection_short_range.tflite",
	"face_detection_full_range.tflite",
	"MobileFaceNet.tflite",
	"FaceAntiSpoofing.tflite",
	"face_landmark.tflite",
}

func newFilled(t testing.TB, file string, threads int, shape []int) *Interpreter {
	t.Helper()
	m, err := Load(testfaces.Model(t, file))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	ip, err := NewInterpreter(m, Options{Threads: threads})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	t.Cleanup(ip.Close)
	if shape != nil {
		if err := ip.ResizeInput(0, shape); err != nil {
			t.Fatalf("%s: resize: %v", file, err)
		}
	}
	in := ip.Input(0).Float32s()
	for i := range in {
		in[i] = float32((i*7919)%2000)/1000 - 1
	}
	return ip
}

func TestRealModelsLoadAndDescribe(t *testing.T) {
	want := map[string]struct {
		ops  int
		macs int64
	}{
		// Operator counts and MACs from shared/reference/face-models.md.
		"face_detection_short_range.tflite": {164, 30_800_000},
		"MobileFaceNet.tflite":              {230, 468_200_000},
		"FaceAntiSpoofing.tflite":           {477, 4_495_000_000},
	}
	for _, name := range realModels {
		ip := newFilled(t, name, 1, nil)
		if err := ip.Invoke(context.Background()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := 0; i < ip.NumOutputs(); i++ {
			for k, v := range ip.Output(i).Float32s() {
				if v != v {
					t.Fatalf("%s: output %d element %d is NaN", name, i, k)
				}
			}
		}
		if w, ok := want[name]; ok {
			if got := ip.m.NumOps(); got != w.ops {
				t.Errorf("%s: %d ops, want %d", name, got, w.ops)
			}
			// MACs are given to 3 significant digits.
			if got := ip.MACs(); got < w.macs*995/1000 || got > w.macs*1005/1000 {
				t.Errorf("%s: %d MACs, want about %d", name, got, w.macs)
			}
		}
	}
}

func TestMobileFaceNetBatchOneMatchesStoredBatch(t *testing.T) {
	b2 := newFilled(t, "MobileFaceNet.tflite", 1, nil)
	b1 := newFilled(t, "MobileFaceNet.tflite", 1, []int{1, 112, 112, 3})
	// Fill both rows of the batch-2 input with the batch-1 image.
	one := b1.Input(0).Float32s()
	two := b2.Input(0).Float32s()
	copy(two, one)
	copy(two[len(one):], one)
	ctx := context.Background()
	if err := b1.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b2.Invoke(ctx); err != nil {
		t.Fatal(err)
	}
	if s := b1.Output(0).Shape(); !sameShape(s, []int{1, 192}) {
		t.Fatalf("batch-1 output shape %v, want [1 192]", s)
	}
	e1, e2 := b1.Output(0).Float32s(), b2.Output(0).Float32s()
	for i := range e1 {
		if e1[i] != e2[i] || e1[i] != e2[192+i] {
			t.Fatalf("element %d: batch 1 %v, batch 2 rows %v %v", i, e1[i], e2[i], e2[192+i])
		}
	}
}

func TestInvokeAllocatesNothing(t *testing.T) {
	for _, threads := range []int{1, 2} {
		ip := newFilled(t, "face_detection_short_range.tflite", threads, nil)
		ctx := context.Background()
		if a := testing.AllocsPerRun(5, func() { _ = ip.Invoke(ctx) }); a != 0 {
			t.Errorf("threads %d: %v allocations per Invoke, want 0", threads, a)
		}
	}
}

func TestThreadsGiveIdenticalResults(t *testing.T) {
	for _, name := range []string{"face_detection_short_range.tflite", "MobileFaceNet.tflite"} {
		var ref []float32
		for _, threads := range []int{1, 2, 4} {
			ip := newFilled(t, name, threads, nil)
			if err := ip.Invoke(context.Background()); err != nil {
				t.Fatal(err)
			}
			out := ip.Output(0).Float32s()
			if ref == nil {
				ref = append([]float32(nil), out...)
				continue
			}
			for i := range out {
				if out[i] != ref[i] {
					t.Fatalf("%s threads %d: element %d = %v, 1 thread gave %v", name, threads, i, out[i], ref[i])
				}
			}
		}
	}
}

func TestInvokeHonoursContext(t *testing.T) {
	ip := newFilled(t, "face_detection_short_range.tflite", 1, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ip.Invoke(ctx); err == nil {
		t.Fatal("Invoke with a cancelled context returned nil")
	}
}

func TestResizeInputErrors(t *testing.T) {
	ip := newFilled(t, "MobileFaceNet.tflite", 1, nil)
	for _, shape := range [][]int{{1, 112, 112}, {0, 112, 112, 3}, {1, 2, 2, 3}} {
		if err := ip.ResizeInput(0, shape); err == nil {
			t.Errorf("ResizeInput(%v) succeeded, want an error", shape)
		}
	}
	// After a failed resize the interpreter still works at its old shape.
	if err := ip.Invoke(context.Background()); err != nil {
		t.Fatalf("Invoke after failed resize: %v", err)
	}
	if s := ip.Output(0).Shape(); !sameShape(s, []int{2, 192}) {
		t.Errorf("output shape %v after failed resize, want [2 192]", s)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load("testdata/does-not-exist.tflite"); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("err = %v, want a not-exist error", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}
