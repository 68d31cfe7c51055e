package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/eval"
	"github.com/facegate/facegate/infer/tflite"
)

func init() {
	register("eval", command{
		summary: "measure face verification accuracy on a folder of labelled images",
		usage: "eval DIR [--pairs FILE] [--json] [--plot roc.png] [--threads N] [--variant aligned|aligned4|crop|mesh|mesh5|mesh5-1pass] [--flip=true|false]\n" +
			"             [--models DIR] [--detector FILE] [--embedder FILE] [--quantized] [--full-range] [--match-threshold T] [--calibration-out FILE] [--scores-out FILE] [--jitter N]\n\n" +
			"DIR holds DIR/<identity>/<image>. Without --pairs every genuine and impostor pair is scored;\n" +
			"with --pairs, an LFW pairs.txt (files DIR/<name>/<name>_<nnnn>.jpg) and its 10-fold accuracy.",
		run: runEval,
	})
}

// parseInterspersed parses flags that may come before or after positional
// arguments (the flag package stops at the first positional one).
func parseInterspersed(fs interface {
	Parse([]string) error
	Args() []string
}, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	pairsFile := fs.String("pairs", "", "LFW pairs.txt to score instead of all pairs")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	plot := fs.String("plot", "", "write a ROC curve PNG (log FAR axis) to this file")
	threads := fs.Int("threads", 1, "images processed in parallel (one interpreter set each)")
	variantName := fs.String("variant", "aligned", "face crop: aligned (eyes + mouth centre onto the ArcFace template, the daemon's default), aligned4 (eyes, nose tip, mouth), crop (naive square crop, no alignment), mesh (face-mesh eye centres and mouth corners onto the ArcFace template; needs face_landmark.tflite), mesh5 (mesh plus the mesh nose tip), mesh5-1pass (mesh5 from one unrefined mesh run, as the daemon's liveness check computes it)")
	flip := fs.Bool("flip", false, "add the mirrored face's embedding before normalising (the daemon does not by default; the shipped calibration is without)")
	models := fs.String("models", "models", "directory with the .tflite model files")
	detector := fs.String("detector", "", "detector model file (default: DIR/face_detection_short_range.tflite of --models)")
	embedder := fs.String("embedder", "", "embedder model file (default: DIR/MobileFaceNet.tflite of --models)")
	quantized := fs.Bool("quantized", false, "use the int8 models make models writes (…-int8.tflite) for the files --detector/--embedder do not name")
	fullRange := fs.Bool("full-range", false, "also run face_detection_full_range.tflite on images where short-range finds nothing")
	matchThr := fs.Float64("match-threshold", 0, "cosine threshold for the 1:N estimate (default: the shipped default match threshold)")
	calOut := fs.String("calibration-out", "", "write the similarity→false-match-rate table derived from the impostor scores (JSON)")
	scoresOut := fs.String("scores-out", "", "write every pair's similarity as CSV (genuine,score) for offline analysis")
	jitter := fs.Int("jitter", 0, "also run on N-1 copies of the images cropped by 0-3 pixels from the top left and report each metric's spread over the N runs (how much of a difference is noise)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("need exactly one DIR, got %d arguments", len(pos))
	}
	dir := pos[0]
	if *jitter < 0 || *jitter > 64 {
		return usageError("--jitter %d: must be 0…64", *jitter)
	}
	if *threads < 1 || *threads > 256 {
		return usageError("--threads %d: must be 1…256", *threads)
	}
	variant, err := eval.ParseVariant(*variantName)
	if err != nil {
		return usageError("--variant: %v", err)
	}
	if *matchThr == 0 {
		*matchThr = infer.DefaultMatchThreshold
	}
	if !(*matchThr > -1 && *matchThr < 1) {
		return usageError("--match-threshold %v: must be in (-1, 1)", *matchThr)
	}

	var imgs []eval.Image
	var pairs []eval.Pair
	folds := 0
	if *pairsFile != "" {
		f, err := os.Open(*pairsFile)
		if err != nil {
			return fmt.Errorf("--pairs: %w", err)
		}
		lp, err := eval.ParseLFWPairs(f, dir)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *pairsFile, err)
		}
		imgs, pairs, folds = lp.Images, lp.Pairs, lp.Folds
		// LFW's labelled person is the central face.
		for i := range imgs {
			imgs[i].Identity = "lfw_" + imgs[i].Identity
		}
	} else {
		if imgs, err = eval.LoadDir(dir); err != nil {
			return err
		}
		pairs = eval.AllPairs(imgs)
	}

	suffix := ".tflite"
	if *quantized {
		suffix = "-int8.tflite"
	}
	cfg := infer.Config{
		DetectorModel: filepath.Join(*models, "face_detection_short_range"+suffix),
		EmbedderModel: filepath.Join(*models, "MobileFaceNet"+suffix),
	}
	if *detector != "" {
		cfg.DetectorModel = *detector
	}
	if *embedder != "" {
		cfg.EmbedderModel = *embedder
	}
	if *fullRange {
		cfg.FullRangeModel = filepath.Join(*models, "face_detection_full_range.tflite")
	}
	m, err := infer.LoadModels(cfg)
	if err != nil {
		return err
	}
	opts := eval.EmbedOptions{Config: cfg, Models: m, Variant: variant, Flip: *flip, Workers: *threads}
	if variant.UsesMesh() {
		if opts.MeshModel, err = tflite.Load(filepath.Join(*models, "face_landmark.tflite")); err != nil {
			return fmt.Errorf("face mesh model: %w (run `make models` or pass --models)", err)
		}
	}
	bar := newProgress(stderr)
	if bar != nil {
		opts.Progress = bar.update
	}
	res, err := eval.Embed(ctx, imgs, opts)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return err
	}
	if opts.MeshModel != nil {
		n := 0
		for _, r := range res {
			if r.MeshFallback {
				n++
			}
		}
		fmt.Fprintf(stderr, "face mesh: %d of %d images fell back to the detector's keypoints (no face in the mesh)\n", n, len(res))
	}
	sopts := eval.ScoreOptions{Dir: dir, Variant: variant, Flip: *flip, Workers: *threads, Folds: folds, MatchThreshold: *matchThr}
	rep := eval.Score(imgs, res, pairs, sopts)
	if *jitter > 1 {
		shifts := eval.JitterShifts(*jitter)
		reps := []*eval.Report{rep}
		for i, s := range shifts[1:] {
			fmt.Fprintf(stderr, "jitter run %d of %d: crop %v\n", i+2, len(shifts), s)
			o := opts
			o.Crop, o.Progress = s, nil
			r, err := eval.Embed(ctx, imgs, o)
			if err != nil {
				return fmt.Errorf("jitter crop %v: %w", s, err)
			}
			reps = append(reps, eval.Score(imgs, r, pairs, sopts))
		}
		rep.Jitter = eval.SummarizeJitter(reps, shifts)
	}

	if *plot != "" {
		if err := writePlot(*plot, rep); err != nil {
			return err
		}
	}
	var cal *eval.CalibrationTable
	if *calOut != "" {
		t := eval.Calibrate(rep.Genuine, rep.Impostor)
		cal = &t
		b, err := t.GalleryJSON()
		if err != nil {
			return err
		}
		if err := os.WriteFile(*calOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("--calibration-out: %w", err)
		}
	}
	if *scoresOut != "" {
		if err := writeScores(*scoresOut, rep); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.WriteText(stdout)
	if rep.Jitter != nil {
		rep.Jitter.WriteText(stdout)
	}
	if cal != nil {
		writeCalibrationSummary(stdout, cal, *calOut)
	}
	if *plot != "" {
		fmt.Fprintf(stdout, "ROC plot: %s\n", *plot)
	}
	return nil
}

