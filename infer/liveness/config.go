package liveness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"gopkg.in/yaml.v3"
)

// Mode is the liveness policy (config `liveness.mode`).
type Mode string

// The liveness modes.
const (
	// ModeOff grants without liveness checks.
	ModeOff Mode = "off"
	// ModePassive needs planarity or a blink to say live, and no border and
	// no stillness to say attack. It is the default.
	ModePassive Mode = "passive"
	// ModeBlink needs a blink.
	ModeBlink Mode = "blink"
	// ModeStrict needs a blink and planarity to say live, no border and no stillness.
	ModeStrict Mode = "strict"
)

// Spectrum is the camera's spectrum (config `camera.spectrum`).
type Spectrum string

// Camera spectra.
const (
	// Visible is an ordinary colour camera.
	Visible Spectrum = "visible"
	// Infrared is a monochrome camera behind an IR-pass filter with IR
	// illumination; it enables the infrared texture cue.
	Infrared Spectrum = "ir"
)

// Config is the daemon's `liveness:` section. Zero fields take the values of
// DefaultConfig (see WithDefaults).
type Config struct {
	// Mode is off, passive, blink or strict.
	Mode Mode `yaml:"mode"`
	// Window is how much of the track's recent history the cues look at.
	Window time.Duration `yaml:"window"`
	// MinFrames is the fewest frames in the window before any cue decides.
	MinFrames int `yaml:"min_frames"`
	// Timeout is how long a track may stay undecided, counted from its
	// first frame that adds evidence; then it is refused (denied-liveness)
	// with the cue values.
	Timeout time.Duration `yaml:"timeout"`
	// MinEyeDistance is the smallest inter-ocular distance, in pixels
	// between the mesh's eye centres, of a frame that adds liveness
	// evidence; smaller faces are followed but not judged. It is the
	// recognition gate's default (quality.min_eye_distance, 35): a face
	// too small to be recognised cannot be granted, and evidence seen on
	// it is mostly mesh noise (a far screen at 23-25 px gave a one-frame
	// eye "blink" deeper than a real blink at 20 px; docs/liveness.md).
	// Set both if you change one. A negative value turns it off.
	MinEyeDistance float64 `yaml:"min_eye_distance"`

	Planarity PlanarityConfig `yaml:"planarity"`
	Blink     BlinkConfig     `yaml:"blink"`
	Stillness StillnessConfig `yaml:"stillness"`
	Border    BorderConfig    `yaml:"border"`
	IR        IRConfig        `yaml:"ir"`
}

// PlanarityConfig tunes the planarity cue. Distances are RMS landmark
// residuals divided by the inter-ocular distance.
type PlanarityConfig struct {
	// MinMotion is the least non-similarity motion (residual of the best
	// rotation+scale+shift fit between two frames) for a frame pair to be
	// judged; with less, a plane and a head look alike and the cue abstains.
	MinMotion float64 `yaml:"min_motion"`
	// Live is the homography residual at or above which the face is not a plane.
	Live float64 `yaml:"live"`
	// Attack is the homography residual at or below which the face is a plane.
	Attack float64 `yaml:"attack"`
	// MinPairs is the fewest moving frame pairs needed for a verdict.
	MinPairs int `yaml:"min_pairs"`
	// BlinkVeto is the planarity value at or below which a blink does not
	// count: the face moved enough to be judged and moved like a plane,
	// so the eye-openness dip is the mesh reacting to a tilting print (on
	// the synthetic attacks such dips came with values of 0.010-0.013; live
	// clips that blinked read 0.025 and above). It never refuses by itself.
	// A negative value turns it off.
	BlinkVeto float64 `yaml:"blink_veto"`
	// Points is where the second frame of a pair gets its points: "image"
	// (the default) follows frame one's points in the image by patch
	// matching, "mesh" takes the second frame's mesh landmarks as they are
	// (the FaceMesh model's 3-D prior makes a quickly tilting print move like
	// a head there; see imagetrack.go). Without frames (Observation.Frame
	// nil) the mesh points are used.
	Points string `yaml:"points"`
	// MinIOD is the smallest inter-ocular distance in pixels at which the
	// mesh resolves a head's parallax; on smaller faces the cue abstains
	// (on the 150-px-wide demo clips, IOD 12-25 px, landmark noise alone
	// exceeded the live threshold on a print).
	MinIOD float64 `yaml:"min_iod"`
}

// Planarity point sources (PlanarityConfig.Points).
const (
	PointsImage = "image"
	PointsMesh  = "mesh"
)

