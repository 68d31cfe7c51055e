package infer

import (
	"fmt"
	"math"
)

// QualityConfig holds the thresholds of the quality gate (the daemon's
// quality: section). A zero field takes its default from DefaultQuality.
type QualityConfig struct {
	// MinEyeDistance is the smallest distance between the eyes, in image
	// pixels. The ArcFace template puts the eyes 35 px apart in the 112 px
	// crop; below that the crop is upsampled and detail is made up.
	MinEyeDistance float64 `yaml:"min_eye_distance"`
	// MaxYaw is the largest head turn to the side, in degrees.
	MaxYaw float64 `yaml:"max_yaw"`
	// MaxRoll is the largest head tilt (eye line against horizontal), in degrees.
	MaxRoll float64 `yaml:"max_roll"`
	// MinSharpness is the smallest variance of the Laplacian of the
	// aligned crop's grey face region.
	MinSharpness float64 `yaml:"min_sharpness"`
	// MinBrightness and MaxBrightness bound the mean grey level (0..255)
	// of the aligned face region.
	MinBrightness float64 `yaml:"min_brightness"`
	MaxBrightness float64 `yaml:"max_brightness"`
	// MinContrast is the smallest standard deviation of the grey levels
	// of the aligned face region.
	MinContrast float64 `yaml:"min_contrast"`
}

// DefaultQuality is the quality gate used when a field is not configured.
var DefaultQuality = QualityConfig{
	MinEyeDistance: 35,
	MaxYaw:         30,
	MaxRoll:        30,
	MinSharpness:   20,
	MinBrightness:  40,
	MaxBrightness:  220,
	MinContrast:    15,
}

// WithDefaults returns c with zero fields set from DefaultQuality.
func (c QualityConfig) WithDefaults() QualityConfig {
	d := DefaultQuality
	set := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	set(&c.MinEyeDistance, d.MinEyeDistance)
	set(&c.MaxYaw, d.MaxYaw)
	set(&c.MaxRoll, d.MaxRoll)
	set(&c.MinSharpness, d.MinSharpness)
	set(&c.MinBrightness, d.MinBrightness)
	set(&c.MaxBrightness, d.MaxBrightness)
	set(&c.MinContrast, d.MinContrast)
	return c
}

// Validate reports the first field that is out of range, by its YAML name.
func (c QualityConfig) Validate() error {
	check := func(name string, v, lo, hi float64) error {
		if math.IsNaN(v) || v < lo || v > hi {
			return fmt.Errorf("quality.%s: %v is out of range [%v, %v]", name, v, lo, hi)
		}
		return nil
	}
	for _, e := range []error{
		check("min_eye_distance", c.MinEyeDistance, 0, 10000),
		check("max_yaw", c.MaxYaw, 0, 90),
		check("max_roll", c.MaxRoll, 0, 180),
		check("min_sharpness", c.MinSharpness, 0, 1e6),
		check("min_brightness", c.MinBrightness, 0, 255),
		check("max_brightness", c.MaxBrightness, 0, 255),
		check("min_contrast", c.MinContrast, 0, 255),
	} {
		if e != nil {
			return e
		}
	}
	if c.MinBrightness >= c.MaxBrightness {
		return fmt.Errorf("quality.min_brightness %v must be below quality.max_brightness %v", c.MinBrightness, c.MaxBrightness)
	}
	return nil
}

// Quality is what the gate measured on one face and why it failed, if it did.
type Quality struct {
	// EyeDistance is the distance between the eyes in image pixels.
	EyeDistance float64
	// Yaw is the estimated head turn in degrees (positive: the nose points
	// to the image's right); Roll is the eye-line tilt in degrees.
	Yaw, Roll float64
	// Sharpness is the variance of the Laplacian of the aligned grey face.
	Sharpness float64
	// Brightness and Contrast are the mean and standard deviation of the
	// aligned grey face (0..255).
	Brightness, Contrast float64
	// Reasons lists every failed check in words a user can act on; empty
	// when the face passed.
	Reasons []string
}

// OK reports whether the face passed every check.
func (q *Quality) OK() bool { return len(q.Reasons) == 0 }

// faceRegion is the part of the aligned crop the photometric measures use:
// eyebrows to chin, cheek to cheek, away from the zero border a warp leaves
// when the face is near the image edge.
var faceRegion = struct{ x0, y0, x1, y1 int }{24, 32, 88, 100}