func writeCalibrationSummary(w io.Writer, t *eval.CalibrationTable, path string) {
	fmt.Fprintf(w, "\ncalibration (%s): FMR counted from impostor pairs up to similarity %.3f (%d pairs above);\n", path, t.Tail.From, t.Tail.Count)
	fmt.Fprintf(w, "  above it a normal tail fitted to those pairs, mu %.4f sigma %.4f (an extrapolation)\n", t.Tail.Mu, t.Tail.Sigma)
	for _, f := range []float64{1e-3, 1e-4, 1e-5, 1e-6} {
		th := t.ThresholdFor(f)
		if math.IsNaN(th) {
			fmt.Fprintf(w, "  FMR %.0e: beyond the table\n", f)
			continue
		}
		var tar float64
		for _, p := range t.Points {
			if p.Similarity == th {
				tar = p.TAR
			}
		}
		fmt.Fprintf(w, "  FMR %.0e at similarity %.2f (TAR there %.2f%%; per-attempt false accept with 1,000 people %.2g%%)\n", f, th, 100*tar, 100*(1-math.Pow(1-f, 1000)))
	}
}

func writeScores(path string, rep *eval.Report) error {
	var b strings.Builder
	b.WriteString("genuine,score\n")
	for _, s := range rep.Genuine {
		fmt.Fprintf(&b, "1,%.6f\n", s)
	}
	for _, s := range rep.Impostor {
		fmt.Fprintf(&b, "0,%.6f\n", s)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("--scores-out: %w", err)
	}
	return nil
}

func writePlot(path string, rep *eval.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	label := rep.Variant
	if rep.Flip {
		label += "+flip"
	}
	if rep.EER != nil {
		label += fmt.Sprintf(" (EER %.2f%%)", 100**rep.EER)
	}
	minFAR := 1e-4
	if n := rep.ImpostorPairs; n > 0 {
		minFAR = 1 / float64(n)
	}
	title := fmt.Sprintf("ROC: %s, %d genuine / %d impostor pairs", filepath.Base(filepath.Clean(rep.Dir)), rep.GenuinePairs, rep.ImpostorPairs)
	err = eval.PlotROC(f, title, []eval.Curve{{Label: label, Points: eval.ROC(rep.Genuine, rep.Impostor)}}, minFAR)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("--plot: %w", cerr)
	}
	return err
}

// progress draws a one-line bar on a terminal.
type progress struct {
	mu sync.Mutex
	w  io.Writer
}

// newProgress returns a bar when w is a terminal, else nil.
func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return &progress{w: w}
}

func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	const width = 40
	n := done * width / max(total, 1)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d images", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
}

func (p *progress) finish() {
	fmt.Fprint(p.w, "\r\033[K")
}
