package quantize

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/tflite"
)

// Kind says how calibration images become a model's inputs.
type Kind string

// Calibration recipes.
const (
	// Detector: BlazeFace short range (input 128×128×3); the inputs are
	// what infer's detector feeds it for each image (the whole image
	// letterboxed and resized, and the small-face search tiles).
	Detector Kind = "detector"
	// Embedder: MobileFaceNet (input 112×112×3); the inputs are the
	// aligned face crops (and their mirror images) infer makes from each
	// image's detected faces.
	Embedder Kind = "embedder"
)

// KindOf picks the recipe from the model's input shape.
func KindOf(m *tflite.Model) (Kind, error) {
	in := m.Inputs()
	if len(in) == 1 && len(in[0].Shape) == 4 && in[0].Shape[3] == 3 {
		switch {
		case in[0].Shape[1] == 128 && in[0].Shape[2] == 128:
			return Detector, nil
		case in[0].Shape[1] == infer.CropSize && in[0].Shape[2] == infer.CropSize:
			return Embedder, nil
		}
	}
	var shape []int
	if len(in) > 0 {
		shape = in[0].Shape
	}
	return "", fmt.Errorf("calibrate %s: no calibration recipe for input shape %v (known: BlazeFace 128×128×3, MobileFaceNet 112×112×3); give --ranges instead", m.Name(), shape)
}

// ImageFiles lists the JPEG and PNG files under dir, in lexical order.
func ImageFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".jpg", ".jpeg", ".png":
			if !d.IsDir() {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("calibration images: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("calibration images: no .jpg or .png files under %s", dir)
	}
	return files, nil
}

// recNet is a Net that hands every input it is invoked on to rec.
type recNet struct {
	infer.Net
	rec func([]float32) error
}

func (r *recNet) Invoke(ctx context.Context) error {
	if r.rec != nil {
		if err := r.rec(r.Input()); err != nil {
			return err
		}
	}
	return r.Net.Invoke(ctx)
}

// CalibrateImages runs the infer pipeline on every image under dir, with
// model m as the detector or the embedder (by kind) and the other float
// model from cfg, and adds the inputs m receives to c. It returns the
// number of images used; images that fail to decode are an error naming
// the file.
func CalibrateImages(ctx context.Context, c *Calibrator, m *tflite.Model, kind Kind, cfg infer.Config, dir string) (int, error) {
	files, err := ImageFiles(dir)
	if err != nil {
		return 0, err
	}
	cfg = cfg.WithDefaults()
	det, emb := m, m
	if kind == Detector {
		if emb, err = tflite.Load(cfg.EmbedderModel); err != nil {
			return 0, fmt.Errorf("calibrate: embedder: %w", err)
		}
	} else {
		if det, err = tflite.Load(cfg.DetectorModel); err != nil {
			return 0, fmt.Errorf("calibrate: detector: %w", err)
		}
	}
	dn, err := infer.NewTFLiteNet(det, 1, nil)
	if err != nil {
		return 0, fmt.Errorf("calibrate: detector: %w", err)
	}
	defer dn.Close()
	en, err := infer.NewTFLiteNet(emb, 1, []int{1, infer.CropSize, infer.CropSize, 3})
	if err != nil {
		return 0, fmt.Errorf("calibrate: embedder: %w", err)
	}
	defer en.Close()
	add := func(in []float32) error { return c.Add(ctx, in) }
	nets := infer.Nets{Detector: &recNet{Net: dn}, Embedder: &recNet{Net: en}}
	if kind == Detector {
		nets.Detector = &recNet{Net: dn, rec: add}
	} else {
		nets.Embedder = &recNet{Net: en, rec: add}
	}
	p, err := infer.NewPipelineNets(cfg, nets)
	if err != nil {
		return 0, fmt.Errorf("calibrate: %w", err)
	}
	out := make([]float32, infer.EmbeddingDim)
	for _, f := range files {
		img, err := infer.DecodeFile(f)
		if err != nil {
			return 0, fmt.Errorf("calibrate: %w", err)
		}
		dets, _, err := p.Detect(ctx, img)
		if err != nil {
			return 0, fmt.Errorf("calibrate: %s: %w", f, err)
		}
		if kind == Detector {
			continue
		}
		for _, d := range dets {
			am, err := p.Align(d.Keypoints)
			if err != nil {
				continue // degenerate keypoints: the daemon skips such faces too
			}
			// flip: the crop and its mirror image, as the daemon embeds
			if err := p.EmbedMap(ctx, img, am, true, out, nil); err != nil {
				return 0, fmt.Errorf("calibrate: %s: %w", f, err)
			}
		}
	}
	return len(files), nil
}
