package eval

import (
	"context"
	"fmt"
	"image"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/liveness"
	"github.com/facegate/facegate/infer/tflite"
)

// Variant is how a detected face becomes the 112×112 embedder input.
type Variant string

// Variants.
const (
	// Aligned: similarity transform of the eyes and mouth centre onto the
	// ArcFace template (the pipeline's default, infer.AlignEyesMouth).
	Aligned Variant = "aligned"
	// Aligned4: the same with the nose tip as a fourth point
	// (infer.AlignEyesNoseMouth).
	Aligned4 Variant = "aligned4"
	// Crop: the naive square crop of the detection box, no alignment.
	Crop Variant = "crop"
	// Mesh: the face mesh (face_landmark.tflite, run from the detection and
	// refined as the liveness code does) gives the eye centres (mid-points
	// of each eye's corners) and the two mouth corners, aligned onto the
	// ArcFace template's eyes and mouth corners.
	Mesh Variant = "mesh"
	// Mesh5: Mesh with the mesh's nose tip as a fifth point.
	Mesh5 Variant = "mesh5"
	// Mesh5OnePass: Mesh5 from a single mesh run on the detection's crop,
	// without refinement: the mesh the daemon's liveness judge computes on
	// each frame, which alignment could reuse at no extra cost.
	Mesh5OnePass Variant = "mesh5-1pass"
)

// UsesMesh reports whether the variant needs the face mesh model
// (EmbedOptions.MeshModel).
func (v Variant) UsesMesh() bool { return v == Mesh || v == Mesh5 || v == Mesh5OnePass }

// ParseVariant checks a variant name.
func ParseVariant(s string) (Variant, error) {
	switch v := Variant(s); v {
	case Aligned, Aligned4, Crop, Mesh, Mesh5, Mesh5OnePass:
		return v, nil
	}
	return "", fmt.Errorf("unknown variant %q (known: aligned, aligned4, crop, mesh, mesh5, mesh5-1pass)", s)
}

// How says how an image's face was found.
type How string

// How values.
const (
	HowDetected How = "detected"     // the detector found it on the image
	HowPadded   How = "padded_retry" // found on the padded copy
	HowFallback How = "fallback"     // not found: the centre square crop was used
)

// ImageResult is one image's embedding and how it was obtained.
type ImageResult struct {
	Embedding []float32
	How       How
	// Faces is the number of faces the detector found.
	Faces int
	// MeshFallback is set (mesh variants) when the face mesh found no face
	// and the detector's keypoints aligned the crop instead.
	MeshFallback bool
	// Duration is detection + alignment + embedding, decoding excluded.
	Duration time.Duration
}

// EmbedOptions configures Embed.
type EmbedOptions struct {
	// Config names the model files (defaults filled in).
	Config infer.Config
	// Models are the loaded models, shared by the workers.
	Models *infer.Models
	// Variant is how faces are cropped; default Aligned.
	Variant Variant
	// Flip adds the mirrored crop's embedding.
	Flip bool
	// MeshModel is face_landmark.tflite, needed by the Mesh variants.
	MeshModel *tflite.Model
	// Workers is the number of images processed in parallel, each with
	// its own interpreters; default 1.
	Workers int
	// Progress, if set, is called after each image (from any worker).
	Progress func(done, total int)
	// Crop drops Crop.X columns and Crop.Y rows from the top left of
	// every image before anything else (see JitterShifts).
	Crop image.Point
}

