package eval

import (
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/facegate/facegate/infer"
)

// FARs are the false accept rates TAR is reported at, with their JSON keys.
var FARs = []struct {
	Key   string
	Value float64
}{{"1e-2", 1e-2}, {"1e-3", 1e-3}, {"1e-4", 1e-4}}

// GallerySizes are the 1:N gallery sizes the per-attempt false accept
// estimate is given for.
var GallerySizes = []int{100, 1000, 10000}

// Rates are the verification figures of a set of scored pairs. A figure
// that cannot be measured (too few pairs) is null in JSON.
type Rates struct {
	GenuinePairs  int `json:"genuine_pairs"`
	ImpostorPairs int `json:"impostor_pairs"`
	// EER is the equal error rate (0.01 = 1%).
	EER *float64 `json:"eer"`
	// TARAtFAR maps "1e-3" to the true accept rate at that FAR.
	TARAtFAR map[string]*float64 `json:"tar_at_far"`
	// ThresholdAtFAR maps "1e-3" to the cosine threshold giving that FAR.
	ThresholdAtFAR map[string]*float64 `json:"threshold_at_far"`
	// TARAtZeroFAR is the fraction of genuine pairs above the highest
	// impostor, ThresholdAtZeroFAR that impostor score.
	TARAtZeroFAR       *float64 `json:"tar_at_far0"`
	ThresholdAtZeroFAR *float64 `json:"threshold_at_far0"`
}

func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func rates(gen, imp []float64) Rates {
	r := Rates{GenuinePairs: len(gen), ImpostorPairs: len(imp), EER: num(EER(gen, imp)),
		TARAtFAR: map[string]*float64{}, ThresholdAtFAR: map[string]*float64{}}
	for _, f := range FARs {
		if tar, thr, ok := TARAtFAR(gen, imp, f.Value); ok {
			r.TARAtFAR[f.Key], r.ThresholdAtFAR[f.Key] = num(tar), num(thr)
		} else {
			r.TARAtFAR[f.Key], r.ThresholdAtFAR[f.Key] = nil, nil
		}
	}
	t0, th0 := TARAtZeroFAR(gen, imp)
	r.TARAtZeroFAR, r.ThresholdAtZeroFAR = num(t0), num(th0)
	return r
}

// Subset is one row of the per-subset table.
type Subset struct {
	Images   int `json:"images"`
	Detected int `json:"detected"`
	Rates
}

// OneToN estimates the chance that a stranger is accepted as somebody in a
// gallery of N people in one attempt: 1 − (1 − FAR)^N, FAR measured at the
// match threshold.
type OneToN struct {
	GallerySize int     `json:"gallery_size"`
	Threshold   float64 `json:"threshold"`
	// FARPerComparison is the measured fraction of impostor pairs above
	// the threshold, from ImpostorsAbove of the impostor pairs.
	FARPerComparison float64 `json:"far_per_comparison"`
	ImpostorsAbove   int     `json:"impostors_above"`
	// FalseAcceptPerAttempt is 1 − (1 − FAR)^N.
	FalseAcceptPerAttempt float64 `json:"false_accept_per_attempt"`
	// UpperBound is set when no impostor was above the threshold: the
	// figures then use FAR = 3/impostor pairs, the 95% upper bound.
	UpperBound bool `json:"upper_bound"`
	// Note says when the estimate needs more impostor pairs than the data has.
	Note string `json:"note,omitempty"`
	// ModelFMR and ModelFalseAcceptPerAttempt are the same figures from the
	// calibration's tail model (see Calibrate): an extrapolation where the
	// measured count is too small.
	ModelFMR                   float64 `json:"model_fmr"`
	ModelFalseAcceptPerAttempt float64 `json:"model_false_accept_per_attempt"`
}

// Report is the outcome of an evaluation; `facegate eval --json` prints it.
type Report struct {
	Dir     string `json:"dir"`
	Variant string `json:"variant"`
	Flip    bool   `json:"flip"`
	// Images is the number of images; Detected how many the detector found
	// a face in (directly or on the padded retry).
	Images      int `json:"images"`
	Detected    int `json:"detected"`
	PaddedRetry int `json:"padded_retry"`
	Fallback    int `json:"fallback"`
	// MultiFace counts images where the detector found more than one face.
	MultiFace int `json:"multi_face"`
	// FallbackImages lists the images that used the centre crop.
	FallbackImages []string `json:"fallback_images"`
	Rates
	// Subsets has a row per folder prefix (df, bbt, lfw, …), over the
	// pairs with both images in it.
	Subsets    map[string]Subset `json:"subsets"`
	MsPerImage float64           `json:"ms_per_image"`
	Workers    int               `json:"workers"`
	// LFW 10-fold accuracy, with --pairs only.
	LFWAccuracyMean *float64  `json:"lfw_accuracy_mean,omitempty"`
	LFWAccuracyStd  *float64  `json:"lfw_accuracy_std,omitempty"`
	LFWFolds        []float64 `json:"lfw_fold_accuracies,omitempty"`
	// MatchThreshold is the cosine threshold the 1:N estimate uses.
	MatchThreshold float64  `json:"match_threshold"`
	OneToN         []OneToN `json:"one_to_n"`
	// Jitter, with --jitter, is the spread of the metrics over runs on
	// slightly cropped images; the other fields are the uncropped run.
	Jitter *JitterReport `json:"jitter,omitempty"`

	// Genuine and Impostor are the pair scores (for plots and calibration).
	Genuine  []float64 `json:"-"`
	Impostor []float64 `json:"-"`
}

