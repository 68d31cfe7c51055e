package eval

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facegate/facegate/gallery"
	"github.com/facegate/facegate/infer"
)

func TestLoadDirAndPairs(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"df_a/1.jpg", "df_a/2.png", "df_b/1.jpg", "lfw_c/1.jpg", "lfw_c/notes.txt", "x/1.JPG"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	imgs, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 5 {
		t.Fatalf("%d images, want 5 (notes.txt ignored): %+v", len(imgs), imgs)
	}
	if imgs[0].Subset() != "df" || imgs[3].Subset() != "lfw" || !imgs[3].Central() || imgs[0].Central() || imgs[4].Subset() != "x" {
		t.Errorf("subsets/central wrong: %+v", imgs)
	}
	pairs := AllPairs(imgs)
	gen := 0
	for _, p := range pairs {
		if p.Genuine {
			gen++
		}
	}
	if len(pairs) != 10 || gen != 1 {
		t.Errorf("%d pairs (%d genuine), want 10 (1)", len(pairs), gen)
	}
	if _, err := LoadDir(filepath.Join(dir, "df_a")); err == nil {
		t.Error("a folder without identity folders gave no error")
	}
}

func TestParseLFWPairs(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"Ann_Lee/Ann_Lee_0001.jpg", "Ann_Lee/Ann_Lee_0002.jpg", "Bo/Bo_0001.jpg", "Bo/Bo_0003.jpg"} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o644)
	}
	good := "2 1\nAnn_Lee 1 2\nAnn_Lee 1 Bo 1\nBo 1 3\nAnn_Lee 2 Bo 3\n"
	lp, err := ParseLFWPairs(strings.NewReader(good), dir)
	if err != nil {
		t.Fatal(err)
	}
	if lp.Folds != 2 || len(lp.Pairs) != 4 || len(lp.Images) != 4 {
		t.Fatalf("folds %d pairs %d images %d, want 2 4 4", lp.Folds, len(lp.Pairs), len(lp.Images))
	}
	if p := lp.Pairs[3]; p.Genuine || p.Fold != 1 || lp.Images[p.B].Path != filepath.Join(dir, "Bo", "Bo_0003.jpg") {
		t.Errorf("last pair %+v", p)
	}
	for _, tc := range []struct{ in, want string }{
		{"", "empty"},
		{"ten 300\n", "bad header"},
		{"1 1\nAnn_Lee 1 2\n", "ended at line"},
		{"1 1\nAnn_Lee 1 Bo 1\nAnn_Lee 1 Bo 1\n", "line 2"},
		{"1 1\nAnn_Lee 1 9\nAnn_Lee 1 Bo 1\n", "Ann_Lee_0009.jpg"},
		{"1 1\nAnn_Lee x 2\nAnn_Lee 1 Bo 1\n", "not a number"},
	} {
		_, err := ParseLFWPairs(strings.NewReader(tc.in), dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

func FuzzParseLFWPairs(f *testing.F) {
	f.Add("10 300\nA 1 2\n")
	f.Add("1 1\nA 1 2\nA 1 B 2\n")
	f.Add("3\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		lp, err := ParseLFWPairs(strings.NewReader(s), dir)
		if err == nil && len(lp.Pairs) == 0 {
			t.Error("no error and no pairs")
		}
	})
}

// unit returns a unit vector at angle a (radians) in the first two dims.
func unit(a float64) []float32 {
	v := make([]float32, infer.EmbeddingDim)
	v[0], v[1] = float32(math.Cos(a)), float32(math.Sin(a))
	return v
}

func TestScore(t *testing.T) {
	imgs := []Image{{Identity: "df_a"}, {Identity: "df_a"}, {Identity: "df_b"}, {Identity: "bbt_c"}, {Identity: "bbt_c"}}
	res := []ImageResult{
		{Embedding: unit(0), How: HowDetected, Duration: 10 * time.Millisecond, Faces: 2},
		{Embedding: unit(0.2), How: HowDetected, Duration: 20 * time.Millisecond, Faces: 1},
		{Embedding: unit(1.5), How: HowPadded, Duration: 30 * time.Millisecond, Faces: 1},
		{Embedding: unit(3), How: HowFallback, Duration: 40 * time.Millisecond},
		{Embedding: unit(2.9), How: HowDetected, Duration: 50 * time.Millisecond, Faces: 1},
	}
	imgs[3].Path = "bbt_c/1.jpg"
	r := Score(imgs, res, AllPairs(imgs), ScoreOptions{Variant: Aligned, MatchThreshold: 0.5})
	if r.Images != 5 || r.Detected != 4 || r.PaddedRetry != 1 || r.Fallback != 1 || r.MultiFace != 1 || r.FallbackImages[0] != "bbt_c/1.jpg" {
		t.Errorf("counts: %+v", r)
	}
	if r.GenuinePairs != 2 || r.ImpostorPairs != 8 {
		t.Errorf("pairs %d/%d, want 2/8", r.GenuinePairs, r.ImpostorPairs)
	}
	if r.EER == nil || *r.EER != 0 {
		t.Errorf("EER %v, want 0 (separable)", r.EER)
	}
	if r.TARAtFAR["1e-2"] != nil || r.TARAtFAR["1e-3"] != nil {
		t.Errorf("TAR@FAR reported with 8 impostors: %v", r.TARAtFAR)
	}
	if !near(r.MsPerImage, 30) {
		t.Errorf("ms per image %v, want 30", r.MsPerImage)
	}
	if s := r.Subsets["df"]; s.Images != 3 || s.GenuinePairs != 1 || s.ImpostorPairs != 2 {
		t.Errorf("df subset %+v", s)
	}
	if s := r.Subsets["bbt"]; s.Images != 2 || s.Detected != 1 || s.GenuinePairs != 1 || s.ImpostorPairs != 0 || s.EER != nil {
		t.Errorf("bbt subset %+v", s)
	}
	if len(r.OneToN) != 3 || !r.OneToN[0].UpperBound || r.OneToN[1].GallerySize != 1000 {
		t.Errorf("1:N %+v", r.OneToN)
	}
	var buf bytes.Buffer
	r.WriteText(&buf)
	for _, want := range []string{"EER 0.00%", "TAR @ FAR 1e-3: n/a", "not found: bbt_c/1.jpg", "gallery   1000"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestOneToN(t *testing.T) {
	imp := make([]float64, 10000)
	for i := 0; i < 20; i++ {
		imp[i] = 0.9
	}
	o := oneToN(imp, 0.5)
	if o[1].FARPerComparison != 0.002 || o[1].ImpostorsAbove != 20 || o[1].Note != "" {
		t.Errorf("1:N %+v", o[1])
	}
	if want := 1 - math.Pow(1-0.002, 1000); !near(o[1].FalseAcceptPerAttempt, want) {
		t.Errorf("per attempt %v, want %v", o[1].FalseAcceptPerAttempt, want)
	}
}

func TestCalibrate(t *testing.T) {
	// Impostors: the normal quantiles of a N(0.1, 0.15) sample, so the tail
	// fit must recover it; genuine scores around 0.7.
	var imp, gen []float64
	const n = 20000
	for i := 0; i < n; i++ {
		imp = append(imp, 0.1+0.15*probit((float64(i)+0.5)/n))
	}
	for i := 0; i < 100; i++ {
		gen = append(gen, 0.5+0.004*float64(i))
	}
	c := Calibrate(gen, imp)
	if c.ImpostorPairs != n || c.Tail.Count != 200 {
		t.Fatalf("table: %d impostors, tail over %d, want %d and 200", c.ImpostorPairs, c.Tail.Count, n)
	}
	if math.Abs(c.Tail.Mu-0.1) > 1e-3 || math.Abs(c.Tail.Sigma-0.15) > 1e-3 {
		t.Errorf("tail fit mu %v sigma %v, want 0.1 0.15", c.Tail.Mu, c.Tail.Sigma)
	}
	// Measured part: FMR(0.1) = half the impostors.
	if p := c.Points[10]; !p.Measured || math.Abs(p.FMR-0.5) > 1e-3 || p.TAR != 1 {
		t.Errorf("point 0.10: %+v", p)
	}
	// Modelled part: Q((0.7−0.1)/0.15) = Q(4) ≈ 3.17e-5.
	if p := c.Points[70]; p.Measured || math.Abs(p.FMR-3.167e-5)/3.167e-5 > 0.02 || math.Abs(p.TAR-0.49) > 0.011 {
		t.Errorf("point 0.70: %+v, want FMR 3.17e-5 modelled, TAR ≈ 0.49", p)
	}
	for i := 1; i < len(c.Points); i++ {
		if c.Points[i].FMR > c.Points[i-1].FMR {
			t.Fatalf("FMR rises at %v", c.Points[i].Similarity)
		}
	}
	if last := c.Points[len(c.Points)-1]; last.FMR < MinTableFMR || last.Similarity > 0.9 {
		t.Errorf("table ends at %+v, want the last point with FMR ≥ %g", last, MinTableFMR)
	}
	if f := c.FMR(0.705); !(f < c.Points[70].FMR && f > c.Points[71].FMR) {
		t.Errorf("FMR(0.705) = %v not between its neighbours", f)
	}
	if th := c.ThresholdFor(1e-5); math.Abs(th-0.74) > 0.011 {
		t.Errorf("ThresholdFor(1e-5) = %v, want 0.74 (0.1 + 0.15·Q⁻¹(1e-5), Q⁻¹(1e-5) = 4.265)", th)
	}
	b, err := c.GalleryJSON()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := gallery.ParseCalibration(b)
	if err != nil {
		t.Fatalf("gallery rejects the table: %v", err)
	}
	if e := cal.Estimate(0.7); math.Abs(e.FMR-c.Points[70].FMR) > 1e-12 {
		t.Errorf("gallery estimate at 0.7 = %v, table %v", e.FMR, c.Points[70].FMR)
	}
}

func TestPlotROC(t *testing.T) {
	var buf bytes.Buffer
	pts := ROC([]float64{0.9, 0.8, 0.4}, []float64{0.1, 0.2, 0.5, 0.3})
	if err := PlotROC(&buf, "test", []Curve{{Label: "a", Points: pts}}, 1e-3); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// The curve colour must appear somewhere in the plot area.
	found := false
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y && !found; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 == 31 && g>>8 == 119 && bl>>8 == 180 {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("no curve pixels in the plot")
	}
}

func TestPick(t *testing.T) {
	dets := []infer.Detection{
		{Box: infer.Rect{X0: 0, Y0: 0, X1: 60, Y1: 60}},     // largest, off-centre
		{Box: infer.Rect{X0: 50, Y0: 50, X1: 100, Y1: 100}}, // central
	}
	if i := Pick(dets, 150, 150, false); i != 0 {
		t.Errorf("largest: picked %d, want 0", i)
	}
	if i := Pick(dets, 150, 150, true); i != 1 {
		t.Errorf("central: picked %d, want 1", i)
	}
}
