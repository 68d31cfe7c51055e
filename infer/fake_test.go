package infer

import "context"

// fakeNet is a Net whose outputs the test sets; it records the input it
// saw at Invoke.
type fakeNet struct {
	in      []float32
	outs    [][]float32
	seen    []float32
	invokes int
	err     error
	// onInvoke, if set, computes the outputs from the input.
	onInvoke func(in []float32, outs [][]float32)
}

func (f *fakeNet) Input() []float32       { return f.in }
func (f *fakeNet) Output(i int) []float32 { return f.outs[i] }
func (f *fakeNet) Invoke(ctx context.Context) error {
	f.invokes++
	f.seen = append(f.seen[:0], f.in...)
	if f.onInvoke != nil {
		f.onInvoke(f.in, f.outs)
	}
	return f.err
}

func newFakeDetectorNet(spec DetectorSpec) *fakeNet {
	n := len(Anchors(spec))
	f := &fakeNet{in: make([]float32, spec.Size*spec.Size*3), outs: [][]float32{make([]float32, n*16), make([]float32, n)}}
	for i := range f.outs[1] {
		f.outs[1][i] = -10
	}
	return f
}
