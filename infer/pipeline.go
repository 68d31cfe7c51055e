package infer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
)

// Config configures the pipeline (the daemon's infer: section).
type Config struct {
	// DetectorModel is the BlazeFace short-range model file.
	DetectorModel string `yaml:"detector_model"`
	// FullRangeModel, when set, is BlazeFace full-range, run on frames
	// where the short-range model finds no face (faces further than ~2 m).
	FullRangeModel string `yaml:"full_range_model"`
	// EmbedderModel is the MobileFaceNet model file.
	EmbedderModel string `yaml:"embedder_model"`
	// MinScore is the detection score threshold in (0, 1); default 0.5.
	MinScore float64 `yaml:"min_score"`
	// NoSmallFaceSearch turns off the small-face search: when a frame has
	// no face, the short-range detector looks again on four overlapping
	// tiles (1.67× magnified), so a face too far away is reported (and
	// rejected by the size check with "come closer") instead of silently
	// lost. It costs four detector runs, so it runs on one empty frame in
	// SmallFaceInterval (the first empty frame always searches).
	NoSmallFaceSearch bool `yaml:"no_small_face_search"`
	// SmallFaceInterval is how many consecutive empty frames share one
	// small-face search; default 5, 1 searches on every empty frame.
	SmallFaceInterval int `yaml:"small_face_interval"`
	// SmallFaceMinScore is the detection score the small-face search
	// needs; default 0.75, stricter than MinScore because four magnified
	// tiles give background clutter four more chances to look like a face.
	SmallFaceMinScore float64 `yaml:"small_face_min_score"`
	// SingleEmbedding turns off the flip-augmented embedding (the mean of
	// the crop's and its mirror's embeddings), halving embedder time.
	SingleEmbedding bool `yaml:"single_embedding"`
	// Alignment picks the keypoints fitted to the ArcFace template:
	// "eyes_mouth" (default; eyes and mouth centre, which measured best
	// with flip, see docs/accuracy.md) or "eyes_nose_mouth" (adds the nose tip).
	Alignment string `yaml:"alignment"`
	// MaxFaces is how many faces per frame are aligned, checked and
	// embedded, largest first; default 1.
	MaxFaces int `yaml:"max_faces"`
	// Threads is the number of threads each interpreter may use; default 1.
	Threads int `yaml:"threads"`
	// Quality holds the quality gate thresholds.
	Quality QualityConfig `yaml:"quality"`
}

// WithDefaults returns c with defaults filled in.
func (c Config) WithDefaults() Config {
	if c.DetectorModel == "" {
		c.DetectorModel = "models/face_detection_short_range.tflite"
	}
	if c.EmbedderModel == "" {
		c.EmbedderModel = "models/MobileFaceNet.tflite"
	}
	if c.MinScore == 0 {
		c.MinScore = 0.5
	}
	if c.MaxFaces == 0 {
		c.MaxFaces = 1
	}
	if c.Alignment == "" {
		c.Alignment = AlignEyesMouth
	}
	if c.Threads == 0 {
		c.Threads = 1
	}
	if c.SmallFaceInterval == 0 {
		c.SmallFaceInterval = 5
	}
	if c.SmallFaceMinScore == 0 {
		c.SmallFaceMinScore = 0.75
	}
	c.Quality = c.Quality.WithDefaults()
	return c
}

// Validate reports the first bad field by its YAML name.
func (c Config) Validate() error {
	switch {
	case c.DetectorModel == "":
		return errors.New("infer.detector_model: empty: give the path of face_detection_short_range.tflite")
	case c.EmbedderModel == "":
		return errors.New("infer.embedder_model: empty: give the path of MobileFaceNet.tflite")
	case !(c.MinScore > 0 && c.MinScore < 1):
		return fmt.Errorf("infer.min_score: %v must be in (0, 1)", c.MinScore)
	case c.Alignment != AlignEyesMouth && c.Alignment != AlignEyesNoseMouth:
		return fmt.Errorf("infer.alignment: %q is not one of %q, %q", c.Alignment, AlignEyesMouth, AlignEyesNoseMouth)
	case c.MaxFaces < 1 || c.MaxFaces > 64:
		return fmt.Errorf("infer.max_faces: %d must be in [1, 64]", c.MaxFaces)
	case !(c.SmallFaceMinScore > 0 && c.SmallFaceMinScore < 1):
		return fmt.Errorf("infer.small_face_min_score: %v must be in (0, 1)", c.SmallFaceMinScore)
	case c.SmallFaceInterval < 1 || c.SmallFaceInterval > 1000:
		return fmt.Errorf("infer.small_face_interval: %d must be in [1, 1000]", c.SmallFaceInterval)
	case c.Threads < 1 || c.Threads > 64:
		return fmt.Errorf("infer.threads: %d must be in [1, 64]", c.Threads)
	}
	if err := c.Quality.Validate(); err != nil {
		return fmt.Errorf("infer.%w", err)
	}
	return nil
}

