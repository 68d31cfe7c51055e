package main

import (
	"context"
	"image"
	"strings"
	"time"

	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/track"
)

// newInferPipeline loads the models named by cfg and builds a pipeline.
func newInferPipeline(cfg infer.Config) (*infer.Pipeline, func(), error) {
	m, err := infer.LoadModels(cfg)
	if err != nil {
		return nil, nil, err
	}
	p, err := infer.NewPipeline(cfg, m)
	if err != nil {
		return nil, nil, err
	}
	return p, p.Close, nil
}

// inferFinder adapts infer.Pipeline to faceFinder.
type inferFinder struct{ p *infer.Pipeline }

func (f inferFinder) Faces(ctx context.Context, img *image.RGBA, stage func(string, time.Duration)) ([]face, error) {
	start := time.Now()
	res, err := f.p.Process(ctx, img)
	stage("infer", time.Since(start))
	if err != nil {
		return nil, err
	}
	out := make([]face, 0, len(res.Faces))
	for _, fc := range res.Faces {
		d := fc.Detection
		td := track.Detection{
			Box:   track.Box{MinX: float64(d.Box.X0), MinY: float64(d.Box.Y0), MaxX: float64(d.Box.X1), MaxY: float64(d.Box.Y1)},
			Score: float64(d.Score),
		}
		for _, k := range d.Keypoints {
			td.Points = append(td.Points, track.Point{X: float64(k.X), Y: float64(k.Y)})
		}
		x := face{det: td}
		switch {
		case fc.Embedding != nil:
			x.emb = append([]float32(nil), fc.Embedding...)
		case len(fc.Quality.Reasons) > 0:
			x.quality = strings.Join(fc.Quality.Reasons, "; ")
		default:
			x.quality = "face not analysed (more faces than infer.max_faces)"
		}
		out = append(out, x)
	}
	return out, nil
}

// galleryMatcher adapts the gallery's in-memory index to matcher.
type galleryMatcher struct {
	ix  *gallery.Index
	now func() time.Time
}

func (g galleryMatcher) Match(emb []float32) (best, second match, err error) {
	r, err := g.ix.Search(emb, g.now())
	if err != nil {
		return match{}, match{}, err
	}
	if r.Degraded {
		// A quarantined store: no face grants until a resync completes.
		return match{excluded: "gallery degraded: store quarantined, waiting for resync"}, match{}, nil
	}
	best = match{person: r.Best.PersonID, score: float64(r.Best.Score)}
	second = match{person: r.Second.PersonID, score: float64(r.Second.Score)}
	if r.Excluded.PersonID != "" && r.Excluded.Score > r.Best.Score {
		best = match{person: r.Excluded.PersonID, score: float64(r.Excluded.Score), excluded: r.Why.String()}
		second = match{person: r.Best.PersonID, score: float64(r.Best.Score)}
	}
	return best, second, nil
}
