package infer

import (
	"math"
	"strings"
	"testing"
)

// frontal returns keypoints of an upright frontal face with the eyes d px apart.
func frontal(d float32) [6]Point {
	return [6]Point{
		{100, 100}, {100 + d, 100}, // eyes
		{100 + d/2, 100 + 0.6*d}, {100 + d/2, 100 + 1.1*d}, // nose, mouth
		{100 - 0.45*d, 110}, {100 + 1.45*d, 110}, // ears
	}
}

func TestHeadPose(t *testing.T) {
	yaw, roll := headPose(frontal(60))
	if !near(yaw, 0, 1e-6) || !near(roll, 0, 1e-6) {
		t.Errorf("frontal face: yaw %v roll %v, want 0 0", yaw, roll)
	}
	// Rotate the face 30° about the right eye: roll 30, yaw still 0.
	kp := frontal(60)
	c, s := float32(math.Cos(math.Pi/6)), float32(math.Sin(math.Pi/6))
	for i, p := range kp {
		x, y := p.X-100, p.Y-100
		kp[i] = Point{100 + c*x - s*y, 100 + s*x + c*y}
	}
	yaw, roll = headPose(kp)
	if !near(yaw, 0, 1e-3) || !near(roll, 30, 1e-3) {
		t.Errorf("tilted face: yaw %v roll %v, want 0 30", yaw, roll)
	}
	// Nose moved halfway to the left ear: sin(yaw) = 0.5.
	kp = frontal(60)
	kp[NoseTip].X = (kp[NoseTip].X + kp[LeftEar].X) / 2
	yaw, _ = headPose(kp)
	if !near(yaw, 30, 1e-3) {
		t.Errorf("turned face: yaw %v, want 30", yaw)
	}
}

// crop makes a 112×112 crop from a function of (x, y) giving a grey level.
func crop(f func(x, y int) float32) []float32 {
	c := make([]float32, CropSize*CropSize*3)
	for y := 0; y < CropSize; y++ {
		for x := 0; x < CropSize; x++ {
			v := f(x, y)
			c[(y*CropSize+x)*3], c[(y*CropSize+x)*3+1], c[(y*CropSize+x)*3+2] = v, v, v
		}
	}
	return c
}

func TestPhotometrics(t *testing.T) {
	flat := crop(func(x, y int) float32 { return 100 })
	sharp, mean, std := photometrics(flat)
	if sharp != 0 || !near(mean, 100, 1e-9) || std > 1e-6 {
		t.Errorf("flat: sharpness %v mean %v std %v, want 0 100 0", sharp, mean, std)
	}
	// Checkerboard 50/150: Laplacian is ±400 everywhere, variance 160000.
	cb := crop(func(x, y int) float32 {
		if (x+y)%2 == 0 {
			return 150
		}
		return 50
	})
	sharp, mean, std = photometrics(cb)
	if !near(sharp, 160000, 1e-6) || !near(mean, 100, 1e-9) || !near(std, 50, 1e-9) {
		t.Errorf("checkerboard: sharpness %v mean %v std %v, want 160000 100 50", sharp, mean, std)
	}
	// A smooth ramp has a zero Laplacian: blurred.
	ramp := crop(func(x, y int) float32 { return float32(x) })
	if sharp, _, _ = photometrics(ramp); sharp > 1e-6 {
		t.Errorf("ramp sharpness %v, want 0", sharp)
	}
}

func TestMeasureQualityReasons(t *testing.T) {
	cfg := DefaultQuality
	cb := crop(func(x, y int) float32 {
		if (x/2+y/2)%2 == 0 {
			return 160
		}
		return 60
	})
	good := MeasureQuality(Detection{Keypoints: frontal(60)}, cb, cfg, nil)
	if !good.OK() {
		t.Errorf("good face rejected: %v", good.Reasons)
	}
	for _, tc := range []struct {
		name string
		det  [6]Point
		crop []float32
		want string
	}{
		{"small", frontal(20), cb, "face too small: 20 px between eyes, need ≥ 35"},
		{"dark", frontal(60), crop(func(x, y int) float32 { return float32(10 + 10*((x+y)%2)) }), "face too dark"},
		{"bright", frontal(60), crop(func(x, y int) float32 { return float32(230 + 20*((x+y)%2)) }), "face too bright"},
		{"blurred", frontal(60), crop(func(x, y int) float32 { return float32(60 + x) }), "image blurred"},
		{"flat", frontal(60), crop(func(x, y int) float32 { return 120 }), "low contrast"},
	} {
		q := MeasureQuality(Detection{Keypoints: tc.det}, tc.crop, cfg, nil)
		if q.OK() || !strings.Contains(strings.Join(q.Reasons, "; "), tc.want) {
			t.Errorf("%s: reasons %q, want one containing %q", tc.name, q.Reasons, tc.want)
		}
	}
	turned := frontal(60)
	turned[NoseTip].X = turned[LeftEar].X - 5
	q := MeasureQuality(Detection{Keypoints: turned}, cb, cfg, nil)
	if q.OK() || !strings.Contains(q.Reasons[0], "head turned") {
		t.Errorf("turned head: reasons %q", q.Reasons)
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{}.WithDefaults()
	if err := good.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	for _, tc := range []struct {
		mut  func(*Config)
		want string
	}{
		{func(c *Config) { c.MinScore = 1.2 }, "infer.min_score"},
		{func(c *Config) { c.MaxFaces = -1 }, "infer.max_faces"},
		{func(c *Config) { c.DetectorModel = "" }, "infer.detector_model"},
		{func(c *Config) { c.Quality.MaxYaw = 120 }, "infer.quality.max_yaw"},
		{func(c *Config) { c.Alignment = "tilt" }, "infer.alignment"},
		{func(c *Config) { c.SmallFaceInterval = -2 }, "infer.small_face_interval"},
		{func(c *Config) { c.Quality.MinBrightness = 230 }, "quality.min_brightness"},
	} {
		c := good
		tc.mut(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error naming %s", err, tc.want)
		}
	}
}
