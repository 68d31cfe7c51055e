package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/facegate/facegate/infer"
	"github.com/facegate/facegate/infer/quantize"
	"github.com/facegate/facegate/infer/tflite"
)

// modelQuantize is `facegate model quantize`: calibrate (or read ranges),
// quantize to int8 and write the model.
func modelQuantize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("model quantize", stderr)
	out := fs.String("o", "", "output .tflite file (required)")
	calib := fs.String("calib", "", "directory of calibration images (JPEG/PNG, searched recursively)")
	rangesIn := fs.String("ranges", "", "calibration ranges JSON (from --ranges-out) instead of --calib")
	rangesOut := fs.String("ranges-out", "", "write the calibration ranges to this JSON file")
	perChannel := fs.Bool("per-channel", false, "one weight scale per output channel for CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED")
	stat := fs.String("range", string(quantize.RangeMinMax), "activation range from calibration: minmax (all inputs' extremes) or mean (mean of each input's extremes)")
	floatHeads := fs.Bool("float-heads", false, "leave float the ops that compute the outputs (through RESHAPE/CONCATENATION); for outputs whose range is too wide for int8, like BlazeFace's")
	biasCorr := fs.Bool("bias-correction", false, "correct each convolution's bias for the mean shift its weight rounding causes (needs ranges with channel means)")
	floatOps := fs.String("float-ops", "", "comma-separated ops to leave float, e.g. PRELU,ADD")
	floatTensors := fs.String("float-tensors", "", "comma-separated names of activations whose producing ops stay float (mixed precision)")
	models := fs.String("models", "models", "directory with the float models the calibration pipeline runs (detector and embedder)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("model quantize takes one input model")
	}
	if *out == "" {
		return usageError("model quantize: -o OUT.tflite is required")
	}
	if (*calib == "") == (*rangesIn == "") {
		return usageError("model quantize: give exactly one of --calib DIR and --ranges FILE")
	}
	m, err := tflite.Load(pos[0])
	if err != nil {
		return err
	}
	var r *quantize.Ranges
	if *rangesIn != "" {
		if r, err = quantize.ReadRanges(*rangesIn); err != nil {
			return err
		}
	} else {
		kind, err := quantize.KindOf(m)
		if err != nil {
			return err
		}
		var shape []int
		if kind == quantize.Embedder {
			shape = []int{1, infer.CropSize, infer.CropSize, 3} // as infer runs it
		}
		c, err := quantize.NewCalibrator(m, shape)
		if err != nil {
			return err
		}
		defer c.Close()
		cfg := infer.Config{
			DetectorModel: filepath.Join(*models, "face_detection_short_range.tflite"),
			EmbedderModel: filepath.Join(*models, "MobileFaceNet.tflite"),
		}
		n, err := quantize.CalibrateImages(ctx, c, m, kind, cfg, *calib)
		if err != nil {
			return err
		}
		if r, err = c.Ranges(quantize.RangeStat(*stat)); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "calibrated %s (%s) on %d images: %d inputs\n", m.Name(), kind, n, c.Samples())
	}
	if *rangesOut != "" {
		b, err := r.Marshal()
		if err != nil {
			return err
		}
		if err := os.WriteFile(*rangesOut, b, 0o644); err != nil {
			return fmt.Errorf("write ranges: %w", err)
		}
	}
	opts := quantize.Options{PerChannel: *perChannel, FloatHeads: *floatHeads, BiasCorrection: *biasCorr}
	if *floatOps != "" {
		for _, name := range strings.Split(*floatOps, ",") {
			c, ok := tflite.ParseOpCode(strings.TrimSpace(name))
			if !ok {
				return usageError("--float-ops: unknown op %q", name)
			}
			opts.FloatOps = append(opts.FloatOps, c)
		}
	}
	if *floatTensors != "" {
		for _, name := range strings.Split(*floatTensors, ",") {
			opts.FloatTensors = append(opts.FloatTensors, strings.TrimSpace(name))
		}
	}
	g, err := quantize.Quantize(m.Graph(), r, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", m.Name(), err)
	}
	b, err := g.Marshal()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", *out, len(b))
	return nil
}