// ScoreOptions configures Score.
type ScoreOptions struct {
	Dir     string
	Variant Variant
	Flip    bool
	Workers int
	// Folds > 0 computes the LFW fold accuracy from the pairs' folds.
	Folds int
	// MatchThreshold is the threshold of the 1:N estimate; 0 uses the
	// threshold at FAR 1e-3.
	MatchThreshold float64
}

// Score compares the embeddings of every pair and builds the report.
func Score(imgs []Image, res []ImageResult, pairs []Pair, o ScoreOptions) *Report {
	r := &Report{Dir: o.Dir, Variant: string(o.Variant), Flip: o.Flip, Images: len(imgs), Workers: max(o.Workers, 1), Subsets: map[string]Subset{}, FallbackImages: []string{}}
	var total time.Duration
	sub := map[string]*Subset{}
	for i, ir := range res {
		total += ir.Duration
		s := sub[imgs[i].Subset()]
		if s == nil {
			s = &Subset{}
			sub[imgs[i].Subset()] = s
		}
		s.Images++
		switch ir.How {
		case HowDetected:
			r.Detected++
			s.Detected++
		case HowPadded:
			r.Detected++
			r.PaddedRetry++
			s.Detected++
		case HowFallback:
			r.Fallback++
			r.FallbackImages = append(r.FallbackImages, imgs[i].Path)
		}
		if ir.Faces > 1 {
			r.MultiFace++
		}
	}
	if len(res) > 0 {
		r.MsPerImage = float64(total.Microseconds()) / 1000 / float64(len(res))
	}
	var scored []ScoredPair
	subGen, subImp := map[string][]float64{}, map[string][]float64{}
	for _, p := range pairs {
		s := float64(infer.Cosine(res[p.A].Embedding, res[p.B].Embedding))
		scored = append(scored, ScoredPair{Score: s, Genuine: p.Genuine, Fold: p.Fold})
		if p.Genuine {
			r.Genuine = append(r.Genuine, s)
		} else {
			r.Impostor = append(r.Impostor, s)
		}
		if sa, sb := imgs[p.A].Subset(), imgs[p.B].Subset(); sa == sb && o.Folds == 0 {
			if p.Genuine {
				subGen[sa] = append(subGen[sa], s)
			} else {
				subImp[sa] = append(subImp[sa], s)
			}
		}
	}
	r.Rates = rates(r.Genuine, r.Impostor)
	if o.Folds == 0 {
		for name, s := range sub {
			s.Rates = rates(subGen[name], subImp[name])
			r.Subsets[name] = *s
		}
	}
	if o.Folds > 0 {
		m, sd, accs := FoldAccuracy(scored, o.Folds)
		r.LFWAccuracyMean, r.LFWAccuracyStd, r.LFWFolds = num(m), num(sd), accs
	}
	r.MatchThreshold = o.MatchThreshold
	if r.MatchThreshold == 0 {
		if t := r.ThresholdAtFAR["1e-3"]; t != nil {
			r.MatchThreshold = *t
		}
	}
	r.OneToN = oneToN(r.Impostor, r.MatchThreshold)
	if len(r.OneToN) > 0 {
		cal := Calibrate(r.Genuine, r.Impostor)
		mf := cal.FMR(r.MatchThreshold)
		if math.IsNaN(mf) {
			mf = 0 // too few impostors to fit the tail
		}
		for i := range r.OneToN {
			o := &r.OneToN[i]
			o.ModelFMR = mf
			o.ModelFalseAcceptPerAttempt = 1 - math.Pow(1-mf, float64(o.GallerySize))
		}
	}
	return r
}

