package eval

import (
	"fmt"
	"image"
	"io"
	"math"
)

// JitterShifts returns n crop offsets, nearest first: (0,0), (0,1),
// (1,0), (1,1), (0,2), … Cropping an image by a pixel or two is a change
// no one could see, yet on a few hundred genuine pairs it moves EER and
// TAR by whole pairs; running the eval at several offsets shows how much
// of a difference between two models is that noise (facegate eval
// --jitter).
func JitterShifts(n int) []image.Point {
	var out []image.Point
	for d := 0; len(out) < n; d++ {
		// offsets with max(x, y) == d, x-major
		for x := 0; x <= d && len(out) < n; x++ {
			for y := 0; y <= d && len(out) < n; y++ {
				if max(x, y) == d {
					out = append(out, image.Point{X: x, Y: y})
				}
			}
		}
	}
	return out
}

// cropTopLeft returns img without its first off.X columns and off.Y rows,
// as a new image whose bounds start at (0, 0).
func cropTopLeft(img *image.RGBA, off image.Point) (*image.RGBA, error) {
	r := img.Rect
	if off.X < 0 || off.Y < 0 || off.X >= r.Dx() || off.Y >= r.Dy() {
		return nil, fmt.Errorf("crop offset %v does not fit a %dx%d image", off, r.Dx(), r.Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, r.Dx()-off.X, r.Dy()-off.Y))
	for y := range out.Rect.Dy() {
		src := img.Pix[(y+off.Y)*img.Stride+off.X*4:]
		copy(out.Pix[y*out.Stride:(y+1)*out.Stride], src)
	}
	return out, nil
}

// Spread summarises one metric over jittered runs.
type Spread struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	// N is the number of runs the metric was defined in.
	N int `json:"n"`
}

func spread(v []float64) Spread {
	if len(v) == 0 {
		return Spread{}
	}
	s := Spread{Min: v[0], Max: v[0], N: len(v)}
	for _, x := range v {
		s.Mean += x
		s.Min, s.Max = min(s.Min, x), max(s.Max, x)
	}
	s.Mean /= float64(len(v))
	for _, x := range v {
		s.SD += (x - s.Mean) * (x - s.Mean)
	}
	if len(v) > 1 { // sample standard deviation; one run has none (0)
		s.SD = math.Sqrt(s.SD / float64(len(v)-1))
	}
	return s
}

// JitterReport is the spread of the headline metrics over runs of the
// same eval on images cropped by JitterShifts.
type JitterReport struct {
	Shifts   []image.Point     `json:"shifts"`
	Detected []int             `json:"detected"`
	EER      Spread            `json:"eer"`
	TARAtFAR map[string]Spread `json:"tar_at_far"`
	// Runs are each run's rates, in Shifts order (for paired comparisons
	// of two models over the same crops).
	Runs []Rates `json:"runs"`
}

// SummarizeJitter gathers reps, the reports of runs at shifts (same
// order), into a JitterReport.
func SummarizeJitter(reps []*Report, shifts []image.Point) *JitterReport {
	j := &JitterReport{Shifts: shifts, TARAtFAR: map[string]Spread{}}
	var eer []float64
	tar := map[string][]float64{}
	for _, r := range reps {
		j.Detected = append(j.Detected, r.Detected)
		j.Runs = append(j.Runs, r.Rates)
		if r.EER != nil {
			eer = append(eer, *r.EER)
		}
		for _, f := range FARs {
			if v := r.TARAtFAR[f.Key]; v != nil {
				tar[f.Key] = append(tar[f.Key], *v)
			}
		}
	}
	j.EER = spread(eer)
	for k, v := range tar {
		j.TARAtFAR[k] = spread(v)
	}
	return j
}

// WriteText prints the spreads, one line per metric.
func (j *JitterReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "\njitter: %d runs, images cropped by %v pixels (x,y) from the top left\n", len(j.Shifts), j.Shifts)
	fmt.Fprintf(w, "  faces found per run: %v\n", j.Detected)
	line := func(name string, s Spread) {
		if s.N == 0 {
			fmt.Fprintf(w, "  %-10s n/a\n", name)
			return
		}
		fmt.Fprintf(w, "  %-10s mean %s  sd %s  min %s  max %s\n", name, pct(num(s.Mean)), pct(num(s.SD)), pct(num(s.Min)), pct(num(s.Max)))
	}
	line("EER", j.EER)
	for _, f := range FARs {
		line("TAR@"+f.Key, j.TARAtFAR[f.Key])
	}
}