// Alignment values for Config.Alignment.
const (
	AlignEyesMouth     = "eyes_mouth"
	AlignEyesNoseMouth = "eyes_nose_mouth"
)

// Align returns the map from the 112×112 crop to the image for a face, by
// the configured alignment.
func (p *Pipeline) Align(kp [6]Point) (Affine, error) {
	if p.cfg.Alignment == AlignEyesNoseMouth {
		return AlignMap(kp)
	}
	return AlignMap3(kp)
}

// Nets are the model instances a pipeline runs (one set per pipeline).
type Nets struct {
	// Detector is BlazeFace short-range; required.
	Detector Net
	// FullRange is BlazeFace full-range; optional.
	FullRange Net
	// Embedder is MobileFaceNet at batch 1; required.
	Embedder Net
}

// Pass names the detection pass that found a frame's faces.
type Pass string

// Detection passes, in the order the pipeline tries them.
const (
	PassShortRange  Pass = "short_range"
	PassFullRange   Pass = "full_range"
	PassSmallSearch Pass = "small_face_search"
	PassNone        Pass = "none"
)

// Face is one face in a frame.
type Face struct {
	Detection
	// Quality is the gate's measures and reasons (zero for faces beyond
	// Config.MaxFaces, which are not aligned).
	Quality Quality
	// Aligned is the 112×112 crop on the ArcFace template; nil for faces
	// beyond Config.MaxFaces.
	Aligned *image.RGBA
	// Embedding is the unit-length 192-d embedding; nil when the face was
	// not embedded (failed the gate, or beyond Config.MaxFaces).
	Embedding []float32
}

// Clone returns a deep copy of f that survives the next Process call.
func (f Face) Clone() Face {
	g := f
	g.Quality.Reasons = append([]string(nil), f.Quality.Reasons...)
	if f.Aligned != nil {
		a := *f.Aligned
		a.Pix = append([]uint8(nil), f.Aligned.Pix...)
		g.Aligned = &a
	}
	if f.Embedding != nil {
		g.Embedding = append([]float32(nil), f.Embedding...)
	}
	return g
}

// Result is what Process found in one frame. Its slices and images are
// reused by the next Process call: Clone faces you keep.
type Result struct {
	// Faces are all faces found, largest box first.
	Faces []Face
	// Pass is the detection pass that found them (PassNone if none).
	Pass Pass
}

// faceBuf is the reusable storage behind one Face.
type faceBuf struct {
	crop    []float32
	aligned *image.RGBA
	emb     []float32
	reasons []string
}

// Pipeline detects, checks, aligns and embeds faces. It is not safe for
// concurrent use: create one per goroutine (models can be shared).
type Pipeline struct {
	cfg      Config
	short    *Detector
	full     *Detector
	embedder *Embedder

	s     sampler
	srcID *image.RGBA
	dets  []Detection
	bufs  []faceBuf
	res   Result

	closers []*TFLiteNet
	// empty counts empty frames since the last small-face search.
	empty int
}

// NewPipelineNets builds a pipeline on the given model instances.
func NewPipelineNets(cfg Config, nets Nets) (*Pipeline, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if nets.Detector == nil || nets.Embedder == nil {
		return nil, errors.New("pipeline: detector and embedder are required")
	}
	p := &Pipeline{cfg: cfg, empty: cfg.SmallFaceInterval - 1}
	var err error
	if p.short, err = NewDetector(nets.Detector, ShortRange, float32(cfg.MinScore)); err != nil {
		return nil, err
	}
	if nets.FullRange != nil {
		if p.full, err = NewDetector(nets.FullRange, FullRange, 0); err != nil {
			return nil, err
		}
	}
	if p.embedder, err = NewEmbedder(nets.Embedder); err != nil {
		return nil, err
	}
	p.embedder.Flip = !cfg.SingleEmbedding
	return p, nil
}

// Config returns the pipeline's configuration with defaults filled in.
func (p *Pipeline) Config() Config { return p.cfg }

// use points the shared sampler at img (rebuilding its pyramid only when
// the image changes).
func (p *Pipeline) use(img *image.RGBA) {
	if p.srcID != img {
		p.s.reset(img)
		p.srcID = img
	}
}

