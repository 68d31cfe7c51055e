package infer

import (
	"context"
	"fmt"
	"math"
)

// EmbeddingDim is the length of a MobileFaceNet embedding.
const EmbeddingDim = 192

// Embedder turns aligned 112×112 face crops into L2-normalised
// MobileFaceNet embeddings. It is not safe for concurrent use.
type Embedder struct {
	net Net
	// Flip adds the embedding of the mirrored crop before normalising
	// (costs a second model run).
	Flip bool
	acc  [EmbeddingDim]float32
}

// NewEmbedder wraps net, which must be MobileFaceNet at batch 1
// (input 1×112×112×3, output 1×192).
func NewEmbedder(net Net) (*Embedder, error) {
	if got, want := len(net.Input()), CropSize*CropSize*3; got != want {
		return nil, fmt.Errorf("embedder: input has %d values, want %d (1×112×112×3; resize the batch to 1)", got, want)
	}
	if got := len(net.Output(0)); got != EmbeddingDim {
		return nil, fmt.Errorf("embedder: output has %d values, want %d", got, EmbeddingDim)
	}
	return &Embedder{net: net}, nil
}

// Embed writes the embedding of crop (112×112 RGB, values 0..255,
// interleaved) into out, which must have EmbeddingDim elements.
func (e *Embedder) Embed(ctx context.Context, crop []float32, out []float32) error {
	if len(crop) != CropSize*CropSize*3 || len(out) != EmbeddingDim {
		return fmt.Errorf("embedder: crop has %d values and out %d, want %d and %d", len(crop), len(out), CropSize*CropSize*3, EmbeddingDim)
	}
	if err := e.run(ctx, crop, false); err != nil {
		return err
	}
	copy(e.acc[:], e.net.Output(0))
	if e.Flip {
		if err := e.run(ctx, crop, true); err != nil {
			return err
		}
		for i, v := range e.net.Output(0) {
			e.acc[i] += v
		}
	}
	copy(out, e.acc[:])
	Normalize(out)
	return nil
}

func (e *Embedder) run(ctx context.Context, crop []float32, mirror bool) error {
	in := e.net.Input()
	const n = CropSize
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			sx := x
			if mirror {
				sx = n - 1 - x
			}
			s := crop[(y*n+sx)*3:]
			d := in[(y*n+x)*3:]
			d[0] = (s[0] - 127.5) / 128
			d[1] = (s[1] - 127.5) / 128
			d[2] = (s[2] - 127.5) / 128
		}
	}
	if err := e.net.Invoke(ctx); err != nil {
		return fmt.Errorf("embedder: %w", err)
	}
	return nil
}

// Normalize scales v to unit length in place (sqrt(max(Σv², 1e-10)), as
// the app these models come from does).
func Normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	inv := float32(1 / math.Sqrt(math.Max(s, 1e-10)))
	for i := range v {
		v[i] *= inv
	}
}

// Cosine is the dot product of two unit vectors: the similarity score
// galleries compare against thresholds.
func Cosine(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