// Embed detects, crops and embeds every image. Face selection follows the
// reference pipeline: the central face for LFW images (facenet's
// max(area − 2·offset²)), the largest otherwise; when nothing is found the
// detector runs again on a copy padded by half the long side on each side,
// and failing that the centre square of the image is used.
func Embed(ctx context.Context, imgs []Image, opts EmbedOptions) ([]ImageResult, error) {
	if opts.Variant == "" {
		opts.Variant = Aligned
	}
	mesh := opts.Variant.UsesMesh()
	if mesh && opts.MeshModel == nil {
		return nil, fmt.Errorf("variant %s needs the face mesh model (face_landmark.tflite)", opts.Variant)
	}
	workers := max(opts.Workers, 1)
	out := make([]ImageResult, len(imgs))
	var next, done atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	for w := 0; w < workers; w++ {
		g.Go(func() error {
			cfg := opts.Config
			cfg.Threads = 1
			p, err := infer.NewPipeline(cfg, opts.Models)
			if err != nil {
				return err
			}
			defer p.Close()
			var fm *liveness.FaceMesh
			if mesh {
				if fm, err = liveness.NewFaceMesh(opts.MeshModel, tflite.Options{Threads: 1}); err != nil {
					return err
				}
				defer fm.Close()
			}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(imgs) {
					return nil
				}
				if err := ctx.Err(); err != nil {
					return err
				}
				img, err := infer.DecodeFile(imgs[i].Path)
				if err != nil {
					return err
				}
				if opts.Crop != (image.Point{}) {
					if img, err = cropTopLeft(img, opts.Crop); err != nil {
						return fmt.Errorf("%s: %w", imgs[i].Path, err)
					}
				}
				r, err := embedOne(ctx, p, fm, img, imgs[i].Central(), opts)
				if err != nil {
					return fmt.Errorf("%s: %w", imgs[i].Path, err)
				}
				out[i] = r
				if opts.Progress != nil {
					opts.Progress(int(done.Add(1)), len(imgs))
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func embedOne(ctx context.Context, p *infer.Pipeline, fm *liveness.FaceMesh, img *image.RGBA, central bool, opts EmbedOptions) (ImageResult, error) {
	start := time.Now()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	res := ImageResult{How: HowDetected, Embedding: make([]float32, infer.EmbeddingDim)}
	dets, _, err := p.Detect(ctx, img)
	if err != nil {
		return res, err
	}
	if len(dets) == 0 {
		L := float32(max(w, h))
		dets, err = p.DetectRegion(ctx, img, infer.Rect{X0: -L / 2, Y0: -L / 2, X1: float32(w) + L/2, Y1: float32(h) + L/2})
		if err != nil {
			return res, err
		}
		res.How = HowPadded
	}
	res.Faces = len(dets)
	var m infer.Affine
	if len(dets) == 0 {
		res.How = HowFallback
		m = infer.CentreSquareMap(w, h)
	} else {
		d := dets[Pick(dets, w, h, central)]
		switch opts.Variant {
		case Crop:
			m = infer.SquareCropMap(d.Box, w, h)
		case Aligned4:
			m, err = infer.AlignMap(d.Keypoints)
		case Mesh, Mesh5, Mesh5OnePass:
			passes := meshRefinePass
			if opts.Variant == Mesh5OnePass {
				passes = 0
			}
			var ok bool
			if m, ok, err = meshAlignMap(ctx, fm, img, d, opts.Variant != Mesh, passes); err != nil {
				return res, err
			}
			if !ok {
				res.MeshFallback = true
				m, err = infer.AlignMap3(d.Keypoints)
			}
		default:
			m, err = infer.AlignMap3(d.Keypoints)
		}
		if err != nil {
			res.How = HowFallback
			m = infer.CentreSquareMap(w, h)
		}
	}
	if err := p.EmbedMap(ctx, img, m, opts.Flip, res.Embedding, nil); err != nil {
		return res, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// Pick chooses the labelled face among dets in a w×h image: the largest
// box, or with central the one maximising area − 2·|centre offset|²
// (facenet's align_dataset_mtcnn rule for LFW).
func Pick(dets []infer.Detection, w, h int, central bool) int {
	best, bestV := 0, 0.0
	for i, d := range dets {
		v := float64(d.Box.Area())
		if central {
			c := d.Box.Centre()
			dx, dy := float64(c.X)-float64(w)/2, float64(c.Y)-float64(h)/2
			v -= 2 * (dx*dx + dy*dy)
		}
		if i == 0 || v > bestV {
			best, bestV = i, v
		}
	}
	return best
}