// BlinkConfig tunes the blink cue. Openness is the lid gap over the
// eye-to-nose-base distance (see Mesh.EyeOpenness).
type BlinkConfig struct {
	// Drop is the least relative fall of openness below the window's open
	// level that counts as closed (0.35 = 35% lower).
	Drop float64 `yaml:"drop"`
	// Recover is how close to the open level (relative) the eye must come
	// before and after the dip.
	Recover float64 `yaml:"recover"`
	// MaxDuration is the longest a blink may take from open to open. A
	// spontaneous blink lasts 100-400 ms; the frames before and after it add
	// up to a frame interval each, so 0.5 s at 10-15 fps. A slower dip is a
	// droop, a glance down or the mesh wobbling on a small face, not a blink.
	MaxDuration time.Duration `yaml:"max_duration"`
}

// StillnessConfig tunes the stillness cue: the median of 1−NCC between
// consecutive aligned face crops.
type StillnessConfig struct {
	// Still is the value at or below which the face is frozen (a photo held still).
	Still float64 `yaml:"still"`
	// Moving is the value at or above which the face visibly changes.
	Moving float64 `yaml:"moving"`
	// Jump is the 1−NCC between two consecutive crops above which they are
	// taken to show different faces (the track switched, or the mesh lost
	// the face): the window restarts so evidence never mixes two faces.
	// 2 (the default, the largest possible 1−NCC) turns it off: at 0.3 it
	// refused one more synthetic attack (1/227 instead of 2/227) but also
	// one live clip (a fast head turn), see docs/liveness.md.
	Jump float64 `yaml:"jump"`
}

// BorderConfig tunes the border cue.
type BorderConfig struct {
	// MinSides is how many sides of the face (of 4) must carry a straight
	// edge for a frame to count as framed.
	MinSides int `yaml:"min_sides"`
	// Fraction is the share of window frames that must be framed for an
	// attack verdict.
	Fraction float64 `yaml:"fraction"`
}

// IRConfig tunes the infrared texture cue (camera.spectrum: ir only).
type IRConfig struct {
	// MinBrightness is the least face brightness relative to the frame mean;
	// screens emit no IR and look dark.
	MinBrightness float64 `yaml:"min_brightness"`
	// MinTexture is the least mean |Laplacian| over mean brightness of the
	// face crop; flat prints lack skin texture in IR.
	MinTexture float64 `yaml:"min_texture"`
}

// DefaultConfig is the configuration used for zero fields. The thresholds
// were set on the development clips and synthetic attacks (docs/liveness.md).
func DefaultConfig() Config {
	return Config{
		Mode:      ModePassive,
		Window:    1500 * time.Millisecond,
		MinFrames: 8,
		Timeout:   4 * time.Second,
		// the recognition gate's default, infer.DefaultQuality.MinEyeDistance
		MinEyeDistance: 35,
		Planarity:      PlanarityConfig{MinMotion: 0.02, Live: 0.035, Attack: 0.008, MinPairs: 3, MinIOD: 30, Points: PointsImage, BlinkVeto: 0.018},
		Blink:          BlinkConfig{Drop: 0.35, Recover: 0.15, MaxDuration: 500 * time.Millisecond},
		Stillness:      StillnessConfig{Still: 0.002, Moving: 0.01, Jump: 2},
		Border:         BorderConfig{MinSides: 3, Fraction: 0.5},
		IR:             IRConfig{MinBrightness: 0.5, MinTexture: 0.02},
	}
}

// WithDefaults returns c with every zero field replaced by DefaultConfig's.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	def := func(v *float64, dv float64) {
		if *v == 0 {
			*v = dv
		}
	}
	if c.Mode == "" {
		c.Mode = d.Mode
	}
	if c.Window == 0 {
		c.Window = d.Window
	}
	if c.MinFrames == 0 {
		c.MinFrames = d.MinFrames
	}
	if c.Timeout == 0 {
		c.Timeout = d.Timeout
	}
	def(&c.MinEyeDistance, d.MinEyeDistance)
	def(&c.Planarity.MinMotion, d.Planarity.MinMotion)
	def(&c.Planarity.Live, d.Planarity.Live)
	def(&c.Planarity.Attack, d.Planarity.Attack)
	def(&c.Planarity.MinIOD, d.Planarity.MinIOD)
	def(&c.Planarity.BlinkVeto, d.Planarity.BlinkVeto)
	if c.Planarity.Points == "" {
		c.Planarity.Points = d.Planarity.Points
	}
	if c.Planarity.MinPairs == 0 {
		c.Planarity.MinPairs = d.Planarity.MinPairs
	}
	def(&c.Blink.Drop, d.Blink.Drop)
	def(&c.Blink.Recover, d.Blink.Recover)
	if c.Blink.MaxDuration == 0 {
		c.Blink.MaxDuration = d.Blink.MaxDuration
	}
	def(&c.Stillness.Still, d.Stillness.Still)
	def(&c.Stillness.Moving, d.Stillness.Moving)
	def(&c.Stillness.Jump, d.Stillness.Jump)
	if c.Border.MinSides == 0 {
		c.Border.MinSides = d.Border.MinSides
	}
	def(&c.Border.Fraction, d.Border.Fraction)
	def(&c.IR.MinBrightness, d.IR.MinBrightness)
	def(&c.IR.MinTexture, d.IR.MinTexture)
	return c
}