// Detect runs the detection passes on img: short-range on the whole
// frame, then (only if nothing was found) full-range when configured, then
// the small-face tile search (see Config.NoSmallFaceSearch and
// SmallFaceInterval). The slice is reused by the next call.
func (p *Pipeline) Detect(ctx context.Context, img *image.RGBA) ([]Detection, Pass, error) {
	p.s.reset(img)
	p.srcID = img
	w, h := float32(img.Rect.Dx()), float32(img.Rect.Dy())
	whole := Rect{0, 0, w, h}
	dets, err := p.short.detectRegion(ctx, &p.s, whole)
	if err != nil || len(dets) > 0 {
		p.empty = p.cfg.SmallFaceInterval - 1
		return p.keep(dets), PassShortRange, err
	}
	if p.full != nil {
		dets, err = p.full.detectRegion(ctx, &p.s, whole)
		if err != nil || len(dets) > 0 {
			p.empty = p.cfg.SmallFaceInterval - 1
			return p.keep(dets), PassFullRange, err
		}
	}
	// Empty frames since the last small-face search; starts "due" so the
	// first empty frame (or a single photo) is searched.
	p.empty++
	if !p.cfg.NoSmallFaceSearch && p.empty >= p.cfg.SmallFaceInterval {
		p.empty = 0
		p.dets = p.dets[:0]
		for _, t := range [4][2]float32{{0, 0}, {0.4, 0}, {0, 0.4}, {0.4, 0.4}} {
			r := Rect{t[0] * w, t[1] * h, (t[0] + 0.6) * w, (t[1] + 0.6) * h}
			dets, err = p.short.detectRegion(ctx, &p.s, r)
			if err != nil {
				return nil, PassSmallSearch, err
			}
			for _, d := range dets {
				if float64(d.Score) >= p.cfg.SmallFaceMinScore {
					p.dets = append(p.dets, d)
				}
			}
		}
		if len(p.dets) > 0 {
			// Faces on tile overlaps were found twice: merge them.
			merged := weightedNMS(nil, p.dets, p.short.iou)
			return p.keep(merged), PassSmallSearch, nil
		}
	}
	return p.dets[:0], PassNone, nil
}

func (p *Pipeline) keep(d []Detection) []Detection {
	p.dets = append(p.dets[:0], d...)
	return p.dets
}

// DetectRegion runs the short-range detector on a region of img that may
// extend past it (the outside is black), e.g. a padded copy of the frame.
// Like EmbedMap, it reuses the resampling buffers of the last Detect call
// when img is the same *image.RGBA: call Detect first when a reused frame
// buffer holds new pixels.
func (p *Pipeline) DetectRegion(ctx context.Context, img *image.RGBA, region Rect) ([]Detection, error) {
	p.use(img)
	return p.short.detectRegion(ctx, &p.s, region)
}

// Process finds the faces in img; aligns, checks and embeds up to
// Config.MaxFaces of them (largest first). A face that fails the quality
// gate has its reasons and no embedding.
func (p *Pipeline) Process(ctx context.Context, img *image.RGBA) (*Result, error) {
	dets, pass, err := p.Detect(ctx, img)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(dets, func(a, b Detection) int { return cmp.Compare(b.Box.Area(), a.Box.Area()) })
	r := &p.res
	r.Pass = pass
	r.Faces = r.Faces[:0]
	for i, d := range dets {
		f := Face{Detection: d}
		if i < p.cfg.MaxFaces {
			b := p.buf(i)
			m, err := p.Align(d.Keypoints)
			if err != nil {
				f.Quality.Reasons = append(b.reasons[:0], "keypoints are degenerate: the detection is not a usable face")
				r.Faces = append(r.Faces, f)
				continue
			}
			p.s.warp(b.crop, CropSize, CropSize, m)
			toRGBA(b.aligned, b.crop, CropSize, CropSize)
			f.Aligned = b.aligned
			f.Quality = MeasureQuality(d, b.crop, p.cfg.Quality, b.reasons)
			b.reasons = f.Quality.Reasons
			if f.Quality.OK() {
				if err := p.embedder.Embed(ctx, b.crop, b.emb); err != nil {
					return nil, err
				}
				f.Embedding = b.emb
			}
		}
		r.Faces = append(r.Faces, f)
	}
	return r, nil
}

func (p *Pipeline) buf(i int) *faceBuf {
	for len(p.bufs) <= i {
		p.bufs = append(p.bufs, faceBuf{
			crop:    make([]float32, CropSize*CropSize*3),
			aligned: image.NewRGBA(image.Rect(0, 0, CropSize, CropSize)),
			emb:     make([]float32, EmbeddingDim),
		})
	}
	return &p.bufs[i]
}

// EmbedMap embeds the 112×112 crop of img that m maps out (see AlignMap,
// SquareCropMap, CentreSquareMap) into out (EmbeddingDim values), without
// the quality gate; flip selects the flip-augmented embedding. It is what
// enrollment from photos and `facegate eval` use. crop, if not nil,
// receives the crop (112×112 RGB floats). img should be the image of the
// last Detect call (its resampling buffers are reused when the pointer is
// the same), or a different *image.RGBA.
func (p *Pipeline) EmbedMap(ctx context.Context, img *image.RGBA, m Affine, flip bool, out, crop []float32) error {
	p.use(img)
	b := p.buf(0)
	if crop == nil {
		crop = b.crop
	}
	p.s.warp(crop, CropSize, CropSize, m)
	old := p.embedder.Flip
	p.embedder.Flip = flip
	defer func() { p.embedder.Flip = old }()
	return p.embedder.Embed(ctx, crop, out)
}