func oneToN(imp []float64, t float64) []OneToN {
	if len(imp) == 0 {
		return nil
	}
	far, above := FARAt(imp, t)
	var out []OneToN
	for _, n := range GallerySizes {
		o := OneToN{GallerySize: n, Threshold: t, FARPerComparison: far, ImpostorsAbove: above}
		f := far
		if above == 0 {
			f = 3 / float64(len(imp))
			o.UpperBound = true
			o.Note = fmt.Sprintf("no impostor pair above the threshold: upper bound from FAR < 3/%d; measuring it needs more impostor pairs than the data has", len(imp))
		} else if above < 10 {
			o.Note = fmt.Sprintf("only %d impostor pairs above the threshold: a rough estimate; needs about %d impostor pairs for ±30%%", above, int(math.Ceil(10/far)))
		}
		o.FalseAcceptPerAttempt = 1 - math.Pow(1-f, float64(n))
		out = append(out, o)
	}
	return out
}

func pct(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.2f%%", 100**p)
}

func thr(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.3f", *p)
}

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "facegate eval %s (variant %s, flip %v)\n", r.Dir, r.Variant, r.Flip)
	fmt.Fprintf(w, "images %d: faces found %d (%d on the padded retry), not found %d (centre square crop used), %d with more than one face\n",
		r.Images, r.Detected, r.PaddedRetry, r.Fallback, r.MultiFace)
	for _, f := range r.FallbackImages {
		fmt.Fprintf(w, "  not found: %s\n", f)
	}
	fmt.Fprintf(w, "pairs: %d genuine, %d impostor\n", r.GenuinePairs, r.ImpostorPairs)
	fmt.Fprintf(w, "EER %s\n", pct(r.EER))
	for _, f := range FARs {
		if r.TARAtFAR[f.Key] == nil {
			fmt.Fprintf(w, "TAR @ FAR %s: n/a (needs ≥ %.0f impostor pairs, have %d)\n", f.Key, math.Ceil(1/f.Value), r.ImpostorPairs)
			continue
		}
		fmt.Fprintf(w, "TAR @ FAR %s: %s at threshold %s\n", f.Key, pct(r.TARAtFAR[f.Key]), thr(r.ThresholdAtFAR[f.Key]))
	}
	fmt.Fprintf(w, "TAR @ FAR 0 (above the highest impostor): %s at threshold %s\n", pct(r.TARAtZeroFAR), thr(r.ThresholdAtZeroFAR))
	if r.LFWAccuracyMean != nil {
		fmt.Fprintf(w, "LFW %d-fold accuracy: %.2f%% ± %.2f%%\n", len(r.LFWFolds), 100**r.LFWAccuracyMean, 100**r.LFWAccuracyStd)
	}
	if len(r.Subsets) > 0 {
		names := make([]string, 0, len(r.Subsets))
		for n := range r.Subsets {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(w, "\n%-8s %6s %8s %8s %8s %8s %14s %14s %14s %14s\n", "subset", "images", "detected", "genuine", "impostor", "EER", "TAR@1e-2", "TAR@1e-3", "TAR@1e-4", "TAR@0")
		for _, n := range names {
			s := r.Subsets[n]
			cell := func(k string) string {
				if s.TARAtFAR[k] == nil {
					return "n/a"
				}
				return pct(s.TARAtFAR[k]) + " (" + thr(s.ThresholdAtFAR[k]) + ")"
			}
			fmt.Fprintf(w, "%-8s %6d %8d %8d %8d %8s %14s %14s %14s %14s\n", n, s.Images, s.Detected, s.GenuinePairs, s.ImpostorPairs, pct(s.EER),
				cell("1e-2"), cell("1e-3"), cell("1e-4"), pct(s.TARAtZeroFAR)+" ("+thr(s.ThresholdAtZeroFAR)+")")
		}
	}
	if len(r.OneToN) > 0 {
		fmt.Fprintf(w, "\n1:N: a stranger compared with every enrolled person, at threshold %.3f (FAR per comparison %.2g, %d of %d impostor pairs above):\n",
			r.MatchThreshold, r.OneToN[0].FARPerComparison, r.OneToN[0].ImpostorsAbove, r.ImpostorPairs)
		for _, o := range r.OneToN {
			bound := ""
			if o.UpperBound {
				bound = "< "
			}
			fmt.Fprintf(w, "  gallery %6d: per-attempt false accept %s%.3g%% measured; %.3g%% from the tail model (FMR %.2g)\n", o.GallerySize, bound, 100*o.FalseAcceptPerAttempt, 100*o.ModelFalseAcceptPerAttempt, o.ModelFMR)
		}
		if n := r.OneToN[0].Note; n != "" {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
	fmt.Fprintf(w, "\n%.1f ms per image (detect + align + embed, %d worker(s), decoding excluded)\n", r.MsPerImage, r.Workers)
}