// Validate names the first field with an impossible value, in the config
// file's terms (liveness.planarity.live, …).
func (c Config) Validate() error {
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("config: liveness.%s %v: %s", field, v, want)
	}
	switch c.Mode {
	case ModeOff, ModePassive, ModeBlink, ModeStrict:
	default:
		return bad("mode", fmt.Sprintf("%q", string(c.Mode)), "must be one of off, passive, blink, strict")
	}
	switch {
	case c.Window <= 0:
		return bad("window", c.Window, "must be positive (e.g. 1.5s)")
	case c.MinFrames < 2:
		return bad("min_frames", c.MinFrames, "must be at least 2")
	case c.Timeout < c.Window:
		return bad("timeout", c.Timeout, fmt.Sprintf("must be at least the window (%v)", c.Window))
	case c.Planarity.MinMotion <= 0:
		return bad("planarity.min_motion", c.Planarity.MinMotion, "must be positive")
	case c.Planarity.Attack <= 0 || c.Planarity.Attack > c.Planarity.Live:
		return bad("planarity.attack", c.Planarity.Attack, fmt.Sprintf("must be positive and at most planarity.live (%v)", c.Planarity.Live))
	case c.Planarity.Points != PointsImage && c.Planarity.Points != PointsMesh:
		return bad("planarity.points", fmt.Sprintf("%q", c.Planarity.Points), "must be image or mesh")
	case c.Planarity.BlinkVeto >= c.Planarity.Live:
		return bad("planarity.blink_veto", c.Planarity.BlinkVeto, fmt.Sprintf("must be below planarity.live (%v); negative turns it off", c.Planarity.Live))
	case c.Planarity.MinIOD < 0:
		return bad("planarity.min_iod", c.Planarity.MinIOD, "must not be negative")
	case c.Planarity.MinPairs < 1:
		return bad("planarity.min_pairs", c.Planarity.MinPairs, "must be at least 1")
	case c.Blink.Drop <= 0 || c.Blink.Drop >= 1:
		return bad("blink.drop", c.Blink.Drop, "must be in (0,1)")
	case c.Blink.Recover <= 0 || c.Blink.Recover >= c.Blink.Drop:
		return bad("blink.recover", c.Blink.Recover, fmt.Sprintf("must be positive and below blink.drop (%v)", c.Blink.Drop))
	case c.Blink.MaxDuration <= 0:
		return bad("blink.max_duration", c.Blink.MaxDuration, "must be positive")
	case c.Stillness.Still < 0 || c.Stillness.Still > c.Stillness.Moving:
		return bad("stillness.still", c.Stillness.Still, fmt.Sprintf("must be in [0, stillness.moving (%v)]", c.Stillness.Moving))
	case c.Stillness.Jump <= c.Stillness.Moving || c.Stillness.Jump > 2:
		return bad("stillness.jump", c.Stillness.Jump, fmt.Sprintf("must be above stillness.moving (%v) and at most 2", c.Stillness.Moving))
	case c.Border.MinSides < 1 || c.Border.MinSides > 4:
		return bad("border.min_sides", c.Border.MinSides, "must be 1..4")
	case c.Border.Fraction <= 0 || c.Border.Fraction > 1:
		return bad("border.fraction", c.Border.Fraction, "must be in (0,1]")
	case c.IR.MinBrightness < 0:
		return bad("ir.min_brightness", c.IR.MinBrightness, "must not be negative")
	case c.IR.MinTexture < 0:
		return bad("ir.min_texture", c.IR.MinTexture, "must not be negative")
	}
	return nil
}

// DecodeConfig parses a `liveness:` section body strictly (unknown keys are
// errors), fills defaults and validates it.
func DecodeConfig(b []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("config: liveness: %w", err)
	}
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}
