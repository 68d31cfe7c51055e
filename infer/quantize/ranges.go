// Package quantize is facegate's int8 post-training quantizer: it records
// the value range of every float activation of a model on calibration
// inputs (Calibrator), and rewrites the model's graph to TFLite's full
// integer scheme (Quantize): int8 activations with per-tensor scale and zero
// point, symmetric int8 weights (per channel or per tensor), int32 biases,
// and QUANTIZE / DEQUANTIZE at the float inputs and outputs. The result is
// a standard .tflite file that Google's runtime and infer/tflite load.
package quantize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// Ranges are the calibration ranges of a model's float activations, as
// written by `facegate model quantize --ranges-out` and read by --ranges.
// They are numbers only, so the repository can carry them and a device
// without the calibration images makes the same int8 models.
type Ranges struct {
	// Model is the file name of the float model the ranges belong to.
	Model string `json:"model"`
	// Samples is how many calibration inputs were run.
	Samples int `json:"samples"`
	// Stat is how the ranges were taken from the runs (RangeMinMax when
	// empty).
	Stat RangeStat `json:"stat,omitempty"`
	// Tensors maps a tensor name to its observed [min, max].
	Tensors map[string][2]float32 `json:"tensors"`
	// Means maps a tensor name to its mean per channel (last axis) over
	// the calibration inputs, for Options.BiasCorrection.
	Means map[string][]float32 `json:"means,omitempty"`
}

// maxRangesBytes bounds a ranges file (a model has at most a few thousand
// tensors; a few hundred kB is plenty).
const maxRangesBytes = 16 << 20

// ParseRanges decodes and validates a ranges JSON document: unknown fields,
// non-finite numbers, min > max, empty names and a non-positive sample
// count are errors that name the bad entry.
func ParseRanges(b []byte) (*Ranges, error) {
	if len(b) > maxRangesBytes {
		return nil, fmt.Errorf("ranges: %d bytes, more than the %d allowed", len(b), maxRangesBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r Ranges
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("ranges: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("ranges: data after the JSON object")
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// Validate checks r as ParseRanges does.
func (r *Ranges) Validate() error {
	if r.Samples < 1 {
		return fmt.Errorf("ranges: samples %d: want at least 1", r.Samples)
	}
	if r.Stat != "" && r.Stat != RangeMinMax && r.Stat != RangeMean {
		return fmt.Errorf("ranges: stat %q: want %q or %q", r.Stat, RangeMinMax, RangeMean)
	}
	if len(r.Tensors) == 0 {
		return fmt.Errorf("ranges: no tensors")
	}
	for name, mm := range r.Tensors {
		if name == "" {
			return fmt.Errorf("ranges: a tensor has an empty name")
		}
		lo, hi := float64(mm[0]), float64(mm[1])
		if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
			return fmt.Errorf("ranges: tensor %q: [%v, %v] is not finite", name, mm[0], mm[1])
		}
		if lo > hi {
			return fmt.Errorf("ranges: tensor %q: min %v > max %v", name, mm[0], mm[1])
		}
	}
	for name, m := range r.Means {
		if name == "" {
			return fmt.Errorf("ranges: a channel mean has an empty name")
		}
		for k, v := range m {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("ranges: tensor %q: channel %d mean %v is not finite", name, k, v)
			}
		}
	}
	return nil
}

// ReadRanges reads and validates a ranges file.
func ReadRanges(path string) (*Ranges, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read ranges: %w", err)
	}
	r, err := ParseRanges(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Marshal returns r as indented JSON with sorted keys (the same ranges give
// the same bytes).
func (r *Ranges) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