// MeasureQuality measures a detection and its aligned crop (112×112 RGB,
// 0..255) and checks the measures against c (which should have defaults
// filled in). reasons is reused for Quality.Reasons.
func MeasureQuality(det Detection, crop []float32, c QualityConfig, reasons []string) Quality {
	q := Quality{EyeDistance: float64(det.EyeDistance()), Reasons: reasons[:0]}
	q.Yaw, q.Roll = headPose(det.Keypoints)
	q.Sharpness, q.Brightness, q.Contrast = photometrics(crop)
	if q.EyeDistance < c.MinEyeDistance {
		q.Reasons = append(q.Reasons, fmt.Sprintf("face too small: %.0f px between eyes, need ≥ %.0f: come closer to the camera", q.EyeDistance, c.MinEyeDistance))
	}
	if math.Abs(q.Yaw) > c.MaxYaw {
		q.Reasons = append(q.Reasons, fmt.Sprintf("head turned %.0f° to the side, need ≤ %.0f°: look at the camera", math.Abs(q.Yaw), c.MaxYaw))
	}
	if math.Abs(q.Roll) > c.MaxRoll {
		q.Reasons = append(q.Reasons, fmt.Sprintf("head tilted %.0f°, need ≤ %.0f°: hold your head upright", math.Abs(q.Roll), c.MaxRoll))
	}
	if q.Sharpness < c.MinSharpness {
		q.Reasons = append(q.Reasons, fmt.Sprintf("image blurred: sharpness %.1f, need ≥ %.1f: hold still, or clean or refocus the lens", q.Sharpness, c.MinSharpness))
	}
	if q.Brightness < c.MinBrightness {
		q.Reasons = append(q.Reasons, fmt.Sprintf("face too dark: brightness %.0f, need ≥ %.0f: add light in front of the face", q.Brightness, c.MinBrightness))
	}
	if q.Brightness > c.MaxBrightness {
		q.Reasons = append(q.Reasons, fmt.Sprintf("face too bright: brightness %.0f, need ≤ %.0f: reduce direct light or camera exposure", q.Brightness, c.MaxBrightness))
	}
	if q.Contrast < c.MinContrast {
		q.Reasons = append(q.Reasons, fmt.Sprintf("low contrast: %.1f, need ≥ %.1f: avoid back light and haze on the lens", q.Contrast, c.MinContrast))
	}
	return q
}

// headPose estimates yaw and roll in degrees from BlazeFace keypoints. Roll
// is the angle of the eye line. Yaw comes from where the nose tip sits
// between the ears along the eye line: a head modelled as a cylinder gives
// offset/half-width = sin(yaw).
func headPose(kp [6]Point) (yaw, roll float64) {
	ex := float64(kp[LeftEye].X - kp[RightEye].X)
	ey := float64(kp[LeftEye].Y - kp[RightEye].Y)
	n := math.Hypot(ex, ey)
	if n == 0 {
		return 0, 0
	}
	roll = math.Atan2(ey, ex) * 180 / math.Pi
	ux, uy := ex/n, ey/n
	proj := func(p Point) float64 { return float64(p.X)*ux + float64(p.Y)*uy }
	pr, pl, pn := proj(kp[RightEar]), proj(kp[LeftEar]), proj(kp[NoseTip])
	half := (pl - pr) / 2
	if half <= 0 {
		// Ears in the wrong order: a profile or a bad detection.
		return 90, roll
	}
	o := (pn - (pl+pr)/2) / half
	o = math.Max(-1, math.Min(1, o))
	return math.Asin(o) * 180 / math.Pi, roll
}

// photometrics returns the variance of the 3×3 Laplacian
// [[0,1,0],[1,-4,1],[0,1,0]], the mean and the standard deviation of the
// grey face region of an aligned crop.
func photometrics(crop []float32) (sharp, mean, std float64) {
	const n = CropSize
	r := faceRegion
	grey := func(x, y int) float64 {
		p := crop[(y*n+x)*3:]
		return 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
	}
	var s, ss float64
	cnt := 0
	for y := r.y0; y < r.y1; y++ {
		for x := r.x0; x < r.x1; x++ {
			g := grey(x, y)
			s += g
			ss += g * g
			cnt++
		}
	}
	mean = s / float64(cnt)
	std = math.Sqrt(math.Max(ss/float64(cnt)-mean*mean, 0))
	s, ss, cnt = 0, 0, 0
	for y := r.y0; y < r.y1; y++ {
		for x := r.x0; x < r.x1; x++ {
			l := grey(x-1, y) + grey(x+1, y) + grey(x, y-1) + grey(x, y+1) - 4*grey(x, y)
			s += l
			ss += l * l
			cnt++
		}
	}
	m := s / float64(cnt)
	sharp = math.Max(ss/float64(cnt)-m*m, 0)
	return sharp, mean, std
}
